"""The compact account book against a plain model of it (dicts of ids, as the ledger once kept).

The book packs open orders, open invoices and holds into bytes and keeps long id logs sorted;
none of that may show: every operation must leave the same balances, entries and order of
entries as the plain model, including amounts beyond 64 bits and ids no packing can hold.
"""

from __future__ import annotations

import hashlib
import struct
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.domain import snapshot
from service.domain.group_totals import GroupTotals
from service.domain.interning import DigestSet
from service.domain.ledger import AccountBook, HeldOrder, id_digest
from service.domain.packing import OpenInvoice, pack_invoices, pay_invoices
from service.domain.snapshot import book_from_bytes, book_to_bytes

DAY0 = date(2026, 3, 2)


class PlainBook:
    """The ledger's rules over plain dicts: order id → amount, invoice id → [open, due, date]."""

    def __init__(self) -> None:
        self.receivable = self.open_total = self.credit = 0
        self.orders: dict[str, int] = {}
        self.invoices: dict[str, list[int]] = {}
        self.holds: dict[str, HeldOrder] = {}

    def hold(self, order_id: str, held: HeldOrder) -> None:
        self.holds[order_id] = held

    def take_hold(self, order_id: str) -> HeldOrder | None:
        return self.holds.pop(order_id, None)

    def add_order(self, order_id: str, amount: int) -> None:
        self.orders[order_id] = amount
        self.open_total += amount

    def remove_order(self, order_id: str) -> int:
        amount = self.orders.pop(order_id)
        self.open_total -= amount
        return amount

    def reduce_order(self, order_id: str, by: int) -> int:
        if order_id not in self.orders:
            return 0
        moved = min(self.orders[order_id], by)
        self.orders[order_id] -= moved
        self.open_total -= moved
        if self.orders[order_id] == 0:
            self.remove_order(order_id)
        return moved

    def post_invoice(self, invoice_id: str, amount: int, issued: date, due: date) -> None:
        consumed = min(self.credit, amount)
        self.credit -= consumed
        self.invoices[invoice_id] = [amount - consumed, due.toordinal(), issued.toordinal()]
        self.receivable += amount
        if amount == consumed:
            del self.invoices[invoice_id]

    def post_payment(self, amount: int, invoice_ids: tuple[str, ...]) -> None:
        self.receivable -= amount
        remaining = amount
        by_age = sorted(self.invoices.items(), key=lambda item: (item[1][1], item[0]))
        for invoice_id in (*invoice_ids, *(i for i, _ in by_age)):
            if remaining == 0:
                break
            invoice = self.invoices.get(invoice_id)
            if invoice is None:
                continue
            paid = min(invoice[0], remaining)
            invoice[0] -= paid
            remaining -= paid
            if invoice[0] == 0:
                del self.invoices[invoice_id]
        self.credit += remaining

    def dues(self) -> dict[int, int]:
        found: dict[int, int] = {}
        for amount, due, _ in self.invoices.values():
            found[due] = found.get(due, 0) + amount
        return found


# ids that pack, and ids that do not (a NUL, a lone surrogate); a long one
IDS = st.sampled_from(["o-1", "o-2", "i-1", "i-2", "i-10", "é-ü", "a\x00b", "\ud800", "z" * 300])
AMOUNTS = st.one_of(st.integers(0, 10**6), st.integers(2**62, 2**66))
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("order"), IDS, AMOUNTS),
        st.tuples(st.just("cancel"), IDS),
        st.tuples(st.just("invoice"), IDS, AMOUNTS, st.integers(0, 60), st.booleans(), IDS),
        st.tuples(st.just("payment"), AMOUNTS, st.lists(IDS, max_size=3)),
        st.tuples(st.just("hold"), IDS, AMOUNTS, st.sampled_from([None, "JDS", "é\n\x00"])),
        st.tuples(st.just("take hold"), IDS),
    ),
    max_size=40,
)


def _apply(book: Any, operation: tuple[Any, ...]) -> HeldOrder | None:
    kind = operation[0]
    if kind == "order":
        book.add_order(operation[1], operation[2])
    elif kind == "cancel":
        if operation[1] in book_orders(book):
            book.remove_order(operation[1])
    elif kind == "invoice":
        _, invoice_id, amount, days, with_order, order_id = operation
        if with_order:
            book.reduce_order(order_id, amount)
        due = DAY0 + timedelta(days=days)
        book.post_invoice(invoice_id, amount, due - timedelta(days=30), due)
    elif kind == "payment":
        book.post_payment(operation[1], tuple(operation[2]))
    elif kind == "hold":
        _, order_id, amount, manager = operation
        book.hold(order_id, HeldOrder(
            f"e-{order_id}", Decimal(amount).scaleb(-2), "EUR", amount or None, "on_account",
            ("CUSTOMER_LIMIT", "OVERDUE_LIMIT"), manager, manager, None,
            datetime(2026, 3, 2, 9, amount % 60, tzinfo=timezone(timedelta(hours=2))),
        ))  # fmt: skip
    else:
        return book.take_hold(operation[1])
    return None


