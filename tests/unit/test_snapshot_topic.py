"""Chunks and manifest of the reference snapshot on Kafka: a reader accepts a whole snapshot
only (``service.runtime.snapshot_topic``)."""

from __future__ import annotations

from typing import Any

import pytest

from service.runtime import snapshot_topic
from service.runtime.snapshot_topic import MANIFEST, assemble, chunk_key, records

PAYLOAD = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot_topic, "CHUNK_BYTES", 3000)


def latest(payload: bytes) -> dict[bytes, tuple[bytes | None, str | None]]:
    return {key: (value, identity) for key, value, identity in records(payload)}


def test_a_whole_snapshot_is_read_back() -> None:
    written = latest(PAYLOAD)
    assert [k for k in written if k != MANIFEST] == [chunk_key(n) for n in range(4)]
    assert assemble(written) == PAYLOAD


def test_a_missing_or_foreign_chunk_or_bad_manifest_is_no_snapshot() -> None:
    missing = latest(PAYLOAD)
    del missing[chunk_key(2)]
    assert assemble(missing) is None
    mixed = latest(PAYLOAD)  # another instance's snapshot overwrote one chunk
    mixed[chunk_key(1)] = latest(PAYLOAD[::-1])[chunk_key(1)]
    assert assemble(mixed) is None
    forged = latest(PAYLOAD)  # the header says the right snapshot, the bytes are not its
    value, identity = forged[chunk_key(0)]
    assert value is not None
    forged[chunk_key(0)] = (b"x" + value[1:], identity)
    assert assemble(forged) is None
    for manifest in (None, b"{}", b"not json", b'{"id": "a", "chunks": "many"}'):
        broken = latest(PAYLOAD) | {MANIFEST: (manifest, None)}
        assert assemble(broken) is None
    assert assemble({}) is None


def test_the_newest_snapshot_wins_over_leftover_chunks() -> None:
    """A larger older snapshot leaves chunks the newer one does not overwrite."""
    older, newer = PAYLOAD * 2, PAYLOAD[:5000]
    log = latest(older) | latest(newer)  # later records of a key replace earlier ones
    assert len(log) > len(latest(newer))
    assert assemble(log) == newer


class SilentReader:
    """A partition that never delivers a record (a broker that stopped answering)."""

    def consume(self, num_messages: int, timeout: float) -> list[object]:
        return []

    def poll(self, timeout: float) -> None:
        return None


def test_a_fetch_without_progress_gives_up_and_keeps_ticking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(snapshot_topic, "TICK_S", 0.0)
    ticks: list[None] = []
    reader: Any = SilentReader()
    with pytest.raises(snapshot_topic.SnapshotTopicError, match="nothing read"):
        list(snapshot_topic._read_to(reader, 10, lambda: ticks.append(None), timeout=0.05))
    assert len(ticks) >= 2
