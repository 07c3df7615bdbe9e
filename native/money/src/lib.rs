//! Exact money of the credit engine (`service/domain/money.py`): credit limits raised by a
//! tolerance percentage, and dated exchange rates converting minor units between currencies.
//!
//! Every figure is computed as Python's `decimal` module computes it in its default context
//! (28 significant digits, `ROUND_HALF_EVEN`), so the native engine decides exactly as the
//! Python one does. No floats.
//!
//! Beyond Python: results that do not fit in a `Minor` (`i128`) saturate to `i128::MIN` /
//! `i128::MAX` (Python returns an arbitrarily large `int`). A zero rate used in reverse
//! (Python: `ZeroDivisionError`; events refuse rates `<= 0`) counts as no rate. The decimal
//! context's exponent limits (`Emax = 999999`) are not modelled (see `decimal`).

mod decimal;

use credit_model::{minor_digits, Ccy, Dec, Instant, Minor, Rates};
use decimal::{Integral, Num};
use hashbrown::HashMap;

/// A credit limit raised by a tolerance percentage, floored to minor units:
/// `floor(limit × (1 + pct / 100))` in the decimal context. No percentage, or zero, leaves
/// the limit as it is. Python's integer shortcut (taken when the product is exact) gives the
/// same number as its decimal fallback, so this computes the fallback always.
pub fn raise_by_pct(limit_minor: Minor, pct: Option<&Dec>) -> Minor {
    match pct {
        Some(pct) if !pct.is_zero() => {
            let raised = decimal::mul(Num::from_int(limit_minor), tolerance_factor(pct));
            decimal::to_integer(raised, Integral::Floor)
        }
        _ => limit_minor,
    }
}

/// `1 + pct / 100` in the context (`pct / 100` is `pct` rounded to 28 digits, moved).
fn tolerance_factor(pct: &Dec) -> Num {
    decimal::add(Num::ONE, Num::from_dec(pct).rounded().scaleb(-2))
}

/// One recorded rate of a currency pair, from `valid_from` on, with the factors that
/// convert minor units along the pair and against it.
#[derive(Clone, Debug)]
struct RateEntry {
    /// As first received (Python keeps it when a newer record replaces the rate).
    valid_from: Instant,
    rate: Dec,
    set_at: Instant,
    /// `rate × 10^(to digits − from digits)` in the context: minor `from` → minor `to`.
    forward: Num,
    /// `(1 / rate) × 10^(from digits − to digits)`: minor `to` → minor `from`; `None` for a
    /// zero rate.
    backward: Option<Num>,
}

/// A pair's rates in ascending `valid_from` order (Python `_RateHistory`).
#[derive(Clone, Debug, Default)]
struct RateHistory {
    entries: Vec<RateEntry>,
}

impl RateHistory {
    /// Record a rate; an older record (by `set_at`) for the same `valid_from` is ignored.
    fn put(&mut self, entry: RateEntry) -> bool {
        match self.entries.binary_search_by(|held| held.valid_from.cmp(&entry.valid_from)) {
            Ok(at) => {
                let held = &mut self.entries[at];
                if entry.set_at < held.set_at {
                    return false;
                }
                *held = RateEntry { valid_from: held.valid_from, ..entry };
                true
            }
            Err(at) => {
                self.entries.insert(at, entry);
                true
            }
        }
    }

    /// The entry in force at `instant`: the greatest `valid_from <= instant`.
    fn at(&self, instant: Instant) -> Option<&RateEntry> {
        let after = self.entries.partition_point(|entry| entry.valid_from <= instant);
        after.checked_sub(1).map(|at| &self.entries[at])
    }
}

/// `10^digits` shift from minor units of `from` to minor units of `to`.
fn digit_shift(from: Ccy, to: Ccy) -> i64 {
    minor_digits(to) as i64 - minor_digits(from) as i64
}

/// Dated exchange rates: `amount_to = amount_from × rate` from `valid_from` on. Where only
/// the reverse pair is known, its inverse is used. No rate is `None`, never 1:1.
///
/// The conversion factors of each rate are worked out when it is recorded (Python caches
/// them per span of instants; the results are the same).
#[derive(Clone, Debug, Default)]
pub struct ExchangeRates {
    pairs: HashMap<(Ccy, Ccy), RateHistory>,
}

