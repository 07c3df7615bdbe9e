"""Sales order status, cash/COD, max order amount, hold period, overdue control."""

from __future__ import annotations

import pytest

from tests.unit.rules_dsl import Scenario, is_approved, reasons


def base(**company: object) -> Scenario:
    s = Scenario()
    s.company("C1", "EUR", **company)
    return s


# -- sales order status --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "payment_type", "expected"),
    [
        ("yes", "on_account", []),
        ("no", "on_account", ["SALES_BLOCKED"]),
        ("no", "cash", ["SALES_BLOCKED"]),
        ("cash_only", "cash", []),
        ("cash_only", "on_account", ["CASH_ONLY"]),
        ("cash_only", "cod", ["CASH_ONLY"]),
        ("cod_only", "cod", []),
        ("cod_only", "on_account", ["COD_ONLY"]),
        ("cod_only", "cash", ["COD_ONLY"]),
    ],
)
def test_customer_sales_order_status(status: str, payment_type: str, expected: list[str]) -> None:
    s = base()
    s.customer("A", 1_000, sales_order_status=status, cod_terms=status == "cod_only")
    assert reasons(s.order("A", 100, payment_type=payment_type)) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [("2026-03-09", ["HOLD_UNTIL"]), ("2026-03-10", []), ("2026-03-11", [])],
)
def test_hold_until_holds_before_its_date_and_passes_from_it(day: str, expected: list[str]) -> None:
    s = base()
    s.customer("A", sales_order_status="hold_until", sales_order_status_date="2026-03-10")
    assert reasons(s.order("A", 100, on=day)) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [("2026-03-09", []), ("2026-03-10", ["OPEN_UNTIL"]), ("2026-03-11", ["OPEN_UNTIL"])],
)
def test_open_until_passes_before_its_date_and_holds_from_it(day: str, expected: list[str]) -> None:
    s = base()
    s.customer("A", sales_order_status="open_until", sales_order_status_date="2026-03-10")
    assert reasons(s.order("A", 100, on=day)) == expected


def test_group_status_overrides_the_customers() -> None:
    s = base()
    s.group("G1", None, mode="customer", sales_order_status="no")
    s.customer("A", sales_order_status="yes", group="G1")
    assert reasons(s.order("A", 100)) == ["SALES_BLOCKED"]


def test_group_status_yes_overrides_a_blocked_customer() -> None:
    s = base()
    s.group("G1", None, mode="customer", sales_order_status="yes")
    s.customer("A", sales_order_status="no", group="G1")
    assert reasons(s.order("A", 100)) == []


def test_group_dated_status_overrides_the_customers() -> None:
    s = base()
    s.group(
        "G1", None, mode="customer",
        sales_order_status="hold_until", sales_order_status_date="2026-03-10",
    )  # fmt: skip
    s.customer("A", group="G1")
    assert reasons(s.order("A", 100, on="2026-03-09")) == ["HOLD_UNTIL"]
    assert reasons(s.order("A", 100, on="2026-03-10")) == []


def test_group_without_status_bypasses_to_the_customers() -> None:
    s = base()
    s.group("G1", None, mode="customer")
    s.customer("A", sales_order_status="no", group="G1")
    assert reasons(s.order("A", 100)) == ["SALES_BLOCKED"]


def test_group_status_applies_even_when_the_company_does_not_check_group_limits() -> None:
    s = base(check_group_limits=False)
    s.group("G1", 1_000_000, mode="group", sales_order_status="no")
    s.customer("A", group="G1")
    assert reasons(s.order("A", 100)) == ["SALES_BLOCKED"]


# -- cash and COD --------------------------------------------------------------------------
@pytest.mark.parametrize("payment_type", ["cash", "cod"])
def test_cash_and_cod_orders_pass_the_limit_checks_and_add_no_exposure(payment_type: str) -> None:
    s = base(default_credit_limit=50)
    s.group("G1", 100, mode="group_and_customer")
    s.customer("A", 100, group="G1", cod_terms=payment_type == "cod")
    s.customer("B", group="G1")
    assert is_approved(s.order("A", 5_000, payment_type=payment_type))
    s.assert_room(100)
    s.assert_room(100, "B")


def test_cash_order_passes_even_when_the_limit_is_already_exceeded() -> None:
    s = base()
    s.customer("A", 100)
    s.invoice("A", 500)
    assert is_approved(s.order("A", 10, payment_type="cash"))


# -- max order amount ----------------------------------------------------------------------
def test_company_max_order_amount_equal_passes_one_minor_unit_over_holds() -> None:
    s = base(max_order_amount=500)
    s.customer("A")
    assert is_approved(s.order("A", 500))
    assert reasons(s.order("A", "500.01")) == ["MAX_ORDER_AMOUNT"]


