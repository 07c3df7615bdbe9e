"""Read what the service published (read_committed), decoded: for the demo's live summary,
the benchmarks and the integration tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from confluent_kafka import Consumer, KafkaError, Message, TopicPartition

from service.codec import AvroCodec
from service.runtime.clients import take
from service.settings import Settings


class OutputWatcher:
    """Follows the output topics from the beginning (or the end) without a consumer group."""

    def __init__(self, settings: Settings, codec: AvroCodec, from_end: bool = False,
                 topics: list[str] | None = None) -> None:  # fmt: skip
        self.codec = codec
        self.topics = topics or settings.topics.outputs()
        self._consumer = Consumer({
            "bootstrap.servers": settings.bootstrap_servers,
            "group.id": f"watch-{uuid.uuid4()}", "enable.auto.commit": False,
            "isolation.level": "read_committed", "auto.offset.reset": "latest" if from_end
            else "earliest", "fetch.wait.max.ms": 10,
        })  # fmt: skip
        self._consumer.subscribe(self.topics)

    def poll(
        self, timeout: float = 0.2, max_records: int = 5000
    ) -> Iterator[tuple[str, dict[str, Any], Any]]:
        """``(topic, decoded event, message)``; dead letters are passed through raw."""
        for message in self.messages(timeout, max_records):
            topic = message.topic() or ""
            if topic.endswith("dead-letter"):
                yield topic, {"event_type": "dead_letter"}, message
            else:
                yield topic, self.codec.decode(topic, message.value() or b""), message

    def messages(self, timeout: float = 0.2, max_records: int = 5000) -> Iterator[Message]:
        """The records read, not decoded (a partition's end is no record)."""
        for message in take(self._consumer, max_records, timeout):
            error = message.error()
            if error is not None:
                if error.code() != KafkaError._PARTITION_EOF:
                    raise RuntimeError(str(error))
                continue
            yield message

    def end_offsets(self) -> dict[tuple[str, int], int]:
        ends = {}
        for topic in self.topics:
            metadata = self._consumer.list_topics(topic, timeout=10).topics[topic]
            for partition in metadata.partitions:
                ends[(topic, partition)] = self._consumer.get_watermark_offsets(
                    TopicPartition(topic, partition), timeout=10)[1]  # fmt: skip
        return ends

    def close(self) -> None:
        self._consumer.close()
