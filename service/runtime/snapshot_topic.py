"""The reference snapshot shared through Kafka, for an instance with no local state of its own.

A local snapshot (``reference_snapshot``) spares a restart the full read of the reference
table; a new node (a new pod, a lost volume) has none. So the instance that writes a snapshot
also publishes it to the compacted topic ``credit.internal.reference-snapshot``: chunks of at most
``CHUNK_BYTES`` under the keys ``chunk-000000``, ``chunk-000001``, …, then a ``manifest`` naming
the snapshot (its position and digest) and its chunk count. Each chunk says in a header which
snapshot it belongs to. A reader keeps the last record of every key and accepts the manifest's
snapshot only if every chunk it names is there, of that snapshot, and the bytes match the
digest; anything else (a snapshot half written, two instances writing at once, compaction
midway) is no snapshot, and the table is read in full. What it accepts goes through the same
checks as a local file (code, topic id, position) and the same data-only unpickler.

Both directions call ``tick`` at least every ``TICK_S`` (the caller beats ``/healthz`` there
and stops on SIGTERM by raising), and give up with ``SnapshotTopicError`` after ``timeout``
seconds without progress: a slow or unreachable broker costs a full read of the table, never a
start that hangs.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition

from service.errors import CreditServiceError
from service.runtime.clients import common, reader_config, take
from service.settings import Settings

CHUNK_BYTES = 512 * 1024  # under the broker's default message.max.bytes (1 MiB)
MANIFEST = b"manifest"
SNAPSHOT_HEADER = "credit.snapshot"
TICK_S = 1.0
Entry = tuple[bytes | None, str | None]  # value, the snapshot id its header names
Tick = Callable[[], None]


def _no_tick() -> None:
    return None


class SnapshotTopicError(CreditServiceError):
    """The snapshot could not be published."""


def snapshot_id(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def chunk_key(number: int) -> bytes:
    return b"chunk-%06d" % number


def records(payload: bytes) -> Iterator[tuple[bytes, bytes, str]]:
    """``(key, value, snapshot id)`` of the chunks, then of the manifest."""
    identity = snapshot_id(payload)
    count = 0
    for count, start in enumerate(range(0, len(payload), CHUNK_BYTES), start=1):
        yield chunk_key(count - 1), payload[start : start + CHUNK_BYTES], identity
    manifest = {"id": identity, "chunks": count, "bytes": len(payload)}
    yield MANIFEST, json.dumps(manifest).encode(), identity


def assemble(latest: dict[bytes, Entry]) -> bytes | None:
    """The manifest's snapshot from the last record of every key, if it is whole."""
    manifest_value, _ = latest.get(MANIFEST, (None, None))
    try:
        manifest = json.loads(manifest_value or b"")
        identity, count = str(manifest["id"]), int(manifest["chunks"])
    except (ValueError, KeyError, TypeError):
        return None
    parts = []
    for number in range(count):
        value, owner = latest.get(chunk_key(number), (None, None))
        if value is None or owner != identity:
            return None
        parts.append(value)
    payload = b"".join(parts)
    return payload if snapshot_id(payload) == identity else None


def publish(settings: Settings, payload: bytes, tick: Tick = _no_tick,
            timeout: float = 60.0) -> int:  # fmt: skip
    """Produce the snapshot's chunks and manifest; returns the number of records."""
    producer = Producer(common(settings) | {"enable.idempotence": True, "linger.ms": 20})
    failures: list[str] = []
    delivered = 0

    def on_delivery(error: KafkaError | None, _: Any) -> None:
        nonlocal delivered
        delivered += 1
        if error is not None:
            failures.append(str(error))

    topic = settings.topics.reference_snapshot
    sent = 0
    for key, value, identity in records(payload):
        while True:
            tick()
            try:
                producer.produce(topic, value, key, 0, on_delivery=on_delivery,
                                 headers=[(SNAPSHOT_HEADER, identity.encode())])  # fmt: skip
                break
            except BufferError:  # the client's queue is full: let it deliver some first
                producer.poll(TICK_S)
        producer.poll(0)
        sent += 1
    progress, last = time.monotonic(), 0
    while producer.flush(TICK_S) and not failures:
        tick()
        if delivered > last:
            progress, last = time.monotonic(), delivered
        elif time.monotonic() - progress > timeout:
            failures.append(f"no delivery for {timeout:g} s")
    if failures or delivered < sent:
        raise SnapshotTopicError(f"reference snapshot not published: {failures[:3]}")
    return sent


def fetch(settings: Settings, tick: Tick = _no_tick, timeout: float = 30.0) -> bytes | None:
    """The whole snapshot last published, or ``None``."""
    topic = settings.topics.reference_snapshot
    reader = Consumer(reader_config(settings, "snapshot"))
    try:
        tick()
        end = reader.get_watermark_offsets(TopicPartition(topic, 0), timeout=min(timeout, 5))[1]
        if end <= 0:
            return None
        reader.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        return assemble(dict(_read_to(reader, end, tick, timeout)))  # the last of every key
    finally:
        reader.close()


def _read_to(reader: Consumer, end: int, tick: Tick,
             timeout: float) -> Iterator[tuple[bytes, Entry]]:  # fmt: skip
    progress = time.monotonic()
    while True:
        tick()
        messages = take(reader, 200, min(TICK_S, 0.05))
        if messages:
            progress = time.monotonic()
        elif time.monotonic() - progress > timeout:
            raise SnapshotTopicError(f"reference snapshot: nothing read for {timeout:g} s")
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    return
                raise SnapshotTopicError(f"cannot read the reference snapshot: {error}")
            headers = dict(message.headers() or [])
            owner = headers.get(SNAPSHOT_HEADER)
            yield message.key() or b"", (message.value(), _text(owner))
            if (message.offset() or 0) + 1 >= end:
                return


def _text(value: Any) -> str | None:
    return value.decode(errors="replace") if isinstance(value, bytes) else value