def test_max_order_amount_is_per_order_not_cumulative() -> None:
    s = base(max_order_amount=500)
    s.customer("A")
    for _ in range(3):
        assert is_approved(s.order("A", 500))


def test_warehouse_max_order_amount_overrides_the_companys() -> None:
    s = base(max_order_amount=500)
    s.warehouse("W1", "C1", max_order_amount=800)
    s.warehouse("W2", "C1", max_order_amount=100)
    s.customer("A")
    assert is_approved(s.order("A", 800, warehouse_id="W1"))
    assert reasons(s.order("A", "800.01", warehouse_id="W1")) == ["MAX_ORDER_AMOUNT"]
    assert reasons(s.order("A", "100.01", warehouse_id="W2")) == ["MAX_ORDER_AMOUNT"]
    assert reasons(s.order("A", "500.01")) == ["MAX_ORDER_AMOUNT"]


def test_warehouse_without_max_keeps_the_companys() -> None:
    s = base(max_order_amount=500)
    s.warehouse("W1", "C1", tolerance_pct=5)
    s.customer("A")
    assert reasons(s.order("A", "500.01", warehouse_id="W1")) == ["MAX_ORDER_AMOUNT"]


# -- hold period ---------------------------------------------------------------------------
def aged(days_past_due: int, hold_period: int, **company: object) -> list[str]:
    """Reasons for an order on 2026-06-30 with one open invoice ``days_past_due`` past due."""
    from datetime import date, timedelta

    due = (date(2026, 6, 30) - timedelta(days=days_past_due)).isoformat()
    s = base(**company)
    s.customer("A", hold_period=hold_period)
    s.invoice("A", 100, invoice_date="2026-01-01", due_date=due, on="2026-01-01")
    return reasons(s.order("A", 10, on="2026-06-30"))


@pytest.mark.parametrize(
    ("hold_period", "last_day_passing"),
    [(2, 30), (3, 60), (4, 90), (5, 120)],
)
def test_hold_period_with_default_aging_bounds(hold_period: int, last_day_passing: int) -> None:
    assert aged(last_day_passing, hold_period) == []
    assert aged(last_day_passing + 1, hold_period) == ["HOLD_PERIOD"]


def test_hold_period_one_holds_on_any_past_due_receivable() -> None:
    assert aged(1, 1) == ["HOLD_PERIOD"]
    assert aged(200, 1) == ["HOLD_PERIOD"]


def test_hold_period_zero_is_off() -> None:
    assert aged(500, 0) == []


def test_hold_period_later_periods_also_hold() -> None:
    assert aged(200, 2) == ["HOLD_PERIOD"]


@pytest.mark.parametrize(
    ("hold_period", "last_day_passing"),
    [(2, 10), (3, 20), (4, 30), (5, 40)],
)
def test_hold_period_with_custom_aging_bounds(hold_period: int, last_day_passing: int) -> None:
    company = {"aging_period_days": [10, 20, 30, 40]}
    assert aged(last_day_passing, hold_period, **company) == []
    assert aged(last_day_passing + 1, hold_period, **company) == ["HOLD_PERIOD"]


def test_hold_period_ignores_paid_receivables() -> None:
    s = base()
    s.customer("A", hold_period=2)
    s.invoice("A", 100, invoice_id="I1", due_date="2026-01-01", on="2026-01-01")
    s.payment("A", 100, invoice_ids=["I1"], on="2026-01-02")
    assert reasons(s.order("A", 10, on="2026-06-30")) == []


def test_group_hold_period_overrides_the_customers() -> None:
    s = base()
    s.group("G1", None, mode="customer", hold_period=5)
    s.customer("A", group="G1", hold_period=1)
    s.invoice("A", 100, due_date="2026-03-01")
    assert reasons(s.order("A", 10, on="2026-04-15")) == []  # 45 days: period 2 < 5


def test_group_hold_period_holds_where_the_customers_would_not() -> None:
    s = base()
    s.group("G1", None, mode="customer", hold_period=2)
    s.customer("A", group="G1", hold_period=0)
    s.invoice("A", 100, due_date="2026-03-01")
    assert reasons(s.order("A", 10, on="2026-04-15")) == ["HOLD_PERIOD"]


def test_group_without_hold_period_bypasses_to_the_customers() -> None:
    s = base()
    s.group("G1", None, mode="customer")
    s.customer("A", group="G1", hold_period=2)
    s.invoice("A", 100, due_date="2026-03-01")
    assert reasons(s.order("A", 10, on="2026-04-15")) == ["HOLD_PERIOD"]


