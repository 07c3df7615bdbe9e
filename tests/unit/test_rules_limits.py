"""Credit limits: customer, group (by mode), company default; tolerance, temporary limit,
insurance and guarantees, expiry. "Exceeds" is strictly greater: equal passes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.domain.outputs import OrderApproved, OrderHeld
from tests.unit.rules_dsl import Scenario, decision, is_approved, reasons


def customer_with_limit(limit: int | str = 1_000, **fields: object) -> Scenario:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A", limit, **fields)
    return s


# -- the customer's own limit --------------------------------------------------------------
def test_customer_limit_equal_passes_one_minor_unit_over_holds() -> None:
    s = customer_with_limit(1_000)
    assert is_approved(s.order("A", 1_000))
    out = s.order("A", "0.01")
    assert reasons(out) == ["CUSTOMER_LIMIT"]


def test_customer_limit_reason_carries_its_figures() -> None:
    s = customer_with_limit(1_000)
    s.order("A", 600)
    held = decision(s.order("A", "400.01"))
    assert isinstance(held, OrderHeld)
    (reason,) = held.reasons
    assert reason.code == "CUSTOMER_LIMIT"
    assert reason.limit == Decimal("1000")
    assert reason.exposure == Decimal("600")
    assert reason.order_amount == Decimal("400.01")
    assert reason.available == Decimal("400")
    assert reason.currency == "EUR"


def test_customer_limit_in_a_zero_decimal_currency() -> None:
    s = Scenario()
    s.company("C1", "JPY")
    s.customer("A", 1_000)
    s.assert_room(1_000, minor="1")


# -- company default -----------------------------------------------------------------------
def test_company_default_limit_applies_when_no_customer_or_group_limit() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=1_000)
    s.customer("A")
    assert is_approved(s.order("A", 1_000))
    assert reasons(s.order("A", "0.01")) == ["COMPANY_LIMIT"]


def test_customer_limit_replaces_the_company_default() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=100)
    s.customer("A", 1_000)
    s.assert_room(1_000)


def test_no_limit_anywhere_means_unlimited() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A")
    assert is_approved(s.order("A", 999_999_999))


# -- group limits by mode ------------------------------------------------------------------
def group_scenario(mode: str, group_limit: int | None, **company: object) -> Scenario:
    s = Scenario()
    s.company("C1", "EUR", **company)
    s.group("G1", group_limit, mode=mode)
    return s


def test_group_limit_equal_passes_one_minor_unit_over_holds() -> None:
    s = group_scenario("group_and_customer", 1_000)
    s.customer("A", group="G1")
    s.customer("B", group="G1")
    assert is_approved(s.order("A", 600))
    assert is_approved(s.order("B", 400))
    assert reasons(s.order("B", "0.01")) == ["GROUP_LIMIT"]


def test_group_mode_ignores_the_members_own_limit() -> None:
    s = group_scenario("group", 1_000)
    s.customer("A", 100, group="G1")
    assert is_approved(s.order("A", 1_000))
    assert reasons(s.order("A", "0.01")) == ["GROUP_LIMIT"]


def test_group_and_customer_mode_checks_both() -> None:
    s = group_scenario("group_and_customer", 1_000)
    s.customer("A", 100, group="G1")
    assert reasons(s.order("A", "100.01")) == ["CUSTOMER_LIMIT"]
    assert reasons(s.order("A", "1000.01")) == ["CUSTOMER_LIMIT", "GROUP_LIMIT"]


def test_customer_mode_has_no_group_check() -> None:
    s = group_scenario("customer", 100)
    s.customer("A", 1_000, group="G1")
    s.assert_room(1_000)


def test_customer_mode_without_own_limit_uses_the_company_default() -> None:
    s = group_scenario("customer", 100, default_credit_limit=500)
    s.customer("A", group="G1")
    assert is_approved(s.order("A", 500))
    assert reasons(s.order("A", "0.01")) == ["COMPANY_LIMIT"]


def test_group_mode_with_blank_group_limit_means_no_restriction_and_no_company_default() -> None:
    s = group_scenario("group", None, default_credit_limit=100)
    s.customer("A", 100, group="G1")
    assert is_approved(s.order("A", 1_000_000))


def test_hierarchy_mode_member_ceiling_equal_passes() -> None:
    s = group_scenario("hierarchy", 1_000)
    s.customer("A", group="G1")
    s.customer("B", group="G1")
    assert is_approved(s.order("A", 1_000))
    assert is_approved(s.order("B", 1_000))  # not a sum
    assert reasons(s.order("B", "0.01")) == ["GROUP_LIMIT"]


def test_company_not_checking_group_limits_treats_every_member_as_customer_mode() -> None:
    s = group_scenario("group", 100, check_group_limits=False)
    s.customer("A", 1_000, group="G1")
    s.assert_room(1_000)
    assert reasons(s.order("A", "1000.01")) == ["CUSTOMER_LIMIT"]


def test_company_not_checking_group_limits_falls_back_to_company_default() -> None:
    s = group_scenario("group", None, check_group_limits=False, default_credit_limit=300)
    s.customer("A", group="G1")
    s.assert_room(300)


# -- tolerance -----------------------------------------------------------------------------
def test_company_tolerance_raises_the_customer_limit() -> None:
    s = Scenario()
    s.company("C1", "EUR", tolerance_pct=10)
    s.customer("A", 1_000)
    assert is_approved(s.order("A", 1_100))
    assert reasons(s.order("A", "0.01")) == ["CUSTOMER_LIMIT"]


def test_warehouse_tolerance_overrides_the_company_tolerance() -> None:
    s = Scenario()
    s.company("C1", "EUR", tolerance_pct=10)
    s.warehouse("W1", "C1", tolerance_pct=20)
    s.customer("A", 1_000)
    s.assert_room(1_200, warehouse_id="W1")
    s.assert_room(1_100)


def test_warehouse_without_tolerance_keeps_the_company_tolerance() -> None:
    s = Scenario()
    s.company("C1", "EUR", tolerance_pct=10)
    s.warehouse("W1", "C1", max_order_amount=1_000_000)
    s.customer("A", 1_000)
    s.assert_room(1_100, warehouse_id="W1")


def test_tolerance_raises_the_group_limit_and_the_company_default() -> None:
    s = Scenario()
    s.company("C1", "EUR", tolerance_pct="12.5", default_credit_limit=400)
    s.group("G1", 800, mode="group")
    s.customer("A", group="G1")
    s.customer("LONE")
    s.assert_room(900)  # 800 × 1.125
    s.assert_room(450, "LONE")  # 400 × 1.125


def test_tolerance_does_not_raise_the_max_order_amount() -> None:
    s = Scenario()
    s.company("C1", "EUR", tolerance_pct=10, max_order_amount=500)
    s.customer("A")
    assert is_approved(s.order("A", 500))
    assert reasons(s.order("A", "500.01")) == ["MAX_ORDER_AMOUNT"]


# -- temporary limit -----------------------------------------------------------------------
TEMPORARY = {
    "temporary_credit_limit": 1_000,
    "temporary_limit_from": "2026-03-05",
    "temporary_limit_to": "2026-03-10",
}


@pytest.mark.parametrize(
    ("day", "approved"),
    [("2026-03-04", False), ("2026-03-05", True), ("2026-03-10", True), ("2026-03-11", False)],
)
def test_temporary_limit_is_valid_from_its_first_through_its_last_day(
    day: str, approved: bool
) -> None:
    s = customer_with_limit(100, **TEMPORARY)
    out = s.order("A", 500, on=day)
    assert is_approved(out) is approved
    if not approved:
        assert reasons(out) == ["CUSTOMER_LIMIT"]


def test_temporary_limit_replaces_even_a_higher_limit() -> None:
    s = customer_with_limit(5_000, **TEMPORARY)
    assert reasons(s.order("A", 2_000, on="2026-03-06")) == ["CUSTOMER_LIMIT"]


@pytest.mark.parametrize("day", ["2000-01-01", "2026-03-10"])
def test_temporary_limit_with_open_start(day: str) -> None:
    s = customer_with_limit(100, temporary_credit_limit=1_000, temporary_limit_to="2026-03-10")
    assert is_approved(s.order("A", 1_000, on=day))


@pytest.mark.parametrize("day", ["2026-03-05", "2099-01-01"])
def test_temporary_limit_with_open_end(day: str) -> None:
    s = customer_with_limit(100, temporary_credit_limit=1_000, temporary_limit_from="2026-03-05")
    assert is_approved(s.order("A", 1_000, on=day))
    assert not is_approved(s.copy().order("A", "0.01", on=day))


def test_temporary_limit_with_both_ends_open_is_always_valid() -> None:
    s = customer_with_limit(100, temporary_credit_limit=1_000)
    s.assert_room(1_000)


# -- insurance and guarantees --------------------------------------------------------------
def test_insurance_and_guarantee_add_to_the_customer_limit() -> None:
    s = customer_with_limit(1_000, insurance_amount=200, guarantee_amount=300)
    assert is_approved(s.order("A", 1_500))
    assert reasons(s.order("A", "0.01")) == ["CUSTOMER_LIMIT"]


def test_insurance_adds_to_a_valid_temporary_limit() -> None:
    s = customer_with_limit(100, insurance_amount=50, **TEMPORARY)
    s.assert_room(1_050, on="2026-03-06")


def test_insurance_and_guarantee_do_not_raise_the_group_limit() -> None:
    s = group_scenario("group_and_customer", 1_000)
    s.customer("A", 1_000, group="G1", insurance_amount=500, guarantee_amount=500)
    assert reasons(s.order("A", 1_200)) == ["GROUP_LIMIT"]
    s.assert_room(1_000)


def test_tolerance_applies_to_the_limit_raised_by_insurance() -> None:
    s = Scenario()
    s.company("C1", "EUR", tolerance_pct=10)
    s.customer("A", 1_000, insurance_amount=1_000)
    s.assert_room(2_200)


# -- expiry --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "expected"),
    [("2026-03-09", []), ("2026-03-10", []), ("2026-03-11", ["CREDIT_LIMIT_EXPIRED"])],
)
def test_customer_limit_is_valid_through_its_expiry_date(day: str, expected: list[str]) -> None:
    s = customer_with_limit(1_000, credit_limit_expires="2026-03-10")
    assert reasons(s.order("A", 100, on=day)) == expected


def test_expired_and_exceeded_customer_limit_gives_both_codes() -> None:
    s = customer_with_limit(1_000, credit_limit_expires="2026-03-10")
    out = s.order("A", "1000.01", on="2026-03-11")
    assert reasons(out) == ["CREDIT_LIMIT_EXPIRED", "CUSTOMER_LIMIT"]


@pytest.mark.parametrize(
    ("day", "expected"),
    [("2026-03-10", []), ("2026-03-11", ["GROUP_LIMIT_EXPIRED"])],
)
def test_group_limit_is_valid_through_its_expiry_date(day: str, expected: list[str]) -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", 1_000, mode="group", expires="2026-03-10")
    s.customer("A", group="G1")
    assert reasons(s.order("A", 100, on=day)) == expected


def test_expired_and_exceeded_group_limit_gives_both_codes() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", 1_000, mode="group", expires="2026-03-10")
    s.customer("A", group="G1")
    out = s.order("A", "1000.01", on="2026-03-11")
    assert reasons(out) == ["GROUP_LIMIT_EXPIRED", "GROUP_LIMIT"]


def test_group_expiry_does_not_hold_when_the_group_check_does_not_apply() -> None:
    s = Scenario()
    s.company("C1", "EUR", check_group_limits=False)
    s.group("G1", 1_000, mode="group", expires="2026-03-10")
    s.customer("A", group="G1")  # no own limit: only the group's could expire
    assert reasons(s.order("A", 100, on="2026-03-11")) == []


def test_joining_a_group_sets_the_members_expiry_to_the_groups() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", 1_000_000, mode="customer", expires="2026-03-10")
    s.customer("A", 1_000, group="G1")  # own limit, no expiry of its own
    assert reasons(s.copy().order("A", 100, on="2026-03-10")) == []
    assert reasons(s.order("A", 100, on="2026-03-11")) == ["CREDIT_LIMIT_EXPIRED"]


def test_joining_a_group_replaces_a_later_own_expiry_with_the_groups() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", 1_000_000, mode="customer", expires="2026-03-10")
    s.customer("A", 1_000)
    s.customer("A", 1_000, group="G1", credit_limit_expires="2027-01-01")  # the join
    assert reasons(s.order("A", 100, on="2026-03-11")) == ["CREDIT_LIMIT_EXPIRED"]


def test_tolerance_raised_limit_is_compared_exactly() -> None:
    s = Scenario()
    s.company("C1", "EUR", tolerance_pct=10)
    s.customer("A", "999.99")  # × 1.1 = 1099.989
    s.assert_room("1099.98")


def test_expired_customer_limit_holds_even_with_a_valid_temporary_limit() -> None:
    s = customer_with_limit(100, credit_limit_expires="2026-03-04", **TEMPORARY)
    assert reasons(s.order("A", 500, on="2026-03-06")) == ["CREDIT_LIMIT_EXPIRED"]


def test_expiry_without_an_own_limit_does_not_hold() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=1_000)
    s.customer("A", credit_limit_expires="2026-02-01")
    assert reasons(s.order("A", 100)) == []


def test_group_mode_after_group_expiry_reports_only_the_group_expiry() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", 1_000, mode="group", expires="2026-03-10")
    s.customer("A", 500, group="G1")  # own limit ignored in group mode
    assert reasons(s.order("A", 100, on="2026-03-11")) == ["GROUP_LIMIT_EXPIRED"]


def test_group_and_customer_mode_after_group_expiry_reports_both_expiries() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", 1_000, mode="group_and_customer", expires="2026-03-10")
    s.customer("A", 500, group="G1")
    out = s.order("A", 100, on="2026-03-11")
    assert reasons(out) == ["CREDIT_LIMIT_EXPIRED", "GROUP_LIMIT_EXPIRED"]


def test_hierarchy_mode_with_blank_group_limit_falls_back_to_the_company_default() -> None:
    s = group_scenario("hierarchy", None, default_credit_limit=300)
    s.customer("A", group="G1")
    s.assert_room(300)


def test_group_and_customer_mode_with_blank_group_limit_checks_only_the_customer() -> None:
    s = group_scenario("group_and_customer", None, default_credit_limit=10)
    s.customer("A", 300, group="G1")
    s.assert_room(300)


def test_temporary_limit_replaces_the_members_own_limit_in_a_group() -> None:
    s = group_scenario("group_and_customer", 10_000)
    s.customer("A", 100, group="G1", **TEMPORARY)
    s.assert_room(1_000, on="2026-03-07")


def test_member_of_a_company_not_checking_group_limits_still_counts_in_the_group() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.company("C2", "EUR", check_group_limits=False)
    s.group("G1", 1_000, mode="group")
    s.customer("A", company_id="C1", group="G1")
    s.customer("B", company_id="C2", group="G1")
    assert is_approved(s.order("B", 5_000, company_id="C2"))  # not group-checked
    assert reasons(s.order("A", 10, company_id="C1")) == ["GROUP_LIMIT"]


def test_company_default_is_in_the_company_currency() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=1_000)
    s.customer("A", currency="USD")
    s.rate("USD", "EUR", "0.5")
    s.assert_room(2_000, minor="0.02")  # USD; 0.01 USD is half a cent


def test_company_default_in_another_currency_without_a_rate() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=1_000)
    s.customer("A", currency="USD")
    assert reasons(s.order("A", 10)) == ["MISSING_EXCHANGE_RATE"]


def test_approval_figures_of_the_binding_check() -> None:
    s = customer_with_limit(1_000)
    s.invoice("A", 300)
    approved = decision(s.order("A", 200))
    assert isinstance(approved, OrderApproved)
    figures = approved.figures
    assert figures.exposure_before == Decimal("300")
    assert figures.exposure_after == Decimal("500")
    assert figures.limit == Decimal("1000")
    assert figures.currency == "EUR"
    assert approved.reasons == ()


def test_outside_its_validity_a_temporary_limit_alone_leaves_the_company_default() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=300)
    s.customer("A", **TEMPORARY)
    s.assert_room(300, on="2026-03-04")
    s.assert_room(1_000, on="2026-03-05")
