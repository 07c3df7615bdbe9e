"""Books restored undecoded behave as books decoded at once, through the ``Ledger`` port of
either engine: the Python engine's ``StoredBooks`` and the native engine's ``stored.rs``."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.book_keys import book_key
from service.domain.events import INPUT_EVENT, REFERENCE_TYPES
from service.domain.stored_books import StoredBookError
from service.ledgers import Ledger, NativeLedger, PythonLedger
from tests.unit.test_ledgers import CODEC, record_values
from tests.unit.test_properties import PROPERTY, _reference
from tests.unit.test_stored_books import _customer, _order, logs_with_a_late_group

ENGINES = ["python", "native"]


def _ledger(engine: str) -> Ledger:
    return PythonLedger() if engine == "python" else NativeLedger(CODEC)


def _decide(ledger: Ledger, events: list[dict[str, Any]]) -> list[tuple[str, bytes]]:
    outputs: list[Any] = []
    for event in events:
        outputs += ledger.decide(INPUT_EVENT.validate_python(event)).outputs
    return record_values(outputs)


def _restarted(engine: str, before: list[dict[str, Any]]) -> tuple[Ledger, int]:
    """A new owner: the reference table read in full, then the books of an owner that ran
    ``before``, adopted from the store as they are."""
    first = _ledger(engine)
    _decide(first, before)
    stored = [(book_key(a), first.book_bytes(a) or b"") for a in sorted(first.held_accounts())]
    ledger = _ledger(engine)
    _decide(ledger, [e for e in before if e["event_type"] in REFERENCE_TYPES])
    list(ledger.adopt_books(stored, 4))  # the Python engine's is a generator
    return ledger, len(stored)


def _state(ledger: Ledger) -> tuple[Any, ...]:
    ledger.load_all_books()
    accounts = sorted(ledger.held_accounts())
    books = [(account, ledger.book_bytes(account)) for account in accounts]
    return books, [ledger.group_balances(group) for group in ("G1", "G2", "G3")]


@PROPERTY
@given(logs_with_a_late_group(), st.data(), st.sampled_from(ENGINES))
def test_a_restart_with_stored_books_decides_as_one_that_never_stopped(
    events: list[dict[str, Any]], data: st.DataObject, engine: str
) -> None:
    split = data.draw(st.integers(min_value=len(_reference()), max_value=len(events)))
    before, after = events[:split], events[split:]
    running = _ledger(engine)
    _decide(running, before)
    expected = _decide(running, after)
    restarted, count = _restarted(engine, before)
    assert restarted.undecoded_count() == count  # nothing decoded at adopt
    assert _decide(restarted, after) == expected
    assert _state(restarted) == _state(running)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_stored_member_moving_into_a_group_counts_there(engine: str) -> None:
    """C1/B (1500 open, no group) is stored; after the restart it and C1/D join G2: an order
    of C1/D meets B's 1500 in G2's exposure."""
    before = [*_reference(), _customer("b0", "B", None), _order("o1", "C1", "B", "1500")]
    ledger, _ = _restarted(engine, before)
    _decide(ledger, [_customer("mv", "B", "G2"), _customer("d2", "D", "G2")])
    ledger.decide(INPUT_EVENT.validate_python(_order("o3", "C1", "D", "10")))
    [(_, _, open_orders)] = [(k, r, o) for k, (r, o) in ledger.group_balances("G2")[0].items()]
    assert open_orders == 150_000 + 1_000  # B's 1500 and D's 10, in cents
    assert ledger.undecoded_count() == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_a_stored_book_that_cannot_be_read_fails_its_first_use_and_stays(engine: str) -> None:
    ledger = _ledger(engine)
    _decide(ledger, _reference())
    list(ledger.adopt_books([(book_key(("C1", "B")), b"\x03 no book")], 4))
    order = INPUT_EVENT.validate_python(_order("o1", "C1", "B", "10"))
    with pytest.raises(StoredBookError, match=r"C1.*B"):
        ledger.decide(order)
    assert ledger.has_book(("C1", "B"))  # nothing is lost: the store's bytes are still held
    with pytest.raises(StoredBookError, match=r"C1.*B"):
        ledger.decide(order)
