"""Invariants of the engine over random event logs (hypothesis)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.domain.engine import CreditEngine
from service.domain.events import INPUT_EVENT
from service.domain.money import to_minor
from service.domain.snapshot import book_to_bytes
from service.replay import replay_lines
from service.serialize import to_json_line

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ACCOUNTS = [("C1", "A"), ("C1", "B"), ("C2", "A"), ("C2", "D")]
GROUPS = ["G1", "G2"]


def _reference() -> list[dict[str, Any]]:
    at = START.isoformat()
    events: list[dict[str, Any]] = [
        {"event_type": "company_upserted", "company_id": "C1", "currency": "EUR",
         "default_credit_limit": "5000"},
        {"event_type": "company_upserted", "company_id": "C2", "currency": "EUR",
         "max_order_amount": "4000"},
        {"event_type": "group_upserted", "group_id": "G1", "currency": "EUR",
         "credit_limit": "6000", "credit_limit_expires": "2027-01-01", "limit_mode": "group"},
        {"event_type": "group_upserted", "group_id": "G2", "currency": "EUR",
         "credit_limit": "8000", "credit_limit_expires": "2027-01-01",
         "limit_mode": "group_and_customer", "allowed_overdue_amount": "500"},
    ]  # fmt: skip
    for company, customer in ACCOUNTS:
        events.append({"event_type": "customer_upserted", "company_id": company,
                       "customer_id": customer, "currency": "EUR", "credit_limit": "3000",
                       "credit_group_id": "G1" if customer == "A" else None})  # fmt: skip
    for number, event in enumerate(events):
        event["event_id"] = f"ref-{number}"
        event["occurred_at"] = at
    return events


@st.composite
def event_logs(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Reference data, then a random mix of transactions and membership changes."""
    events = _reference()
    orders: list[tuple[str, str, str]] = []
    invoices: list[tuple[str, str, str]] = []
    steps = draw(st.integers(min_value=1, max_value=40))
    for step in range(steps):
        at = (START + timedelta(hours=6 * (step + 1))).isoformat()
        company, customer = draw(st.sampled_from(ACCOUNTS))
        base = {"event_id": f"t-{step}", "occurred_at": at, "company_id": company,
                "customer_id": customer}  # fmt: skip
        kind = draw(st.sampled_from(["order"] * 4 + ["invoice", "payment", "cancel", "release",
                                                      "reject", "move"]))  # fmt: skip
        amount = str(draw(st.integers(min_value=1, max_value=400_000)) / Decimal(100))
        if kind == "order":
            order_id = f"o-{step}"
            orders.append((company, customer, order_id))
            payment = draw(st.sampled_from(["on_account"] * 3 + ["cash", "cod"]))
            base |= {"event_type": "order_created", "order_id": order_id, "amount": amount,
                     "currency": "EUR", "payment_type": payment}  # fmt: skip
        elif kind == "invoice":
            mine = [o for c, cu, o in orders if (c, cu) == (company, customer)]
            order_id = draw(st.sampled_from(mine)) if mine and draw(st.booleans()) else None
            invoices.append((company, customer, f"i-{step}"))
            due = (START + timedelta(days=draw(st.integers(-40, 30)))).date().isoformat()
            base |= {"event_type": "invoice_posted", "invoice_id": f"i-{step}",
                     "order_id": order_id, "amount": amount, "currency": "EUR",
                     "invoice_date": START.date().isoformat(), "due_date": due}  # fmt: skip
        elif kind == "payment":
            mine = [i for c, cu, i in invoices if (c, cu) == (company, customer)]
            named = draw(st.lists(st.sampled_from(mine), max_size=2)) if mine else []
            base |= {
                "event_type": "payment_posted",
                "payment_id": f"p-{step}",
                "amount": amount,
                "currency": "EUR",
                "invoice_ids": named or None,
            }
        elif kind == "move":
            base |= {"event_type": "customer_upserted", "currency": "EUR", "credit_limit": "3000",
                     "credit_group_id": draw(st.sampled_from([*GROUPS, None]))}  # fmt: skip
        else:
            mine = [o for c, cu, o in orders if (c, cu) == (company, customer)]
            base |= {"event_type": {"cancel": "order_cancelled", "release": "hold_released",
                                    "reject": "hold_rejected"}[kind],
                     "order_id": draw(st.sampled_from(mine)) if mine else "o-none"}  # fmt: skip
            if kind != "cancel":
                base["decided_by"] = "AN"
        events.append(base)
    return events


