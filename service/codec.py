"""Avro encoding of events, in one of two wire framings.

* Avro single-object encoding: ``C3 01``, the 8-byte little-endian CRC-64-AVRO fingerprint of
  the writer schema's parsing canonical form, then the Avro binary body.
* Confluent Schema Registry: ``00``, the 4-byte big-endian schema id, then the body; subjects
  are ``{topic}-{record fullname}`` (TopicRecordNameStrategy: a topic carries several types).

In Python an event is a plain dict: ``str``/``int``/``bool``, ``Decimal`` for amounts and rates,
tz-aware ``datetime`` for instants (millisecond precision on the wire), ``date`` for dates,
lists, nested dicts and ``None`` for absent optionals.
"""

from __future__ import annotations

import base64
import io
import json
import struct
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, Inexact, InvalidOperation, localcontext
from pathlib import Path
from typing import Any, Protocol, cast
from urllib.parse import quote

import fastavro
from fastavro.schema import SchemaParseException, parse_schema, to_parsing_canonical_form
from fastavro.schema import fingerprint as _fastavro_fingerprint

from service.avro_compiled import Reader, Unsupported, Writer, compile_reader, compile_writer
from service.errors import ConfigurationError, CreditServiceError, PoisonMessageError
from service.serialize import output_record

Event = dict[str, Any]
Schema = dict[str, Any]

SINGLE_OBJECT_MARKER = b"\xc3\x01"
CONFLUENT_MAGIC = 0
_SINGLE_OBJECT_HEADER_LEN = 10
_SCHEMA_ID = struct.Struct(">I")
_CONFLUENT_HEADER_LEN = 1 + _SCHEMA_ID.size
_INT32 = range(-(2**31), 2**31)
_LONG = range(-(2**63), 2**63)
_PRIMITIVES: dict[str, tuple[type, ...]] = {"string": (str,), "boolean": (bool,), "bytes": (bytes,)}
_PRIMITIVES |= {"int": (int,), "long": (int,), "double": (float, int), "float": (float, int)}


class EventEncodingError(CreditServiceError, ValueError):
    """An event does not fit its schema: a bug in whoever built the event."""


class SchemaRegistryError(CreditServiceError):
    """The schema registry failed or could not be reached; usually worth a retry."""


def load_schemas(directory: str | Path) -> dict[str, Schema]:
    """Parse every ``*.avsc`` in ``directory``, keyed by event type (the file name stem)."""
    paths = sorted(Path(directory).glob("*.avsc"))
    if not paths:
        raise ConfigurationError(f"no *.avsc files in {directory}")
    return {path.stem: _load_schema_file(path) for path in paths}


def _load_schema_file(path: Path) -> Schema:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        parsed = parse_schema(raw, named_schemas={})
    except (OSError, ValueError, SchemaParseException) as exc:
        raise ConfigurationError(f"cannot load Avro schema {path}: {exc}") from exc
    if not isinstance(parsed, dict) or parsed.get("type") != "record":
        raise ConfigurationError(f"{path} is not an Avro record schema")
    missing = {"event_id", "event_type", "occurred_at"} - {f["name"] for f in parsed["fields"]}
    if missing:
        raise ConfigurationError(f"{path} lacks the envelope fields {sorted(missing)}")
    return cast(Schema, parsed)


def schema_json(schema: Schema) -> str:
    """The schema as Avro JSON text without fastavro's bookkeeping keys (what a registry stores)."""
    return json.dumps({k: v for k, v in schema.items() if not k.startswith("__")})


def fingerprint(schema: Schema | str) -> bytes:
    """CRC-64-AVRO (Rabin) fingerprint of the parsing canonical form, 8 bytes little-endian."""
    canonical = to_parsing_canonical_form(schema)
    # fastavro renders the 64-bit value as the hex of its little-endian bytes.
    return bytes.fromhex(_fastavro_fingerprint(canonical, "CRC-64-AVRO"))


