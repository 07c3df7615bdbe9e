"""Output events as plain values: native (for Avro) and JSON (for the replay command).

Amounts become decimal strings in JSON, instants ISO-8601 with ``Z``; the key order is fixed
(``event_id``, ``event_type``, ``occurred_at``, then the contract fields), so the same outputs
always serialise to the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from service.domain.outputs import OutputEvent

_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_LEAVES = frozenset({str, int, bool, type(None), Decimal, datetime, date})


def _field_names(cls: Any) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def to_native(value: Any) -> Any:
    """Dataclasses to dicts, tuples to lists; Decimal, datetime and date stay as they are."""
    cls = type(value)
    if cls in _LEAVES:
        return value
    if cls is tuple or cls is list:
        return [to_native(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {name: to_native(getattr(value, name)) for name in _field_names(cls)}
    return value


def _json_value(value: Any) -> Any:
    """``to_native`` for JSON: amounts as decimal strings, instants in UTC with ``Z``."""
    cls = type(value)
    if cls is str or value is None or cls is int or cls is bool:
        return value
    if cls is Decimal:
        return str(value)
    if cls is tuple or cls is list:
        return [_json_value(item) for item in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {name: _json_value(getattr(value, name)) for name in _field_names(cls)}
    raise TypeError(f"cannot serialise {cls.__name__}")


def output_record(output: OutputEvent) -> dict[str, Any]:
    """The output as a contract record with native values, ``occurred_at`` = ``decided_at``."""
    record: dict[str, Any] = {
        "event_id": output.event_id,
        "event_type": output.event_type,
        "occurred_at": output.decided_at,
    }
    for name in _field_names(type(output)):
        if name != "event_id":
            record[name] = to_native(getattr(output, name))
    return record


def json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_json_line(output: OutputEvent) -> str:
    """One output event as a compact JSON line (no trailing newline)."""
    record = {"event_id": output.event_id, "event_type": output.event_type,
              "occurred_at": _json_value(output.decided_at)}  # fmt: skip
    for name in _field_names(type(output)):
        if name != "event_id":
            record[name] = _json_value(getattr(output, name))
    return json.dumps(record, separators=(",", ":"))
