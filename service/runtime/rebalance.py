"""Partitions coming and going: restore what is assigned, commit before giving anything up.

``KafkaRuntime`` inherits this; it is kept apart so that the loop reads on its own.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import structlog
from confluent_kafka import Consumer, TopicPartition

from service.ports import Record, StateStore
from service.processor import CreditProcessor
from service.runtime.health import Health
from service.runtime.merge import EventTimeMerge
from service.runtime.restore import bulk_load, restore_partitions
from service.settings import Settings
from service.stores import InMemoryStateStore, RocksDBStateStore

log = structlog.get_logger(__name__)


class Rebalancing(ABC):
    settings: Settings
    processor: CreditProcessor
    metrics: Any
    health: Health
    consumer: Consumer
    merge: EventTimeMerge
    stores: dict[int, StateStore]
    _inputs: list[tuple[str, int]]
    _next_offsets: dict[tuple[str, int], int]
    _pending_offsets: bool
    _fatal: BaseException | None

    @abstractmethod
    def commit(self) -> None:
        """Commit the transaction in hand (the runtime's)."""

    @abstractmethod
    def _produce(self, records: list[Record]) -> None:
        """Produce inside the transaction in hand (the runtime's)."""

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
        with bulk_load():
            restored = restore_partitions(self.settings, stores)
            self.metrics.restored.inc(restored)
            for partition, store in stores.items():
                books = self.processor.assign(partition, store.items())
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
        self.health.set_ready(True)

    def _recommit_offsets(self, partitions: list[TopicPartition]) -> None:
        """Commit the committed offsets again in the next transaction. It changes nothing, but
        it asks the transaction coordinator: a zombie that woke up and rejoined the group learns
        at once that it was fenced, instead of holding partitions it cannot commit."""
        for tp in self.consumer.committed(partitions, timeout=30):
            if tp.offset >= 0:
                self._next_offsets[(tp.topic, tp.partition)] = tp.offset
                self._pending_offsets = True

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.metrics.rebalances.labels("revoked").inc()
        try:
            self.commit()
        except Exception as exc:  # a callback must not raise into the client: keep it
            log.warning("commit_failed_during_revoke", error=str(exc))
            self._fatal = exc
            return
        for tp in partitions:
            key = (tp.topic, tp.partition)
            self.merge.drop(key)  # not handled yet: the next owner reads them again
            self._next_offsets.pop(key, None)
            if key in self._inputs:
                self._inputs.remove(key)
            if tp.topic == self.settings.topics.by_root and tp.partition in self.stores:
                self.processor.revoke(tp.partition)
                self.stores.pop(tp.partition).close()

    def _open_store(self, partition: int) -> StateStore:
        if self.settings.store == "memory":
            return InMemoryStateStore()
        return RocksDBStateStore(Path(self.settings.state_dir) / f"by-root-{partition}")
