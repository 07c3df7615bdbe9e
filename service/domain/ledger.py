"""Balances: what each account owes, and each credit group's running totals.

An ``AccountBook`` holds one account's open receivables, approved open orders, held orders
and unapplied credit, in the account's ledger currency (integer minor units). Group totals
are derived from the member books and kept incrementally in buckets per
``(ledger currency, company)``, so a group check converts a handful of sums, not every member.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

AccountKey = tuple[str, str]
_SMALL_ID_LOG = 32


def _digests(raw: bytes) -> set[bytes]:
    return {raw[i : i + 8] for i in range(0, len(raw), 8)}


def id_digest(kind: str, business_id: str) -> bytes:
    """A stable 8-byte digest of a business id (``order``, ``invoice``, ``payment``)."""
    return hashlib.blake2b(f"{kind}:{business_id}".encode(), digest_size=8).digest()


@dataclass(slots=True)
class HeldOrder:
    """An order waiting for a credit analyst, as it was when held."""

    event_id: str
    amount: Decimal
    currency: str
    ledger_amount: int | None  # in the book's currency; None when no rate was known
    payment_type: str
    reason_codes: tuple[str, ...]
    credit_manager: str | None  # the customer's manager at the time of the hold
    entered_by: str | None
    warehouse_id: str | None
    held_at: datetime


@dataclass(slots=True)
class OpenInvoice:
    """An unpaid invoice; dates are ordinals (``date.toordinal()``), compared on every order."""

    open_amount: int
    due: int
    invoice_date: int


class AccountBook:
    """One account's balances. ``receivable`` = open invoices − unapplied credit."""

    __slots__ = (
        "credit", "currency", "holds", "invoices", "open_order_total", "orders",
        "receivable", "review_notified", "seen",
    )  # fmt: skip

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.receivable = 0
        self.open_order_total = 0
        self.credit = 0
        self.orders: dict[str, int] | None = None
        self.holds: dict[str, HeldOrder] | None = None
        self.invoices: dict[str, OpenInvoice] | None = None
        self.seen: bytes | set[bytes] = b""
        self.review_notified: date | None = None

    # -- idempotence -----------------------------------------------------------------------
    def has_seen(self, digest: bytes) -> bool:
        seen = self.seen
        if isinstance(seen, set):
            return digest in seen
        at = seen.find(digest)
        while at != -1 and at % 8:
            at = seen.find(digest, at + 1)
        return at != -1

    def mark_seen(self, digest: bytes) -> None:
        seen = self.seen
        if isinstance(seen, set):
            seen.add(digest)
        elif len(seen) >= _SMALL_ID_LOG * 8:
            self.seen = _digests(seen) | {digest}
        else:
            self.seen = seen + digest

    def seen_bytes(self) -> bytes:
        """The id log as concatenated 8-byte digests (what a snapshot keeps)."""
        seen = self.seen
        return b"".join(sorted(seen)) if isinstance(seen, set) else seen

    def load_seen(self, raw: bytes) -> None:
        self.seen = raw if len(raw) <= _SMALL_ID_LOG * 8 else _digests(raw)

    def seen_digests(self) -> set[bytes]:
        return self.seen if isinstance(self.seen, set) else _digests(self.seen)

    # -- exposure --------------------------------------------------------------------------
    def exposure(self, include_open_orders: bool) -> int:
        if include_open_orders:
            return self.receivable + self.open_order_total
        return self.receivable

    def add_order(self, order_id: str, amount: int) -> None:
        if self.orders is None:
            self.orders = {}
        self.orders[order_id] = amount
        self.open_order_total += amount

    def remove_order(self, order_id: str) -> int:
        assert self.orders is not None
        amount = self.orders.pop(order_id)
        self.open_order_total -= amount
        if not self.orders:
            self.orders = None
        return amount

    def reduce_order(self, order_id: str, by: int) -> int:
        """Move up to ``by`` of an open order's amount out of open orders; returns how much."""
        if self.orders is None or order_id not in self.orders:
            return 0
        moved = min(self.orders[order_id], by)
        self.orders[order_id] -= moved
        self.open_order_total -= moved
        if self.orders[order_id] == 0:
            self.remove_order(order_id)
        return moved

    def hold(self, order_id: str, held: HeldOrder) -> None:
        if self.holds is None:
            self.holds = {}
        self.holds[order_id] = held

    def take_hold(self, order_id: str) -> HeldOrder | None:
        if self.holds is None or order_id not in self.holds:
            return None
        held = self.holds.pop(order_id)
        if not self.holds:
            self.holds = None
        return held

    # -- receivables -----------------------------------------------------------------------
    def post_invoice(self, invoice_id: str, amount: int, invoice_date: date, due: date) -> None:
        """A new receivable; unapplied credit from earlier payments is consumed first."""
        consumed = min(self.credit, amount)
        self.credit -= consumed
        if self.invoices is None:
            self.invoices = {}
        self.invoices[invoice_id] = OpenInvoice(
            amount - consumed, due.toordinal(), invoice_date.toordinal()
        )
        self.receivable += amount
        if amount == consumed:
            del self.invoices[invoice_id]

    def post_payment(self, amount: int, invoice_ids: tuple[str, ...]) -> None:
        """Pay the named invoices first, then the oldest by due date; the rest is credit."""
        self.receivable -= amount
        remaining = amount
        for invoice_id in (*invoice_ids, *self._oldest_first()):
            if remaining == 0:
                break
            remaining -= self._settle(invoice_id, remaining)
        self.credit += remaining

    def _oldest_first(self) -> list[str]:
        if not self.invoices:
            return []
        by_age = sorted(self.invoices.items(), key=lambda item: (item[1].due, item[0]))
        return [invoice_id for invoice_id, _ in by_age]

    def _settle(self, invoice_id: str, available: int) -> int:
        invoice = None if self.invoices is None else self.invoices.get(invoice_id)
        if invoice is None:
            return 0
        paid = min(invoice.open_amount, available)
        invoice.open_amount -= paid
        if invoice.open_amount == 0 and self.invoices is not None:
            del self.invoices[invoice_id]
        return paid

    def open_invoices(self) -> list[OpenInvoice]:
        return [] if self.invoices is None else list(self.invoices.values())

    def dues(self) -> dict[int, int]:
        """Open invoice amounts by due date (ordinal)."""
        found: dict[int, int] = {}
        for invoice in (self.invoices or {}).values():
            due = invoice.due
            found[due] = found.get(due, 0) + invoice.open_amount
        return found

    def overdue(self, day: date, allowed_days: int) -> int:
        """Unpaid invoice amounts more than ``allowed_days`` past due on ``day``."""
        if self.invoices is None:
            return 0
        cutoff = day.toordinal() - allowed_days
        return sum(i.open_amount for i in self.invoices.values() if i.due < cutoff)


