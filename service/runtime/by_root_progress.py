"""When an input event may be decided where it is read (``CreditProcessor.take_input``).

An input event whose credit root lives on a by-root partition this instance owns can be
decided at once, in the transaction that commits its input offset, instead of going round the
by-root topic (a produce, a commit, a fetch: one more transaction to wait for, and a second
decode). It may only when every record that must come before it has been applied here:

- the records its partition held when the partition was assigned (another instance may have
  routed earlier events of the same accounts there), and after an aborted batch the records
  read before, which are applied again (``needed``);
- the records of its root that this instance produced there itself (the events of a root
  that waited for a hand-over, forwarded records): in the open transaction
  (``TransactionalOutput.by_root_open``), or delivered at an offset
  (``TransactionalOutput.by_root_delivered``) not read back yet; and, for a root accounts
  moved into, the same for the roots they left (``CreditProcessor._clear``).

The second is kept per root, not per partition: under a backlog some root of a partition has
nearly always a record on its way, and the other roots need not wait for it. Records that
other instances route to the partition later are not waited for: their events come from
input partitions this instance did not own when they were routed (a record routed before a
rebalance and forwarded here after it can come later than an input decided here, as it could
come later than one routed here before). A partition whose read position is unknown is not
clear.

The end at assignment is the high watermark, records of transactions still open included: a
``read_committed`` client's end is the last stable offset, which stops before them, and a stalled
previous owner's transaction may still commit. Until it ends the partition is not clear (a
drain waits for it up to ``CREDIT_DRAIN_TIMEOUT_MS``; inputs take the by-root hop meanwhile).

Transaction markers take offsets too and are never handed out: an end taken from the broker is
reached by the consumer's position (``reached``), not by the last record read.
"""

from __future__ import annotations

from collections.abc import Set

RootKey = tuple[int, bytes]  # a by-root partition and a record key there (a root's name)
# how a root's name starts (``service.domain.reference.credit_root``); hand-overs and barriers
# are keyed by a book or ``barrier``: no input waits for them, so they are not followed
ROOT_KEYS = (b"G:", b"A:")


class ByRootProgress:
    def __init__(self) -> None:
        self.read: dict[int, int] = {}  # the next offset to read, per owned by-root partition
        self.needed: dict[int, int] = {}  # to read this far before inputs are decided directly

    def start(self, partition: int, at: int, end: int) -> None:
        """Reading ``partition`` (re)starts at offset ``at``; it holds records up to ``end``."""
        self.read[partition] = at
        self.needed.pop(partition, None)
        if end > at:
            self.needed[partition] = end

    def rewound(self, partition: int, at: int, position: int) -> None:
        """Reading goes back to ``at``; what was read up to ``position`` (the consumer's, before
        the seek) is applied again, from the restored books, and comes first."""
        self.start(partition, at, max(position, self.needed.get(partition, 0)))

    def handled(self, partition: int, offset: int) -> None:
        if partition in self.read:  # (a partition started: its end is known)
            self.read[partition] = offset + 1
        if self.needed:
            self.reached(partition, offset + 1)

    def reached(self, partition: int, position: int) -> None:
        """The consumer's position in ``partition``: unlike the records handed out, it passes
        the transaction markers, so it alone reaches an end that follows a commit."""
        if position >= self.needed.get(partition, position + 1):
            del self.needed[partition]

    def forget(self, partition: int) -> None:
        self.read.pop(partition, None)
        self.needed.pop(partition, None)

    def clear(self, partition: int, root: bytes, open_: Set[RootKey],
              delivered: dict[RootKey, int]) -> bool:  # fmt: skip
        """Nothing that must come before an input of ``root`` is still to be read (module
        doc)."""
        read = self.read.get(partition)
        if read is None or partition in self.needed:
            return False
        key = (partition, root)
        return key not in open_ and read > delivered.get(key, -1)

    def clear_partitions(self, open_: Set[RootKey], delivered: dict[RootKey, int]) -> set[int]:
        """The partitions where ``clear`` holds for every root: read from a known position,
        past their end at assignment, and no record of any root there still on its way."""
        busy = {partition for partition, _ in open_}
        busy.update(p for (p, _), offset in delivered.items() if offset >= self.read.get(p, -1))
        return {p for p in self.read if p not in self.needed and p not in busy}

    def prune(self, delivered: dict[RootKey, int]) -> None:
        """Forget the deliveries read back already, and those to partitions not owned."""
        read = self.read
        for key in [k for k, offset in delivered.items() if offset < read.get(k[0], offset + 1)]:
            del delivered[key]
