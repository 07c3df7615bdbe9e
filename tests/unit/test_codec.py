"""Avro schemas and the wire codec: round trips, framings, fingerprints, poison input."""

from __future__ import annotations

import copy
import io
import json
import struct
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import fastavro
import pytest
from fastavro.schema import to_parsing_canonical_form
from hypothesis import given, settings
from hypothesis import strategies as st

from service.codec import (
    AvroCodec,
    EventEncodingError,
    HttpSchemaRegistry,
    InMemorySchemaRegistry,
    Schema,
    SchemaRegistryError,
    fingerprint,
    load_schemas,
    schema_json,
    subject_name,
)
from service.errors import CreditServiceError, PoisonMessageError

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
TOPIC = "credit.test"
T0 = datetime(2026, 3, 1, 9, 30, 0, 123000, tzinfo=UTC)
ENVELOPE = ("event_id", "event_type", "occurred_at")
INPUTS = {
    "order_created",
    "invoice_posted",
    "payment_posted",
    "order_cancelled",
    "hold_released",
    "hold_rejected",
    "company_upserted",
    "warehouse_upserted",
    "customer_upserted",
    "group_upserted",
    "exchange_rate_set",
}
OUTPUTS = {"order_approved", "order_held", "order_rejected", "credit_notification"}


def _event(event_type: str, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": f"evt-{event_type}-1",
        "event_type": event_type,
        "occurred_at": T0,
        **fields,
    }


def _acct(**fields: Any) -> dict[str, Any]:
    return {"company_id": "C100", "customer_id": "CUST-42", **fields}


