"""Bad days on a real broker: kill -9 at random points, rebalances, and a fenced zombie."""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest

from service.bootstrap import codec_for
from service.runtime.clients import ensure_topics
from service.settings import Settings
from tests.contract.harness import as_multiset, isolated_settings
from tests.contract.test_contract import replayed, scenario
from tests.integration.service_process import (
    ServiceProcess,
    changelog_exposures,
    decision_counts,
    decoded_outputs,
    deployed,
    publish_settled,
    settle,
)

ENGINES = ["python", "native"]  # the engine behind the service (``CREDIT_ENGINE``)


def _prepared(bootstrap: str, tmp_path: Path, seed: int,
              engine: str = "python") -> tuple[Settings, list[list[dict]]]:  # fmt: skip
    settings = isolated_settings(bootstrap, tmp_path / "unused", engine=engine)
    ensure_topics(settings)
    return settings, scenario(seed)


def check_exactly_once(settings: Settings, phases: list[list[dict]]) -> None:
    """Every output exactly once, equal to replay; balances equal a fresh replay."""
    codec = codec_for(settings)
    counts = decision_counts(settings, codec)
    assert counts and max(counts.values()) == 1, counts.most_common(3)
    expected, engine = replayed([e for phase in phases for e in phase])
    assert as_multiset(decoded_outputs(settings, codec)) == as_multiset(expected)
    exposures = changelog_exposures(settings)
    for account, book in engine.books.items():
        assert exposures.get(account, 0) == book.exposure(True), account


@pytest.mark.parametrize("engine", ENGINES)
def test_kill_9_at_random_points_loses_and_repeats_nothing(
    bootstrap_servers: str, tmp_path: Path, engine: str
) -> None:
    settings, phases = _prepared(bootstrap_servers, tmp_path, seed=11, engine=engine)
    publisher, service = deployed(settings, phases[0], tmp_path, "i1")
    chance = random.Random(20261123)
    kills = 0
    for phase in phases[1:]:
        publisher.publish(phase)
        publisher.flush()
        if len(phase) > 40 and kills < 4:
            time.sleep(chance.uniform(0.0, 0.3))
            service.kill9()
            kills += 1
            service.start().wait_ready()
        settle(settings, service)
    assert kills >= 3
    assert service.terminate() == 0
    check_exactly_once(settings, phases)


@pytest.mark.parametrize("engine", ENGINES)
def test_two_instances_share_the_work_through_rebalances(
    bootstrap_servers: str, tmp_path: Path, engine: str
) -> None:
    settings, phases = _prepared(bootstrap_servers, tmp_path, seed=12, engine=engine)
    publisher, first = deployed(settings, phases[0], tmp_path, "a")
    second = ServiceProcess(settings, tmp_path, "b")
    middle = len(phases) // 2
    for number, phase in enumerate(phases[1:], start=1):
        if number == 2:
            second.start().wait_ready()  # a rebalance: partitions and their state move to b
        if number == middle + 1:
            assert first.terminate() == 0  # another: a's partitions move to b
        publisher.publish(phase)
        publisher.flush()
        settle(settings, *(s for s in (first, second) if s.process))
    assert "partition_restored" in second.log.read_text()
    assert second.terminate() == 0
    check_exactly_once(settings, phases)


def test_a_zombie_is_fenced(bootstrap_servers: str, tmp_path: Path) -> None:
    """A paused instance is replaced by one with the same id; when it wakes it must not
    commit anything: it is fenced and stops."""
    settings, phases = _prepared(bootstrap_servers, tmp_path, seed=13)
    publisher, zombie = deployed(settings, phases[0], tmp_path, "same")
    publish_settled(settings, publisher, phases[1], zombie)
    assert zombie.process is not None
    zombie.process.send_signal(signal.SIGSTOP)
    successor = ServiceProcess(settings, tmp_path / "successor", "same")
    (tmp_path / "successor").mkdir()
    successor.start().wait_ready(timeout=90)
    for phase in phases[2:]:
        publish_settled(settings, publisher, phase, successor)
    zombie.process.send_signal(signal.SIGCONT)
    assert zombie.process.wait(60) == 3  # run_service: fenced
    assert "fenced" in zombie.log.read_text().lower()
    assert successor.terminate() == 0
    check_exactly_once(settings, phases)
