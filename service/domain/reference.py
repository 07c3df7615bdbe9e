"""Reference data: companies, warehouses, customers, credit groups and exchange rates.

Each record is versioned by ``occurred_at``: an older upsert than the one held is ignored, an
equal or newer one replaces the whole record. Records are kept compact (integer minor units,
``__slots__``) because there is one per account.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NamedTuple

from service.domain.events import (
    CompanyUpserted,
    CustomerUpserted,
    GroupUpserted,
    SalesOrderStatus,
    WarehouseUpserted,
)
from service.domain.interning import AMOUNTS, DATES, INSTANTS, DigestSet, name
from service.domain.money import ExchangeRates, to_minor

AccountKey = tuple[str, str]


def source_digest(event_id: str) -> int:
    """A stable 64-bit digest of the event a record came from: a redelivery is spotted by it."""
    return int.from_bytes(hashlib.blake2b(event_id.encode(), digest_size=8).digest())


def _instant(at: datetime) -> datetime:
    """The same instant in UTC, shared: only compared, and comparing, hashing or pooling
    datetimes of one ``tzinfo`` object needs no ``utcoffset()`` call."""
    return INSTANTS.share(at.astimezone(UTC))


def _minor(amount: Decimal | None, currency: str) -> int | None:
    return None if amount is None else to_minor(amount, currency)


@dataclass(slots=True)
class CompanySettings:
    currency: str
    default_credit_limit: int | None
    tolerance_pct: Decimal | None
    max_order_amount: int | None
    check_group_limits: bool
    aging_period_days: tuple[int, int, int, int]
    include_open_orders: bool
    as_of: datetime

    @classmethod
    def from_event(cls, event: CompanyUpserted) -> CompanySettings:
        ccy = event.currency
        return cls(
            ccy, _minor(event.default_credit_limit, ccy), event.tolerance_pct,
            _minor(event.max_order_amount, ccy), event.check_group_limits,
            event.aging_period_days, event.include_open_orders, event.occurred_at,
        )  # fmt: skip


@dataclass(slots=True)
class WarehouseSettings:
    company_id: str
    tolerance_pct: Decimal | None
    max_order_amount: Decimal | None
    as_of: datetime


@dataclass(slots=True)
class GroupSettings:
    group_id: str
    currency: str
    credit_limit: int | None
    expires: date
    limit_mode: str
    credit_manager: str | None
    sales_order_status: SalesOrderStatus | None
    status_date: date | None
    hold_period: int | None
    allowed_overdue: int | None
    allowed_overdue_days: int
    description: str | None
    as_of: datetime

    @classmethod
    def from_event(cls, event: GroupUpserted) -> GroupSettings:
        ccy = event.currency
        return cls(
            event.group_id, ccy, _minor(event.credit_limit, ccy), event.credit_limit_expires,
            event.limit_mode, name(event.credit_manager), event.sales_order_status,
            event.sales_order_status_date, event.hold_period,
            _minor(event.allowed_overdue_amount, ccy), event.allowed_overdue_days or 0,
            event.description, event.occurred_at,
        )  # fmt: skip


class CustomerTerms(NamedTuple):
    """Who deals with a customer, in which currency: few combinations, one shared copy each."""

    currency: str
    credit_manager: str | None
    credit_analyst: str | None
    cod_terms: bool


class CustomerControls(NamedTuple):
    """A customer's temporary limit, order status, hold period and overdue control: most
    customers have none of them, and share one copy of each combination."""

    temporary_limit: int | None
    temporary_from: date | None
    temporary_to: date | None
    sales_order_status: SalesOrderStatus | None
    status_date: date | None
    hold_period: int | None
    allowed_overdue: int | None
    allowed_overdue_days: int


# One copy of each combination. A plain tuple finds the equal named tuple (same hash, equal),
# so a combination already known costs no named tuple; bounded like ``interning.Pool``.
_TERMS: dict[tuple[object, ...], CustomerTerms] = {}
_CONTROLS: dict[tuple[object, ...], CustomerControls] = {}
_SHARED_LIMIT = 1 << 15


def _terms(values: tuple[str, str | None, str | None, bool]) -> CustomerTerms:
    found = _TERMS.get(values)
    if found is None:
        if len(_TERMS) >= _SHARED_LIMIT:
            _TERMS.clear()
        found = CustomerTerms(*values)
        _TERMS[found] = found
    return found


def _controls(
    values: tuple[
        int | None, date | None, date | None, SalesOrderStatus | None, date | None, int | None,
        int | None, int,
    ],
) -> CustomerControls:  # fmt: skip
    found = _CONTROLS.get(values)
    if found is None:
        if len(_CONTROLS) >= _SHARED_LIMIT:
            _CONTROLS.clear()
        found = CustomerControls(*values)
        _CONTROLS[found] = found
    return found


@dataclass(slots=True)
class CustomerProfile:
    """What the credit check needs of a customer account, in the customer's currency.

    There is one per account, so it keeps few fields of its own: ``account`` is the one key
    tuple of the account (shared by the ledger's indexes); ``terms`` and ``controls`` are
    shared with the customers whose settings are the same.
    """

    account: AccountKey
    group_id: str | None
    credit_limit: int | None
    limit_expires: date | None
    secured: int  # insurance + guarantees
    next_review: date | None
    as_of: datetime
    terms: CustomerTerms
    controls: CustomerControls

    @classmethod
    def from_event(cls, event: CustomerUpserted, account: AccountKey) -> CustomerProfile:
        ccy = event.currency
        secured = (_minor(event.insurance_amount, ccy) or 0) + (
            _minor(event.guarantee_amount, ccy) or 0
        )
        # the values inside a shared tuple are shared with it
        terms = _terms((ccy, event.credit_manager, event.credit_analyst, event.cod_terms))
        controls = _controls((
            _minor(event.temporary_credit_limit, ccy), event.temporary_limit_from,
            event.temporary_limit_to, event.sales_order_status, event.sales_order_status_date,
            event.hold_period, _minor(event.allowed_overdue_amount, ccy),
            event.allowed_overdue_days or 0,
        ))  # fmt: skip
        return cls(
            account, event.credit_group_id, AMOUNTS.share(_minor(event.credit_limit, ccy)),
            DATES.share(event.credit_limit_expires), AMOUNTS.share(secured),
            DATES.share(event.next_review), _instant(event.occurred_at), terms, controls,
        )  # fmt: skip

    @property
    def currency(self) -> str:
        return self.terms.currency

    @property
    def credit_manager(self) -> str | None:
        return self.terms.credit_manager

    @property
    def credit_analyst(self) -> str | None:
        return self.terms.credit_analyst

    @property
    def cod_terms(self) -> bool:
        return self.terms.cod_terms

    @property
    def temporary_limit(self) -> int | None:
        return self.controls.temporary_limit

    @property
    def temporary_from(self) -> date | None:
        return self.controls.temporary_from

    @property
    def temporary_to(self) -> date | None:
        return self.controls.temporary_to

    @property
    def sales_order_status(self) -> SalesOrderStatus | None:
        return self.controls.sales_order_status

    @property
    def status_date(self) -> date | None:
        return self.controls.status_date

    @property
    def hold_period(self) -> int | None:
        return self.controls.hold_period

    @property
    def allowed_overdue(self) -> int | None:
        return self.controls.allowed_overdue

    @property
    def allowed_overdue_days(self) -> int:
        return self.controls.allowed_overdue_days

    def own_limit(self, day: date) -> int | None:
        """The temporary limit while valid on ``day``, else the credit limit; plus securities."""
        base = self.credit_limit
        controls = self.controls
        temporary = controls.temporary_limit
        if temporary is not None:
            starts, ends = controls.temporary_from, controls.temporary_to
            if (starts is None or starts <= day) and (ends is None or day <= ends):
                base = temporary
        return None if base is None else base + self.secured


def credit_root(account: AccountKey, group_id: str | None) -> str:
    """The key that owns an account's balances: ``G:<group>`` or ``A:<company>:<customer>``."""
    return f"G:{group_id}" if group_id is not None else f"A:{account[0]}:{account[1]}"


class ReferenceBook:
    """Every reference record, plus the group membership index.

    ``members_by_group`` lists every account that names a group, known or not yet known, so
    that a group arriving after its members picks them up.
    """

    __slots__ = (
        "applied", "companies", "customers", "groups", "members_by_group", "no_open_orders",
        "rates", "warehouses",
    )  # fmt: skip

    def __init__(self) -> None:
        self.companies: dict[str, CompanySettings] = {}
        # the companies whose exposure leaves open orders out (``include_open_orders`` false)
        self.no_open_orders: frozenset[str] = frozenset()
        self.warehouses: dict[str, WarehouseSettings] = {}
        self.customers: dict[str, dict[str, CustomerProfile]] = {}
        self.groups: dict[str, GroupSettings] = {}
        # a list per group (8 bytes a member, not ~35 in a set): an account is in the list of
        # its profile's group only, so it is added once and removed when it leaves
        self.members_by_group: dict[str, list[AccountKey]] = {}
        self.rates = ExchangeRates()
        self.applied = DigestSet(1 << 12)  # digests of every reference event applied

    def first_delivery(self, event_id: str) -> bool:
        """True the first time a reference event id is seen; a redelivery changes nothing."""
        return self.applied.add(source_digest(event_id))

    def account_key(self, account: AccountKey) -> AccountKey:
        """The account's one key tuple if it has a profile (indexes share it), else ``account``."""
        profile = self.customer(account)
        return account if profile is None else profile.account

    def new_account_key(self, account: AccountKey, current: CustomerProfile | None) -> AccountKey:
        """The key tuple a new profile of ``account`` keeps: its current profile's, else a new
        one, sharing the company id (interned) and the customer id of the same customer in
        another company, if any (customers are numbered alike across companies)."""
        if current is not None:
            return current.account
        company_id, customer_id = account
        for profiles in self.customers.values():
            other = profiles.get(customer_id)
            if other is not None:
                customer_id = other.account[1]
                break
        return (sys.intern(company_id), customer_id)

    def customer(self, account: AccountKey) -> CustomerProfile | None:
        by_company = self.customers.get(account[0])
        return None if by_company is None else by_company.get(account[1])

    def group_of(self, profile: CustomerProfile | None) -> GroupSettings | None:
        """The known group an account belongs to; a group not yet upserted is no group."""
        if profile is None or profile.group_id is None:
            return None
        return self.groups.get(profile.group_id)

    def put_company(self, event: CompanyUpserted) -> bool:
        current = self.companies.get(event.company_id)
        if current is not None and event.occurred_at < current.as_of:
            return False
        self.companies[event.company_id] = CompanySettings.from_event(event)
        self.no_open_orders = frozenset(
            company_id
            for company_id, company in self.companies.items()
            if not company.include_open_orders
        )
        return True

    def put_warehouse(self, event: WarehouseUpserted) -> bool:
        current = self.warehouses.get(event.warehouse_id)
        if current is not None and event.occurred_at < current.as_of:
            return False
        self.warehouses[event.warehouse_id] = WarehouseSettings(
            event.company_id, event.tolerance_pct, event.max_order_amount, event.occurred_at
        )
        return True

    def put_group(self, event: GroupUpserted) -> bool:
        current = self.groups.get(event.group_id)
        if current is not None and event.occurred_at < current.as_of:
            return False
        self.groups[event.group_id] = GroupSettings.from_event(event)
        return True

    def put_customer(self, profile: CustomerProfile) -> CustomerProfile | None:
        """Store ``profile``; returns the previous one. The caller checked staleness."""
        account = profile.account
        company_id, customer_id = account
        previous = self.customers.setdefault(company_id, {}).get(customer_id)
        self.customers[company_id][customer_id] = profile
        old_group = previous.group_id if previous else None
        if old_group != profile.group_id:
            if old_group is not None:
                self.members_by_group[old_group].remove(account)
            if profile.group_id is not None:
                self.members_by_group.setdefault(profile.group_id, []).append(account)
        return previous

    def members(self, group_id: str) -> list[AccountKey]:
        """The accounts naming ``group_id``, in a stable order."""
        return sorted(self.members_by_group.get(group_id, ()))

    def same_customer_elsewhere(self, account: AccountKey, group_id: str) -> list[AccountKey]:
        """Accounts with this customer_id in other companies that are outside ``group_id``."""
        company_id, customer_id = account
        found = []
        for other_company in sorted(self.customers):
            other = self.customers[other_company].get(customer_id)
            if other_company != company_id and other is not None and other.group_id != group_id:
                found.append((other_company, customer_id))
        return found

    def include_open_orders(self, company_id: str) -> bool:
        company = self.companies.get(company_id)
        return True if company is None else company.include_open_orders