SAMPLES: dict[str, dict[str, Any]] = {
    "order_created": _event(
        "order_created",
        order_id="SO-1001",
        **_acct(),
        warehouse_id="WH-1",
        amount=Decimal("12500.5000"),
        currency="EUR",
        payment_type="on_account",
        entered_by="jdoe",
    ),
    "invoice_posted": _event(
        "invoice_posted",
        invoice_id="INV-9",
        order_id="SO-1001",
        **_acct(),
        amount=Decimal("12500.50"),
        currency="EUR",
        invoice_date=date(2026, 3, 2),
        due_date=date(2026, 4, 1),
    ),
    "payment_posted": _event(
        "payment_posted",
        payment_id="PAY-3",
        **_acct(),
        amount=Decimal("-0.0001"),
        currency="EUR",
        invoice_ids=["INV-9", "INV-10"],
    ),
    "order_cancelled": _event("order_cancelled", order_id="SO-1001", **_acct()),
    "hold_released": _event(
        "hold_released", order_id="SO-1", **_acct(), decided_by="mgr", note="paid by wire"
    ),
    "hold_rejected": _event(
        "hold_rejected", order_id="SO-2", **_acct(), decided_by="mgr", note=None
    ),
    "company_upserted": _event(
        "company_upserted",
        company_id="C100",
        currency="EUR",
        default_credit_limit=Decimal("50000"),
        tolerance_pct=Decimal("2.5"),
        max_order_amount=None,
        check_group_limits=False,
        aging_period_days=[15, 30, 45, 60],
        include_open_orders=True,
    ),
    "warehouse_upserted": _event(
        "warehouse_upserted",
        warehouse_id="WH-1",
        company_id="C100",
        tolerance_pct=None,
        max_order_amount=Decimal("999999999999999999.9999"),
    ),
    "customer_upserted": _event(
        "customer_upserted",
        **_acct(),
        name="Müller & Söhne GmbH",
        currency="EUR",
        credit_group_id="G-7",
        credit_limit=Decimal("100000.00"),
        credit_limit_expires=date(2026, 12, 31),
        temporary_credit_limit=Decimal("20000"),
        temporary_limit_from=date(2026, 3, 1),
        temporary_limit_to=date(2026, 3, 31),
        insurance_amount=Decimal("5000.1234"),
        guarantee_amount=None,
        credit_manager="alice",
        credit_analyst="bob",
        cod_terms=True,
        sales_order_status="hold_until",
        sales_order_status_date=date(2026, 3, 15),
        hold_period=3,
        allowed_overdue_amount=Decimal("250"),
        allowed_overdue_days=10,
        ap_manager="carol",
        ap_phone="+49 30 1234567",
        credit_established=date(2019, 1, 1),
        last_review=date(2025, 6, 30),
        next_review=date(2026, 6, 30),
    ),
    "group_upserted": _event(
        "group_upserted",
        group_id="G-7",
        description="Müller group",
        currency="EUR",
        credit_limit=Decimal("250000"),
        credit_limit_expires=date(2027, 1, 31),
        limit_mode="group_and_customer",
        credit_manager="alice",
        sales_order_status=None,
        sales_order_status_date=None,
        hold_period=None,
        allowed_overdue_amount=Decimal("1000"),
        allowed_overdue_days=5,
        ap_manager=None,
        ap_phone=None,
    ),
    "exchange_rate_set": _event(
        "exchange_rate_set",
        from_currency="USD",
        to_currency="EUR",
        rate=Decimal("0.923456789012"),
        valid_from=date(2026, 3, 1),
    ),
    "order_approved": _event(
        "order_approved",
        order_id="SO-1",
        **_acct(),
        group_id="G-7",
        amount=Decimal("12500.50"),
        currency="EUR",
        reasons=[
            {
                "code": "MANUAL_RELEASE",
                "message": "released by mgr",
                "limit": Decimal("100000"),
                "exposure": Decimal("92500.5"),
                "order_amount": Decimal("12500.5"),
                "available": Decimal("7499.5"),
                "currency": "EUR",
            }
        ],
        released_by="mgr",
        decided_at=T0,
        figures={
            "exposure_before": Decimal("80000"),
            "exposure_after": Decimal("92500.5"),
            "limit": Decimal("100000"),
            "available": Decimal("7499.5"),
            "currency": "EUR",
        },
    ),
    "order_held": _event(
        "order_held",
        order_id="SO-2",
        **_acct(),
        group_id=None,
        amount=Decimal("30000"),
        currency="EUR",
        reasons=[
            {
                "code": "CUSTOMER_LIMIT",
                "message": "exposure 110000.00 EUR would exceed limit 100000.00 EUR",
                "limit": Decimal("100000"),
                "exposure": Decimal("110000"),
                "order_amount": Decimal("30000"),
                "available": Decimal("-10000"),
                "currency": "EUR",
            },
            {
                "code": "NO_CREDIT_PROFILE",
                "message": "no customer_upserted yet",
                "limit": None,
                "exposure": None,
                "order_amount": None,
                "available": None,
                "currency": None,
            },
        ],
        credit_managers=["alice", "dave"],
        decided_at=T0,
    ),
    "order_rejected": _event(
        "order_rejected", order_id="SO-2", **_acct(), decided_by="mgr", decided_at=T0
    ),
    "credit_notification": _event(
        "credit_notification",
        notification_id="N-1",
        kind="ORDER_ON_HOLD",
        recipients=[
            {"role": "credit_manager", "person": "alice"},
            {"role": "credit_analyst", "person": "bob"},
        ],
        company_id="C100",
        customer_id="CUST-42",
        group_id=None,
        order_id="SO-2",
        message="Order SO-2 is on hold",
        decided_at=T0,
    ),
}


@pytest.fixture(scope="module")
def schemas() -> dict[str, Schema]:
    return load_schemas(SCHEMA_DIR)


@pytest.fixture(scope="module")
def codec(schemas: dict[str, Schema]) -> AvroCodec:
    return AvroCodec(schemas)


@pytest.fixture
def registry() -> InMemorySchemaRegistry:
    return InMemorySchemaRegistry()


def _names(schema: Schema) -> list[str]:
    return [field["name"] for field in schema["fields"]]


# --- schemas -----------------------------------------------------------------------------


def test_one_schema_per_event_type(schemas: dict[str, Schema]) -> None:
    assert set(schemas) == INPUTS | OUTPUTS
    for event_type, schema in schemas.items():
        assert schema["name"].startswith("credit.events.")
        assert _names(schema)[:3] == list(ENVELOPE), event_type
        assert "extra" not in _names(schema)


def test_samples_cover_every_field(schemas: dict[str, Schema]) -> None:
    for event_type, sample in SAMPLES.items():
        assert list(sample) == _names(schemas[event_type]), event_type


