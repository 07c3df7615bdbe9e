"""Differential cases for `credit_avro`: Avro payloads and what Python's codec makes of them.

Run from the repository root with the project's venv (the worktree's `service` package):

    PYTHONPATH=. .venv/bin/python native/avro/tests/gen_avro_cases.py

It writes, gzip'd, one JSON object a line (seeded: the same run gives the same files):

`input_cases.jsonl.gz`: first a `{"schemas": ...}` line (per event type the parsing canonical
form, `codec.fingerprint`, `schema_json` (keys sorted) and the .avsc text; and the registry
below, each schema id with its text), then one case a line:
  "payload": the framed record in hex, "confluent": true when Confluent framed,
  "ok": whether Python's path (`codec.decode`, then `INPUT_EVENT.validate_python`, as
  `service/processor.py::decode`) accepts it, "event": the validated event, normalised (below;
  None fields left out), when ok, "base": true for the records of valid events as
  `AvroCodec.encode` writes them, "what": the mutation.
Normalised values: Decimal -> [negative, "coefficient digits", exponent]; date -> ordinal;
datetime -> [utc microseconds since 1970, utc offset seconds]; tuples -> lists; and
exchange_rate_set's `valid_from` -> its `valid_from_instant`.

`output_cases.jsonl.gz`: one output event a line: "line" (`to_json_line(output)`, from which
the Rust test builds the `OutputEvent`), and "avro" (`codec.encode_output(topic, output)`
in hex, single-object framed) or "error" (the `EventEncodingError` Python raises).

Input records: valid events of every type (examples/events.jsonl, `service.loadgen`,
`tests/unit/native_logs.py`), as `codec.encode` writes them; then each field of one event of
each type (and a full customer and group) replaced by values from pools of right and wrong
values, some written as raw bytes the Python writer would not write (bad union branches,
booleans other than 0/1, invalid UTF-8, over-long varints, decimals past their precision,
instants and dates out of range, array blocks with negative counts); then truncations,
trailing bytes, swapped headers and random byte changes of valid records. Confluent-framed
copies of a share of them are decoded through a registry whose schemas another codec
registered (so Python reads them with fastavro, as it reads upstream records), some written
with a variant schema of the same fingerprint but decimals at scale 2.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastavro.schema import to_parsing_canonical_form
from hypothesis import HealthCheck, given, seed, settings
from pydantic import ValidationError

from service.avro_compiled import date_days, decimal_bytes, timestamp_millis, write_long
from service.codec import (
    AvroCodec,
    EventEncodingError,
    InMemorySchemaRegistry,
    fingerprint,
    load_schemas,
    schema_json,
)
from service.domain.events import INPUT_EVENT, REFERENCE_TYPES, TRANSACTION_TYPES
from service.domain.outputs import (
    CreditNotification,
    DecisionFigures,
    HoldReason,
    OrderApproved,
    OrderHeld,
    OrderRejected,
    Recipient,
)
from service.errors import PoisonMessageError
from service.loadgen import LoadConfig, generate
from service.replay import BadLine, replay_lines
from service.serialize import to_json_line

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "native" / "text" / "tests"))
from gen_pydantic_cases import normalised  # noqa: E402 (the pydantic cases' normal form)
HERE = Path(__file__).resolve().parent
TOPIC = "credit.any"
SCHEMAS = load_schemas(ROOT / "schemas")
CODEC = AvroCodec(SCHEMAS)
INPUT_TYPES = sorted(TRANSACTION_TYPES | REFERENCE_TYPES)


class Raw(bytes):
    """Bytes written as they are in place of a field's value."""


# -- a writer of any value, or raw bytes, per schema (checked against the codec's) -------------
def write(node: Any, value: Any, named: dict[str, Any]) -> bytes:
    if isinstance(value, Raw):
        return bytes(value)
    if isinstance(node, str) and node in named:
        node = named[node]
    if isinstance(node, list):
        return b"\x00" if value is None else b"\x02" + write(node[1], value, named)
    if isinstance(node, dict) and "logicalType" in node:
        return write_logical(node, value)
    kind = node["type"] if isinstance(node, dict) else node
    if kind == "record":
        return b"".join(write(f["type"], value[f["name"]], named) for f in node["fields"])
    if kind == "array":
        items = b"".join(write(node["items"], item, named) for item in value)
        return (write_long(len(value)) + items if value else b"") + b"\x00"
    if kind == "string":
        data: bytes = value.encode()
        return write_long(len(data)) + data
    if kind in ("int", "long"):
        return write_long(value)
    if kind == "boolean":
        return b"\x01" if value else b"\x00"
    raise TypeError(kind)


