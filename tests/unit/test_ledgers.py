"""Both engines behind the processor's port (``service.ledgers``) give the same thing.

The same events go through ``PythonLedger`` and ``NativeLedger`` side by side: every output
must be the same Kafka record value, byte for byte, every book the same changelog bytes and
every group the same totals; books handed in and out (a restore, a hand-over) must land the
same way, and bad input must fail the same way.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from service.book_keys import book_key
from service.bootstrap import codec_for
from service.codec import AvroCodec, load_schemas, schema_json
from service.domain.events import INPUT_EVENT
from service.domain.stored_books import StoredBookError
from service.errors import ConfigurationError, InvalidEventError, PoisonMessageError
from service.ledgers import Ledger, NativeLedger, NativeOutput, PythonLedger, hold_codes
from service.loadgen import LoadConfig, generate
from service.metrics import NullMetrics
from service.processor import CreditProcessor
from service.publish import encoded
from service.settings import Settings
from tests.unit.native_logs import event_logs

SETTINGS = Settings()
CODEC = codec_for(SETTINGS)


def record_values(outputs: list[Any]) -> list[tuple[str, bytes]]:
    """Each output as the processor publishes it: topic and framed Avro value."""
    processor = CreditProcessor(SETTINGS.topics, 4, CODEC, NullMetrics())
    return [(r.topic, r.value or b"") for r in processor.encode_outputs(outputs)]


def accounts_of(events: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(e["company_id"], e["customer_id"]) for e in events if "customer_id" in e}


def run_both(events: list[dict[str, Any]],
             via_avro: bool = False) -> tuple[PythonLedger, NativeLedger]:  # fmt: skip
    """Each event decided by both engines; ``via_avro``: read from its Avro record, as the
    service reads it (the native engine reads a transaction record itself)."""
    python, native = PythonLedger(), NativeLedger(CODEC)
    read_natively = 0
    for raw in events:
        event = theirs_in = INPUT_EVENT.validate_python(raw)
        if via_avro:
            [(topic, _, value)] = encoded(SETTINGS.topics, CODEC, [raw])
            event = theirs_in = INPUT_EVENT.validate_python(CODEC.decode(topic, value))
            if (read := native.read(value)) is not None:
                assert_same_fields(read, event)
                theirs_in, read_natively = read, read_natively + 1
        outcomes = []
        for ledger, decided in ((python, event), (native, theirs_in)):
            try:
                outcomes.append(ledger.decide(decided))
            except InvalidEventError as exc:
                outcomes.append(exc.reason)
        mine, theirs = outcomes
        if isinstance(mine, str) or isinstance(theirs, str):
            assert mine == theirs, raw
            continue
        assert record_values(theirs.outputs) == record_values(mine.outputs), raw
        assert theirs.ignored == mine.ignored, raw
        assert [hold_codes(o) for o in theirs.outputs if o.event_type == "order_held"] == [
            hold_codes(o) for o in mine.outputs if o.event_type == "order_held"
        ]
        assert all(isinstance(o, NativeOutput) for o in theirs.outputs)
        assert [o.decided_at for o in theirs.outputs] == [o.decided_at for o in mine.outputs]
    assert read_natively == (len(events) if via_avro else 0)
    return python, native


def assert_same_fields(read: Any, event: Any) -> None:
    """A ``NativeEvent`` answers what the service asks of an event as pydantic's does."""
    for name in ("event_type", "event_id", "company_id", "customer_id", "account", "order_id",
                 "group_id", "occurred_at"):  # fmt: skip
        assert getattr(read, name) == getattr(event, name, None), name
    assert read.occurred_at.utcoffset() == event.occurred_at.utcoffset()


def assert_same_state(python: Ledger, native: Ledger, events: list[dict[str, Any]]) -> None:
    accounts = sorted(accounts_of(events))
    for account in accounts:
        assert native.book_bytes(account) == python.book_bytes(account), account
        assert native.root_of(account) == python.root_of(account), account
    assert native.flush_books(accounts, 4) == python.flush_books(accounts, 4)
    groups = {e["group_id"] for e in events if e["event_type"] == "group_upserted"}
    for group_id in sorted(groups):
        assert native.members(group_id) == python.members(group_id)
        assert native.group_balances(group_id) == python.group_balances(group_id), group_id
    assert native.held_accounts() == sorted(python.held_accounts())
    assert native.customer_count() == python.customer_count()


def test_a_generated_load_gives_the_same_records_books_and_totals() -> None:
    config = LoadConfig(seed=11, accounts=300, groups=12, companies=3, events=3000, days=30)
    events = list(generate(config))
    python, native = run_both(events)
    assert_same_state(python, native, events)
    grouped = [g for g in {e.get("credit_group_id") for e in events} if g]
    assert any(native.group_balances(g)[0] for g in grouped)  # the totals compared hold sums


