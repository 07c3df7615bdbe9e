"""``ReferenceFence``: when the reference topic's end last asked covers the inputs read since,
and when it must be asked again (``service/runtime/reference_fence.py``); and the loop's use of
it before inputs are routed (``ReferenceLoading._reference_before_inputs``)."""

from __future__ import annotations

import json
from typing import Any

from confluent_kafka import Message, TopicPartition

from service.metrics import NullMetrics
from service.ports import Record
from service.runtime.health import Health
from service.runtime.reference_fence import ReferenceFence, stable_offsets
from service.runtime.reference_loading import ReferenceLoading
from service.settings import Settings

ORDERS, INVOICES = ("orders", 0), ("invoices", 1)


def statistics(stable: dict[tuple[str, int], int], high: int = 10**6) -> str:
    """A librdkafka statistics report, as far as the fence reads it: the last stable offset
    (``ls_offset``) apart from the high watermark, which counts open transactions."""
    topics: dict[str, Any] = {}
    for (topic, partition), offset in stable.items():
        partitions = topics.setdefault(topic, {"partitions": {"-1": {"ls_offset": -1001}}})
        partitions["partitions"][str(partition)] = {"ls_offset": offset, "hi_offset": high}
    return json.dumps({"name": "rdkafka#consumer-1", "topics": topics})


def test_the_last_stable_offsets_of_the_input_topics_are_read_from_the_statistics() -> None:
    report = statistics({ORDERS: 500, INVOICES: 80, ("by-root", 0): 9})
    assert stable_offsets(report, {"orders", "invoices"}) == {ORDERS: 500, INVOICES: 80}


def test_nothing_is_covered_before_the_end_was_asked() -> None:
    assert not ReferenceFence(["orders"]).covers([(ORDERS, -1001)])


def test_records_below_the_stable_offsets_noted_before_the_ask_are_covered() -> None:
    fence = ReferenceFence(["orders", "invoices"])
    fence.stable = {ORDERS: 500, INVOICES: 80}
    fence.ask(lambda: 42)
    assert fence.end == 42
    assert fence.covers([(ORDERS, 500), (INVOICES, 80)])  # every offset handed out is below
    assert fence.covers([(ORDERS, 120), (INVOICES, -1001)])  # none handed out of invoices
    assert not fence.covers([(ORDERS, 501), (INVOICES, 10)])  # offset 500 was not stable yet
    assert not fence.covers([(("payments", 0), 1)])  # a partition not noted
    fence.forget(ORDERS)  # it left this instance: what was noted of it no longer holds
    assert not fence.covers([(ORDERS, 1)])


class Consumer:
    def __init__(self) -> None:
        self.positions: dict[tuple[str, int], int] = {}

    def position(self, partitions: list[TopicPartition]) -> list[TopicPartition]:
        return [TopicPartition(tp.topic, tp.partition, self.positions.get((tp.topic, tp.partition),
                                                                          -1001))
                for tp in partitions]  # fmt: skip


class Reference:
    """The reference table's reader: its end grows with each ask; reading is instant."""

    def __init__(self, fence: ReferenceFence) -> None:
        self.fence, self.asks, self.read = fence, 0, 0
        self.during_ask: str | None = None  # statistics that arrive while an ask is out

    def end_now(self) -> int:
        self.asks += 1
        if self.during_ask is not None:
            self.fence.observe(self.during_ask)
        return 10 + self.asks

    def read_to(self, end: int) -> bool:
        return self.read >= end


class Loop(ReferenceLoading):
    def __init__(self) -> None:
        self.settings, self.metrics, self.running = Settings(), NullMetrics(), True
        self.health = Health()
        self.reference_fence = ReferenceFence(["orders"])
        self.consumer, self._inputs = Consumer(), [ORDERS]
        self.reference = Reference(self.reference_fence)  # type: ignore[assignment]

    def _apply_reference(self, timeout: float) -> None:
        self.reference.read += 1

    def _produce(self, records: list[Record]) -> None:
        raise AssertionError("nothing to produce")

    def _dead_letter(self, message: Message, error: Exception) -> None:
        raise AssertionError("nothing to dead-letter")


def test_an_input_of_a_transaction_open_when_the_end_was_asked_is_not_covered() -> None:
    """Offset 100 of orders was in an open transaction when the end was asked (stable offset
    100, high watermark past it). Handed out after its commit, the reference records published
    meanwhile come first: the end is asked again."""
    loop = Loop()
    reference: Any = loop.reference
    loop.reference_fence.observe(statistics({ORDERS: 100}, high=101))
    loop.consumer.positions[ORDERS] = 100  # offsets up to 99 handed out
    loop._reference_before_inputs()
    assert (reference.asks, reference.read, loop.reference_current) == (1, 11, True)
    loop._reference_before_inputs()  # nothing new handed out: covered
    assert reference.asks == 1
    loop.reference_fence.observe(statistics({ORDERS: 102}))  # the transaction committed
    loop.consumer.positions[ORDERS] = 101  # offset 100 handed out
    loop._reference_before_inputs()
    assert (reference.asks, reference.read) == (2, 12)


def test_the_stable_offsets_noted_are_those_known_before_the_ask() -> None:
    """Statistics that arrive while the end is asked may show records published after it was
    asked: those are not covered by it."""
    loop = Loop()
    reference: Any = loop.reference
    loop.reference_fence.observe(statistics({ORDERS: 100}))
    reference.during_ask = statistics({ORDERS: 200})
    loop.consumer.positions[ORDERS] = 50
    loop._reference_before_inputs()
    loop.consumer.positions[ORDERS] = 150
    loop._reference_before_inputs()
    assert reference.asks == 2