def test_schema_json_is_a_loadable_standalone_schema(schemas: dict[str, Schema]) -> None:
    for schema in schemas.values():
        reparsed = fastavro.parse_schema(json.loads(schema_json(schema)), named_schemas={})
        assert to_parsing_canonical_form(reparsed) == to_parsing_canonical_form(schema)


# --- round trips -------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_round_trip_single_object(codec: AvroCodec, event_type: str) -> None:
    event = SAMPLES[event_type]
    payload = codec.encode(TOPIC, event)
    assert payload[:2] == b"\xc3\x01"
    assert codec.decode(TOPIC, payload) == event


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_round_trip_confluent(
    schemas: dict[str, Schema], registry: InMemorySchemaRegistry, event_type: str
) -> None:
    event = SAMPLES[event_type]
    payload = AvroCodec(schemas, registry).encode(TOPIC, event)
    assert payload[0] == 0
    # a fresh codec has no cache: it must fetch the writer schema by id
    assert AvroCodec(schemas, registry).decode(TOPIC, payload) == event


def test_decoded_values_are_native(codec: AvroCodec) -> None:
    decoded = codec.decode(TOPIC, codec.encode(TOPIC, SAMPLES["customer_upserted"]))
    assert decoded["occurred_at"] == T0
    assert decoded["occurred_at"].utcoffset() == timedelta(0)
    assert isinstance(decoded["credit_limit"], Decimal)
    assert str(decoded["credit_limit"]) == "100000.0000"
    assert type(decoded["last_review"]) is date


def test_optional_fields_and_defaults_may_be_omitted(codec: AvroCodec) -> None:
    company = _event("company_upserted", company_id="C1", currency="EUR")
    decoded = codec.decode(TOPIC, codec.encode(TOPIC, company))
    assert decoded["default_credit_limit"] is None
    assert decoded["check_group_limits"] is True
    assert decoded["include_open_orders"] is True
    assert decoded["aging_period_days"] == [30, 60, 90, 120]
    nulls = {**company, "check_group_limits": None, "aging_period_days": None}
    assert codec.decode(TOPIC, codec.encode(TOPIC, nulls)) == decoded


def test_approval_reason_may_be_just_a_code(codec: AvroCodec) -> None:
    approved = {**SAMPLES["order_approved"], "reasons": [{"code": "MANUAL_RELEASE"}]}
    (reason,) = codec.decode(TOPIC, codec.encode(TOPIC, approved))["reasons"]
    assert reason == {
        "code": "MANUAL_RELEASE",
        "message": "",
        "limit": None,
        "exposure": None,
        "order_amount": None,
        "available": None,
        "currency": None,
    }
    no_reasons = {**SAMPLES["order_approved"], "reasons": []}
    assert codec.decode(TOPIC, codec.encode(TOPIC, no_reasons))["reasons"] == []


def test_one_topic_carries_several_event_types(codec: AvroCodec) -> None:
    payloads = [codec.encode(TOPIC, SAMPLES[et]) for et in ("hold_released", "hold_rejected")]
    assert [codec.decode(TOPIC, p)["event_type"] for p in payloads] == [
        "hold_released",
        "hold_rejected",
    ]


