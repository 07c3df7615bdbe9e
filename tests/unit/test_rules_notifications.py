"""Notifications: kinds, recipients, once-only review, conflicts, and output ids."""

from __future__ import annotations

from service.domain.outputs import CreditNotification, OrderHeld
from tests.unit.rules_dsl import (
    Scenario,
    decision,
    is_approved,
    notification_kinds,
    notifications,
    persons,
    recipients,
)


def managed(
    customer_manager: str | None = "cm", group_manager: str | None = "gm", **customer: object
) -> Scenario:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", 1_000, mode="group_and_customer", credit_manager=group_manager)
    s.customer(
        "A", 100, group="G1", credit_manager=customer_manager, credit_analyst="an", **customer
    )
    return s


# -- holds ---------------------------------------------------------------------------------
def test_order_on_hold_goes_to_both_managers_and_the_analyst() -> None:
    s = managed()
    out = s.order("A", 500)
    (on_hold,) = notifications(out, "ORDER_ON_HOLD")
    assert recipients(on_hold) == {
        ("credit_manager", "cm"),
        ("group_credit_manager", "gm"),
        ("credit_analyst", "an"),
    }
    assert on_hold.order_id == s.last_order_id
    assert (on_hold.company_id, on_hold.customer_id, on_hold.group_id) == ("C1", "A", "G1")


def test_same_manager_for_customer_and_group_is_one_entry() -> None:
    s = managed("mo", "mo")
    (on_hold,) = notifications(s.order("A", 500), "ORDER_ON_HOLD")
    assert sorted(persons(on_hold)) == ["an", "mo"]


def test_the_operator_who_entered_the_order_is_never_notified_as_manager() -> None:
    s = managed()
    (on_hold,) = notifications(s.order("A", 500, entered_by="cm"), "ORDER_ON_HOLD")
    assert recipients(on_hold) == {("group_credit_manager", "gm"), ("credit_analyst", "an")}


def test_held_event_names_both_managers() -> None:
    s = managed()
    held = decision(s.order("A", 500, entered_by="cm"))
    assert isinstance(held, OrderHeld)
    assert sorted(held.credit_managers) == ["cm", "gm"]


def test_limit_hold_notifies_the_analyst_of_credit_limit_exceeded() -> None:
    s = managed()
    out = s.order("A", 500)
    assert notification_kinds(out) == ["ORDER_ON_HOLD", "CREDIT_LIMIT_EXCEEDED"]
    (exceeded,) = notifications(out, "CREDIT_LIMIT_EXCEEDED")
    assert recipients(exceeded) == {("credit_analyst", "an")}


def test_company_limit_hold_also_notifies_credit_limit_exceeded() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=10)
    s.customer("A", credit_analyst="an")
    assert notification_kinds(s.order("A", 50)) == ["ORDER_ON_HOLD", "CREDIT_LIMIT_EXCEEDED"]


def test_overdue_hold_notifies_the_analyst_of_overdue_exceeded() -> None:
    s = managed(allowed_overdue_amount=0)
    s.invoice("A", 10, due_date="2026-03-01")
    out = s.order("A", 10, on="2026-03-05")
    assert notification_kinds(out) == ["ORDER_ON_HOLD", "OVERDUE_EXCEEDED"]
    (overdue,) = notifications(out, "OVERDUE_EXCEEDED")
    assert recipients(overdue) == {("credit_analyst", "an")}


def test_group_overdue_hold_notifies_overdue_exceeded() -> None:
    s = managed()
    s.group("G1", 1_000, mode="group_and_customer", credit_manager="gm", allowed_overdue_amount=0)
    s.customer("B", group="G1")
    s.invoice("B", 10, due_date="2026-03-01")
    out = s.order("A", 10, on="2026-03-05")
    assert "OVERDUE_EXCEEDED" in notification_kinds(out)


def test_other_holds_only_notify_order_on_hold() -> None:
    s = managed(sales_order_status="no")
    assert notification_kinds(s.order("A", 10)) == ["ORDER_ON_HOLD"]


def test_approvals_notify_nobody() -> None:
    s = managed()
    out = s.order("A", 10)
    assert is_approved(out)
    assert out[1:] == []


def test_notification_without_recipients_is_still_published_with_an_empty_list() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A", 10)
    out = s.order("A", 50)
    (on_hold,) = notifications(out, "ORDER_ON_HOLD")
    assert on_hold.recipients == ()
    (exceeded,) = notifications(out, "CREDIT_LIMIT_EXCEEDED")
    assert exceeded.recipients == ()


def test_no_credit_profile_hold_is_published_with_no_recipients() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    out = s.order("NOBODY", 10, currency="EUR")
    (on_hold,) = notifications(out, "ORDER_ON_HOLD")
    assert on_hold.recipients == ()


def test_decision_comes_first_then_notifications() -> None:
    s = managed(next_review="2026-03-01")
    out = s.order("A", 500)
    assert out[0].event_type == "order_held"
    assert all(isinstance(o, CreditNotification) for o in out[1:])
    assert set(notification_kinds(out)) == {
        "ORDER_ON_HOLD",
        "CREDIT_LIMIT_EXCEEDED",
        "REVIEW_DUE",
    }


# -- output ids ----------------------------------------------------------------------------
def _held_outputs() -> list[str]:
    s = managed()
    return [o.event_id for o in s.order("A", 500, event_id="in-42", order_id="O1")]


def test_output_ids_derive_from_the_input_id() -> None:
    first, second = _held_outputs(), _held_outputs()
    assert first == second
    assert len(set(first)) == len(first)
    assert all("in-42" in output_id for output_id in first)


