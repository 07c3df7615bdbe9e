"""The credit check: plain functions from the facts about one order to its hold reasons.

Nothing here reads a clock, a store or a topic. The engine gathers ``OrderFacts``; the
functions below say which checks fail, each with the figures an analyst needs. Every check is
evaluated, so a hold carries every reason that applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from service.domain.events import DEFAULT_AGING_PERIOD_DAYS, OrderCreated, SalesOrderStatus
from service.domain.group_totals import GroupTotals
from service.domain.ledger import AccountBook
from service.domain.money import ExchangeRates, in_utc, raise_by_pct, to_decimal, to_minor
from service.domain.outputs import REASON_RANK, HoldReason
from service.domain.packing import invoice_records
from service.domain.reference import (
    CompanySettings,
    CustomerProfile,
    GroupSettings,
    WarehouseSettings,
)


@dataclass(slots=True)
class OrderFacts:
    """Everything the decision reads about one order, at the order's business time."""

    order: OrderCreated
    amount: int  # minor units of the order's currency
    instant: datetime  # the order's business time
    day: date
    company: CompanySettings | None
    warehouse: WarehouseSettings | None
    customer: CustomerProfile | None
    group: GroupSettings | None
    book: AccountBook
    group_totals: GroupTotals | None  # the group's, if the account is in a known group
    include_open: bool  # whether open orders count in the exposure of the order's company
    no_open_orders: frozenset[str]  # the companies whose exposure counts no open orders
    rates: ExchangeRates


class Converter:
    """Converts at one instant and remembers every pair it had no rate for."""

    __slots__ = ("instant", "missing", "rates")

    def __init__(self, rates: ExchangeRates, instant: datetime) -> None:
        self.rates = rates
        self.instant = instant
        self.missing: set[tuple[str, str]] | None = None  # made when a rate is missing

    def __call__(self, minor: int, from_ccy: str, to_ccy: str) -> int | None:
        if from_ccy == to_ccy:
            return minor
        if self.instant.tzinfo is not UTC:  # once: rates are looked up by UTC instant
            self.instant = in_utc(self.instant)
        converted = self.rates.convert(minor, from_ccy, to_ccy, self.instant)
        if converted is None:
            if self.missing is None:
                self.missing = set()
            self.missing.add((from_ccy, to_ccy))
        return converted


@dataclass(slots=True)
class LimitCheck:
    """One limit compared: ``exposure + order > limit`` exceeds it (equal passes)."""

    code: str
    currency: str
    limit: int
    exposure: int
    order: int

    @property
    def exceeded(self) -> bool:
        return self.exposure + self.order > self.limit

    def binds_before(self, other: LimitCheck) -> bool:
        """Less of its limit left after the order than ``other`` (a zero limit binds first)."""
        left, other_left = (
            self.limit - self.exposure - self.order,
            other.limit - other.exposure - other.order,
        )
        if self.limit <= 0 or other.limit <= 0:
            return self.limit <= 0 < other.limit
        return left * other.limit < other_left * self.limit

    def reason(self, label: str) -> HoldReason:
        ccy = self.currency
        limit, exposure = to_decimal(self.limit, ccy), to_decimal(self.exposure, ccy)
        order, available = to_decimal(self.order, ccy), to_decimal(self.limit - self.exposure, ccy)
        message = (
            f"{label}: exposure {exposure} + order {order} = {exposure + order} {ccy} "
            f"exceeds limit {limit} {ccy} (available {available})"
        )
        return HoldReason(self.code, message, limit, exposure, order, available, ccy)


@dataclass(slots=True)
class Decision:
    reasons: list[HoldReason]
    checks: list[LimitCheck]
    ledger_amount: int | None  # the order in the book's currency, if convertible

    @property
    def held(self) -> bool:
        return bool(self.reasons)

    def binding(self) -> LimitCheck | None:
        """The check with the smallest share of its limit left: its figures are reported."""
        binding = None
        for check in self.checks:
            if binding is None or check.binds_before(binding):
                binding = check
        return binding


def decide_order(facts: OrderFacts) -> Decision:
    """Every hold reason that applies to the order, in CONTRACT.md's order."""
    convert = Converter(facts.rates, facts.instant)
    order, customer = facts.order, facts.customer
    # Cash and COD orders extend no credit: they never reach the ledger, so need no rate.
    on_account = order.payment_type == "on_account"
    ledger_amount = (
        convert(facts.amount, order.currency, facts.book.currency) if on_account else None
    )
    reasons = max_order_reasons(facts, convert)
    checks: list[LimitCheck] = []
    if customer is None:
        reasons.append(HoldReason("NO_CREDIT_PROFILE", "the account has no credit profile yet"))
    else:
        reasons += status_reasons(facts, customer)
        reasons += hold_period_reasons(facts, customer)
        reasons += overdue_reasons(facts, customer, convert)
        if on_account:
            expiry, checks = limit_checks(facts, customer, convert)
            reasons += expiry
            for check in checks:
                if check.exceeded:
                    reasons.append(check.reason(_LABELS[check.code]))
    if convert.missing:
        reasons += missing_rate_reasons(convert, facts.day)
    if len(reasons) > 1:
        reasons.sort(key=lambda reason: REASON_RANK[reason.code])
    return Decision(reasons, checks, ledger_amount)


