//! Held orders: what the engine keeps of an order waiting for a credit analyst.
//!
//! A `HeldOrder` is the plain value the engine builds and reads; a book packs each one into
//! the holds section of its buffer (see `packed`) as a record of varints and texts, about 60
//! bytes for an everyday hold (reason codes as one byte each, their `REASON_CODES` index). In
//! `make bench`'s load a third of the accounts hold an order. Python keeps them as one JSON
//! line each.

use crate::packed::{put_signed, put_text, put_varint, Reader};
use credit_model::{Ccy, Dec, Instant, Minor, PaymentType, REASON_CODES};
/// An order waiting for a credit analyst, as it was when held (`ledger.py::HeldOrder`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldOrder {
    pub event_id: String,
    /// as the order gave it, in the order's currency
    pub amount: Dec,
    pub currency: Ccy,
    /// in the book's currency; `None` when no rate was known
    pub ledger_amount: Option<Minor>,
    pub payment_type: PaymentType,
    pub reason_codes: Vec<&'static str>,
    /// the customer's credit manager at the time of the hold
    pub credit_manager: Option<String>,
    pub entered_by: Option<String>,
    pub warehouse_id: Option<String>,
    pub held_at: Instant,
}

/// A reason code's byte: its `REASON_CODES` index, or this, followed by its text.
const OTHER_CODE: u8 = 0xff;

fn payment_code(payment_type: PaymentType) -> u8 {
    match payment_type {
        PaymentType::OnAccount => 0,
        PaymentType::Cash => 1,
        PaymentType::Cod => 2,
    }
}

fn payment_type(code: u8) -> PaymentType {
    match code {
        1 => PaymentType::Cash,
        2 => PaymentType::Cod,
        _ => PaymentType::OnAccount,
    }
}

/// A reason code outside `REASON_CODES`, as a `&'static str`: each distinct text is leaked
/// once and reused (the engine's only such code is `MANUAL_RELEASE`, so this stays tiny).
pub(crate) fn other_code(text: &str) -> &'static str {
    static OTHERS: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut others = OTHERS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&known) = others.iter().find(|&&known| known == text) {
        return known;
    }
    let leaked: &'static str = Box::leak(text.into());
    others.push(leaked);
    leaked
}

fn put_option(out: &mut Vec<u8>, text: &Option<String>) {
    if let Some(text) = text {
        put_text(out, text);
    }
}

/// The record of a held order: its byte length (varint), the order id, then the hold.
///
/// Fields: event id; a flags byte (bit 0 the amount is negative, 1 a ledger amount is known,
/// 2..4 credit manager, entered by, warehouse present, 5..6 the payment type); the amount's
/// coefficient and exponent; the currency's 3 bytes; the ledger amount if known; the instant
/// (UTC microseconds, offset seconds); the reason codes (a count, then a byte each, a code
/// outside `REASON_CODES` as `OTHER_CODE` and its text); the present optional texts.
pub(crate) fn record(order_id: &str, held: &HeldOrder) -> Vec<u8> {
    let mut body = Vec::with_capacity(96);
    put_text(&mut body, order_id);
    put_text(&mut body, &held.event_id);
    let flags = u8::from(held.amount.negative)
        | u8::from(held.ledger_amount.is_some()) << 1
        | u8::from(held.credit_manager.is_some()) << 2
        | u8::from(held.entered_by.is_some()) << 3
        | u8::from(held.warehouse_id.is_some()) << 4
        | payment_code(held.payment_type) << 5;
    body.push(flags);
    put_varint(&mut body, held.amount.coefficient);
    put_signed(&mut body, held.amount.exponent as Minor);
    body.extend_from_slice(&held.currency.0);
    if let Some(amount) = held.ledger_amount {
        put_signed(&mut body, amount);
    }
    put_signed(&mut body, held.held_at.utc_micros as Minor);
    put_signed(&mut body, held.held_at.offset_seconds as Minor);
    put_varint(&mut body, held.reason_codes.len() as u128);
    for code in &held.reason_codes {
        match REASON_CODES.iter().position(|known| known == code) {
            Some(rank) => body.push(rank as u8),
            None => {
                body.push(OTHER_CODE);
                put_text(&mut body, code);
            }
        }
    }
    put_option(&mut body, &held.credit_manager);
    put_option(&mut body, &held.entered_by);
    put_option(&mut body, &held.warehouse_id);
    let mut out = Vec::with_capacity(body.len() + 2);
    put_varint(&mut out, body.len() as u128);
    out.extend_from_slice(&body);
    out
}

/// One held order's record in a holds section.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Record<'a> {
    /// the whole record, its length included (copied as is when a section is rebuilt)
    pub(crate) raw: &'a [u8],
    pub(crate) order_id: &'a str,
    /// what follows the order id
    rest: &'a [u8],
}

