//! Input events read from their Avro bodies (`schemas/*.avsc`, fields in schema order) with
//! the values and the refusals of Python's path: `codec.decode` (the generated reader), then
//! pydantic's `INPUT_EVENT.validate_python` (`service/domain/events.py`).
//!
//! A record Python refuses is never read; one Python may read otherwise is left to it. Both
//! come back as [`NotFast`], naming the field.

use crate::body::{Body, Read};
use crate::{EventType, NotFast};
use credit_model::*;

/// `decimal(22, 4)`: amounts, limits and percentages.
const AMOUNT: (u32, u32) = (22, 4);
/// `decimal(28, 12)`: exchange rates.
const RATE: (u32, u32) = (28, 12);

/// Whether a decimal must be above zero (`PositiveAmount`, `Rate`) or may be zero too.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sign {
    Positive,
    NonNegative,
}

fn refuse<T>(field: &'static str, why: &'static str) -> Read<T> {
    Err(NotFast::new(field, why))
}

impl Body<'_> {
    /// `Id`: a string of at least one character.
    fn id(&mut self, field: &'static str) -> Read<Id> {
        match self.string(field)? {
            "" => refuse(field, "empty"),
            text => Ok(Id::from(text)),
        }
    }

    /// `str | None = None`, as a `["null", "string"]` union.
    fn opt_str(&mut self, field: &'static str) -> Read<Option<Id>> {
        if self.present(field)? {
            Ok(Some(Id::from(self.string(field)?)))
        } else {
            Ok(None)
        }
    }

    /// `Currency`: `^[A-Z]{3}$`.
    fn ccy(&mut self, field: &'static str) -> Read<Ccy> {
        Ccy::parse(self.string(field)?).ok_or(NotFast::new(field, "not a currency code"))
    }

    fn checked(field: &'static str, value: Dec, sign: Sign) -> Read<Dec> {
        if value.negative {
            return refuse(field, "below zero");
        }
        if sign == Sign::Positive && value.is_zero() {
            return refuse(field, "not above zero");
        }
        Ok(value)
    }

    /// `PositiveAmount`: a decimal(22, 4) above zero.
    fn positive(&mut self, field: &'static str) -> Read<Dec> {
        Self::checked(field, self.decimal(field, AMOUNT.0, AMOUNT.1)?, Sign::Positive)
    }

    /// `Amount | None` or `Percent | None`: null, or a decimal(22, 4) not below zero.
    fn opt_amount(&mut self, field: &'static str) -> Read<Option<Dec>> {
        if !self.present(field)? {
            return Ok(None);
        }
        let value = self.decimal(field, AMOUNT.0, AMOUNT.1)?;
        Self::checked(field, value, Sign::NonNegative).map(Some)
    }

    /// `date | None = None`.
    fn opt_day(&mut self, field: &'static str) -> Read<Option<Day>> {
        if self.present(field)? {
            self.day(field).map(Some)
        } else {
            Ok(None)
        }
    }

    /// `Annotated[int, Field(ge=min, le=max)] | None = None`, as `["null", "int"]`.
    fn opt_int(&mut self, field: &'static str, min: i64, max: i64) -> Read<Option<i64>> {
        if !self.present(field)? {
            return Ok(None);
        }
        match self.long(field)? {
            value if (min..=max).contains(&value) => Ok(Some(value)),
            _ => refuse(field, "out of range"),
        }
    }

    /// A `Literal[...]` field's member, from a plain string.
    fn literal<T: Copy>(&mut self, field: &'static str, members: &[(&str, T)]) -> Read<T> {
        let text = self.string(field)?;
        match members.iter().find(|(name, _)| *name == text) {
            Some((_, value)) => Ok(*value),
            None => refuse(field, "not a known value"),
        }
    }

    fn opt_literal<T: Copy>(&mut self, field: &'static str, members: &[(&str, T)]) -> Read<Option<T>> {
        if self.present(field)? {
            self.literal(field, members).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// The envelope every record starts with: `event_id`, `event_type` (which must be the type
/// the framing names, as `codec.decode` checks), `occurred_at`.
fn envelope(body: &mut Body<'_>, event_type: EventType) -> Read<(Id, Instant)> {
    let event_id = body.id("event_id")?;
    if body.string("event_type")? != event_type.name() {
        return refuse("event_type", "not the framing's event type");
    }
    Ok((event_id, body.instant("occurred_at")?))
}

/// `hold_period`: 0..=5 days of aged receivables.
fn hold_period(body: &mut Body<'_>) -> Read<Option<u8>> {
    Ok(body.opt_int("hold_period", 0, 5)?.map(|days| days as u8))
}

/// `_StatusSettings._dated_status_has_date`: hold_until and open_until need their date.
fn check_status(status: Option<SalesOrderStatus>, date: Option<Day>) -> Read<()> {
    let dated = matches!(status, Some(SalesOrderStatus::HoldUntil | SalesOrderStatus::OpenUntil));
    if dated && date.is_none() {
        return refuse("sales_order_status_date", "needed by the status");
    }
    Ok(())
}

/// `aging_period_days`: four ascending day counts, the first at least 0.
fn aging_period_days(body: &mut Body<'_>) -> Read<[i64; 4]> {
    let field = "aging_period_days";
    let items = body.array(field, |body| body.long(field))?;
    let days: [i64; 4] = items.try_into().map_err(|_| NotFast::new(field, "not four day counts"))?;
    if days[0] < 0 || days.windows(2).any(|pair| pair[0] >= pair[1]) {
        return refuse(field, "not four ascending day counts");
    }
    Ok(days)
}

/// `invoice_ids: tuple[str, ...] | None`.
fn invoice_ids(body: &mut Body<'_>) -> Read<Option<Vec<Id>>> {
    let field = "invoice_ids";
    if !body.present(field)? {
        return Ok(None);
    }
    body.array(field, |body| body.string(field).map(Id::from)).map(Some)
}

fn order_created(b: &mut Body<'_>, (event_id, occurred_at): (Id, Instant)) -> Read<OrderCreated> {
    Ok(OrderCreated {
        event_id,
        occurred_at,
        order_id: b.id("order_id")?,
        company_id: b.id("company_id")?,
        customer_id: b.id("customer_id")?,
        warehouse_id: b.opt_str("warehouse_id")?,
        amount: b.positive("amount")?,
        currency: b.ccy("currency")?,
        payment_type: b.literal("payment_type", &PAYMENT_TYPES)?,
        entered_by: b.opt_str("entered_by")?,
    })
}

fn invoice_posted(b: &mut Body<'_>, (event_id, occurred_at): (Id, Instant)) -> Read<InvoicePosted> {
    Ok(InvoicePosted {
        event_id,
        occurred_at,
        invoice_id: b.id("invoice_id")?,
        order_id: b.opt_str("order_id")?,
        company_id: b.id("company_id")?,
        customer_id: b.id("customer_id")?,
        amount: b.positive("amount")?,
        currency: b.ccy("currency")?,
        invoice_date: b.day("invoice_date")?,
        due_date: b.day("due_date")?,
    })
}

fn payment_posted(b: &mut Body<'_>, (event_id, occurred_at): (Id, Instant)) -> Read<PaymentPosted> {
    Ok(PaymentPosted {
        event_id,
        occurred_at,
        payment_id: b.id("payment_id")?,
        company_id: b.id("company_id")?,
        customer_id: b.id("customer_id")?,
        amount: b.positive("amount")?,
        currency: b.ccy("currency")?,
        invoice_ids: invoice_ids(b)?,
    })
}

fn order_cancelled(b: &mut Body<'_>, (event_id, occurred_at): (Id, Instant)) -> Read<OrderCancelled> {
    Ok(OrderCancelled {
        event_id,
        occurred_at,
        order_id: b.id("order_id")?,
        company_id: b.id("company_id")?,
        customer_id: b.id("customer_id")?,
    })
}

fn hold_decision(b: &mut Body<'_>, (event_id, occurred_at): (Id, Instant)) -> Read<HoldDecision> {
    Ok(HoldDecision {
        event_id,
        occurred_at,
        order_id: b.id("order_id")?,
        company_id: b.id("company_id")?,
        customer_id: b.id("customer_id")?,
        decided_by: b.id("decided_by")?,
        note: b.opt_str("note")?,
    })
}

fn company(b: &mut Body<'_>, (event_id, occurred_at): (Id, Instant)) -> Read<CompanyUpserted> {
    Ok(CompanyUpserted {
        event_id,
        occurred_at,
        company_id: b.id("company_id")?,
        currency: b.ccy("currency")?,
        default_credit_limit: b.opt_amount("default_credit_limit")?,
        tolerance_pct: b.opt_amount("tolerance_pct")?,
        max_order_amount: b.opt_amount("max_order_amount")?,
        check_group_limits: b.boolean("check_group_limits")?,
        aging_period_days: aging_period_days(b)?,
        include_open_orders: b.boolean("include_open_orders")?,
    })
}

fn warehouse(b: &mut Body<'_>, (event_id, occurred_at): (Id, Instant)) -> Read<WarehouseUpserted> {
    Ok(WarehouseUpserted {
        event_id,
        occurred_at,
        warehouse_id: b.id("warehouse_id")?,
        company_id: b.id("company_id")?,
        tolerance_pct: b.opt_amount("tolerance_pct")?,
        max_order_amount: b.opt_amount("max_order_amount")?,
    })
}

fn customer(b: &mut Body<'_>, (event_id, occurred_at): (Id, Instant)) -> Read<CustomerUpserted> {
    let mut event = CustomerUpserted {
        event_id,
        occurred_at,
        company_id: b.id("company_id")?,
        customer_id: b.id("customer_id")?,
        name: b.opt_str("name")?,
        currency: b.ccy("currency")?,
        credit_group_id: b.opt_str("credit_group_id")?,
        credit_limit: b.opt_amount("credit_limit")?,
        credit_limit_expires: b.opt_day("credit_limit_expires")?,
        temporary_credit_limit: b.opt_amount("temporary_credit_limit")?,
        temporary_limit_from: b.opt_day("temporary_limit_from")?,
        temporary_limit_to: b.opt_day("temporary_limit_to")?,
        insurance_amount: b.opt_amount("insurance_amount")?,
        guarantee_amount: b.opt_amount("guarantee_amount")?,
        credit_manager: b.opt_str("credit_manager")?,
        credit_analyst: b.opt_str("credit_analyst")?,
        cod_terms: b.boolean("cod_terms")?,
        sales_order_status: b.opt_literal("sales_order_status", &STATUSES)?,
        sales_order_status_date: b.opt_day("sales_order_status_date")?,
        hold_period: hold_period(b)?,
        allowed_overdue_amount: b.opt_amount("allowed_overdue_amount")?,
        allowed_overdue_days: b.opt_int("allowed_overdue_days", 0, i64::MAX)?,
        next_review: None,
    };
    // read and checked as Python does, but the engine does not keep them
    b.opt_str("ap_manager")?;
    b.opt_str("ap_phone")?;
    b.opt_day("credit_established")?;
    b.opt_day("last_review")?;
    event.next_review = b.opt_day("next_review")?;
    check_status(event.sales_order_status, event.sales_order_status_date)?;
    Ok(event)
}

fn group(b: &mut Body<'_>, (event_id, occurred_at): (Id, Instant)) -> Read<GroupUpserted> {
    let event = GroupUpserted {
        event_id,
        occurred_at,
        group_id: b.id("group_id")?,
        description: b.opt_str("description")?,
        currency: b.ccy("currency")?,
        credit_limit: b.opt_amount("credit_limit")?,
        credit_limit_expires: b.day("credit_limit_expires")?,
        limit_mode: b.literal("limit_mode", &LIMIT_MODES)?,
        credit_manager: b.opt_str("credit_manager")?,
        sales_order_status: b.opt_literal("sales_order_status", &STATUSES)?,
        sales_order_status_date: b.opt_day("sales_order_status_date")?,
        hold_period: hold_period(b)?,
        allowed_overdue_amount: b.opt_amount("allowed_overdue_amount")?,
        allowed_overdue_days: b.opt_int("allowed_overdue_days", 0, i64::MAX)?,
    };
    b.opt_str("ap_manager")?;
    b.opt_str("ap_phone")?;
    check_status(event.sales_order_status, event.sales_order_status_date)?;
    Ok(event)
}

/// `valid_from` is an Avro `date`: pydantic keeps it a `date` (of `AwareDatetime | date`),
/// which the engine takes as midnight UTC of that day (`valid_from_instant`).
fn exchange_rate(b: &mut Body<'_>, (event_id, occurred_at): (Id, Instant)) -> Read<ExchangeRateSet> {
    Ok(ExchangeRateSet {
        event_id,
        occurred_at,
        from_currency: b.ccy("from_currency")?,
        to_currency: b.ccy("to_currency")?,
        rate: Body::checked("rate", b.decimal("rate", RATE.0, RATE.1)?, Sign::Positive)?,
        valid_from: Instant::start_of(b.day("valid_from")?),
    })
}

/// Reads the Avro body (the bytes after the framing header) of an input event of
/// `event_type`, written with this crate's schema of it (the service's own, `schemas/`), as
/// Python's `codec.decode` and `INPUT_EVENT.validate_python` would; [`NotFast`] when Python
/// refuses it, may read it otherwise, or `event_type` is an output type.
pub fn read_input(body: &[u8], event_type: EventType) -> Result<InputEvent, NotFast> {
    let mut b = Body::new(body);
    let head = envelope(&mut b, event_type)?;
    let event = match event_type {
        EventType::OrderCreated => InputEvent::OrderCreated(order_created(&mut b, head)?),
        EventType::InvoicePosted => InputEvent::InvoicePosted(invoice_posted(&mut b, head)?),
        EventType::PaymentPosted => InputEvent::PaymentPosted(payment_posted(&mut b, head)?),
        EventType::OrderCancelled => InputEvent::OrderCancelled(order_cancelled(&mut b, head)?),
        EventType::HoldReleased => InputEvent::HoldReleased(hold_decision(&mut b, head)?),
        EventType::HoldRejected => InputEvent::HoldRejected(hold_decision(&mut b, head)?),
        EventType::CompanyUpserted => InputEvent::CompanyUpserted(company(&mut b, head)?),
        EventType::WarehouseUpserted => InputEvent::WarehouseUpserted(warehouse(&mut b, head)?),
        EventType::CustomerUpserted => InputEvent::CustomerUpserted(customer(&mut b, head)?),
        EventType::GroupUpserted => InputEvent::GroupUpserted(group(&mut b, head)?),
        EventType::ExchangeRateSet => InputEvent::ExchangeRateSet(exchange_rate(&mut b, head)?),
        _ => return refuse("event_type", "an output event type"),
    };
    b.finish()?;
    Ok(event)
}
