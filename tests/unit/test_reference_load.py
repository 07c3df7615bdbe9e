"""The initial reference-table load keeps the loop alive and honours SIGTERM (no broker:
the runtime opens no client before ``_start``; the table is a stand-in that never ends)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from service.bootstrap import bootstrap
from service.runtime import reference_loading
from service.runtime.reference_loading import StopRequested
from service.settings import Settings


class EndlessTable:
    """A reference table that is never caught up; counts polls."""

    topic = "credit.reference"

    def __init__(self, stop_after: int | None = None) -> None:
        self.polls = 0
        self.closed = False
        self.caught_up_after = stop_after

    @property
    def caught_up(self) -> bool:
        return self.caught_up_after is not None and self.polls >= self.caught_up_after

    def poll(self, max_records: int = 5000, timeout: float = 0.0) -> Iterator[object]:
        self.polls += 1
        return iter(())

    def left_to_load(self) -> int:
        return 1_000_000 - self.polls

    def close(self) -> None:
        self.closed = True


def test_a_long_load_keeps_the_loop_alive_and_reports_progress(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = bootstrap(Settings())
    runtime, health = service.runtime, service.health
    table = EndlessTable(stop_after=3)
    runtime.reference = table  # type: ignore[assignment]
    monkeypatch.setattr(reference_loading, "PROGRESS_EVERY_S", 0.0)
    health._last_beat = time.monotonic() - 3600  # stale: only the load's beats revive it
    assert not health.alive()
    runtime._load_reference()
    assert health.alive()
    assert table.polls == 3
    behind = service.metrics.registry.get_sample_value("credit_reference_behind_records")
    assert behind == 1_000_000 - 3


def test_sigterm_stops_the_load_and_closes_what_was_opened() -> None:
    service = bootstrap(Settings())
    runtime = service.runtime
    table = EndlessTable()
    runtime.reference = table  # type: ignore[assignment]
    runtime.stop()
    with pytest.raises(StopRequested):
        runtime._load_reference()
    runtime._close()  # as ``run`` does: only the table was opened
    assert table.closed