def test_other_timezones_are_converted_to_utc(codec: AvroCodec) -> None:
    cet = datetime(2026, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    event = {**SAMPLES["order_cancelled"], "occurred_at": cet}
    assert codec.decode(TOPIC, codec.encode(TOPIC, event))["occurred_at"] == cet


amounts = st.decimals(
    min_value=Decimal("-999999999999999999.9999"),
    max_value=Decimal("999999999999999999.9999"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)


@settings(max_examples=300, deadline=None)
@given(amount=amounts, exposure=amounts)
def test_amounts_with_up_to_four_places_round_trip_exactly(
    codec: AvroCodec, amount: Decimal, exposure: Decimal
) -> None:
    held = copy.deepcopy(SAMPLES["order_held"])
    held["amount"] = amount
    held["reasons"][0]["exposure"] = exposure
    decoded = codec.decode(TOPIC, codec.encode(TOPIC, held))
    assert decoded["amount"] == amount
    assert decoded["reasons"][0]["exposure"] == exposure


@settings(max_examples=100, deadline=None)
@given(rate=st.decimals(min_value=0, max_value=Decimal("1e15"), places=12))
def test_rates_with_up_to_twelve_places_round_trip_exactly(codec: AvroCodec, rate: Decimal) -> None:
    event = {**SAMPLES["exchange_rate_set"], "rate": rate}
    assert codec.decode(TOPIC, codec.encode(TOPIC, event))["rate"] == rate


# --- encoding errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_type", "change", "message"),
    [
        ("order_created", {"amount": Decimal("1.00001")}, "more than 4 decimal places"),
        ("order_created", {"amount": Decimal("1E+18")}, "more than 22 digits"),
        ("order_created", {"amount": Decimal("NaN")}, "not a finite"),
        ("order_created", {"amount": 1.5}, "expected a Decimal"),
        ("order_created", {"amount": "1.5"}, "expected a Decimal"),
        ("exchange_rate_set", {"rate": Decimal("1.0000000000001")}, "more than 12 decimal"),
        ("order_created", {"occurred_at": datetime(2026, 3, 1)}, "tz-aware"),
        ("invoice_posted", {"due_date": datetime(2026, 3, 1, tzinfo=UTC)}, "expected a date"),
        ("order_created", {"currency": None}, "expected string"),
        ("order_created", {"extra": "x"}, "unknown fields"),
        ("customer_upserted", {"hold_period": True}, "expected int"),
        ("customer_upserted", {"hold_period": 2**31}, "out of range"),
        ("order_held", {"credit_managers": "alice"}, "expected a list"),
        ("order_held", {"event_type": "order_shipped"}, "unknown event_type"),
    ],
)
def test_invalid_events_do_not_encode(
    codec: AvroCodec, event_type: str, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(EventEncodingError, match=message):
        codec.encode(TOPIC, {**SAMPLES[event_type], **change})


def test_missing_required_field_does_not_encode(codec: AvroCodec) -> None:
    event = {k: v for k, v in SAMPLES["order_created"].items() if k != "amount"}
    with pytest.raises(EventEncodingError, match=r"order_created\.amount: missing"):
        codec.encode(TOPIC, event)


def test_nested_errors_name_the_path(codec: AvroCodec) -> None:
    held = copy.deepcopy(SAMPLES["order_held"])
    held["reasons"][1]["limit"] = Decimal("0.123456")
    with pytest.raises(EventEncodingError, match=r"reasons\[1\]\.limit"):
        codec.encode(TOPIC, held)


def test_trailing_zeros_beyond_the_scale_are_not_an_error(codec: AvroCodec) -> None:
    event = {**SAMPLES["order_created"], "amount": Decimal("1.230000")}
    assert codec.decode(TOPIC, codec.encode(TOPIC, event))["amount"] == Decimal("1.23")


# --- fingerprints (Avro spec, CRC-64-AVRO) -------------------------------------------------

EMPTY64 = 0xC15D213AA4D7A795


def _rabin_table() -> list[int]:
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (EMPTY64 & -(fp & 1))
        table.append(fp)
    return table


def reference_rabin(text: str) -> int:
    """The reference implementation printed in the Avro specification."""
    table = _rabin_table()
    fp = EMPTY64
    for byte in text.encode("utf-8"):
        fp = (fp >> 8) ^ table[(fp ^ byte) & 0xFF]
    return fp


@pytest.mark.parametrize(
    ("canonical", "published"),
    [  # from apache/avro share/test/data/schema-tests.txt (signed Java longs)
        ('"int"', 8247732601305521295),
        ('"null"', 7195948357588979594),
        ('"string"', -8142146995180207161),
        ('{"name":"foo","type":"record","fields":[]}', -4824392279771201922),
    ],
)
def test_reference_rabin_matches_published_vectors(canonical: str, published: int) -> None:
    assert reference_rabin(canonical) == published % 2**64
    assert fingerprint(json.loads(canonical)) == (published % 2**64).to_bytes(8, "little")


def test_single_object_header_matches_spec_example() -> None:
    # Avro's own test: the single-object header for "int" is C3 01 8F 5C 39 3F 1A D5 75 72
    assert b"\xc3\x01" + fingerprint("int") == bytes.fromhex("c3018f5c393f1ad57572")


def test_header_carries_the_schema_fingerprint(
    codec: AvroCodec, schemas: dict[str, Schema]
) -> None:
    for event_type, sample in SAMPLES.items():
        expected = reference_rabin(to_parsing_canonical_form(schemas[event_type]))
        assert codec.encode(TOPIC, sample)[2:10] == expected.to_bytes(8, "little")


# --- poison input ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good(codec: AvroCodec) -> bytes:
    return codec.encode(TOPIC, SAMPLES["order_held"])


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda p: b"", "bad marker"),
        (lambda p: b"\x00" + p[1:], "bad marker"),
        (lambda p: p[:7], "bad marker"),
        (lambda p: p[:2] + b"\x00" * 8 + p[10:], "unknown writer schema fingerprint"),
        (lambda p: p[:-3], "cannot decode Avro body"),
        (lambda p: p[:10], "cannot decode Avro body"),
        (lambda p: p + b"\x00", "1 trailing bytes"),
        (lambda p: p[:10] + b"\xff" * 20, "cannot decode"),
    ],
)
def test_corrupt_payloads_are_poison(
    codec: AvroCodec, good: bytes, mangle: Any, message: str
) -> None:
    with pytest.raises(PoisonMessageError, match=message) as info:
        codec.decode(TOPIC, mangle(good))
    assert TOPIC in info.value.reason
    assert isinstance(info.value, CreditServiceError)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_random_corruption_is_poison_or_valid(codec: AvroCodec, data: st.DataObject) -> None:
    payload = bytearray(codec.encode(TOPIC, SAMPLES["credit_notification"]))
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(10, len(payload) - 1))
        payload[index] = data.draw(st.integers(0, 255))
    try:
        event = codec.decode(TOPIC, bytes(payload))
    except PoisonMessageError:
        return
    assert event["event_type"] == "credit_notification"