def book_orders(book: Any) -> dict[str, int]:
    return book.orders if isinstance(book, PlainBook) else book.order_items()


def _state(book: AccountBook) -> tuple[Any, ...]:
    invoices = {i: list(invoice) for i, invoice in book.invoice_items().items()}
    return (book.receivable, book.open_order_total, book.credit, list(book.order_items().items()),
            list(invoices.items()), book.dues())  # fmt: skip


def _unordered(book: AccountBook) -> tuple[Any, ...]:
    receivable, open_total, credit, orders, invoices, dues = _state(book)
    return receivable, open_total, credit, dict(orders), dict(invoices), dues


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPERATIONS)
def test_the_packed_book_behaves_as_the_plain_one(operations: list[tuple[Any, ...]]) -> None:
    book, plain = AccountBook("EUR"), PlainBook()
    for operation in operations:
        assert _apply(book, operation) == _apply(plain, operation)  # a hold taken, if any
        assert list(book.hold_items().items()) == list(plain.holds.items())
        assert _state(book) == (
            plain.receivable, plain.open_total, plain.credit, list(plain.orders.items()),
            list(plain.invoices.items()), plain.dues(),
        )  # fmt: skip
        for days in (0, 30, 90):
            day = DAY0 + timedelta(days=days)
            expected = sum(a for a, due, _ in plain.invoices.values() if due < day.toordinal() - 5)
            assert book.overdue(day, 5) == expected
        restored = book_from_bytes(book_to_bytes(book))  # entries come back sorted by id
        assert _unordered(restored) == _unordered(book)
        assert restored.hold_items() == book.hold_items()
        assert book_to_bytes(restored) == book_to_bytes(book)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=150, unique=True))
def test_the_id_log_finds_every_id_it_logged_and_no_other(business_ids: list[str]) -> None:
    book = AccountBook("EUR")
    digests = [id_digest("payment", business_id) for business_id in business_ids]
    for digest in digests:
        assert not book.has_seen(digest)
        book.mark_seen(digest)
        assert book.has_seen(digest)
    assert all(book.has_seen(digest) for digest in digests)
    assert not book.has_seen(id_digest("payment", "never logged"))
    assert book.seen_digests() == set(digests)
    restored = book_from_bytes(book_to_bytes(book))
    assert all(restored.has_seen(digest) for digest in digests)
    assert restored.seen_bytes() == book.seen_bytes()
    if len(digests) > 64:
        assert isinstance(book.seen, DigestSet)


def test_group_totals_keep_sums_beyond_64_bits_and_drop_settled_dates() -> None:
    totals = GroupTotals()
    due = DAY0.toordinal()
    totals.add_dues("EUR", {due: 2**63 - 1, due + 1: 5})
    totals.add_dues("EUR", {due: 2**63})
    totals.add_dues("USD", {due: 7})
    assert totals.dues == {("EUR", due): 2**64 - 1, ("EUR", due + 1): 5, ("USD", due): 7}
    assert totals.overdue(DAY0 + timedelta(days=1), 0) == {"EUR": 2**64 - 1, "USD": 7}
    totals.add_dues("EUR", {due: -(2**64 - 1)})
    assert totals.dues == {("EUR", due + 1): 5, ("USD", due): 7}
    assert totals.overdue(DAY0 + timedelta(days=3), 0) == {"EUR": 5, "USD": 7}
    assert totals.overdue(DAY0 + timedelta(days=3), 10**9) == {}


def test_a_version_1_snapshot_is_still_read() -> None:
    """Changelogs and stores written before version 2 (tables as JSON objects)."""
    v1 = (b'[1,"JPY",50791,21057,0,{"o-000000007":21057},{},{"i-000000007":[50791,739700,739670]},'
          b'"6f1574d78ffce3cc874d77aac08632e96fa19a2c7cd18d8325ea476973421da2",null]')  # fmt: skip
    book = book_from_bytes(v1)
    assert (book.currency, book.receivable, book.open_order_total) == ("JPY", 50791, 21057)
    assert book.order_items() == {"o-000000007": 21057}
    assert list(book.invoice_items().values()) == [(50791, 739700, 739670)]
    assert len(book.seen_bytes()) == 32
    again = book_from_bytes(book_to_bytes(book))  # and written as version 3
    assert book_to_bytes(again)[:1] == b"\x03" and _unordered(again) == _unordered(book)