def _run(events: list[dict[str, Any]]) -> tuple[CreditEngine, list[Any]]:
    engine = CreditEngine()
    outputs: list[Any] = []
    for event in events:
        outputs += engine.handle(INPUT_EVENT.validate_python(event)).outputs
    return engine, outputs


def _state(engine: CreditEngine) -> tuple[Any, ...]:
    books = {account: book_to_bytes(book) for account, book in sorted(engine.books.items())}
    totals = {g: sorted(t.buckets.items()) for g, t in sorted(engine.group_totals.items())}
    return books, totals


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(event_logs())
def test_exposure_equals_an_independent_recomputation(events: list[dict[str, Any]]) -> None:
    engine, outputs = _run(events)
    approved = {o.order_id for o in outputs if o.event_type == "order_approved"}
    by_id = {e["order_id"]: e for e in events if e["event_type"] == "order_created"}
    open_orders: dict[str, int] = {}
    receivable: dict[tuple[str, str], int] = defaultdict(int)
    for event in events:
        account = (event.get("company_id"), event.get("customer_id"))
        kind = event["event_type"]
        if kind in ("order_created", "hold_released") and event["order_id"] in approved:
            order = by_id[event["order_id"]]
            released = kind == "hold_released" and any(
                o.event_type == "order_approved" and o.event_id == f"{event['event_id']}:decision"
                for o in outputs
            )
            first = kind == "order_created" and any(
                o.event_id == f"{event['event_id']}:decision" and o.event_type == "order_approved"
                for o in outputs
            )
            if (released or first) and order["payment_type"] == "on_account":
                open_orders[order["order_id"]] = to_minor(Decimal(order["amount"]), "EUR")
        elif kind == "order_cancelled":
            open_orders.pop(event["order_id"], None)
        elif kind == "invoice_posted":
            amount = to_minor(Decimal(event["amount"]), "EUR")
            receivable[account] += amount
            if event["order_id"] in open_orders:
                left = max(open_orders[event["order_id"]] - amount, 0)
                open_orders[event["order_id"]] = left
        elif kind == "payment_posted":
            receivable[account] -= to_minor(Decimal(event["amount"]), "EUR")
    for account in ACCOUNTS:
        mine = sum(v for o, v in open_orders.items() if by_id[o]["company_id"] == account[0]
                   and by_id[o]["customer_id"] == account[1])  # fmt: skip
        book = engine.books.get(account)
        assert (book.exposure(True) if book else 0) == receivable[account] + mine


@PROPERTY
@given(event_logs(), st.data())
def test_a_redelivered_event_changes_nothing(events: list[dict[str, Any]], data: Any) -> None:
    cut = data.draw(st.integers(min_value=1, max_value=len(events)))
    engine, _ = _run(events[:cut])
    before = _state(engine)
    again = data.draw(st.sampled_from(events[:cut]))
    assert engine.handle(INPUT_EVENT.validate_python(again)).outputs == []
    assert _state(engine) == before


@PROPERTY
@given(event_logs())
def test_the_same_log_replays_to_byte_identical_output(events: list[dict[str, Any]]) -> None:
    lines = [json.dumps(event) for event in events]
    first = "\n".join(to_json_line(o) for o in replay_lines(lines))  # type: ignore[arg-type]
    second = "\n".join(to_json_line(o) for o in replay_lines(lines))  # type: ignore[arg-type]
    assert first == second


@PROPERTY
@given(event_logs())
def test_no_account_is_counted_in_two_groups(events: list[dict[str, Any]]) -> None:
    engine, _ = _run(events)
    expected: dict[str, dict[tuple[str, str], list[int]]] = {}
    expected_dues: dict[str, dict[tuple[str, int], int]] = {}
    for account, book in engine.books.items():
        group_id = engine.membership.group_id(account)
        if group_id is None:
            continue
        bucket = expected.setdefault(group_id, {}).setdefault((book.currency, account[0]), [0, 0])
        bucket[0] += book.receivable
        bucket[1] += book.open_order_total
        for due, amount in book.dues().items():
            key = (book.currency, due)
            expected_dues.setdefault(group_id, {})[key] = (
                expected_dues.get(group_id, {}).get(key, 0) + amount
            )
    for group_id in GROUPS:
        totals = engine.group_totals.get(group_id)
        wanted_dues = {k: v for k, v in expected_dues.get(group_id, {}).items() if v}
        assert (totals.dues if totals else {}) == wanted_dues
        totals = engine.group_totals.get(group_id)
        actual = {k: v for k, v in (totals.buckets.items() if totals else ()) if v != [0, 0]}
        wanted = {k: v for k, v in expected.get(group_id, {}).items() if v != [0, 0]}
        assert actual == wanted
