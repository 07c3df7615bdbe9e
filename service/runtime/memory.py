"""The in-memory runtime: the same processing core and codec as the Kafka runtime, with
topics as lists and stores as dicts. It runs the contract test suite without a broker."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from service.bootstrap import codec_for, processor_for
from service.errors import PoisonMessageError
from service.metrics import NullMetrics
from service.ports import Record
from service.publish import encoded
from service.runtime.merge import EventTimeMerge, Released
from service.settings import Settings
from service.stores import InMemoryStateStore


class InMemoryRuntime:
    """Topics are append-only lists; ``settle`` processes everything published so far."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.codec = codec_for(self.settings)
        self.processor = processor_for(self.settings, NullMetrics(), self.codec)
        self.log: dict[str, list[Record]] = defaultdict(list)
        self._read: dict[str, int] = defaultdict(int)
        self.stores = {p: InMemoryStateStore() for p in range(self.settings.by_root_partitions)}
        for partition, store in self.stores.items():
            self.processor.assign(partition, store.items())

    def publish(self, events: Iterable[dict[str, Any]]) -> None:
        for topic, key, value in encoded(self.settings.topics, self.codec, events):
            self.log[topic].append(Record(topic, key, value))

    def publish_raw(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        self.log[topic].append(Record(topic, key, value))

    def settle(self) -> None:
        """Apply reference data, then inputs topic by topic, then by-root records, to idle."""
        topics = self.settings.topics
        while True:
            progressed = self._drain(topics.reference, self._reference)
            progressed |= self._merged_inputs()
            progressed |= self._drain(topics.by_root, self._decide)
            self._commit()
            if not progressed:
                return

    def _drain(self, topic: str, handle: Any) -> bool:
        records = self.log[topic][self._read[topic] :]
        for offset, record in enumerate(records, start=self._read[topic]):
            try:
                handle(topic, offset, record)
            except PoisonMessageError as exc:
                self._emit([self.processor.dead_letter(topic, 0, offset, record.key, record.value,
                                                       exc)])  # fmt: skip
        self._read[topic] += len(records)
        return bool(records)

    def _merged_inputs(self) -> bool:
        """Every unread input record, released in event-time order like the Kafka runtime."""
        inputs = self.settings.topics.transaction_inputs()
        merge = EventTimeMerge({t: rank for rank, t in enumerate(inputs)}, max_wait_s=0)
        for topic in inputs:
            records = self.log[topic][self._read[topic] :]
            for offset, record in enumerate(records, start=self._read[topic]):
                event, error = None, None
                try:
                    event = self.processor.decode(topic, record.value)
                except PoisonMessageError as exc:
                    error = exc
                key = merge.key(topic, offset, event.occurred_at if event else None)
                item = Released(record, event, error, key.topic_rank, 0, offset)
                merge.add((topic, 0), key, item)
            self._read[topic] += len(records)
        released = merge.release([], lambda partition: False, now=0.0)
        fast = None
        if self.processor.ledger.runs:
            clear = set(self.stores) if self._clear(0, b"") else set()
            fast = self.processor.direct_partitions(clear)
        self.processor.take_released(released, fast, self._one_input, self._emit_run)
        return bool(released)

    def _one_input(self, item: Released) -> None:
        """Decided here or routed; one that cannot be goes to the dead-letter topic (as in
        ``RecordHandling._in_context``)."""
        try:
            if item.error is not None:
                raise item.error
            step = self.processor.take_input(item.event, list, self._clear)
        except PoisonMessageError as exc:
            topic = self.settings.topics.transaction_inputs()[item.topic_rank]
            self._emit([self.processor.dead_letter(topic, 0, item.offset, item.record.key,
                                                   item.record.value, exc)])  # fmt: skip
            return
        self._emit(self.processor.encode_outputs(step.outputs))
        self._emit(step.records)

    def _emit_run(self, run: Any, seconds: float) -> None:
        """Outputs of a run decided where read (``CreditProcessor.take_direct``)."""
        self._emit([Record(topic, key, value) for topic, key, value in run.records])

    def _clear(self, partition: int, root: bytes) -> bool:
        """Decide inputs here while every by-root record written is read (all partitions are
        this runtime's): what was routed ahead must be decided first."""
        by_root = self.settings.topics.by_root
        return self.settings.direct_decisions and self._read[by_root] == len(self.log[by_root])

    def _reference(self, topic: str, offset: int, record: Record) -> None:
        event = self.processor.decode(topic, record.value)
        self._emit(self.processor.apply_reference(event, offset))

    def _decide(self, topic: str, offset: int, record: Record) -> None:
        step = self.processor.process(record.partition or 0, offset, record.key, record.value,
                                      record.headers)  # fmt: skip
        self._emit(self.processor.encode_outputs(step.outputs))
        self._emit(step.records)

    def _commit(self) -> None:
        flush = self.processor.flush()
        self._emit(flush.records)
        changelog = self.settings.topics.changelog
        self._emit([Record(changelog, key, value, partition)
                    for key, value, partition in flush.changelog])  # fmt: skip
        for partition, changes in flush.store_changes.items():
            self.stores[partition].write(changes, len(self.log[self.settings.topics.changelog]))

    def _emit(self, records: list[Record]) -> None:
        for record in records:
            self.log[record.topic].append(record)

    def outputs(self) -> list[dict[str, Any]]:
        """Every decision and notification published, decoded, in publication order."""
        topics = set(self.settings.topics.outputs()) - {self.settings.topics.dead_letter}
        found = []
        for topic in sorted(topics):
            found += [self.codec.decode(topic, r.value or b"") for r in self.log[topic]]
        return found

    def dead_letters(self) -> list[Record]:
        return list(self.log[self.settings.topics.dead_letter])