def write_logical(node: dict[str, Any], value: Any) -> bytes:
    logical = node["logicalType"]
    if logical == "decimal":
        data: bytes = decimal_bytes(value, node["precision"], node["scale"])
        return write_long(len(data)) + data
    if logical == "timestamp-millis":
        return write_long(value if isinstance(value, int) else timestamp_millis(value))
    return write_long(value if isinstance(value, int) else date_days(value))


def body_of(event_type: str, record: dict[str, Any]) -> bytes:
    schema = SCHEMAS[event_type]
    return write(schema, record, schema["__named_schemas"])


def framed(event_type: str, body: bytes) -> bytes:
    return b"\xc3\x01" + fingerprint(SCHEMAS[event_type]) + body


# -- Python's verdict --------------------------------------------------------------------------
def verdict(codec: AvroCodec, payload: bytes) -> tuple[bool, Any]:
    try:
        event = INPUT_EVENT.validate_python(codec.decode(TOPIC, payload))
    except (PoisonMessageError, ValidationError):
        return False, None
    return True, normalised(event)


# -- valid events ------------------------------------------------------------------------------
def native_logs(count: int) -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT))
    from tests.unit.native_logs import event_logs

    found: list[dict[str, Any]] = []

    @seed(20261207)
    @settings(max_examples=count, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(event_logs())
    def collect(events: list[dict[str, Any]]) -> None:
        found.extend(events)

    collect()
    return found


def source_events() -> Iterator[dict[str, Any]]:
    for line in (ROOT / "examples" / "events.jsonl").read_text().splitlines():
        if line.strip():
            yield json.loads(line)
    yield from generate(LoadConfig(seed=7, accounts=600, groups=30, companies=4, events=5000))
    yield from native_logs(100)


def avro_record(event: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The event as Python values for its schema (pydantic's, then as the codec wants)."""
    try:
        model = INPUT_EVENT.validate_python(event)
    except ValidationError:
        return None
    record = model.model_dump()
    if isinstance(record.get("valid_from"), datetime):
        record["valid_from"] = record["valid_from"].astimezone(UTC).date()
    fields = {f["name"] for f in SCHEMAS[model.event_type]["fields"]}
    return model.event_type, {k: v for k, v in record.items() if k in fields}


def base_records() -> list[tuple[str, dict[str, Any], bytes]]:
    seen: set[bytes] = set()
    records = []
    for event in source_events():
        found = avro_record(event)
        if found is None:
            continue
        event_type, record = found
        try:
            payload = CODEC.encode(TOPIC, record)
        except EventEncodingError:
            continue  # more decimals than the schema's scale: not an Avro record at all
        assert payload[10:] == body_of(event_type, CODEC.decode(TOPIC, payload)), event
        if payload not in seen:
            seen.add(payload)
            records.append((event_type, CODEC.decode(TOPIC, payload), payload))
    return records


# -- value pools per field ---------------------------------------------------------------------
def varint_raw(value: int) -> Raw:
    """A zig-zag varint of any size (Python's reader takes them)."""
    n = (value << 1) if value >= 0 else ((-value) << 1) - 1
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return Raw(bytes(out))


def decimal_raw(unscaled: int, width: int | None = None) -> Raw:
    width = width or (unscaled.bit_length() + 8) // 8
    data = unscaled.to_bytes(width, "big", signed=True)
    return Raw(write_long(len(data)) + data)


STRINGS = ["", "x", "EUR", "USD", "JPY", "eur", "EURO", "EU", "E1R", "EUR\n", "ÉUR", " EUR",
           "on_account", "cash", "cod", "CASH", "credit", "on_account ", "group", "hierarchy",
           "customer", "group_and_customer", "yes", "no", "cash_only", "cod_only", "hold_until",
           "open_until", "YES", "é€😀", "\x00", "a" * 9000, *INPUT_TYPES]  # fmt: skip
RAW_STRINGS = [Raw(b"\x08\xff\xfe\xfd\xfc"), Raw(b"\x06\xed\xa0\x80"), Raw(b"\x86\x00EUR"),
               Raw(b"\x01"), Raw(b"\x7f"), Raw(b"\x06EU")]  # fmt: skip
UNION_RAW = [Raw(b"\x04"), Raw(b"\x01"), Raw(b"\x03"), Raw(b"\x80\x00")]
BOOL_RAW = [Raw(b"\x00"), Raw(b"\x01"), Raw(b"\x02"), Raw(b"\xff"), Raw(b"")]
MAX_MS, MIN_MS = 253_402_300_799_999, -62_135_596_800_000
INSTANTS = [0, -1, 1, MIN_MS, MIN_MS - 1, MAX_MS, MAX_MS + 1, 2**62, -(2**63),
            1_772_442_000_123]  # fmt: skip
INSTANT_RAW = [varint_raw(2**70), Raw(b"\xff" * 10 + b"\x01"), Raw(b"\x80\x80\x00")]
DAYS = [0, -1, -719_162, -719_163, 2_932_896, 2_932_897, 2**31, 20_514]
INTS = [None, -1, 0, 1, 5, 6, 2**31, 2**40, 2**63 - 1, -(2**63)]
INT_RAW = [Raw(b"\x02" + varint_raw(2**64)), Raw(b"\x02" + varint_raw(-(2**63) - 1)),
           Raw(b"\x02\x80\x00")]  # fmt: skip
AGING = [[30, 60, 90, 120], [0, 1, 2, 3], [-1, 1, 2, 3], [1, 1, 2, 3], [4, 3, 2, 1], [1, 2, 3],
         [1, 2, 3, 4, 5], [], [0, 2**40, 2**41, 2**62]]  # fmt: skip
AGING_RAW = [Raw(b"\x07\x08\x02\x04\x06\x08\x00"), Raw(b"\x04\x02\x04\x04\x06\x08\x00"),
             Raw(b"\x08\x02\x04\x06\x08"), Raw(b"\x08\x02\x04\x06\x08\x02\x00")]  # fmt: skip
ID_LISTS = [None, [], ["i-1"], ["", "é"], ["i-1"] * 70]
ID_LIST_RAW = [Raw(b"\x02\x03\x08\x06i-1\x00"), Raw(b"\x02\x02\x06i-1"), Raw(b"\x02\x02\x06i-")]


def decimal_pool(precision: int, scale: int) -> list[Any]:
    step = Decimal(1).scaleb(-scale)
    top = 10**precision - 1
    values: list[Any] = [
        Decimal(0).quantize(step),
        step,
        -step,
        Decimal(1).quantize(step),
        Decimal("123.4567").quantize(step),
        Decimal(top).scaleb(-scale),
    ]
    raws = [
        decimal_raw(10**precision),
        decimal_raw(top),
        decimal_raw(-top),
        decimal_raw(10**precision + 5),
        decimal_raw(1, 12),
        decimal_raw(-1, 12),
        decimal_raw(5, 17),
        decimal_raw(2**127, 18),
        decimal_raw(-(2**127)),
        Raw(b"\x00"),
        decimal_raw(-128),
        decimal_raw(-128, 1),
        Raw(b"\x01"),
        Raw(b"\x04\x01"),
    ]
    return values + raws


def resolve(node: Any, named: dict[str, Any]) -> Any:
    return named.get(node, node) if isinstance(node, str) else node


def pool(node: Any, named: dict[str, Any]) -> list[Any]:
    """Values to put in a field of this schema type, right and wrong."""
    node = resolve(node, named)
    if isinstance(node, list):
        inner = [v for v in pool(node[1], named) if not isinstance(v, Raw)]
        raws = [Raw(b"\x02" + v) for v in pool(node[1], named) if isinstance(v, Raw)]
        return [None, *inner, *raws, *UNION_RAW]
    logical = node.get("logicalType") if isinstance(node, dict) else None
    kind = node["type"] if isinstance(node, dict) else node
    if logical == "decimal":
        return decimal_pool(node["precision"], node["scale"])
    if logical == "timestamp-millis":
        return [*INSTANTS, *INSTANT_RAW]
    if logical == "date":
        return [*DAYS, varint_raw(2**66)]
    if kind == "string":
        return [*STRINGS, *RAW_STRINGS]
    if kind == "boolean":
        return BOOL_RAW
    if kind == "array" and resolve(node["items"], named) == "int":
        return [*AGING, *AGING_RAW]
    raise TypeError(node)


def pool_for_field(field: dict[str, Any], named: dict[str, Any]) -> list[Any]:
    node = field["type"]
    if isinstance(node, list) and resolve(node[1], named) == "int":
        return [*INTS, *INT_RAW, *UNION_RAW]
    if isinstance(node, list) and isinstance(node[1], dict) and node[1].get("type") == "array":
        return [*ID_LISTS, *ID_LIST_RAW, *UNION_RAW]
    return pool(node, named)


def full_records(
    records: list[tuple[str, dict[str, Any], bytes]],
) -> list[tuple[str, dict[str, Any]]]:
    """One record of each type, plus a customer and a group with every field set."""
    firsts: dict[str, dict[str, Any]] = {}
    for event_type, record, _ in records:
        firsts.setdefault(event_type, record)
    picked = list(firsts.items())
    day = date(2026, 3, 9)
    customer = dict(firsts["customer_upserted"])
    for name, value in [("name", "Müller"), ("credit_group_id", "G1"), ("credit_manager", "JDS"),
                        ("credit_analyst", "ALT"), ("sales_order_status", "hold_until"),
                        ("sales_order_status_date", day), ("hold_period", 3),
                        ("allowed_overdue_days", 10), ("ap_manager", "AP"),
                        ("ap_phone", "+49 30 1234"), ("credit_established", day),
                        ("last_review", day), ("next_review", day), ("credit_limit_expires", day),
                        ("temporary_limit_from", day), ("temporary_limit_to", day)]:  # fmt: skip
        customer[name] = value
    for name in ("credit_limit", "temporary_credit_limit", "insurance_amount",
                 "guarantee_amount", "allowed_overdue_amount"):  # fmt: skip
        customer[name] = Decimal("1000.0000")
    group = dict(firsts["group_upserted"])
    for name, value in [
        ("description", "North"),
        ("credit_manager", "KRM"),
        ("sales_order_status", "open_until"),
        ("sales_order_status_date", day),
        ("hold_period", 0),
        ("allowed_overdue_amount", Decimal("5.0000")),
        ("allowed_overdue_days", 0),
        ("ap_manager", "A"),
        ("ap_phone", "1"),
    ]:
        group[name] = value
    return [*picked, ("customer_upserted", customer), ("group_upserted", group)]


def field_cases(records: list[tuple[str, dict[str, Any], bytes]]) -> Iterator[tuple[str, bytes]]:
    for event_type, record in full_records(records):
        schema = SCHEMAS[event_type]
        named = schema["__named_schemas"]
        for field in schema["fields"]:
            for value in pool_for_field(field, named):
                changed = dict(record, **{field["name"]: value})
                try:
                    body = body_of(event_type, changed)
                except (ValueError, TypeError, OverflowError):
                    continue  # the writer cannot write it (e.g. too many digits)
                yield f"{event_type}.{field['name']}={value!r:.40}", framed(event_type, body)


def byte_cases(records: list[tuple[str, dict[str, Any], bytes]]) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(20261207)
    by_type: dict[str, list[bytes]] = {}
    for event_type, _, payload in records:
        by_type.setdefault(event_type, []).append(payload)
    for event_type, payloads in sorted(by_type.items()):
        payload = max(payloads[:50], key=len)
        for cut in range(len(payload)):
            yield f"{event_type} cut at {cut}", payload[:cut]
        yield f"{event_type} + trailing byte", payload + b"\x00"
        for other in INPUT_TYPES:
            if other != event_type:
                yield f"{event_type} body as {other}", framed(other, payload[10:])
        yield f"{event_type} bad marker", b"\xc3\x02" + payload[2:]
        for _ in range(150):
            mutated = bytearray(rng.choice(payloads))
            for _ in range(rng.randint(1, 3)):
                at = rng.randrange(10, len(mutated))
                action = rng.randrange(3)
                if action == 0:
                    mutated[at] = rng.randrange(256)
                elif action == 1:
                    del mutated[at]
                else:
                    mutated.insert(at, rng.randrange(256))
            yield f"{event_type} bytes changed", bytes(mutated)


def sorted_json(schema: dict[str, Any]) -> str:
    """`schema_json` with its keys sorted (fastavro's key order varies from run to run)."""
    return json.dumps(json.loads(schema_json(schema)), sort_keys=True)


def variant_schema(event_type: str) -> str:
    """The schema with its decimals at scale 2: the same fingerprint, other values."""
    return sorted_json(SCHEMAS[event_type]).replace('"scale": 4', '"scale": 2')


def confluent_codec() -> tuple[AvroCodec, dict[str, int], dict[int, str]]:
    """A registry whose input schemas another codec registered (as upstream producers do:
    Python reads their records with fastavro), and a codec reading it; plus, under ids of their
    own, variants of order_created and customer_upserted at another decimal scale."""
    registry = InMemorySchemaRegistry()
    ids = {
        et: registry.register(f"{TOPIC}-{s['name']}", sorted_json(s)) for et, s in SCHEMAS.items()
    }
    for event_type in ("order_created", "customer_upserted"):
        ids[f"{event_type}@2"] = registry.register(f"{TOPIC}-v2", variant_schema(event_type))
    texts = {i: registry.schema_by_id(i) for i in ids.values()}
    return AvroCodec(SCHEMAS, registry), ids, texts


def input_cases() -> Iterator[dict[str, Any]]:
    records = base_records()
    codec, ids, texts = confluent_codec()
    yield {"schemas": {et: {"canonical": to_parsing_canonical_form(s),
                            "fingerprint": fingerprint(s).hex(), "json": sorted_json(s),
                            "avsc": (ROOT / "schemas" / f"{et}.avsc").read_text()}
                       for et, s in SCHEMAS.items()},
           "registry": {str(i): text for i, text in texts.items()}}  # fmt: skip
    for number, (event_type, _, payload) in enumerate(records):
        ok, event = verdict(CODEC, payload)
        assert ok, payload.hex()
        yield {"payload": payload.hex(), "ok": ok, "event": event, "base": True}
        if number % 4 == 0:
            yield confluent_case(codec, ids[event_type], payload, "base")
        if number % 4 == 1 and f"{event_type}@2" in ids:
            yield confluent_case(codec, ids[f"{event_type}@2"], payload, "scale 2 writer")
    mutated = [*field_cases(records), *byte_cases(records)]
    for number, (what, payload) in enumerate(mutated):
        ok, event = verdict(CODEC, payload)
        yield {"payload": payload.hex(), "ok": ok, "event": event, "what": what}
        if number % 3 == 0 and len(payload) >= 10 and payload[2:10] in FINGERPRINT_TYPES:
            yield confluent_case(codec, ids[FINGERPRINT_TYPES[payload[2:10]]], payload, what)


FINGERPRINT_TYPES = {fingerprint(s): et for et, s in SCHEMAS.items()}


def confluent_case(codec: AvroCodec, schema_id: int, payload: bytes, what: str) -> dict[str, Any]:
    framed_payload = b"\x00" + schema_id.to_bytes(4, "big") + payload[10:]
    ok, event = verdict(codec, framed_payload)
    case = {"payload": framed_payload.hex(), "ok": ok, "event": event, "confluent": True}
    return case | ({"what": what} if what != "base" else {"base": True})


# -- outputs -----------------------------------------------------------------------------------
def replay_outputs() -> Iterator[Any]:
    lines = [json.dumps(e) for e in native_logs(250)]
    lines += (ROOT / "examples" / "events.jsonl").read_text().splitlines()
    config = LoadConfig(seed=3, accounts=400, groups=20, companies=4, events=5000)
    lines += [json.dumps(e) for e in generate(config)]
    for item in replay_lines(lines):
        if not isinstance(item, BadLine):
            yield item


TRICKY = 'é € 😀 \x7f \x00 \x1f " \\ \n\r\t\b\f / \u2028 \ufeff ~ \U0010ffff'
DECIMALS = ["0", "-0.00", "0.0128", "-0.0128", "-0.0001", "0.0127", "-0.05", "1E+3", "123.450",
            "1E+40", "-1E+40", "9999999999999999999999", "999999999999999999.9999",
            "-999999999999999999.9999", "10000000000000000000000", "0E-7", "0.00001", "1E-4",
            "1.000000000000000000000000000E+28", "-32768", "-32769", "32767"]  # fmt: skip


def crafted_outputs() -> Iterator[Any]:
    zone = timezone(timedelta(hours=-5, minutes=-30))
    instants = [datetime(2026, 3, 2, 10, 0, 0, 250999, tzinfo=timezone(timedelta(hours=1))),
                datetime(1969, 12, 31, 23, 59, 59, 999500, tzinfo=UTC),
                datetime(1, 1, 1, tzinfo=UTC),
                datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
                datetime(2026, 3, 2, 23, 30, tzinfo=zone)]  # fmt: skip
    for number, text in enumerate(DECIMALS):
        value, at = Decimal(text), instants[number % len(instants)]
        reasons = (HoldReason(code="CUSTOMER_LIMIT", message=TRICKY, limit=value, exposure=None,
                              order_amount=Decimal("1.00"), available=value, currency="JPY"),
                   HoldReason(code="NO_CREDIT_PROFILE", message=""))  # fmt: skip
        yield OrderHeld(
            event_id=f"e-{number}:decision",
            order_id="o-é",
            company_id='DE"01',
            customer_id="C\\1",
            group_id=None if number % 2 else "G-中",
            amount=value,
            currency="EUR",
            reasons=reasons * (40 if number == 3 else 1),
            credit_managers=("KRM", "Jörg", "😀") * (number % 3),
            decided_at=at,
        )
        yield OrderApproved(event_id=f"a-{number}", order_id="o", company_id="US01",
                            customer_id="C2", group_id="G", amount=Decimal("8000.00"),
                            currency="USD", reasons=(), decided_at=at,
                            figures=DecisionFigures(exposure_before=value, exposure_after=value,
                                                    currency="USD", limit=value, available=None),
                            released_by="\t" if number % 2 else None)  # fmt: skip
    yield OrderRejected(
        event_id="r",
        order_id="",
        company_id="\x01",
        customer_id="C3" * 5000,
        decided_by="AKS é",
        decided_at=instants[1],
    )
    yield CreditNotification(event_id="n", notification_id="n:X",
                             kind="SAME_ACCOUNT_OTHER_COMPANIES",
                             recipients=(Recipient(role="group_credit_manager", person="𝄞"),
                                         Recipient(role="credit_analyst", person="")) * 33,
                             message="m" * 10000, decided_at=instants[3], company_id="DE01",
                             customer_id=None, group_id="G", order_id="o")  # fmt: skip


def output_cases() -> Iterator[dict[str, Any]]:
    seen: set[str] = set()
    for output in [*replay_outputs(), *crafted_outputs()]:
        line = to_json_line(output)
        if line in seen:
            continue
        seen.add(line)
        try:
            yield {"line": line, "avro": CODEC.encode_output(TOPIC, output).hex()}
        except EventEncodingError as exc:
            yield {"line": line, "error": str(exc)}


def dump(name: str, cases: Iterator[dict[str, Any]]) -> None:
    path = HERE / name
    count = 0
    with gzip.GzipFile(path, "wb", mtime=0) as out:
        for case in cases:
            out.write(json.dumps(case, ensure_ascii=False, sort_keys=True).encode() + b"\n")
            count += 1
    print(f"{path.name}: {count} lines, {path.stat().st_size} bytes")


if __name__ == "__main__":
    dump("input_cases.jsonl.gz", input_cases())
    dump("output_cases.jsonl.gz", output_cases())
