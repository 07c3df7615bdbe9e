"""The event-time merge of input partitions (pure; no broker)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.runtime.merge import EventTimeMerge, NativeRelease

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ORDERS, INVOICES = ("orders", 0), ("invoices", 0)
RELEASE: NativeRelease | None = None


@pytest.fixture(autouse=True, params=["python", "native"])
def release(request: pytest.FixtureRequest) -> None:
    """Every test on the Python merge and on the native engine's ``release_merged``."""
    global RELEASE
    RELEASE = None
    if request.param == "native":
        RELEASE = pytest.importorskip("credit_native").release_merged


def _merge(wait: float = 0.5) -> EventTimeMerge:
    return EventTimeMerge({"orders": 0, "invoices": 1}, max_wait_s=wait, native_release=RELEASE)


def _add(merge: EventTimeMerge, partition: tuple[str, int], offset: int, minutes: int) -> None:
    key = merge.key(partition[0], offset, T0 + timedelta(minutes=minutes))
    merge.add(partition, key, f"{partition[0]}@{minutes}")


def test_records_come_out_by_event_time_across_partitions() -> None:
    merge = _merge()
    for offset, minutes in enumerate([1, 5, 9]):
        _add(merge, ORDERS, offset, minutes)
    for offset, minutes in enumerate([3, 5, 7]):
        _add(merge, INVOICES, offset, minutes)
    released = merge.release([ORDERS, INVOICES], lambda p: False, now=0.0)
    assert released == ["orders@1", "invoices@3", "orders@5", "invoices@5", "invoices@7",
                        "orders@9"]  # fmt: skip


def test_an_empty_partition_with_lag_holds_the_others_back_for_a_while() -> None:
    merge = _merge(wait=0.5)
    _add(merge, ORDERS, 0, 10)
    lagging = {INVOICES}
    assert merge.release([ORDERS, INVOICES], lambda p: p in lagging, now=100.0) == []
    assert merge.release([ORDERS, INVOICES], lambda p: p in lagging, now=100.4) == []
    _add(merge, INVOICES, 0, 2)  # the earlier invoice arrives: it goes first
    lagging.clear()
    assert merge.release([ORDERS, INVOICES], lambda p: False, now=100.45) == [
        "invoices@2",
        "orders@10",
    ]


def test_a_partition_that_stays_behind_cannot_stall_the_others_for_ever() -> None:
    merge = _merge(wait=0.5)
    _add(merge, ORDERS, 0, 10)
    assert merge.release([ORDERS, INVOICES], lambda p: p == INVOICES, now=0.0) == []
    assert merge.release([ORDERS, INVOICES], lambda p: p == INVOICES, now=0.6) == ["orders@10"]


def test_a_caught_up_partition_holds_nothing_back_and_unreadable_records_go_first() -> None:
    merge = _merge()
    _add(merge, ORDERS, 0, 10)
    merge.add(INVOICES, merge.key("invoices", 0, None), "poison")
    assert merge.release([ORDERS, INVOICES], lambda p: False, now=0.0) == ["poison", "orders@10"]
    assert merge.buffered() == 0


PARTITIONS = [("orders", 0), ("orders", 1), ("invoices", 0), ("payments", 2)]
RECORD = st.tuples(st.sampled_from(PARTITIONS), st.integers(-2, 6), st.booleans())


@given(records=st.lists(RECORD, max_size=30), lagging=st.sets(st.sampled_from(PARTITIONS)),
       assigned=st.lists(st.sampled_from(PARTITIONS), unique=True),
       blocked=st.one_of(st.none(), st.sampled_from([0.0, 9.7, 9.95])))  # fmt: skip
def test_the_native_release_is_the_python_one(
    records: list[tuple[tuple[str, int], int, bool]],
    lagging: set[tuple[str, int]],
    assigned: list[tuple[str, int]],
    blocked: float | None,
) -> None:
    """Ties of time and rank (across partitions), unreadable records, lag and waits."""
    native = pytest.importorskip("credit_native").release_merged
    merges = [EventTimeMerge({"orders": 0, "invoices": 1, "payments": 2}, 0.5, release)
              for release in (None, native)]  # fmt: skip
    for merge in merges:
        merge._blocked_since = blocked
        for offset, (partition, minutes, readable) in enumerate(records):
            when = T0 + timedelta(minutes=minutes) if readable else None
            merge.add(partition, merge.key(partition[0], offset // 3, when), (partition, offset))
    outcomes = [(m.release(assigned, lagging.__contains__, now=10.0), m._blocked_since,
                 m.buffered()) for m in merges]  # fmt: skip
    assert outcomes[0] == outcomes[1]
