"""The ledger: invoices, payments, cancellations, releases and rejections, exactly once."""

from __future__ import annotations

from decimal import Decimal

from service.domain.outputs import HoldReason, OrderApproved, OrderRejected
from tests.unit.rules_dsl import Scenario, decision, is_approved, is_held, reasons


def limited(limit: int = 1_000, **company: object) -> Scenario:
    s = Scenario()
    s.company("C1", "EUR", **company)
    s.customer("A", limit)
    return s


# -- invoices ------------------------------------------------------------------------------
def test_invoice_moves_an_open_order_to_receivable_without_double_count() -> None:
    s = limited()
    s.order("A", 600, order_id="O1")
    s.invoice("A", 600, order_id="O1")
    s.assert_room(400)


def test_invoice_larger_than_its_order_never_takes_the_order_below_zero() -> None:
    s = limited()
    s.order("A", 600, order_id="O1")
    s.invoice("A", 800, order_id="O1")
    s.assert_room(200)


def test_partial_invoice_leaves_the_rest_of_the_order_open() -> None:
    s = limited()
    s.order("A", 600, order_id="O1")
    s.invoice("A", 200, order_id="O1")
    s.assert_room(400)
    s.invoice("A", 400, order_id="O1")
    s.assert_room(400)
    s.cancel("O1")  # nothing left open: the receivables stay
    s.assert_room(400)


def test_invoice_without_order_adds_a_receivable() -> None:
    s = limited()
    s.invoice("A", 300)
    s.assert_room(700)


# -- payments ------------------------------------------------------------------------------
def test_payment_reduces_receivables() -> None:
    s = limited()
    s.invoice("A", 300)
    s.payment("A", 100)
    s.assert_room(800)


def test_payment_goes_to_the_named_invoice_first() -> None:
    s = limited()
    s.customer("A", 1_000, allowed_overdue_amount=0)
    s.invoice("A", 100, invoice_id="I1", due_date="2026-03-01")
    s.invoice("A", 100, invoice_id="I2", due_date="2026-03-05")
    s.payment("A", 100, invoice_ids=["I2"])
    assert reasons(s.order("A", 10, on="2026-03-03")) == ["OVERDUE_LIMIT"]  # I1 still open


def test_payment_without_names_goes_to_the_oldest_by_due_date() -> None:
    s = limited()
    s.customer("A", 1_000, allowed_overdue_amount=0)
    s.invoice("A", 100, invoice_id="I2", due_date="2026-03-05")  # posted first, due later
    s.invoice("A", 100, invoice_id="I1", due_date="2026-03-01")
    s.payment("A", 100)
    assert reasons(s.order("A", 10, on="2026-03-03")) == []  # I1 paid


def test_payment_rest_after_named_invoices_goes_oldest_first() -> None:
    s = limited()
    s.customer("A", 1_000, allowed_overdue_amount=50)
    s.invoice("A", 100, invoice_id="I1", due_date="2026-03-10")
    s.invoice("A", 100, invoice_id="I2", due_date="2026-03-05")
    s.invoice("A", 100, invoice_id="I3", due_date="2026-03-20")
    s.payment("A", 150, invoice_ids=["I3"])  # I3 paid, 50 to I2 (oldest due)
    assert reasons(s.copy().order("A", 10, on="2026-03-07")) == []  # I2: 50 overdue
    s.customer("A", 1_000, allowed_overdue_amount="49.99")
    assert reasons(s.order("A", 10, on="2026-03-07")) == ["OVERDUE_LIMIT"]


def test_overpayment_leaves_a_credit_that_the_next_invoice_consumes() -> None:
    s = limited()
    s.customer("A", 1_000, allowed_overdue_amount=0)
    s.invoice("A", 100, invoice_id="I1")
    s.payment("A", 150)
    s.assert_room(1_050)
    s.invoice("A", 50, invoice_id="I2", due_date="2026-03-01")
    s.assert_room(1_000)
    assert reasons(s.copy().order("A", 10, on="2026-03-05")) == []  # I2 covered: not overdue
    s.invoice("A", 80, invoice_id="I3", due_date="2026-03-01")
    s.assert_room(920)
    assert reasons(s.order("A", 10, on="2026-03-05")) == ["OVERDUE_LIMIT"]


