//! An input event as the JSON values Python's validated event gives (`normal`), shared by the
//! differential tests of `credit_text` (`parse_event`) and `credit_avro` (`read_input`), which
//! include this file by path.

use credit_model::*;
use serde_json::{json, Value};

fn dec(d: &Dec) -> Value {
    json!([d.negative, d.coefficient.to_string(), d.exponent])
}

fn opt_dec(d: &Option<Dec>) -> Value {
    d.as_ref().map_or(Value::Null, dec)
}

fn day(d: &Day) -> Value {
    json!(d.0)
}

fn opt_day(d: &Option<Day>) -> Value {
    d.as_ref().map_or(Value::Null, day)
}

fn at(i: &Instant) -> Value {
    json!([i.utc_micros, i.offset_seconds])
}

fn s(text: &str) -> Value {
    json!(text)
}

fn opt_s(text: &Option<credit_model::Id>) -> Value {
    text.as_deref().map_or(Value::Null, s)
}

fn status(x: &Option<SalesOrderStatus>) -> Value {
    x.map_or(Value::Null, |x| {
        s(match x {
            SalesOrderStatus::Yes => "yes",
            SalesOrderStatus::No => "no",
            SalesOrderStatus::CashOnly => "cash_only",
            SalesOrderStatus::CodOnly => "cod_only",
            SalesOrderStatus::HoldUntil => "hold_until",
            SalesOrderStatus::OpenUntil => "open_until",
        })
    })
}

fn mode(x: &LimitMode) -> Value {
    s(match x {
        LimitMode::Group => "group",
        LimitMode::GroupAndCustomer => "group_and_customer",
        LimitMode::Hierarchy => "hierarchy",
        LimitMode::Customer => "customer",
    })
}

fn hold(h: &HoldDecision, kind: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("event_type", s(kind)),
        ("event_id", s(&h.event_id)),
        ("occurred_at", at(&h.occurred_at)),
        ("company_id", s(&h.company_id)),
        ("customer_id", s(&h.customer_id)),
        ("order_id", s(&h.order_id)),
        ("decided_by", s(&h.decided_by)),
        ("note", opt_s(&h.note)),
    ]
}