def test_group_hold_period_applies_when_the_company_does_not_check_group_limits() -> None:
    s = base(check_group_limits=False)
    s.group("G1", None, mode="group", hold_period=2)
    s.customer("A", group="G1")
    s.invoice("A", 100, due_date="2026-03-01")
    assert reasons(s.order("A", 10, on="2026-04-15")) == ["HOLD_PERIOD"]


# -- overdue control -----------------------------------------------------------------------
def test_overdue_amount_equal_passes_one_minor_unit_over_holds() -> None:
    s = base()
    s.customer("A", allowed_overdue_amount=100)
    s.invoice("A", 100, due_date="2026-03-01")
    assert reasons(s.copy().order("A", 10, on="2026-03-02")) == []
    s.invoice("A", "0.01", due_date="2026-03-01")
    assert reasons(s.order("A", 10, on="2026-03-02")) == ["OVERDUE_LIMIT"]


def test_overdue_days_default_to_zero() -> None:
    s = base()
    s.customer("A", allowed_overdue_amount=0)
    s.invoice("A", 100, due_date="2026-03-10")
    assert reasons(s.copy().order("A", 10, on="2026-03-10")) == []  # due today: not overdue
    assert reasons(s.order("A", 10, on="2026-03-11")) == ["OVERDUE_LIMIT"]


def test_allowed_overdue_days() -> None:
    s = base()
    s.customer("A", allowed_overdue_amount=0, allowed_overdue_days=5)
    s.invoice("A", 100, due_date="2026-03-10")
    assert reasons(s.copy().order("A", 10, on="2026-03-15")) == []  # 5 days past due
    assert reasons(s.order("A", 10, on="2026-03-16")) == ["OVERDUE_LIMIT"]


def test_paid_invoices_are_not_overdue() -> None:
    s = base()
    s.customer("A", allowed_overdue_amount=0)
    s.invoice("A", 100, invoice_id="I1", due_date="2026-03-01")
    s.payment("A", 60, invoice_ids=["I1"])
    assert reasons(s.copy().order("A", 10, on="2026-03-05")) == ["OVERDUE_LIMIT"]
    s.payment("A", 40, invoice_ids=["I1"])
    assert reasons(s.order("A", 10, on="2026-03-05")) == []


def test_overdue_allowance_is_not_raised_by_tolerance() -> None:
    s = base(tolerance_pct=50)
    s.customer("A", allowed_overdue_amount=100)
    s.invoice("A", "100.01", due_date="2026-03-01")
    assert reasons(s.order("A", 10, on="2026-03-05")) == ["OVERDUE_LIMIT"]


def group_overdue(**group: object) -> Scenario:
    s = base()
    s.group("G1", None, mode="customer", **group)
    for member in ("A", "B", "C"):
        s.customer(member, group="G1")
    return s


def test_group_overdue_total_over_the_allowance_holds_every_member() -> None:
    s = group_overdue(allowed_overdue_amount=100)
    s.invoice("A", 60, due_date="2026-03-01")
    s.invoice("B", 40, due_date="2026-03-01")
    assert reasons(s.copy().order("C", 10, on="2026-03-05")) == []  # 100: not over
    s.invoice("B", "0.01", due_date="2026-03-01")
    assert reasons(s.order("C", 10, on="2026-03-05")) == ["GROUP_OVERDUE_LIMIT"]
    assert reasons(s.order("A", 10, on="2026-03-05")) == ["GROUP_OVERDUE_LIMIT"]


def test_group_overdue_uses_the_groups_days() -> None:
    s = group_overdue(allowed_overdue_amount=0, allowed_overdue_days=10)
    s.customer("A", group="G1", allowed_overdue_amount=1_000, allowed_overdue_days=0)
    s.invoice("A", 100, due_date="2026-03-01")
    assert reasons(s.copy().order("C", 10, on="2026-03-11")) == []
    assert reasons(s.order("C", 10, on="2026-03-12")) == ["GROUP_OVERDUE_LIMIT"]


def test_member_and_group_overdue_together() -> None:
    s = group_overdue(allowed_overdue_amount=50)
    s.customer("A", group="G1", allowed_overdue_amount=50)
    s.invoice("A", 60, due_date="2026-03-01")
    assert reasons(s.order("A", 10, on="2026-03-05")) == ["OVERDUE_LIMIT", "GROUP_OVERDUE_LIMIT"]


def test_group_overdue_applies_when_the_company_does_not_check_group_limits() -> None:
    s = Scenario()
    s.company("C1", "EUR", check_group_limits=False)
    s.group("G1", None, mode="group", allowed_overdue_amount=0)
    s.customer("A", group="G1")
    s.customer("B", group="G1")
    s.invoice("A", 1, due_date="2026-03-01")
    assert reasons(s.order("B", 10, on="2026-03-05")) == ["GROUP_OVERDUE_LIMIT"]


