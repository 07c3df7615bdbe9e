"""Runs of input records the native engine decides where they are read, at once.

``CreditProcessor.take_input`` decides one input event where it is read, or routes it to its
credit root. With the native engine, the runtimes hand it the records the event-time merge
released, as a list (``service.runtime.merge.Released``): ``take_released`` gives the engine
each run of them that may be decided at once (``Ledger.decide_direct``,
``native/engine/src/direct.rs``), and every other record to the record-by-record path. A
record may be decided at once when its event was read by the engine, is of a transaction
type, and its root's partition may decide every root's inputs where read
(``direct_partitions``): owned, nothing of it on its way through the by-root topic, no root
parked or awaiting a book there. A run marks the same books and counts the same metrics as
``take_input`` of each of its records (``tests/unit/test_direct_runs.py``).
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Callable
from typing import Any

from service.codec import AvroCodec
from service.domain.reference import AccountKey
from service.handover import Handover
from service.ledgers import Ledger
from service.ports import Metrics


class DirectRuns:
    ledger: Ledger
    codec: AvroCodec
    metrics: Metrics
    partitions: int
    owned: set[int]
    dirty: set[AccountKey]
    handover: Handover
    _moved_from: dict[str, set[str]]
    _output_topic: dict[str, str]

    @abstractmethod
    def partition_of(self, root: str) -> int:
        """The by-root partition of a credit root (the processor's)."""

    def direct_partitions(self, clear: set[int]) -> list[bool]:
        """Per by-root partition: may an input event of any root there be decided where it is
        read (``take_input``'s test for each root at once)? ``clear``: the partitions where
        nothing of any root is still on its way (the runtime's to say). A root whose accounts
        moved from roots of a partition not clear keeps its partition out."""
        fast = [p in self.owned and p in clear and self.handover.calm(p)
                for p in range(self.partitions)]  # fmt: skip
        for root, moved_from in list(self._moved_from.items()):
            home = self.partition_of(root)
            if not fast[home]:
                continue
            if all(self.partition_of(old) not in self.owned or self.partition_of(old) in clear
                   for old in moved_from):  # fmt: skip
                del self._moved_from[root]  # as ``_clear`` would: all read back
            else:
                fast[home] = False
        return fast

    def take_released(
        self, released: list[Any], fast: list[bool] | None, one: Callable[[Any], None],
        run_done: Callable[[Any, float], None],
    ) -> None:  # fmt: skip
        """Released inputs (``service.runtime.merge.Released``) in order: runs the engine
        decides where read at once (``take_direct``, when ``fast`` says which partitions
        may: None for an engine without runs, ``Ledger.runs``) go to ``run_done`` with the
        seconds they took, every other record to ``one``."""
        index = 0
        while index < len(released):
            if fast is not None:
                started = time.perf_counter()
                run = self.take_direct(released, index, fast)
                if run.count:
                    run_done(run, time.perf_counter() - started)
                    index += run.count
                    continue
            one(released[index])
            index += 1

    def take_direct(self, released: list[Any], start: int, fast: list[bool]) -> Any:
        """``take_input`` for the run of ``released`` from ``start`` that may be decided where
        read (``Ledger.decide_direct``), with the same books marked and metrics counted; its
        outputs come as records ``(topic, key, value)``."""
        run = self.ledger.decide_direct(released, start, fast, self._output_framing)
        if not run.count:
            return run
        self.dirty.update(run.accounts)
        self.metrics.input_path("direct", run.count)
        for event_type, count in run.ignored:
            self.metrics.event_ignored(event_type, count)
        for event_type, count in run.events_out:
            self.metrics.event_out(self._output_topic[event_type], event_type, count)
        return run

    def _output_framing(self) -> dict[str, tuple[str, bytes]]:
        return {event_type: (topic, self.codec.output_header(topic, event_type))
                for event_type, topic in self._output_topic.items()}  # fmt: skip
