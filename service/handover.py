"""Handing a member's book over between credit roots that different instances own.

When a membership change moves an account from root ``a`` (by-root partition ``p``) to root
``b`` (partition ``t``), the owner of ``p`` hands the book over through the by-root topic at
its next commit. Until the book has arrived, the owner of ``t`` must not decide ``b``'s
orders: they would miss the member's exposure. The protocol that closes that window:

- Every instance applies the whole reference topic, which has one partition, so a reference
  *position* (the offset after the last record applied) means the same membership on every
  instance. Each by-root record carries its sender's position (header ``credit.reference``);
  the receiver applies reference data up to it before acting, so both agree on the account's
  root. A record whose root now lives on another partition is forwarded there.
- At every commit, after that commit's hand-overs, the owner of ``p`` sends a *barrier*,
  "``p`` has handed over every move up to position N", to each partition that accounts moved
  to from ``p`` since its last barrier. Its mark N is kept in ``p``'s changelog, so a new owner
  of ``p`` sends what is still owed.
- The owner of ``t`` knows from the moves it applied which barrier each root waits for, and
  keeps the barriers received in ``t``'s changelog. While a root waits, its records are
  *parked* in memory, in order, and decided the moment the barrier arrives. The offsets
  committed for ``t`` stop before the first parked record, so a crash loses none of them; the
  changelog says which offsets after that were parked and how far ``t`` was handled, so on
  reading them again the parked ones are taken up and the others (already applied) skipped.
- A barrier is only as far as its partition is sure of: while a book may still be on its way
  *into* the root an account left (a barrier that root waits for has not arrived), ``p``
  cannot vouch that it handed that book on, so its barrier to ``t`` stops short of that move.
  Chains of moves therefore hold, and only the roots that had something in flight hold back.
- When this instance owns both partitions and nothing is on its way into the old root, there
  is nothing to wait for: the book moves in memory at once, and in the changelog at the same
  commit. (Moves read while loading the reference table at start-up always wait: the stores
  may be older than the table.)

All bookkeeping is small: per root only the latest position per source partition is kept.
The price of keeping it per root is paid once, on a brand-new deployment whose reference table
already holds accounts that moved more than once: those moves chain their barriers, so the
first waits take a few commit intervals (`tests/unit/test_handover.py` counts the rounds).
The barriers received are then in the changelog, and later starts wait for nothing old.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from service.errors import PoisonMessageError

REFERENCE_HEADER = "credit.reference"
MARK_KEY, REACHED_KEY, PARKED_KEY = b"m", b"r", b"q"
BOOKKEEPING_KEYS = frozenset({MARK_KEY, REACHED_KEY, PARKED_KEY})


@dataclass(frozen=True, slots=True)
class Parked:
    """A by-root record held back while its root waits for a book."""

    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class Barrier:
    """``source`` has handed over to ``target`` every move before reference ``position``."""

    source: int
    target: int
    position: int

    def to_bytes(self) -> bytes:
        return json.dumps({"from": self.source, "position": self.position}).encode()

    @classmethod
    def from_bytes(cls, target: int, value: bytes | None) -> Barrier:
        try:
            fields = json.loads(value or b"")
            return cls(int(fields["from"]), target, int(fields["position"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise PoisonMessageError(f"unreadable barrier: {exc}") from exc


def reference_position(headers: Iterable[tuple[str, bytes]]) -> int:
    """The reference position a by-root record's sender had applied (0 if it says none)."""
    for name, value in headers:
        if name == REFERENCE_HEADER:
            return int(value)
    return 0


