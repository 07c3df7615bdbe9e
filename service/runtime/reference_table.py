"""The global reference table: every instance reads ``credit.reference`` in full.

It uses its own consumer with manually assigned partitions (no group offsets), from the
beginning, and reports when it has caught up with the end it saw at start-up.
"""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message, TopicPartition

from service.runtime.clients import reader_config
from service.settings import Settings

log = structlog.get_logger(__name__)


class ReferenceTable:
    def __init__(self, settings: Settings) -> None:
        self.topic = settings.topics.reference
        self._consumer = Consumer(reader_config(settings, "reference"))
        metadata = self._consumer.list_topics(self.topic, timeout=30).topics[self.topic]
        partitions = sorted(metadata.partitions)
        self._consumer.assign([TopicPartition(self.topic, p, OFFSET_BEGINNING) for p in partitions])
        self._ends = {p: self._consumer.get_watermark_offsets(TopicPartition(self.topic, p),
                                                              timeout=30)[1]
                      for p in partitions}  # fmt: skip
        self._positions = dict.fromkeys(partitions, 0)

    @property
    def caught_up(self) -> bool:
        """Read up to the end seen at start-up: the instance may become ready."""
        return all(self._positions[p] >= end for p, end in self._ends.items())

    def left_to_load(self) -> int:
        """Records between what was read and the end seen at start-up."""
        return sum(max(end - self._positions[p], 0) for p, end in self._ends.items())

    def behind(self) -> int:
        """Records between what was read and the current end of the topic."""
        return sum(
            max(self._consumer.get_watermark_offsets(TopicPartition(self.topic, p), timeout=10)[1]
                - position, 0)
            for p, position in self._positions.items()
        )  # fmt: skip

    def poll(self, max_records: int = 5000, timeout: float = 0.0) -> Iterator[Message]:
        """Reference records read so far, in partition order."""
        for message in self._consumer.consume(max_records, timeout):
            error, partition, offset = message.error(), message.partition(), message.offset()
            if partition is None or offset is None:
                continue
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    self._positions[partition] = max(self._positions[partition], offset)
                else:
                    log.warning("reference_read_error", error=str(error))
                continue
            self._positions[partition] = offset + 1
            yield message

    def close(self) -> None:
        self._consumer.close()
