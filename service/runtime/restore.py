"""Restore by-root partitions: each local store, then the changelog tail after its offset.

The changelog is read ``read_committed``, so entries of transactions that never committed
are never applied. A store is only ever written after its transaction committed, so its
offset never runs ahead of the committed changelog. One reader serves all partitions.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TypeVar

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from service.errors import CreditServiceError
from service.ports import StateStore
from service.runtime.clients import reader_config
from service.settings import Settings

BATCH = 10_000
T = TypeVar("T")


class RestoreError(CreditServiceError):
    """The changelog could not be read back."""


@contextmanager
def bulk_load() -> Iterator[None]:
    """Restoring builds several objects per book and frees none, so the cyclic garbage
    collector would scan the growing heap again and again (about a third of the time of
    loading 200k books here). It is paused meanwhile; afterwards the restored state is frozen
    out of later collections (books hold no reference cycles; they are freed by reference
    counting as ever)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.freeze()


def restore_partitions(settings: Settings, stores: Mapping[int, StateStore],
                       tick: Callable[[], None] = lambda: None) -> int:  # fmt: skip
    """Bring every store up to the end of its changelog partition; returns records applied.
    ``tick`` is called between reads (the runtime beats ``/healthz`` there: a large restore
    must not look like a stuck loop)."""
    if not stores:
        return 0
    topic = settings.topics.changelog
    reader = Consumer(reader_config(settings, "restore"))
    try:
        starts = {p: store.changelog_offset() for p, store in stores.items()}
        reader.assign([
            TopicPartition(topic, p, OFFSET_BEGINNING if at is None else at + 1)
            for p, at in starts.items()
        ])  # fmt: skip
        return _read_to_end(reader, stores, tick)
    finally:
        reader.close()


def _read_to_end(reader: Consumer, stores: Mapping[int, StateStore],
                 tick: Callable[[], None]) -> int:  # fmt: skip
    pending = set(stores)
    applied = 0
    while pending:
        tick()
        changes: dict[int, dict[bytes, bytes | None]] = {}
        last: dict[int, int] = {}
        for message in reader.consume(BATCH, timeout=0.02):  # waits for BATCH until then
            error, partition, offset = message.error(), message.partition(), message.offset()
            if partition is None or offset is None:
                continue
            if error is not None:
                if error.code() != KafkaError._PARTITION_EOF:
                    raise RestoreError(f"changelog read failed: {error}")
                pending.discard(partition)
                continue
            key = message.key()
            if key is not None:
                changes.setdefault(partition, {})[key] = message.value()
            last[partition] = offset
        for partition, offset in last.items():
            stores[partition].write(changes.get(partition, {}), offset)
            applied += len(changes.get(partition, {}))
    return applied


def beating(items: Iterable[T], beat: Callable[[], None], every: int = 50_000) -> Iterator[T]:
    """``items``, calling ``beat`` every ``every`` of them (loading a large store)."""
    for count, item in enumerate(items, start=1):
        if count % every == 0:
            beat()
        yield item


def restore_partition(settings: Settings, partition: int, store: StateStore) -> int:
    """One partition's store up to the end of its changelog partition."""
    return restore_partitions(settings, {partition: store})
