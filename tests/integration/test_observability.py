"""What an SRE sees: metrics with bounded labels, health endpoints, structured logs."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

from structlog.contextvars import merge_contextvars
from structlog.testing import capture_logs

from service.runtime.clients import ensure_topics
from service.settings import Topics
from tests.contract.harness import KafkaHarness, isolated_settings
from tests.contract.test_contract import scenario
from tests.integration.service_process import deployed, publish_settled

EXPECTED_METRICS = [
    "credit_events_in_total", "credit_events_out_total", "credit_decisions_total",
    "credit_hold_reasons_total", "credit_decision_latency_seconds_bucket",
    "credit_event_time_lag_seconds", "credit_consumer_lag_records",
    "credit_transaction_commit_seconds_bucket", "credit_transaction_aborts_total",
    "credit_restore_records_total", "credit_restoring_partitions", "credit_dead_letters_total",
    "credit_rebalances_total", "credit_ready", "credit_reference_behind_records",
    "credit_books_undecoded", "credit_input_paths_total", "credit_reference_end_checks_total",
]  # fmt: skip
BOUNDED_LABELS = {"topic", "event_type", "outcome", "reason", "partition", "kind", "path", "le"}


def test_metrics_and_health_endpoints(bootstrap_servers: str, tmp_path: Path) -> None:
    settings = isolated_settings(bootstrap_servers, tmp_path / "unused")
    ensure_topics(settings)
    phases = scenario(seed=41)
    publisher, service = deployed(settings, phases[0], tmp_path, "obs")
    for phase in phases[1:4]:
        publish_settled(settings, publisher, phase, service)
    base = f"http://127.0.0.1:{service.port}"
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
        assert response.status == 200
    with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
        text = response.read().decode()
    assert service.terminate() == 0
    for name in EXPECTED_METRICS:
        assert re.search(rf"^# TYPE {name.removesuffix('_bucket')} ", text, re.M), name
    assert re.search(r'^credit_decisions_total\{outcome="held"\} [1-9]', text, re.M)
    assert re.search(r'^credit_decisions_total\{outcome="approved"\} [1-9]', text, re.M)
    # one instance owns every by-root partition: inputs are decided where they are read
    assert re.search(r'^credit_input_paths_total\{path="direct"\} [1-9]', text, re.M)
    # inputs read as they come: the end of the reference topic was asked before they were routed
    assert re.search(r'^credit_reference_end_checks_total\{kind="asked"\} [1-9]', text, re.M)
    labels = set(re.findall(r"(\w+)=\"", text))
    assert labels <= BOUNDED_LABELS, labels - BOUNDED_LABELS
    assert "customer" not in text.lower().replace("customer_upserted", "")


COUNTED = ("credit_events_in_total", "credit_events_out_total", "credit_decisions_total",
           "credit_hold_reasons_total", "credit_decision_latency_seconds_count",
           "credit_events_ignored_total")  # fmt: skip


def counted(text: str) -> dict[str, float]:
    """The samples of the counters that count events, by name and labels."""
    found = {}
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        if line.startswith(COUNTED) and not line.startswith("#"):
            found[name] = float(value)
    return found


def test_both_engines_count_the_same(bootstrap_servers: str, tmp_path: Path) -> None:
    """The native engine decides runs of inputs at once (``CreditProcessor.take_released``);
    its counts must be the Python engine's, which counts record by record."""
    scraped = {}
    for engine in ("python", "native"):
        settings = isolated_settings(bootstrap_servers, tmp_path / "unused", engine=engine)
        ensure_topics(settings)
        phases = scenario(seed=43)
        (tmp_path / engine).mkdir()
        publisher, service = deployed(settings, phases[0], tmp_path / engine, "obs")
        for phase in phases[1:4]:
            publish_settled(settings, publisher, phase, service)
        with urllib.request.urlopen(f"http://127.0.0.1:{service.port}/metrics", timeout=5) as r:
            prefix = settings.topics.orders_created.removesuffix(Topics().orders_created)
            scraped[engine] = {name.replace(prefix, ""): value
                               for name, value in counted(r.read().decode()).items()}  # fmt: skip
        assert service.terminate() == 0
    assert scraped["native"] == scraped["python"]
    assert len(scraped["python"]) > 8


def test_logs_carry_the_event_context(bootstrap_servers: str, tmp_path: Path) -> None:
    harness = KafkaHarness(bootstrap_servers, tmp_path / "state")
    try:
        with capture_logs(processors=[merge_contextvars]) as logs:
            harness.publish(scenario(seed=42)[0])
            harness.settle()
            harness.publish_raw(harness.settings.topics.payments_posted, b"k", b"garbage")
            harness.settle()
    finally:
        harness.close()
    [entry] = [e for e in logs if e["event"] == "dead_letter"]
    assert entry["topic"] == harness.settings.topics.payments_posted
    assert entry["partition"] == 0 and entry["offset"] == 0
    assert entry["log_level"] == "warning" and "error" in entry
    assert any(e["event"] == "partition_restored" for e in logs)
