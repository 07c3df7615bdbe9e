"""Account books as compact bytes: what the state store and its changelog keep.

Version 3 (written whenever it can hold the book): a fixed binary head (version byte, receivable,
open order total and unapplied credit as signed 64-bit integers, the review-notified day as an
ordinal, the currency's length) then the currency, and the packed tables of open orders, held
orders and open invoices and the id log exactly as the book holds them, each after its length
(-1: none). Reading it is a few slices, where JSON and base64 cost about 3 us a book, and a
restore reads every book. A book that packing cannot hold (an amount beyond 64 bits, a table
kept in its wide form) is written as version 2: JSON arrays with dates as ordinals and the packed
tables in base64. Versions 1 (tables as JSON objects) and 2 are still read. Group totals are not
stored: they are derived by summing the member books as those are first used after a
restore (``service.domain.stored_books``).

Versions before this one cannot read version 3: roll a deployment forward, not back.
"""

from __future__ import annotations

import json
import struct
import sys
from binascii import a2b_base64, b2a_base64
from datetime import date
from typing import Any

from service.domain.interning import DATES
from service.domain.ledger import AccountBook, HeldOrder
from service.domain.packing import OpenInvoice

FORMAT_VERSION = 3  # 3: binary; 2: packed tables as held (base64); 1: tables as JSON objects
_HEAD = struct.Struct("<BqqqiB")  # version, receivable, open orders, credit, review day, ccy len
_LENGTHS = struct.Struct("<iiii")  # orders, holds, invoices, id log; -1: none
_INT64 = range(-(2**63), 2**63)


def _text(raw: bytes) -> str:
    return b2a_base64(raw, newline=False).decode()


def _packed(table: bytes | dict[str, Any] | None) -> str | dict[str, Any] | None:
    """A packed table as hex; the wide form (an id or amount packing cannot hold) as is."""
    if isinstance(table, bytes):
        return _text(table)
    return None if table is None else {k: list(v) if isinstance(v, tuple) else v
                                       for k, v in table.items()}  # fmt: skip


def book_to_bytes(book: AccountBook) -> bytes:
    orders, invoices = book.orders, book.invoices
    if (
        (orders is None or isinstance(orders, bytes))
        and (invoices is None or isinstance(invoices, bytes))
        and book.receivable in _INT64 and book.open_order_total in _INT64
        and book.credit in _INT64
    ):  # fmt: skip
        return _binary(book, orders, invoices)
    return _json(book)


def _binary(book: AccountBook, orders: bytes | None, invoices: bytes | None) -> bytes:
    currency, holds, seen = book.currency.encode(), book.holds, book.seen_bytes()
    review = book.review_notified.toordinal() if book.review_notified else 0
    parts = [
        _HEAD.pack(FORMAT_VERSION, book.receivable, book.open_order_total, book.credit, review,
                   len(currency)), currency,
        _LENGTHS.pack(*(-1 if part is None else len(part) for part in (orders, holds, invoices,
                                                                      seen))),
    ]  # fmt: skip
    parts += [part for part in (orders, holds, invoices, seen) if part]
    return b"".join(parts)


def _json(book: AccountBook) -> bytes:
    record = [
        2, book.currency, book.receivable, book.open_order_total, book.credit,
        _packed(book.orders), None if book.holds is None else book.holds.decode(),
        _packed(book.invoices), _text(book.seen_bytes()),
        book.review_notified.toordinal() if book.review_notified else None,
    ]  # fmt: skip
    return json.dumps(record, separators=(",", ":"), sort_keys=True).encode()


# what ``book_from_bytes`` raises for bytes that are no account book
UNREADABLE_BOOK = (ValueError, TypeError, KeyError, IndexError, struct.error)


def book_from_bytes(payload: bytes) -> AccountBook:
    if payload[:1] == b"\x03":
        return _from_binary(payload)
    return _from_json(payload)


def _from_binary(payload: bytes) -> AccountBook:
    _, receivable, open_total, credit, review, size = _HEAD.unpack_from(payload)
    at = _HEAD.size + size
    book = AccountBook(sys.intern(payload[_HEAD.size : at].decode()))
    book.receivable, book.open_order_total, book.credit = receivable, open_total, credit
    orders, holds, invoices, seen = _LENGTHS.unpack_from(payload, at)
    at += _LENGTHS.size
    if orders >= 0:
        book.orders = payload[at : (at := at + orders)]
    if holds >= 0:
        book.holds = payload[at : (at := at + holds)]
    if invoices >= 0:
        book.invoices = payload[at : (at := at + invoices)]
    book.load_seen(payload[at : at + max(seen, 0)])
    if at + max(seen, 0) != len(payload):
        raise ValueError(f"account book of {len(payload)} bytes, {at + max(seen, 0)} expected")
    book.review_notified = DATES.share(date.fromordinal(review)) if review else None
    return book


def _from_json(payload: bytes) -> AccountBook:
    version, ccy, receivable, open_total, credit, orders, holds, invoices, seen, review = (
        json.loads(payload.decode())
    )
    book = AccountBook(sys.intern(ccy))
    book.receivable, book.open_order_total, book.credit = receivable, open_total, credit
    if version == 2:
        book.orders = a2b_base64(orders) if isinstance(orders, str) else orders
        book.holds = None if holds is None else holds.encode()
        if isinstance(invoices, dict):
            book.set_invoices({i: OpenInvoice(*record) for i, record in invoices.items()})
        else:
            book.invoices = None if invoices is None else a2b_base64(invoices)
        book.load_seen(a2b_base64(seen))
    elif version == 1:
        book.set_orders(orders)
        book.set_holds({order_id: HeldOrder.from_record(held) for order_id, held in holds.items()})
        book.set_invoices({i: OpenInvoice(*record) for i, record in invoices.items()})
        book.load_seen(bytes.fromhex(seen))
    else:
        raise ValueError(f"unknown account book format {version}")
    book.review_notified = DATES.share(date.fromordinal(review)) if review else None
    return book
