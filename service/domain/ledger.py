"""Balances: what each account owes, and each credit group's running totals.

An ``AccountBook`` holds one account's open receivables, approved open orders, held orders
and unapplied credit, in the account's ledger currency (integer minor units). Group totals
are derived from the member books and kept incrementally in buckets per
``(ledger currency, company)``, so a group check converts a handful of sums, not every member.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from service.domain.interning import DigestSet
from service.domain.packing import (
    AMOUNT,
    COUNT,
    INT64_MAX,
    INT64_MIN,
    INVOICE,
    NUL,
    SEP,
    SMALL_ID_LOG,
    Digest,
    OpenInvoice,
    PackedInvoices,
    PackedOrders,
    due_changes,
    encode,
    find_digest,
    id_table,
    invoice_records,
    pack_invoices,
    pack_orders,
    pay_invoices,
    position,
    table_bytes,
    table_end,
    unpack_invoices,
    unpack_orders,
)
from service.domain.packing import (
    id_digest as id_digest,  # (callers import it from here)
)

AccountKey = tuple[str, str]


def _digests(raw: bytes) -> set[bytes]:
    return {raw[i : i + 8] for i in range(0, len(raw), 8)}


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

    def to_record(self) -> list[Any]:
        """The hold as JSON values (what a snapshot keeps): amount and instant as text."""
        return [
            self.event_id, str(self.amount), self.currency, self.ledger_amount,
            self.payment_type, list(self.reason_codes), self.credit_manager, self.entered_by,
            self.warehouse_id, self.held_at.isoformat(),
        ]  # fmt: skip

    @classmethod
    def from_record(cls, record: list[Any]) -> HeldOrder:
        event_id, amount, ccy, ledger, payment, codes, manager, entered, warehouse, at = record
        return cls(
            event_id, Decimal(amount), ccy, ledger, payment, tuple(codes), manager, entered,
            warehouse, datetime.fromisoformat(at),
        )  # fmt: skip


# An account's holds are few and rarely read (release, reject, inquiries): each is one JSON
# line ``[order id, *HeldOrder.to_record()]``, a hundred-odd bytes instead of several hundred.
_JSON = json.JSONEncoder(separators=(",", ":"))


def _hold_prefix(order_id: str) -> bytes:
    """How the line of the order's hold begins."""
    return b"[" + _JSON.encode(order_id).encode() + b","


def _hold_line(prefix: bytes, held: HeldOrder) -> bytes:
    return prefix + _JSON.encode(held.to_record())[1:].encode()


