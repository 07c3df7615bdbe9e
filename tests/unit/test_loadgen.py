"""The load generator: deterministic, streaming, and every event in the JSON form of CONTRACT.md."""

from __future__ import annotations

import collections
import itertools
import json
import re
import time
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import pytest

from service.loadgen import LoadConfig, generate, main, reference_events, transaction_events

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "events.jsonl"
SMALL = LoadConfig(seed=7, accounts=300, groups=12, events=5_000)

# event_type -> (required fields, optional fields), from CONTRACT.md
CUSTOMER_OPTIONAL = """name credit_group_id credit_limit credit_limit_expires temporary_credit_limit
    temporary_limit_from temporary_limit_to insurance_amount guarantee_amount credit_manager
    credit_analyst cod_terms sales_order_status sales_order_status_date hold_period
    allowed_overdue_amount allowed_overdue_days ap_manager ap_phone credit_established
    last_review next_review"""
GROUP_OPTIONAL = """description credit_limit credit_manager sales_order_status
    sales_order_status_date hold_period allowed_overdue_amount allowed_overdue_days ap_manager
    ap_phone"""
COMPANY_OPTIONAL = """default_credit_limit tolerance_pct max_order_amount check_group_limits
    aging_period_days include_open_orders"""
PARTY = "company_id customer_id"
FIELDS: dict[str, tuple[str, str]] = {
    "order_created": (f"order_id {PARTY} amount currency payment_type", "warehouse_id entered_by"),
    "invoice_posted": (
        f"invoice_id {PARTY} amount currency invoice_date due_date",
        "order_id",
    ),
    "payment_posted": (f"payment_id {PARTY} amount currency", "invoice_ids"),
    "order_cancelled": (f"order_id {PARTY}", ""),
    "hold_released": (f"order_id {PARTY} decided_by", "note"),
    "hold_rejected": (f"order_id {PARTY} decided_by", "note"),
    "company_upserted": ("company_id currency", COMPANY_OPTIONAL),
    "warehouse_upserted": ("warehouse_id company_id", "tolerance_pct max_order_amount"),
    "customer_upserted": (f"{PARTY} currency", CUSTOMER_OPTIONAL),
    "group_upserted": ("group_id currency credit_limit_expires limit_mode", GROUP_OPTIONAL),
    "exchange_rate_set": ("from_currency to_currency rate valid_from", ""),
}
MONEY = {
    "amount",
    "credit_limit",
    "temporary_credit_limit",
    "insurance_amount",
    "guarantee_amount",
    "allowed_overdue_amount",
    "default_credit_limit",
    "max_order_amount",
}
DATES = {
    "invoice_date",
    "due_date",
    "credit_limit_expires",
    "temporary_limit_from",
    "temporary_limit_to",
    "sales_order_status_date",
    "credit_established",
    "last_review",
    "next_review",
}
INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
DECIMAL = re.compile(r"^\d+(\.\d+)?$")
ENUMS = {
    "payment_type": {"on_account", "cash", "cod"},
    "limit_mode": {"group", "group_and_customer", "hierarchy", "customer"},
    "sales_order_status": {"yes", "no", "cash_only", "cod_only", "hold_until", "open_until"},
}


def lines(events: Iterable[dict[str, object]]) -> list[str]:
    return [json.dumps(event, separators=(",", ":")) for event in events]


def check_contract(event: dict[str, object], currency_of_company: dict[str, str]) -> None:
    """Fields, formats and minor units of one event, as CONTRACT.md has them."""
    required, optional = (set(names.split()) for names in FIELDS[str(event["event_type"])])
    fields = set(event) - {"event_id", "event_type", "occurred_at"}
    assert required <= fields, (event, required - fields)
    assert fields <= required | optional, (event, fields - required - optional)
    assert all(value is not None for value in event.values()), event
    assert INSTANT.match(str(event["occurred_at"])), event
    currency = event.get("currency") or currency_of_company.get(str(event.get("company_id")))
    digits = 0 if currency == "JPY" else 2
    for name in MONEY & fields:
        pattern = r"^\d+$" if digits == 0 else rf"^\d+\.\d{{{digits}}}$"
        assert re.match(pattern, str(event[name])), (name, event)
    for name in DATES & fields:
        date.fromisoformat(str(event[name]))
        assert len(str(event[name])) == 10, (name, event)
    for name in {"rate", "tolerance_pct"} & fields:
        assert DECIMAL.match(str(event[name])), (name, event)
    for name, allowed in ENUMS.items():
        assert event.get(name, next(iter(allowed))) in allowed, (name, event)
    if event.get("sales_order_status") in {"hold_until", "open_until"}:
        assert "sales_order_status_date" in event, event
    assert 0 <= int(str(event.get("hold_period", 0))) <= 5, event


def check_stream(events: list[dict[str, object]]) -> None:
    """Every event valid; time never goes back; transactions only name orders made before."""
    companies: dict[str, str] = {}
    orders: set[object] = set()
    ids: dict[str, set[object]] = collections.defaultdict(set)
    for previous, event in itertools.pairwise([events[0], *events]):
        assert str(previous["occurred_at"]) <= str(event["occurred_at"]), event
        if event["event_type"] == "company_upserted":
            companies[str(event["company_id"])] = str(event["currency"])
        check_contract(event, companies)
        for key in ("event_id", "invoice_id", "payment_id"):
            if key in event:
                assert event[key] not in ids[key], (key, event)
                ids[key].add(event[key])
        if event["event_type"] == "order_created":
            assert event["order_id"] not in orders, event
            orders.add(event["order_id"])
        elif "order_id" in event:
            assert event["order_id"] in orders, event


