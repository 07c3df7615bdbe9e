"""Account books as compact bytes: what the state store and its changelog keep.

The format is JSON arrays (stable across Python versions, readable when debugging), with
dates as ordinals, and the id log and the packed tables of open orders and invoices in
base64, exactly as the book holds them, so a restore does not pack them again. Version 1 snapshots
(tables as JSON objects) are still read. Group totals are not stored: they are derived by
summing the member books when state is restored.
"""

from __future__ import annotations

import json
import sys
from binascii import a2b_base64, b2a_base64
from datetime import date
from typing import Any

from service.domain.interning import DATES
from service.domain.ledger import AccountBook, HeldOrder
from service.domain.packing import OpenInvoice

FORMAT_VERSION = 2  # 2: packed tables as held (base64); 1: tables as JSON objects, ids in hex


def _text(raw: bytes) -> str:
    return b2a_base64(raw, newline=False).decode()


def _packed(table: bytes | dict[str, Any] | None) -> str | dict[str, Any] | None:
    """A packed table as hex; the wide form (an id or amount packing cannot hold) as is."""
    if isinstance(table, bytes):
        return _text(table)
    return None if table is None else {k: list(v) if isinstance(v, tuple) else v
                                       for k, v in table.items()}  # fmt: skip


def book_to_bytes(book: AccountBook) -> bytes:
    record = [
        FORMAT_VERSION, book.currency, book.receivable, book.open_order_total, book.credit,
        _packed(book.orders), None if book.holds is None else book.holds.decode(),
        _packed(book.invoices), _text(book.seen_bytes()),
        book.review_notified.toordinal() if book.review_notified else None,
    ]  # fmt: skip
    return json.dumps(record, separators=(",", ":"), sort_keys=True).encode()


def book_from_bytes(payload: bytes) -> AccountBook:
    version, ccy, receivable, open_total, credit, orders, holds, invoices, seen, review = (
        json.loads(payload.decode())
    )
    book = AccountBook(sys.intern(ccy))
    book.receivable, book.open_order_total, book.credit = receivable, open_total, credit
    if version == FORMAT_VERSION:
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