impl ExchangeRates {
    pub fn new() -> Self {
        Self::default()
    }

    /// Newest `set_at` wins for the same pair and `valid_from` (an equal one replaces);
    /// returns whether the rate was applied.
    pub fn set_rate(
        &mut self,
        from: Ccy,
        to: Ccy,
        rate: &Dec,
        valid_from: Instant,
        set_at: Instant,
    ) -> bool {
        let value = Num::from_dec(rate);
        let entry = RateEntry {
            valid_from,
            rate: *rate,
            set_at,
            forward: value.rounded().scaleb(digit_shift(from, to)),
            backward: decimal::div(Num::ONE, value)
                .map(|inverse| inverse.scaleb(digit_shift(to, from))),
        };
        self.pairs.entry((from, to)).or_default().put(entry)
    }

    /// The rate at `at`: the direct pair's as recorded, else `1 / reverse` in the context
    /// (28 digits, Python's exponent); `1` for the same currency; `None` without either.
    pub fn rate(&self, from: Ccy, to: Ccy, at: Instant) -> Option<Dec> {
        if from == to {
            return Some(Dec { negative: false, coefficient: 1, exponent: 0 });
        }
        if let Some(entry) = self.direct(from, to, at) {
            return Some(entry.rate);
        }
        let entry = self.direct(to, from, at)?;
        decimal::div(Num::ONE, Num::from_dec(&entry.rate))?.to_dec()
    }

    /// Every known rate as `(from, to, valid_from as received, rate)`, sorted as Python's
    /// `snapshot()` sorts its strings (`from`, `to`, `valid_from.isoformat()`).
    pub fn snapshot(&self) -> Vec<(Ccy, Ccy, Instant, Dec)> {
        let mut rows: Vec<(Ccy, Ccy, String, Instant, Dec)> = self
            .pairs
            .iter()
            .flat_map(|(&(from, to), history)| {
                history.entries.iter().map(move |entry| {
                    let when = credit_model::format::isoformat(&entry.valid_from);
                    (from, to, when, entry.valid_from, entry.rate)
                })
            })
            .collect();
        rows.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
        rows.into_iter().map(|(from, to, _, when, rate)| (from, to, when, rate)).collect()
    }

    /// Every rate as recorded, `(from, to, valid_from, rate, set_at)`, sorted by pair and
    /// `valid_from`: `set_rate` of each in turn on no rates records the same rates again.
    pub fn records(&self) -> Vec<(Ccy, Ccy, Instant, Dec, Instant)> {
        let mut rows: Vec<_> = self
            .pairs
            .iter()
            .flat_map(|(&(from, to), history)| {
                history.entries.iter().map(move |e| (from, to, e.valid_from, e.rate, e.set_at))
            })
            .collect();
        rows.sort_by_key(|row| (row.0, row.1, row.2));
        rows
    }

    fn direct(&self, from: Ccy, to: Ccy, at: Instant) -> Option<&RateEntry> {
        self.pairs.get(&(from, to))?.at(at)
    }

    /// The factor from minor units of `from` to minor units of `to` at `at`.
    fn factor(&self, from: Ccy, to: Ccy, at: Instant) -> Option<Num> {
        match self.direct(from, to, at) {
            Some(entry) => Some(entry.forward),
            None => self.direct(to, from, at)?.backward,
        }
    }
}

impl Rates for ExchangeRates {
    /// Python `ExchangeRates.convert`: `round(Decimal(minor) * factor)`, the product rounded
    /// to 28 digits, then half-even to whole minor units (saturated to `i128`).
    fn convert(&self, minor: Minor, from: Ccy, to: Ccy, at: Instant) -> Option<Minor> {
        if from == to {
            return Some(minor);
        }
        let factor = self.factor(from, to, at)?;
        let product = decimal::mul(Num::from_int(minor), factor);
        Some(decimal::to_integer(product, Integral::HalfEven))
    }
}

#[cfg(test)]
mod tests;