def test_notification_id_is_stable_and_unique() -> None:
    s = managed()
    out = s.order("A", 500)
    ids = [n.notification_id for n in out if isinstance(n, CreditNotification)]
    assert len(set(ids)) == len(ids) == 2


# -- review due ----------------------------------------------------------------------------
def reviewed() -> Scenario:
    s = Scenario()
    s.company("C1", "EUR")
    s.customer("A", credit_manager="cm", credit_analyst="an", next_review="2026-03-10")
    return s


def test_review_due_on_the_first_event_on_or_after_the_review_date_once() -> None:
    s = reviewed()
    assert notification_kinds(s.order("A", 10, on="2026-03-09")) == []
    out = s.invoice("A", 10, on="2026-03-10")
    (due,) = notifications(out, "REVIEW_DUE")
    assert recipients(due) == {("credit_analyst", "an"), ("credit_manager", "cm")}
    assert (due.company_id, due.customer_id) == ("C1", "A")
    assert notification_kinds(s.order("A", 10, on="2026-03-11")) == []
    assert notification_kinds(s.payment("A", 5, on="2026-03-12")) == []


def test_review_due_when_the_first_event_comes_after_the_date() -> None:
    s = reviewed()
    out = s.order("A", 10, on="2026-04-01")
    assert is_approved(out)
    assert notification_kinds(out) == ["REVIEW_DUE"]


def test_review_due_again_for_a_new_review_date() -> None:
    s = reviewed()
    assert notification_kinds(s.order("A", 10, on="2026-03-10")) == ["REVIEW_DUE"]
    s.customer(
        "A", credit_manager="cm", credit_analyst="an", next_review="2026-04-10", on="2026-03-11"
    )
    assert notification_kinds(s.order("A", 10, on="2026-04-09")) == []
    assert notification_kinds(s.order("A", 10, on="2026-04-10")) == ["REVIEW_DUE"]
    assert notification_kinds(s.order("A", 10, on="2026-04-11")) == []


def test_review_due_is_per_account() -> None:
    s = reviewed()
    s.customer("B", next_review="2026-03-10")
    assert notification_kinds(s.order("A", 10, on="2026-03-10")) == ["REVIEW_DUE"]
    assert notification_kinds(s.order("B", 10, on="2026-03-10")) == ["REVIEW_DUE"]


# -- COD terms conflict --------------------------------------------------------------------
def test_group_saved_as_cod_only_with_a_non_cod_member_raises_a_conflict() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", None, mode="customer", credit_manager="gm")
    s.customer("A", group="G1", credit_analyst="an")
    s.customer("B", group="G1", credit_analyst="bn", cod_terms=True)

    out = s.group("G1", None, mode="customer", credit_manager="gm", sales_order_status="cod_only")

    (conflict,) = notifications(out, "COD_TERMS_CONFLICT")
    assert recipients(conflict) == {("group_credit_manager", "gm"), ("credit_analyst", "an")}
    assert (conflict.customer_id, conflict.group_id) == ("A", "G1")


def test_non_cod_member_saved_into_a_cod_only_group_raises_a_conflict() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", None, mode="customer", credit_manager="gm", sales_order_status="cod_only")
    out = s.customer("A", group="G1", credit_analyst="an")
    (conflict,) = notifications(out, "COD_TERMS_CONFLICT")
    assert recipients(conflict) == {("group_credit_manager", "gm"), ("credit_analyst", "an")}


def test_cod_member_in_a_cod_only_group_raises_no_conflict() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", None, mode="customer", sales_order_status="cod_only")
    assert notification_kinds(s.customer("A", group="G1", cod_terms=True)) == []
    out = s.group("G1", None, mode="customer", sales_order_status="cod_only", on="2026-03-02")
    assert notification_kinds(out) == []


def test_conflict_with_no_recipients_is_still_published() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", None, mode="customer", sales_order_status="cod_only")
    (conflict,) = notifications(s.customer("A", group="G1"), "COD_TERMS_CONFLICT")
    assert conflict.recipients == ()


# -- same account in other companies -------------------------------------------------------
def test_joining_while_the_customer_exists_in_another_company_outside_the_group() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.company("C2", "EUR")
    s.group("G1", None, mode="customer", credit_manager="gm")
    s.customer("A", company_id="C2")

    out = s.customer("A", company_id="C1", group="G1", credit_analyst="an")

    (proposal,) = notifications(out, "SAME_ACCOUNT_OTHER_COMPANIES")
    assert recipients(proposal) == {("group_credit_manager", "gm"), ("credit_analyst", "an")}
    assert (proposal.company_id, proposal.customer_id, proposal.group_id) == ("C1", "A", "G1")


def test_no_proposal_when_the_other_account_is_already_in_the_group() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.company("C2", "EUR")
    s.group("G1", None, mode="customer")
    s.customer("A", company_id="C2", group="G1")
    out = s.customer("A", company_id="C1", group="G1")
    assert "SAME_ACCOUNT_OTHER_COMPANIES" not in notification_kinds(out)


def test_no_proposal_for_another_customer_id_or_on_a_re_save() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.company("C2", "EUR")
    s.group("G1", None, mode="customer")
    s.customer("B", company_id="C2")
    assert notification_kinds(s.customer("A", company_id="C1", group="G1")) == []
    s.customer("A", company_id="C2")
    # a re-save of a member is not a join
    assert notification_kinds(s.customer("A", company_id="C1", group="G1", name="x")) == []
