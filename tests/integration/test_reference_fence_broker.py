"""What ``service/runtime/reference_fence.py`` relies on, against the real broker: librdkafka's
statistics give a read_committed consumer a partition's last stable offset, which stops before
a transaction still open, while its cached high watermark counts that transaction's records."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from confluent_kafka import Consumer, Producer, TopicPartition

from service.runtime.reference_fence import STATISTICS_INTERVAL_MS, stable_offsets

TopicFactory = Callable[..., str]


def _reports_until(consumer: Consumer, reports: list[dict[tuple[str, int], int]],
                   done: Callable[[dict[tuple[str, int], int]], bool]) -> None:  # fmt: skip
    deadline = time.monotonic() + 20
    while not (reports and done(reports[-1])):
        assert time.monotonic() < deadline, reports[-1:] or "no statistics"
        consumer.poll(0.1)


def test_the_stable_offset_stops_before_an_open_transaction(
    bootstrap_servers: str, topic_factory: TopicFactory
) -> None:  # fmt: skip
    topic = topic_factory(partitions=1)
    plain = Producer({"bootstrap.servers": bootstrap_servers})
    for _ in range(5):
        plain.produce(topic, b"published", partition=0)
    plain.flush(10)
    open_one = Producer({"bootstrap.servers": bootstrap_servers,
                         "transactional.id": f"fence-{uuid.uuid4().hex[:8]}"})  # fmt: skip
    open_one.init_transactions(30)
    open_one.begin_transaction()
    open_one.produce(topic, b"not yet committed", partition=0)  # offset 5
    open_one.flush(10)
    reports: list[dict[tuple[str, int], int]] = []
    consumer = Consumer({
        "bootstrap.servers": bootstrap_servers, "group.id": f"fence-{uuid.uuid4().hex[:8]}",
        "isolation.level": "read_committed", "auto.offset.reset": "earliest",
        "statistics.interval.ms": STATISTICS_INTERVAL_MS,
        "stats_cb": lambda report: reports.append(stable_offsets(report, {topic})),
    })  # fmt: skip
    try:
        consumer.subscribe([topic])
        _reports_until(consumer, reports, lambda stable: stable.get((topic, 0), -1) >= 5)
        high = consumer.get_watermark_offsets(TopicPartition(topic, 0), cached=True)[1]
        assert (reports[-1][(topic, 0)], high) == (5, 6)
        open_one.commit_transaction(30)
        _reports_until(consumer, reports, lambda stable: stable[(topic, 0)] > 5)
        assert reports[-1][(topic, 0)] == 7  # the record and its commit marker
    finally:
        consumer.close()
