"""``credit-service inquire``: the answers printed after replaying a small JSONL event file.

The files are written from ``Scenario`` inputs (contract-shaped events, as an order system
would send them); the expected answers are spelled out by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from service.cli import app
from tests.unit.rules_dsl import Scenario, is_approved, is_held

runner = CliRunner()
DAY2 = "2026-03-02"


def write_events(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(event) + "\n" for event in events))
    return path


def known_scenario() -> Scenario:
    """Two days of a credit group G1 (EUR) with members C1:A, C1:B (EUR) and C2:A (USD).

    Day 1: A's order O1 (900) and B's order O2 (500) are held over their own limits.
    Day 2: A's credit manager changes mgr1 → mgr3; A's order O3 (600) is held under mgr3;
    O2 is released by ana.
    """
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=5_000)
    s.company("C2", "USD", aging_period_days=[10, 20, 30, 40])
    s.rate("USD", "EUR", "0.5")
    s.group("G1", 10_000, currency="EUR", credit_manager="gm")
    s.customer("A", 1_000, group="G1", credit_manager="mgr1")
    s.customer("B", 100, group="G1", credit_manager="mgr2")
    s.customer("A", None, company_id="C2", group="G1")
    s.invoice("A", 300, invoice_id="I1", due_date="2026-01-15")
    s.invoice("A", 100, company_id="C2", invoice_id="I2", due_date="2026-03-10")
    assert is_approved(s.order("A", 200, order_id="O-ok"))
    assert is_held(s.order("A", 900, order_id="O1"))
    assert is_held(s.order("B", 500, order_id="O2"))
    s.customer("A", 1_000, group="G1", credit_manager="mgr3", on=DAY2)
    assert is_held(s.order("A", 600, order_id="O3", on=DAY2))
    assert is_approved(s.release("O2", "B", on=f"{DAY2}T15:00:00Z"))
    return s


@pytest.fixture
def events(tmp_path: Path) -> Path:
    return write_events(tmp_path / "events.jsonl", known_scenario().inputs)


def inquire(*args: str | Path) -> Result:
    return runner.invoke(app, ["inquire", *(str(arg) for arg in args)])


def answers(result: Result) -> list[Any]:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return [json.loads(line) for line in result.stdout.splitlines()]


def hold_line(order_id: str, customer: str, amount: str, manager: str, at: str) -> dict[str, Any]:
    return {
        "company_id": "C1", "customer_id": customer, "order_id": order_id, "amount": amount,
        "currency": "EUR", "reason_codes": ["CUSTOMER_LIMIT"], "credit_manager": manager,
        "held_at": at,
    }  # fmt: skip


O1 = hold_line("O1", "A", "900", "mgr1", "2026-03-01T12:00:00Z")
O3 = hold_line("O3", "A", "600", "mgr3", "2026-03-02T12:00:00Z")


# -- holds (release inquiry) ---------------------------------------------------------------
def test_holds_lists_every_open_hold(events: Path) -> None:
    assert answers(inquire("holds", events)) == [O1, O3]  # O2 was released


def test_holds_by_manager_uses_the_manager_recorded_at_the_hold(events: Path) -> None:
    assert answers(inquire("holds", events, "--manager", "mgr1")) == [O1]
    assert answers(inquire("holds", events, "--manager", "mgr3")) == [O3]
    assert answers(inquire("holds", events, "--manager", "mgr2")) == []


def test_holds_by_customer_whoever_the_manager(events: Path) -> None:
    by_customer = inquire("holds", events, "--manager", "mgr1", "--customer", "A")
    assert answers(by_customer) == [O1, O3]
    assert answers(inquire("holds", events, "--customer", "A", "--company", "C2")) == []
    assert answers(inquire("holds", events, "--customer", "B")) == []


# -- audit ---------------------------------------------------------------------------------
def test_audit_reports_holds_whose_manager_changed(events: Path) -> None:
    finding = {"company_id": "C1", "customer_id": "A", "order_id": "O1",
               "recorded_manager": "mgr1", "current_manager": "mgr3"}  # fmt: skip
    assert answers(inquire("audit", events)) == [finding]


def test_audit_of_a_file_with_no_manager_change_is_empty(tmp_path: Path) -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A", 100, credit_manager="mgr1")
    s.order("A", 500)
    assert answers(inquire("audit", write_events(tmp_path / "e.jsonl", s.inputs))) == []


# -- exposure ------------------------------------------------------------------------------
def test_exposure_of_an_account_and_a_group(events: Path) -> None:
    account = {"currency": "EUR", "exposure": "500.00", "limit": "1000.00", "available": "500.00"}
    # A 300 + 200 open (O1, O3 held: not exposure), B 500 released, C2:A 100 USD = 50 EUR
    group = {"currency": "EUR", "exposure": "1050.00", "limit": "10000.00", "available": "8950.00"}
    assert answers(inquire("exposure", events, "--account", "C1:A")) == [account]
    assert answers(inquire("exposure", events, "--group", "G1")) == [group]
    assert answers(inquire("exposure", events, "--account", "C1:A", "--group", "G1")) == [
        account,
        group,
    ]


def test_exposure_without_own_limit_company_default_or_none(
    events: Path,
) -> None:
    no_limit = {"currency": "USD", "exposure": "100.00", "limit": None, "available": None}
    assert answers(inquire("exposure", events, "--account", "C2:A")) == [no_limit]
    unknown = {"currency": "EUR", "exposure": "0.00", "limit": "5000.00", "available": "5000.00"}
    assert answers(inquire("exposure", events, "--account", "C1:NEW")) == [unknown]
    assert answers(inquire("exposure", events, "--group", "NOPE")) == [None]


def test_exposure_without_a_rate_fails_naming_the_pair(tmp_path: Path) -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=1_000)
    s.customer("A", None, currency="USD")
    s.invoice("A", 10)
    result = inquire("exposure", write_events(tmp_path / "e.jsonl", s.inputs), "--account", "C1:A")
    assert result.exit_code == 1
    assert "USD->EUR" in result.stderr
    assert result.stdout == ""


# -- aged balances -------------------------------------------------------------------------
def test_aged_balances_of_the_group_on_the_last_day(events: Path) -> None:
    assert answers(inquire("aged", events, "--group", "G1")) == [
        {
            "group_id": "G1",
            "currency": "EUR",
            "members": [
                {
                    "company_id": "C1",
                    "customer_id": "A",
                    "currency": "EUR",
                    "periods": ["0.00", "300.00", "0.00", "0.00", "0.00"],
                },  # 46 days
                {
                    "company_id": "C1",
                    "customer_id": "B",
                    "currency": "EUR",
                    "periods": ["0.00", "0.00", "0.00", "0.00", "0.00"],
                },
                {
                    "company_id": "C2",
                    "customer_id": "A",
                    "currency": "USD",
                    "periods": ["100.00", "0.00", "0.00", "0.00", "0.00"],
                },  # not yet due
            ],
            "total": ["50.00", "300.00", "0.00", "0.00", "0.00"],
        }
    ]


def test_aged_balances_on_a_given_day(events: Path) -> None:
    (aged,) = answers(inquire("aged", events, "--group", "G1", "--on", "2026-04-20"))
    # I1: 95 days (C1's periods 30/60/90/120 → 4); I2: 41 days (C2's 10/20/30/40 → 5)
    assert aged["members"][0]["periods"] == ["0.00", "0.00", "0.00", "300.00", "0.00"]
    assert aged["members"][2]["periods"] == ["0.00", "0.00", "0.00", "0.00", "100.00"]
    assert aged["total"] == ["0.00", "0.00", "0.00", "300.00", "50.00"]


def test_aged_balances_of_an_unknown_group_is_null(events: Path) -> None:
    assert answers(inquire("aged", events, "--group", "NOPE")) == [None]


def test_the_default_day_is_the_utc_date_of_the_last_event(tmp_path: Path) -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", None)
    s.customer("A", None, group="G1")
    s.invoice("A", 10, due_date="2026-01-31")  # 30 days old on 03-02, 31 on 03-03
    s.payment("A", "0.01", on="2026-03-02T23:30:00-05:00")  # 2026-03-03 in UTC
    (aged,) = answers(inquire("aged", write_events(tmp_path / "e.jsonl", s.inputs),
                              "--group", "G1"))  # fmt: skip
    assert aged["members"][0]["periods"] == ["0.00", "9.99", "0.00", "0.00", "0.00"]


# -- why -----------------------------------------------------------------------------------
def test_why_prints_the_hold_then_the_release_with_reasons_and_figures(events: Path) -> None:
    held, released = answers(inquire("why", events, "O2"))
    assert held["event_type"] == "order_held"
    assert (held["order_id"], held["customer_id"], held["group_id"]) == ("O2", "B", "G1")
    assert held["occurred_at"] == "2026-03-01T12:00:00Z"
    assert held["credit_managers"] == ["mgr2", "gm"]
    (reason,) = held["reasons"]
    assert reason["code"] == "CUSTOMER_LIMIT"
    assert {k: reason[k] for k in ("limit", "exposure", "order_amount", "available", "currency")} \
        == {"limit": "100.00", "exposure": "0.00", "order_amount": "500.00",
            "available": "100.00", "currency": "EUR"}  # fmt: skip
    assert "500.00" in reason["message"] and "100.00" in reason["message"]

    assert released["event_type"] == "order_approved"
    assert released["order_id"] == "O2"
    assert released["released_by"] == "ana"
    assert released["occurred_at"] == "2026-03-02T15:00:00Z"
    assert [r["code"] for r in released["reasons"]] == ["MANUAL_RELEASE"]
    assert released["figures"]["exposure_before"] == "0.00"
    assert released["figures"]["exposure_after"] == "500.00"


def test_why_of_an_approved_order_shows_its_figures(events: Path) -> None:
    (approved,) = answers(inquire("why", events, "O-ok"))
    assert approved["event_type"] == "order_approved"
    assert approved["reasons"] == []
    # the binding check is A's own limit (700 left), not the group's (9,650 left)
    assert approved["figures"] == {
        "exposure_before": "300.00",
        "exposure_after": "500.00",
        "currency": "EUR",
        "limit": "1000.00",
        "available": "700.00",
    }


def test_why_of_a_still_held_order_and_of_an_unknown_order(events: Path) -> None:
    (held,) = answers(inquire("why", events, "O3"))
    assert held["event_type"] == "order_held"
    assert held["credit_managers"] == ["mgr3", "gm"]
    assert answers(inquire("why", events, "NOPE")) == []


def test_why_leaves_out_notifications(events: Path) -> None:
    assert {line["event_type"] for line in answers(inquire("why", events, "O1"))} == {"order_held"}


# -- determinism and bad input -------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ("holds",),
        ("exposure", "--account", "C1:A", "--group", "G1"),
        ("aged", "--group", "G1"),
        ("why", "O2"),
    ],
)
def test_the_same_file_gives_the_same_answer(events: Path, args: tuple[str, ...]) -> None:
    first = inquire(args[0], events, *args[1:])
    second = inquire(args[0], events, *args[1:])
    assert first.exit_code == 0 and first.stdout
    assert second.stdout == first.stdout


def test_a_bad_json_line_fails_naming_the_line(tmp_path: Path) -> None:
    s = known_scenario()
    lines = [json.dumps(event) for event in s.inputs]
    lines.insert(2, '{"event_id": "broken", ')
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    for command in (["holds"], ["why", "O1"], ["aged", "--group", "G1"]):
        result = inquire(command[0], path, *command[1:])
        assert result.exit_code == 2
        assert "line 3" in result.stderr
        assert result.stdout == ""


def test_an_invalid_event_fails_naming_the_line_and_the_field(tmp_path: Path) -> None:
    s = known_scenario()
    events = list(s.inputs)
    bad = dict(events[4])
    del bad["currency"]
    events.insert(5, {**bad, "event_id": "bad-1"})
    result = inquire("exposure", write_events(tmp_path / "bad.jsonl", events), "--group", "G1")
    assert result.exit_code == 2
    assert "line 6" in result.stderr
    assert "currency" in result.stderr
