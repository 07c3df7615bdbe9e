"""A credit group's running totals, kept incrementally as member books change.

Derived state: the sum of the member books (``service.domain.ledger``), per
``(ledger currency, company)`` and per (currency, due date) of open invoices, so a group check
converts a handful of sums, not every member.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Collection, MutableSequence
from datetime import date
from typing import TYPE_CHECKING

from service.domain.interning import Pool

if TYPE_CHECKING:
    from service.domain.ledger import AccountBook


# Currencies numbered in the order first seen, so that a group's open invoices by (currency,
# due date) are one sorted array of integer keys.
_CURRENCY_NUMBERS: dict[str, int] = {}
_CURRENCIES: list[str] = []


def _currency_number(currency: str) -> int:
    number = _CURRENCY_NUMBERS.get(currency)
    if number is None:
        number = _CURRENCY_NUMBERS[currency] = len(_CURRENCIES)
        _CURRENCIES.append(currency)
    return number


_BUCKET_KEYS = Pool()  # (currency, company)


class GroupTotals:
    """A credit group's member balances, summed per ``(ledger currency, company)``.

    Each bucket is ``[receivable, open orders]``; whether open orders count is the member
    company's setting, read when the group's exposure is computed. Open invoices are also
    summed per (currency, due date), as two parallel arrays sorted by the key
    ``currency number << 32 | due ordinal``: 16 bytes a due date.
    """

    __slots__ = ("buckets", "due_amounts", "due_keys")

    def __init__(self) -> None:
        self.buckets: dict[tuple[str, str], list[int]] = {}
        self.due_keys = array("q")
        # 64-bit amounts; a group whose sum outgrows them keeps a list of ints instead
        self.due_amounts: MutableSequence[int] = array("q")

    @property
    def dues(self) -> dict[tuple[str, int], int]:
        """(currency, due ordinal) → open invoices."""
        return {
            (_CURRENCIES[key >> 32], key & 0xFFFFFFFF): amount
            for key, amount in zip(self.due_keys, self.due_amounts, strict=True)
        }

    def add(self, currency: str, company_id: str, receivable: int, open_orders: int) -> None:
        key = (currency, company_id)
        bucket = self.buckets.get(key)
        if bucket is None:  # the key is shared with the other groups
            bucket = self.buckets[_BUCKET_KEYS.share(key)] = [0, 0]
        bucket[0] += receivable
        bucket[1] += open_orders

    def exposure(self, excluded: Collection[str]) -> dict[str, int]:
        """Receivables and open orders per ledger currency, leaving out the open orders of
        the companies in ``excluded`` (those whose exposure counts no open orders)."""
        found: dict[str, int] = {}
        for (ccy, company_id), (receivable, open_) in self.buckets.items():
            counted = receivable if company_id in excluded else receivable + open_
            found[ccy] = found.get(ccy, 0) + counted
        return found

    def add_book(self, book: AccountBook, company_id: str, sign: int) -> None:
        """Count a member's whole book in (``sign`` 1) or out (``sign`` -1) of the group."""
        self.add(book.currency, company_id, sign * book.receivable, sign * book.open_order_total)
        dues = book.dues()
        self.add_dues(book.currency, dues if sign > 0 else {d: -a for d, a in dues.items()})

    def add_dues(self, currency: str, changes: dict[int, int]) -> None:
        """Carry a member's change of open invoices by due date into the group's."""
        number = _CURRENCY_NUMBERS.get(currency)
        if number is None:
            number = _currency_number(currency)
        number <<= 32
        keys, amounts, search = self.due_keys, self.due_amounts, bisect.bisect_left
        for due, change in changes.items():
            if not change:
                continue
            key = number | due
            at = search(keys, key)
            if at < len(keys) and keys[at] == key:
                left = amounts[at] + change
                if not left:
                    del keys[at]
                    del amounts[at]
                    continue
            else:
                left = change
                keys.insert(at, key)
                amounts.insert(at, 0)
            try:
                amounts[at] = left
            except OverflowError:
                amounts = self.due_amounts = list(amounts)
                amounts[at] = left

    def overdue(self, day: date, allowed_days: int) -> dict[str, int]:
        """Open invoice amounts more than ``allowed_days`` past due on ``day``, per currency."""
        cutoff = max(day.toordinal() - allowed_days, 0)
        keys, amounts = self.due_keys, self.due_amounts
        found: dict[str, int] = {}
        at, size = 0, len(keys)
        while at < size:  # per currency: its due dates before the cutoff are a prefix
            number = keys[at] >> 32
            before = bisect.bisect_left(keys, (number << 32) + cutoff, at)
            if before > at:
                found[_CURRENCIES[number]] = sum(amounts[at:before])
            at = bisect.bisect_left(keys, (number + 1) << 32, before)
        return found