def test_max_order_amount_is_in_the_company_currency() -> None:
    s = base(max_order_amount=500)
    s.customer("A", currency="USD")
    s.rate("USD", "EUR", "0.5")
    assert is_approved(s.order("A", 1_000))  # 500 EUR
    assert reasons(s.order("A", "1000.02")) == ["MAX_ORDER_AMOUNT"]


def test_warehouse_of_another_company_does_not_apply() -> None:
    s = base(max_order_amount=500)
    s.company("C2", "EUR")
    s.warehouse("W9", "C2", max_order_amount=10_000)
    s.customer("A")
    assert reasons(s.order("A", "500.01", warehouse_id="W9")) == ["MAX_ORDER_AMOUNT"]


def test_unknown_warehouse_keeps_the_company_settings() -> None:
    s = base(max_order_amount=500)
    s.customer("A")
    assert reasons(s.order("A", "500.01", warehouse_id="NOPE")) == ["MAX_ORDER_AMOUNT"]


def test_newest_warehouse_record_wins() -> None:
    s = base(max_order_amount=500)
    s.warehouse("W1", "C1", max_order_amount=800, on="2026-03-01")
    s.warehouse("W1", "C1", max_order_amount=100, on="2026-02-01")
    s.customer("A")
    assert is_approved(s.order("A", 800, warehouse_id="W1"))


def test_cash_order_in_a_group_of_another_currency_needs_no_rate() -> None:
    s = base()
    s.group("G1", 1_000, mode="group", currency="USD")
    s.customer("A", group="G1")
    assert is_approved(s.order("A", 10, payment_type="cash"))


def test_business_date_is_the_utc_date_of_occurred_at() -> None:
    s = base()
    s.customer("A", sales_order_status="hold_until", sales_order_status_date="2026-03-10")
    assert reasons(s.order("A", 10, on="2026-03-10T01:00:00+02:00")) == ["HOLD_UNTIL"]  # 9th UTC
    assert reasons(s.order("A", 10, on="2026-03-09T23:30:00-01:00")) == []  # 10th UTC


def test_group_cod_only_lets_cod_orders_of_a_cod_member_pass() -> None:
    s = base()
    s.group("G1", None, mode="customer", sales_order_status="cod_only")
    s.customer("A", group="G1", cod_terms=True, sales_order_status="yes")
    assert reasons(s.order("A", 10, payment_type="cod")) == []
    assert reasons(s.order("A", 10)) == ["COD_ONLY"]


def test_group_overdue_total_is_converted_into_the_group_currency() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.company("C2", "USD")
    s.group("G1", None, mode="customer", allowed_overdue_amount=100)
    s.customer("A", group="G1")
    s.customer("B", company_id="C2", group="G1")
    s.rate("USD", "EUR", "0.5")
    s.invoice("B", 200, company_id="C2", due_date="2026-03-01")  # 100 EUR overdue
    assert reasons(s.copy().order("A", 10, on="2026-03-05")) == []
    s.invoice("B", "0.02", company_id="C2", due_date="2026-03-01")
    assert reasons(s.order("A", 10, on="2026-03-05")) == ["GROUP_OVERDUE_LIMIT"]


def test_group_hold_period_zero_switches_the_check_off_for_its_members() -> None:
    s = base()
    s.group("G1", None, mode="customer", hold_period=0)
    s.customer("A", group="G1", hold_period=2)
    s.invoice("A", 100, due_date="2026-01-01")
    assert reasons(s.order("A", 10, on="2026-04-15")) == []


def test_group_overdue_follows_payments_and_membership_the_same_day() -> None:
    s = group_overdue(allowed_overdue_amount=50)
    s.invoice("A", 60, invoice_id="I1", due_date="2026-03-01")
    day = "2026-03-05"
    assert reasons(s.order("C", 10, on=day)) == ["GROUP_OVERDUE_LIMIT"]
    s.payment("A", 20, invoice_ids=["I1"], on=day)
    assert reasons(s.order("C", 10, on=day)) == []
    s.invoice("B", 11, due_date="2026-03-01", on=day)
    assert reasons(s.order("C", 10, on=day)) == ["GROUP_OVERDUE_LIMIT"]
    s.customer("B", on=day)  # B leaves the group
    assert reasons(s.order("C", 10, on=day)) == []
    s.customer("B", group="G1", on=day)  # and joins again
    assert reasons(s.order("C", 10, on=day)) == ["GROUP_OVERDUE_LIMIT"]
    s.group("G1", None, mode="customer", allowed_overdue_amount=100, on=day)
    assert reasons(s.order("C", 10, on=day)) == []