def test_event_type_field_must_match_the_schema(
    codec: AvroCodec, schemas: dict[str, Schema]
) -> None:
    lying = {**SAMPLES["order_cancelled"], "event_type": "order_created"}
    body = io.BytesIO()
    fastavro.schemaless_writer(body, schemas["order_cancelled"], lying)
    payload = b"\xc3\x01" + fingerprint(schemas["order_cancelled"]) + body.getvalue()
    with pytest.raises(PoisonMessageError, match="'order_created' in a order_cancelled"):
        codec.decode(TOPIC, payload)


# --- Confluent framing -------------------------------------------------------------------------


class CountingRegistry(InMemorySchemaRegistry):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, object]] = []

    def register(self, subject: str, schema_str: str) -> int:
        self.calls.append(("register", subject))
        return super().register(subject, schema_str)

    def schema_by_id(self, schema_id: int) -> str:
        self.calls.append(("schema_by_id", schema_id))
        return super().schema_by_id(schema_id)


def test_confluent_framing_and_subject_naming(schemas: dict[str, Schema]) -> None:
    registry = CountingRegistry()
    codec = AvroCodec(schemas, registry)
    payload = codec.encode("credit.orders.held", SAMPLES["order_held"])
    (schema_id,) = struct.unpack(">I", payload[1:5])
    assert payload[0] == 0
    assert registry.subjects == {"credit.orders.held-credit.events.OrderHeld": [schema_id]}
    assert subject_name("t", schemas["order_held"]) == "t-credit.events.OrderHeld"
    assert json.loads(registry.schema_by_id(schema_id))["name"] == "credit.events.OrderHeld"


def test_confluent_ids_are_cached_both_ways(schemas: dict[str, Schema]) -> None:
    registry = CountingRegistry()
    writer, reader = AvroCodec(schemas, registry), AvroCodec(schemas, registry)
    payloads = [writer.encode(TOPIC, SAMPLES["order_created"]) for _ in range(3)]
    for payload in payloads:
        assert writer.decode(TOPIC, payload) == reader.decode(TOPIC, payload)
    schema_id = struct.unpack(">I", payloads[0][1:5])[0]
    assert registry.calls == [
        ("register", f"{TOPIC}-credit.events.OrderCreated"),
        ("schema_by_id", 1),
    ]
    assert schema_id == 1