_LABELS = {
    "CUSTOMER_LIMIT": "customer credit limit",
    "GROUP_LIMIT": "credit group limit",
    "COMPANY_LIMIT": "company default credit limit",
}


def status_reasons(facts: OrderFacts, customer: CustomerProfile) -> list[HoldReason]:
    """Sales order status: the group's, unless the group bypasses to the customer's."""
    group = facts.group
    controls = customer.controls
    status: SalesOrderStatus | None = controls.sales_order_status
    since, whose = controls.status_date, "customer"
    if group is not None and group.sales_order_status is not None:
        status, since, whose = group.sales_order_status, group.status_date, "group"
    if status is None or status == "yes":  # most accounts: nothing to check
        return []
    payment, day = facts.order.payment_type, facts.day
    if status == "no":
        return [HoldReason("SALES_BLOCKED", f"{whose} sales order status is no: orders blocked")]
    if status == "cash_only" and payment != "cash":
        return [HoldReason("CASH_ONLY", f"{whose} accepts cash orders only, not {payment}")]
    if status == "cod_only" and payment != "cod":
        return [HoldReason("COD_ONLY", f"{whose} accepts COD orders only, not {payment}")]
    if status == "hold_until" and since is not None and day < since:
        return [HoldReason("HOLD_UNTIL", f"{whose} orders are held until {since}")]
    if status == "open_until" and since is not None and day >= since:
        return [HoldReason("OPEN_UNTIL", f"{whose} orders were open until {since}")]
    return []


def max_order_reasons(facts: OrderFacts, convert: Converter) -> list[HoldReason]:
    """The warehouse's max order amount where set, else the company's."""
    company = facts.company
    if company is None:
        return []
    ccy, cap = company.currency, company.max_order_amount
    warehouse = facts.warehouse
    if warehouse is not None and warehouse.max_order_amount is not None:
        cap = to_minor(warehouse.max_order_amount, ccy)
    if cap is None:
        return []
    amount = convert(facts.amount, facts.order.currency, ccy)
    if amount is None or amount <= cap:
        return []
    limit, order = to_decimal(cap, ccy), to_decimal(amount, ccy)
    message = f"order {order} {ccy} is above the max order amount {limit} {ccy}"
    return [HoldReason("MAX_ORDER_AMOUNT", message, limit, None, order, None, ccy)]


def aging_period(days_past_due: int, bounds: tuple[int, int, int, int]) -> int:
    """Period 1..5: period 1 runs up to the first bound, period 5 lies beyond the last."""
    for period, bound in enumerate(bounds, start=1):
        if days_past_due <= bound:
            return period
    return 5


def hold_period_reasons(facts: OrderFacts, customer: CustomerProfile) -> list[HoldReason]:
    """Held when the account has open receivables aged in the hold period or later."""
    group = facts.group
    period = group.hold_period if group is not None and group.hold_period is not None else None
    if period is None:
        period = customer.controls.hold_period
    if not period:
        return []
    invoices = facts.book.invoices
    if invoices is None:
        return []
    bounds = facts.company.aging_period_days if facts.company else DEFAULT_AGING_PERIOD_DAYS
    # aged in ``period`` or later = more days past due than the bound the period starts after
    # (``aging_period(days, bounds) >= period``: the bounds ascend)
    cutoff = facts.day.toordinal() - bounds[period - 2] if period > 1 else None
    aged = sum(
        amount for amount, due, _ in invoice_records(invoices) if cutoff is None or due < cutoff
    )
    if aged <= 0:
        return []
    ccy = facts.book.currency
    amount = to_decimal(aged, ccy)
    message = f"{amount} {ccy} of receivables aged in period {period} or later"
    return [HoldReason("HOLD_PERIOD", message, None, amount, None, None, ccy)]


def overdue_reasons(
    facts: OrderFacts, customer: CustomerProfile, convert: Converter
) -> list[HoldReason]:
    """The account's and the group's overdue amounts against what each allows."""
    reasons: list[HoldReason] = []
    allowed, days = customer.controls.allowed_overdue, customer.controls.allowed_overdue_days
    if allowed is not None:
        book = facts.book
        overdue = convert(book.overdue(facts.day, days), book.currency, customer.terms.currency)
        if overdue is not None and overdue > allowed:
            reasons.append(
                _overdue_reason("OVERDUE_LIMIT", "account", overdue, allowed,
                                customer.terms.currency, days)
            )  # fmt: skip
    group = facts.group
    if group is not None and group.allowed_overdue is not None:
        total = group_overdue(facts, group, convert)
        if total is not None and total > group.allowed_overdue:
            reasons.append(
                _overdue_reason("GROUP_OVERDUE_LIMIT", "credit group", total,
                                group.allowed_overdue, group.currency, group.allowed_overdue_days)
            )  # fmt: skip
    return reasons


