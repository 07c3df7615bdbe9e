"""Partitions coming and going: restore what is assigned, commit before giving anything up,
and go back to the last commit after an aborted transaction (``_rewind``).

``KafkaRuntime`` inherits this; it is kept apart so that the loop reads on its own.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from confluent_kafka import Consumer, TopicPartition

from service.ports import Record, StateStore
from service.processor import CreditProcessor
from service.runtime.by_root_progress import ByRootProgress
from service.runtime.clients import uncommitted_ends
from service.runtime.health import Health
from service.runtime.input_lag import InputLag
from service.runtime.merge import EventTimeMerge
from service.runtime.reference_fence import ReferenceFence
from service.runtime.restore import Changes, beating, bulk_load, present, restore_partitions
from service.runtime.transactions import TransactionalOutput
from service.settings import Settings
from service.stores import InMemoryStateStore, RocksDBStateStore

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class Draining:
    """A drain of the by-root partitions after an assignment (``_drain_by_root_first``)."""

    inputs: list[TopicPartition]
    deadline: float
    paused: bool = False


class Rebalancing(ABC):
    settings: Settings
    processor: CreditProcessor
    metrics: Any
    health: Health
    consumer: Consumer
    merge: EventTimeMerge
    input_lag: InputLag
    reference_fence: ReferenceFence
    by_root_progress: ByRootProgress
    output: TransactionalOutput
    stores: dict[int, StateStore]
    _inputs: list[tuple[str, int]]
    _next_offsets: dict[tuple[str, int], int]
    _pending_offsets: bool
    _uncommitted: dict[int, Changes]
    _fatal: BaseException | None
    _draining: Draining | None

    @abstractmethod
    def commit(self) -> None:
        """Commit the transaction in hand (the runtime's)."""

    @abstractmethod
    def _produce(self, records: list[Record]) -> None:
        """Produce inside the transaction in hand (the runtime's)."""

    @abstractmethod
    def _abandon_batch(self) -> None:
        """Abort the transaction in hand and go back to the last commit (the runtime's)."""

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        try:
            self._assign(partitions)
        except Exception as exc:  # a callback must not raise into the client: keep it
            log.error("assignment_failed", error=str(exc))
            self._fatal = exc

    def _assign(self, partitions: list[TopicPartition]) -> None:
        self.metrics.rebalances.labels("assigned").inc()
        mine = [tp.partition for tp in partitions if tp.topic == self.settings.topics.by_root]
        self._inputs += [(tp.topic, tp.partition) for tp in partitions
                         if tp.topic != self.settings.topics.by_root]  # fmt: skip
        self.health.set_ready(False)
        self.metrics.restoring.set(len(mine))
        stores = {partition: self._open_store(partition) for partition in mine}
        # a store that starts empty (a new node) gets its books from what restore read
        fresh: dict[int, Changes] = {
            partition: {} for partition, store in stores.items() if store.changelog_offset() is None
        }
        with bulk_load():
            restored = restore_partitions(self.settings, stores, self.health.beat, fresh)
            self.metrics.restored.inc(restored)
            for partition, store in stores.items():
                read = fresh.pop(partition, None)
                entries = store.items() if read is None else present(read)
                books = self.processor.assign(partition, beating(entries, self.health.beat))
                self.stores[partition] = store
                self._produce(self.processor.pending_reference_notices(partition))
                self.metrics.restoring.dec()
                log.info("partition_restored", partition=partition, books=books)
        log.info("restored", partitions=mine, changelog_records=restored)
        self._recommit_offsets(partitions)
        # Committed now, before any input is routed: the hand-overs and barriers the restored
        # partitions owe (``service.handover``) come first in the by-root partitions, so
        # records routed next find their roots no longer waiting.
        self.commit()
        self._drain_by_root_first(partitions)
        self.health.set_ready(True)

    def _drain_by_root_first(self, partitions: list[TopicPartition]) -> None:
        """Inputs wait while the owned by-root partitions are read to the ends they have now
        (at most ``CREDIT_DRAIN_TIMEOUT_MS``), records of transactions still open included
        (another instance's, a stalled previous owner's: they may yet commit); then
        ``Handover.settle_local`` drops the waits that reading made moot. The loop pauses the
        inputs once the assignment is in effect."""
        by_root = self.settings.topics.by_root
        owned = [TopicPartition(by_root, partition) for partition in sorted(self.processor.owned)]
        committed = self.consumer.committed(owned, timeout=30)  # read on from here, to the end
        for tp, (low, high) in zip(committed, uncommitted_ends(self.settings, committed),
                                   strict=True):  # fmt: skip
            self.by_root_progress.start(tp.partition, max(tp.offset, low), high)
        inputs = [TopicPartition(tp.topic, tp.partition) for tp in partitions
                  if tp.topic != by_root]  # fmt: skip
        deadline = time.monotonic() + self.settings.drain_timeout_ms / 1000
        self._draining = Draining(inputs, deadline)

    def _by_root_positions(self) -> None:
        """How far the by-root partitions not read to their ends yet are (``reached``)."""
        by_root = self.settings.topics.by_root
        waiting = [TopicPartition(by_root, p) for p in self.by_root_progress.needed]
        for tp in self.consumer.position(waiting):
            self.by_root_progress.reached(tp.partition, tp.offset)

    def _drained(self) -> None:
        """Pause the inputs of a drain that just began; end one whose partitions are read to
        the ends they had (``by_root_progress.needed``, after ``_by_root_positions``)."""
        draining = self._draining
        if draining is None:
            return
        if not draining.paused:
            if draining.inputs:
                self.consumer.pause(draining.inputs)
            draining.paused = True
        read = not self.by_root_progress.needed
        if read or time.monotonic() > draining.deadline:
            if read:
                self.processor.handover.settle_local(self.processor.owned)
            else:
                log.warning("by_root_drain_timed_out")
            if draining.inputs:
                self.consumer.resume(draining.inputs)
            self._draining = None

    def _recommit_offsets(self, partitions: list[TopicPartition]) -> None:
        """Commit the committed offsets again in the next transaction. It changes nothing, but
        it asks the transaction coordinator: a zombie that woke up and rejoined the group learns
        at once that it was fenced, instead of holding partitions it cannot commit."""
        committed = self.consumer.committed(partitions, timeout=30)
        for tp in committed:
            if tp.offset >= 0:
                self._next_offsets[(tp.topic, tp.partition)] = tp.offset
                self._pending_offsets = True
        self._inputs_start(committed)

    def _inputs_start(self, committed: list[TopicPartition]) -> None:
        """The input partitions among ``committed`` start from those offsets (``input_lag``)."""
        by_root = self.settings.topics.by_root
        self.input_lag.started(self.consumer, [tp for tp in committed if tp.topic != by_root])

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.metrics.rebalances.labels("revoked").inc()
        self._draining = None  # the next assignment drains again
        try:
            self.commit()
            if self.output.in_transaction or self._pending_offsets:
                # the commit failed and would be tried again later, with the outputs of the
                # records of these partitions but not their offsets: the next owner would
                # decide them again. Nothing of the batch may outlive the assignment.
                log.warning("commit_failed_during_revoke_aborted")
                self._abandon_batch()
        except Exception as exc:  # a callback must not raise into the client: keep it
            log.warning("commit_failed_during_revoke", error=str(exc))
            self._fatal = exc
            return
        for tp in partitions:
            key = (tp.topic, tp.partition)
            self.merge.drop(key)  # not handled yet: the next owner reads them again
            self.input_lag.forget(key)
            self.reference_fence.forget(key)
            self._next_offsets.pop(key, None)
            if key in self._inputs:
                self._inputs.remove(key)
            if tp.topic == self.settings.topics.by_root and tp.partition in self.stores:
                self.by_root_progress.forget(tp.partition)
                self.processor.revoke(tp.partition)
                self.stores.pop(tp.partition).close()

    def _rewind(self) -> None:
        """Back to the last commit: committed offsets, and books from the local stores brought
        to the end of the committed changelog first. A store may lag behind it: a commit that
        raised may have been completed after all (a renewed producer's ``init_transactions``
        completes a commit that reached the coordinator), and its changes were never persisted.
        The books the batch opened are dropped with it: its events are read again."""
        self._uncommitted.clear()
        self._next_offsets.clear()
        self.merge.clear()
        assignment = self.consumer.assignment()
        committed = self.consumer.committed(assignment, timeout=30)
        by_root = self.settings.topics.by_root
        back_to = {tp.partition: max(tp.offset, 0) for tp in committed if tp.topic == by_root}
        # what was read of the by-root partitions is read again: inputs wait for it
        for tp in self.consumer.position([TopicPartition(by_root, p) for p in back_to]):
            self.by_root_progress.rewound(tp.partition, back_to[tp.partition], tp.offset)
        for tp in committed:
            self.consumer.seek(TopicPartition(tp.topic, tp.partition, max(tp.offset, 0)))
        self._inputs_start(committed)
        caught_up = restore_partitions(self.settings, self.stores, self.health.beat)
        if caught_up:
            log.warning("rewind_restored_committed_changes", changelog_records=caught_up)
        dropped = self.processor.rewind(
            self.stores, lambda partition: beating(self.stores[partition].items(), self.health.beat)
        )
        if dropped:
            log.info("rewind_dropped_unflushed_books", books=dropped)
        self._pending_offsets = False

    def _open_store(self, partition: int) -> StateStore:
        if self.settings.store == "memory":
            return InMemoryStateStore()
        return RocksDBStateStore(Path(self.settings.state_dir) / f"by-root-{partition}")