def subject_name(topic: str, schema: Schema) -> str:
    """TopicRecordNameStrategy subject: ``{topic}-{record fullname}``."""
    return f"{topic}-{schema['name']}"


class SchemaRegistry(Protocol):
    """Port to a schema registry.

    ``schema_by_id`` raises ``LookupError`` when the id is unknown (the message is poison);
    any other exception means the registry is unavailable (a transient failure).
    """

    def register(self, subject: str, schema_str: str) -> int: ...

    def schema_by_id(self, schema_id: int) -> str: ...


class InMemorySchemaRegistry:
    """A registry held in memory: the same schema text gets the same id under every subject."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._texts: dict[int, str] = {}
        self.subjects: dict[str, list[int]] = {}

    def register(self, subject: str, schema_str: str) -> int:
        schema_id = self._ids.setdefault(schema_str, len(self._ids) + 1)
        self._texts[schema_id] = schema_str
        versions = self.subjects.setdefault(subject, [])
        if schema_id not in versions:
            versions.append(schema_id)
        return schema_id

    def schema_by_id(self, schema_id: int) -> str:
        try:
            return self._texts[schema_id]
        except KeyError:
            raise LookupError(f"unknown schema id {schema_id}") from None


class HttpSchemaRegistry:
    """Confluent Schema Registry REST API over ``urllib`` (no extra dependency)."""

    _MEDIA_TYPE = "application/vnd.schemaregistry.v1+json"
    _SCHEMA_NOT_FOUND = 40403

    def __init__(
        self, url: str, *, timeout: float = 10.0, basic_auth: tuple[str, str] | None = None
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigurationError(f"schema registry URL must be http(s): {url!r}")
        self._url = url.rstrip("/")
        self._timeout = timeout
        self._headers = {"Accept": self._MEDIA_TYPE, "Content-Type": self._MEDIA_TYPE}
        if basic_auth is not None:
            token = base64.b64encode(":".join(basic_auth).encode()).decode("ascii")
            self._headers["Authorization"] = f"Basic {token}"

    def register(self, subject: str, schema_str: str) -> int:
        path = f"/subjects/{quote(subject, safe='')}/versions"
        return int(self._request("POST", path, {"schema": schema_str})["id"])

    def schema_by_id(self, schema_id: int) -> str:
        return str(self._request("GET", f"/schemas/ids/{int(schema_id)}")["schema"])

    def _request(self, method: str, path: str, payload: object = None) -> dict[str, Any]:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            self._url + path, data=data, headers=self._headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                body = json.load(response)
        except urllib.error.HTTPError as exc:
            raise self._http_error(method, path, exc) from exc
        except (OSError, ValueError) as exc:
            raise SchemaRegistryError(f"schema registry {method} {path}: {exc}") from exc
        if not isinstance(body, dict):
            raise SchemaRegistryError(f"schema registry {method} {path}: unexpected {body!r}")
        return body

    def _http_error(self, method: str, path: str, exc: urllib.error.HTTPError) -> Exception:
        try:
            detail = json.loads(exc.read() or b"{}")
        except ValueError:
            detail = {}
        code = detail.get("error_code") if isinstance(detail, dict) else None
        if exc.code == 404 and code == self._SCHEMA_NOT_FOUND:
            return LookupError(f"schema registry: {path} not found")
        return SchemaRegistryError(f"schema registry {method} {path}: HTTP {exc.code} {detail}")


class AvroCodec:
    """Encodes event dicts to Avro and back; Confluent framing if a registry is given."""

    def __init__(self, schemas: Mapping[str, Schema], registry: SchemaRegistry | None = None):
        self._schemas = {et: _ensure_parsed(s) for et, s in schemas.items()}
        self._registry = registry
        self._by_name = {s["name"]: et for et, s in self._schemas.items()}
        self._fingerprints = {et: fingerprint(s) for et, s in self._schemas.items()}
        self._by_fingerprint = {fp: et for et, fp in self._fingerprints.items()}
        self._ids: dict[str, int] = {}
        self._writers: dict[int, tuple[str, Schema]] = {}
        self._compiled = {et: _compiled(s) for et, s in self._schemas.items()}
        self._output_writers = {et: _output_writer(s) for et, s in self._schemas.items()}

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self._schemas)

    def encode(self, topic: str, event: Mapping[str, Any], checked: bool = True) -> bytes:
        """Avro bytes of ``event``, framed; raises ``EventEncodingError`` if it does not fit.

        ``checked=False`` is for events the service built itself from typed values: fastavro
        writes them directly (it still refuses a decimal too precise for its scale)."""
        event_type = event.get("event_type")
        if not isinstance(event_type, str) or event_type not in self._schemas:
            raise EventEncodingError(f"unknown event_type {event_type!r}")
        schema = self._schemas[event_type]
        write = self._compiled[event_type][1]
        if checked:
            event = _prepare(schema, event, event_type, schema["__named_schemas"])
        return self._header(topic, event_type) + _write_body(schema, event, event_type, write)

    def encode_output(self, topic: str, output: Any) -> bytes:
        """``encode(topic, output_record(output), checked=False)`` of an output the service
        built (``service.domain.outputs``), written from its attributes: no dict first."""
        write = self._output_writers.get(output.event_type)
        if write is None:
            return self.encode(topic, output_record(output), checked=False)
        return self._header(topic, output.event_type) + _write_body({}, output, "output", write)

    def decode(self, topic: str, payload: bytes) -> Event:
        """The event in ``payload``; raises ``PoisonMessageError`` if it cannot be read."""
        if self._registry is None:
            event_type, writer, offset = self._single_object_writer(topic, payload)
        else:
            event_type, writer, offset = self._confluent_writer(topic, payload)
        reader = self._schemas[event_type]
        if writer is reader and (read := self._compiled[event_type][0]) is not None:
            event = _read_compiled(payload, offset, read, topic)
        else:
            event = _read_body(payload, offset, writer, reader, topic)
        if (found := event.get("event_type")) != event_type:
            raise PoisonMessageError(f"{topic}: event_type {found!r} in a {event_type} record")
        return event

    def schema_texts(self) -> dict[str, str]:
        """Each event type's schema as Avro JSON (the native engine checks they are its own)."""
        return {event_type: schema_json(schema) for event_type, schema in self._schemas.items()}

    def output_header(self, topic: str, event_type: str) -> bytes:
        """The framing header of an output whose Avro body was written elsewhere (the native
        engine's, ``service.ledgers.NativeOutput``): marker and fingerprint, or schema id."""
        return self._header(topic, event_type)

    def _header(self, topic: str, event_type: str) -> bytes:
        if self._registry is None:
            return SINGLE_OBJECT_MARKER + self._fingerprints[event_type]
        schema = self._schemas[event_type]
        subject = subject_name(topic, schema)
        if subject not in self._ids:
            schema_id = self._registry.register(subject, schema_json(schema))
            self._ids[subject] = schema_id
            self._writers[schema_id] = (event_type, schema)
        return bytes([CONFLUENT_MAGIC]) + _SCHEMA_ID.pack(self._ids[subject])

    def _single_object_writer(self, topic: str, payload: bytes) -> tuple[str, Schema, int]:
        if len(payload) < _SINGLE_OBJECT_HEADER_LEN or payload[:2] != SINGLE_OBJECT_MARKER:
            raise PoisonMessageError(f"{topic}: not Avro single-object encoded (bad marker)")
        fp = bytes(payload[2:_SINGLE_OBJECT_HEADER_LEN])
        event_type = self._by_fingerprint.get(fp)
        if event_type is None:
            raise PoisonMessageError(f"{topic}: unknown writer schema fingerprint {fp.hex()}")
        return event_type, self._schemas[event_type], _SINGLE_OBJECT_HEADER_LEN

    def _confluent_writer(self, topic: str, payload: bytes) -> tuple[str, Schema, int]:
        if len(payload) < _CONFLUENT_HEADER_LEN or payload[0] != CONFLUENT_MAGIC:
            raise PoisonMessageError(f"{topic}: not Confluent framed (bad magic byte)")
        (schema_id,) = _SCHEMA_ID.unpack_from(payload, 1)
        return (*self._writer_by_id(topic, schema_id), _CONFLUENT_HEADER_LEN)

    def _writer_by_id(self, topic: str, schema_id: int) -> tuple[str, Schema]:
        cached = self._writers.get(schema_id)
        if cached is not None:
            return cached
        try:
            text = cast(SchemaRegistry, self._registry).schema_by_id(schema_id)
        except LookupError as exc:
            raise PoisonMessageError(f"{topic}: unknown schema id {schema_id}") from exc
        writer = _parse_writer(text, f"{topic}: schema id {schema_id}")
        event_type = self._by_name.get(writer.get("name"))
        if event_type is None:
            name = writer.get("name")
            raise PoisonMessageError(f"{topic}: schema id {schema_id} is {name!r}, not an event")
        self._writers[schema_id] = (event_type, writer)
        return event_type, writer


