"""One record at a time: what ``KafkaRuntime`` does with each record the loop reads.

An input record is decoded into the event-time merge (``_buffer``); released from it, it is
decided here or routed to its credit root (``_route``, ``CreditProcessor.take_input``). A
by-root record is decided (``_decide``) once the reference table is as far as its sender's
was. Every record is handled with its coordinates bound to the log context, and one that
cannot be read goes to the dead-letter topic with them. ``KafkaRuntime`` inherits this,
and with it the reference table's part (``ReferenceLoading``).
"""

from __future__ import annotations

import time
from abc import abstractmethod
from typing import Any

import structlog
from confluent_kafka import Message

from service.errors import PoisonMessageError
from service.handover import reference_position
from service.ledgers import hold_codes
from service.logs import bind_record, record_context, reset_record
from service.ports import Record
from service.processor import Step
from service.runtime.by_root_progress import ByRootProgress
from service.runtime.merge import EventTimeMerge, Released
from service.runtime.reference_loading import ReferenceLoading
from service.runtime.transactions import TransactionalOutput

log = structlog.get_logger(__name__)


class RecordHandling(ReferenceLoading):
    merge: EventTimeMerge
    output: TransactionalOutput
    by_root_progress: ByRootProgress
    _next_offsets: dict[tuple[str, int], int]
    _pending_offsets: bool

    @abstractmethod
    def _produce(self, records: list[Record]) -> None:
        """Produce inside the transaction in hand (the runtime's)."""

    @abstractmethod
    def _produce_outputs(self, records: list[tuple[str, bytes, bytes]]) -> None:
        """Produce ``(topic, key, value)`` records inside the transaction in hand."""

    def _read_all(self, messages: list[Message]) -> bool:
        """A poll's records in order: by-root ones handled, inputs into the event-time merge
        (runs of those the engine reads itself at once: ``Ledger.buffer_inputs``); true when
        there were inputs."""
        ledger, merge = self.processor.ledger, self.merge
        inputs, native, index = False, True, 0
        while index < len(messages):
            if native:
                taken = ledger.buffer_inputs(messages, index, merge.topic_rank, merge.buffers)
                native = taken is not None
                if taken:
                    index, inputs = index + taken, True
                    continue
            message = messages[index]
            index += 1
            if message.error() is not None:
                log.warning("consume_error", error=str(message.error()))
            elif message.topic() == self.settings.topics.by_root:
                self._in_context(message, None, None)
            else:
                self._buffer(message)
                inputs = True
        return inputs

    def _buffer(self, message: Message) -> None:
        topic, offset = message.topic() or "", message.offset() or 0
        partition = message.partition() or 0
        event, error = None, None
        try:
            event = self.processor.decode(topic, message.value())
        except PoisonMessageError as exc:
            error = exc
        key = self.merge.key(topic, offset, event.occurred_at if event else None)
        item = Released(message, event, error, key.topic_rank, partition, offset)
        self.merge.add((topic, partition), key, item)

    def _handle_released(self, released: list[tuple[Any, ...]]) -> None:
        """Released inputs in order: runs the engine decides where they are read at once
        (``CreditProcessor.take_direct``), the others record by record."""
        fast = None
        if self.processor.ledger.runs and self.settings.direct_decisions and self.reference_current:
            output = self.output
            clear = self.by_root_progress.clear_partitions(output.by_root_open,
                                                           output.by_root_delivered)  # fmt: skip
            fast = self.processor.direct_partitions(clear)
        self.processor.take_released(released, fast, self._one_released, self._publish_run)

    def _one_released(self, item: tuple[Any, ...]) -> None:
        """A released input the engine did not decide in a run (read by position: the items
        the native engine buffers are plain tuples of ``Released``'s fields)."""
        self._in_context(item[0], item[1], item[2])

    def _publish_run(self, run: Any, seconds: float) -> None:
        """What a run decided where read gave (``credit_native.DirectBatch``): its outputs
        produced, its input offsets reached, its events and decisions counted."""
        inputs = self.settings.topics.transaction_inputs()
        for rank, event_type, count in run.events_in:
            self.metrics.event_in(inputs[rank], event_type, count)
        outputs = dict(run.events_out)
        self.metrics.decisions(outputs.get("order_approved", 0), outputs.get("order_held", 0),
                               run.hold_reasons, seconds / run.count)  # fmt: skip
        if run.last_decided_micros is not None:
            self.metrics.event_time_lag.set(time.time() - run.last_decided_micros / 1e6)
        self._produce_outputs(run.records)
        for rank, partition, offset in run.offsets:
            self._next_offsets[(inputs[rank], partition)] = offset
        self._pending_offsets = True

    def _in_context(self, message: Message, event: Any, error: Exception | None) -> None:
        """Handle one record with its coordinates (and, when known, its order, account and
        root) on every log line (``service.logs.bind_record``: rendered only when logged)."""
        token = bind_record(message, event, error is not None)
        try:
            if error is not None:
                raise error
            if event is None:
                self._decide(message)
            else:
                self._route(message, event)
        except PoisonMessageError as exc:
            self._dead_letter(message, exc, record_context(message, event, error is not None))
        finally:
            reset_record(token)
            self._next_offsets[(message.topic() or "", message.partition() or 0)] = (
                message.offset() or 0) + 1  # fmt: skip
            self._pending_offsets = True

    def _decide(self, message: Message) -> None:
        headers: list[tuple[str, bytes]] = message.headers() or []  # type: ignore[assignment]
        self._catch_up_reference(reference_position(headers))
        partition, offset = message.partition() or 0, message.offset() or 0
        self.by_root_progress.handled(partition, offset)
        started = time.perf_counter()
        step = self.processor.process(partition, offset, message.key(), message.value(),
                                      headers)  # fmt: skip
        self._publish(step, time.perf_counter() - started)

    def _route(self, message: Message, event: Any) -> None:
        """Decided here, or routed to its root (``CreditProcessor.take_input``)."""
        topic = message.topic() or ""
        self.metrics.event_in(topic, event.event_type)

        def source() -> list[tuple[str, bytes]]:  # headers of a by-root record, when routed
            return [("source.topic", topic.encode()),
                    ("source.partition", str(message.partition()).encode()),
                    ("source.offset", str(message.offset()).encode())]  # fmt: skip

        started = time.perf_counter()
        step = self.processor.take_input(event, source, self._clear)
        self._publish(step, time.perf_counter() - started)

    def _clear(self, partition: int, root: bytes) -> bool:
        """Nothing of ``root`` in by-root ``partition`` is to be read before an input of it
        is decided here."""
        return (self.settings.direct_decisions and self.reference_current
                and self.by_root_progress.clear(partition, root, self.output.by_root_open,
                                                self.output.by_root_delivered))  # fmt: skip

    def _publish(self, step: Step, seconds: float) -> None:
        if step.outputs:
            self._observe(step.outputs, seconds)
            self._produce(self.processor.encode_outputs(step.outputs))
        self._produce(step.records)

    def _observe(self, outputs: list[Any], seconds: float) -> None:
        decided = None
        for output in outputs:
            if output.event_type == "order_approved":
                self.metrics.decision("approved", [], seconds)
                decided = output
            elif output.event_type == "order_held":
                self.metrics.decision("held", hold_codes(output), seconds)
                decided = output
        if decided is not None:  # the gauge keeps the last one only
            self.metrics.event_time_lag.set(time.time() - decided.decided_at.timestamp())

    def _dead_letter(
        self, message: Message, error: Exception, context: dict[str, Any] | None = None
    ) -> None:
        log.warning("dead_letter", error=str(error), **(context or {}))
        self._produce([self.processor.dead_letter(
            message.topic() or "", message.partition() or 0, message.offset() or 0,
            message.key(), message.value(), error)])  # fmt: skip
