"""Which reference records must be applied before the inputs just read: one ask of the
reference topic's end covers many reads.

Inputs are routed and decided after every reference record published before them
(``ReferenceLoading._reference_before_inputs``). The end of the reference topic, asked at
time t2, holds every reference record published before t2. An input record was published
after the reference records it may depend on, so it is covered by that end when it was
published (appended, and its transaction committed, if it has one) before t2 too.

Input partition p's last stable offset S, as a fetch reply gave it, says every record below S
was published by then: below S there is no open transaction. librdkafka reports it in its
statistics (``ls_offset``, every ``STATISTICS_INTERVAL_MS``), not in the cached watermarks:
those are high watermarks, which count records of open transactions. So after noting S for
every input partition (at t1, the statistics last received) and then asking the end (t2 > t1),
every input record handed out with an offset below its S is covered. While the consumer's
positions stay at or below those S (a backlog, fetched long before it is read), no new ask is
needed, only the end already asked. Once a record past its S is handed out (a stream read as
it comes), the end is asked again. A partition that leaves this instance is forgotten: what
was noted of it may not hold for the log it finds when it comes back (a topic created again).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

Partition = tuple[str, int]
STATISTICS_INTERVAL_MS = 1000  # the group consumer's ``statistics.interval.ms``


def stable_offsets(statistics: str, topics: set[str]) -> dict[Partition, int]:
    """The last stable offsets of ``topics``' partitions in a librdkafka statistics report
    (negative where none is known yet)."""
    report = json.loads(statistics)
    stable = {}
    for topic, figures in report.get("topics", {}).items():
        if topic not in topics:
            continue
        for partition, numbers in figures.get("partitions", {}).items():
            if int(partition) >= 0:  # librdkafka's internal "-1" partition
                stable[(topic, int(partition))] = int(numbers.get("ls_offset", -1))
    return stable


class ReferenceFence:
    def __init__(self, topics: Iterable[str]) -> None:
        self.topics = set(topics)
        self.end = -1  # the reference topic's end as last asked; -1: never asked
        self.stable: dict[Partition, int] = {}  # from the statistics last received
        self._below: dict[Partition, int] = {}  # ``stable`` when that end was asked

    def observe(self, statistics: str) -> None:
        """A librdkafka statistics report of the group consumer (its ``stats_cb``)."""
        self.stable = stable_offsets(statistics, self.topics)

    def covers(self, positions: Iterable[tuple[Partition, int]]) -> bool:
        """Whether the end last asked covers every input record handed out so far, given
        the consumer's positions (the next offset to hand out; negative: none handed out)."""
        if self.end < 0:
            return False
        below = self._below
        return all(position < 0 or position <= below.get(partition, -1)
                   for partition, position in positions)  # fmt: skip

    def ask(self, end_now: Callable[[], int]) -> None:
        """Ask the reference topic's end (``end_now``), noting ``stable`` as it was before:
        statistics served during the ask may show records published after it."""
        below = self.stable
        self.end = end_now()
        self._below = below

    def forget(self, partition: Partition) -> None:
        self._below.pop(partition, None)
        self.stable.pop(partition, None)
