"""A broker outage: the service waits it out (alive, not ready), then carries on, losing
nothing. It uses a broker of its own, so stopping it disturbs no other test."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.bootstrap import codec_for
from service.publish import EventPublisher
from service.runtime.clients import ensure_topics
from tests.contract.harness import isolated_settings
from tests.contract.test_contract import scenario
from tests.integration.service_process import deployed, free_port, publish_settled
from tests.integration.test_failures import check_exactly_once

KAFKA_SH = Path(__file__).resolve().parents[2] / "deploy" / "kafka" / "kafka.sh"


class OwnBroker:
    def __init__(self, home: Path) -> None:
        self.env = os.environ | {"KAFKA_DIR": str(home), "KAFKA_PORT": str(free_port()),
                                 "KAFKA_CONTROLLER_PORT": str(free_port())}  # fmt: skip
        self.env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
        libs = Path(__file__).resolve().parents[2] / ".kafka" / "libs"
        if libs.exists():  # reuse the fetched jars
            (home / "libs").parent.mkdir(parents=True, exist_ok=True)
            (home / "libs").symlink_to(libs)

    def run(self, command: str) -> str:
        done = subprocess.run([str(KAFKA_SH), command], env=self.env, capture_output=True,
                              text=True)  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip()


@pytest.fixture
def own_broker(tmp_path: Path, bootstrap_servers: str) -> Iterator[OwnBroker]:
    broker = OwnBroker(tmp_path / "kafka")
    broker.run("start")
    try:
        yield broker
    finally:
        broker.run("clean")


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def test_the_service_waits_out_a_broker_outage(own_broker: OwnBroker, tmp_path: Path) -> None:
    settings = isolated_settings(own_broker.run("address"), tmp_path / "unused")
    ensure_topics(settings)
    phases = scenario(seed=31)
    publisher, service = deployed(settings, phases[0], tmp_path, "i1")
    half = len(phases) // 2
    for phase in phases[1:half]:
        publish_settled(settings, publisher, phase, service)
    own_broker.run("stop")
    base = f"http://127.0.0.1:{service.port}"
    deadline = time.monotonic() + 60
    while _status(f"{base}/readyz") != 503:
        assert time.monotonic() < deadline, "still ready with the broker down"
        time.sleep(0.5)
    time.sleep(8)  # a while in the outage: retries, never an exit
    assert service.process is not None and service.process.poll() is None
    assert _status(f"{base}/healthz") == 200
    own_broker.run("start")
    service.wait_ready(timeout=120)
    publisher = EventPublisher(settings, codec_for(settings))
    for phase in phases[half:]:
        publish_settled(settings, publisher, phase, service)
    assert service.terminate() == 0
    check_exactly_once(settings, phases)
