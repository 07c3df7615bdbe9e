"""The global reference table: every instance reads ``credit.reference`` in full.

It uses its own consumer with a manually assigned partition (no group offsets), from the
beginning or from where a local snapshot ends (``reference_snapshot``), and reports when it has
caught up with the end it saw at start-up.
"""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message, TopicPartition

from service.runtime.clients import reader_config, take
from service.settings import Settings

log = structlog.get_logger(__name__)


class ReferenceTable:
    """The topic has one partition (``ensure_topics`` checks it): its offsets order the
    reference records for every instance."""

    PARTITION = 0

    def __init__(self, settings: Settings) -> None:
        self.topic = settings.topics.reference
        self._consumer = Consumer(reader_config(settings, "reference"))
        self.end = self._consumer.get_watermark_offsets(TopicPartition(self.topic, self.PARTITION),
                                                        timeout=30)[1]  # fmt: skip
        # a client that never fetches: the reader's own requests queue behind its fetch, which
        # waits up to ``fetch.wait.max.ms`` on an idle topic
        self._ends_client = Consumer(reader_config(settings, "reference-end"))
        self._positions = {self.PARTITION: 0}

    def begin(self, at: int = 0) -> None:
        """Read from offset ``at`` (a snapshot holds the records before it), else from the start."""
        start = OFFSET_BEGINNING if at == 0 else at
        self._consumer.assign([TopicPartition(self.topic, self.PARTITION, start)])
        self._positions[self.PARTITION] = at

    @property
    def caught_up(self) -> bool:
        """Read up to the end seen at start-up: the instance may become ready."""
        return self.read_to(self.end)

    def left_to_load(self) -> int:
        """Records between what was read and the end seen at start-up."""
        return max(self.end - self._positions[self.PARTITION], 0)

    def behind(self) -> int:
        """Records between what was read and the current end of the topic."""
        return max(self.end_now() - self._positions[self.PARTITION], 0)

    def end_now(self) -> int:
        """The topic's end as the broker says it now (a round trip, not the cached figure)."""
        return int(self._ends_client.get_watermark_offsets(
            TopicPartition(self.topic, self.PARTITION), timeout=10, cached=False)[1])  # fmt: skip

    def read_to(self, end: int) -> bool:
        """Every record before offset ``end`` was read (and handed to the caller)."""
        return self._positions[self.PARTITION] >= end

    def poll(self, max_records: int = 5000, timeout: float = 0.0) -> Iterator[Message]:
        """Reference records read so far, in partition order."""
        for message in take(self._consumer, max_records, timeout):
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
        self._ends_client.close()
