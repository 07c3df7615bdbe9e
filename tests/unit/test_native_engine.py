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
from hypothesis import HealthCheck, given, seed, settings

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


REASON_CODES = {
    "SALES_BLOCKED", "CASH_ONLY", "COD_ONLY", "HOLD_UNTIL", "OPEN_UNTIL", "MAX_ORDER_AMOUNT",
    "HOLD_PERIOD", "OVERDUE_LIMIT", "GROUP_OVERDUE_LIMIT", "CREDIT_LIMIT_EXPIRED",
    "GROUP_LIMIT_EXPIRED", "CUSTOMER_LIMIT", "GROUP_LIMIT", "COMPANY_LIMIT",
    "MISSING_EXCHANGE_RATE", "NO_CREDIT_PROFILE", "MANUAL_RELEASE",
}  # fmt: skip
NOTIFICATION_KINDS = {
    "ORDER_ON_HOLD", "CREDIT_LIMIT_EXCEEDED", "OVERDUE_EXCEEDED", "REVIEW_DUE",
    "COD_TERMS_CONFLICT", "SAME_ACCOUNT_OTHER_COMPANIES",
}  # fmt: skip


def test_random_logs_that_reach_every_rule() -> None:
    """300 random logs (a fixed seed), equal on both engines, that between them reach every
    reason code, every notification kind, every decision type and bad input."""
    reached: set[str] = set()

    @seed(20261206)
    @settings(max_examples=300, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
    @given(event_logs())
    def equal_on_both(events: list[dict[str, Any]]) -> None:
        for line in _assert_same(_lines(events)):
            if line.startswith("BAD"):
                reached.add("BAD")
                continue
            output = json.loads(line)
            reached.add(output["event_type"])
            reached.update(reason["code"] for reason in output.get("reasons", ()))
            reached.add(output.get("kind", output["event_type"]))

    equal_on_both()
    decisions = {"order_approved", "order_held", "order_rejected", "BAD"}
    assert REASON_CODES | NOTIFICATION_KINDS | decisions <= reached


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


def test_amounts_past_64_bits() -> None:
    """Limits, securities and orders of more than 2^63 minor units (kept aside natively)."""
    at = "2026-03-02T09:00:00Z"
    huge = "123456789012345678901234.56"  # 1.2e26 minor units
    account = {"company_id": "ZZ", "customer_id": "W1"}
    customer = {"event_type": "customer_upserted", **account, "currency": "EUR"}
    order = {"event_type": "order_created", **account, "currency": "EUR",
             "payment_type": "on_account"}  # fmt: skip
    events: list[dict[str, Any]] = [
        {"event_type": "company_upserted", "company_id": "ZZ", "currency": "EUR"},
        {**customer, "credit_limit": huge, "insurance_amount": "92233720368547758.07"},
        {**order, "order_id": "w-1", "amount": "98765432109876543210.00"},
        {**order, "order_id": "w-2", "amount": huge},  # over: the first order is open
        {**customer, "credit_limit": "10.00"},  # narrow again
        {**order, "order_id": "w-3", "amount": "11.00"},
    ]
    for number, event in enumerate(events):
        event.update(event_id=f"w-{number}", occurred_at=at)
    outputs = _assert_same(_lines(events))
    decisions = [json.loads(line) for line in outputs if ":decision" in line]
    assert [d["event_type"] for d in decisions] == ["order_approved", "order_held", "order_held"]
    assert decisions[0]["figures"]["limit"] == "123456881246066047448992.63"  # limit + insured


def test_limits_past_32_bits() -> None:
    """Limits and securities over 2^31 minor units (kept aside natively, where 32 bits hold
    everyday ones): equal to the limit passes, a cent over holds, either amount wide alone."""
    at = "2026-03-02T09:00:00Z"
    events: list[dict[str, Any]] = [
        {"event_type": "company_upserted", "company_id": "ZZ", "currency": "EUR"},
    ]
    cases = {
        "L1": {"credit_limit": "50000000.00"},  # the limit alone is wide
        "L2": {"credit_limit": "10.00", "insurance_amount": "30000000.00"},  # security alone
        "L3": {"credit_limit": "21474836.47", "guarantee_amount": "0.01"},  # 2^31 - 1, + 0.01
    }
    for customer_id, amounts in cases.items():
        account = {"company_id": "ZZ", "customer_id": customer_id}
        order = {"event_type": "order_created", **account, "currency": "EUR",
                 "payment_type": "on_account"}  # fmt: skip
        room = {"L1": "50000000.00", "L2": "30000010.00", "L3": "21474836.48"}[customer_id]
        events += [
            {"event_type": "customer_upserted", **account, "currency": "EUR", **amounts},
            {**order, "order_id": f"{customer_id}-1", "amount": room},  # equal: approved
            {**order, "order_id": f"{customer_id}-2", "amount": "0.01"},  # a cent over: held
            {"event_type": "customer_upserted", **account, "currency": "EUR",
             "credit_limit": "5.00"},  # narrow again
            {**order, "order_id": f"{customer_id}-3", "amount": "1.00"},
        ]  # fmt: skip
    for number, event in enumerate(events):
        event.update(event_id=f"w-{number}", occurred_at=at)
    outputs = _assert_same(_lines(events))
    decisions = [json.loads(line) for line in outputs if ":decision" in line]
    assert [d["event_type"] for d in decisions] == ["order_approved", "order_held",
                                                    "order_held"] * 3  # fmt: skip
    assert decisions[0]["figures"]["limit"] == "50000000.00"


def test_amounts_past_28_digits() -> None:
    """Past the decimal context's 28 digits Python rounds amounts as it reads them and figures
    as it prints them; the native engine does the same."""
    at = "2026-03-02T09:00:00Z"
    account = {"company_id": "ZZ", "customer_id": "W1"}
    order = {"event_type": "order_created", **account, "currency": "EUR",
             "payment_type": "on_account"}  # fmt: skip
    events: list[dict[str, Any]] = [
        {"event_type": "company_upserted", "company_id": "ZZ", "currency": "EUR"},
        {"event_type": "customer_upserted", **account, "currency": "EUR",
         "credit_limit": "1234567890123456789012345678.91"},  # rounded as it is read
        {**order, "order_id": "w-1", "amount": "12345678901234567890123456.785"},  # no error
        {**order, "order_id": "w-2", "amount": "1000000000000000000000000000000.01"},
    ]  # fmt: skip
    for number, event in enumerate(events):
        event.update(event_id=f"w-{number}", occurred_at=at)
    outputs = _assert_same(_lines(events))
    assert any("E+" in line for line in outputs)  # figures printed past 28 digits