/// The event in the generator's normal form, field by field (the model's fields only).
pub fn normal(event: &InputEvent) -> Vec<(&'static str, Value)> {
    match event {
        InputEvent::OrderCreated(e) => vec![
            ("event_type", s("order_created")),
            ("event_id", s(&e.event_id)),
            ("occurred_at", at(&e.occurred_at)),
            ("company_id", s(&e.company_id)),
            ("customer_id", s(&e.customer_id)),
            ("order_id", s(&e.order_id)),
            ("warehouse_id", opt_s(&e.warehouse_id)),
            ("amount", dec(&e.amount)),
            ("currency", s(e.currency.as_str())),
            ("payment_type", s(e.payment_type.as_str())),
            ("entered_by", opt_s(&e.entered_by)),
        ],
        InputEvent::InvoicePosted(e) => vec![
            ("event_type", s("invoice_posted")),
            ("event_id", s(&e.event_id)),
            ("occurred_at", at(&e.occurred_at)),
            ("company_id", s(&e.company_id)),
            ("customer_id", s(&e.customer_id)),
            ("invoice_id", s(&e.invoice_id)),
            ("order_id", opt_s(&e.order_id)),
            ("amount", dec(&e.amount)),
            ("currency", s(e.currency.as_str())),
            ("invoice_date", day(&e.invoice_date)),
            ("due_date", day(&e.due_date)),
        ],
        InputEvent::PaymentPosted(e) => vec![
            ("event_type", s("payment_posted")),
            ("event_id", s(&e.event_id)),
            ("occurred_at", at(&e.occurred_at)),
            ("company_id", s(&e.company_id)),
            ("customer_id", s(&e.customer_id)),
            ("payment_id", s(&e.payment_id)),
            ("amount", dec(&e.amount)),
            ("currency", s(e.currency.as_str())),
            ("invoice_ids", e.invoice_ids.as_ref().map_or(Value::Null, |ids| json!(ids.iter().map(|id| id.as_str()).collect::<Vec<_>>()))),
        ],
        InputEvent::OrderCancelled(e) => vec![
            ("event_type", s("order_cancelled")),
            ("event_id", s(&e.event_id)),
            ("occurred_at", at(&e.occurred_at)),
            ("company_id", s(&e.company_id)),
            ("customer_id", s(&e.customer_id)),
            ("order_id", s(&e.order_id)),
        ],
        InputEvent::HoldReleased(h) => hold(h, "hold_released"),
        InputEvent::HoldRejected(h) => hold(h, "hold_rejected"),
        InputEvent::CompanyUpserted(e) => vec![
            ("event_type", s("company_upserted")),
            ("event_id", s(&e.event_id)),
            ("occurred_at", at(&e.occurred_at)),
            ("company_id", s(&e.company_id)),
            ("currency", s(e.currency.as_str())),
            ("default_credit_limit", opt_dec(&e.default_credit_limit)),
            ("tolerance_pct", opt_dec(&e.tolerance_pct)),
            ("max_order_amount", opt_dec(&e.max_order_amount)),
            ("check_group_limits", json!(e.check_group_limits)),
            ("aging_period_days", json!(e.aging_period_days)),
            ("include_open_orders", json!(e.include_open_orders)),
        ],
        InputEvent::WarehouseUpserted(e) => vec![
            ("event_type", s("warehouse_upserted")),
            ("event_id", s(&e.event_id)),
            ("occurred_at", at(&e.occurred_at)),
            ("warehouse_id", s(&e.warehouse_id)),
            ("company_id", s(&e.company_id)),
            ("tolerance_pct", opt_dec(&e.tolerance_pct)),
            ("max_order_amount", opt_dec(&e.max_order_amount)),
        ],
        InputEvent::CustomerUpserted(e) => vec![
            ("event_type", s("customer_upserted")),
            ("event_id", s(&e.event_id)),
            ("occurred_at", at(&e.occurred_at)),
            ("company_id", s(&e.company_id)),
            ("customer_id", s(&e.customer_id)),
            ("name", opt_s(&e.name)),
            ("currency", s(e.currency.as_str())),
            ("credit_group_id", opt_s(&e.credit_group_id)),
            ("credit_limit", opt_dec(&e.credit_limit)),
            ("credit_limit_expires", opt_day(&e.credit_limit_expires)),
            ("temporary_credit_limit", opt_dec(&e.temporary_credit_limit)),
            ("temporary_limit_from", opt_day(&e.temporary_limit_from)),
            ("temporary_limit_to", opt_day(&e.temporary_limit_to)),
            ("insurance_amount", opt_dec(&e.insurance_amount)),
            ("guarantee_amount", opt_dec(&e.guarantee_amount)),
            ("credit_manager", opt_s(&e.credit_manager)),
            ("credit_analyst", opt_s(&e.credit_analyst)),
            ("cod_terms", json!(e.cod_terms)),
            ("sales_order_status", status(&e.sales_order_status)),
            ("sales_order_status_date", opt_day(&e.sales_order_status_date)),
            ("hold_period", e.hold_period.map_or(Value::Null, |h| json!(h))),
            ("allowed_overdue_amount", opt_dec(&e.allowed_overdue_amount)),
            ("allowed_overdue_days", e.allowed_overdue_days.map_or(Value::Null, |d| json!(d))),
            ("next_review", opt_day(&e.next_review)),
        ],
        InputEvent::GroupUpserted(e) => vec![
            ("event_type", s("group_upserted")),
            ("event_id", s(&e.event_id)),
            ("occurred_at", at(&e.occurred_at)),
            ("group_id", s(&e.group_id)),
            ("description", opt_s(&e.description)),
            ("currency", s(e.currency.as_str())),
            ("credit_limit", opt_dec(&e.credit_limit)),
            ("credit_limit_expires", day(&e.credit_limit_expires)),
            ("limit_mode", mode(&e.limit_mode)),
            ("credit_manager", opt_s(&e.credit_manager)),
            ("sales_order_status", status(&e.sales_order_status)),
            ("sales_order_status_date", opt_day(&e.sales_order_status_date)),
            ("hold_period", e.hold_period.map_or(Value::Null, |h| json!(h))),
            ("allowed_overdue_amount", opt_dec(&e.allowed_overdue_amount)),
            ("allowed_overdue_days", e.allowed_overdue_days.map_or(Value::Null, |d| json!(d))),
        ],
        InputEvent::ExchangeRateSet(e) => vec![
            ("event_type", s("exchange_rate_set")),
            ("event_id", s(&e.event_id)),
            ("occurred_at", at(&e.occurred_at)),
            ("from_currency", s(e.from_currency.as_str())),
            ("to_currency", s(e.to_currency.as_str())),
            ("rate", dec(&e.rate)),
            ("valid_from", at(&e.valid_from)),
        ],
    }
}

pub fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

