"""The replay command end to end: JSON lines in, JSON lines out, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from service.cli import app
from tests.unit.rules_dsl import Scenario


def story() -> list[dict[str, Any]]:
    """Inputs of a small story, built with the DSL (and applied to check they are valid)."""
    s = Scenario()
    s.company("C1", "EUR", max_order_amount=10_000)
    s.group("G1", 1_000, mode="group_and_customer", credit_manager="gm")
    s.customer("A", 500, group="G1", credit_manager="cm", credit_analyst="an")
    s.order("A", 400, order_id="O1")  # approved
    s.order("A", 200, order_id="O2", entered_by="op")  # held: CUSTOMER_LIMIT
    s.invoice("A", 400, order_id="O1", invoice_id="I1", due_date="2026-03-31")
    s.payment("A", 100, payment_id="P1")
    s.release("O2", by="anna")
    s.order("A", 50, order_id="O3", payment_type="cash")
    return s.inputs


def write(path: Path, events: list[dict[str, Any]], bad: dict[int, str] | None = None) -> Path:
    lines = [json.dumps(event) for event in events]
    for index, text in sorted((bad or {}).items()):
        lines.insert(index, text)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["replay", *args])


def test_replay_prints_one_json_output_a_line(tmp_path: Path) -> None:
    result = run(str(write(tmp_path / "in.jsonl", story())))

    assert result.exit_code == 0, result.output
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["event_type"], o.get("order_id")) for o in outputs] == [
        ("order_approved", "O1"),
        ("order_held", "O2"),
        ("credit_notification", "O2"),
        ("credit_notification", "O2"),
        ("order_approved", "O2"),
        ("order_approved", "O3"),
    ]
    held = outputs[1]
    assert [r["code"] for r in held["reasons"]] == ["CUSTOMER_LIMIT"]
    assert held["amount"] == "200"
    assert held["occurred_at"] == held["decided_at"] == "2026-03-01T12:00:00Z"
    assert [n["kind"] for n in outputs[2:4]] == ["ORDER_ON_HOLD", "CREDIT_LIMIT_EXCEEDED"]
    released = outputs[4]
    assert released["released_by"] == "anna"
    assert [r["code"] for r in released["reasons"]] == ["MANUAL_RELEASE"]


def test_replay_is_deterministic(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", story())
    first, second = run(str(path)), run(str(path))
    assert first.exit_code == second.exit_code == 0
    assert first.stdout_bytes == second.stdout_bytes
    assert first.stdout_bytes


def test_replay_skips_blank_lines(tmp_path: Path) -> None:
    clean = run(str(write(tmp_path / "a.jsonl", story())))
    blanks = run(str(write(tmp_path / "b.jsonl", story(), bad={2: "", 5: "   "})))
    assert blanks.exit_code == 0
    assert blanks.stdout_bytes == clean.stdout_bytes


def test_replay_stops_at_a_bad_line_with_a_one_line_error_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", story(), bad={4: "{not json"})

    result = run(str(path))

    assert result.exit_code != 0
    error_lines = result.stderr.strip().splitlines()
    assert len(error_lines) == 1
    assert "line 5" in error_lines[0]
    emitted = [json.loads(line)["order_id"] for line in result.stdout.splitlines()]
    assert emitted == ["O1"]  # the lines before it were replayed


def test_replay_refuses_an_invalid_event_naming_its_line(tmp_path: Path) -> None:
    events = story()
    events[3] = {**events[3], "amount": "4.001"}  # O1 with too many decimals
    result = run(str(write(tmp_path / "in.jsonl", events)))
    assert result.exit_code != 0
    assert "line 4" in result.stderr
    assert result.stdout == ""


def test_replay_skip_bad_reports_on_stderr_and_goes_on(tmp_path: Path) -> None:
    good = run(str(write(tmp_path / "good.jsonl", story())))
    bad_line = json.dumps({"event_type": "order_created", "event_id": "x"})
    path = write(tmp_path / "in.jsonl", story(), bad={1: "{not json", 6: bad_line})

    result = run("--skip-bad", str(path))

    assert result.exit_code == 0
    assert result.stdout_bytes == good.stdout_bytes
    reported = result.stderr.strip().splitlines()
    assert len(reported) == 2
    assert "line 2" in reported[0]
    assert "line 7" in reported[1]


def test_replay_of_a_missing_file_fails(tmp_path: Path) -> None:
    assert run(str(tmp_path / "absent.jsonl")).exit_code != 0
