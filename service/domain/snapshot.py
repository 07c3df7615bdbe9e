"""Account books as compact bytes: what the state store and its changelog keep.

The format is JSON arrays (stable across Python versions, readable when debugging), with
dates as ordinals and the id log as hex. Group totals are not stored: they are derived by
summing the member books when state is restored.
"""

from __future__ import annotations

import json
import sys
from datetime import date

from service.domain.interning import DATES
from service.domain.ledger import AccountBook, HeldOrder, OpenInvoice

FORMAT_VERSION = 1


def book_to_bytes(book: AccountBook) -> bytes:
    record = [
        FORMAT_VERSION, book.currency, book.receivable, book.open_order_total, book.credit,
        book.order_items(),
        {order_id: held.to_record() for order_id, held in book.hold_items().items()},
        {i: list(invoice) for i, invoice in book.invoice_items().items()},
        book.seen_bytes().hex(),
        book.review_notified.toordinal() if book.review_notified else None,
    ]  # fmt: skip
    return json.dumps(record, separators=(",", ":"), sort_keys=True).encode()


def book_from_bytes(payload: bytes) -> AccountBook:
    version, ccy, receivable, open_total, credit, orders, holds, invoices, seen, review = (
        json.loads(payload.decode())
    )
    if version != FORMAT_VERSION:
        raise ValueError(f"unknown account book format {version}")
    book = AccountBook(sys.intern(ccy))
    book.set_orders(orders)
    book.receivable, book.open_order_total, book.credit = receivable, open_total, credit
    book.set_holds({order_id: HeldOrder.from_record(held) for order_id, held in holds.items()})
    book.set_invoices(
        {i: OpenInvoice(amount, due, issued) for i, (amount, due, issued) in invoices.items()}
    )
    book.load_seen(bytes.fromhex(seen))
    book.review_notified = DATES.share(date.fromordinal(review)) if review else None
    return book
