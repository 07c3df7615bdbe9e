"""The input events of CONTRACT.md, validated with pydantic.

Unknown fields are ignored (producers may add optional fields); a missing or malformed
contract field is a validation error naming the field. Amounts stay ``Decimal`` here and
become integer minor units inside the engine.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, model_validator

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
PositiveAmount = Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]
Amount = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
Percent = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
Rate = Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]
Id = Annotated[str, Field(min_length=1)]
PaymentType = Literal["on_account", "cash", "cod"]
LimitMode = Literal["group", "group_and_customer", "hierarchy", "customer"]
SalesOrderStatus = Literal["yes", "no", "cash_only", "cod_only", "hold_until", "open_until"]
DEFAULT_AGING_PERIOD_DAYS = (30, 60, 90, 120)


class Event(BaseModel):
    """Fields every event has. ``occurred_at`` is business time."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: Id
    occurred_at: AwareDatetime


class AccountEvent(Event):
    company_id: Id
    customer_id: Id

    @property
    def account(self) -> tuple[str, str]:
        return (self.company_id, self.customer_id)


class OrderCreated(AccountEvent):
    event_type: Literal["order_created"]
    order_id: Id
    warehouse_id: str | None = None
    amount: PositiveAmount
    currency: Currency
    payment_type: PaymentType
    entered_by: str | None = None


class InvoicePosted(AccountEvent):
    event_type: Literal["invoice_posted"]
    invoice_id: Id
    order_id: str | None = None
    amount: PositiveAmount
    currency: Currency
    invoice_date: date
    due_date: date


class PaymentPosted(AccountEvent):
    event_type: Literal["payment_posted"]
    payment_id: Id
    amount: PositiveAmount
    currency: Currency
    invoice_ids: tuple[str, ...] | None = None


class OrderCancelled(AccountEvent):
    event_type: Literal["order_cancelled"]
    order_id: Id


class HoldReleased(AccountEvent):
    event_type: Literal["hold_released"]
    order_id: Id
    decided_by: Id
    note: str | None = None


class HoldRejected(AccountEvent):
    event_type: Literal["hold_rejected"]
    order_id: Id
    decided_by: Id
    note: str | None = None


class CompanyUpserted(Event):
    event_type: Literal["company_upserted"]
    company_id: Id
    currency: Currency
    default_credit_limit: Amount | None = None
    tolerance_pct: Percent | None = None
    max_order_amount: Amount | None = None
    check_group_limits: bool = True
    aging_period_days: tuple[int, int, int, int] = DEFAULT_AGING_PERIOD_DAYS
    include_open_orders: bool = True

    @model_validator(mode="after")
    def _ascending_periods(self) -> CompanyUpserted:
        days = self.aging_period_days
        if days[0] < 0 or any(a >= b for a, b in itertools.pairwise(days)):
            raise ValueError("aging_period_days must be four ascending day counts")
        return self


class WarehouseUpserted(Event):
    event_type: Literal["warehouse_upserted"]
    warehouse_id: Id
    company_id: Id
    tolerance_pct: Percent | None = None
    max_order_amount: Amount | None = None


class _StatusSettings(Event):
    sales_order_status: SalesOrderStatus | None = None
    sales_order_status_date: date | None = None

    @model_validator(mode="after")
    def _dated_status_has_date(self) -> _StatusSettings:
        dated = self.sales_order_status in ("hold_until", "open_until")
        if dated and self.sales_order_status_date is None:
            raise ValueError(f"sales_order_status {self.sales_order_status} needs a date")
        return self


class CustomerUpserted(_StatusSettings):
    event_type: Literal["customer_upserted"]
    company_id: Id
    customer_id: Id
    name: str | None = None
    currency: Currency
    credit_group_id: str | None = None
    credit_limit: Amount | None = None
    credit_limit_expires: date | None = None
    temporary_credit_limit: Amount | None = None
    temporary_limit_from: date | None = None
    temporary_limit_to: date | None = None
    insurance_amount: Amount | None = None
    guarantee_amount: Amount | None = None
    credit_manager: str | None = None
    credit_analyst: str | None = None
    cod_terms: bool = False
    hold_period: Annotated[int, Field(ge=0, le=5)] | None = None
    allowed_overdue_amount: Amount | None = None
    allowed_overdue_days: Annotated[int, Field(ge=0)] | None = None
    ap_manager: str | None = None
    ap_phone: str | None = None
    credit_established: date | None = None
    last_review: date | None = None
    next_review: date | None = None

    @property
    def account(self) -> tuple[str, str]:
        return (self.company_id, self.customer_id)

    @property
    def ap_phone_extension(self) -> str | None:
        """SX.e keeps the extension in the phone's last four characters."""
        return self.ap_phone[-4:] if self.ap_phone and len(self.ap_phone) > 4 else None


class GroupUpserted(_StatusSettings):
    event_type: Literal["group_upserted"]
    group_id: Id
    description: str | None = None
    currency: Currency
    credit_limit: Amount | None = None
    credit_limit_expires: date
    limit_mode: LimitMode
    credit_manager: str | None = None
    hold_period: Annotated[int, Field(ge=0, le=5)] | None = None
    allowed_overdue_amount: Amount | None = None
    allowed_overdue_days: Annotated[int, Field(ge=0)] | None = None
    ap_manager: str | None = None
    ap_phone: str | None = None


class ExchangeRateSet(Event):
    event_type: Literal["exchange_rate_set"]
    from_currency: Currency
    to_currency: Currency
    rate: Rate
    valid_from: AwareDatetime | date

    @property
    def valid_from_instant(self) -> datetime:
        """A bare date means from the start of that UTC day."""
        if isinstance(self.valid_from, datetime):
            return self.valid_from
        when = self.valid_from
        return datetime(when.year, when.month, when.day, tzinfo=UTC)


TransactionEvent = (
    OrderCreated | InvoicePosted | PaymentPosted | OrderCancelled | HoldReleased | HoldRejected
)
ReferenceEvent = (
    CompanyUpserted | WarehouseUpserted | CustomerUpserted | GroupUpserted | ExchangeRateSet
)
InputEvent = Annotated[TransactionEvent | ReferenceEvent, Field(discriminator="event_type")]
INPUT_EVENT = TypeAdapter(InputEvent)
TRANSACTION_TYPES = frozenset(
    (
        "order_created",
        "invoice_posted",
        "payment_posted",
        "order_cancelled",
        "hold_released",
        "hold_rejected",
    )
)
REFERENCE_TYPES = frozenset(
    (
        "company_upserted",
        "warehouse_upserted",
        "customer_upserted",
        "group_upserted",
        "exchange_rate_set",
    )
)
