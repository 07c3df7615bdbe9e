"""The generated Avro readers and writers give what fastavro gives, byte for byte."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import fastavro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.avro_compiled import Unsupported, compile_reader, compile_writer
from service.codec import AvroCodec, Schema, _prepare, load_schemas
from service.domain.engine import CreditEngine
from service.domain.events import INPUT_EVENT
from service.domain.outputs import OutputEvent
from service.loadgen import LoadConfig, reference_events, transaction_events
from service.publish import native
from service.serialize import output_record

SCHEMAS = load_schemas(Path(__file__).resolve().parents[2] / "schemas")
LONG = st.integers(-(2**63), 2**63 - 1)
DECIMAL = {"type": "bytes", "logicalType": "decimal", "precision": 22, "scale": 4}


def fastavro_bytes(schema: Schema, record: Any) -> bytes:
    stream = io.BytesIO()
    fastavro.schemaless_writer(stream, schema, record)
    return stream.getvalue()


def fastavro_record(schema: Schema, body: bytes) -> Any:
    return fastavro.schemaless_reader(io.BytesIO(body), schema, None)


def typed(value: Any) -> Any:
    """A value with the types (and Decimal exponents, time zones) spelt out, to compare."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return type(value).__name__, str(value), getattr(value, "tzinfo", None)


@cache
def workload() -> tuple[list[dict[str, Any]], list[OutputEvent]]:
    """Input events (as the codec prepares them) and the outputs the engine made of them."""
    config = LoadConfig(seed=3, accounts=300, groups=8, events=4000)
    engine, inputs, outputs = CreditEngine(), [], []
    for event in [*reference_events(config), *transaction_events(config)]:
        record = native(event)
        schema = SCHEMAS[record["event_type"]]
        inputs.append(_prepare(schema, record, "event", schema["__named_schemas"]))
        outputs += engine.handle(INPUT_EVENT.validate_python(record)).outputs
    return inputs, outputs


def test_every_contract_schema_compiles() -> None:
    for schema in SCHEMAS.values():
        compile_reader(schema)
        compile_writer(schema)


def test_inputs_and_outputs_are_written_and_read_as_fastavro_does() -> None:
    inputs, outputs = workload()
    records = inputs + [output_record(output) for output in outputs]
    assert {r["event_type"] for r in records} == set(SCHEMAS)
    writers = {name: compile_writer(schema) for name, schema in SCHEMAS.items()}
    readers = {name: compile_reader(schema) for name, schema in SCHEMAS.items()}
    for record in records:
        schema = SCHEMAS[record["event_type"]]
        body = writers[record["event_type"]](record)
        assert body == fastavro_bytes(schema, record)
        read, end = readers[record["event_type"]](body, 0)
        assert end == len(body)
        assert typed(read) == typed(fastavro_record(schema, body))


def test_outputs_are_written_from_their_attributes_as_from_their_records() -> None:
    codec = AvroCodec(SCHEMAS)
    _, outputs = workload()
    for output in outputs:
        assert codec.encode_output("t", output) == codec.encode(
            "t", output_record(output), checked=False
        )


SCALARS: Schema = fastavro.parse_schema({
    "type": "record", "name": "Scalars", "fields": [
        {"name": "n", "type": "long"}, {"name": "flag", "type": "boolean"},
        {"name": "amount", "type": DECIMAL}, {"name": "maybe", "type": ["null", DECIMAL]},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "text", "type": "string"}, {"name": "raw", "type": "bytes"},
        {"name": "items", "type": {"type": "array", "items": "long"}},
    ],
})  # fmt: skip
INSTANT = st.datetimes(datetime(1900, 1, 1), datetime(2200, 1, 1),
                       timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]))  # fmt: skip
AMOUNT = st.decimals(min_value=-(10**17), max_value=10**17, places=4, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(n=LONG, flag=st.booleans(), amount=AMOUNT, maybe=st.none() | AMOUNT, at=INSTANT,
       day=st.dates(), text=st.text(), raw=st.binary(), items=st.lists(LONG))  # fmt: skip
def test_scalars_as_fastavro(**record: Any) -> None:
    body = compile_writer(SCALARS)(record)
    assert body == fastavro_bytes(SCALARS, record)
    read, end = compile_reader(SCALARS)(body, 0)
    assert end == len(body)
    assert typed(read) == typed(fastavro_record(SCALARS, body))


@pytest.mark.parametrize(
    "amount",
    [Decimal("1.23456"), Decimal("12345678901234567890.1234"), Decimal("NaN"), "1.0", None],
)
def test_a_decimal_fastavro_refuses_is_refused(amount: Any) -> None:
    record = {"n": 0, "flag": True, "amount": amount, "maybe": None, "at": 0,
              "day": date(2026, 1, 1), "text": "", "raw": b"", "items": []}  # fmt: skip
    with pytest.raises((ValueError, TypeError, AttributeError)):
        fastavro_bytes(SCALARS, record)
    with pytest.raises((ValueError, TypeError, AttributeError)):
        compile_writer(SCALARS)(record)


def test_a_missing_field_without_default_is_refused() -> None:
    with pytest.raises(ValueError, match="no value and no default for n"):
        compile_writer(SCALARS)({"flag": True})


@pytest.mark.parametrize(
    "node",
    [{"type": "enum", "name": "E", "symbols": ["A"]}, {"type": "map", "values": "long"},
     ["null", "long", "string"], "double"],
)  # fmt: skip
def test_other_types_are_left_to_fastavro(node: Any) -> None:
    schema = fastavro.parse_schema(
        {"type": "record", "name": "Other", "fields": [{"name": "x", "type": node}]}
    )
    with pytest.raises(Unsupported):
        compile_writer(schema)
    with pytest.raises(Unsupported):
        compile_reader(schema)
