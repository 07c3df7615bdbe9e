"""Customer and credit-group upserts: who belongs to which group, and what a move carries.

An account's credit root is its group once the group is known, else the account itself. When
an account joins or leaves a group its balances move between group totals in the same step,
so they are never counted in two groups or in none. Joining sets the member's credit-limit
expiry to the group's, once, at the join.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.domain.group_totals import GroupTotals
from service.domain.ledger import AccountBook
from service.domain.notifications import cod_conflict, same_account_elsewhere
from service.domain.outputs import CreditNotification
from service.domain.reference import AccountKey, CustomerProfile, ReferenceBook, credit_root
from service.domain.stored_books import StoredBooks

if TYPE_CHECKING:
    from service.domain.engine import Outcome
    from service.domain.events import CustomerUpserted, GroupUpserted


class Membership:
    __slots__ = ("books", "group_totals", "reference", "stored")

    def __init__(
        self,
        reference: ReferenceBook,
        books: dict[AccountKey, AccountBook],
        group_totals: dict[str, GroupTotals],
        stored: StoredBooks,
    ) -> None:
        self.reference = reference
        self.books = books
        self.group_totals = group_totals
        self.stored = stored

    def group_id(self, account: AccountKey) -> str | None:
        """The known group the account is a member of, if any."""
        group = self.reference.group_of(self.reference.customer(account))
        return None if group is None else group.group_id

    def root_of(self, account: AccountKey) -> str:
        return credit_root(account, self.group_id(account))

    def _move(self, account: AccountKey, sign: int, group_id: str | None) -> None:
        book = self.books.get(account)
        if book is None or group_id is None:
            return
        totals = self.group_totals.get(group_id)
        if totals is None:
            totals = self.group_totals[group_id] = GroupTotals()
        totals.add_book(book, account[0], sign)

    def customer_upserted(self, event: CustomerUpserted) -> Outcome:
        from service.domain.engine import Outcome

        account = event.account
        current = self.reference.customer(account)
        if not self.reference.first_delivery(event.event_id):
            return Outcome(ignored="customer record already applied")
        if current is not None and event.occurred_at < current.as_of:
            return Outcome(ignored="older than the customer record held")
        profile = CustomerProfile.from_event(
            event, self.reference.new_account_key(account, current)
        )
        old_group = self.group_id(account)
        self.stored.load(account)  # counted in the group it may leave, before it moves
        self.reference.put_customer(profile)
        new_group = self.group_id(account)
        notices: list[CreditNotification] = []
        if new_group != old_group:
            self._move(account, -1, old_group)
            self._move(account, +1, new_group)
            if new_group is not None:
                notices += self._join(event.event_id, event, account, profile)
        group = self.reference.group_of(profile)
        if group is not None and group.sales_order_status == "cod_only" and not profile.cod_terms:
            notices.insert(0, cod_conflict(event.event_id, event.occurred_at, account, profile,
                                           group))  # fmt: skip
        return Outcome(list(notices))

    def _join(
        self, input_id: str, event: CustomerUpserted | GroupUpserted, account: AccountKey,
        profile: CustomerProfile,
    ) -> list[CreditNotification]:  # fmt: skip
        group = self.reference.group_of(profile)
        assert group is not None
        profile.limit_expires = group.expires
        others = self.reference.same_customer_elsewhere(account, group.group_id)
        if not others:
            return []
        return [same_account_elsewhere(input_id, event.occurred_at, account, profile, group,
                                       others)]  # fmt: skip

    def group_upserted(self, event: GroupUpserted) -> Outcome:
        from service.domain.engine import Outcome

        current = self.reference.groups.get(event.group_id)
        if current is not None and event.occurred_at < current.as_of:
            return Outcome(ignored="older than the group record held")
        if not self.reference.first_delivery(event.event_id):
            return Outcome(ignored="group record already applied")
        if current is None:  # its members join: each counted where it is now, then moved
            for account in self.reference.members(event.group_id):
                self.stored.load(account)
        self.reference.put_group(event)
        members = self.reference.members(event.group_id)
        joins: list[CreditNotification] = []
        conflicts: list[CreditNotification] = []
        group = self.reference.groups[event.group_id]
        for account in members:
            profile = self.reference.customer(account)
            assert profile is not None
            if current is None:
                self._move(account, +1, event.group_id)
                joins += self._join(event.event_id, event, account, profile)
            if group.sales_order_status == "cod_only" and not profile.cod_terms:
                conflicts.append(
                    cod_conflict(event.event_id, event.occurred_at, account, profile, group)
                )
        return Outcome([*conflicts, *joins])
