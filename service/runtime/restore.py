"""Restore by-root partitions: each local store, then the changelog tail after its offset.

The changelog is read ``read_committed``, so entries of transactions that never committed
are never applied. A store is only ever written after its transaction committed, so its
offset never runs ahead of the committed changelog. One reader serves all partitions.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from service.errors import CreditServiceError
from service.ports import StateStore
from service.runtime.clients import reader_config, take
from service.settings import Settings

BATCH = 10_000
WRITES_AHEAD = 8  # batches handed to the writer thread and not written yet, at most
T = TypeVar("T")
Changes = dict[bytes, bytes | None]  # key → value; None: a tombstone


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
                       tick: Callable[[], None] = lambda: None,
                       kept: Mapping[int, Changes] | None = None) -> int:  # fmt: skip
    """Bring every store up to the end of its changelog partition; returns records applied.
    ``tick`` is called between reads (the runtime beats ``/healthz`` there: a large restore
    must not look like a stuck loop). ``kept`` names partitions whose store started empty,
    each with a dict that receives every change read (the last per key, ``None`` for a
    tombstone), so that their books are taken from it instead of being read back."""
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
        return _read_to_end(reader, stores, tick, kept or {})
    finally:
        reader.close()


def _read_to_end(reader: Consumer, stores: Mapping[int, StateStore],
                 tick: Callable[[], None], kept: Mapping[int, Changes]) -> int:  # fmt: skip
    """Read every partition to its end. Each batch goes to its stores on a writer thread
    (RocksDB writes let go of the GIL), in order, while the next batch is read."""
    pending = set(stores)
    applied = 0
    with ThreadPoolExecutor(1, thread_name_prefix="restore-writer") as writer:
        writes: deque[Future[None]] = deque()
        while pending:
            tick()
            changes, last = _next_batch(reader, pending)
            for partition, offset in last.items():
                batch = changes.get(partition, {})
                if partition in kept:
                    kept[partition].update(batch)
                writes.append(writer.submit(stores[partition].write, batch, offset))
                applied += len(batch)
            while writes and (writes[0].done() or len(writes) > WRITES_AHEAD):
                writes.popleft().result()  # raises what the write raised
        while writes:
            writes.popleft().result()
    return applied


def _next_batch(reader: Consumer, pending: set[int],
                ) -> tuple[dict[int, Changes], dict[int, int]]:  # fmt: skip
    """Up to ``BATCH`` changelog records: the changes and the last offset per partition; a
    partition read to its end leaves ``pending``."""
    changes: dict[int, Changes] = {}
    last: dict[int, int] = {}
    for message in take(reader, BATCH, 0.02):
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
    return changes, last


def present(changes: Changes) -> Iterator[tuple[bytes, bytes]]:
    """The entries of ``changes`` that are not tombstones: a store's items."""
    return ((key, value) for key, value in changes.items() if value is not None)


def beating(items: Iterable[T], beat: Callable[[], None], every: int = 50_000) -> Iterator[T]:
    """``items``, calling ``beat`` every ``every`` of them (loading a large store)."""
    for count, item in enumerate(items, start=1):
        if count % every == 0:
            beat()
        yield item


def restore_partition(settings: Settings, partition: int, store: StateStore) -> int:
    """One partition's store up to the end of its changelog partition."""
    return restore_partitions(settings, {partition: store})
