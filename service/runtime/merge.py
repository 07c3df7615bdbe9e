"""Event-time order across input topics (Kafka Streams' timestamp synchronisation).

An account's order, invoice and payment events arrive on different topics, and a consumer
fetches topics in no particular order. To decide each order after everything that happened
before it, records wait in one FIFO per input partition and are released smallest first by
``(occurred_at, topic rank, offset)``. A partition whose buffer is empty holds the others
back while the broker is known to have more of it (lag), for at most ``max_wait_s``; a
partition that is caught up holds nothing back. With the input already on the broker (a
backlog, a restart, a replay) the order is therefore the same as ``credit-service replay``
of the events sorted by that key.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

Partition = tuple[str, int]


class Released(NamedTuple):
    """An input record as it waits in the merge: what the runtime read of it. The native
    engine reads these fields by position, and buffers plain tuples of them
    (``native/engine/src/direct.rs``)."""

    record: Any  # the Kafka message, or the in-memory runtime's ``Record``
    event: Any  # None when it could not be read
    error: Exception | None
    topic_rank: int
    partition: int
    offset: int


class SortKey(NamedTuple):  # a tuple: compared in C, several times per record released
    occurred_at: float
    topic_rank: int
    offset: int


# ``release`` done by the native engine (``credit_native.release_merged``): the buffers,
# assigned partitions, lag test, now, blocked-since and longest wait -> released, blocked-since
NativeRelease = Callable[
    [dict[Partition, Any], list[Partition], Callable[[Partition], bool], float, float | None,
     float],
    tuple[list[Any], float | None],
]  # fmt: skip

# a record waiting in its partition's buffer: its sort key and the item (a tuple, so that the
# native engine appends these too: ``NativeEngine.buffer_inputs``)
Pending = tuple[SortKey, Any]


class EventTimeMerge:
    def __init__(self, topic_rank: dict[str, int], max_wait_s: float,
                 native_release: NativeRelease | None = None) -> None:  # fmt: skip
        self.topic_rank = topic_rank
        self.max_wait_s = max_wait_s
        self.native_release = native_release
        self.buffers: dict[Partition, deque[Pending]] = {}
        self._blocked_since: float | None = None

    def key(self, topic: str, offset: int, occurred_at: datetime | None) -> SortKey:
        """Records without a time (unreadable ones) go as soon as they reach the head."""
        when = occurred_at.timestamp() if occurred_at is not None else float("-inf")
        return SortKey(when, self.topic_rank.get(topic, len(self.topic_rank)), offset)

    def add(self, partition: Partition, key: SortKey, item: Any) -> None:
        self.buffers.setdefault(partition, deque()).append((key, item))

    def drop(self, partition: Partition) -> None:
        self.buffers.pop(partition, None)

    def clear(self) -> None:
        self.buffers.clear()
        self._blocked_since = None

    def buffered(self) -> int:
        return sum(len(buffer) for buffer in self.buffers.values())

    def release(
        self, assigned: list[Partition], has_lag: Callable[[Partition], bool], now: float
    ) -> list[Any]:
        """Items in event-time order, as far as the empty partitions allow. The heads wait in
        a heap; a partition is asked for lag once per call, when its buffer is (or becomes)
        empty."""
        if self.native_release is not None:
            waited = self._blocked_since
            released, self._blocked_since = self.native_release(
                self.buffers, assigned, has_lag, now, waited, self.max_wait_s)  # fmt: skip
            return released
        released = []
        lag: dict[Partition, bool] = {}

        def lagging(partition: Partition) -> bool:
            if partition not in lag:
                lag[partition] = has_lag(partition)
            return lag[partition]

        heads = [(b[0][0], p) for p, b in self.buffers.items() if b]
        if not heads:
            self._blocked_since = None
            return released
        heapq.heapify(heads)
        waiting = {p for p in assigned if not self.buffers.get(p) and lagging(p)}
        while heads:
            if self._held_back(waiting, now):
                return released
            _, partition = heapq.heappop(heads)
            buffer = self.buffers[partition]
            released.append(buffer.popleft()[1])
            if buffer:
                heapq.heappush(heads, (buffer[0][0], partition))
            elif partition in assigned and lagging(partition):
                waiting.add(partition)
        self._blocked_since = None
        return released

    def _held_back(self, waiting: set[Partition], now: float) -> bool:
        """An empty partition with lag holds the others back, for ``max_wait_s`` at most."""
        if not waiting:
            self._blocked_since = None
            return False
        if self._blocked_since is None:
            self._blocked_since = now
        return now - self._blocked_since < self.max_wait_s
