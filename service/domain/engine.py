"""The credit engine: one typed input event in, the output events it causes out.

``CreditEngine.handle`` is the only entry point. It is deterministic: it reads business time
from the event, never the clock, so the same input log always yields the same outputs.
Outputs of one input come as its decision first, then its notifications.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from service.domain.events import (
    AccountEvent,
    CompanyUpserted,
    CustomerUpserted,
    ExchangeRateSet,
    GroupUpserted,
    HoldRejected,
    HoldReleased,
    InvoicePosted,
    OrderCancelled,
    OrderCreated,
    PaymentPosted,
    WarehouseUpserted,
)
from service.domain.group_totals import GroupTotals
from service.domain.ledger import AccountBook, HeldOrder, id_digest
from service.domain.membership import Membership
from service.domain.money import AmountPrecisionError, to_decimal, to_minor, utc_day
from service.domain.notifications import hold_notifications, managers, review_due
from service.domain.outputs import (
    DecisionFigures,
    HoldReason,
    OrderApproved,
    OrderHeld,
    OrderRejected,
    OutputEvent,
)
from service.domain.policy import Decision, OrderFacts, decide_order
from service.domain.reference import AccountKey, CustomerProfile, ReferenceBook, credit_root
from service.domain.stored_books import StoredBooks
from service.errors import InvalidEventError


@dataclass(slots=True)
class Outcome:
    """What one input caused: outputs to publish and, when nothing was done, why not."""

    outputs: list[OutputEvent] = field(default_factory=list)
    ignored: str | None = None


def business_day(event: AccountEvent | CustomerUpserted | GroupUpserted) -> date:
    return utc_day(event.occurred_at)


class CreditEngine:
    """Balances of every account and credit group, and the rules that decide orders."""

    def __init__(self) -> None:
        self.reference = ReferenceBook()
        self.books: dict[AccountKey, AccountBook] = {}
        self.group_totals: dict[str, GroupTotals] = {}
        # books restored from a store, decoded when first used (``service.domain.stored_books``)
        self.stored = StoredBooks(self.reference, self.put_book)
        self.membership = Membership(self.reference, self.books, self.group_totals, self.stored)
        self._handlers: dict[str, Callable[[Any], Outcome]] = {
            "order_created": self._order_created,
            "invoice_posted": self._invoice_posted,
            "payment_posted": self._payment_posted,
            "order_cancelled": self._order_cancelled,
            "hold_released": self._hold_released,
            "hold_rejected": self._hold_rejected,
            "company_upserted": self._company_upserted,
            "warehouse_upserted": self._warehouse_upserted,
            "customer_upserted": self.membership.customer_upserted,
            "group_upserted": self.membership.group_upserted,
            "exchange_rate_set": self._exchange_rate_set,
        }

    def handle(self, event: Any) -> Outcome:
        """Apply one input event exactly once; a repeat changes nothing."""
        try:
            return self._handlers[event.event_type](event)
        except AmountPrecisionError as exc:
            raise InvalidEventError(str(exc)) from exc

    # -- state access ----------------------------------------------------------------------
    def book(self, account: AccountKey, event_currency: str | None = None) -> AccountBook:
        """The account's book, opened in the customer's (else company's, else event's) currency."""
        book = self.present_book(account)
        if book is None:
            profile = self.reference.customer(account)
            company = self.reference.companies.get(account[0])
            currency = (
                profile.currency if profile else company.currency if company else event_currency
            )
            if currency is None:
                raise InvalidEventError(f"no currency known for account {account}")
            book = self.books[self.reference.account_key(account)] = AccountBook(currency)
        return book

    def present_book(self, account: AccountKey) -> AccountBook | None:
        """The account's book if it has one (a stored one is loaded)."""
        book = self.books.get(account)
        if book is None and self.stored.payloads:
            return self.stored.load(account)
        return book

    def has_book(self, account: AccountKey) -> bool:
        return account in self.books or account in self.stored.payloads

    def adopt_stored(self, account: AccountKey, payload: bytes) -> tuple[AccountKey, str]:
        """Adopt a book restored from a store, as its bytes: it is decoded when first used
        (``StoredBooks``); returns the account's shared key tuple and its credit root."""
        if account in self.books:
            self.take_book(account)
        return self.stored.adopt(account, payload)

    def put_book(self, account: AccountKey, book: AccountBook) -> str:
        """Adopt a book (restored from a store, or handed over by another root); returns the
        account's credit root."""
        self.take_book(account)
        profile = self.reference.customer(account)
        self.books[account if profile is None else profile.account] = book
        group = self.reference.group_of(profile)
        if group is None:
            return credit_root(account, None)
        self.totals_of(group.group_id).add_book(book, account[0], +1)
        return credit_root(account, group.group_id)

    def take_book(self, account: AccountKey) -> AccountBook | None:
        """Remove a book and its share of its group's totals; returns it (None for none, or
        for a stored book, dropped undecoded: it was counted nowhere)."""
        book = self.books.get(account)
        if book is None:
            self.stored.drop(account)
            return None
        self._count_in_group(account, book, -1)
        del self.books[account]
        return book

    def _count_in_group(self, account: AccountKey, book: AccountBook, sign: int) -> None:
        group_id = self.membership.group_id(account)
        if group_id is not None:
            self.totals_of(group_id).add_book(book, account[0], sign)

    def totals_of(self, group_id: str) -> GroupTotals:
        totals = self.group_totals.get(group_id)
        if totals is None:
            totals = self.group_totals[group_id] = GroupTotals()
        return totals

    def group_overdue(self, group_id: str, day: date, allowed_days: int) -> dict[str, int]:
        """The members' overdue amounts per ledger currency, from the group's due dates."""
        totals = self.loaded_totals(group_id)
        return {} if totals is None else totals.overdue(day, allowed_days)

    def loaded_totals(self, group_id: str) -> GroupTotals | None:
        """A group's totals to read: complete, its stored members loaded first."""
        if group_id in self.stored.groups:
            self.stored.load_group(group_id)
        return self.group_totals.get(group_id)

    def _tracked(
        self, account: AccountKey, book: AccountBook, receivable: int, open_: int,
        dues: dict[int, int] | None = None,
    ) -> None:  # fmt: skip
        """Carry a change of the book's balances (and of its open invoices by due date, ``dues``)
        into its group's totals."""
        self._track_in(self.membership.group_id(account), account[0], book, receivable, open_,
                       dues)  # fmt: skip

    def _track_in(
        self, group_id: str | None, company_id: str, book: AccountBook, receivable: int,
        open_: int, dues: dict[int, int] | None,
    ) -> None:  # fmt: skip
        if group_id is None:
            return
        totals = self.group_totals.get(group_id)
        if totals is None:
            totals = self.group_totals[group_id] = GroupTotals()
        totals.add(book.currency, company_id, book.receivable - receivable,
                   book.open_order_total - open_)  # fmt: skip
        if dues:
            totals.add_dues(book.currency, dues)

    def _review_due(
        self, event: AccountEvent, book: AccountBook, outcome: Outcome,
        profile: CustomerProfile | None, day: date | None = None,
    ) -> Outcome:  # fmt: skip
        """REVIEW_DUE on the first event of an account on or after its next review date
        (``day``: the event's business day, if known)."""
        due = profile.next_review if profile else None
        if profile is None or due is None or book.review_notified == due:
            return outcome  # (notified already: the business day need not be worked out)
        if (business_day(event) if day is None else day) < due:
            return outcome
        book.review_notified = due
        outcome.outputs.append(
            review_due(event.event_id, event.occurred_at, event.account, profile)
        )
        return outcome

    def _ledger_amount(self, amount: Decimal, currency: str, book: AccountBook, event: Any) -> int:
        minor = to_minor(amount, currency)
        converted = self.reference.rates.convert(minor, currency, book.currency, event.occurred_at)
        if converted is None:
            raise InvalidEventError(
                f"no exchange rate {currency}->{book.currency} at {event.occurred_at.isoformat()}"
            )
        return converted

    # -- orders ----------------------------------------------------------------------------
    def _order_created(self, event: OrderCreated) -> Outcome:
        account = event.account
        book = self.book(account, event.currency)
        digest = id_digest("order", event.order_id)
        if book.has_seen(digest):
            return Outcome(ignored=f"order {event.order_id} already decided")
        facts = self._facts(event, account, book, event.occurred_at)
        decision = decide_order(facts)
        book.mark_seen(digest)
        if decision.held:
            outputs = self._hold(event, book, decision, facts)
        else:
            outputs = [self._approve(event, book, decision, facts)]
        return self._review_due(event, book, Outcome(outputs), facts.customer, facts.day)

    def _facts(
        self, event: OrderCreated, account: AccountKey, book: AccountBook, instant: datetime
    ) -> OrderFacts:
        reference = self.reference
        customer = reference.customer(account)
        group = reference.group_of(customer)
        warehouse = reference.warehouses.get(event.warehouse_id) if event.warehouse_id else None
        if warehouse is not None and warehouse.company_id != event.company_id:
            warehouse = None
        company = reference.companies.get(event.company_id)
        return OrderFacts(
            event, to_minor(event.amount, event.currency), instant, utc_day(instant), company,
            warehouse, customer, group, book,
            self.loaded_totals(group.group_id) if group is not None else None,
            company is None or company.include_open_orders, reference.no_open_orders,
            reference.rates,
        )  # fmt: skip

    def _approve(
        self, event: OrderCreated, book: AccountBook, decision: Decision, facts: OrderFacts
    ) -> OrderApproved:
        group_id = facts.group.group_id if facts.group else None
        include_open = facts.include_open
        before = book.exposure(include_open)
        if event.payment_type == "on_account" and decision.ledger_amount is not None:
            receivable, open_ = book.receivable, book.open_order_total
            book.add_order(event.order_id, decision.ledger_amount)
            self._track_in(group_id, event.company_id, book, receivable, open_, None)
        return OrderApproved(
            f"{event.event_id}:decision", event.order_id, event.company_id, event.customer_id,
            group_id, event.amount, event.currency, (),
            event.occurred_at, self._figures(book, before, include_open, decision),
        )  # fmt: skip

    def _figures(
        self, book: AccountBook, before: int, include_open: bool, decision: Decision | None
    ) -> DecisionFigures:
        binding = decision.binding() if decision else None
        if binding is None:
            ccy = book.currency
            after = book.exposure(include_open)
            return DecisionFigures(to_decimal(before, ccy), to_decimal(after, ccy), ccy)
        ccy = binding.currency
        return DecisionFigures(
            to_decimal(binding.exposure, ccy), to_decimal(binding.exposure + binding.order, ccy),
            ccy, to_decimal(binding.limit, ccy), to_decimal(binding.limit - binding.exposure, ccy),
        )  # fmt: skip

    def _hold(
        self, event: OrderCreated, book: AccountBook, decision: Decision, facts: OrderFacts
    ) -> list[OutputEvent]:
        customer, group = facts.customer, facts.group
        ledger_amount = decision.ledger_amount if event.payment_type == "on_account" else 0
        book.hold(event.order_id, HeldOrder(
            event.event_id, event.amount, event.currency, ledger_amount, event.payment_type,
            tuple(reason.code for reason in decision.reasons),
            customer.credit_manager if customer else None, event.entered_by,
            event.warehouse_id, event.occurred_at,
        ))  # fmt: skip
        held = OrderHeld(
            f"{event.event_id}:decision", event.order_id, event.company_id, event.customer_id,
            group.group_id if group else None, event.amount, event.currency,
            tuple(decision.reasons), managers(customer, group), event.occurred_at,
        )  # fmt: skip
        notices = hold_notifications(
            event.event_id, event.occurred_at, event.account, event.order_id, customer, group,
            event.entered_by, decision.reasons,
        )  # fmt: skip
        return [held, *notices]

    def _order_cancelled(self, event: OrderCancelled) -> Outcome:
        book = self.present_book(event.account)
        if book is None:
            return Outcome(ignored=f"cancel of unknown or closed order {event.order_id}")
        receivable, open_ = book.receivable, book.open_order_total
        if book.take_order(event.order_id) is not None:
            self._tracked(event.account, book, receivable, open_)
        elif not book.drop_hold(event.order_id):
            return Outcome(ignored=f"cancel of unknown or closed order {event.order_id}")
        return self._review_due(event, book, Outcome(), self.reference.customer(event.account))

    def _hold_released(self, event: HoldReleased) -> Outcome:
        book = self.present_book(event.account)
        held = book.held(event.order_id) if book is not None else None
        if book is None or held is None:
            return Outcome(ignored=f"release of unknown or not held order {event.order_id}")
        amount = held.ledger_amount
        if held.payment_type == "on_account" and amount is None:
            amount = self._ledger_amount(held.amount, held.currency, book, event)
        book.drop_hold(event.order_id)
        include_open = self.reference.include_open_orders(event.company_id)
        before = book.exposure(include_open)
        if held.payment_type == "on_account" and amount is not None:
            receivable, open_ = book.receivable, book.open_order_total
            book.add_order(event.order_id, amount)
            self._tracked(event.account, book, receivable, open_)
        approved = OrderApproved(
            f"{event.event_id}:decision", event.order_id, event.company_id, event.customer_id,
            self.membership.group_id(event.account), held.amount, held.currency,
            (HoldReason("MANUAL_RELEASE", f"released by {event.decided_by}"),),
            event.occurred_at, self._figures(book, before, include_open, None), event.decided_by,
        )  # fmt: skip
        return self._review_due(
            event, book, Outcome([approved]), self.reference.customer(event.account)
        )

    def _hold_rejected(self, event: HoldRejected) -> Outcome:
        book = self.present_book(event.account)
        if book is None or not book.drop_hold(event.order_id):
            return Outcome(ignored=f"reject of unknown or not held order {event.order_id}")
        rejected = OrderRejected(
            f"{event.event_id}:decision", event.order_id, event.company_id, event.customer_id,
            event.decided_by, event.occurred_at,
        )  # fmt: skip
        return self._review_due(
            event, book, Outcome([rejected]), self.reference.customer(event.account)
        )

    # -- receivables -----------------------------------------------------------------------
    def _invoice_posted(self, event: InvoicePosted) -> Outcome:
        def post(book: AccountBook, amount: int) -> dict[int, int]:
            if event.order_id is not None and book.orders is not None:
                # the order becomes a receivable
                book.reduce_order(event.order_id, amount)
            return book.post_invoice(event.invoice_id, amount, event.invoice_date, event.due_date)

        return self._post_receivable(event, "invoice", event.invoice_id, post)

    def _payment_posted(self, event: PaymentPosted) -> Outcome:
        def post(book: AccountBook, amount: int) -> dict[int, int]:
            return book.post_payment(amount, event.invoice_ids or ())

        return self._post_receivable(event, "payment", event.payment_id, post)

    def _post_receivable(
        self, event: InvoicePosted | PaymentPosted, kind: str, business_id: str,
        post: Callable[[AccountBook, int], dict[int, int]],
    ) -> Outcome:  # fmt: skip
        """Once per business id: the amount in the book's currency, posted, group updated."""
        account = event.account
        book = self.book(account, event.currency)
        digest = id_digest(kind, business_id)
        if book.has_seen(digest):
            return Outcome(ignored=f"{kind} {business_id} already posted")
        amount = self._ledger_amount(event.amount, event.currency, book, event)
        book.mark_seen(digest)
        profile = self.reference.customer(account)
        group = self.reference.group_of(profile)
        receivable, open_ = book.receivable, book.open_order_total
        dues = post(book, amount)  # the change of its open invoices by due date
        group_id = None if group is None else group.group_id
        self._track_in(group_id, event.company_id, book, receivable, open_, dues)
        return self._review_due(event, book, Outcome(), profile)

    # -- reference data --------------------------------------------------------------------
    def _company_upserted(self, event: CompanyUpserted) -> Outcome:
        if not self.reference.first_delivery(event.event_id):
            return Outcome(ignored="company record already applied")
        applied = self.reference.put_company(event)
        return Outcome() if applied else Outcome(ignored="older than the company record held")

    def _warehouse_upserted(self, event: WarehouseUpserted) -> Outcome:
        if not self.reference.first_delivery(event.event_id):
            return Outcome(ignored="warehouse record already applied")
        applied = self.reference.put_warehouse(event)
        return Outcome() if applied else Outcome(ignored="older than the warehouse record held")

    def _exchange_rate_set(self, event: ExchangeRateSet) -> Outcome:
        if not self.reference.first_delivery(event.event_id):
            return Outcome(ignored="exchange rate already applied")
        applied = self.reference.rates.set_rate(
            event.from_currency, event.to_currency, event.rate, event.valid_from_instant,
            event.occurred_at,
        )  # fmt: skip
        return Outcome() if applied else Outcome(ignored="older than the rate record held")
