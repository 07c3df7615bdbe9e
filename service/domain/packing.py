"""Packed tables of an account book: open orders and open invoices as bytes, and long id logs.

An account's open orders and open invoices are packed bytes, not dicts of objects: a few
dozen bytes for what would otherwise take several hundred. The snapshot format carries them
as they are (``service.domain.snapshot``).
"""

from __future__ import annotations

import bisect
import struct
from array import array
from collections.abc import Iterable
from typing import NamedTuple

Digest = bytes  # 8 bytes
SMALL_ID_LOG = 64  # ids a book keeps as plain bytes, searched linearly
_RECENT_IDS = 32  # ids a long log keeps unsorted before merging them into the sorted part


class OpenInvoice(NamedTuple):
    """An unpaid invoice; dates are ordinals (``date.toordinal()``), compared on every order."""

    open_amount: int
    due: int
    invoice_date: int


# An account's open orders and open invoices are packed bytes, not dicts of objects: a few
# dozen bytes for what would otherwise take several hundred. A packed table is the count, a
# fixed-size record per entry, then the entries' ids separated by NUL, all in the order the
# entries were added. Amounts are 64-bit there: a book with an amount beyond that, or an id
# containing NUL, keeps the plain (wide) form instead, so money and ids stay exact.
COUNT = struct.Struct("<I")
AMOUNT = struct.Struct("<q")  # an open order's amount
INVOICE = struct.Struct("<qii")  # open amount, due ordinal, invoice date ordinal
INT64 = range(-(2**63), 2**63)
SEP = "\x00"
NUL = b"\x00"

PackedOrders = bytes | dict[str, int]  # packed, or the wide form
PackedInvoices = bytes | dict[str, OpenInvoice]  # packed, or the wide form


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def decode_ids(raw: bytes) -> list[str]:
    return raw.decode("utf-8", "surrogatepass").split(SEP)


def table_end(packed: bytes, record_size: int) -> int:
    """Where the records of a packed table end and its ids begin."""
    count: int = COUNT.unpack_from(packed)[0]
    return 4 + record_size * count


def position(ids: bytes, encoded: bytes) -> int:
    """Index of ``encoded`` among NUL-separated ``ids``, or -1."""
    if ids.find(encoded) == -1:  # (``in`` on bytes first tries the operand as an int)
        return -1
    try:
        return ids.split(NUL).index(encoded)
    except ValueError:
        return -1


def pack_orders(orders: dict[str, int]) -> PackedOrders | None:
    if not orders:
        return None
    ids = SEP.join(orders)
    if ids.count(SEP) != len(orders) - 1 or not all(a in INT64 for a in orders.values()):
        return orders
    count = len(orders)
    return COUNT.pack(count) + struct.pack(f"<{count}q", *orders.values()) + encode(ids)


def unpack_orders(packed: PackedOrders | None) -> dict[str, int]:
    if packed is None:
        return {}
    if not isinstance(packed, bytes):
        return dict(packed)
    count = COUNT.unpack_from(packed)[0]
    ids = decode_ids(packed[4 + 8 * count :])
    return dict(zip(ids, struct.unpack_from(f"<{count}q", packed, 4), strict=True))


def pack_invoices(invoices: dict[str, OpenInvoice]) -> PackedInvoices | None:
    """``count``, a fixed-size record per invoice, then the ids separated by NUL."""
    if not invoices:
        return None
    ids = SEP.join(invoices)
    if ids.count(SEP) != len(invoices) - 1 or not all(
        invoice.open_amount in INT64 for invoice in invoices.values()
    ):
        return invoices
    parts = [COUNT.pack(len(invoices))]
    parts += [INVOICE.pack(*invoice) for invoice in invoices.values()]
    parts.append(encode(ids))
    return b"".join(parts)


def invoice_records(packed: PackedInvoices) -> Iterable[tuple[int, int, int]]:
    """(open amount, due, invoice date) of each open invoice."""
    if isinstance(packed, bytes):
        return INVOICE.iter_unpack(packed[4 : table_end(packed, INVOICE.size)])
    return packed.values()


def unpack_invoices(packed: PackedInvoices | None) -> dict[str, OpenInvoice]:
    """The open invoices by id, in the order they were posted."""
    if packed is None:
        return {}
    if not isinstance(packed, bytes):
        return dict(packed)
    end = table_end(packed, INVOICE.size)
    ids = decode_ids(packed[end:])
    records = INVOICE.iter_unpack(packed[4:end])
    return {
        invoice_id: OpenInvoice(amount, due, issued)
        for invoice_id, (amount, due, issued) in zip(ids, records, strict=True)
    }


def due_changes(before: dict[int, int], after: dict[int, int]) -> dict[int, int]:
    return {due: after.get(due, 0) - before.get(due, 0) for due in before.keys() | after.keys()}


def find_digest(packed: bytes, digest: Digest, stride: int) -> int:
    """Byte offset of the record of ``packed`` (``stride`` bytes each) starting with
    ``digest``, or -1."""
    find = packed.find
    at = find(digest)
    while at != -1 and at % stride:
        at = find(digest, at + 1)
    return at


class IdLog:
    """A long id log at 8 bytes an id: the digests sorted (unsigned 64-bit integers, searched
    by bisection) plus the latest few as bytes, merged into the sorted part now and then."""

    __slots__ = ("ordered", "recent")

    def __init__(self, raw: bytes) -> None:
        self.ordered = array("Q")
        self.recent = b""
        self._merge(raw)

    def _merge(self, raw: bytes) -> None:
        values = self.ordered.tolist()
        values += [int.from_bytes(raw[i : i + 8], "big") for i in range(0, len(raw), 8)]
        values.sort()
        self.ordered = array("Q", values)

    def __contains__(self, digest: Digest) -> bool:
        if find_digest(self.recent, digest, 8) != -1:
            return True
        value = int.from_bytes(digest, "big")
        ordered = self.ordered
        at = bisect.bisect_left(ordered, value)
        return at < len(ordered) and ordered[at] == value

    def add(self, digest: Digest) -> None:
        recent = self.recent + digest
        if len(recent) < _RECENT_IDS * 8:
            self.recent = recent
        else:
            self._merge(recent)
            self.recent = b""

    def to_bytes(self) -> bytes:
        """Every digest, concatenated, in ascending order."""
        if self.recent:
            self._merge(self.recent)
            self.recent = b""
        return b"".join([value.to_bytes(8, "big") for value in self.ordered])
