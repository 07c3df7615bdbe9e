"""Whether an input partition has records the consumer has not handed out yet: what lets the
event-time merge (``merge.py``) release the other partitions' records.

While a partition hands out records, its position says how far it is, against the high
watermark of the last fetch. librdkafka gives a partition no position until it hands out a
record after an assignment or a seek, and its cached watermarks may be those of an earlier
assignment. So when a partition starts again (assignment, rewind) the broker is asked for its
watermarks: if its start (the committed offset, else the log start) is the end, it is idle, and
it counts as lagging only once a fetch shows records past that end. Any other partition that
has handed out nothing yet counts as lagging: a backlog at start-up is merged in event time.
"""

from __future__ import annotations

from typing import Any

import structlog
from confluent_kafka import KafkaException, TopicPartition

log = structlog.get_logger(__name__)
Partition = tuple[str, int]


class InputLag:
    def __init__(self) -> None:
        self._idle_until: dict[Partition, int] = {}  # nothing to read at its start: the end then

    def started(self, consumer: Any, committed: list[TopicPartition]) -> None:
        """Partitions that start from their committed offsets (``TopicPartition.offset``, or a
        negative one when none is committed)."""
        for tp in committed:
            key = (tp.topic, tp.partition)
            self._idle_until.pop(key, None)
            try:
                low, high = consumer.get_watermark_offsets(
                    TopicPartition(tp.topic, tp.partition), timeout=10, cached=False)  # fmt: skip
            except KafkaException as exc:  # unknown: it counts as lagging until it hands out
                log.warning("watermarks_unknown", topic=tp.topic, partition=tp.partition,
                            error=str(exc))  # fmt: skip
                continue
            start = tp.offset if low <= tp.offset <= high else low  # else reset to earliest
            if start >= high:
                self._idle_until[key] = high

    def forget(self, partition: Partition) -> None:
        self._idle_until.pop(partition, None)

    def has_lag(self, consumer: Any, partition: Partition) -> bool:
        tp = TopicPartition(*partition)
        watermarks = consumer.get_watermark_offsets(tp, cached=True)
        high = watermarks[1] if watermarks is not None else -1
        position = consumer.position([tp])[0].offset
        if position >= 0:
            return high < 0 or position < high
        idle_until = self._idle_until.get(partition)
        return idle_until is None or high > idle_until