/// The records of a holds section, in the order held.
pub(crate) fn records(section: &[u8]) -> impl Iterator<Item = Record<'_>> + '_ {
    let mut reader = Reader(section);
    std::iter::from_fn(move || {
        let start = reader.0;
        let len = reader.size()?;
        let prefix = start.len() - reader.0.len();
        let mut body = Reader(reader.bytes(len)?);
        let order_id = body.text()?;
        Some(Record {
            raw: &start[..prefix + len],
            order_id,
            rest: body.0,
        })
    })
}

impl Record<'_> {
    /// The held order as it was given (`None` only for a record this module did not write).
    pub(crate) fn held(&self) -> Option<HeldOrder> {
        let mut reader = Reader(self.rest);
        let event_id = reader.text()?.to_owned();
        let flags = *reader.bytes(1)?.first()?;
        let coefficient = reader.varint()?;
        let exponent = i32::try_from(reader.signed()?).ok()?;
        let mut currency = [0u8; 3];
        currency.copy_from_slice(reader.bytes(3)?);
        let ledger_amount = match flags & 2 {
            0 => None,
            _ => Some(reader.signed()?),
        };
        let utc_micros = i64::try_from(reader.signed()?).ok()?;
        let offset_seconds = i32::try_from(reader.signed()?).ok()?;
        let count = reader.size()?;
        let mut reason_codes = Vec::with_capacity(count.min(64));
        for _ in 0..count {
            let rank = *reader.bytes(1)?.first()?;
            reason_codes.push(match REASON_CODES.get(rank as usize) {
                Some(&known) => known,
                None => other_code(reader.text()?),
            });
        }
        let mut text = |bit: u8| -> Option<Option<String>> {
            match flags & bit {
                0 => Some(None),
                _ => Some(Some(reader.text()?.to_owned())),
            }
        };
        let credit_manager = text(4)?;
        let entered_by = text(8)?;
        let warehouse_id = text(16)?;
        Some(HeldOrder {
            event_id,
            amount: Dec {
                negative: flags & 1 != 0,
                coefficient,
                exponent,
            },
            currency: Ccy(currency),
            ledger_amount,
            payment_type: payment_type(flags >> 5 & 3),
            reason_codes,
            credit_manager,
            entered_by,
            warehouse_id,
            held_at: Instant {
                utc_micros,
                offset_seconds,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(codes: Vec<&'static str>, long: bool) -> HeldOrder {
        let text = |short: &str| {
            if long {
                short.repeat(12)
            } else {
                short.to_owned()
            }
        };
        HeldOrder {
            event_id: text("e-000054792"),
            amount: Dec {
                negative: true,
                coefficient: u128::MAX,
                exponent: -7,
            },
            currency: Ccy::parse("EUR").expect("EUR"),
            ledger_amount: Some(Minor::MIN),
            payment_type: PaymentType::Cod,
            reason_codes: codes,
            credit_manager: Some(text("ALT")),
            entered_by: None,
            warehouse_id: Some(text("EU01-W1")),
            held_at: Instant {
                utc_micros: -5,
                offset_seconds: 5430,
            },
        }
    }

    #[test]
    fn a_hold_record_gives_back_what_was_held() {
        let all: Vec<&'static str> = REASON_CODES.iter().rev().copied().collect();
        let many: Vec<&'static str> = REASON_CODES
            .iter()
            .chain(&REASON_CODES[..2])
            .copied()
            .collect();
        for codes in [
            vec![],
            vec!["NO_CREDIT_PROFILE", "SALES_BLOCKED", "SALES_BLOCKED"],
            all,
            many,
            vec!["MANUAL_RELEASE", "GROUP_LIMIT"],
        ] {
            for long in [false, true] {
                let given = held(codes.clone(), long);
                let mut section = record("O\u{0}1", &given);
                let first = section.len();
                section.extend(record(&"o".repeat(200), &given));
                let found: Vec<Record<'_>> = records(&section).collect();
                assert_eq!(found.len(), 2);
                assert_eq!(found[0].raw.len(), first);
                assert_eq!((found[0].order_id, found[1].order_id.len()), ("O\u{0}1", 200));
                for stored in found {
                    let back = stored.held().expect("a record written here");
                    assert_eq!(back, given);
                    assert_eq!(back.held_at.offset_seconds, 5430); // not part of `==`
                }
            }
        }
        let mut no_rate = held(vec!["CUSTOMER_LIMIT"], false);
        no_rate.ledger_amount = None;
        no_rate.payment_type = PaymentType::Cash;
        no_rate.credit_manager = None;
        let section = record("O1", &no_rate);
        let back = records(&section).next().and_then(|stored| stored.held());
        assert_eq!(back, Some(no_rate));
        assert!(records(&section[..section.len() - 1]).next().is_none());
    }
}
