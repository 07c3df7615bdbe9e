"""Packed tables of an account book: open orders and open invoices as bytes, and long id logs.

An account's open orders and open invoices are packed bytes, not dicts of objects: a few
dozen bytes for what would otherwise take several hundred. The snapshot format carries them
as they are (``service.domain.snapshot``).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from typing import NamedTuple

from service.domain.interning import DigestSet

Digest = bytes  # 8 bytes
SMALL_ID_LOG = 64  # ids a book keeps as plain bytes, searched linearly


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
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # (two comparisons: ``in range(...)`` does arithmetic)
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
    ids, amounts = SEP.join(orders), orders.values()
    if ids.count(SEP) != len(orders) - 1 or min(amounts) < INT64_MIN or max(amounts) > INT64_MAX:
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
    ids, amounts = SEP.join(invoices), [invoice.open_amount for invoice in invoices.values()]
    if ids.count(SEP) != len(invoices) - 1 or min(amounts) < INT64_MIN or max(amounts) > INT64_MAX:
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


def pay_invoices(
    packed: bytes, amount: int, invoice_ids: tuple[str, ...]
) -> tuple[bytes | None, dict[int, int], int]:
    """Pay ``amount`` off packed open invoices: the named ones first, then the oldest by due
    date, then id. Returns the invoices left, the change by due date, and what is left over.

    A payment that the first invoice it names covers changes that invoice's record only."""
    if invoice_ids and amount > 0:
        covered = _pay_named(packed, amount, invoice_ids[0])
        if covered is not None:
            return covered
    end = table_end(packed, INVOICE.size)
    ids = decode_ids(packed[end:])
    open_: dict[str, tuple[int, int, int]] = dict(
        zip(ids, INVOICE.iter_unpack(packed[4:end]), strict=True)
    )
    if len(ids) > 1:  # oldest first: by due date, then id
        ids = [i for _, i in sorted([(r[1], i) for i, r in open_.items()])]
    remaining, changes = amount, dict[int, int]()
    for invoice_id in (*invoice_ids, *ids) if invoice_ids else ids:
        if remaining == 0:
            break
        record = open_.get(invoice_id)
        if record is None:
            continue
        open_amount, due = record[0], record[1]
        paid = open_amount if open_amount < remaining else remaining
        remaining -= paid
        changes[due] = changes.get(due, 0) - paid
        if open_amount == paid:
            del open_[invoice_id]
        else:
            open_[invoice_id] = (open_amount - paid, record[1], record[2])
    if not changes:
        return packed, changes, remaining  # nothing was paid: the table stays as it is
    if not open_:
        return None, changes, remaining
    parts = [COUNT.pack(len(open_))]
    parts += [INVOICE.pack(*record) for record in open_.values()]
    parts.append(encode(SEP.join(open_)))
    return b"".join(parts), changes, remaining


def _pay_named(
    packed: bytes, amount: int, invoice_id: str
) -> tuple[bytes | None, dict[int, int], int] | None:
    """``pay_invoices`` when the invoice named covers the whole amount, else ``None``."""
    ids_at = table_end(packed, INVOICE.size)
    at = position(packed[ids_at:], encode(invoice_id))
    if at == -1:
        return None
    offset = 4 + INVOICE.size * at
    open_amount, due, issued = INVOICE.unpack_from(packed, offset)
    if open_amount < amount:
        return None
    after = offset + INVOICE.size
    if open_amount > amount:
        rest = packed[:offset] + INVOICE.pack(open_amount - amount, due, issued) + packed[after:]
    elif ids_at == 4 + INVOICE.size:  # its only invoice
        return None, {due: -amount}, 0
    else:
        names = packed[ids_at:].split(NUL)
        del names[at]
        count = COUNT.pack((ids_at - 4) // INVOICE.size - 1)
        rest = b"".join((count, packed[4:offset], packed[after:ids_at], NUL.join(names)))
    return rest, {due: -amount}, 0


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


def id_digest(kind: str, business_id: str) -> Digest:
    """A stable 8-byte digest of a business id (``order``, ``invoice``, ``payment``): of
    ``f"{kind}:{business_id}"``, from a hash already fed the kind (a copy costs less than a
    new hash)."""
    seeded = _SEEDED.get(kind)
    if seeded is None:
        seeded = _SEEDED[kind] = hashlib.blake2b(f"{kind}:".encode(), digest_size=8)
    digest = seeded.copy()
    digest.update(business_id.encode())
    return digest.digest()


_SEEDED: dict[str, hashlib.blake2b] = {}  # kind → blake2b fed ``kind:``


def id_table(raw: bytes) -> DigestSet:
    """A long id log (8-byte digests, concatenated) as a hash table of 64-bit integers: about
    14 bytes an id and constant time, however long the log grows."""
    table = DigestSet(4 * SMALL_ID_LOG)
    for at in range(0, len(raw), 8):
        table.add(int.from_bytes(raw[at : at + 8], "big"))
    return table


def table_bytes(table: DigestSet) -> bytes:
    """The digests of an id table, concatenated in ascending order (as a snapshot keeps them)."""
    return b"".join([digest.to_bytes(8, "big") for digest in sorted(table)])
