"""Avro bodies read and written by Python functions generated for each schema.

fastavro's compiled reader and writer still interpret the schema for every field of every
record (a dict lookup and a type dispatch per field); a function generated once per schema
does only the work of its fields. The results are those of fastavro, byte for byte and value
for value (``tests/unit/test_avro_compiled.py`` compares them): the same zig-zag varints, one
array block followed by an empty one, decimals as fastavro's two's complement (one byte more
than the bit length needs), instants and dates as fastavro converts them.

Only the types the contract uses are compiled: records, ``string``, ``int``, ``long``,
``boolean``, ``bytes``, ``null``, ``["null", X]`` unions, arrays, and the logical types
``decimal`` (bytes), ``timestamp-millis`` and ``date``. ``compile_reader``/``compile_writer``
raise ``Unsupported`` for any other schema; ``service.codec`` then stays with fastavro.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Context, Decimal
from itertools import count
from typing import Any

Reader = Callable[[bytes, int], tuple[dict[str, Any], int]]
Writer = Callable[[Mapping[str, Any]], bytes]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAYS_SHIFT = date(1970, 1, 1).toordinal()
_LONG_RANGE = range(-(2**63), 2**63)
_SMALL = [bytes([(n << 1) & 0x7F | (0x80 if n >= 64 else 0)]) + (bytes([n >> 6]) if n >= 64
          else b"") for n in range(8192)]  # fmt: skip
_SCALE_CONTEXT = Context(prec=1000)
# one-byte varints by their byte: the value, or None (-1 for lengths) when more bytes follow
_ONE_BYTE: list[int | None] = [(b >> 1) ^ -(b & 1) if b < 0x80 else None for b in range(256)]
_ONE_BYTE_LENGTH = [-1 if v is None or v < 0 else v for v in _ONE_BYTE]
_MILLISECOND = timedelta(milliseconds=1)
_last_instant: tuple[Any, Any] = (None, None)


class Unsupported(ValueError):
    """The schema uses an Avro feature the generated functions do not cover."""


# -- primitives the generated functions call ---------------------------------------------------
def write_long(n: int) -> bytes:
    """Zig-zag varint of a long (fastavro refuses values outside 64 bits: so does this)."""
    if 0 <= n < 8192:
        return _SMALL[n]
    if n not in _LONG_RANGE:
        raise OverflowError(f"{n} does not fit an Avro long")
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def read_long(buf: bytes, pos: int) -> tuple[int, int]:
    """The zig-zag varint at ``pos``, and the position after it."""
    n = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return (n >> 1) ^ -(n & 1), pos
        shift += 7


def read_length(buf: bytes, pos: int) -> tuple[int, int]:
    """A length (of a string, of bytes) at ``pos``; a negative one is corrupt input."""
    n, pos = read_long(buf, pos)
    if n < 0:
        raise ValueError(f"negative length {n}")
    return n, pos


def timestamp_millis(value: Any) -> Any:
    """As fastavro's ``prepare_timestamp_millis``: for an aware instant, whole milliseconds
    since the epoch, rounded down (its days, seconds and microseconds sum). The last instant
    converted is remembered: an output's ``occurred_at`` is its ``decided_at``."""
    global _last_instant
    last = _last_instant
    if value is last[0]:
        return last[1]
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is not None:
        millis = (value - EPOCH) // _MILLISECOND
    else:
        millis = int(time.mktime(value.timetuple())) * 1000 + int(value.microsecond / 1000)
    _last_instant = (value, millis)
    return millis


def date_days(value: Any) -> Any:
    """As fastavro's ``prepare_date``."""
    if isinstance(value, date):
        return value.toordinal() - DAYS_SHIFT
    if isinstance(value, str):
        return date.fromisoformat(value).toordinal() - DAYS_SHIFT
    return value


