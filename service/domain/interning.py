"""Memory per account: one shared copy of values that many records hold, and compact sets.

There is a profile and a book per account, so a date, an amount or a tuple of codes that
thousands of records hold equally is kept once. Sharing changes identity only, never a value:
every value shared here is immutable. ``DigestSet`` keeps 64-bit digests (ids applied) at a
few bytes each instead of a Python ``int`` and a set entry.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterator
from typing import TypeVar, cast

T = TypeVar("T")
_POOL_LIMIT = 1 << 15


class Pool:
    """Equal immutable values of one type (dates, instants, amounts, tuples) kept once.

    One pool per type: values of different types can be equal (``1 == True``,
    ``Decimal("1.0") == 1``), and a pool must hand back a value of the type it was given.
    Bounded: when full it starts afresh, so values held by nobody any more cannot pile up;
    records made before that keep their own copies.
    """

    __slots__ = ("_limit", "_values")

    def __init__(self, limit: int = _POOL_LIMIT) -> None:
        self._values: dict[object, object] = {}
        self._limit = limit

    def share(self, value: T) -> T:
        if value is None:
            return value
        found = self._values.get(value)
        if found is None:
            if len(self._values) >= self._limit:
                self._values.clear()
            self._values[value] = value
            return value
        return cast(T, found)  # an equal value of the same type


DATES = Pool()  # date
INSTANTS = Pool()  # datetime
AMOUNTS = Pool()  # int (never bool)


def name(text: str | None) -> str | None:
    """Codes and short names (people, warehouses, currencies): one interned copy."""
    return None if text is None else sys.intern(text)


_SMALLEST_TABLE = 8  # slots


class DigestSet:
    """A set of 64-bit digests at 9 to 18 bytes each (a ``set[int]`` takes about 70).

    An open-addressing hash table in one ``array('Q')``, at most 7/8 full, probed linearly
    from the digest's low bits (digests are uniformly distributed); a free slot holds 0, so
    the digest 0 is kept apart.
    """

    __slots__ = ("_count", "_table", "_zero")

    def __init__(self, slots: int = _SMALLEST_TABLE) -> None:
        """``slots``: the initial size, a power of two."""
        self._table = array("Q", bytes(8 * slots))
        self._count = 0
        self._zero = False

    def __len__(self) -> int:
        return self._count + self._zero

    def _slot(self, digest: int) -> int:
        """Where ``digest`` is, else the free slot where it would go (``digest`` is not 0)."""
        table = self._table
        mask = len(table) - 1
        slot = digest & mask
        while (found := table[slot]) and found != digest:
            slot = (slot + 1) & mask
        return slot

    def __contains__(self, digest: int) -> bool:
        if not digest:
            return self._zero
        return self._table[self._slot(digest)] == digest

    def add(self, digest: int) -> bool:
        """Add ``digest``; false if it was there already."""
        if not digest:
            added, self._zero = not self._zero, True
            return added
        table = self._table
        slot = self._slot(digest)
        if table[slot] == digest:
            return False
        table[slot] = digest
        self._count += 1
        if self._count * 8 > len(table) * 7:
            self._grow()
        return True

    def _grow(self) -> None:
        old = self._table
        table = self._table = array("Q", bytes(16 * len(old)))
        mask = len(table) - 1
        for digest in old:
            if digest:
                slot = digest & mask
                while table[slot]:
                    slot = (slot + 1) & mask
                table[slot] = digest

    def __iter__(self) -> Iterator[int]:
        if self._zero:
            yield 0
        for digest in self._table:
            if digest:
                yield digest