def group_overdue(facts: OrderFacts, group: GroupSettings, convert: Converter) -> int | None:
    """The members' overdue (by the group's days), summed per currency, then converted."""
    totals = facts.group_totals
    per_currency = {} if totals is None else totals.overdue(facts.day, group.allowed_overdue_days)
    total = 0
    for ccy in sorted(per_currency):
        converted = convert(per_currency[ccy], ccy, group.currency)
        if converted is None:
            return None
        total += converted
    return total


def _overdue_reason(
    code: str, whose: str, overdue: int, allowed: int, ccy: str, days: int
) -> HoldReason:
    amount, limit = to_decimal(overdue, ccy), to_decimal(allowed, ccy)
    message = (
        f"{whose} has {amount} {ccy} overdue by more than {days} days, "
        f"over the allowed {limit} {ccy}"
    )
    return HoldReason(code, message, limit, amount, None, limit - amount, ccy)


def limit_checks(
    facts: OrderFacts, customer: CustomerProfile, convert: Converter
) -> tuple[list[HoldReason], list[LimitCheck]]:
    """Expiry reasons and every limit compared, by the group's limit mode."""
    company, group = facts.company, facts.group
    mode = "customer"
    if group is not None and (company is None or company.check_group_limits):
        mode = group.limit_mode
    pct = _tolerance(facts)
    expiry: list[HoldReason] = []
    checks: list[LimitCheck] = []
    group_applies = group is not None and mode != "customer" and group.credit_limit is not None
    if group is not None and group_applies:
        expiry += _group_expiry(group, facts.day)
        checks += _group_check(facts, group, mode, pct, convert)
    if mode != "group":
        own = customer.own_limit(facts.day)
        if own is not None:
            expiry += _customer_expiry(customer, facts.day)
            checks += _account_check(facts, "CUSTOMER_LIMIT", own, customer.terms.currency, pct,
                                     convert)  # fmt: skip
        elif not group_applies and company is not None and company.default_credit_limit is not None:
            checks += _account_check(facts, "COMPANY_LIMIT", company.default_credit_limit,
                                     company.currency, pct, convert)  # fmt: skip
    return expiry, checks


def _tolerance(facts: OrderFacts) -> Decimal | None:
    warehouse = facts.warehouse
    if warehouse is not None and warehouse.tolerance_pct is not None:
        return warehouse.tolerance_pct
    return facts.company.tolerance_pct if facts.company is not None else None


def _group_expiry(group: GroupSettings, day: date) -> list[HoldReason]:
    if group.expires >= day:
        return []
    message = f"credit group {group.group_id} limit expired on {group.expires}"
    return [HoldReason("GROUP_LIMIT_EXPIRED", message)]


def _customer_expiry(customer: CustomerProfile, day: date) -> list[HoldReason]:
    expires = customer.limit_expires
    if expires is None or expires >= day:
        return []
    return [HoldReason("CREDIT_LIMIT_EXPIRED", f"customer credit limit expired on {expires}")]


def _group_check(
    facts: OrderFacts, group: GroupSettings, mode: str, pct: Decimal | None, convert: Converter
) -> list[LimitCheck]:
    """``hierarchy`` caps each member's own exposure; the others cap the group's sum."""
    assert group.credit_limit is not None
    ccy = group.currency
    if mode == "hierarchy":
        exposure = _account_exposure(facts, ccy, convert)
    else:
        exposure = _group_exposure(facts, ccy, convert)
    order = convert(facts.amount, facts.order.currency, ccy)
    if exposure is None or order is None:
        return []
    return [LimitCheck("GROUP_LIMIT", ccy, raise_by_pct(group.credit_limit, pct), exposure, order)]


def _account_check(
    facts: OrderFacts, code: str, limit: int, ccy: str, pct: Decimal | None, convert: Converter
) -> list[LimitCheck]:
    exposure = _account_exposure(facts, ccy, convert)
    order = convert(facts.amount, facts.order.currency, ccy)
    if exposure is None or order is None:
        return []
    return [LimitCheck(code, ccy, raise_by_pct(limit, pct), exposure, order)]


def _account_exposure(facts: OrderFacts, ccy: str, convert: Converter) -> int | None:
    book = facts.book
    own = book.exposure(facts.include_open)
    return convert(own, book.currency, ccy)


def _group_exposure(facts: OrderFacts, ccy: str, convert: Converter) -> int | None:
    totals = facts.group_totals
    if totals is None:
        return 0
    per_currency = totals.exposure(facts.no_open_orders)
    total = 0
    for bucket_ccy in sorted(per_currency):
        converted = convert(per_currency[bucket_ccy], bucket_ccy, ccy)
        if converted is None:
            return None
        total += converted
    return total


def missing_rate_reasons(convert: Converter, day: date) -> list[HoldReason]:
    if not convert.missing:
        return []
    pairs = ", ".join(f"{a}->{b}" for a, b in sorted(convert.missing))
    return [HoldReason("MISSING_EXCHANGE_RATE", f"no exchange rate on {day} for {pairs}")]
