"""The ports of the runtime: what the processing core needs from the outside world.

Each has an in-memory implementation in the code (``stores.InMemoryStateStore``,
``runtime_memory``'s publisher, ``metrics.NullMetrics``) and a real one (RocksDB, Kafka,
Prometheus); ``bootstrap`` wires one set.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Record:
    """One record to produce: to ``topic``, on ``partition`` when the route is ours to pick."""

    topic: str
    key: bytes | None
    value: bytes | None
    partition: int | None = None
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class StateStore(Protocol):
    """One by-root partition's account books, with the changelog offset they reflect."""

    def items(self) -> Iterator[tuple[bytes, bytes]]: ...

    def write(self, changes: Mapping[bytes, bytes | None], changelog_offset: int) -> None: ...

    def changelog_offset(self) -> int | None: ...

    def close(self) -> None: ...


class Metrics(Protocol):
    def event_in(self, topic: str, event_type: str, count: int = 1) -> None: ...

    def event_out(self, topic: str, event_type: str, count: int = 1) -> None: ...

    def decision(self, outcome: str, reasons: list[str], seconds: float) -> None: ...

    def decisions(self, approved: int, held: int, reasons: list[tuple[str, int]],
                  seconds: float) -> None:  # fmt: skip
        """A run of decisions at once: counts by outcome and reason, and the seconds of each
        (the run's time per event)."""
        ...

    def event_ignored(self, event_type: str, count: int = 1) -> None: ...

    def dead_letter(self, topic: str) -> None: ...

    def handover(self, kind: str) -> None: ...

    def input_path(self, path: str, count: int = 1) -> None: ...

    def reference_end_check(self, kind: str) -> None: ...

    def flush(self) -> None:
        """Counts gathered per event reach the metrics (the runtime calls it per commit)."""
