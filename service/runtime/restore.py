"""Restore one by-root partition: the local store, then the changelog tail after it.

The changelog is read ``read_committed``, so entries of transactions that never committed
are never applied. A store is only ever written after its transaction committed, so its
offset never runs ahead of the committed changelog.
"""

from __future__ import annotations

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from service.ports import StateStore
from service.runtime.clients import reader_config
from service.settings import Settings

BATCH = 10_000


def restore_partition(settings: Settings, partition: int, store: StateStore) -> int:
    """Bring ``store`` up to the end of its changelog partition; returns records applied."""
    topic = settings.topics.changelog
    reader = Consumer(reader_config(settings, f"restore-{partition}"))
    try:
        stored = store.changelog_offset()
        start = OFFSET_BEGINNING if stored is None else stored + 1
        reader.assign([TopicPartition(topic, partition, start)])
        applied = 0
        while True:
            changes: dict[bytes, bytes | None] = {}
            last = None
            done = False
            for message in reader.consume(BATCH, timeout=1.0):
                error = message.error()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        done = True
                        continue
                    raise RuntimeError(f"changelog read failed: {error}")
                key = message.key()
                if key is not None:
                    changes[key] = message.value()
                last = message.offset()
            if last is not None:
                store.write(changes, last)
                applied += len(changes)
            if done:
                return applied
    finally:
        reader.close()
