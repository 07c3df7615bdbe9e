"""The reference table at start-up and in the loop: ``KafkaRuntime`` inherits this.

At start-up the whole table is applied before any partition is taken (readiness waits), from
a snapshot on when there is a usable one (``reference_snapshot``): the instance's own file, else
the one published on Kafka (``snapshot_topic``). A start that applied many records writes a
new snapshot to both. Meanwhile the loop stays alive for ``/healthz``, SIGTERM
stops the load, and progress is logged and shown in ``credit_reference_behind_records``.

In the loop the table is applied as it comes, and caught up with first where order matters:
before inputs are routed (what was published before them), and before a by-root record is
decided (what its sender had applied).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import structlog
from confluent_kafka import KafkaException, Message, TopicPartition

from service.errors import CreditServiceError, PoisonMessageError
from service.ports import Record
from service.processor import CreditProcessor
from service.runtime import reference_snapshot as snapshot
from service.runtime import snapshot_topic
from service.runtime.clients import topic_id
from service.runtime.health import Health
from service.runtime.reference_fence import ReferenceFence
from service.runtime.reference_table import ReferenceTable
from service.settings import Settings

log = structlog.get_logger(__name__)
PROGRESS_EVERY_S = 5.0


class StopRequested(CreditServiceError):
    """SIGTERM arrived before the service was up."""


class ReferenceLoading(ABC):
    settings: Settings
    processor: CreditProcessor
    metrics: Any
    health: Health
    running: bool
    reference: ReferenceTable
    # the table was applied to its end after the last inputs were read (else they may be
    # routed, not decided here: the by-root topic gives the table more time)
    reference_current = False
    reference_fence: ReferenceFence
    consumer: Any  # the group consumer (``KafkaRuntime``)
    _inputs: list[tuple[str, int]]  # assigned input partitions

    @abstractmethod
    def _produce(self, records: list[Record]) -> None:
        """Produce inside the transaction in hand (the runtime's)."""

    @abstractmethod
    def _dead_letter(self, message: Message, error: Exception) -> None:
        """Send an unreadable record to the dead-letter topic (the runtime's)."""

    def _open_reference(self) -> None:
        self.reference = ReferenceTable(self.settings)
        topic_id = self._reference_topic_id()
        start = self._restore_snapshot(topic_id) if topic_id else 0
        self.reference.begin(start)
        self._load_reference()
        applied = self.processor.handover.position - start
        customers = self.processor.ledger.customer_count()
        log.info("reference_table_loaded", snapshot_position=start, applied=applied,
                 customers=customers)  # fmt: skip
        if topic_id and applied >= self.settings.reference_snapshot_after:
            self._save_snapshot(topic_id)

    def _reference_topic_id(self) -> str | None:
        """The reference topic's id when snapshots are on (a snapshot is for one topic)."""
        if not self.settings.reference_snapshots:
            return None
        try:
            return topic_id(self.settings, self.reference.topic)
        except KafkaException as exc:  # no id, no snapshot: the table is read in full
            log.warning("reference_topic_id_unknown", error=str(exc))
            return None

    def _local_snapshot(self) -> snapshot.SnapshotFile | None:
        """The instance's own snapshot file, if it keeps local state."""
        if self.settings.store != "rocksdb":
            return None
        return snapshot.SnapshotFile(self.settings.state_dir)

    def _restore_snapshot(self, topic_id: str) -> int:
        """From the local snapshot, else the one published on Kafka; the position it reflects
        (0: none usable, the table is read from the beginning)."""
        local = self._local_snapshot()
        sources = [("local", local.read)] if local else []
        sources.append(("kafka", self._published_snapshot))
        for source, read in sources:
            started = time.perf_counter()
            payload = read()
            self._tick()
            header = snapshot.read_header(payload) if payload else None
            if payload is None or not snapshot.usable(
                    header, self.reference.topic, topic_id, self.reference.end,
                    snapshot.engine_of(self.processor)):  # fmt: skip
                log.info("reference_snapshot_unusable", source=source,
                         position=header and header.position)  # fmt: skip
                continue
            try:
                position = snapshot.apply(payload, self.processor)
            except snapshot.SnapshotError as exc:
                log.warning("reference_snapshot_unreadable", source=source, error=str(exc))
                continue
            log.info("reference_snapshot_loaded", source=source, position=position,
                     seconds=round(time.perf_counter() - started, 3))  # fmt: skip
            return position
        return 0

    def _published_snapshot(self) -> bytes | None:
        try:
            return snapshot_topic.fetch(self.settings, self._tick)
        except (KafkaException, snapshot_topic.SnapshotTopicError) as exc:
            log.warning("reference_snapshot_not_fetched", error=str(exc))
            return None

    def _save_snapshot(self, topic_id: str) -> None:
        """The snapshot into the local file and onto Kafka, for instances with no file."""
        started = time.perf_counter()
        try:
            payload = snapshot.encode(self.processor, self.reference.topic, topic_id)
            self._tick()
            if (local := self._local_snapshot()) is not None:
                local.write(payload)
            published = snapshot_topic.publish(self.settings, payload, self._tick)
        except (snapshot.SnapshotError, snapshot_topic.SnapshotTopicError, KafkaException) as exc:
            log.warning("reference_snapshot_not_written", error=str(exc))
            return
        log.info("reference_snapshot_saved", position=self.processor.handover.position,
                 bytes=len(payload), records=published,
                 seconds=round(time.perf_counter() - started, 3))  # fmt: skip

    def _tick(self) -> None:
        """Between steps of a start: the loop is alive, unless SIGTERM came."""
        if not self.running:
            raise StopRequested("stopped while loading the reference table")
        self.health.beat()

    def _load_reference(self) -> None:
        """Apply the table up to the end it had at start-up."""
        reported = time.monotonic()
        while not self.reference.caught_up:
            self._tick()
            self._apply_reference(timeout=0.05)
            if time.monotonic() - reported >= PROGRESS_EVERY_S:
                reported = time.monotonic()
                self.metrics.reference_behind.set(self.reference.left_to_load())
                log.info("reference_table_loading", left=self.reference.left_to_load())
        self.health.set_caught_up(True)

    def _apply_reference(self, timeout: float) -> None:
        for message in self.reference.poll(timeout=timeout):
            structlog.contextvars.bind_contextvars(topic=message.topic(), offset=message.offset())
            try:
                event = self.processor.decode(self.reference.topic, message.value())
                self._produce(self.processor.apply_reference(event, message.offset() or 0))
                self.metrics.event_in(self.reference.topic, event.event_type)
            except PoisonMessageError as exc:
                self._dead_letter(message, exc)
            finally:
                structlog.contextvars.clear_contextvars()

    def _reference_before_inputs(self) -> None:
        """Inputs just read were published after the reference records before them: apply
        those first, so that a membership change published before an order is in effect when
        the order is routed (both may carry the same event time). The topic's end is asked
        only when the last end asked does not cover the inputs read (``reference_fence``).
        Waits at most ``CREDIT_MERGE_WAIT_MS`` for the reference reader."""
        inputs = [TopicPartition(topic, partition) for topic, partition in self._inputs]
        positions = self.consumer.position(inputs)
        fence = self.reference_fence
        if fence.covers(((tp.topic, tp.partition), tp.offset) for tp in positions):
            self.metrics.reference_end_check("covered")
        else:
            fence.ask(self.reference.end_now)
            self.metrics.reference_end_check("asked")
        end = fence.end
        deadline = time.monotonic() + self.settings.merge_wait_ms / 1000
        self.reference_current = self._apply_reference_until(
            lambda: self.reference.read_to(end), deadline)  # fmt: skip
        if not self.reference_current:
            log.warning("reference_behind_inputs", end=end)

    def _catch_up_reference(self, position: int) -> None:
        """A by-root record's sender had applied reference data up to ``position``: so must
        this instance before it acts on the record (``service.handover``)."""
        if self.processor.handover.position < position:
            self._apply_reference_until(lambda: self.processor.handover.position >= position)

    def _apply_reference_until(self, done: Callable[[], bool], deadline: float | None = None,
                               ) -> bool:  # fmt: skip
        """Apply reference records until ``done()``; false if ``deadline`` came first."""
        while not done():
            if not self.running:
                raise StopRequested("stopped while catching up with the reference table")
            if deadline is not None and time.monotonic() > deadline:
                return False
            self.health.beat()
            self._apply_reference(timeout=0.01)
        return True
