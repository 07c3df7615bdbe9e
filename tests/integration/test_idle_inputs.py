"""An input partition with nothing to read holds no other back (``KafkaRuntime._has_lag``).

The event-time merge lets an empty input partition hold the others back while it has lag, for
at most ``CREDIT_MERGE_WAIT_MS``. librdkafka gives a partition that has handed out no record
since its assignment no position, and such a partition (a topic with no traffic since the
start: analysts' releases at night) used to count as lagging for ever, so every decision
waited the whole merge wait. With a merge wait of 60 s, a decision that comes within 20 s
was not held back: on a new consumer group, and after a restart from committed offsets.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from service.bootstrap import codec_for
from service.runtime.clients import ensure_topics
from tests.contract.harness import isolated_settings
from tests.contract.test_contract import scenario
from tests.integration.service_process import (
    ServiceProcess,
    decoded_outputs,
    deployed,
    publish_settled,
)

HOLD_BACK = {"CREDIT_MERGE_WAIT_MS": "60000"}


def order(number: int) -> dict[str, Any]:
    return {"event_id": f"idle-{number}", "event_type": "order_created",
            "occurred_at": "2026-03-30T10:00:00Z", "order_id": f"o-idle-{number}",
            "company_id": "US01", "customer_id": "nobody", "amount": "10.00",
            "currency": "USD", "payment_type": "on_account"}  # fmt: skip


def decided_soon(settings: Any, publisher: Any, number: int, within: float = 20.0) -> bool:
    publisher.publish([order(number)])
    publisher.flush()
    codec, deadline = codec_for(settings), time.monotonic() + within
    while time.monotonic() < deadline:
        if any(o.get("order_id") == f"o-idle-{number}" for o in decoded_outputs(settings, codec)):
            return True
        time.sleep(0.5)
    return False


def test_idle_inputs_hold_nothing_back(bootstrap_servers: str, tmp_path: Path) -> None:
    settings = isolated_settings(bootstrap_servers, tmp_path / "unused")
    ensure_topics(settings)
    phases = scenario()
    publisher, service = deployed(settings, phases[0], tmp_path, "i1", HOLD_BACK)
    assert decided_soon(settings, publisher, 1)  # no partition has delivered a record yet
    transactions = [event for phase in phases[1:] for event in phase]
    assert {e["event_type"] for e in transactions} >= {"invoice_posted", "payment_posted"}
    publish_settled(settings, publisher, transactions, service)  # offsets committed on many
    assert service.terminate() == 0
    restarted = ServiceProcess(settings, tmp_path, "i1", HOLD_BACK).start()
    restarted.wait_ready()
    assert decided_soon(settings, publisher, 2)  # from committed offsets, nothing new on most
    assert restarted.terminate() == 0