def _ensure_parsed(schema: Schema) -> Schema:
    if schema.get("__fastavro_parsed"):
        return schema
    return cast(Schema, parse_schema(schema, named_schemas={}))


def _parse_writer(text: str, where: str) -> Schema:
    try:
        parsed = parse_schema(json.loads(text), named_schemas={})
    except (ValueError, SchemaParseException) as exc:
        raise PoisonMessageError(f"{where}: unreadable writer schema: {exc}") from exc
    if not isinstance(parsed, dict):
        raise PoisonMessageError(f"{where}: writer schema is not a record")
    return cast(Schema, parsed)


def _compiled(schema: Schema) -> tuple[Reader | None, Writer | None]:
    """Generated reader and writer of ``schema`` (``service.avro_compiled``), where it can."""
    try:
        return compile_reader(schema), compile_writer(schema)
    except Unsupported:
        return None, None


def _output_writer(schema: Schema) -> Writer | None:
    """A writer of an output dataclass: its attributes are the fields, ``occurred_at`` is its
    ``decided_at`` (as ``service.serialize.output_record`` has it)."""
    try:
        return compile_writer(schema, attributes=True, aliases={"occurred_at": "decided_at"})
    except Unsupported:
        return None


def _write_body(schema: Schema, record: Any, where: str, write: Writer | None) -> bytes:
    try:
        if write is not None:
            return write(record)
        stream = io.BytesIO()
        fastavro.schemaless_writer(stream, schema, dict(record))
    except (ValueError, TypeError, OverflowError, AttributeError, struct.error) as exc:
        raise EventEncodingError(f"{where}: {exc}") from exc
    return stream.getvalue()