def test_confluent_reads_an_older_writer_schema(
    schemas: dict[str, Schema], registry: InMemorySchemaRegistry
) -> None:
    old = json.loads(schema_json(schemas["order_created"]))
    old["fields"] = [f for f in old["fields"] if f["name"] not in ("warehouse_id", "entered_by")]
    old_schema = fastavro.parse_schema(old, named_schemas={})
    schema_id = registry.register(f"{TOPIC}-credit.events.OrderCreated", json.dumps(old))
    sample = SAMPLES["order_created"]
    body = io.BytesIO()
    fastavro.schemaless_writer(body, old_schema, sample)
    payload = b"\x00" + struct.pack(">I", schema_id) + body.getvalue()
    decoded = AvroCodec(schemas, registry).decode(TOPIC, payload)
    assert decoded == {**sample, "warehouse_id": None, "entered_by": None}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "bad magic byte"),
        (b"\xc3\x01\x00\x00\x00\x01", "bad magic byte"),
        (b"\x00\x00", "bad magic byte"),  # with the 2-byte body: a truncated header
        (b"\x00\x00\x00\x00\x63", "unknown schema id 99"),
        (b"\x00\x00\x00\x00\x02", "'other.Thing', not an event"),
        (b"\x00\x00\x00\x00\x03", "unreadable writer schema"),
        (b"\x00\x00\x00\x00\x04", "cannot decode Avro body"),
    ],
)
def test_confluent_poison(schemas: dict[str, Schema], payload: bytes, message: str) -> None:
    registry = InMemorySchemaRegistry()
    registry.register("a", schema_json(schemas["order_rejected"]))  # id 1
    registry.register("b", json.dumps({"type": "record", "name": "other.Thing", "fields": []}))
    registry.register("c", "{not json")  # id 3
    incompatible = json.loads(schema_json(schemas["order_rejected"]))
    incompatible["fields"][0]["type"] = "long"  # event_id: long cannot be read as string
    registry.register("d", json.dumps(incompatible))  # id 4
    with pytest.raises(PoisonMessageError, match=message):
        AvroCodec(schemas, registry).decode(TOPIC, payload + b"\x02\x41")


# --- the HTTP registry, against an in-process fake of the REST API -----------------------------


class _FakeRegistryHandler(BaseHTTPRequestHandler):
    texts: dict[int, str] = {}  # noqa: RUF012 - shared fake state

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        schema = json.loads(self.rfile.read(length))["schema"]
        assert self.path.startswith("/subjects/") and self.path.endswith("/versions")
        ids = {text: i for i, text in self.texts.items()}
        schema_id = ids.get(schema, len(self.texts) + 1)
        self.texts[schema_id] = schema
        self._reply(200, {"id": schema_id})

    def do_GET(self) -> None:
        schema_id = int(self.path.rsplit("/", 1)[1])
        if schema_id == 500:
            self._reply(500, {"error_code": 50001, "message": "boom"})
        elif schema_id in self.texts:
            self._reply(200, {"schema": self.texts[schema_id]})
        else:
            self._reply(404, {"error_code": 40403, "message": "Schema not found"})


@pytest.fixture
def registry_url() -> Iterator[str]:
    _FakeRegistryHandler.texts = {}
    server = HTTPServer(("127.0.0.1", 0), _FakeRegistryHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_http_registry_round_trip(schemas: dict[str, Schema], registry_url: str) -> None:
    http = HttpSchemaRegistry(registry_url, timeout=5, basic_auth=("user", "secret"))
    payload = AvroCodec(schemas, http).encode(TOPIC, SAMPLES["order_approved"])
    assert AvroCodec(schemas, http).decode(TOPIC, payload) == SAMPLES["order_approved"]
    with pytest.raises(PoisonMessageError, match="unknown schema id 77"):
        AvroCodec(schemas, http).decode(TOPIC, b"\x00\x00\x00\x00\x4d\x00")
    with pytest.raises(SchemaRegistryError, match="HTTP 500"):
        AvroCodec(schemas, http).decode(TOPIC, b"\x00\x00\x00\x01\xf4\x00")


def test_http_registry_unreachable_is_not_poison() -> None:
    http = HttpSchemaRegistry("http://127.0.0.1:9", timeout=1)
    with pytest.raises(SchemaRegistryError):
        http.schema_by_id(1)
