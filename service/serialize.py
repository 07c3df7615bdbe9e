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


def _field_names(cls: Any) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def to_native(value: Any) -> Any:
    """Dataclasses to dicts, tuples to lists; Decimal, datetime and date stay as they are."""
    if is_dataclass(value) and not isinstance(value, type):
        return {name: to_native(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, tuple | list):
        return [to_native(item) for item in value]
    return value


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
    return json.dumps(output_record(output), default=json_default, separators=(",", ":"))
