"""The reference snapshot on the broker: published in chunks and fetched whole, with the
loop kept alive (``tick``) all along, and SIGTERM (a tick that raises) stopping either."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.runtime import snapshot_topic
from service.runtime.clients import ensure_topics
from service.runtime.reference_loading import StopRequested
from tests.contract.harness import isolated_settings

PAYLOAD = bytes(range(256)) * 400  # 102,400 bytes: 11 chunks of 10,000


class Ticks:
    def __init__(self, stop_after: int | None = None) -> None:
        self.count = 0
        self.stop_after = stop_after

    def __call__(self) -> None:
        self.count += 1
        if self.stop_after is not None and self.count > self.stop_after:
            raise StopRequested("SIGTERM")


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot_topic, "CHUNK_BYTES", 10_000)


def test_published_and_fetched_whole_with_ticks(bootstrap_servers: str, tmp_path: Path) -> None:
    settings = isolated_settings(bootstrap_servers, tmp_path)
    ensure_topics(settings)
    published, fetched = Ticks(), Ticks()
    assert snapshot_topic.publish(settings, PAYLOAD, published) == 12  # 11 chunks, manifest
    assert snapshot_topic.fetch(settings, fetched) == PAYLOAD
    assert published.count >= 12
    assert fetched.count >= 2


def test_a_stop_interrupts_publishing_and_fetching(bootstrap_servers: str,
                                                  tmp_path: Path) -> None:  # fmt: skip
    settings = isolated_settings(bootstrap_servers, tmp_path)
    ensure_topics(settings)
    snapshot_topic.publish(settings, PAYLOAD)
    with pytest.raises(StopRequested):
        snapshot_topic.publish(settings, PAYLOAD[::-1], Ticks(stop_after=3))
    assert snapshot_topic.fetch(settings) in (None, PAYLOAD)  # never the half-published one
    with pytest.raises(StopRequested):
        snapshot_topic.fetch(settings, Ticks(stop_after=1))