class AccountBook:
    """One account's balances. ``receivable`` = open invoices − unapplied credit.

    ``orders`` packs the approved open orders (id → amount in the book's currency),
    ``invoices`` the open invoices (id → open amount, due date, invoice date), both in the
    order they were added; ``None`` when there are none.
    """

    __slots__ = (
        "credit", "currency", "holds", "invoices", "open_order_total", "orders",
        "receivable", "review_notified", "seen",
    )  # fmt: skip

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.receivable = 0
        self.open_order_total = 0
        self.credit = 0
        self.orders: PackedOrders | None = None
        self.holds: bytes | None = None  # one JSON line per held order
        self.invoices: PackedInvoices | None = None
        self.seen: bytes | DigestSet = b""  # ids seen: digests, then a table when many
        self.review_notified: date | None = None

    # -- idempotence -----------------------------------------------------------------------
    def has_seen(self, digest: Digest) -> bool:
        seen = self.seen
        if isinstance(seen, DigestSet):
            return int.from_bytes(digest, "big") in seen
        at = seen.find(digest)
        return at != -1 and (at % 8 == 0 or find_digest(seen, digest, 8) != -1)

    def mark_seen(self, digest: Digest) -> None:
        """Log an id not seen before (``has_seen`` was false)."""
        seen = self.seen
        if isinstance(seen, DigestSet):
            seen.add(int.from_bytes(digest, "big"))
        elif len(seen) >= SMALL_ID_LOG * 8:
            self.seen = id_table(seen + digest)
        else:
            self.seen = seen + digest

    def seen_bytes(self) -> bytes:
        """The id log as concatenated 8-byte digests (what a snapshot keeps): as logged, or
        sorted once there are more than 32."""
        seen = self.seen
        if isinstance(seen, DigestSet):
            return table_bytes(seen)
        return seen if len(seen) <= 32 * 8 else b"".join(sorted(_digests(seen)))

    def load_seen(self, raw: bytes) -> None:
        self.seen = raw if len(raw) <= SMALL_ID_LOG * 8 else id_table(raw)

    def seen_digests(self) -> set[bytes]:
        return _digests(self.seen_bytes())

    # -- exposure --------------------------------------------------------------------------
    def exposure(self, include_open_orders: bool) -> int:
        if include_open_orders:
            return self.receivable + self.open_order_total
        return self.receivable

    def order_items(self) -> dict[str, int]:
        """The open orders: id → amount, in the order they were opened."""
        return unpack_orders(self.orders)

    def set_orders(self, orders: dict[str, int]) -> None:
        """Replace the open orders (``open_order_total`` is the caller's)."""
        self.orders = pack_orders(orders)

    def has_order(self, order_id: str) -> bool:
        orders = self.orders
        if orders is None:
            return False
        if isinstance(orders, bytes):
            return position(orders[table_end(orders, 8) :], encode(order_id)) != -1
        return order_id in orders

    def add_order(self, order_id: str, amount: int) -> None:
        """An open order; an order already open is replaced."""
        orders = self.orders
        self.open_order_total += amount
        if INT64_MIN <= amount <= INT64_MAX and SEP not in order_id:
            encoded = encode(order_id)
            if orders is None:
                self.orders = COUNT.pack(1) + AMOUNT.pack(amount) + encoded
                return
            if isinstance(orders, bytes):
                count = COUNT.unpack_from(orders)[0]
                end = 4 + 8 * count
                ids = orders[end:]
                at = -1 if ids.find(encoded) == -1 else position(ids, encoded)
                if at == -1:
                    head, record = COUNT.pack(count + 1), AMOUNT.pack(amount)
                    self.orders = b"".join((head, orders[4:end], record, ids, NUL, encoded))
                else:
                    offset = 4 + 8 * at
                    self.orders = orders[:offset] + AMOUNT.pack(amount) + orders[offset + 8 :]
                return
        items = unpack_orders(orders)
        items[order_id] = amount
        self.orders = pack_orders(items)

    def remove_order(self, order_id: str) -> int:
        amount = self._take_order(order_id, None)
        if amount is None:
            raise KeyError(order_id)
        return amount

    def take_order(self, order_id: str) -> int | None:
        """Close an open order; its amount, or ``None`` if it is not open."""
        return self._take_order(order_id, None)

    def reduce_order(self, order_id: str, by: int) -> int:
        """Move up to ``by`` of an open order's amount out of open orders; returns how much."""
        amount = self._take_order(order_id, by)
        return 0 if amount is None else amount

    def _take_order(self, order_id: str, by: int | None) -> int | None:
        """Take ``by`` (everything: ``None``) of an open order; ``None`` if it is not open."""
        orders = self.orders
        if orders is None:
            return None
        if isinstance(orders, bytes):
            count = COUNT.unpack_from(orders)[0]
            end = 4 + 8 * count
            ids = orders[end:]
            at = position(ids, encode(order_id))
            if at == -1:
                return None
            offset = 4 + 8 * at
            amount: int = AMOUNT.unpack_from(orders, offset)[0]
            moved = amount if by is None or by >= amount else by
            if moved != amount:
                self.orders = orders[:offset] + AMOUNT.pack(amount - moved) + orders[offset + 8 :]
            elif count == 1:
                self.orders = None
            else:
                rest = ids.split(NUL)
                del rest[at]
                self.orders = b"".join(
                    (COUNT.pack(count - 1), orders[4:offset], orders[offset + 8 : end],
                     NUL.join(rest))
                )  # fmt: skip
        else:
            if order_id not in orders:
                return None
            items = dict(orders)
            amount = items[order_id]
            moved = amount if by is None or by >= amount else by
            items[order_id] -= moved
            if items[order_id] == 0 or by is None:
                del items[order_id]
            self.orders = pack_orders(items)
        self.open_order_total -= moved
        return moved

    def hold_items(self) -> dict[str, HeldOrder]:
        """The held orders by order id, in the order they were held."""
        if self.holds is None:
            return {}
        records = [json.loads(line) for line in self.holds.split(b"\n")]
        return {record[0]: HeldOrder.from_record(record[1:]) for record in records}

    def set_holds(self, holds: dict[str, HeldOrder]) -> None:
        lines = [_hold_line(_hold_prefix(order_id), held) for order_id, held in holds.items()]
        self.holds = b"\n".join(lines) if lines else None

    def held(self, order_id: str) -> HeldOrder | None:
        """The order's hold, if it is held."""
        if self.holds is None:
            return None
        prefix = _hold_prefix(order_id)
        if self.holds.find(prefix) == -1:
            return None
        for line in self.holds.split(b"\n"):
            if line.startswith(prefix):
                return HeldOrder.from_record(json.loads(line)[1:])
        return None

    def hold(self, order_id: str, held: HeldOrder) -> None:
        """Hold an order; a hold already recorded for it is replaced where it stands."""
        prefix = _hold_prefix(order_id)
        line, holds = _hold_line(prefix, held), self.holds
        if holds is None:
            self.holds = line
            return
        if holds.find(prefix) == -1:  # not held yet (``in`` on bytes tries an int first)
            self.holds = holds + b"\n" + line
            return
        lines = holds.split(b"\n")
        for at, present in enumerate(lines):
            if present.startswith(prefix):
                lines[at] = line
                break
        else:
            lines.append(line)
        self.holds = b"\n".join(lines)

    def take_hold(self, order_id: str) -> HeldOrder | None:
        line = self._drop_hold(order_id)
        return None if line is None else HeldOrder.from_record(json.loads(line)[1:])

    def drop_hold(self, order_id: str) -> bool:
        """Take the order's hold away; false if it was not held."""
        return self._drop_hold(order_id) is not None

    def _drop_hold(self, order_id: str) -> bytes | None:
        if self.holds is None:
            return None
        prefix = _hold_prefix(order_id)
        if self.holds.find(prefix) == -1:
            return None
        lines = self.holds.split(b"\n")
        for at, line in enumerate(lines):
            if line.startswith(prefix):
                del lines[at]
                self.holds = b"\n".join(lines) if lines else None
                return line
        return None

    # -- receivables -----------------------------------------------------------------------
    def invoice_items(self) -> dict[str, OpenInvoice]:
        """The open invoices by id, in the order they were posted."""
        return unpack_invoices(self.invoices)

    def set_invoices(self, invoices: dict[str, OpenInvoice]) -> None:
        self.invoices = pack_invoices(invoices)

    def post_invoice(
        self, invoice_id: str, amount: int, invoice_date: date, due: date
    ) -> dict[int, int]:
        """A new receivable; unapplied credit from earlier payments is consumed first.

        Returns the change of the open invoices by due date (what group totals carry)."""
        consumed = min(self.credit, amount)
        self.credit -= consumed
        self.receivable += amount
        left, due_day, issued = amount - consumed, due.toordinal(), invoice_date.toordinal()
        packed = self.invoices
        if INT64_MIN <= left <= INT64_MAX and SEP not in invoice_id:
            if packed is None:
                if not left:
                    return {}
                record = INVOICE.pack(left, due_day, issued)
                self.invoices = COUNT.pack(1) + record + encode(invoice_id)
                return {due_day: left}
            if isinstance(packed, bytes):
                count = COUNT.unpack_from(packed)[0]
                end = 4 + INVOICE.size * count
                ids, encoded = packed[end:], encode(invoice_id)
                if position(ids, encoded) == -1:  # a new id
                    if not left:
                        return {}
                    record = INVOICE.pack(left, due_day, issued)
                    head = COUNT.pack(count + 1)
                    self.invoices = b"".join((head, packed[4:end], record, ids, NUL, encoded))
                    return {due_day: left}
        before = self.dues()  # the general case: exactly as a dict would do
        invoices = unpack_invoices(packed)
        invoices[invoice_id] = OpenInvoice(left, due_day, issued)
        if not left:
            del invoices[invoice_id]
        self.invoices = pack_invoices(invoices)
        return due_changes(before, self.dues())

    def post_payment(self, amount: int, invoice_ids: tuple[str, ...]) -> dict[int, int]:
        """Pay the named invoices first, then the oldest by due date; the rest is credit.

        Returns the change of the open invoices by due date (what group totals carry)."""
        self.receivable -= amount
        remaining = amount
        changes: dict[int, int] = {}
        packed = self.invoices
        if isinstance(packed, bytes):
            self.invoices, changes, remaining = pay_invoices(packed, amount, invoice_ids)
        elif packed is not None:  # the wide form
            invoices = dict(packed)
            by_age_wide = sorted(invoices.items(), key=lambda item: (item[1].due, item[0]))
            for invoice_id in (*invoice_ids, *(invoice_id for invoice_id, _ in by_age_wide)):
                if remaining == 0:
                    break
                invoice = invoices.get(invoice_id)
                if invoice is None:
                    continue
                paid = min(invoice.open_amount, remaining)
                remaining -= paid
                changes[invoice.due] = changes.get(invoice.due, 0) - paid
                if invoice.open_amount == paid:
                    del invoices[invoice_id]
                else:
                    invoices[invoice_id] = OpenInvoice(
                        invoice.open_amount - paid, invoice.due, invoice.invoice_date
                    )
            self.invoices = pack_invoices(invoices)
        self.credit += remaining
        return changes

    def open_invoices(self) -> list[OpenInvoice]:
        if self.invoices is None:
            return []
        return [OpenInvoice(*record) for record in invoice_records(self.invoices)]

    def dues(self) -> dict[int, int]:
        """Open invoice amounts by due date (ordinal)."""
        found: dict[int, int] = {}
        packed = self.invoices
        if isinstance(packed, bytes):
            end = table_end(packed, INVOICE.size)
            for amount, due, _ in INVOICE.iter_unpack(packed[4:end]):
                found[due] = found.get(due, 0) + amount
        elif packed is not None:
            for amount, due, _ in packed.values():
                found[due] = found.get(due, 0) + amount
        return found

    def overdue(self, day: date, allowed_days: int) -> int:
        """Unpaid invoice amounts more than ``allowed_days`` past due on ``day``."""
        if self.invoices is None:
            return 0
        cutoff = day.toordinal() - allowed_days
        return sum(amount for amount, due, _ in invoice_records(self.invoices) if due < cutoff)

    def absorb(self, present: AccountBook) -> AccountBook:
        """Take in the book the new owner had already opened for the account (a hand-over
        that crossed it); returns this book."""
        for order_id, amount in present.order_items().items():
            self.add_order(order_id, amount)
        for order_id, held in present.hold_items().items():
            self.hold(order_id, held)
        if present.invoices is not None:
            invoices = self.invoice_items()
            invoices.update(present.invoice_items())
            self.set_invoices(invoices)
        self.receivable += present.receivable
        self.credit += present.credit
        for digest in sorted(present.seen_digests()):
            if not self.has_seen(digest):
                self.mark_seen(digest)
        return self
