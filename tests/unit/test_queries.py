"""What people ask of the ledger: release inquiry, manager audit, aged balances, exposure.

Every test feeds contract-shaped events to one real engine (``Scenario``) and asks the pure
queries of ``service.domain.queries`` about the state it reached.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from service.domain.queries import (
    AgedBalance,
    AuditFinding,
    CreditPosition,
    account_position,
    aged_balances,
    group_position,
    held_orders,
    manager_audit,
)
from tests.unit.rules_dsl import DAY, Scenario, is_approved, is_held

TODAY = date.fromisoformat(DAY)  # 2026-03-01


def D(value: str) -> Decimal:
    return Decimal(value)


def orders_of(entries: list[object]) -> list[str]:
    return [entry.order_id for entry in entries]  # type: ignore[attr-defined]


# -- release inquiry (SX.e Sales Credit Release Inquiry) -----------------------------------
def inquiry_scenario() -> Scenario:
    """Holds of three accounts: C1:A and C2:A under mgr1, C1:B under mgr2."""
    s = Scenario()
    s.company("C1", "EUR")
    s.company("C2", "EUR")
    s.customer("A", 100, credit_manager="mgr1")
    s.customer("B", 100, credit_manager="mgr2")
    s.customer("A", 100, company_id="C2", credit_manager="mgr1")
    assert is_held(s.order("A", 500, order_id="A1"))
    assert is_held(s.order("B", 500, order_id="B1"))
    assert is_held(s.order("A", 500, company_id="C2", order_id="A2"))
    assert is_approved(s.order("B", 50, order_id="B-ok"))  # approved: never in the hold list
    return s


def test_inquiry_by_manager_lists_every_hold_recorded_with_that_manager() -> None:
    s = inquiry_scenario()
    mine = held_orders(s.engine, manager="mgr1")
    assert [(e.company_id, e.customer_id, e.order_id) for e in mine] == [
        ("C1", "A", "A1"),
        ("C2", "A", "A2"),
    ]
    assert {e.credit_manager for e in mine} == {"mgr1"}
    assert orders_of(held_orders(s.engine, manager="mgr2")) == ["B1"]
    assert held_orders(s.engine, manager="nobody") == []


def test_inquiry_entry_carries_the_order_and_why_it_was_held() -> None:
    s = inquiry_scenario()
    (entry,) = held_orders(s.engine, manager="mgr2")
    assert (entry.amount, entry.currency) == (D("500"), "EUR")
    assert entry.reason_codes == ("CUSTOMER_LIMIT",)
    assert entry.held_at.date() == TODAY


def test_inquiry_by_customer_lists_its_holds_whoever_the_manager() -> None:
    s = inquiry_scenario()
    assert orders_of(held_orders(s.engine, customer_id="B")) == ["B1"]
    # a manager given with a customer does not narrow the list (SX.e)
    assert orders_of(held_orders(s.engine, manager="mgr1", customer_id="B")) == ["B1"]
    assert orders_of(held_orders(s.engine, manager="nobody", customer_id="A")) == ["A1", "A2"]
    # the same customer_id in two companies: narrowed by company when one is named
    assert orders_of(held_orders(s.engine, customer_id="A", company_id="C2")) == ["A2"]
    assert held_orders(s.engine, customer_id="B", company_id="C2") == []
    assert held_orders(s.engine, customer_id="Z") == []


def test_inquiry_with_neither_lists_every_hold() -> None:
    s = inquiry_scenario()
    # by account (company, customer), then by order id
    assert orders_of(held_orders(s.engine)) == ["A1", "B1", "A2"]


def test_a_hold_records_the_manager_in_charge_when_it_was_held() -> None:
    s = inquiry_scenario()
    s.customer("A", 100, credit_manager="mgr3", on="2026-03-02")  # A changes manager
    assert is_held(s.order("A", 500, order_id="A3", on="2026-03-02"))
    by_customer = held_orders(s.engine, customer_id="A", company_id="C1")
    assert [(e.order_id, e.credit_manager) for e in by_customer] == [
        ("A1", "mgr1"),  # keeps the old manager
        ("A3", "mgr3"),
    ]
    assert orders_of(held_orders(s.engine, manager="mgr1")) == ["A1", "A2"]
    assert orders_of(held_orders(s.engine, manager="mgr3")) == ["A3"]


def test_a_hold_without_a_customer_manager_records_none() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A", 100)
    s.order("A", 500, order_id="O1")
    (entry,) = held_orders(s.engine, customer_id="A")
    assert entry.credit_manager is None
    assert held_orders(s.engine, manager="mgr1") == []


def test_released_rejected_and_cancelled_holds_leave_the_inquiry() -> None:
    s = inquiry_scenario()
    s.release("A1", "A")
    s.reject("B1", "B")
    assert orders_of(held_orders(s.engine)) == ["A2"]
    s.cancel("A2", "A", company_id="C2")
    assert held_orders(s.engine) == []


# -- manager audit (SX.e Sales Order Audit Report) -----------------------------------------
def test_audit_lists_holds_whose_manager_is_no_longer_the_customers() -> None:
    s = inquiry_scenario()
    assert manager_audit(s.engine) == []
    s.customer("A", 100, credit_manager="mgr3", on="2026-03-02")
    assert manager_audit(s.engine) == [AuditFinding("C1", "A", "A1", "mgr1", "mgr3")]
    # a report run changes nothing
    assert manager_audit(s.engine) == [AuditFinding("C1", "A", "A1", "mgr1", "mgr3")]
    assert orders_of(held_orders(s.engine, manager="mgr1")) == ["A1", "A2"]


def test_audit_update_rewrites_the_holds_to_the_current_manager() -> None:
    s = inquiry_scenario()
    s.customer("A", 100, credit_manager="mgr3", on="2026-03-02")
    s.customer("B", 100, on="2026-03-02")  # B loses its manager
    expected = [
        AuditFinding("C1", "A", "A1", "mgr1", "mgr3"),
        AuditFinding("C1", "B", "B1", "mgr2", None),
    ]
    assert manager_audit(s.engine, update=True) == expected
    assert manager_audit(s.engine) == []
    assert manager_audit(s.engine, update=True) == []
    assert orders_of(held_orders(s.engine, manager="mgr3")) == ["A1"]
    assert orders_of(held_orders(s.engine, manager="mgr1")) == ["A2"]
    assert held_orders(s.engine, manager="mgr2") == []
    (b1,) = held_orders(s.engine, customer_id="B")
    assert b1.credit_manager is None


def test_a_released_hold_is_not_audited() -> None:
    s = inquiry_scenario()
    s.customer("A", 100, credit_manager="mgr3", on="2026-03-02")
    s.release("A1", "A", on="2026-03-02")
    assert manager_audit(s.engine) == []


# -- aged balances per group (D365) --------------------------------------------------------
def aged_scenario(*, with_rate: bool = True) -> Scenario:
    """G1 (EUR): C1:A and C1:B in EUR (default periods 30/60/90/120), C2:A in USD (10/20/30/40)."""
    s = Scenario()
    s.company("C1", "EUR")
    s.company("C2", "USD", aging_period_days=[10, 20, 30, 40])
    s.group("G1", 1_000_000, currency="EUR")
    s.customer("A", 1_000_000, group="G1")
    s.customer("B", 1_000_000, group="G1")
    s.customer("A", 1_000_000, company_id="C2", group="G1")
    s.customer("X", 1_000_000)  # not a member
    if with_rate:
        s.rate("USD", "EUR", "0.5")
    due = {
        "2026-03-06": "1",  # not yet due → period 1
        "2026-03-01": "2",  # due today → period 1
        "2026-01-30": "4",  # 30 days → period 1 (bounds are inclusive)
        "2026-01-29": "8",  # 31 days → period 2
        "2025-12-31": "16",  # 60 days → period 2
        "2025-12-30": "32",  # 61 days → period 3
        "2025-11-01": "64",  # 120 days → period 4
        "2025-10-31": "128",  # 121 days → period 5
    }
    for due_date, amount in due.items():
        s.invoice("A", amount, due_date=due_date, invoice_date="2025-10-01")
    # B: a partially paid invoice counts its open amount; a fully paid one nothing
    s.invoice("B", "100", invoice_id="B-INV1", due_date="2026-01-15")  # 45 days → period 2
    s.payment("B", "30.50", invoice_ids=["B-INV1"])
    s.invoice("B", "40", invoice_id="B-INV2", due_date="2026-02-20")
    s.payment("B", "40", invoice_ids=["B-INV2"])
    # C2:A in USD, company bounds 10/20/30/40
    for due_date, amount in {
        "2026-02-19": "10",  # 10 days → period 1
        "2026-02-18": "20",  # 11 days → period 2
        "2026-01-30": "30",  # 30 days → period 3
        "2026-01-20": "40",  # 40 days → period 4
        "2026-01-19": "50.01",  # 41 days → period 5
    }.items():
        s.invoice("A", amount, company_id="C2", due_date=due_date)
    s.invoice("X", "999", due_date="2025-01-01")
    return s


def test_aged_balances_per_member_by_period() -> None:
    aged = aged_balances(aged_scenario().engine, "G1", TODAY)
    assert aged is not None
    assert aged.group_id == "G1" and aged.currency == "EUR"
    assert aged.members == (
        AgedBalance("C1", "A", "EUR", (D("7.00"), D("24.00"), D("32.00"), D("64.00"), D("128.00"))),
        AgedBalance("C1", "B", "EUR", (D("0.00"), D("69.50"), D("0.00"), D("0.00"), D("0.00"))),
        AgedBalance("C2", "A", "USD", (D("10.00"), D("20.00"), D("30.00"), D("40.00"), D("50.01"))),
    )


def test_aged_group_total_is_in_the_group_currency() -> None:
    aged = aged_balances(aged_scenario().engine, "G1", TODAY)
    assert aged is not None
    # EUR members + USD member × 0.5 (25.005 rounds half-even to 25.00)
    assert aged.total == (D("12.00"), D("103.50"), D("47.00"), D("84.00"), D("153.00"))


def test_aged_balances_move_with_the_day_asked_about() -> None:
    aged = aged_balances(aged_scenario().engine, "G1", date(2026, 3, 31))  # 30 days later
    assert aged is not None
    a = aged.members[0]
    # 1 and 2 ≤ 30 days (p1); 4 → 60 days (p2); 8 → 61 and 16 → 90 (p3); 32 → 91 (p4);
    # 64 → 150 and 128 → 151 (p5)
    assert a.periods == (D("3.00"), D("4.00"), D("24.00"), D("32.00"), D("192.00"))


def test_aged_total_is_none_when_a_members_rate_is_missing() -> None:
    aged = aged_balances(aged_scenario(with_rate=False).engine, "G1", TODAY)
    assert aged is not None
    assert len(aged.members) == 3  # the members are still listed, each in its own currency
    assert aged.members[2].periods[4] == D("50.01")
    assert aged.total is None


def test_aged_balances_of_an_unknown_group_is_none() -> None:
    assert aged_balances(aged_scenario().engine, "NOPE", TODAY) is None


def test_a_left_member_is_not_aged_with_the_group() -> None:
    s = aged_scenario()
    s.customer("B", 1_000_000)  # leaves G1
    aged = aged_balances(s.engine, "G1", TODAY)
    assert aged is not None
    assert [(m.company_id, m.customer_id) for m in aged.members] == [("C1", "A"), ("C2", "A")]
    assert aged.total == (D("12.00"), D("34.00"), D("47.00"), D("84.00"), D("153.00"))


# -- exposure and available credit of an account -------------------------------------------
def test_account_exposure_is_receivables_plus_approved_open_orders() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=5_000)
    s.customer("A", 1_000)
    s.invoice("A", 300)
    assert is_approved(s.order("A", 200, order_id="O1"))
    assert is_held(s.order("A", 900, order_id="O2"))  # held: not exposure
    assert is_approved(s.order("A", 900, payment_type="cash"))  # cash extends no credit
    assert account_position(s.engine, ("C1", "A"), TODAY) == CreditPosition(
        "EUR", D("500.00"), D("1000.00"), D("500.00")
    )
    s.release("O2", "A")  # released: now exposure
    assert account_position(s.engine, ("C1", "A"), TODAY) == CreditPosition(
        "EUR", D("1400.00"), D("1000.00"), D("-400.00")
    )
    s.cancel("O1", "A")
    s.payment("A", 1_000)  # overpays the 300 invoice: a credit balance
    assert account_position(s.engine, ("C1", "A"), TODAY) == CreditPosition(
        "EUR", D("200.00"), D("1000.00"), D("800.00")
    )


def test_account_position_agrees_with_the_decision() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A", "1000.00")
    s.invoice("A", "123.45")
    s.order("A", "76.55")
    position = account_position(s.engine, ("C1", "A"), TODAY)
    assert position.available == D("800.00")
    s.assert_room(position.available)


def test_temporary_limit_while_valid_plus_insurance_and_guarantee() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=5_000)
    s.customer(
        "A", 1_000, temporary_credit_limit=2_000, temporary_limit_from="2026-02-28",
        temporary_limit_to="2026-03-02", insurance_amount=100, guarantee_amount=50,
    )  # fmt: skip
    s.invoice("A", 150)
    during = account_position(s.engine, ("C1", "A"), date(2026, 3, 2))
    assert during == CreditPosition("EUR", D("150.00"), D("2150.00"), D("2000.00"))
    after = account_position(s.engine, ("C1", "A"), date(2026, 3, 3))
    assert after == CreditPosition("EUR", D("150.00"), D("1150.00"), D("1000.00"))
    before = account_position(s.engine, ("C1", "A"), date(2026, 2, 27))
    assert before.limit == D("1150.00")


def test_no_own_limit_falls_back_to_the_company_default_in_company_currency() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=5_000)
    s.customer("A", None, currency="USD")
    s.rate("USD", "EUR", "0.5")
    s.invoice("A", 1_000)  # USD
    assert account_position(s.engine, ("C1", "A"), TODAY) == CreditPosition(
        "EUR", D("500.00"), D("5000.00"), D("4500.00")
    )


def test_a_missing_rate_is_an_error_not_an_unlimited_account() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=5_000)
    s.customer("A", None, currency="USD")
    s.invoice("A", 1_000)
    with pytest.raises(LookupError, match="USD->EUR"):
        account_position(s.engine, ("C1", "A"), TODAY)


def test_no_limit_anywhere_means_no_limit() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A")
    s.invoice("A", 250)
    assert account_position(s.engine, ("C1", "A"), TODAY) == CreditPosition(
        "EUR", D("250.00"), None, None
    )


def test_an_account_with_no_activity_has_no_exposure() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=5_000)
    assert account_position(s.engine, ("C1", "NEW"), TODAY) == CreditPosition(
        "EUR", D("0.00"), D("5000.00"), D("5000.00")
    )


def test_open_orders_are_not_exposure_when_the_company_says_so() -> None:
    s = Scenario()
    s.company("C1", "EUR", include_open_orders=False)
    s.customer("A", 1_000)
    s.invoice("A", 300)
    s.order("A", 200)
    assert account_position(s.engine, ("C1", "A"), TODAY).exposure == D("300.00")


def test_the_limit_is_in_the_customers_currency_even_if_the_book_is_older() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.rate("EUR", "USD", "2")
    s.invoice("A", 100)  # no profile yet: the book opens in the company's EUR
    s.customer("A", 1_000, currency="USD")
    position = account_position(s.engine, ("C1", "A"), TODAY)
    assert position == CreditPosition("USD", D("200.00"), D("1000.00"), D("800.00"))
    s.assert_room(position.available)


# -- exposure and available credit of a group ----------------------------------------------
def group_scenario(*, c2_open_orders: bool = True) -> Scenario:
    s = Scenario()
    s.company("C1", "EUR")
    s.company("C2", "USD", include_open_orders=c2_open_orders)
    s.rate("USD", "EUR", "0.5")
    s.group("G1", 10_000, currency="EUR")
    s.customer("A", 2_000, group="G1")
    s.customer("B", None, company_id="C2", group="G1")
    s.invoice("A", 1_000)
    assert is_approved(s.order("A", 500, order_id="A-open"))
    assert is_held(s.order("A", 5_000, order_id="A-held"))  # over A's own limit
    s.invoice("B", 2_000, company_id="C2")  # 1,000 EUR
    assert is_approved(s.order("B", 600, company_id="C2", order_id="B-open"))  # 300 EUR
    return s


def test_group_exposure_sums_the_members_in_the_group_currency() -> None:
    s = group_scenario()
    assert group_position(s.engine, "G1", TODAY) == CreditPosition(
        "EUR", D("2800.00"), D("10000.00"), D("7200.00")
    )
    s.release("A-held", "A")  # a released hold is exposure
    assert group_position(s.engine, "G1", TODAY) == CreditPosition(
        "EUR", D("7800.00"), D("10000.00"), D("2200.00")
    )
    s.cancel("A-open", "A")
    assert group_position(s.engine, "G1", TODAY).exposure == D("7300.00")  # type: ignore[union-attr]


def test_group_exposure_leaves_out_open_orders_where_the_company_says_so() -> None:
    s = group_scenario(c2_open_orders=False)
    position = group_position(s.engine, "G1", TODAY)
    assert position == CreditPosition("EUR", D("2500.00"), D("10000.00"), D("7500.00"))


def test_group_position_of_a_non_member_and_a_leaver() -> None:
    s = group_scenario()
    s.customer("B", None, company_id="C2")  # B leaves G1 with its 1,300 EUR
    assert group_position(s.engine, "G1", TODAY) == CreditPosition(
        "EUR", D("1500.00"), D("10000.00"), D("8500.00")
    )


def test_group_without_limit_and_unknown_group() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", None)
    s.customer("A", None, group="G1")
    s.invoice("A", 40)
    assert group_position(s.engine, "G1", TODAY) == CreditPosition("EUR", D("40.00"), None, None)
    assert group_position(s.engine, "NOPE", TODAY) is None


def test_group_position_without_a_rate_is_an_error() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.company("C2", "USD")
    s.group("G1", 1_000)
    s.customer("B", None, company_id="C2", group="G1")
    s.invoice("B", 10, company_id="C2")
    with pytest.raises(LookupError, match="USD->EUR"):
        group_position(s.engine, "G1", TODAY)


def test_group_available_credit_is_what_the_group_check_allows() -> None:
    """Members of two companies in one foreign currency are summed, then converted once,
    exactly as the group check converts them: 0.01 + 0.01 USD at 0.5 is 0.01 EUR, not 0."""
    s = Scenario()
    s.company("C1", "EUR")
    s.company("C2", "USD")
    s.company("C3", "USD")
    s.rate("USD", "EUR", "0.5")
    s.group("G1", 100, mode="group")
    s.customer("A", None, group="G1")
    s.customer("B", None, company_id="C2", group="G1")
    s.customer("B", None, company_id="C3", group="G1")
    s.invoice("B", "0.01", company_id="C2")
    s.invoice("B", "0.01", company_id="C3")
    position = group_position(s.engine, "G1", TODAY)
    assert position == CreditPosition("EUR", D("0.01"), D("100.00"), D("99.99"))
    s.assert_room(position.available)
