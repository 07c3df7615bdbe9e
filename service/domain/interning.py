"""One shared copy of values that many records hold: the memory side of the ledger.

There is a profile and a book per account, so a date, an amount or a tuple of codes that
thousands of records hold equally is kept once. Sharing changes identity only, never a value:
every value shared here is immutable.
"""

from __future__ import annotations

import bisect
import sys
from array import array
from typing import TypeVar

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
        return found  # type: ignore[return-value]  # an equal value of the same type


DATES = Pool()  # date
INSTANTS = Pool()  # datetime
AMOUNTS = Pool()  # int (never bool)


def name(text: str | None) -> str | None:
    """Codes and short names (people, warehouses, currencies): one interned copy."""
    return None if text is None else sys.intern(text)


_MERGE_AT = 2048


class DigestSet:
    """A set of 64-bit digests at 8 bytes each: a sorted array plus a small recent set.

    A ``set[int]`` costs about 70 bytes an entry; this keeps the bulk in a sorted
    ``array('Q')`` (searched by bisection) and merges the recent entries into it now and then.
    """

    __slots__ = ("_recent", "_sorted")

    def __init__(self) -> None:
        self._sorted = array("Q")
        self._recent: set[int] = set()

    def __contains__(self, digest: int) -> bool:
        if digest in self._recent:
            return True
        ordered = self._sorted
        at = bisect.bisect_left(ordered, digest)
        return at < len(ordered) and ordered[at] == digest

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)

    def add(self, digest: int) -> None:
        if digest in self:
            return
        self._recent.add(digest)
        if len(self._recent) >= _MERGE_AT:
            merged = sorted(self._recent)
            merged += self._sorted  # two sorted runs: one linear merge
            merged.sort()
            self._sorted = array("Q", merged)
            self._recent = set()