class GroupTotals:
    """A credit group's member balances, summed per ``(ledger currency, company)``.

    Each bucket is ``[receivable, open orders]``; whether open orders count is the member
    company's setting, read when the group's exposure is computed.
    """

    __slots__ = ("buckets", "dues")

    def __init__(self) -> None:
        self.buckets: dict[tuple[str, str], list[int]] = {}
        self.dues: dict[tuple[str, int], int] = {}  # (currency, due ordinal) → open invoices

    def add(self, currency: str, company_id: str, receivable: int, open_orders: int) -> None:
        bucket = self.buckets.get((currency, company_id))
        if bucket is None:
            bucket = self.buckets[(currency, company_id)] = [0, 0]
        bucket[0] += receivable
        bucket[1] += open_orders

    def add_book(self, book: AccountBook, company_id: str, sign: int) -> None:
        """Count a member's whole book in (``sign`` 1) or out (``sign`` -1) of the group."""
        self.add(book.currency, company_id, sign * book.receivable, sign * book.open_order_total)
        dues = book.dues()
        self.add_dues(book.currency, {} if sign > 0 else dues, dues if sign > 0 else {})

    def add_dues(self, currency: str, before: dict[int, int], after: dict[int, int]) -> None:
        """Carry a member's change of open invoices by due date into the group's."""
        for due in before.keys() | after.keys():
            change = after.get(due, 0) - before.get(due, 0)
            if change:
                key = (currency, due)
                left = self.dues.get(key, 0) + change
                if left:
                    self.dues[key] = left
                else:
                    del self.dues[key]

    def overdue(self, day: date, allowed_days: int) -> dict[str, int]:
        """Open invoice amounts more than ``allowed_days`` past due on ``day``, per currency."""
        cutoff = day.toordinal() - allowed_days
        found: dict[str, int] = {}
        for (currency, due), amount in self.dues.items():
            if due < cutoff:
                found[currency] = found.get(currency, 0) + amount
        return found
