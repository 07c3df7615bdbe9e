"""The reference table at start-up and in the loop: ``KafkaRuntime`` inherits this.

At start-up the whole table is applied before any partition is taken (readiness waits), from
the local snapshot on when there is a usable one (``reference_snapshot``); a start that applied
many records writes a new snapshot. Meanwhile the loop stays alive for ``/healthz``, SIGTERM
stops the load, and progress is logged and shown in ``credit_reference_behind_records``.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import Any

import structlog
from confluent_kafka import KafkaException, Message

from service.errors import CreditServiceError, PoisonMessageError
from service.ports import Record
from service.processor import CreditProcessor
from service.runtime import reference_snapshot as snapshot
from service.runtime.clients import topic_id
from service.runtime.health import Health
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

    @abstractmethod
    def _produce(self, records: list[Record]) -> None:
        """Produce inside the transaction in hand (the runtime's)."""

    @abstractmethod
    def _dead_letter(self, message: Message, error: Exception) -> None:
        """Send an unreadable record to the dead-letter topic (the runtime's)."""

    def _open_reference(self) -> None:
        self.reference = ReferenceTable(self.settings)
        snapshots = self._snapshots()
        start = self._restore_snapshot(*snapshots) if snapshots else 0
        self.reference.begin(start)
        self._load_reference()
        applied = self.processor.handover.position - start
        customers = sum(len(c) for c in self.processor.engine.reference.customers.values())
        log.info("reference_table_loaded", snapshot_position=start, applied=applied,
                 customers=customers)  # fmt: skip
        if snapshots and applied >= self.settings.reference_snapshot_after:
            self._save_snapshot(*snapshots)

    def _snapshots(self) -> tuple[snapshot.SnapshotFile, str] | None:
        """The snapshot file and the topic's id, if this instance keeps local state."""
        if not self.settings.reference_snapshots or self.settings.store != "rocksdb":
            return None
        try:
            return snapshot.SnapshotFile(self.settings.state_dir), topic_id(
                self.settings, self.reference.topic
            )
        except KafkaException as exc:  # no id, no snapshot: the table is read in full
            log.warning("reference_topic_id_unknown", error=str(exc))
            return None

    def _restore_snapshot(self, file: snapshot.SnapshotFile, topic_id: str) -> int:
        started = time.perf_counter()
        payload = file.read()
        if payload is None:
            return 0
        header = snapshot.read_header(payload)
        if not snapshot.usable(header, self.reference.topic, topic_id, self.reference.end):
            log.info("reference_snapshot_ignored", header=header and header.position)
            return 0
        try:
            position = snapshot.apply(payload, self.processor)
        except snapshot.SnapshotError as exc:  # read the table in full instead
            log.warning("reference_snapshot_unreadable", error=str(exc))
            return 0
        log.info("reference_snapshot_loaded", position=position, seconds=round(
            time.perf_counter() - started, 3))  # fmt: skip
        return position

    def _save_snapshot(self, file: snapshot.SnapshotFile, topic_id: str) -> None:
        started = time.perf_counter()
        try:
            payload = snapshot.encode(self.processor, self.reference.topic, topic_id)
            file.write(payload)
        except snapshot.SnapshotError as exc:  # the next start reads the table in full
            log.warning("reference_snapshot_not_written", error=str(exc))
            return
        log.info("reference_snapshot_saved", position=self.processor.handover.position,
                 bytes=len(payload), seconds=round(time.perf_counter() - started, 3))  # fmt: skip

    def _load_reference(self) -> None:
        """Apply the table up to the end it had at start-up."""
        reported = time.monotonic()
        while not self.reference.caught_up:
            if not self.running:
                raise StopRequested("stopped while loading the reference table")
            self.health.beat()
            self._apply_reference(timeout=0.5)
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