# -- cancellation --------------------------------------------------------------------------
def test_cancel_removes_an_open_orders_exposure() -> None:
    s = limited()
    s.order("A", 600, order_id="O1")
    assert s.cancel("O1") == []
    s.assert_room(1_000)


def test_cancel_removes_a_hold() -> None:
    s = limited()
    assert is_held(s.order("A", 1_500, order_id="O1"))
    s.cancel("O1")
    assert s.release("O1") == []
    assert s.outcome.ignored
    s.assert_room(1_000)


# -- release and reject --------------------------------------------------------------------
def test_release_approves_with_manual_release_then_counts_as_exposure() -> None:
    s = limited()
    s.order("A", 1_500, order_id="O1")
    out = s.release("O1", by="analyst.anna")
    approved = decision(out)
    assert isinstance(approved, OrderApproved)
    assert approved.order_id == "O1"
    assert approved.amount == Decimal("1500")
    assert approved.released_by == "analyst.anna"
    assert [r.code for r in approved.reasons] == ["MANUAL_RELEASE"]
    assert isinstance(approved.reasons[0], HoldReason)
    s.customer("A", 2_000)
    s.assert_room(500)


def test_release_twice_is_ignored_the_second_time() -> None:
    s = limited()
    s.order("A", 1_500, order_id="O1")
    s.release("O1")
    assert s.release("O1") == []
    assert s.outcome.ignored


def test_reject_publishes_order_rejected_and_adds_no_exposure() -> None:
    s = limited()
    s.order("A", 1_500, order_id="O1")
    out = s.reject("O1", by="analyst.anna")
    rejected = decision(out)
    assert isinstance(rejected, OrderRejected)
    assert (rejected.order_id, rejected.decided_by) == ("O1", "analyst.anna")
    assert s.release("O1") == []
    s.assert_room(1_000)


def test_held_orders_are_not_exposure() -> None:
    s = limited()
    assert is_held(s.order("A", 1_500))
    s.assert_room(1_000)


def test_release_reject_cancel_of_an_unknown_order_publish_nothing() -> None:
    s = limited()
    for act in (s.release, s.reject, s.cancel):
        assert act("NOPE") == []
        assert s.outcome.ignored


def test_release_and_reject_of_an_approved_order_publish_nothing() -> None:
    s = limited()
    s.order("A", 100, order_id="O1")
    assert s.release("O1") == [] and s.outcome.ignored
    assert s.reject("O1") == [] and s.outcome.ignored
    s.assert_room(900)


# -- exactly once --------------------------------------------------------------------------
def test_duplicate_event_id_changes_nothing_and_publishes_nothing() -> None:
    s = limited()
    event = s.build(
        "order_created", order_id="O1", company_id="C1", customer_id="A", amount="400",
        currency="EUR", payment_type="on_account",
    )  # fmt: skip
    assert is_approved(s.send(event))
    assert s.send(event) == []
    s.assert_room(600)


def test_duplicate_invoice_and_payment_events_change_nothing() -> None:
    s = limited()
    invoice = s.build(
        "invoice_posted", invoice_id="I1", company_id="C1", customer_id="A", amount="400",
        currency="EUR", invoice_date="2026-03-01", due_date="2026-03-01",
    )  # fmt: skip
    s.send(invoice)
    assert s.send(invoice) == []
    s.assert_room(600)
    payment = s.build(
        "payment_posted", payment_id="P1", company_id="C1", customer_id="A", amount="100",
        currency="EUR",
    )  # fmt: skip
    s.send(payment)
    assert s.send(payment) == []
    s.assert_room(700)


