"""The transactional producer: one generation at a time, and what its transaction holds.

``init_transactions`` of a new generation fences the previous producer with the same
``transactional.id`` and aborts whatever transaction it left open; that is how a restarted
instance fences its zombie, and how this one recovers when librdkafka wedges after an outage.

Outputs go to the producer a topic at a time and changelog entries a partition at a time
(``produce_batch``, one call for many records: 2.5 us a changelog entry here against 3.0 us
for one ``produce`` call each, side by side), after waiting until its queue has room for all
of them; by-root records, which carry headers, and deletions (null values) go one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer, TopicPartition

from service.ports import Record
from service.runtime.by_root_progress import ROOT_KEYS, RootKey
from service.runtime.clients import PRODUCER_QUEUE_MESSAGES, producer_config
from service.settings import Settings

BATCH_RECORDS = PRODUCER_QUEUE_MESSAGES // 4  # records a ``produce_batch`` call takes at most


class TransactionalOutput:
    def __init__(self, settings: Settings, on_error: Callable[[KafkaError], None]) -> None:
        self.settings = settings
        self.exactly_once = settings.guarantee == "exactly_once"
        self._on_error = on_error
        self._generation = 0
        self.in_transaction = False
        self.changelog_offsets: dict[int, int] = {}  # the last offset delivered per partition
        # by-root records of roots produced in the open transaction, and the last offset
        # delivered, by partition and key (a root's name: ``by_root_progress``)
        self.by_root_open: set[RootKey] = set()
        self.by_root_delivered: dict[RootKey, int] = {}
        self.producer = self._new_producer()

    def _new_producer(self) -> Producer:
        self._generation += 1
        generation = self._generation

        def on_error(error: KafkaError) -> None:
            if generation == self._generation:  # errors of a replaced producer are moot
                self._on_error(error)

        producer = Producer(producer_config(self.settings) | {"error_cb": on_error})
        if self.exactly_once:
            producer.init_transactions(15)
        return producer

    def renew(self) -> None:
        """A new generation; the open transaction of the old one is aborted by the broker."""
        self.producer = self._new_producer()
        self.in_transaction = False
        self.by_root_open.clear()

    def begin(self) -> None:
        if self.exactly_once and not self.in_transaction:
            self.producer.begin_transaction()
            self.in_transaction = True

    def produce(self, records: list[Record]) -> None:
        if records:
            self.begin()
        topics = self.settings.topics
        for record in records:  # (changelog entries: ``produce_changelog``)
            delivered = None
            if (record.topic == topics.by_root and record.partition is not None
                    and (record.key or b"").startswith(ROOT_KEYS)):  # fmt: skip
                self.by_root_open.add((record.partition, record.key or b""))
                delivered = self._by_root_delivered
            self._produce_one(record, delivered)

    def produce_outputs(self, records: list[tuple[str, bytes, bytes]]) -> None:
        """Output records, ``(topic, key, value)``: no partition, headers or report to note."""
        if not records:
            return
        self.begin()
        by_topic: dict[str, list[dict[str, Any]]] = {}
        for topic, key, value in records:  # a topic's records keep their order
            by_topic.setdefault(topic, []).append({"key": key, "value": value})
        for topic, messages in by_topic.items():
            self._send_batch(topic, messages)

    def produce_changelog(self, entries: list[tuple[bytes, bytes | None, int]]) -> None:
        """Changelog entries ``(key, value, partition)``. Only the last of each partition
        asks for its delivery report: a partition's records are delivered in order, and
        the transaction commits all of them or none."""
        if not entries:
            return
        self.begin()
        topic = self.settings.topics.changelog
        if any(value is None for _, value, _ in entries):  # deletions: one by one
            last = {partition: index for index, (_, _, partition) in enumerate(entries)}
            for index, (key, value, partition) in enumerate(entries):
                report = self._changelog_delivered if last[partition] == index else None
                self._send(topic, value, key, partition, on_delivery=report)
            return
        by_partition: dict[int, list[dict[str, Any]]] = {}
        for key, value, partition in entries:  # a partition's entries keep their order
            by_partition.setdefault(partition, []).append({"key": key, "value": value})
        for partition, messages in by_partition.items():
            messages[-1]["callback"] = self._changelog_delivered
            self._send_batch(topic, messages, partition)

    def _produce_one(self, record: Record, on_delivery: Any) -> None:
        headers: Any = record.headers or None
        if record.partition is None:
            self._send(record.topic, record.value, record.key, on_delivery=on_delivery,
                       headers=headers)  # fmt: skip
        else:
            self._send(record.topic, record.value, record.key, record.partition,
                       on_delivery=on_delivery, headers=headers)  # fmt: skip

    def _send(self, *args: Any, **kwargs: Any) -> None:
        """``Producer.produce``, waiting while the producer's queue is full."""
        while True:
            try:
                self.producer.produce(*args, **kwargs)
                return
            except BufferError:
                self.producer.poll(0.05)

    def _send_batch(self, topic: str, messages: list[dict[str, Any]],
                    partition: int | None = None) -> None:  # fmt: skip
        """``Producer.produce_batch`` of records of one topic, in order: to ``partition``, else
        each to its key's (the partitioner's, as ``produce``). A message's own ``partition``
        is ignored by confluent-kafka 2.16's ``produce_batch``, so a batch goes to one. It
        takes what the queue has room for and marks the rest (``_error``), so it is called
        only once the queue has room for them all: nothing else adds to it meanwhile. A record
        it refuses even so raises, as ``produce`` would (the transaction is then aborted)."""
        producer = self.producer
        for start in range(0, len(messages), BATCH_RECORDS):
            chunk = messages[start : start + BATCH_RECORDS]
            while len(producer) + len(chunk) > PRODUCER_QUEUE_MESSAGES:
                producer.poll(0.05)
            queued = (producer.produce_batch(topic, chunk) if partition is None
                      else producer.produce_batch(topic, chunk, partition))  # fmt: skip
            if queued < len(chunk):
                raise KafkaException(
                    _refusal(next(message["_error"] for message in chunk if "_error" in message))
                )

    def _changelog_delivered(self, error: KafkaError | None, message: Message) -> None:
        _note_delivery(self.changelog_offsets, error, message, message.partition())

    def _by_root_delivered(self, error: KafkaError | None, message: Message) -> None:
        key = (message.partition(), message.key() or b"")
        _note_delivery(self.by_root_delivered, error, message, key)

    def commit(self, positions: list[TopicPartition], consumer: Any) -> None:
        """Steps 2 and 3: the input offsets into the transaction, then commit it.
        ``commit_transaction`` delivers what is still queued (and serves the delivery reports)
        before it commits: the offsets go out while the last records are in flight."""
        if not self.exactly_once:
            if self.producer.flush(30):  # records still queued: their offsets wait
                raise KafkaException(KafkaError(KafkaError._TIMED_OUT, "flush timed out"))
            if positions:
                consumer.commit(offsets=positions, asynchronous=False)
            self.by_root_open.clear()
            return
        self.begin()
        if positions:
            self.producer.send_offsets_to_transaction(
                positions, consumer.consumer_group_metadata(), 30
            )
        self.producer.commit_transaction(30)
        self.in_transaction = False
        self.by_root_open.clear()  # their offsets were delivered, in ``by_root_delivered``

    def abort(self) -> None:
        if self.in_transaction:
            self.producer.abort_transaction(30)
            self.in_transaction = False
            self.by_root_open.clear()

    def close(self) -> None:
        """Deliver what is queued; a fenced producer has nothing left to deliver."""
        try:
            self.producer.flush(10)
        except KafkaException as exc:
            if not exc.args[0].fatal():
                raise


def _refusal(error: KafkaError) -> KafkaError:
    """A record's error from ``produce_batch``, fatal when the producer is (``_FATAL``: fenced,
    say), as the one ``produce`` raises then is."""
    if error.code() != KafkaError._FATAL:
        return error
    return KafkaError(KafkaError._FATAL, error.str(), fatal=True)


def _note_delivery(last: dict[Any, int], error: KafkaError | None, message: Message,
                   key: Any) -> None:  # fmt: skip
    """A delivery report: the highest offset delivered under ``key``."""
    offset = message.offset()
    if error is None and message.partition() is not None and offset is not None:
        last[key] = max(last.get(key, -1), offset)