def _read_compiled(payload: bytes, offset: int, read: Reader, topic: str) -> Event:
    try:
        record, end = read(payload, offset)
        if end > len(payload):
            raise EOFError(f"{end - len(payload)} bytes missing")
    except Exception as exc:  # corrupt input: IndexError, ValueError, UnicodeDecodeError
        raise PoisonMessageError(f"{topic}: cannot decode Avro body: {exc!r}") from exc
    if end != len(payload):
        raise PoisonMessageError(f"{topic}: {len(payload) - end} trailing bytes")
    return record


def _read_body(payload: bytes, offset: int, writer: Schema, reader: Schema, topic: str) -> Event:
    stream = io.BytesIO(payload)
    stream.seek(offset)
    try:
        record = fastavro.schemaless_reader(stream, writer, None if writer is reader else reader)
    except Exception as exc:  # corrupt input surfaces as many exception types in fastavro
        raise PoisonMessageError(f"{topic}: cannot decode Avro body: {exc!r}") from exc
    if stream.tell() != len(payload):
        raise PoisonMessageError(f"{topic}: {len(payload) - stream.tell()} trailing bytes")
    if not isinstance(record, dict):
        raise PoisonMessageError(f"{topic}: Avro body is not a record")
    return record


def _bad(path: str, message: str) -> EventEncodingError:
    return EventEncodingError(f"{path}: {message}")


