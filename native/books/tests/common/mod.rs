//! JSON helpers shared by the tests that read files written by the Python reference.
#![allow(dead_code)] // each test binary uses its own subset

use credit_books::HeldOrder;
use credit_model::{Ccy, Day, Dec, Instant, Minor, PaymentType, PAYMENT_TYPES, REASON_CODES};
use serde_json::Value;

pub fn minor(value: &Value) -> Minor {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("money as a string: {value}"));
    text.parse().unwrap_or_else(|_| panic!("money: {text}"))
}

pub fn money(value: Minor) -> Value {
    Value::String(value.to_string())
}

pub fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string: {value}"))
}

pub fn int(value: &Value) -> i64 {
    value.as_i64().unwrap_or_else(|| panic!("an int: {value}"))
}

pub fn day(value: &Value) -> Day {
    Day(int(value) as i32)
}

pub fn ccy(value: &Value) -> Ccy {
    Ccy::parse(text(value)).unwrap_or_else(|| panic!("a currency: {value}"))
}

pub fn opt_text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

/// A payment type by the name events give it (`credit_model::PAYMENT_TYPES`).
pub fn payment_type(value: &Value) -> PaymentType {
    let wanted = text(value);
    PAYMENT_TYPES
        .iter()
        .find(|(name, _)| *name == wanted)
        .map(|(_, payment_type)| *payment_type)
        .unwrap_or_else(|| panic!("payment type {wanted}"))
}

pub fn held_order(fields: &Value) -> HeldOrder {
    let amount = &fields["amount"];
    let payment_type = payment_type(&fields["payment_type"]);
    let code = |value: &Value| -> &'static str {
        let wanted = text(value);
        REASON_CODES
            .iter()
            .copied()
            .find(|code| *code == wanted)
            .unwrap_or_else(|| panic!("code {wanted}"))
    };
    HeldOrder {
        event_id: text(&fields["event_id"]).to_owned(),
        amount: Dec {
            negative: int(&amount[0]) == 1,
            coefficient: int(&amount[1]) as u128,
            exponent: int(&amount[2]) as i32,
        },
        currency: ccy(&fields["currency"]),
        ledger_amount: fields["ledger_amount"]
            .as_str()
            .map(|_| minor(&fields["ledger_amount"])),
        payment_type,
        reason_codes: fields["reason_codes"]
            .as_array()
            .expect("codes")
            .iter()
            .map(code)
            .collect(),
        credit_manager: opt_text(&fields["credit_manager"]),
        entered_by: opt_text(&fields["entered_by"]),
        warehouse_id: opt_text(&fields["warehouse_id"]),
        held_at: Instant {
            utc_micros: int(&fields["held_at"][0]),
            offset_seconds: int(&fields["held_at"][1]) as i32,
        },
    }
}
