//! Held orders: what the engine keeps of an order waiting for a credit analyst.
//!
//! A `HeldOrder` is the plain value the engine builds and reads; a book stores each one as a
//! `StoredHold`, about 190 bytes with no allocation of its own when its texts are short (ids,
//! people and warehouses up to 22 bytes inline, the reason codes as 4-bit indices into
//! `REASON_CODES`). In `make bench`'s load a third of the accounts hold an order, so this is
//! most of what a book costs beyond its balances. Python keeps them as one JSON line each.

use crate::id::Id;
use crate::Wide;
use credit_model::{reason_rank, Ccy, Dec, Instant, Minor, PaymentType, REASON_CODES};

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

/// At most this many reason codes are packed as indices; more go to `other_codes`.
const PACKED_CODES: usize = 16;

/// The reason codes as `REASON_CODES` indices, 4 bits each, first code lowest; `None` when a
/// code is not one of them or there are more than 16.
fn pack_codes(codes: &[&'static str]) -> Option<u64> {
    if codes.len() > PACKED_CODES {
        return None;
    }
    let mut packed = 0u64;
    for (at, code) in codes.iter().enumerate() {
        let rank = reason_rank(code);
        if rank >= REASON_CODES.len() {
            return None;
        }
        packed |= (rank as u64) << (4 * at);
    }
    Some(packed)
}

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

/// A held order as a book keeps it (see the module docs).
#[derive(Clone, Debug)]
pub(crate) struct StoredHold {
    order_id: Id,
    event_id: Id,
    credit_manager: Option<Id>,
    entered_by: Option<Id>,
    warehouse_id: Option<Id>,
    /// `Dec::coefficient`, its bits as an `i128`
    coefficient: Wide,
    ledger_amount: Wide,
    utc_micros: i64,
    offset_seconds: i32,
    exponent: i32,
    codes: u64,
    /// the codes when they cannot be packed (rare: a code outside `REASON_CODES`); boxed, so
    /// 8 bytes when absent
    #[allow(clippy::box_collection)]
    other_codes: Option<Box<Vec<&'static str>>>,
    currency: Ccy,
    negative: bool,
    has_ledger_amount: bool,
    payment_type: u8,
    code_count: u8,
}

impl StoredHold {
    pub(crate) fn new(order_id: &str, held: HeldOrder) -> StoredHold {
        let packed = pack_codes(&held.reason_codes);
        let code_count = if packed.is_some() {
            held.reason_codes.len() as u8
        } else {
            0
        };
        let text = |value: &Option<String>| value.as_deref().map(Id::new);
        StoredHold {
            order_id: Id::new(order_id),
            event_id: Id::new(&held.event_id),
            credit_manager: text(&held.credit_manager),
            entered_by: text(&held.entered_by),
            warehouse_id: text(&held.warehouse_id),
            coefficient: Wide(held.amount.coefficient as i128),
            ledger_amount: Wide(held.ledger_amount.unwrap_or(0)),
            utc_micros: held.held_at.utc_micros,
            offset_seconds: held.held_at.offset_seconds,
            exponent: held.amount.exponent,
            codes: packed.unwrap_or(0),
            other_codes: match packed {
                Some(_) => None,
                None => Some(Box::new(held.reason_codes)),
            },
            currency: held.currency,
            negative: held.amount.negative,
            has_ledger_amount: held.ledger_amount.is_some(),
            payment_type: payment_code(held.payment_type),
            code_count,
        }
    }

    pub(crate) fn order_id(&self) -> &str {
        self.order_id.as_str()
    }

    pub(crate) fn is(&self, order_id: &str) -> bool {
        self.order_id.is(order_id)
    }

    fn reason_codes(&self) -> Vec<&'static str> {
        if let Some(codes) = &self.other_codes {
            return codes.to_vec();
        }
        let rank = |at: u8| (self.codes >> (4 * at as u32)) as usize & 0xf;
        (0..self.code_count)
            .map(|at| REASON_CODES[rank(at)])
            .collect()
    }

    /// The held order as it was given.
    pub(crate) fn held(&self) -> HeldOrder {
        let text = |value: &Option<Id>| value.as_ref().map(|id| id.as_str().to_owned());
        HeldOrder {
            event_id: self.event_id.as_str().to_owned(),
            amount: Dec {
                negative: self.negative,
                coefficient: self.coefficient.get() as u128,
                exponent: self.exponent,
            },
            currency: self.currency,
            ledger_amount: self.has_ledger_amount.then_some(self.ledger_amount.get()),
            payment_type: payment_type(self.payment_type),
            reason_codes: self.reason_codes(),
            credit_manager: text(&self.credit_manager),
            entered_by: text(&self.entered_by),
            warehouse_id: text(&self.warehouse_id),
            held_at: Instant {
                utc_micros: self.utc_micros,
                offset_seconds: self.offset_seconds,
            },
        }
    }

    /// Bytes this hold holds on the heap (its long texts, unpacked codes).
    pub(crate) fn heap_bytes(&self) -> usize {
        let texts = [
            Some(&self.order_id),
            Some(&self.event_id),
            self.credit_manager.as_ref(),
            self.entered_by.as_ref(),
            self.warehouse_id.as_ref(),
        ];
        let long: usize = texts.into_iter().flatten().map(Id::heap_bytes).sum();
        long + self
            .other_codes
            .as_ref()
            .map_or(0, |codes| 24 + codes.capacity() * 16)
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
    fn a_stored_hold_gives_back_what_was_held() {
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
                let stored = StoredHold::new("O\u{0}1", given.clone());
                assert_eq!(stored.held(), given);
                assert!(stored.is("O\u{0}1") && stored.order_id() == "O\u{0}1");
                assert_eq!(
                    stored.heap_bytes() == 0,
                    !long && codes.len() <= 16 && !codes.contains(&"MANUAL_RELEASE")
                );
            }
        }
        let mut no_rate = held(vec!["CUSTOMER_LIMIT"], false);
        no_rate.ledger_amount = None;
        no_rate.payment_type = PaymentType::Cash;
        assert_eq!(StoredHold::new("O1", no_rate.clone()).held(), no_rate);
        assert_eq!(std::mem::size_of::<StoredHold>(), 192);
    }
}
