"""The output events of CONTRACT.md, as plain immutable values.

Output ids derive from the input's ``event_id`` (``<input id>:<suffix>``), so the same input
always yields the same ids and a consumer can drop duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Literal, TypeVar, dataclass_transform

_Value = TypeVar("_Value")


@dataclass_transform(frozen_default=True)
def value(cls: type[_Value]) -> type[_Value]:
    """An immutable value class: frozen for the type checker (assigning a field is an error
    under ``mypy --strict``) and hashable, but built by a plain ``__init__``. A frozen
    dataclass sets each field through ``object.__setattr__``: 1.1 us for an ``OrderApproved``
    against 0.35 us, on every decision."""
    return dataclass(slots=True, unsafe_hash=True)(cls)


# Hold reason codes, in the order CONTRACT.md lists them: reasons are reported in this order.
REASON_CODES: tuple[str, ...] = (
    "SALES_BLOCKED", "CASH_ONLY", "COD_ONLY", "HOLD_UNTIL", "OPEN_UNTIL", "MAX_ORDER_AMOUNT",
    "HOLD_PERIOD", "OVERDUE_LIMIT", "GROUP_OVERDUE_LIMIT", "CREDIT_LIMIT_EXPIRED",
    "GROUP_LIMIT_EXPIRED", "CUSTOMER_LIMIT", "GROUP_LIMIT", "COMPANY_LIMIT",
    "MISSING_EXCHANGE_RATE", "NO_CREDIT_PROFILE",
)  # fmt: skip
REASON_RANK: dict[str, int] = {code: rank for rank, code in enumerate(REASON_CODES)}
LIMIT_CODES = frozenset({"CUSTOMER_LIMIT", "GROUP_LIMIT", "COMPANY_LIMIT"})
OVERDUE_CODES = frozenset({"OVERDUE_LIMIT", "GROUP_OVERDUE_LIMIT"})
NotificationKind = Literal[
    "ORDER_ON_HOLD", "CREDIT_LIMIT_EXCEEDED", "OVERDUE_EXCEEDED", "REVIEW_DUE",
    "COD_TERMS_CONFLICT", "SAME_ACCOUNT_OTHER_COMPANIES",
]  # fmt: skip
Role = Literal["credit_manager", "group_credit_manager", "credit_analyst"]


@value
class HoldReason:
    """One reason an order is held, with the figures of the check that failed."""

    code: str
    message: str
    limit: Decimal | None = None
    exposure: Decimal | None = None
    order_amount: Decimal | None = None
    available: Decimal | None = None
    currency: str | None = None


@value
class DecisionFigures:
    """The binding check of an approval: how much room the order used."""

    exposure_before: Decimal
    exposure_after: Decimal
    currency: str
    limit: Decimal | None = None
    available: Decimal | None = None


@value
class Recipient:
    role: Role
    person: str


@value
class OrderApproved:
    event_type: ClassVar[str] = "order_approved"
    event_id: str
    order_id: str
    company_id: str
    customer_id: str
    group_id: str | None
    amount: Decimal
    currency: str
    reasons: tuple[HoldReason, ...]
    decided_at: datetime
    figures: DecisionFigures
    released_by: str | None = None


@value
class OrderHeld:
    event_type: ClassVar[str] = "order_held"
    event_id: str
    order_id: str
    company_id: str
    customer_id: str
    group_id: str | None
    amount: Decimal
    currency: str
    reasons: tuple[HoldReason, ...]
    credit_managers: tuple[str, ...]
    decided_at: datetime


@value
class OrderRejected:
    event_type: ClassVar[str] = "order_rejected"
    event_id: str
    order_id: str
    company_id: str
    customer_id: str
    decided_by: str
    decided_at: datetime


@value
class CreditNotification:
    event_type: ClassVar[str] = "credit_notification"
    event_id: str
    notification_id: str
    kind: NotificationKind
    recipients: tuple[Recipient, ...]
    message: str
    decided_at: datetime
    company_id: str | None = None
    customer_id: str | None = None
    group_id: str | None = None
    order_id: str | None = None


OutputEvent = OrderApproved | OrderHeld | OrderRejected | CreditNotification
