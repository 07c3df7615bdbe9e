//! The figures of hold reasons as Python's `decimal` default context makes them.
//!
//! Python writes `to_decimal(minor, ccy)` (`Decimal(minor).scaleb(-digits)`) and sums of such
//! decimals into hold reasons. Both round to the context's 28 significant digits, half to
//! even: `to_decimal(10**30 + 1, "EUR")` is `Decimal('1.000000000000000000000000000E+28')`.
//! Amounts that fit in 28 digits (every realistic one) come out exactly as
//! `credit_model::to_decimal` makes them; the rounding only matters beyond that.
//!
//! `credit_money`'s decimal module is not reused here: it computes values only (any exponent
//! that is numerically Python's result), while these figures are printed, so they keep
//! Python's exponent too.

use credit_model::{minor_digits, Ccy, Dec};
use ethnum::{I256, U256};

/// The default context's precision (`decimal.getcontext().prec`).
const PRECISION: u32 = 28;

/// A finite decimal with a coefficient wide enough for an exact sum of two `Dec`s made from
/// 128-bit minor units (at most 40 digits, aligned by at most 16 places).
#[derive(Clone, Copy, Debug)]
struct Wide {
    negative: bool,
    coefficient: U256,
    exponent: i32,
}

fn pow10(places: u32) -> U256 {
    U256::from(10u8).pow(places)
}

fn digit_count(value: U256) -> u32 {
    let mut count = 1;
    let mut rest = value / 10;
    while rest != 0 {
        count += 1;
        rest /= 10;
    }
    count
}

/// Rounded to the context's precision, half to even (as every arithmetic result is).
fn rounded(value: Wide) -> Wide {
    let digits = digit_count(value.coefficient);
    if digits <= PRECISION {
        return value;
    }
    let mut dropped = digits - PRECISION;
    let divisor = pow10(dropped);
    let mut kept = value.coefficient / divisor;
    let rest = value.coefficient % divisor;
    let half = divisor / 2;
    if rest > half || (rest == half && kept % 2 == 1) {
        kept += 1;
    }
    if kept == pow10(PRECISION) {
        // 99..9.5 rounds up to one more digit than the precision allows
        kept /= 10;
        dropped += 1;
    }
    Wide {
        negative: value.negative,
        coefficient: kept,
        exponent: value.exponent + dropped as i32,
    }
}

fn widened(value: &Dec) -> Wide {
    Wide {
        negative: value.negative,
        coefficient: U256::from(value.coefficient),
        exponent: value.exponent,
    }
}

fn narrowed(value: Wide) -> Dec {
    // a rounded coefficient has at most 28 digits, so it fits in 128 bits
    Dec {
        negative: value.negative,
        coefficient: value.coefficient.as_u128(),
        exponent: value.exponent,
    }
}

/// The exact sum of two decimals, then rounded (Python's `Decimal.__add__`).
fn add(left: Wide, right: Wide) -> Wide {
    let exponent = left.exponent.min(right.exponent);
    let align = |value: Wide| value.coefficient * pow10((value.exponent - exponent) as u32);
    let (a, b) = (align(left), align(right));
    let (negative, coefficient) = if left.negative == right.negative {
        (left.negative, a + b)
    } else if a > b {
        (left.negative, a - b)
    } else if b > a {
        (right.negative, b - a)
    } else {
        (false, U256::ZERO) // x + (-x) is +0 when rounding half to even
    };
    rounded(Wide {
        negative,
        coefficient,
        exponent,
    })
}

/// `to_decimal(minor, ccy)` as Python computes it; `minor` may be a difference or sum of
/// 128-bit minor units.
pub(crate) fn decimal(minor: I256, currency: Ccy) -> Dec {
    let exact = Wide {
        negative: minor < 0,
        coefficient: minor.unsigned_abs(),
        exponent: -(minor_digits(currency) as i32),
    };
    narrowed(rounded(exact))
}

/// `to_decimal(minor, ccy)` of 128-bit minor units: the model's, which rounds as Python does.
pub(crate) use credit_model::to_decimal as minor_decimal;

/// `a + b` of two Python decimals.
pub(crate) fn sum(a: &Dec, b: &Dec) -> Dec {
    narrowed(add(widened(a), widened(b)))
}

/// `a - b` of two Python decimals.
pub(crate) fn difference(a: &Dec, b: &Dec) -> Dec {
    let mut negated = widened(b);
    negated.negative = !negated.negative;
    narrowed(add(widened(a), negated))
}

