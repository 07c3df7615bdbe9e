"""``ReferenceFence``: when the reference topic's end last asked covers the inputs read since,
and when it must be asked again (``service/runtime/reference_fence.py``)."""

from __future__ import annotations

from service.runtime.reference_fence import ReferenceFence

ORDERS, INVOICES = ("orders", 0), ("invoices", 1)


def test_nothing_is_covered_before_the_end_was_asked() -> None:
    assert not ReferenceFence().covers([(ORDERS, -1001)])


def test_records_below_the_watermarks_noted_before_the_ask_are_covered() -> None:
    fence = ReferenceFence()
    fence.note({ORDERS: 500, INVOICES: 80}, end=42)
    assert fence.end == 42
    assert fence.covers([(ORDERS, 500), (INVOICES, 80)])  # every offset handed out is below
    assert fence.covers([(ORDERS, 120), (INVOICES, -1001)])  # none handed out of invoices
    assert not fence.covers([(ORDERS, 501), (INVOICES, 10)])  # offset 500 was not there yet
    assert not fence.covers([(("payments", 0), 1)])  # a partition whose watermark is unknown


def test_a_new_ask_replaces_what_was_noted() -> None:
    fence = ReferenceFence()
    fence.note({ORDERS: 500}, end=42)
    fence.note({ORDERS: 900, INVOICES: 3}, end=47)
    assert fence.end == 47 and fence.covers([(ORDERS, 900), (INVOICES, 3)])
    fence.note({ORDERS: -1001}, end=48)  # no watermark known: nothing read is covered
    assert not fence.covers([(ORDERS, 1)])