def _prepare(node: Any, value: Any, path: str, named: Mapping[str, Any]) -> Any:
    if isinstance(node, list):
        return _prepare_union(node, value, path, named)
    if isinstance(node, str):
        if node in named:
            return _prepare(named[node], value, path, named)
        return _prepare_primitive(node, value, path)
    if "logicalType" in node:
        return _prepare_logical(node, value, path)
    kind = node["type"]
    if kind == "record":
        return _prepare_record(node, value, path, named)
    if kind == "array":
        return _prepare_array(node, value, path, named)
    return _prepare(kind, value, path, named) if isinstance(kind, str) else value


def _prepare_union(branches: list[Any], value: Any, path: str, named: Mapping[str, Any]) -> Any:
    if value is None:
        if "null" in branches:
            return None
        raise _bad(path, "must not be null")
    others = [branch for branch in branches if branch != "null"]
    if len(others) != 1:
        return value  # general unions: left to fastavro
    return _prepare(others[0], value, path, named)


def _prepare_record(node: Schema, value: Any, path: str, named: Mapping[str, Any]) -> Event:
    if not isinstance(value, Mapping):
        raise _bad(path, f"expected a dict, got {type(value).__name__}")
    fields = node["fields"]
    unknown = set(value) - {field["name"] for field in fields}
    if unknown:
        raise _bad(path, f"unknown fields {sorted(unknown)}")
    return {field["name"]: _prepare_field(field, value, path, named) for field in fields}


def _prepare_field(
    field: Schema, record: Mapping[str, Any], path: str, named: Mapping[str, Any]
) -> Any:
    name = field["name"]
    value = record.get(name)
    if value is None and field.get("default") is not None:
        value = field["default"]  # e.g. check_group_limits: absent or None means the default
    elif name not in record and "default" not in field:
        raise _bad(f"{path}.{name}", "missing required field")
    return _prepare(field["type"], value, f"{path}.{name}", named)


def _prepare_array(node: Schema, value: Any, path: str, named: Mapping[str, Any]) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise _bad(path, f"expected a list, got {type(value).__name__}")
    return [_prepare(node["items"], item, f"{path}[{i}]", named) for i, item in enumerate(value)]


def _prepare_primitive(kind: str, value: Any, path: str) -> Any:
    expected = _PRIMITIVES.get(kind)
    if expected is None:
        return value
    if not isinstance(value, expected) or (isinstance(value, bool) and kind != "boolean"):
        raise _bad(path, f"expected {kind}, got {type(value).__name__}")
    if (kind == "int" and value not in _INT32) or (kind == "long" and value not in _LONG):
        raise _bad(path, f"{value} is out of range for Avro {kind}")
    return value


def _prepare_logical(node: Schema, value: Any, path: str) -> Any:
    logical = node["logicalType"]
    if logical == "decimal":
        return quantize(value, node["precision"], node.get("scale", 0), path)
    aware = isinstance(value, datetime) and value.utcoffset() is not None
    if logical == "timestamp-millis" and not aware:
        raise _bad(path, f"expected a tz-aware datetime, got {value!r}")
    if logical == "date" and (not isinstance(value, date) or isinstance(value, datetime)):
        raise _bad(path, f"expected a date, got {value!r}")
    return value


def quantize(value: Any, precision: int, scale: int, path: str = "value") -> Decimal:
    """``value`` at exactly ``scale`` decimal places; more places or digits is an error."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise _bad(path, f"expected a Decimal, got {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise _bad(path, f"{amount} is not a finite amount")
    with localcontext() as ctx:
        ctx.prec = precision
        ctx.traps[Inexact] = True
        try:
            return amount.quantize(Decimal(1).scaleb(-scale))
        except Inexact:
            raise _bad(path, f"{amount} has more than {scale} decimal places") from None
        except InvalidOperation:
            raise _bad(path, f"{amount} has more than {precision} digits") from None
