"""Account books adopted from a state store, decoded when they are first used.

Restoring a partition of a million books used to decode every book and add it to its group's
totals before the partition could serve (about 9 us a book here). Now a restored book is kept
as the bytes the store holds, under its account, and is decoded when the engine first needs it.

The invariant that keeps group totals exact:
- a group's totals sum exactly its *decoded* members' books;
- a stored (not yet decoded) book is counted in no group.

Loading a book decodes it and counts it into the group its account is in *now*. So:
- a book that is about to change, or leave a group, is loaded first (``load``);
- a group's totals are read only when none of its members is still stored: ``load_group``
  first. Adding to them (a decoded member's change, a member joining) needs no load: the
  invariant holds either way;
- a reference change that moves an account between groups loads the account before the move,
  so it is counted in the group it leaves, then moved; a group that arrives after its members
  loads them before they join it. (Left stored, a member would be counted on load in a group
  that does not know it holds stored members, and read before them.)

Dropping a stored book (its partition revoked, a newer copy arriving) drops bytes that were
counted nowhere. Queries over every book call ``load_all`` first.
"""

from __future__ import annotations

from collections.abc import Callable

from service.domain.ledger import AccountBook
from service.domain.reference import AccountKey, ReferenceBook, credit_root
from service.domain.snapshot import UNREADABLE_BOOK, book_from_bytes
from service.errors import CreditServiceError


class StoredBookError(CreditServiceError):
    """A book kept from the state store cannot be decoded: the store is damaged."""


class StoredBooks:
    __slots__ = ("groups", "payloads", "put_book", "reference")

    def __init__(
        self, reference: ReferenceBook, put_book: Callable[[AccountKey, AccountBook], str]
    ) -> None:
        """``put_book``: the engine's, which keeps a book and counts it in its group."""
        self.reference, self.put_book = reference, put_book
        self.payloads: dict[AccountKey, bytes] = {}
        # groups that may still have a stored member (a hint: loading one finds them)
        self.groups: set[str] = set()

    def __len__(self) -> int:
        return len(self.payloads)

    def adopt(self, account: AccountKey, payload: bytes) -> tuple[AccountKey, str]:
        """Keep ``payload`` as ``account``'s book (the caller took any book it had); returns
        the account's shared key tuple and its credit root."""
        profile = self.reference.customer(account)
        shared = account if profile is None else profile.account  # the indexes' key tuple
        self.payloads[shared] = payload
        group = self.reference.group_of(profile)
        if group is None:
            return shared, credit_root(account, None)
        self.groups.add(group.group_id)
        return shared, credit_root(account, group.group_id)

    def drop(self, account: AccountKey) -> bool:
        """Forget a stored book, counted nowhere; False if there was none."""
        return self.payloads.pop(account, None) is not None

    def load(self, account: AccountKey) -> AccountBook | None:
        """Decode ``account``'s stored book and count it in its group; None if none is stored."""
        payload = self.payloads.get(account)
        if payload is None:
            return None
        try:
            book = book_from_bytes(payload)
        except UNREADABLE_BOOK as exc:  # kept: each use fails alike, nothing is dropped
            raise StoredBookError(f"stored book of {account} cannot be read: {exc}") from exc
        del self.payloads[account]
        self.put_book(account, book)
        return book

    def load_group(self, group_id: str) -> None:
        """Load every stored member of ``group_id``: its totals are complete afterwards."""
        if group_id not in self.groups:
            return
        self.groups.discard(group_id)
        for account in self.reference.members(group_id):
            if account in self.payloads:
                self.load(account)

    def load_all(self) -> None:
        for account in sorted(self.payloads):
            self.load(account)
        self.groups.clear()
