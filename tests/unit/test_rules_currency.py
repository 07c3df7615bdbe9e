"""Exchange rates, NO_CREDIT_PROFILE, and several reasons at once in CONTRACT.md's order."""

from __future__ import annotations

import pytest

from service.domain.outputs import REASON_CODES
from tests.unit.rules_dsl import Scenario, is_approved, reasons


def usd_group(*, limit: int = 1_000, mode: str = "group") -> Scenario:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", limit, mode=mode, currency="USD")
    s.customer("A", group="G1")
    return s


def test_group_in_another_currency_without_a_rate_holds_missing_exchange_rate() -> None:
    s = usd_group()
    assert reasons(s.order("A", 10)) == ["MISSING_EXCHANGE_RATE"]


def test_missing_rate_is_never_a_silent_one_to_one() -> None:
    s = usd_group(limit=1_000_000)
    assert not is_approved(s.order("A", 1))


def test_direct_rate_converts_member_amounts_into_the_group_currency() -> None:
    s = usd_group()
    s.rate("EUR", "USD", 2)
    assert is_approved(s.order("A", 300))  # 600 USD
    s.assert_room(200)  # 400 USD left = 200 EUR
    assert reasons(s.order("A", "200.01")) == ["GROUP_LIMIT"]


def test_only_the_reverse_pair_uses_its_inverse() -> None:
    s = usd_group()
    s.rate("USD", "EUR", "0.5")
    s.assert_room(500)


def test_rate_in_force_at_the_event_time_is_used() -> None:
    s = usd_group()
    s.rate("EUR", "USD", 2, valid_from="2026-03-01")
    s.rate("EUR", "USD", 1, valid_from="2026-03-10")  # known now, in force later
    s.assert_room(500, on="2026-03-09")
    s.assert_room(1_000, on="2026-03-10")


def test_a_later_rate_is_not_used_before_its_valid_from() -> None:
    s = usd_group()
    s.rate("EUR", "USD", 2, valid_from="2026-03-10")
    assert reasons(s.order("A", 10, on="2026-03-09")) == ["MISSING_EXCHANGE_RATE"]
    assert is_approved(s.order("A", 10, on="2026-03-10"))


def test_exposure_is_converted_at_the_deciding_events_rate() -> None:
    s = usd_group()
    s.rate("EUR", "USD", 2, valid_from="2026-03-01")
    s.rate("EUR", "USD", 1, valid_from="2026-03-10")
    s.invoice("A", 400)  # 800 USD at the first rate, 400 USD at the second
    s.assert_room(100, on="2026-03-05")
    s.assert_room(600, on="2026-03-10")


def test_members_in_two_currencies_sum_in_the_group_currency() -> None:
    s = usd_group()
    s.company("C2", "GBP")
    s.customer("B", company_id="C2", group="G1")
    s.rate("EUR", "USD", 2)
    s.rate("GBP", "USD", 4)
    s.invoice("A", 100)  # 200 USD
    s.invoice("B", 100, company_id="C2")  # 400 USD
    s.assert_room(200)  # 400 USD left
    s.assert_room(100, "B", company_id="C2")


def test_invoice_in_another_currency_is_converted_at_its_own_time() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A", 1_000)
    s.rate("USD", "EUR", "0.5", valid_from="2026-03-01")
    s.invoice("A", 400, currency="USD")  # 200 EUR
    s.rate("USD", "EUR", 1, valid_from="2026-03-05")
    s.assert_room(800, on="2026-03-06")


def test_order_in_another_currency_than_the_account() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A", 1_000)
    s.rate("USD", "EUR", "0.5")
    assert is_approved(s.order("A", 1_000, currency="USD"))  # 500 EUR
    s.assert_room(500)


# -- no credit profile ---------------------------------------------------------------------
def test_order_without_a_customer_record_is_held_no_credit_profile() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    assert reasons(s.order("NOBODY", 10, currency="EUR")) == ["NO_CREDIT_PROFILE"]


def test_no_credit_profile_still_runs_the_max_order_amount() -> None:
    s = Scenario()
    s.company("C1", "EUR", max_order_amount=500)
    out = s.order("NOBODY", "500.01", currency="EUR")
    assert reasons(out) == ["MAX_ORDER_AMOUNT", "NO_CREDIT_PROFILE"]


def test_no_credit_profile_for_an_unknown_company_too() -> None:
    s = Scenario()
    assert reasons(s.order("NOBODY", 10, company_id="NOWHERE", currency="EUR")) == [
        "NO_CREDIT_PROFILE"
    ]


# -- several reasons -----------------------------------------------------------------------
def test_several_reasons_are_all_listed_in_the_contract_order() -> None:
    s = Scenario()
    s.company("C1", "EUR", max_order_amount=500)
    s.group("G1", 1_000, mode="group_and_customer", expires="2026-03-01", allowed_overdue_amount=0)
    s.customer(
        "A", 100, group="G1",
        sales_order_status="yes",
        credit_limit_expires="2026-03-01",
        hold_period=1,
        allowed_overdue_amount=0,
    )  # fmt: skip
    s.group(
        "G1", 1_000, mode="group_and_customer", expires="2026-03-01",
        sales_order_status="hold_until", sales_order_status_date="2026-04-01",
        allowed_overdue_amount=0,
    )  # fmt: skip
    s.invoice("A", 50, due_date="2026-03-01")

    out = s.order("A", 2_000, on="2026-03-05")

    expected = [
        "HOLD_UNTIL",
        "MAX_ORDER_AMOUNT",
        "HOLD_PERIOD",
        "OVERDUE_LIMIT",
        "GROUP_OVERDUE_LIMIT",
        "CREDIT_LIMIT_EXPIRED",
        "GROUP_LIMIT_EXPIRED",
        "CUSTOMER_LIMIT",
        "GROUP_LIMIT",
    ]
    assert reasons(out) == expected
    assert expected == sorted(expected, key=REASON_CODES.index)


def test_missing_rate_comes_after_the_other_reasons() -> None:
    s = Scenario()
    s.company("C1", "EUR", max_order_amount=5)
    s.group("G1", 1_000, mode="group_and_customer", currency="USD")
    s.customer("A", 5, group="G1")
    assert reasons(s.order("A", 10)) == [
        "MAX_ORDER_AMOUNT",
        "CUSTOMER_LIMIT",
        "MISSING_EXCHANGE_RATE",
    ]


def test_hierarchy_ceiling_in_another_currency_uses_the_members_own_exposure() -> None:
    s = usd_group(mode="hierarchy")
    s.customer("B", group="G1")
    s.rate("EUR", "USD", 2)
    s.invoice("B", 400)
    s.assert_room(500)
    s.invoice("A", 100)
    s.assert_room(400)


@pytest.mark.parametrize("payment_type", ["cash", "cod"])
def test_cash_and_cod_orders_in_another_currency_need_no_rate(payment_type: str) -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A", 1_000, cod_terms=payment_type == "cod")
    assert reasons(s.order("A", 10, currency="USD", payment_type=payment_type)) == []


def test_newest_rate_record_wins_for_the_same_valid_from() -> None:
    s = usd_group()
    s.rate("EUR", "USD", 2, valid_from="2026-03-01", on="2026-03-02")
    s.rate("EUR", "USD", 4, valid_from="2026-03-01", on="2026-03-01")  # older record, late
    s.assert_room(500, on="2026-03-03")
