"""The Confluent wire format against a real registry: Apicurio Registry's ccompat API."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.harness import KafkaHarness, as_multiset
from tests.contract.test_contract import replayed, run_phases, scenario

APICURIO = Path(__file__).resolve().parents[2] / "deploy" / "apicurio" / "apicurio.sh"


@pytest.fixture(scope="module")
def registry_url() -> Iterator[str]:
    started = subprocess.run([str(APICURIO), "start"], capture_output=True, text=True)
    if started.returncode != 0:
        pytest.fail(f"apicurio.sh start failed:\n{started.stderr[-2000:]}", pytrace=False)
    try:
        yield subprocess.run([str(APICURIO), "address"], capture_output=True, text=True,
                             check=True).stdout.strip()  # fmt: skip
    finally:
        subprocess.run([str(APICURIO), "stop"], capture_output=True, check=False)


def test_the_service_speaks_the_registry_wire_format(bootstrap_servers: str, registry_url: str,
                                                    tmp_path: Path) -> None:  # fmt: skip
    harness = KafkaHarness(bootstrap_servers, tmp_path / "state", schema_registry_url=registry_url)
    try:
        phases = scenario(seed=21)[:4]
        run_phases(harness, phases)
        expected, _ = replayed([e for phase in phases for e in phase])
        assert as_multiset(harness.outputs()) == as_multiset(expected)
        framed = [m.value() for _, e, m in harness._seen if e["event_type"] != "dead_letter"]
        assert framed and all(value[0] == 0 for value in framed)  # magic byte, then schema id
    finally:
        harness.close()
    with urllib.request.urlopen(f"{registry_url}/subjects", timeout=10) as response:
        subjects = json.load(response)
    held = f"{harness.settings.topics.orders_held}-credit.events.OrderHeld"
    created = f"{harness.settings.topics.orders_created}-credit.events.OrderCreated"
    assert held in subjects and created in subjects
