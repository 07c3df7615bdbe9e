"""What people ask of the ledger: exposure, the hold list, aged balances and the audit.

Pure reads over a ``CreditEngine``'s state at a business day the caller names; the manager
audit's update run is the one write, and it only rewrites the manager a hold records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from service.domain.engine import CreditEngine
from service.domain.events import DEFAULT_AGING_PERIOD_DAYS
from service.domain.ledger import AccountBook
from service.domain.money import to_decimal
from service.domain.policy import aging_period
from service.domain.reference import AccountKey


@dataclass(frozen=True, slots=True)
class CreditPosition:
    """Exposure against the limit that applies, in ``currency``; no limit means unlimited."""

    currency: str
    exposure: Decimal
    limit: Decimal | None
    available: Decimal | None


@dataclass(frozen=True, slots=True)
class HoldEntry:
    company_id: str
    customer_id: str
    order_id: str
    amount: Decimal
    currency: str
    reason_codes: tuple[str, ...]
    credit_manager: str | None
    held_at: datetime


@dataclass(frozen=True, slots=True)
class AgedBalance:
    company_id: str
    customer_id: str
    currency: str
    periods: tuple[Decimal, Decimal, Decimal, Decimal, Decimal]


@dataclass(frozen=True, slots=True)
class AgedGroup:
    group_id: str
    currency: str
    members: tuple[AgedBalance, ...]
    total: tuple[Decimal, Decimal, Decimal, Decimal, Decimal] | None  # None: a rate is missing


def _position(exposure: int, limit: int | None, ccy: str) -> CreditPosition:
    if limit is None:
        return CreditPosition(ccy, to_decimal(exposure, ccy), None, None)
    return CreditPosition(
        ccy, to_decimal(exposure, ccy), to_decimal(limit, ccy), to_decimal(limit - exposure, ccy)
    )


def account_position(engine: CreditEngine, account: AccountKey, day: date) -> CreditPosition:
    """The account's exposure against its own limit (else the company default), in that
    limit's currency; ``LookupError`` when a rate needed to compare them is missing."""
    reference = engine.reference
    book = engine.present_book(account) or AccountBook(_currency(engine, account))
    exposure = book.exposure(reference.include_open_orders(account[0]))
    profile = reference.customer(account)
    limit = profile.own_limit(day) if profile else None
    ccy = profile.currency if profile is not None and limit is not None else book.currency
    if limit is None:
        company = reference.companies.get(account[0])
        if company is not None and company.default_credit_limit is not None:
            ccy, limit = company.currency, company.default_credit_limit
    instant = datetime.combine(day, time.max, tzinfo=UTC)
    converted = reference.rates.convert(exposure, book.currency, ccy, instant)
    if converted is None:
        raise LookupError(f"no exchange rate {book.currency}->{ccy} on {day}")
    return _position(converted, limit, ccy)


def group_position(engine: CreditEngine, group_id: str, day: date) -> CreditPosition | None:
    """The group's summed exposure against the group limit; ``None`` for an unknown group."""
    group = engine.reference.groups.get(group_id)
    if group is None:
        return None
    instant = datetime.combine(day, time.max, tzinfo=UTC)
    totals = engine.loaded_totals(group_id)
    per_currency: dict[str, int] = {}  # summed before converting, as the group check does
    for (ccy, company_id), (receivable, open_orders) in totals.buckets.items() if totals else ():
        amount = receivable + (
            open_orders if engine.reference.include_open_orders(company_id) else 0
        )
        per_currency[ccy] = per_currency.get(ccy, 0) + amount
    total = 0
    for ccy, amount in sorted(per_currency.items()):
        converted = engine.reference.rates.convert(amount, ccy, group.currency, instant)
        if converted is None:
            raise LookupError(f"no exchange rate {ccy}->{group.currency} on {day}")
        total += converted
    return _position(total, group.credit_limit, group.currency)


def _currency(engine: CreditEngine, account: AccountKey) -> str:
    profile = engine.reference.customer(account)
    company = engine.reference.companies.get(account[0])
    # ISO 4217 "XXX": no currency, for an account the ledger knows nothing of
    return profile.currency if profile else company.currency if company else "XXX"


def held_orders(
    engine: CreditEngine, manager: str | None = None, customer_id: str | None = None,
    company_id: str | None = None,
) -> list[HoldEntry]:  # fmt: skip
    """The release inquiry of SX.e: with a customer, every hold of that customer whoever the
    manager; with only a manager, every hold recorded with that manager."""
    entries = []
    engine.stored.load_all()
    for (company, customer), book in sorted(engine.books.items()):
        if not book.holds:
            continue
        if customer_id is not None and (
            customer != customer_id or company_id not in (None, company)
        ):
            continue
        for order_id, held in sorted(book.hold_items().items()):
            if customer_id is None and manager is not None and held.credit_manager != manager:
                continue
            entry = HoldEntry(company, customer, order_id, held.amount, held.currency,
                              held.reason_codes, held.credit_manager, held.held_at)  # fmt: skip
            entries.append(entry)
    return entries


def aged_balances(engine: CreditEngine, group_id: str, day: date) -> AgedGroup | None:
    """Each member's open receivables by aging period on ``day``, and the group's total."""
    group = engine.reference.groups.get(group_id)
    if group is None:
        return None
    instant = datetime.combine(day, time.max, tzinfo=UTC)
    members, total, complete = [], [0] * 5, True
    for account in engine.reference.members(group_id):
        book = engine.present_book(account)
        if book is None:
            continue
        company = engine.reference.companies.get(account[0])
        bounds = company.aging_period_days if company else DEFAULT_AGING_PERIOD_DAYS
        periods = [0] * 5
        for invoice in book.open_invoices():
            periods[aging_period(day.toordinal() - invoice.due, bounds) - 1] += invoice.open_amount
        ccy = book.currency
        members.append(AgedBalance(account[0], account[1], ccy,
                                   _five(to_decimal(p, ccy) for p in periods)))  # fmt: skip
        for index, amount in enumerate(periods):
            converted = engine.reference.rates.convert(amount, ccy, group.currency, instant)
            complete = complete and converted is not None
            total[index] += converted or 0
    group_total = _five(to_decimal(p, group.currency) for p in total) if complete else None
    return AgedGroup(group_id, group.currency, tuple(members), group_total)


def _five(values: Iterable[Decimal]) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    a, b, c, d, e = values
    return (a, b, c, d, e)


@dataclass(frozen=True, slots=True)
class AuditFinding:
    company_id: str
    customer_id: str
    order_id: str
    recorded_manager: str | None
    current_manager: str | None


def manager_audit(engine: CreditEngine, update: bool = False) -> list[AuditFinding]:
    """Holds whose recorded manager differs from the customer's current one (SX.e audit
    report); ``update=True`` rewrites them to the current manager."""
    findings = []
    engine.stored.load_all()
    for account, book in sorted(engine.books.items()):
        if not book.holds:
            continue
        profile = engine.reference.customer(account)
        current = profile.credit_manager if profile else None
        for order_id, held in sorted(book.hold_items().items()):
            if held.credit_manager != current:
                findings.append(AuditFinding(account[0], account[1], order_id,
                                             held.credit_manager, current))  # fmt: skip
                if update:
                    held.credit_manager = current
                    book.hold(order_id, held)
    return findings