def test_records_read_by_the_native_engine_give_the_same_records_books_and_totals() -> None:
    config = LoadConfig(seed=12, accounts=300, groups=12, companies=3, events=3000, days=30)
    events = list(generate(config))
    python, native = run_both(events, via_avro=True)
    assert_same_state(python, native, events)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_logs())
def test_random_logs_give_the_same_records_books_and_totals(events: list[dict[str, Any]]) -> None:
    python, native = run_both(events, via_avro=True)
    assert_same_state(python, native, events)


def test_books_handed_in_and_out_land_the_same_way() -> None:
    """A restore (``adopt_books``), a hand-over onto an open book (``merge_book``) and a
    revoke (``drop_book``) give both engines the same books and group totals."""
    config = LoadConfig(seed=5, accounts=120, groups=6, companies=2, events=1500, days=20)
    events = list(generate(config))
    python, _ = run_both(events)
    accounts = sorted(a for a in accounts_of(events) if python.has_book(a))
    payloads = {a: python.book_bytes(a) for a in accounts}
    fresh_python, fresh_native = run_both([e for e in events if "customer_id" not in e
                                           or e["event_type"] == "customer_upserted"])  # fmt: skip
    half = len(accounts) // 2
    for ledger in (fresh_python, fresh_native):
        stored = [(book_key(account), payloads[account] or b"") for account in accounts[:half]]
        homes = list(ledger.adopt_books(stored, 4))
        assert homes == [(a, zlib.crc32(python.root_of(a).encode()) % 4) for a in accounts[:half]]
        for account in accounts[half:]:
            payload = payloads[account]
            assert payload is not None
            ledger.merge_book(account, payload)
            ledger.merge_book(account, payload)  # arriving onto the copy: the ids merge
        ledger.drop_book(accounts[0])
    fresh_python.engine.stored.load_all()
    assert_same_state(fresh_python, fresh_native, events)
    assert not fresh_native.has_book(accounts[0])
    assert fresh_native.book_bytes(accounts[1]) == payloads[accounts[1]]


@pytest.mark.parametrize("engine", ["python", "native"])
def test_bytes_that_are_no_book_are_refused_with_the_account(engine: str) -> None:
    ledger = PythonLedger() if engine == "python" else NativeLedger(CODEC)
    with pytest.raises(PoisonMessageError, match="C1"):  # arriving: the record is at fault
        ledger.merge_book(("C1", "X"), b"\x03 no book")
    with pytest.raises(StoredBookError, match="C1"):
        list(ledger.adopt_books([(book_key(("C1", "X")), b'["not", "a book"]')], 4))
        ledger.book_bytes(("C1", "X"))  # the Python engine decodes a stored book when used
    with pytest.raises((StoredBookError, ValueError)):
        list(ledger.adopt_books([(b"b\x1fC1", b"")], 4))  # a key that names no account


@pytest.mark.parametrize("engine", ["python", "native"])
def test_a_handoff_onto_a_damaged_stored_book_is_the_stores_error(engine: str) -> None:
    """A valid book handed over onto damaged bytes held here: ``StoredBookError`` (the store
    is damaged), not the arriving record's ``PoisonMessageError``; nothing is merged."""
    events = list(generate(LoadConfig(seed=3, accounts=20, groups=2, companies=2,
                                      events=200, days=5)))  # fmt: skip
    python, _ = run_both(events)
    account = next(a for a in sorted(accounts_of(events)) if python.has_book(a))
    payload = python.book_bytes(account)
    assert payload is not None
    ledger = PythonLedger() if engine == "python" else NativeLedger(CODEC)
    list(ledger.adopt_books([(book_key(account), b"\x03 damaged")], 4))
    for _ in range(2):
        with pytest.raises(StoredBookError, match=account[1]) as raised:
            ledger.merge_book(account, payload)
        assert not isinstance(raised.value, PoisonMessageError)
    assert ledger.has_book(account)  # the damaged bytes are still held, not replaced


def _codec_with(event_type: str) -> AvroCodec:
    """The repository's schemas, but ``event_type``'s with one more field (a default)."""
    schemas = load_schemas(SETTINGS.schemas_dir)
    changed = json.loads(schema_json(schemas[event_type]))
    changed["fields"].append({"name": "note", "type": ["null", "string"], "default": None})
    return AvroCodec(schemas | {event_type: changed})


def test_the_native_engine_refuses_output_schemas_it_does_not_write() -> None:
    with pytest.raises(ConfigurationError, match="order_held"):
        NativeLedger(_codec_with("order_held"))


def test_records_of_an_input_schema_it_does_not_read_are_left_to_python() -> None:
    codec = _codec_with("order_created")
    ledger = NativeLedger(codec)
    events = list(generate(LoadConfig(seed=3, accounts=40, groups=4, companies=2, events=300)))
    types = {}
    for raw in events:
        [(_, _, value)] = encoded(SETTINGS.topics, codec, [raw])
        types[raw["event_type"]] = ledger.read(value) is not None
    assert types["order_created"] is False  # the codec and pydantic read it, as before
    assert types["invoice_posted"] and types["customer_upserted"]