def test_a_book_packing_cannot_hold_is_written_as_version_2() -> None:
    """Beyond 64 bits the binary head cannot hold the balance: JSON, read back the same."""
    book = AccountBook("EUR")
    book.add_order("o-1", 2**70)
    written = book_to_bytes(book)
    assert written[:2] == b"[2"
    again = book_from_bytes(written)
    assert again.open_order_total == 2**70 and again.order_items() == {"o-1": 2**70}
    assert book_to_bytes(again) == written


def test_a_version_2_snapshot_is_still_read() -> None:
    book = AccountBook("USD")
    book.add_order("o-1", 1250)
    book.mark_seen(id_digest("order", "o-1"))
    v2 = snapshot._json(book)
    assert v2[:2] == b"[2"
    again = book_from_bytes(v2)
    assert book_to_bytes(again) == book_to_bytes(book) and again.has_seen(id_digest("order", "o-1"))


def test_a_truncated_binary_book_is_refused() -> None:
    book = AccountBook("USD")
    book.add_order("o-1", 1250)
    with pytest.raises((ValueError, struct.error)):
        book_from_bytes(book_to_bytes(book)[:-3])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 2**64 - 1), st.integers(0, 40)), max_size=300))
def test_the_digest_set_is_a_set(digests: list[int]) -> None:
    table, plain = DigestSet(), set()
    for digest in digests:
        assert (digest in table) == (digest in plain)
        table.add(digest)
        plain.add(digest)
        assert len(table) == len(plain)
    assert sorted(table) == sorted(plain)
    assert all(digest in table for digest in plain)


def test_a_book_with_hundreds_of_open_orders_and_invoices_stays_exact() -> None:
    book, plain = AccountBook("EUR"), PlainBook()
    operations: list[tuple[Any, ...]] = []
    for i in range(300):
        operations.append(("order", f"o-{i}", 100 + i))
        operations.append(("invoice", f"i-{i}", 50 + i, i % 40, i % 2 == 0, f"o-{i}"))
    operations += [("cancel", f"o-{i}") for i in range(0, 300, 3)]
    operations += [("payment", 7_000, [f"i-{i}" for i in range(0, 300, 7)]), ("payment", 10**6, [])]
    for operation in operations:
        _apply(book, operation)
        _apply(plain, operation)
        assert list(book.order_items().items()) == list(plain.orders.items())
        assert list(book.invoice_items().items()) == [
            (i, tuple(invoice)) for i, invoice in plain.invoices.items()
        ]
        assert book.dues() == plain.dues()
    assert (book.receivable, book.open_order_total, book.credit) == (
        plain.receivable, plain.open_total, plain.credit,
    )  # fmt: skip


PACKABLE_IDS = st.sampled_from(["i-1", "i-2", "i-10", "é-ü", "z" * 40])


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        PACKABLE_IDS,
        st.tuples(st.integers(1, 6), st.integers(0, 60), st.integers(0, 60)),
        min_size=1,
    ),
    st.integers(0, 20),  # small amounts: often just what an invoice has open
    st.lists(st.one_of(PACKABLE_IDS, st.just("absent")), max_size=3),
)
def test_a_payment_its_first_invoice_covers_packs_as_the_general_way_does(
    invoices: dict[str, tuple[int, int, int]], amount: int, named: list[str]
) -> None:
    packed = pack_invoices({i: OpenInvoice(*record) for i, record in invoices.items()})
    assert isinstance(packed, bytes)
    # an id first that no invoice has changes nothing the payment does, and is never covered
    assert pay_invoices(packed, amount, tuple(named)) == pay_invoices(
        packed, amount, ("absent", *named)
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["EUR", "USD", "JPY"]),
            st.sampled_from(["DE01", "US01", "JP01"]),
            st.integers(-(10**6), 10**6),
            st.integers(-(10**6), 10**6),
        ),
        max_size=20,
    ),
    st.sets(st.sampled_from(["DE01", "US01", "JP01", "XX01"])),
)
def test_group_exposure_per_currency_is_the_sum_of_its_buckets(
    changes: list[tuple[str, str, int, int]], no_open_orders: set[str]
) -> None:
    totals = GroupTotals()
    for currency, company_id, receivable, open_orders in changes:
        totals.add(currency, company_id, receivable, open_orders)
    expected: dict[str, int] = {}
    for (currency, company_id), (receivable, open_orders) in totals.buckets.items():
        counted = receivable + (0 if company_id in no_open_orders else open_orders)
        expected[currency] = expected.get(currency, 0) + counted
    assert totals.exposure(frozenset(no_open_orders)) == expected


def test_an_id_digest_is_blake2b_of_kind_and_id() -> None:
    for kind, business_id in [("order", "o-1"), ("invoice", "é-ü 42"), ("payment", ""), ("x", "y")]:
        expected = hashlib.blake2b(f"{kind}:{business_id}".encode(), digest_size=8).digest()
        assert id_digest(kind, business_id) == expected
        assert id_digest(kind, business_id) == expected  # the seeded hash is not consumed
