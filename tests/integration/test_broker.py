"""The broker the integration tests run against does transactions (exactly-once) properly."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    Producer,
    TopicPartition,
)

TopicFactory = Callable[..., str]  # the `topic_factory` fixture of conftest.py
TIMEOUT = 30.0


def _transactional_producer(bootstrap_servers: str) -> Producer:
    producer = Producer(
        {
            "bootstrap.servers": bootstrap_servers,
            "transactional.id": f"it-broker-{uuid.uuid4().hex}",
            "transaction.timeout.ms": 10_000,
        }
    )
    producer.init_transactions(TIMEOUT)
    return producer


def _consumer(bootstrap_servers: str, **config: Any) -> Consumer:
    return Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": f"it-broker-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": True,
            **config,
        }
    )


def _read_to_end(consumer: Consumer, topic: str) -> list[bytes | None]:
    """Every value in partition 0 of `topic`, from the start to the end the consumer may see
    (for read_committed that is the last stable offset)."""
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    values: list[bytes | None] = []
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        error = msg.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                return values
            raise AssertionError(f"consumer error: {error}")
        values.append(msg.value())
    raise AssertionError(f"no end of partition after {TIMEOUT}s; read so far: {values}")


def test_read_committed_consumer_sees_only_committed_transactions(
    bootstrap_servers: str, topic_factory: TopicFactory
) -> None:
    topic = topic_factory(partitions=1)
    producer = _transactional_producer(bootstrap_servers)

    producer.begin_transaction()
    producer.produce(topic, key=b"k", value=b"committed")
    producer.commit_transaction(TIMEOUT)

    producer.begin_transaction()
    producer.produce(topic, key=b"k", value=b"aborted")
    producer.flush(TIMEOUT)  # written to the log, then aborted
    producer.abort_transaction(TIMEOUT)

    committed = _consumer(bootstrap_servers, **{"isolation.level": "read_committed"})
    uncommitted = _consumer(bootstrap_servers, **{"isolation.level": "read_uncommitted"})
    try:
        assert _read_to_end(committed, topic) == [b"committed"]
        # The aborted record did reach the log: only the isolation level hides it.
        assert _read_to_end(uncommitted, topic) == [b"committed", b"aborted"]
    finally:
        committed.close()
        uncommitted.close()


def test_consumed_offsets_commit_with_the_transaction(
    bootstrap_servers: str, topic_factory: TopicFactory
) -> None:
    """Consume, transform, produce: the outputs and the input offsets commit atomically."""
    source = topic_factory(partitions=1)
    sink = topic_factory(partitions=1)

    plain = Producer({"bootstrap.servers": bootstrap_servers})
    for i in range(3):
        plain.produce(source, value=f"in-{i}".encode())
    assert plain.flush(TIMEOUT) == 0

    consumer = _consumer(bootstrap_servers, **{"isolation.level": "read_committed"})
    producer = _transactional_producer(bootstrap_servers)
    try:
        consumer.subscribe([source])
        inputs: list[bytes] = []
        deadline = time.monotonic() + TIMEOUT
        while len(inputs) < 3 and time.monotonic() < deadline:
            msg = consumer.poll(1.0)
            if msg is None or msg.error() is not None:
                continue
            inputs.append(msg.value())
        assert inputs == [b"in-0", b"in-1", b"in-2"]

        producer.begin_transaction()
        for value in inputs:
            producer.produce(sink, value=value.replace(b"in-", b"out-"))
        producer.send_offsets_to_transaction(
            consumer.position(consumer.assignment()),
            consumer.consumer_group_metadata(),
            TIMEOUT,
        )
        producer.commit_transaction(TIMEOUT)

        [offset] = consumer.committed([TopicPartition(source, 0)], timeout=TIMEOUT)
        assert offset.offset == 3
    finally:
        consumer.close()

    reader = _consumer(bootstrap_servers, **{"isolation.level": "read_committed"})
    try:
        assert _read_to_end(reader, sink) == [b"out-0", b"out-1", b"out-2"]
    finally:
        reader.close()
