"""Input events decided where they are read, without the by-root hop: when a partition is
clear (``runtime/by_root_progress.py``), what ``CreditProcessor.take_input`` does with it, and
reads that return with the first record (``runtime/clients.take``)."""

from __future__ import annotations

from typing import Any

from service.bootstrap import processor_for
from service.domain.events import INPUT_EVENT
from service.processor import CreditProcessor
from service.runtime.by_root_progress import ByRootProgress
from service.runtime.clients import take
from service.settings import Settings
from tests.unit.test_by_root_hop import ORDER

NONE: set[tuple[int, bytes]] = set()
R, OTHER = b"G:north", b"G:south"


def test_a_partition_is_clear_once_read_past_what_it_held() -> None:
    progress = ByRootProgress()
    assert not progress.clear(0, R, NONE, {})  # never assigned: the read position is unknown
    progress.start(0, 5, 8)  # committed offset 5, three records after it
    assert not progress.clear(0, R, NONE, {})
    progress.handled(0, 7)
    assert progress.clear(0, R, NONE, {})
    progress.forget(0)
    assert not progress.clear(0, R, NONE, {})
    progress.start(3, 0, 0)  # an empty partition is clear from the start
    assert progress.clear(3, R, NONE, {})


def test_an_end_after_a_commit_marker_is_reached_by_the_consumer_position() -> None:
    progress = ByRootProgress()
    progress.start(2, 0, 2)  # a barrier at offset 0, its transaction's commit marker at 1
    progress.handled(2, 0)
    assert not progress.clear(2, R, NONE, {})  # the marker is never handed out
    progress.reached(2, 1)
    assert not progress.clear(2, R, NONE, {})
    progress.reached(2, 2)
    assert progress.clear(2, R, NONE, {}) and not progress.needed


def test_after_a_rewind_what_was_read_is_read_again_first() -> None:
    progress = ByRootProgress()
    progress.start(1, 10, 10)
    progress.handled(1, 14)  # read up to 15, then the batch was aborted: back to 10
    progress.rewound(1, 10, 15)
    assert not progress.clear(1, R, NONE, {})
    progress.handled(1, 14)
    assert progress.clear(1, R, NONE, {})
    progress.rewound(1, 15, -1001)  # nothing read since the last commit
    assert progress.clear(1, R, NONE, {})


def test_a_record_of_a_partition_never_started_does_not_make_it_clear() -> None:
    progress = ByRootProgress()
    progress.handled(0, 3)
    assert not progress.clear(0, R, NONE, {})


def test_a_root_waits_for_its_own_records_sent_ahead_and_only_for_those() -> None:
    progress = ByRootProgress()
    progress.start(0, 5, 5)
    assert not progress.clear(0, R, {(0, R)}, {})  # routed in the open transaction
    assert progress.clear(0, OTHER, {(0, R)}, {})  # another root of the partition goes on
    assert not progress.clear(1, R, NONE, {})  # partition 1 is not read at all
    delivered = {(0, R): 8, (0, OTHER): 6, (2, R): 3}  # committed; 2 is not owned
    assert not progress.clear(0, R, NONE, delivered)
    progress.handled(0, 6)
    assert progress.clear(0, OTHER, NONE, delivered)  # read back
    assert not progress.clear(0, R, NONE, delivered)
    progress.prune(delivered)
    assert delivered == {(0, R): 8}  # read back, or not this instance's to read: forgotten
    progress.handled(0, 8)
    assert progress.clear(0, R, NONE, delivered)
    progress.prune(delivered)
    assert delivered == {}


def test_a_partition_is_clear_for_every_root_while_none_of_its_roots_waits() -> None:
    """``clear_partitions``: ``clear`` of every root at once (the native engine's runs)."""
    progress = ByRootProgress()
    progress.start(0, 5, 5)
    progress.start(1, 0, 3)  # still to be read to its end at assignment
    progress.start(2, 4, 4)
    assert progress.clear_partitions(NONE, {}) == {0, 2}  # 3 is not owned, never started
    assert progress.clear_partitions({(0, R)}, {}) == {2}  # a root's record in the open one
    assert progress.clear_partitions(NONE, {(2, OTHER): 4}) == {0}  # delivered, not read back
    assert progress.clear_partitions(NONE, {(2, OTHER): 3}) == {0, 2}  # read back


def test_a_partition_decides_at_once_while_owned_clear_and_calm() -> None:
    """``direct_partitions``: owned, clear, no root parked or awaiting a book, and no root
    there whose accounts came from roots of a partition that is not clear."""
    processor = processor_for(Settings())
    for partition in (0, 1, 2):
        processor.assign(partition, iter(()))
    assert processor.direct_partitions({0, 1, 2, 3}) == [True, True, True, False]
    assert processor.direct_partitions({0, 2}) == [True, False, True, False]
    processor.handover.parked.setdefault(2, {})["G:x"] = []
    assert processor.direct_partitions({0, 1, 2}) == [True, True, False, False]
    processor.handover.parked.clear()
    new, old = _root_on(processor, 0), _root_on(processor, 1)
    processor._moved_from[new] = {old}  # an account of ``new`` came from ``old``
    assert processor.direct_partitions({0, 2}) == [False, False, True, False]
    assert processor._moved_from == {new: {old}}  # still to be read back
    assert processor.direct_partitions({0, 1, 2}) == [True, True, True, False]
    assert processor._moved_from == {}  # read back: forgotten, as ``take_input`` would


