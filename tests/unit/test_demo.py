"""The demo's pure pieces: options, the tally of decoded outputs, metrics, pacing, the summary."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from service.demo import (
    DemoOptions,
    demo_settings,
    paced,
    parse_args,
    parse_metrics,
    render,
    service_env,
    tally,
)


def held(event_id: str, *codes: str) -> dict[str, Any]:
    reasons = [{"code": code, "message": f"{code} says no"} for code in codes]
    return {"event_id": event_id, "event_type": "order_held", "reasons": reasons}


def note(event_id: str, kind: str) -> dict[str, Any]:
    return {"event_id": event_id, "event_type": "credit_notification", "kind": kind}


OUTPUTS: list[dict[str, Any]] = [
    {"event_id": "a1", "event_type": "order_approved", "reasons": []},
    {"event_id": "a2", "event_type": "order_approved", "reasons": [{"code": "MANUAL_RELEASE"}]},
    {"event_id": "a3", "event_type": "order_approved", "reasons": []},
    held("h1", "CUSTOMER_LIMIT", "GROUP_LIMIT"),
    held("h2", "CUSTOMER_LIMIT"),
    {"event_id": "r1", "event_type": "order_rejected"},
    note("n1", "ORDER_ON_HOLD"),
    note("n2", "ORDER_ON_HOLD"),
    note("n3", "REVIEW_DUE"),
    {"event_type": "dead_letter"},
    {"event_type": "dead_letter"},
    held("h1", "CUSTOMER_LIMIT", "GROUP_LIMIT"),  # the same output again: counted once
]


def test_the_tally_counts_outcomes_reasons_kinds_and_dead_letters() -> None:
    result = tally(OUTPUTS)
    assert result.outcomes == {"approved": 3, "held": 2, "rejected": 1}
    assert result.hold_reasons == {"CUSTOMER_LIMIT": 2, "GROUP_LIMIT": 1}
    assert result.notifications == {"ORDER_ON_HOLD": 2, "REVIEW_DUE": 1}
    assert (result.dead_letters, result.duplicates) == (2, 1)


def test_an_empty_stream_tallies_to_nothing() -> None:
    result = tally([])
    assert not result.outcomes and not result.hold_reasons and not result.notifications
    assert result.dead_letters == result.duplicates == 0


def test_the_summary_shows_the_counts() -> None:
    console = Console(record=True, width=120)
    metrics = {"credit_events_in_total": 1234.0, "credit_consumer_lag_records": 7.0}
    console.print(render(tally(OUTPUTS), "publishing", "50%", True, metrics))
    text = console.export_text()
    for expected in ("approved", "50.0%", "CUSTOMER_LIMIT", "ORDER_ON_HOLD", "1,234", "ready"):
        assert expected in text


def test_options_default_to_a_modest_stream() -> None:
    options = parse_args([])
    assert options == DemoOptions()
    assert (options.accounts, options.groups, options.events) == (2_000, 50, 20_000)
    assert options.seconds is None and options.rate == 2_000


def test_options_from_flags() -> None:
    options = parse_args(["--events", "5000", "--seconds", "30", "--rate", "0", "--http-port",
                          "19999", "--accounts", "300", "--keep-topics"])  # fmt: skip
    assert (options.events, options.seconds, options.rate) == (5_000, 30.0, 0.0)
    assert (options.http_port, options.accounts, options.keep_topics) == (19_999, 300, True)
    assert options.load_config().events == 5_000 and options.load_config().accounts == 300


@pytest.mark.parametrize("flags", [["--events", "0"], ["--rate", "-1"], ["--seconds", "-2"],
                                   ["--events", "many"], ["--nope"]])  # fmt: skip
def test_bad_options_are_refused(flags: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(flags)


def test_metrics_are_summed_over_labels() -> None:
    text = """# HELP credit_events_in_total Input records consumed
# TYPE credit_events_in_total counter
credit_events_in_total{topic="a",event_type="order_created"} 10.0
credit_events_in_total{topic="b",event_type="payment_posted"} 5.0
credit_consumer_lag_records{topic="a",partition="0"} 3.0
credit_ready 1.0
"""
    assert parse_metrics(text) == {
        "credit_events_in_total": 15.0,
        "credit_consumer_lag_records": 3.0,
        "credit_ready": 1.0,
    }


class FakeClock:
    def __init__(self) -> None:
        self.now, self.slept = 100.0, 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def test_pacing_keeps_to_the_rate() -> None:
    clock = FakeClock()
    items: list[dict[str, object]] = [{"n": n} for n in range(21)]
    out = list(paced(items, 10.0, threading.Event(), clock, clock.sleep))
    assert out == items
    assert clock.slept == pytest.approx(2.0)  # item 20 goes out 2 s after item 0


def test_pacing_without_a_rate_never_sleeps_and_a_stop_ends_it() -> None:
    clock, stop = FakeClock(), threading.Event()
    assert len(list(paced([{}] * 50, 0.0, stop, clock, clock.sleep))) == 50
    assert clock.slept == 0.0
    taken = []
    for item in paced([{"n": n} for n in range(10)], 0.0, stop, clock, clock.sleep):
        taken.append(item)
        stop.set()
    assert taken == [{"n": 0}]


def test_each_run_has_its_own_topics_and_group() -> None:
    settings = demo_settings("localhost:1", DemoOptions(http_port=18_081), "42")
    names = settings.topics.model_dump().values()
    assert all(name.startswith("demo.42.credit.") for name in names)
    assert settings.application_id == "credit-demo-42" and settings.http_port == 18_081
    assert settings.bootstrap_servers == "localhost:1"


def test_the_service_gets_the_runs_settings(tmp_path: Path) -> None:
    env = service_env(demo_settings("localhost:1", DemoOptions(), "42"), tmp_path)
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "localhost:1"
    assert env["CREDIT_STATE_DIR"] == str(tmp_path / "state")
    assert env["CREDIT_HTTP_PORT"] == "18080" and env["CREDIT_APPLICATION_ID"] == "credit-demo-42"
    assert '"demo.42.credit.orders.held"' in env["CREDIT_TOPICS"]
