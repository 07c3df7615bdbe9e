"""Replay: run input events through the engine and collect what the service would publish."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pydantic import ValidationError

from service.domain.engine import CreditEngine
from service.domain.events import INPUT_EVENT
from service.domain.outputs import OutputEvent
from service.errors import PoisonMessageError


@dataclass(frozen=True, slots=True)
class BadLine:
    """An input line that could not be read or applied."""

    line_number: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line_number}: {self.reason}"


def describe_validation_error(exc: ValidationError) -> str:
    """A one-line summary naming each bad field."""
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "event"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def replay_lines(
    lines: Iterable[str | bytes], engine: CreditEngine | None = None
) -> Iterator[OutputEvent | BadLine]:
    """Every output, in order; a line that cannot be read or applied yields a ``BadLine``."""
    engine = engine or CreditEngine()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = INPUT_EVENT.validate_json(line)
            outcome = engine.handle(event)
        except ValidationError as exc:
            yield BadLine(number, describe_validation_error(exc))
            continue
        except PoisonMessageError as exc:
            yield BadLine(number, exc.reason)
            continue
        yield from outcome.outputs
