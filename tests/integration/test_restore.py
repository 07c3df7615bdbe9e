"""Restore of by-root stores from the changelog, on the broker: every committed entry is
applied, tombstones remove, and the runtime's ``tick`` is called while it reads (a large
restore keeps ``/healthz`` alive)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from confluent_kafka import Producer

from service.runtime.clients import ensure_topics
from service.runtime.restore import Changes, beating, present, restore_partitions
from service.stores import InMemoryStateStore, StateStoreError
from tests.contract.harness import isolated_settings


def test_the_changelog_is_restored_with_ticks(bootstrap_servers: str, tmp_path: Path) -> None:
    settings = isolated_settings(bootstrap_servers, tmp_path)
    ensure_topics(settings)
    producer = Producer({"bootstrap.servers": bootstrap_servers})
    for number in range(3000):
        producer.produce(settings.topics.changelog, b"v%d" % number, b"k%d" % (number % 1000),
                         number % 2)  # fmt: skip
    producer.produce(settings.topics.changelog, None, b"k0", 0)  # a tombstone
    producer.flush(30)
    stores = {0: InMemoryStateStore(), 1: InMemoryStateStore()}
    ticks: list[None] = []
    kept: dict[int, Changes] = {0: {}}  # partition 0 as a new node's: books from what was read
    applied = restore_partitions(settings, stores, lambda: ticks.append(None), kept)
    assert 1000 <= applied <= 3001  # the changes of one read are applied per key
    assert len(ticks) >= 2
    restored = {k: v for store in stores.values() for k, v in store.items()}
    assert len(restored) == 999 and b"k0" not in restored
    assert restored[b"k999"] == b"v2999"
    assert stores[0].changelog_offset() == 1500 and stores[1].changelog_offset() == 1499
    assert len(kept[0]) == 500 and kept[0][b"k0"] is None  # the tombstone, kept as one
    assert list(kept) == [0] and dict(present(kept[0])) == dict(stores[0].items())


def test_loading_a_store_beats_every_so_many_books() -> None:
    beats: list[None] = []
    assert list(beating(range(10), lambda: beats.append(None), every=3)) == list(range(10))
    assert len(beats) == 3


class _FullDisk(InMemoryStateStore):
    def write(self, changes: Mapping[bytes, bytes | None], changelog_offset: int) -> None:
        raise StateStoreError("no space left on device")


def test_a_store_that_cannot_be_written_fails_the_restore(bootstrap_servers: str,
                                                          tmp_path: Path) -> None:  # fmt: skip
    """Stores are written on a writer thread; what a write raises reaches the caller."""
    settings = isolated_settings(bootstrap_servers, tmp_path)
    ensure_topics(settings)
    producer = Producer({"bootstrap.servers": bootstrap_servers})
    producer.produce(settings.topics.changelog, b"v", b"k", 0)
    producer.flush(30)
    with pytest.raises(StateStoreError, match="no space left"):
        restore_partitions(settings, {0: _FullDisk()})
