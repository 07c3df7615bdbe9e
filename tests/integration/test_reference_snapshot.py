"""Restarts from the local reference snapshot, on the broker: the service reads the snapshot,
then only the reference records published since (group moves among them), and its outputs and
balances still equal a replay of everything. A new instance with no local state starts from
the snapshot published on Kafka. Both engines: the native engine's table is in the snapshot as
the bytes it writes and reads itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.loadgen import LoadConfig, reference_events, transaction_events
from service.runtime.clients import ensure_topics
from service.runtime.reference_snapshot import FILE_NAME
from tests.contract.harness import isolated_settings
from tests.contract.test_contract import phased
from tests.integration.service_process import (
    ServiceProcess,
    deployed,
    publish_settled,
    settle,
)
from tests.integration.test_failures import ENGINES, check_exactly_once

CONFIG = LoadConfig(seed=7, accounts=120, groups=8, companies=2, events=600, days=20,
                    profile_change_rate=0.05)  # fmt: skip


@pytest.mark.parametrize("engine", ENGINES)
def test_restarts_read_the_snapshot_then_the_records_after_it(bootstrap_servers: str,
                                                              tmp_path: Path, engine: str,
                                                              ) -> None:  # fmt: skip
    settings = isolated_settings(bootstrap_servers, tmp_path / "unused", engine=engine)
    ensure_topics(settings)
    phases = [list(reference_events(CONFIG)), *phased(list(transaction_events(CONFIG)), 200)]
    moves = sum(e.get("event_type") == "customer_upserted" for p in phases[2:] for e in p)
    assert moves >= 5  # reference records that come after the first snapshot
    env = {"CREDIT_REFERENCE_SNAPSHOT_AFTER": "1"}
    publisher, service = deployed(settings, phases[0], tmp_path, "i1", env)
    publish_settled(settings, publisher, phases[1], service)
    assert service.terminate() == 0
    snapshot_file = service.state_dir / FILE_NAME
    assert snapshot_file.exists()
    restarts = 0
    for number, phase in enumerate(phases[2:]):
        publisher.publish(phase)
        publisher.flush()
        if number % 4 == 0:  # published while the service was down: read at its start
            service.start().wait_ready()
            restarts += 1
        settle(settings, service)
        if number % 8 == 3:
            service.kill9()
        elif number % 8 == 7:
            assert service.terminate() == 0
    if service.process is not None and service.process.poll() is not None:
        service.start().wait_ready()
        restarts += 1
    settle(settings, service)
    assert service.terminate() == 0
    lines = [json.loads(line) for line in service.log.read_text().splitlines()
             if line.startswith("{")]  # fmt: skip
    loaded = [line["position"] for line in lines if line["event"] == "reference_snapshot_loaded"]
    assert len(loaded) == restarts >= 4
    assert loaded == sorted(loaded) and loaded[-1] > loaded[0]  # newer snapshots were written
    starts = [line for line in lines if line["event"] == "reference_table_loaded"]
    assert any(s["snapshot_position"] > 0 and s["applied"] > 0 for s in starts)  # with a tail
    assert {line["source"] for line in lines if line["event"] == "reference_snapshot_loaded"} == {
        "local"}  # fmt: skip

    newcomer = ServiceProcess(settings, tmp_path, "i2", env).start()  # no local state at all
    newcomer.wait_ready()
    settle(settings, newcomer)
    assert newcomer.terminate() == 0
    log_lines = [json.loads(line) for line in newcomer.log.read_text().splitlines()
                 if line.startswith("{")]  # fmt: skip
    [fetched] = [line for line in log_lines if line["event"] == "reference_snapshot_loaded"]
    saved = [line["position"] for line in lines if line["event"] == "reference_snapshot_saved"]
    assert fetched["source"] == "kafka" and fetched["position"] == saved[-1]
    check_exactly_once(settings, phases)
