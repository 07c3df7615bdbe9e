"""Which reference records must be applied before the inputs just read: one ask of the
reference topic's end covers many reads.

Inputs are routed and decided after every reference record published before them
(``ReferenceLoading._reference_before_inputs``). The end of the reference topic, asked at
time t2, holds every reference record appended before t2. An input record was published after
the reference records it may depend on, so it is covered by that end when it was appended
before t2 too. Input partition p's high watermark H, as the last fetch reply gave it (the
consumer's cached watermarks) and read at t1 <= t2, says records below H were appended before
t1. So after noting H for every input partition and then asking the end, every input record
handed out with an offset below its H is covered: while the consumer's positions stay at or
below those H (a backlog, fetched long before it is read), no new ask is needed, only the end
already asked. Once a record past its H is handed out (a caught-up stream, read as it comes),
the end is asked again. The watermarks are true observations, so a rewind or a partition moving
to another instance and back leaves them valid.
"""

from __future__ import annotations

from collections.abc import Iterable

Partition = tuple[str, int]


class ReferenceFence:
    def __init__(self) -> None:
        self.end = -1  # the reference topic's end as last asked; -1: never asked
        self._below: dict[Partition, int] = {}  # input watermarks noted just before that ask

    def covers(self, positions: Iterable[tuple[Partition, int]]) -> bool:
        """Whether the end last asked covers every input record handed out so far, given
        the consumer's positions (the next offset to hand out; negative: none handed out)."""
        if self.end < 0:
            return False
        below = self._below
        return all(position < 0 or position <= below.get(partition, -1)
                   for partition, position in positions)  # fmt: skip

    def note(self, watermarks: dict[Partition, int], end: int) -> None:
        """The input partitions' high watermarks, read before the reference end was asked,
        and that end."""
        self._below = watermarks
        self.end = end