def decimal_bytes(value: Any, precision: int, scale: int) -> Any:
    """As fastavro's ``prepare_bytes_decimal``: a non-Decimal goes through as it is."""
    if not isinstance(value, Decimal):
        return value
    _, digits, exponent = value.as_tuple()
    if len(digits) > precision:
        raise ValueError("The decimal precision is bigger than allowed by schema")
    if exponent + scale < 0:  # type: ignore[operator]  # NaN and infinities raise TypeError
        raise ValueError("Scale provided in schema does not match the decimal")
    unscaled = int(value.scaleb(scale, _SCALE_CONTEXT))
    return unscaled.to_bytes((unscaled.bit_length() + 8) // 8, "big", signed=True)


def read_decimal(data: bytes, context: Context, scale: int) -> Decimal:
    """As fastavro's ``read_decimal``."""
    unscaled = int.from_bytes(data, "big", signed=True)
    return context.create_decimal(unscaled).scaleb(-scale, context)


def bad_union(index: int) -> Exception:
    return ValueError(f"union index {index} out of range")


_RUNTIME = {
    "write_long": write_long, "read_long": read_long, "read_length": read_length,
    "ONE_BYTE": _ONE_BYTE, "ONE_BYTE_LENGTH": _ONE_BYTE_LENGTH, "SMALL": _SMALL,
    "timestamp_millis": timestamp_millis, "date_days": date_days,
    "decimal_bytes": decimal_bytes, "read_decimal": read_decimal, "bad_union": bad_union,
    "EPOCH": EPOCH, "DAYS_SHIFT": DAYS_SHIFT, "timedelta": timedelta,
    "fromordinal": date.fromordinal,
}  # fmt: skip


# -- code generation ---------------------------------------------------------------------------
class _Source:
    """Generated functions of one schema: one per record type, and the constants they use."""

    def __init__(self, named: Mapping[str, Any]) -> None:
        self.named = named
        self.functions: dict[str, str] = {}  # record name -> function name
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self._ids = count()

    def name(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    def constant(self, value: Any) -> str:
        name = self.name("c")
        self.constants[name] = value
        return name

    def resolve(self, node: Any) -> Any:
        if isinstance(node, str) and node in self.named:
            return self.named[node]
        return node

    def build(self, entry: str) -> Any:
        namespace = dict(_RUNTIME) | self.constants
        exec("\n".join(self.lines), namespace)  # generated from a parsed schema
        return namespace[entry]


def compile_writer(
    schema: Mapping[str, Any], *, attributes: bool = False, aliases: Mapping[str, str] | None = None
) -> Writer:
    """A function from a record to its Avro body, as ``fastavro.schemaless_writer``.

    The record is a dict, or with ``attributes`` an object whose attributes are the fields (a
    dataclass; nested records too, sequences for arrays), so that it need not become a dict
    first. ``aliases`` names the attribute that holds a top-level field."""
    source = _Source(schema.get("__named_schemas", {}))
    write = source.build(_writer_function(source, schema, attributes, aliases or {}))

    def writer(record: Any) -> bytes:
        out: list[bytes] = []
        try:
            write(record, out.append)
        except KeyError as exc:  # a field with no default, not nullable, is missing
            raise ValueError(f"no value and no default for {exc.args[0]}") from None
        return b"".join(out)

    return writer


def _writer_function(
    source: _Source, schema: Mapping[str, Any], attributes: bool, aliases: Mapping[str, str]
) -> str:
    key = f"{schema['name']}:{attributes}:{sorted(aliases.items())}"
    if key in source.functions:
        return source.functions[key]
    function = source.functions[key] = source.name("w")
    body: list[str] = []
    for field in schema["fields"]:
        value, kind = source.name("v"), field["type"]
        name = aliases.get(field["name"], field["name"])
        if "default" in field or (isinstance(kind, list) and "null" in kind):
            default = source.constant(field.get("default"))
            get = f"getattr(record, {name!r}, {default})" if attributes else (
                f"record.get({name!r}, {default})")  # fmt: skip
        else:
            if attributes and not name.isidentifier():
                raise Unsupported(f"field name {name!r} is not an attribute name")
            get = f"record.{name}" if attributes else f"record[{name!r}]"
        body.append(f"{value} = {get}")
        body += _write(source, kind, value, attributes)
    source.lines += [f"def {function}(record, put):", *(f"    {line}" for line in body or ["pass"])]
    return function


def _write(source: _Source, node: Any, value: str, attributes: bool) -> list[str]:
    node = source.resolve(node)
    if isinstance(node, list):
        return _write_union(source, node, value, attributes)
    if isinstance(node, str):
        return _write_primitive(node, value)
    logical, kind = node.get("logicalType"), node["type"]
    if logical == "decimal" and kind == "bytes":
        precision, scale = int(node["precision"]), int(node.get("scale", 0))  # numbers only
        return _write_primitive("bytes", f"decimal_bytes({value}, {precision}, {scale})")
    if logical == "timestamp-millis" and kind == "long":
        return [f"put(write_long(timestamp_millis({value})))"]
    if logical == "date" and kind == "int":
        return [f"put(write_long(date_days({value})))"]
    if logical is not None:
        raise Unsupported(f"logical type {logical} on {kind}")
    if kind == "record":
        return [f"{_writer_function(source, node, attributes, {})}({value}, put)"]
    if kind == "array":
        item = source.name("i")
        return [f"if len({value}) > 0:", f"    put(write_long(len({value})))",
                f"    for {item} in {value}:",
                *(f"        {line}" for line in _write(source, node["items"], item, attributes)),
                "put(b'\\x00')"]  # fmt: skip
    if isinstance(kind, str):
        return _write_primitive(kind, value)
    raise Unsupported(f"type {kind}")


def _write_primitive(kind: str, value: str) -> list[str]:
    if kind in ("string", "bytes"):
        data = f"{value}.encode()" if kind == "string" else value
        return [f"e = {data}", "n = len(e)", "put(SMALL[n] if n < 8192 else write_long(n))",
                "put(e)"]  # fmt: skip
    if kind in ("long", "int"):
        return [f"put(write_long({value}))"]
    if kind == "boolean":
        return [f"put(b'\\x01' if {value} else b'\\x00')"]
    if kind == "null":
        return ["pass"]
    raise Unsupported(f"type {kind}")


def _write_union(source: _Source, branches: list[Any], value: str, attributes: bool) -> list[str]:
    if len(branches) != 2 or branches[0] != "null" or branches[1] == "null":
        raise Unsupported(f"union {branches}")
    present = _write(source, branches[1], value, attributes)
    return [f"if {value} is None:", "    put(b'\\x00')", "else:", "    put(b'\\x02')",
            *(f"    {line}" for line in present)]  # fmt: skip


def compile_reader(schema: Mapping[str, Any]) -> Reader:
    """A function from (buffer, position) to (record, position after it), as
    ``fastavro.schemaless_reader`` with no reader schema. Corrupt input raises ``IndexError``,
    ``ValueError`` or ``UnicodeDecodeError``; a truncated last field may return a position past
    the end (the caller checks it)."""
    source = _Source(schema.get("__named_schemas", {}))
    reader: Reader = source.build(_reader_function(source, schema))
    return reader


def _reader_function(source: _Source, schema: Mapping[str, Any]) -> str:
    if schema["name"] in source.functions:
        return source.functions[schema["name"]]
    function = source.functions[schema["name"]] = source.name("r")
    body, names = [], []
    for field in schema["fields"]:
        value = source.name("v")
        body += _read(source, field["type"], value)
        names.append(f"{field['name']!r}: {value}")
    body.append(f"return {{{', '.join(names)}}}, pos")
    source.lines += [f"def {function}(buf, pos):", *(f"    {line}" for line in body)]
    return function


def _read_long(target: str) -> list[str]:
    return [f"{target} = ONE_BYTE[buf[pos]]", "pos += 1", f"if {target} is None:",
            f"    {target}, pos = read_long(buf, pos - 1)"]  # fmt: skip


def _read_bytes(target: str) -> list[str]:
    return ["n = ONE_BYTE_LENGTH[buf[pos]]", "pos += 1", "if n < 0:",
            "    n, pos = read_length(buf, pos - 1)", f"{target} = buf[pos:pos + n]",
            "pos += n"]  # fmt: skip


def _read(source: _Source, node: Any, target: str) -> list[str]:
    node = source.resolve(node)
    if isinstance(node, list):
        return _read_union(source, node, target)
    if isinstance(node, str):
        return _read_primitive(node, target)
    logical, kind = node.get("logicalType"), node["type"]
    if logical == "decimal" and kind == "bytes":
        context = source.constant(Context(prec=node["precision"]))
        scale = int(node.get("scale", 0))  # a number in the generated source, nothing else
        return [*_read_bytes("d"), f"{target} = read_decimal(d, {context}, {scale})"]
    if logical == "timestamp-millis" and kind == "long":
        return [*_read_long("t"), f"{target} = EPOCH + timedelta(microseconds=t * 1000)"]
    if logical == "date" and kind == "int":
        return [*_read_long("t"), f"{target} = fromordinal(t + DAYS_SHIFT)"]
    if logical is not None:
        raise Unsupported(f"logical type {logical} on {kind}")
    if kind == "record":
        return [f"{target}, pos = {_reader_function(source, node)}(buf, pos)"]
    if kind == "array":
        return _read_array(source, node["items"], target)
    if isinstance(kind, str):
        return _read_primitive(kind, target)
    raise Unsupported(f"type {kind}")


def _read_primitive(kind: str, target: str) -> list[str]:
    if kind == "string":
        return [*_read_bytes("s"), f"{target} = s.decode()"]
    if kind == "bytes":
        return [*_read_bytes("s"), f"{target} = bytes(s)"]
    if kind in ("long", "int"):
        return _read_long(target)
    if kind == "boolean":
        return [f"{target} = buf[pos] != 0", "pos += 1"]
    if kind == "null":
        return [f"{target} = None"]
    raise Unsupported(f"type {kind}")


def _read_union(source: _Source, branches: list[Any], target: str) -> list[str]:
    if len(branches) != 2 or branches[0] != "null" or branches[1] == "null":
        raise Unsupported(f"union {branches}")
    return [*_read_long("u"), "if u == 0:", f"    {target} = None", "elif u == 1:",
            *(f"    {line}" for line in _read(source, branches[1], target)),
            "else:", "    raise bad_union(u)"]  # fmt: skip


def _read_array(source: _Source, items: Any, target: str) -> list[str]:
    item = source.name("i")
    loop = source.name("k")
    return [f"{target} = []", "while True:",
            *(f"    {line}" for line in _read_long(loop)),
            f"    if {loop} == 0:", "        break",
            f"    if {loop} < 0:", f"        {loop} = -{loop}",
            *(f"        {line}" for line in _read_long("_")),
            f"    for _ in range({loop}):",
            *(f"        {line}" for line in _read(source, items, item)),
            f"        {target}.append({item})"]  # fmt: skip