def _root_on(processor: CreditProcessor, partition: int) -> str:
    return next(root for n in range(100) if processor.partition_of(root := f"G:g{n}") == partition)


def order(processor: CreditProcessor) -> tuple[Any, int]:
    event = INPUT_EVENT.validate_python(ORDER)
    return event, processor.home_of(event.account)


def test_an_input_of_an_owned_clear_partition_is_decided_at_once() -> None:
    processor = processor_for(Settings())
    event, home = order(processor)
    processor.assign(home, iter(()))
    asked: list[int] = []
    step = processor.take_input(event, list, lambda p, root: asked.append(p) is None)
    assert asked == [home]
    # NO_CREDIT_PROFILE: the hold and its notification
    assert [o.event_type for o in step.outputs] == ["order_held", "credit_notification"]
    assert step.records == [] and event.account in processor.dirty


def test_an_input_is_routed_when_its_partition_is_not_clear_or_not_owned() -> None:
    processor = processor_for(Settings())
    event, home = order(processor)
    step = processor.take_input(event, list, lambda p, root: True)  # the partition is not owned
    assert step.outputs == [] and [r.partition for r in step.records] == [home]
    processor.assign(home, iter(()))
    step = processor.take_input(event, lambda: [("source.topic", b"t")], lambda p, root: False)
    assert step.outputs == [] and [r.partition for r in step.records] == [home]
    assert ("source.topic", b"t") in step.records[0].headers
    assert not processor.dirty


def test_an_input_whose_root_waits_for_a_hand_over_is_routed_to_be_parked() -> None:
    processor = processor_for(Settings())
    event, home = order(processor)
    processor.assign(home, iter(()))
    root = processor.engine.membership.root_of(event.account)
    processor.handover.parked.setdefault(home, {})[root] = []  # earlier records of it parked
    step = processor.take_input(event, list, lambda p, root: True)
    assert step.outputs == [] and [r.partition for r in step.records] == [home]


class Reader:
    """A consumer's two read calls, over records already fetched or still to come."""

    def __init__(self, fetched: list[str], coming: list[str]) -> None:
        self.fetched, self.coming = fetched, coming
        self.calls: list[tuple[str, int, float]] = []

    def consume(self, num_messages: int, timeout: float) -> list[str]:
        self.calls.append(("consume", num_messages, timeout))
        taken, self.fetched = self.fetched[:num_messages], self.fetched[num_messages:]
        return taken

    def poll(self, timeout: float) -> str | None:
        """The first record to come; the others arrive with it."""
        self.calls.append(("poll", 1, timeout))
        if not self.coming:
            return None
        first, self.fetched, self.coming = self.coming[0], self.coming[1:], []
        return first


def test_a_read_hands_out_what_was_fetched_without_waiting() -> None:
    reader: Any = Reader(["a", "b", "c"], ["x"])
    assert take(reader, 2, 0.5) == ["a", "b"]
    assert reader.calls == [("consume", 2, 0)]


def test_a_read_with_nothing_fetched_returns_with_the_first_record_to_come() -> None:
    reader: Any = Reader([], ["c0", "c1", "c2"])
    assert take(reader, 5, 0.5) == ["c0"]  # one read of the consumer a call
    assert reader.calls == [("consume", 5, 0), ("poll", 1, 0.5)]
    assert take(reader, 5, 0.5) == ["c1", "c2"]  # those that came with it, at once
    assert reader.calls[-1] == ("consume", 5, 0)
    assert take(reader, 5, 0.5) == []
    assert take(reader, 5, 0) == []  # no wait at all: nothing is polled
    assert reader.calls[-1] == ("consume", 5, 0)


def test_only_records_of_roots_are_followed_on_their_way_through_the_by_root_topic() -> None:
    """Hand-overs (keyed by a book) and barriers: no input waits for them, so a barrier of an
    aborted transaction, never read back, cannot keep its partition from deciding at once."""
    from service.ports import Record
    from service.runtime.transactions import TransactionalOutput

    settings = Settings(guarantee="at_least_once", bootstrap_servers="localhost:1")
    output = TransactionalOutput(settings, lambda error: None)  # a real client, no broker
    by_root = settings.topics.by_root
    keys = [R, b"b\x1fC1\x1fA", b"barrier", OTHER]  # a root, a book, a barrier, a root
    output.produce([Record(by_root, key, b"{}", n) for n, key in enumerate(keys)])
    assert output.by_root_open == {(0, R), (3, OTHER)}
    output.producer.purge()
