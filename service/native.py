"""The native engine (Rust, ``native/``): the replay of ``service.replay``, byte for byte.

``credit_native.NativeEngine`` keeps every balance and applies every rule of
``service.domain`` in Rust, reading input JSON lines and writing the output JSON lines itself.
A line its reader does not take as canonical (a JSON number for an amount, an unusual date
form) is validated here with pydantic, as the Python replay does, and handed over again as the
validated event's canonical JSON; a line pydantic refuses is a bad line with pydantic's
message. Both engines give the same outputs for the same log (``tests/unit/test_native_*``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import credit_native
from pydantic import ValidationError

from service.domain.events import INPUT_EVENT
from service.replay import BadLine, describe_validation_error


class NativeReadError(Exception):
    """A line pydantic accepts whose canonical form the native reader still refuses."""


def _validated_outputs(engine: credit_native.NativeEngine, line: bytes) -> bytes:
    """Validate with pydantic (``ValidationError`` if bad), then apply the canonical form."""
    event = INPUT_EVENT.validate_json(line)
    canonical = event.model_dump_json().encode()
    outputs = engine.handle_json(canonical)
    if outputs is None:
        why = credit_native.NativeEngine.not_canonical(canonical)
        raise NativeReadError(f"the native engine cannot read {canonical!r}: {why}")
    return outputs


def native_replay_lines(
    lines: Iterable[str | bytes], engine: credit_native.NativeEngine | None = None
) -> Iterator[bytes | BadLine]:
    """The outputs of each input line as JSON lines (one ``bytes`` per input, each line ending
    in a newline; none for an input with no output); a bad line yields a ``BadLine``."""
    engine = engine or credit_native.NativeEngine()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        raw = line if isinstance(line, bytes) else line.encode()
        try:
            outputs = engine.handle_json(raw)
            if outputs is None:
                outputs = _validated_outputs(engine, raw)
        except ValidationError as exc:
            yield BadLine(number, describe_validation_error(exc))
            continue
        except credit_native.InvalidEvent as exc:
            yield BadLine(number, str(exc))
            continue
        if outputs:
            yield outputs
