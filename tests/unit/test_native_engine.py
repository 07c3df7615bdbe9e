"""The native engine (Rust, ``native/``) gives exactly the Python engine's outputs.

Each test replays one input log through both engines and compares the output lines byte for
byte, bad lines included: the example file, generated loads of the benchmark's shape, random
logs that reach every rule (``native_logs``), and lines only pydantic reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from service.loadgen import LoadConfig, generate
from service.native import native_replay_lines
from service.replay import BadLine, replay_lines
from service.serialize import to_json_line
from tests.unit.native_logs import event_logs

EXAMPLES = Path(__file__).parents[2] / "examples" / "events.jsonl"


def python_outputs(lines: list[bytes]) -> list[str]:
    return [
        f"BAD {item}" if isinstance(item, BadLine) else to_json_line(item)
        for item in replay_lines(lines)
    ]


def native_outputs(lines: list[bytes]) -> list[str]:
    found: list[str] = []
    for item in native_replay_lines(lines):
        if isinstance(item, BadLine):
            found.append(f"BAD {item}")
        else:
            found += item.decode().splitlines()
    return found


def _lines(events: list[dict[str, Any]]) -> list[bytes]:
    return [json.dumps(event, separators=(",", ":")).encode() for event in events]


def _assert_same(lines: list[bytes]) -> list[str]:
    expected = python_outputs(lines)
    found = native_outputs(lines)
    for number, (want, got) in enumerate(zip(expected, found, strict=False)):
        assert got == want, f"output {number} differs"
    assert len(found) == len(expected)
    return expected


def test_the_example_file() -> None:
    outputs = _assert_same(EXAMPLES.read_bytes().splitlines())
    assert len(outputs) > 20


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_generated_load(seed: int) -> None:
    config = LoadConfig(seed=seed, accounts=400, groups=30, events=15_000)
    outputs = _assert_same(_lines(list(generate(config))))
    kinds = {json.loads(line)["event_type"] for line in outputs if not line.startswith("BAD")}
    assert kinds == {"order_approved", "order_held", "order_rejected", "credit_notification"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_logs())
def test_random_logs_that_reach_every_rule(events: list[dict[str, Any]]) -> None:
    _assert_same(_lines(events))


def test_lines_only_pydantic_reads_and_bad_lines() -> None:
    lines = EXAMPLES.read_bytes().splitlines()
    order = json.loads(next(line for line in lines if b'"order_created"' in line))
    variants: list[dict[str, Any]] = [
        {**order, "event_id": "v-1", "order_id": "v-1", "amount": 12.5},  # a JSON number
        {**order, "event_id": "v-2", "order_id": "v-2", "amount": "1E+2"},
        {**order, "event_id": "v-3", "order_id": "v-3", "occurred_at": "2026-03-02T09:00:00+01:00"},
        {**order, "event_id": "v-4", "order_id": "v-4", "amount": "-5"},  # refused
        {**order, "event_id": "v-5", "order_id": "v-5", "amount": "1.005"},  # too many decimals
        {**order, "event_id": "v-6", "order_id": "v-6", "currency": "eur"},  # refused
        {**order, "event_id": "v-7", "order_id": "v-7", "occurred_at": "2026-03-02T09:00:00"},
        {**order, "event_id": "v-8", "order_id": "v-8", "currency": "CHF"},  # no rate
    ]
    outputs = _assert_same([*lines, *_lines(variants), b"not json", b"{}", b"[]"])
    assert sum(line.startswith("BAD") for line in outputs) >= 6
