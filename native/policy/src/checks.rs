//! Limit checks and the decision they add up to (`policy.py::LimitCheck`, `Decision`).

use crate::decimal::{decimal, minor_decimal, sum};
use credit_model::format::dec_str;
use credit_model::{Ccy, HoldReason, Minor};
use ethnum::{I256, U256};
use std::cmp::Ordering;

/// One credit limit compared with the exposure it caps: `exposure + order > limit` exceeds it
/// (equal passes). All three in minor units of `currency`; `limit` already raised by the
/// tolerance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitCheck {
    /// `CUSTOMER_LIMIT`, `GROUP_LIMIT` or `COMPANY_LIMIT`
    pub code: &'static str,
    pub currency: Ccy,
    pub limit: Minor,
    pub exposure: Minor,
    pub order: Minor,
}

fn wide(value: Minor) -> I256 {
    I256::from(value)
}

/// A signed 256-bit magnitude product, as sign and magnitude (the product of a sum of three
/// 128-bit values and a 128-bit value fits in 256 unsigned bits).
fn product(a: I256, b: I256) -> (bool, U256) {
    (
        a.is_negative() != b.is_negative(),
        a.unsigned_abs() * b.unsigned_abs(),
    )
}

/// Signed comparison of two sign-and-magnitude values (a zero magnitude is zero whatever the
/// sign).
fn compare(a: (bool, U256), b: (bool, U256)) -> Ordering {
    let signed = |(negative, magnitude): (bool, U256)| (negative && magnitude != 0, magnitude);
    match (signed(a), signed(b)) {
        ((false, x), (false, y)) => x.cmp(&y),
        ((true, x), (true, y)) => y.cmp(&x),
        ((true, _), (false, _)) => Ordering::Less,
        ((false, _), (true, _)) => Ordering::Greater,
    }
}

impl LimitCheck {
    /// What the limit has left after the order (negative when exceeded).
    fn left(&self) -> I256 {
        wide(self.limit) - wide(self.exposure) - wide(self.order)
    }

    /// Whether the order takes the exposure over the limit (equal passes).
    pub fn exceeded(&self) -> bool {
        wide(self.exposure) + wide(self.order) > wide(self.limit)
    }

    /// Whether this check has less of its limit left after the order than `other`, as a share
    /// of the limit; a zero (or negative) limit binds before any positive one.
    pub fn binds_before(&self, other: &LimitCheck) -> bool {
        if self.limit <= 0 || other.limit <= 0 {
            return self.limit <= 0 && 0 < other.limit;
        }
        // left / limit < other_left / other_limit, both limits positive
        let mine = product(self.left(), wide(other.limit));
        let theirs = product(other.left(), wide(self.limit));
        compare(mine, theirs) == Ordering::Less
    }

    /// The hold reason of an exceeded check, with its figures; `label` names the limit
    /// (`customer credit limit`, ...).
    pub fn reason(&self, label: &str) -> HoldReason {
        let ccy = self.currency;
        let limit = minor_decimal(self.limit, ccy);
        let exposure = minor_decimal(self.exposure, ccy);
        let order = minor_decimal(self.order, ccy);
        let available = decimal(wide(self.limit) - wide(self.exposure), ccy);
        let message = format!(
            "{label}: exposure {} + order {} = {} {ccy} exceeds limit {} {ccy} (available {})",
            dec_str(&exposure),
            dec_str(&order),
            dec_str(&sum(&exposure, &order)),
            dec_str(&limit),
            dec_str(&available),
        );
        HoldReason {
            code: self.code,
            message,
            limit: Some(limit),
            exposure: Some(exposure),
            order_amount: Some(order),
            available: Some(available),
            currency: Some(ccy),
        }
    }
}

/// What the label of a limit code is in hold messages (`policy.py::_LABELS`).
pub fn limit_label(code: &str) -> &'static str {
    match code {
        crate::CUSTOMER_LIMIT => "customer credit limit",
        crate::GROUP_LIMIT => "credit group limit",
        _ => "company default credit limit",
    }
}

/// The outcome of the credit check of one order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Every hold reason that applied, in CONTRACT.md's order; empty when approved.
    pub reasons: Vec<HoldReason>,
    /// Every limit compared, exceeded or not.
    pub checks: Vec<LimitCheck>,
    /// The order in the book's currency, if it is on account and convertible.
    pub ledger_amount: Option<Minor>,
}

impl Decision {
    /// Whether the order is held.
    pub fn held(&self) -> bool {
        !self.reasons.is_empty()
    }

    /// The check with the smallest share of its limit left (the first of equals): its
    /// figures are reported with an approval.
    pub fn binding(&self) -> Option<&LimitCheck> {
        let mut binding: Option<&LimitCheck> = None;
        for check in &self.checks {
            if binding.is_none_or(|chosen| check.binds_before(chosen)) {
                binding = Some(check);
            }
        }
        binding
    }
}
