"""Group membership and versioned reference data."""

from __future__ import annotations

from tests.unit.rules_dsl import Scenario, is_approved, notification_kinds, reasons


def two_groups() -> Scenario:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", 1_000, mode="group")
    s.group("G2", 1_000, mode="group")
    s.customer("A", group="G1")
    s.customer("B", group="G1")
    s.customer("C", group="G2")
    return s


def test_moving_an_account_to_another_group_carries_its_exposure() -> None:
    s = two_groups()
    s.invoice("A", 400)
    s.order("A", 200)
    s.assert_room(400, "B")
    s.assert_room(1_000, "C")

    s.customer("A", group="G2")

    s.assert_room(1_000, "B")  # G1's available goes up
    s.assert_room(400, "C")  # G2's goes down
    s.assert_room(400, "A")


def test_leaving_a_group_takes_the_exposure_out() -> None:
    s = two_groups()
    s.invoice("A", 600)
    s.customer("A")
    s.assert_room(1_000, "B")


def test_payment_after_a_move_reduces_the_new_groups_exposure() -> None:
    s = two_groups()
    s.invoice("A", 600)
    s.customer("A", group="G2")
    s.payment("A", 100)
    s.assert_room(500, "C")
    s.assert_room(1_000, "B")


def test_customer_whose_group_is_not_yet_known_gets_no_group_checks_until_it_is() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A", 1_000, group="LATE")
    assert is_approved(s.order("A", 1_000))  # own limit only

    s.group("LATE", 500, mode="group_and_customer")

    assert reasons(s.copy().order("A", "0.01")) == ["CUSTOMER_LIMIT", "GROUP_LIMIT"]
    s.customer("B", 5_000, group="LATE")
    assert reasons(s.order("B", 10)) == ["GROUP_LIMIT"]  # A's 1,000 counts in the group


def test_unknown_group_sales_status_does_not_apply_until_known() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A", group="LATE")
    assert is_approved(s.order("A", 10))
    s.group("LATE", None, mode="customer", sales_order_status="no")
    assert reasons(s.order("A", 10)) == ["SALES_BLOCKED"]


def test_same_customer_id_in_two_companies_is_two_accounts_in_one_group() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.company("C2", "EUR")
    s.group("G1", 1_000, mode="group")
    s.customer("A", company_id="C1", group="G1")
    s.customer("A", company_id="C2", group="G1")
    s.invoice("A", 300, company_id="C1")
    s.invoice("A", 200, company_id="C2")
    s.assert_room(500, company_id="C1")
    s.assert_room(500, company_id="C2")


# -- versioned reference data --------------------------------------------------------------
def test_newest_reference_record_wins_over_an_older_one_arriving_later() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A", 1_000, on="2026-03-01")
    s.customer("A", 100, on="2026-02-01")  # older: ignored
    s.assert_room(1_000)


def test_with_equal_times_the_later_input_wins() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A", 100)
    s.customer("A", 1_000)
    s.assert_room(1_000)


def test_upsert_replaces_the_whole_record() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A", 100, sales_order_status="no")
    s.customer("A", 100)
    assert is_approved(s.order("A", 100))


def test_repeated_reference_event_id_changes_nothing() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    first = s.build(
        "customer_upserted", company_id="C1", customer_id="A", currency="EUR", credit_limit="100"
    )
    s.send(first)
    s.customer("A", 1_000)  # same occurred_at, later input
    assert s.send(first) == []  # a redelivery of the first: not a newer input
    s.assert_room(1_000)


def test_company_upsert_newest_wins() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=1_000, on="2026-03-01")
    s.company("C1", "EUR", default_credit_limit=10, on="2026-01-01")
    s.customer("A")
    s.assert_room(1_000)


def test_a_group_arriving_late_sets_the_members_expiry_at_the_join() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A", 1_000, group="LATE")
    s.group("LATE", None, mode="customer", expires="2026-03-10")
    assert reasons(s.order("A", 10, on="2026-03-11")) == ["CREDIT_LIMIT_EXPIRED"]


def test_a_group_arriving_late_proposes_the_same_account_elsewhere() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.company("C2", "EUR")
    s.customer("A", company_id="C2")
    s.customer("A", company_id="C1", group="LATE")
    out = s.group("LATE", None, mode="customer")
    assert notification_kinds(out) == ["SAME_ACCOUNT_OTHER_COMPANIES"]


def test_exposure_follows_the_account_through_moves_invoices_and_payments() -> None:
    s = two_groups()
    s.order("A", 600, order_id="O1")
    s.customer("A", group="G2")
    s.invoice("A", 600, order_id="O1")
    s.assert_room(1_000, "B")
    s.assert_room(400, "C")
    s.payment("A", 600)
    s.assert_room(1_000, "C")
    s.customer("A", group="G1")
    s.order("A", 300)
    s.assert_room(700, "B")
    s.assert_room(1_000, "C")


def test_rejoining_a_group_sets_the_expiry_again() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", None, mode="customer", expires="2026-03-10")
    s.customer("A", 1_000, group="G1")
    s.customer("A", 1_000, credit_limit_expires="2099-01-01")  # leaves the group
    assert reasons(s.copy().order("A", 10, on="2026-03-11")) == []
    s.customer("A", 1_000, group="G1", credit_limit_expires="2099-01-01")  # joins again
    assert reasons(s.order("A", 10, on="2026-03-11")) == ["CREDIT_LIMIT_EXPIRED"]


def test_group_changing_currency_converts_its_members_exposure() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", 1_000, mode="group")
    s.customer("A", group="G1")
    s.invoice("A", 100)
    s.rate("EUR", "USD", 2)
    s.group("G1", 1_000, mode="group", currency="USD")
    s.assert_room(400)


def test_older_group_record_is_ignored() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", 1_000, mode="group", on="2026-03-01")
    s.customer("A", group="G1")
    s.group("G1", 10, mode="group", on="2026-02-01")
    s.assert_room(1_000)


def test_receivables_posted_before_the_customer_record_count_in_its_currency() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.rate("USD", "EUR", "0.5")
    s.invoice("A", 100, currency="USD")
    s.customer("A", 1_000, currency="USD")
    s.assert_room(900)
