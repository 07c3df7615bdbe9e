"""The four worked examples at the end of DOMAIN.md, exactly.

"A balance in the seed tables is read as the exposure once the new order is counted": each
account's balance is built from earlier invoices, and the deciding order brings it to the figure
of the seed table.
"""

from __future__ import annotations

import pytest

from tests.unit.rules_dsl import Scenario, is_approved, reasons


def test_d365_member_limit_binds_while_the_group_has_room() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", 1_000_000, mode="group_and_customer")
    s.customer("OTHER", group="G1")
    s.customer("A", 100_000, group="G1")
    assert is_approved(s.order("OTHER", 500_000))  # the group's 500,000 open

    out = s.order("A", 110_000)

    assert reasons(out) == ["CUSTOMER_LIMIT"]  # not GROUP_LIMIT: 610,000 <= 1,000,000


def _sxe_group_mode() -> Scenario:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", 6_000, mode="group")
    for member in ("A", "B", "C"):
        s.customer(member, group="G1")
    return s


@pytest.mark.parametrize(
    ("member", "balance"),
    [("A", 3_000), ("B", 4_000), ("C", 0)],
)
def test_sxe_group_mode_holds_every_member_when_the_group_total_is_over(
    member: str, balance: int
) -> None:
    # Balances A 3,000, B 4,000, C 0: total 7,000 against a group limit of 6,000.
    s = _sxe_group_mode()
    deciding = 100
    for other, other_balance in (("A", 3_000), ("B", 4_000)):
        existing = other_balance - deciding if other == member else other_balance
        s.invoice(other, existing)

    out = s.order(member, deciding)

    assert reasons(out) == ["GROUP_LIMIT"], f"{member} (balance {balance}) should be held"


def test_sxe_group_mode_group_limit_is_shared_not_per_member() -> None:
    s = _sxe_group_mode()
    s.invoice("A", 3_000)
    s.invoice("B", 2_900)
    assert is_approved(s.order("C", 100))  # total exactly 6,000 passes
    assert reasons(s.order("C", "0.01")) == ["GROUP_LIMIT"]


def test_sxe_hierarchy_group_limit_is_a_per_member_ceiling() -> None:
    s = Scenario()
    s.company("C1", "EUR")
    s.group("G1", 6_000, mode="hierarchy")
    s.customer("A", 3_000, group="G1")
    s.customer("B", 3_000, group="G1")
    s.customer("C", 3_000, group="G1")
    s.customer("D", 8_000, group="G1")
    deciding = 100
    s.invoice("A", 3_000 - deciding)
    s.invoice("B", 4_000 - deciding)
    s.invoice("D", 6_500 - deciding)

    assert is_approved(s.order("A", deciding)), "A 3,000 vs own 3,000: not held"
    assert reasons(s.order("B", deciding)) == ["CUSTOMER_LIMIT"], "B 4,000 vs own 3,000"
    assert is_approved(s.order("C", deciding)), "C: not held"
    assert reasons(s.order("D", deciding)) == ["GROUP_LIMIT"], "D 6,500 over the ceiling"


def test_ifs_parent_only_limit_is_shared_by_the_children() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=100)  # not used: the parent's limit applies
    s.group("P", 1_000, mode="group")
    s.customer("CHILD1", group="P")
    s.customer("CHILD2", group="P")

    assert is_approved(s.order("CHILD1", 600))
    assert is_approved(s.order("CHILD2", 400))
    assert reasons(s.order("CHILD2", "0.01")) == ["GROUP_LIMIT"]
    assert reasons(s.order("CHILD1", "0.01")) == ["GROUP_LIMIT"]


def test_ifs_parent_and_child_limits_both_bind() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=100)
    s.group("P", 1_000, mode="group_and_customer")
    s.customer("CHILD1", 300, group="P")
    s.customer("CHILD2", 800, group="P")

    assert reasons(s.order("CHILD1", "300.01")) == ["CUSTOMER_LIMIT"]  # the child's limit
    assert is_approved(s.order("CHILD2", 700))
    assert is_approved(s.order("CHILD1", 300))  # group exactly at 1,000
    assert reasons(s.order("CHILD2", 100)) == ["GROUP_LIMIT"]  # own 800 ok, parent 1,100


def test_ifs_neither_parent_nor_child_limit_falls_back_to_the_company_default() -> None:
    s = Scenario()
    s.company("C1", "EUR", default_credit_limit=500)
    s.group("P", None, mode="group_and_customer")
    s.customer("CHILD", group="P")

    assert is_approved(s.order("CHILD", 500))
    assert reasons(s.order("CHILD", "0.01")) == ["COMPANY_LIMIT"]