class Handover:
    def __init__(self) -> None:
        self.position = 0
        # target partition -> root -> source partition -> position its barrier must reach
        self.awaited: dict[int, dict[str, dict[int, int]]] = {}
        # source -> target -> position of the latest move between them
        self.moved_out: dict[int, dict[int, int]] = {}
        # source -> target -> old root -> position: moves out of a root that was waiting
        self.chained: dict[int, dict[int, dict[str, int]]] = {}
        # per owned partition, persisted: barrier marks per target, barriers received, the
        # last offset handled and the offsets parked (while any are)
        self.marks: dict[int, dict[int, int]] = {}
        self.reached: dict[int, dict[int, int]] = {}
        self.through: dict[int, int] = {}
        self.parked_before: dict[int, set[int]] = {}  # parked at the last commit, not read yet
        self.parked: dict[int, dict[str, list[Parked]]] = {}  # root -> its records, in order
        self.changed: set[int] = set()
        self._settled: set[tuple[int, str]] = set()  # (partition, root) found not waiting

    def applied(self, offset: int) -> None:
        """The reference record at ``offset`` was applied."""
        self.position = max(self.position, offset + 1)

    def moved(self, old_root: str, new_root: str, source: int, target: int,
              owned: set[int]) -> None:  # fmt: skip
        """An account's root changed, by the reference record last applied."""
        if source == target:
            return
        self.moved_out.setdefault(source, {})[target] = self.position
        in_flight = self._first_pending(source, old_root) is not None
        if in_flight:
            self.chained.setdefault(source, {}).setdefault(target, {})[old_root] = self.position
        if source in owned and target in owned and not in_flight:
            return  # the book, if any, is here and moves in memory at once
        self.awaited.setdefault(target, {}).setdefault(new_root, {})[source] = self.position
        self._settled.discard((target, new_root))

    def _first_pending(self, partition: int, root: str) -> int | None:
        """The earliest move into ``root`` whose barrier ``partition`` has not received."""
        reached = self.reached.get(partition, {})
        awaited = self.awaited.get(partition, {}).get(root, {})
        return min((at for s, at in awaited.items() if reached.get(s, 0) < at), default=None)

    # -- the sending side ------------------------------------------------------------------
    def barriers(self, owned: Iterable[int]) -> list[Barrier]:
        """The barriers the owned partitions owe since their marks; the marks move on."""
        due: list[Barrier] = []
        for source in sorted(owned):
            marks = self.marks.setdefault(source, {})
            for target, latest in sorted(self.moved_out.get(source, {}).items()):
                mark = marks.get(target, 0)
                sure = self._sure_of(source, target, mark)
                if latest > mark and sure > mark:
                    due.append(Barrier(source, target, sure))
                    marks[target] = sure
                    self.changed.add(source)
        return due

    def _sure_of(self, source: int, target: int, mark: int) -> int:
        """How far ``source`` can vouch for its moves to ``target``: short of any move out of
        a root into which a book may still be on its way."""
        sure = self.position
        for old_root, at in self.chained.get(source, {}).get(target, {}).items():
            pending = self._first_pending(source, old_root)
            if at > mark and pending is not None:
                sure = min(sure, pending - 1)
        return sure

    # -- the receiving side ----------------------------------------------------------------
    def arrived(self, barrier: Barrier) -> None:
        reached = self.reached.setdefault(barrier.target, {})
        if barrier.position > reached.get(barrier.source, 0):
            reached[barrier.source] = barrier.position
            self.changed.add(barrier.target)

    def waiting(self, root: str, partition: int) -> bool:
        """Some book moving into ``root`` may not have arrived at ``partition`` yet. (Asked
        for every record: a root found settled stays so until a move into it.)"""
        if (partition, root) in self._settled:
            return False
        if self._first_pending(partition, root) is not None:
            return True
        self._settled.add((partition, root))
        return False

    def settle_local(self, owned: set[int]) -> None:
        """Called once the owned by-root partitions have been read to the ends they had at
        assignment, so every hand-over committed into them before is applied. A book moving
        between two owned partitions is then in memory already, unless it may still come into
        its source from a partition another instance owns: those waits are the only ones kept.
        (Without this a new deployment waits for barriers over its whole reference history.)"""
        exposed = {source for source in owned if any(
            self.reached.get(source, {}).get(origin, 0) < at
            for origins in self.awaited.get(source, {}).values()
            for origin, at in origins.items() if origin not in owned)}  # fmt: skip
        for target in owned:
            for origins in self.awaited.get(target, {}).values():
                for source in [s for s in origins if s in owned and s not in exposed]:
                    del origins[source]

    # -- parking ----------------------------------------------------------------------------
    def must_park(self, root: str, partition: int) -> bool:
        """The root waits, or has records parked already (its order holds)."""
        return root in self.parked.get(partition, {}) or self.waiting(root, partition)

    def calm(self, partition: int) -> bool:
        """No root of ``partition`` must park: nothing parked, no book awaited."""
        if self.parked.get(partition):
            return False
        return not any(self.waiting(root, partition) for root in self.awaited.get(partition, {}))

    def park(self, root: str, partition: int, record: Parked) -> None:
        self.parked.setdefault(partition, {}).setdefault(root, []).append(record)
        self.changed.add(partition)

    def release(self, partition: int) -> list[Parked]:
        """The parked records of every root that no longer waits, in offset order."""
        parked = self.parked.get(partition, {})
        free = [root for root in parked if not self.waiting(root, partition)]
        released = sorted((r for root in free for r in parked.pop(root)), key=lambda r: r.offset)
        if released:
            self.changed.add(partition)
        return released

    def handled(self, partition: int, offset: int) -> bool:
        """Record ``offset`` of ``partition`` is being read; False if it was applied before a
        restart (read again because the committed offset stopped at a parked record)."""
        before = self.parked_before.get(partition)
        if offset <= self.through.get(partition, -1):
            if before is None or offset not in before:
                return False
            before.discard(offset)
        self.through[partition] = max(offset, self.through.get(partition, -1))
        if self.parked.get(partition) or before:
            self.changed.add(partition)
        return True

    def floor(self, partition: int) -> int | None:
        """The first offset of ``partition`` not to commit past: its first parked record."""
        offsets = [r.offset for records in self.parked.get(partition, {}).values() for r in records]
        offsets += self.parked_before.get(partition, ())
        return min(offsets, default=None)

    # -- persistence, per owned partition --------------------------------------------------
    def entries(self, partition: int) -> dict[bytes, bytes]:
        return {
            MARK_KEY: json.dumps(self.marks.get(partition, {})).encode(),
            REACHED_KEY: json.dumps(self.reached.get(partition, {})).encode(),
            PARKED_KEY: json.dumps({"through": self.through.get(partition, -1),
                                    "parked": sorted(self._parked_offsets(partition))}).encode(),
        }  # fmt: skip

    def _parked_offsets(self, partition: int) -> set[int]:
        parked = {r.offset for records in self.parked.get(partition, {}).values() for r in records}
        return parked | self.parked_before.get(partition, set())

    def load(self, partition: int, key: bytes, value: bytes) -> None:
        if key == MARK_KEY:
            self.marks[partition] = {int(t): at for t, at in json.loads(value).items()}
        elif key == REACHED_KEY:
            self.reached[partition] = {int(s): at for s, at in json.loads(value).items()}
        elif key == PARKED_KEY:
            fields = json.loads(value)
            self.through[partition] = int(fields["through"])
            self.parked_before[partition] = {int(offset) for offset in fields["parked"]}

    def forget(self, partition: int) -> None:
        self._settled = {(p, root) for p, root in self._settled if p != partition}
        for kept in (self.marks, self.reached, self.through, self.parked_before, self.parked):
            kept.pop(partition, None)
        self.changed.discard(partition)
