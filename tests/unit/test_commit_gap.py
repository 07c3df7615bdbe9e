"""How long the loop waits between commits (``KafkaRuntime._commit_gap``): the interval with a
backlog; with none, ``quiet_commit_ms``, stretched to ``quiet_commit_ratio`` times the last
commit's duration and never beyond the interval. No broker: the runtime opens no client
before ``_start``."""

from __future__ import annotations

import pytest

from service.bootstrap import bootstrap
from service.settings import Settings


@pytest.mark.parametrize(
    ("quiet_ms", "ratio", "backlog", "last_commit_s", "gap_s"),
    [
        (20, 2.0, True, 0.005, 0.100),  # a backlog: large transactions
        (20, 2.0, False, 0.001, 0.020),  # quiet, quick commits: soon
        (20, 2.0, False, 0.015, 0.030),  # quiet, slower commits: a third of the time committing
        (20, 4.0, False, 0.010, 0.040),  # ratio 4: a fifth
        (20, 0.5, False, 0.015, 0.020),  # the default ratio, 0.5: no longer than the floor
        (20, 0.5, False, 0.060, 0.030),  # a slow commit: two thirds of the time committing
        (20, 2.0, False, 0.080, 0.100),  # never beyond the interval
        (0, 2.0, False, 0.001, 0.100),  # turned off
    ],
)
def test_commit_gap(quiet_ms: int, ratio: float, backlog: bool, last_commit_s: float,
                    gap_s: float) -> None:  # fmt: skip
    settings = Settings(commit_interval_ms=100, quiet_commit_ms=quiet_ms, quiet_commit_ratio=ratio)
    runtime = bootstrap(settings).runtime
    runtime._last_commit_seconds = last_commit_s
    assert runtime._commit_gap(backlog) == pytest.approx(gap_s)


def test_the_default_quiet_commit_is_due_after_the_floor_or_half_the_last_commit() -> None:
    runtime = bootstrap(Settings()).runtime
    runtime._last_commit_seconds = 0.060
    assert runtime._commit_gap(False) == pytest.approx(0.030)
    assert runtime._commit_gap(True) == pytest.approx(0.100)
