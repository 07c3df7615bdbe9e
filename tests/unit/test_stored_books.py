"""Books restored undecoded (``service.domain.stored_books``) behave as books decoded at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain.engine import CreditEngine
from service.domain.events import INPUT_EVENT, REFERENCE_TYPES
from service.domain.snapshot import book_from_bytes, book_to_bytes
from service.domain.stored_books import StoredBookError
from tests.unit.test_properties import PROPERTY, START, _reference, event_logs


@st.composite
def logs_with_a_late_group(draw: st.DrawFn) -> list[dict[str, Any]]:
    """``event_logs``, where some moves name a group G3 that is upserted later (its members
    join when it arrives)."""
    events = draw(event_logs())
    first = len(_reference())
    for event in events[first:]:
        if event["event_type"] == "customer_upserted" and draw(st.booleans()):
            event["credit_group_id"] = "G3"
    at = draw(st.integers(min_value=first, max_value=len(events)))
    events.insert(at, {
        "event_id": "g3", "event_type": "group_upserted", "group_id": "G3", "currency": "EUR",
        "credit_limit": "7000", "credit_limit_expires": "2027-01-01", "limit_mode": "group",
        "occurred_at": (START + timedelta(hours=6 * at + 1)).isoformat(),
    })  # fmt: skip
    return events


def _handle(engine: CreditEngine, events: list[dict[str, Any]]) -> list[Any]:
    outputs: list[Any] = []
    for event in events:
        outputs += engine.handle(INPUT_EVENT.validate_python(event)).outputs
    return outputs


def _restarted(before: list[dict[str, Any]], books: dict[Any, bytes], lazy: bool) -> CreditEngine:
    """A new owner: the reference table read in full, then the books from the store."""
    engine = CreditEngine()
    _handle(engine, [e for e in before if e["event_type"] in REFERENCE_TYPES])
    for account, payload in books.items():
        if lazy:
            engine.adopt_stored(account, payload)
        else:
            engine.put_book(account, book_from_bytes(payload))
    return engine


def _state(engine: CreditEngine) -> tuple[Any, ...]:
    engine.stored.load_all()
    books = {account: book_to_bytes(book) for account, book in sorted(engine.books.items())}
    totals = {
        group: (sorted((k, v) for k, v in t.buckets.items() if v != [0, 0]),
                sorted((k, v) for k, v in t.dues.items() if v))
        for group, t in sorted(engine.group_totals.items())
    }  # fmt: skip
    return books, {group: sums for group, sums in totals.items() if sums != ([], [])}


@PROPERTY
@given(logs_with_a_late_group(), st.data())
def test_a_restart_with_stored_books_decides_as_one_that_never_stopped(
    events: list[dict[str, Any]], data: st.DataObject
) -> None:
    split = data.draw(st.integers(min_value=len(_reference()), max_value=len(events)))
    before, after = events[:split], events[split:]
    running = CreditEngine()
    _handle(running, before)
    expected = _handle(running, after)
    first = CreditEngine()
    _handle(first, before)
    stored = {account: book_to_bytes(book) for account, book in first.books.items()}
    lazy, eager = _restarted(before, stored, True), _restarted(before, stored, False)
    assert len(lazy.stored) == len(stored) and not lazy.books  # nothing decoded yet
    assert _handle(lazy, after) == expected
    assert _handle(eager, after) == expected
    assert _state(lazy) == _state(eager) == _state(running)


def test_a_group_is_summed_in_full_before_its_totals_are_read() -> None:
    events = _reference()
    for number, customer in enumerate(["A", "B"]):  # both into G1, 1500 open each
        events.append({"event_id": f"o{number}", "event_type": "order_created",
                       "occurred_at": START.isoformat(), "order_id": f"o{number}",
                       "company_id": "C1", "customer_id": customer, "amount": "1500",
                       "currency": "EUR", "payment_type": "on_account"})  # fmt: skip
    events.insert(len(_reference()), {
        "event_id": "mv", "event_type": "customer_upserted", "occurred_at": START.isoformat(),
        "company_id": "C1", "customer_id": "B", "currency": "EUR", "credit_limit": "3000",
        "credit_group_id": "G1",
    })  # fmt: skip
    first = CreditEngine()
    _handle(first, events)
    stored = {account: book_to_bytes(book) for account, book in first.books.items()}
    engine = _restarted(events, stored, True)
    assert engine.stored.groups == {"G1"}
    order = {"event_id": "o9", "event_type": "order_created", "occurred_at": START.isoformat(),
             "order_id": "o9", "company_id": "C2", "customer_id": "A", "amount": "3999",
             "currency": "EUR", "payment_type": "on_account"}  # fmt: skip
    [held, *_] = _handle(engine, [order])  # 3000 of G1's 6000 used: 3999 more is over
    assert held.event_type == "order_held"
    assert [r.code for r in held.reasons] == ["GROUP_LIMIT"]
    assert held.reasons[0].exposure == 3000
    assert not engine.stored.payloads and not engine.stored.groups


def test_a_stored_book_that_cannot_be_read_names_its_account() -> None:
    engine = CreditEngine()
    _handle(engine, _reference())
    engine.adopt_stored(("C1", "B"), b"\x03broken")
    with pytest.raises(StoredBookError, match=r"\('C1', 'B'\)"):
        engine.present_book(("C1", "B"))


def test_dropping_a_stored_book_leaves_its_group_untouched() -> None:
    engine = CreditEngine()
    _handle(engine, _reference())
    book = CreditEngine().book(("C1", "A"), "EUR")
    book.receivable = 700
    engine.adopt_stored(("C1", "A"), book_to_bytes(book))
    assert engine.take_book(("C1", "A")) is None  # dropped undecoded: counted nowhere
    assert not engine.has_book(("C1", "A"))
    totals = engine.loaded_totals("G1")
    assert totals is None or totals.exposure(()) in ({}, {"EUR": 0})


def _order(event_id: str, company: str, customer: str, amount: str) -> dict[str, Any]:
    return {"event_id": event_id, "event_type": "order_created", "occurred_at": START.isoformat(),
            "order_id": event_id, "company_id": company, "customer_id": customer,
            "amount": amount, "currency": "EUR", "payment_type": "on_account"}  # fmt: skip


def _customer(event_id: str, customer: str, group: str | None) -> dict[str, Any]:
    return {"event_id": event_id, "event_type": "customer_upserted",
            "occurred_at": (START + timedelta(hours=1)).isoformat(), "company_id": "C1",
            "customer_id": customer, "currency": "EUR", "credit_limit": "3000",
            "credit_group_id": group}  # fmt: skip


def test_a_stored_book_moving_into_a_group_after_the_restart_counts_there() -> None:
    """C1/B (6000 invoiced, no group) is stored; after the restart it and C1/D join G2 (limit
    8000, no member stored): an order of 2999 by C1/D meets 6000 of exposure, and is held."""
    invoice = {"event_id": "i1", "event_type": "invoice_posted",
               "occurred_at": START.isoformat(), "invoice_id": "i1", "company_id": "C1",
               "customer_id": "B", "amount": "6000", "currency": "EUR",
               "invoice_date": "2026-03-01", "due_date": "2026-06-01"}  # fmt: skip
    before = [*_reference(), invoice]
    first = CreditEngine()
    _handle(first, before)
    stored = {account: book_to_bytes(book) for account, book in first.books.items()}
    engine = _restarted(before, stored, True)
    assert not engine.stored.groups
    _handle(engine, [_customer("mv", "B", "G2"), _customer("d2", "D", "G2")])
    [held, *_] = _handle(engine, [_order("o3", "C1", "D", "2999")])
    assert held.event_type == "order_held"
    assert [(r.code, r.exposure) for r in held.reasons] == [("GROUP_LIMIT", 6000)]


def test_members_stored_before_their_group_was_known_count_when_it_arrives() -> None:
    """C1/B names G3 before G3 exists, and is stored with 1500 open; after the restart G3
    arrives (limit 5000) and C1/D joins it: an order of 3999 by C1/D is held."""
    before = [*_reference(), _customer("b3", "B", "G3"), _order("o1", "C1", "B", "1500")]
    first = CreditEngine()
    _handle(first, before)
    stored = {account: book_to_bytes(book) for account, book in first.books.items()}
    engine = _restarted(before, stored, True)
    group = {"event_id": "g3", "event_type": "group_upserted", "group_id": "G3",
             "currency": "EUR", "credit_limit": "5000", "credit_limit_expires": "2027-01-01",
             "limit_mode": "group",
             "occurred_at": (START + timedelta(hours=2)).isoformat()}  # fmt: skip
    _handle(engine, [group, _customer("d3", "D", "G3")])
    [held, *_] = _handle(engine, [_order("o3", "C1", "D", "3999")])
    assert held.event_type == "order_held" and held.reasons[0].exposure == 1500
