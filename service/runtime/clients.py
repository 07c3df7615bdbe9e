"""Kafka client configuration and topic administration, in one place."""

from __future__ import annotations

import time
from typing import Any

from confluent_kafka import Consumer, KafkaException, Message, TopicCollection, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from service.errors import ConfigurationError
from service.settings import Settings

COMPACTED = {"cleanup.policy": "compact"}
# A fetch waits for this many bytes, or ``fetch.wait.max.ms`` (10 ms), whichever comes first.
# With librdkafka's default of 1 byte, a consumer of a busy topic fetches again as soon as each
# reply is in: about 1,000 fetches a second from the group consumer at 10,000 events/s
# (``make bench-kafka``, phase 2), with the broker at 95% of a core (72% with this). Waiting
# adds at most the 10 ms to a record's way.
FETCH_MIN_BYTES = 1 << 20
# few, large records rewritten now and then: small segments, so that compaction keeps up
SNAPSHOTS = COMPACTED | {"segment.bytes": str(64 << 20), "min.cleanable.dirty.ratio": "0.1"}


def common(settings: Settings) -> dict[str, Any]:
    return {"bootstrap.servers": settings.bootstrap_servers, "client.id": settings.instance_id}


def consumer_config(settings: Settings) -> dict[str, Any]:
    return common(settings) | {
        "group.id": settings.application_id,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "isolation.level": "read_committed",
        "fetch.wait.max.ms": 10,
        "fetch.min.bytes": FETCH_MIN_BYTES,
        "session.timeout.ms": settings.session_timeout_ms,
        "heartbeat.interval.ms": max(settings.session_timeout_ms // 5, 200),
        "partition.assignment.strategy": "range",
    }


# librdkafka's default, set here because ``TransactionalOutput`` waits for room in the queue
PRODUCER_QUEUE_MESSAGES = 100_000


def producer_config(settings: Settings) -> dict[str, Any]:
    config = common(settings) | {
        "linger.ms": settings.producer_linger_ms,
        "retry.backoff.ms": settings.producer_retry_backoff_ms,
        "retry.backoff.max.ms": 10 * settings.producer_retry_backoff_ms,
        "enable.idempotence": True,
        "queue.buffering.max.messages": PRODUCER_QUEUE_MESSAGES,
    }
    if settings.guarantee == "exactly_once":
        config |= {"transactional.id": settings.transactional_id, "transaction.timeout.ms": 60_000}
    return config


def take(consumer: Consumer, max_records: int, timeout: float) -> list[Message]:
    """Up to ``max_records`` records: those fetched already, at once; with none, the first to
    arrive within ``timeout`` seconds (what came with it is the next call's).
    ``Consumer.consume(n, timeout)`` waits out its whole timeout unless ``n`` records come,
    even at a partition's end, so a record read by it waited the timeout on every hop; ``poll``
    returns with the first one. Each call reads the consumer once: a rebalance served by a
    second read could revoke the partition of a record already taken."""
    messages: list[Message] = consumer.consume(max_records, 0)
    if messages or timeout <= 0:
        return messages
    first = consumer.poll(timeout)
    return [] if first is None else [first]


def reader_config(settings: Settings, purpose: str) -> dict[str, Any]:
    """A consumer that assigns partitions itself (global table, restore): no group offsets."""
    return common(settings) | {
        "group.id": f"{settings.application_id}-{purpose}-{settings.instance_id}",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "isolation.level": "read_committed",
        "fetch.wait.max.ms": 10,
        "fetch.min.bytes": FETCH_MIN_BYTES,
        "fetch.queue.backoff.ms": 10,  # default 1 s pause whenever the local queue is full
    }


def uncommitted_ends(settings: Settings, partitions: list[TopicPartition],
                     ) -> list[tuple[int, int]]:  # fmt: skip
    """The low and high watermarks of ``partitions``, records of open transactions included.
    A ``read_committed`` client's high watermark is the last stable offset: it stops before a
    transaction still open, whose records may commit and come before what is read next."""
    reader = Consumer(reader_config(settings, "ends") | {"isolation.level": "read_uncommitted"})
    try:
        return [reader.get_watermark_offsets(tp, timeout=10) for tp in partitions]
    finally:
        reader.close()


def topic_plan(settings: Settings) -> list[NewTopic]:
    t, rf = settings.topics, settings.replication_factor
    plan = [NewTopic(name, settings.input_partitions, rf) for name in t.transaction_inputs()]
    plan += [NewTopic(name, settings.input_partitions, rf) for name in t.outputs()]
    plan.append(NewTopic(t.reference, 1, rf, config=COMPACTED))
    plan.append(NewTopic(t.by_root, settings.by_root_partitions, rf))
    plan.append(NewTopic(t.changelog, settings.by_root_partitions, rf, config=COMPACTED))
    plan.append(NewTopic(t.reference_snapshot, 1, rf, config=SNAPSHOTS))
    return plan


def ensure_topics(settings: Settings, timeout: float = 15.0) -> None:
    """Create missing topics; the internal ones must have ``by_root_partitions`` partitions."""
    admin = AdminClient(common(settings))
    existing = admin.list_topics(timeout=timeout).topics
    missing = [topic for topic in topic_plan(settings) if topic.topic not in existing]
    for name, future in (admin.create_topics(missing) if missing else {}).items():
        try:
            future.result(timeout)
        except KafkaException as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise ConfigurationError(f"cannot create topic {name}: {exc}") from exc
    for name in (settings.topics.by_root, settings.topics.changelog):
        count = _partition_count(admin, name, timeout)
        if count != settings.by_root_partitions:
            raise ConfigurationError(
                f"{name} has {count} partitions, "
                f"CREDIT_BY_ROOT_PARTITIONS says {settings.by_root_partitions}"
            )
    if _partition_count(admin, settings.topics.reference, timeout) != 1:
        raise ConfigurationError(  # its offsets order membership moves across instances
            f"{settings.topics.reference} must have exactly 1 partition"
        )


def _partition_count(admin: AdminClient, topic: str, timeout: float) -> int:
    """Partitions of a topic, waiting while a just-created topic is not in the metadata yet."""
    deadline = time.monotonic() + timeout
    while True:
        metadata = admin.list_topics(topic, timeout=timeout).topics.get(topic)
        count = len(metadata.partitions) if metadata is not None and metadata.error is None else 0
        if count or time.monotonic() > deadline:
            return count
        time.sleep(0.1)


def topic_id(settings: Settings, topic: str, timeout: float = 15.0) -> str:
    """The topic's id: it tells a topic from an earlier one of the same name."""
    admin = AdminClient(common(settings))
    description = admin.describe_topics(TopicCollection([topic]))[topic].result(timeout)
    return str(description.topic_id)