@pytest.fixture(scope="module")
def small() -> list[dict[str, object]]:
    return list(generate(SMALL))


def test_same_config_same_bytes_other_seed_other_bytes() -> None:
    assert lines(generate(SMALL)) == lines(generate(SMALL))
    other = LoadConfig(seed=8, accounts=300, groups=12, events=5_000)
    assert lines(generate(other)) != lines(generate(SMALL))


def test_generate_is_reference_then_transactions(small: list[dict[str, object]]) -> None:
    parts = [*reference_events(SMALL), *transaction_events(SMALL)]
    assert lines(parts) == lines(small)
    assert [e["event_id"] for e in small] == [f"e-{n:09d}" for n in range(len(small))]


def test_every_event_follows_the_contract(small: list[dict[str, object]]) -> None:
    check_stream(small)
    yen = [str(e["amount"]) for e in small if e.get("currency") == "JPY" and "amount" in e]
    assert yen and all("." not in amount for amount in yen)


def test_reference_data_comes_first_and_covers_everything(
    small: list[dict[str, object]],
) -> None:
    reference = list(reference_events(SMALL))
    kinds = collections.Counter(e["event_type"] for e in reference)
    assert kinds == {
        "exchange_rate_set": 6,  # 4 currencies, one direction per pair
        "company_upserted": 4,
        "warehouse_upserted": 12,
        "group_upserted": SMALL.groups,
        "customer_upserted": SMALL.accounts,
    }
    companies = [e for e in reference if e["event_type"] == "company_upserted"]
    assert {e["currency"] for e in companies} == {"USD", "EUR", "GBP", "JPY"}
    customers = [e for e in reference if e["event_type"] == "customer_upserted"]
    grouped = sum("credit_group_id" in e for e in customers) / len(customers)
    assert 0.6 < grouped < 0.8
    ids = collections.Counter(e["customer_id"] for e in customers)
    assert any(n > 1 for n in ids.values()), "some customer ids exist in two companies"
    assert len({(e["company_id"], e["customer_id"]) for e in customers}) == SMALL.accounts


def test_transactions_have_a_plausible_mix(small: list[dict[str, object]]) -> None:
    kinds = collections.Counter(e["event_type"] for e in transaction_events(SMALL))
    share = {kind: n / SMALL.events for kind, n in kinds.items()}
    assert 0.37 < share["order_created"] < 0.45
    assert 0.27 < share["invoice_posted"] < 0.33
    assert 0.19 < share["payment_posted"] < 0.25
    assert 0.03 < share["order_cancelled"] < 0.07
    assert 0.015 < share["hold_released"] + share["hold_rejected"] < 0.045
    assert kinds["customer_upserted"] >= 1
    invoices = [e for e in small if e["event_type"] == "invoice_posted"]
    assert any("order_id" not in e for e in invoices)
    assert sum("order_id" in e for e in invoices) > len(invoices) / 2
    for invoice in invoices:
        due = date.fromisoformat(str(invoice["invoice_date"])) + timedelta(days=30)
        assert invoice["due_date"] == due.isoformat()
    payments = [e for e in small if e["event_type"] == "payment_posted"]
    assert any("invoice_ids" in e for e in payments)
    assert any("invoice_ids" not in e for e in payments)


def test_time_spans_the_configured_business_days(small: list[dict[str, object]]) -> None:
    stamps = [str(e["occurred_at"]) for e in small[-SMALL.events :]]
    first, last = date.fromisoformat(stamps[0][:10]), date.fromisoformat(stamps[-1][:10])
    assert first == SMALL.start
    assert (last - first).days > SMALL.days - 5
    assert all(date.fromisoformat(s[:10]).weekday() < 5 for s in stamps)
    assert all("08:00:00" <= s[11:19] < "18:00:00" for s in stamps)


def test_cli_writes_compact_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--accounts", "20", "--groups", "2", "--events", "50", "--seed", "3"]
    main(argv)
    out = capsys.readouterr().out.splitlines()
    config = LoadConfig(seed=3, accounts=20, groups=2, events=50)
    assert out == lines(generate(config))
    main([*argv, "--part", "reference"])
    assert capsys.readouterr().out.splitlines() == lines(reference_events(config))


def test_a_100k_run_streams_quickly() -> None:
    config = LoadConfig(seed=11, accounts=10_000, groups=200, events=100_000)
    began = time.perf_counter()
    count = sum(1 for _ in generate(config))
    assert count > 100_000 + 10_000
    assert time.perf_counter() - began < 10


def test_the_example_file_follows_the_contract() -> None:
    events = [json.loads(line) for line in EXAMPLE.read_text().splitlines() if line.strip()]
    check_stream(events)
    kinds = collections.Counter(e["event_type"] for e in events)
    assert kinds["order_created"] >= 10
    assert {"invoice_posted", "payment_posted", "order_cancelled", "hold_released"} <= set(kinds)