#[cfg(test)]
mod tests {
    use super::*;
    use credit_model::format::dec_str;

    fn ccy(code: &str) -> Ccy {
        Ccy::parse(code).expect("a currency code")
    }

    // Expected strings from the Python reference:
    //   from service.domain.money import to_decimal
    //   str(to_decimal(m, c)), str(to_decimal(a, c) + to_decimal(b, c)), ...
    #[test]
    fn small_amounts_are_exact() {
        let eur = ccy("EUR");
        assert_eq!(dec_str(&minor_decimal(123_456, eur)), "1234.56");
        assert_eq!(dec_str(&minor_decimal(-5, eur)), "-0.05");
        assert_eq!(dec_str(&minor_decimal(0, ccy("KWD"))), "0.000");
        assert_eq!(dec_str(&minor_decimal(7, ccy("JPY"))), "7");
        let (a, b) = (minor_decimal(60_000, eur), minor_decimal(40_001, eur));
        assert_eq!(dec_str(&sum(&a, &b)), "1000.01");
        assert_eq!(dec_str(&difference(&a, &a)), "0.00");
        assert_eq!(
            dec_str(&sum(&minor_decimal(-500, eur), &minor_decimal(500, eur))),
            "0.00"
        );
        assert_eq!(
            dec_str(&difference(&b, &minor_decimal(50_000, eur))),
            "-99.99"
        );
    }

    #[test]
    fn beyond_28_digits_rounds_half_even() {
        let eur = ccy("EUR");
        let ten = |n: u32| 10i128.pow(n);
        // to_decimal(10**30 + 1, "EUR")
        assert_eq!(
            dec_str(&minor_decimal(ten(30) + 1, eur)),
            "1.000000000000000000000000000E+28"
        );
        // to_decimal(10**27 + 1, "EUR") + to_decimal(10**27 + 5, "EUR")
        let sum_a = sum(
            &minor_decimal(ten(27) + 1, eur),
            &minor_decimal(ten(27) + 5, eur),
        );
        assert_eq!(dec_str(&sum_a), "20000000000000000000000000.06");
        // to_decimal(10**28 - 1, "EUR") * 2 as a sum
        let nines = minor_decimal(ten(28) - 1, eur);
        assert_eq!(
            dec_str(&sum(&nines, &nines)),
            "200000000000000000000000000.0"
        );
        // to_decimal(25 * 10**28 + x, "JPY"): 30 digits, two dropped; 50 is a tie
        let jpy = ccy("JPY");
        assert_eq!(
            dec_str(&minor_decimal(ten(29) * 25 + 5, jpy)),
            "2.500000000000000000000000000E+30"
        );
        assert_eq!(
            dec_str(&minor_decimal(ten(28) * 25 + 5, jpy)),
            "2.500000000000000000000000000E+29"
        );
        assert_eq!(
            dec_str(&minor_decimal(ten(28) * 25 + 15, jpy)),
            "2.500000000000000000000000000E+29"
        );
        assert_eq!(
            dec_str(&minor_decimal(ten(28) * 25 + 50, jpy)),
            "2.500000000000000000000000000E+29"
        );
        assert_eq!(
            dec_str(&minor_decimal(ten(28) * 25 + 51, jpy)),
            "2.500000000000000000000000001E+29"
        );
        assert_eq!(
            dec_str(&minor_decimal(ten(28) * 25 + 150, jpy)),
            "2.500000000000000000000000002E+29"
        );
        // to_decimal(-(10**29 - 1), "JPY"): 29 nines round up to 1E+29 with 28 digits
        assert_eq!(
            dec_str(&minor_decimal(-(ten(29) - 1), jpy)),
            "-1.000000000000000000000000000E+29"
        );
        // to_decimal(10**30, "EUR") - to_decimal(10**30 - 100, "EUR"): 1E+28 less 28 nines
        let big = minor_decimal(ten(30), eur);
        let near = minor_decimal(ten(30) - 100, eur);
        assert_eq!(dec_str(&difference(&big, &near)), "1");
        // to_decimal(i128 max, "EUR") and its sum with itself
        let max = minor_decimal(i128::MAX, eur);
        assert_eq!(dec_str(&max), "1.701411834604692317316873037E+36");
        assert_eq!(
            dec_str(&sum(&max, &max)),
            "3.402823669209384634633746074E+36"
        );
    }
}