def test_duplicate_release_event_publishes_nothing_new() -> None:
    s = limited()
    s.order("A", 1_500, order_id="O1")
    release = s.build(
        "hold_released", order_id="O1", company_id="C1", customer_id="A", decided_by="x"
    )
    assert is_approved(s.send(release))
    assert s.send(release) == []


def test_repeated_order_id_under_a_new_event_id_changes_nothing() -> None:
    s = limited()
    s.order("A", 400, order_id="O1")
    assert s.order("A", 400, order_id="O1") == []
    assert s.outcome.ignored
    s.assert_room(600)


def test_repeated_held_order_id_is_not_decided_again() -> None:
    s = limited()
    s.order("A", 1_500, order_id="O1")
    assert s.order("A", 10, order_id="O1") == []
    s.assert_room(1_000)


def test_repeated_invoice_id_under_a_new_event_id_changes_nothing() -> None:
    s = limited()
    s.invoice("A", 400, invoice_id="I1")
    assert s.invoice("A", 400, invoice_id="I1") == []
    s.assert_room(600)


def test_repeated_payment_id_under_a_new_event_id_changes_nothing() -> None:
    s = limited()
    s.invoice("A", 400)
    s.payment("A", 100, payment_id="P1")
    assert s.payment("A", 100, payment_id="P1") == []
    s.assert_room(700)


# -- open orders as exposure ---------------------------------------------------------------
def test_include_open_orders_false_counts_receivables_only() -> None:
    s = limited(include_open_orders=False)
    assert is_approved(s.order("A", 1_000, order_id="O1"))
    assert is_approved(s.order("A", 1_000))
    s.invoice("A", 300, order_id="O1")
    s.assert_room(700)


def test_open_orders_count_by_each_members_own_company_setting() -> None:
    s = Scenario()
    s.company("C1", "EUR", include_open_orders=False)
    s.company("C2", "EUR")
    s.group("G1", 1_000, mode="group")
    s.customer("A", company_id="C1", group="G1")
    s.customer("B", company_id="C2", group="G1")
    s.order("A", 500, company_id="C1")  # not exposure: C1 counts no open orders
    s.order("B", 300, company_id="C2")  # exposure
    s.assert_room(700, "A", company_id="C1")


def test_cancel_of_a_partly_invoiced_order_removes_only_the_open_rest() -> None:
    s = limited()
    s.order("A", 600, order_id="O1")
    s.invoice("A", 200, order_id="O1")
    s.cancel("O1")
    s.assert_room(800)


def test_payment_in_another_currency_is_converted_at_its_own_time() -> None:
    s = limited()
    s.invoice("A", 100)
    s.rate("USD", "EUR", "0.5", valid_from="2026-03-01")
    s.payment("A", 100, currency="USD", on="2026-03-02")  # 50 EUR
    s.rate("USD", "EUR", 1, valid_from="2026-03-05")
    s.assert_room(950, on="2026-03-06")


def test_held_order_for_a_missing_rate_is_converted_when_released() -> None:
    s = limited()
    out = s.order("A", 100, currency="USD", order_id="O1")
    assert reasons(out) == ["MISSING_EXCHANGE_RATE"]
    s.rate("USD", "EUR", 2)
    assert is_approved(s.release("O1"))
    s.assert_room(800)


def test_a_members_credit_balance_lowers_the_group_exposure() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", 1_000, mode="group")
    s.customer("A", group="G1")
    s.customer("B", group="G1")
    s.invoice("A", 100)
    s.payment("A", 150)
    s.assert_room(1_050, "B")


def test_release_and_reject_publish_no_notifications() -> None:
    s = limited()
    s.customer("A", 1_000, credit_manager="cm", credit_analyst="an")
    s.order("A", 1_500, order_id="O1")
    s.order("A", 1_500, order_id="O2")
    assert [o.event_type for o in s.release("O1")] == ["order_approved"]
    assert [o.event_type for o in s.reject("O2")] == ["order_rejected"]
