//! The few operations of Python's `decimal` module that money needs, in its default context:
//! 28 significant digits, `ROUND_HALF_EVEN`, every result correctly rounded (computed as if
//! exactly, then rounded once).
//!
//! Only numeric values matter to money (limits and converted amounts are integers in the
//! end), so results keep Python's exponent only where it is cheap to (division); elsewhere a
//! value is any `(sign, coefficient, exponent)` that is numerically Python's result.
//!
//! Not modelled: the context's exponent limits (`Emax = 999999`, `Emin = -999999`). Python
//! raises `Overflow` (or goes subnormal) there; these functions keep computing with `i64`
//! exponents. Money never comes near them (a rate or tolerance would need an exponent in
//! the hundreds of thousands).

use ethnum::U256;
use std::sync::OnceLock;

/// `getcontext().prec` of Python's default context.
pub(crate) const PRECISION: u32 = 28;

/// A finite decimal value: `(-1)^negative × coefficient × 10^exponent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Num {
    pub negative: bool,
    pub coefficient: u128,
    pub exponent: i64,
}

impl Num {
    /// The decimal `1` (Python's integer `1` in `1 + pct / 100`).
    pub const ONE: Num = Num { negative: false, coefficient: 1, exponent: 0 };

    /// `Decimal(minor)`: exact.
    pub fn from_int(value: i128) -> Num {
        Num { negative: value < 0, coefficient: value.unsigned_abs(), exponent: 0 }
    }

    /// A `Dec` as it is: exact.
    pub fn from_dec(value: &credit_model::Dec) -> Num {
        Num {
            negative: value.negative,
            coefficient: value.coefficient,
            exponent: value.exponent as i64,
        }
    }

    /// Back to a `Dec`; `None` if the exponent does not fit in 32 bits.
    pub fn to_dec(self) -> Option<credit_model::Dec> {
        Some(credit_model::Dec {
            negative: self.negative,
            coefficient: self.coefficient,
            exponent: i32::try_from(self.exponent).ok()?,
        })
    }

    /// The same digits times `10^shift`: exact (`x * Decimal(10) ** shift` once rounded).
    pub fn scaleb(self, shift: i64) -> Num {
        Num { exponent: self.exponent + shift, ..self }
    }

    /// The value rounded to the context: `+x` in Python (`context.plus`).
    pub fn rounded(self) -> Num {
        round_narrow(self.negative, self.coefficient, self.exponent)
    }

    /// The exponent of the leading digit (Python's `adjusted()`); zero has its exponent.
    fn adjusted(&self) -> i64 {
        self.exponent + digits_narrow(self.coefficient) as i64 - 1
    }
}

/// `10^k` for `k <= 38` (the powers of ten that fit in 128 bits).
const POW10: [u128; 39] = {
    let mut table = [1u128; 39];
    let mut k = 1;
    while k < 39 {
        table[k] = table[k - 1] * 10;
        k += 1;
    }
    table
};

/// `10^k` in 256 bits, for `k <= 77`.
fn pow10_wide(k: u32) -> U256 {
    static TABLE: OnceLock<[U256; 78]> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = [U256::ONE; 78];
        for k in 1..78 {
            table[k] = table[k - 1] * U256::new(10);
        }
        table
    });
    table[k as usize]
}

/// Number of decimal digits of `c` (1 for zero, as Python counts a zero coefficient).
fn digits_narrow(c: u128) -> u32 {
    if c == 0 {
        1
    } else {
        c.ilog10() + 1
    }
}

fn digits_wide(c: U256) -> u32 {
    let (high, low) = c.into_words();
    if high == 0 {
        return digits_narrow(low);
    }
    // at least 39 digits: 2^128 > 10^38
    let mut digits = 39;
    while digits < 78 && c >= pow10_wide(digits) {
        digits += 1;
    }
    digits
}

/// Whether to add one unit to a truncated `quotient` under `ROUND_HALF_EVEN`, given the
/// remainder, half the divisor, and whether anything non-zero lies below the remainder.
fn half_even_up(quotient_odd: bool, rest_vs_half: std::cmp::Ordering, sticky: bool) -> bool {
    match rest_vs_half {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => sticky || quotient_odd,
        std::cmp::Ordering::Less => false,
    }
}

/// `c × 10^exponent` rounded half-even to `PRECISION` digits.
fn round_narrow(negative: bool, c: u128, exponent: i64) -> Num {
    if c < POW10[PRECISION as usize] {
        return Num { negative, coefficient: c, exponent }; // 28 digits or fewer: as it is
    }
    let digits = digits_narrow(c);
    if digits <= PRECISION {
        return Num { negative, coefficient: c, exponent };
    }
    let drop = digits - PRECISION;
    let divisor = POW10[drop as usize];
    let (mut quotient, rest) = (c / divisor, c % divisor);
    let mut exponent = exponent + drop as i64;
    if half_even_up(quotient & 1 == 1, rest.cmp(&(divisor / 2)), false) {
        quotient += 1;
        if quotient == POW10[PRECISION as usize] {
            quotient = POW10[PRECISION as usize - 1];
            exponent += 1;
        }
    }
    Num { negative, coefficient: quotient, exponent }
}

/// `c × 10^exponent` (plus a non-zero amount below its last digit if `sticky`) rounded
/// half-even to `PRECISION` digits; and whether that was exact. With `sticky`, `c` must have
/// more than `PRECISION` digits.
fn round_wide(negative: bool, c: U256, exponent: i64, sticky: bool) -> (Num, bool) {
    let digits = digits_wide(c);
    if digits <= PRECISION {
        debug_assert!(!sticky, "a sticky remainder needs digits to round away");
        return (Num { negative, coefficient: c.as_u128(), exponent }, !sticky);
    }
    let drop = digits - PRECISION;
    let divisor = pow10_wide(drop);
    let (mut quotient, rest) = c.div_rem(divisor);
    let exact = rest == 0 && !sticky;
    let mut exponent = exponent + drop as i64;
    let odd = quotient.as_u128() & 1 == 1;
    if half_even_up(odd, rest.cmp(&(divisor / 2)), sticky) {
        quotient += 1;
        if quotient == pow10_wide(PRECISION) {
            quotient = pow10_wide(PRECISION - 1);
            exponent += 1;
        }
    }
    (Num { negative, coefficient: quotient.as_u128(), exponent }, exact)
}

/// `a * b` in the context.
pub(crate) fn mul(a: Num, b: Num) -> Num {
    let negative = a.negative != b.negative;
    let exponent = a.exponent + b.exponent;
    match a.coefficient.checked_mul(b.coefficient) {
        Some(product) => round_narrow(negative, product, exponent),
        None => {
            let product = U256::new(a.coefficient) * U256::new(b.coefficient);
            round_wide(negative, product, exponent, false).0
        }
    }
}

/// `a + b` in the context.
pub(crate) fn add(a: Num, b: Num) -> Num {
    if a.coefficient == 0 {
        return b.rounded();
    }
    if b.coefficient == 0 {
        return a.rounded();
    }
    let (big, mut small) = if a.adjusted() >= b.adjusted() { (a, b) } else { (b, a) };
    // Every rounding boundary near the sum, and `big` itself, is a multiple of `10^grain`.
    // A `small` below `10^grain` only decides which side of `big` the sum lies on, so any
    // other value of its sign below `10^grain` rounds the same: take one that keeps the
    // aligned sum short.
    let grain = big.exponent.min(big.adjusted() - PRECISION as i64 - 2);
    if small.adjusted() < grain {
        small = Num { negative: small.negative, coefficient: 1, exponent: grain - 1 };
    }
    let exponent = big.exponent.min(small.exponent);
    if let Some(sum) = narrow_sum(big, small, exponent) {
        return sum; // everyday amounts: the sum in 128 bits, rounded the same way
    }
    // the aligned values have at most 77 digits (39-digit coefficients, shifts of at most
    // 38 places, see `grain`): below 2^256
    let aligned = |x: Num| U256::new(x.coefficient) * pow10_wide((x.exponent - exponent) as u32);
    let (big_c, small_c) = (aligned(big), aligned(small));
    let (negative, sum) = if big.negative == small.negative {
        (big.negative, big_c + small_c)
    } else if big_c >= small_c {
        (big.negative, big_c - small_c)
    } else {
        (small.negative, small_c - big_c)
    };
    round_wide(negative && sum != 0, sum, exponent, false).0
}

/// `big + small` (as `add` orders them) aligned to `exponent` and rounded, if every step
/// fits in 128 bits.
fn narrow_sum(big: Num, small: Num, exponent: i64) -> Option<Num> {
    let aligned = |x: Num| x.coefficient.checked_mul(*POW10.get((x.exponent - exponent) as usize)?);
    let (big_c, small_c) = (aligned(big)?, aligned(small)?);
    let (negative, sum) = if big.negative == small.negative {
        (big.negative, big_c.checked_add(small_c)?)
    } else if big_c >= small_c {
        (big.negative, big_c - small_c)
    } else {
        (small.negative, small_c - big_c)
    };
    Some(round_narrow(negative && sum != 0, sum, exponent))
}

/// `c / d` and `c % d`, in 64 bits when both fit (a 128-bit division is a long one).
fn div_rem(c: u128, d: u128) -> (u128, u128) {
    match (u64::try_from(c), u64::try_from(d)) {
        (Ok(c), Ok(d)) => ((c / d) as u128, (c % d) as u128),
        _ => (c / d, c % d),
    }
}

/// `a / b` in the context, with Python's exponent (an exact quotient loses trailing zeros
/// down to the ideal exponent `a.exponent - b.exponent`, an inexact one has 28 digits);
/// `None` when `b` is zero (Python raises `DivisionByZero` or `InvalidOperation`).
pub(crate) fn div(a: Num, b: Num) -> Option<Num> {
    if b.coefficient == 0 {
        return None;
    }
    let negative = a.negative != b.negative;
    let ideal = a.exponent - b.exponent;
    if a.coefficient == 0 {
        return Some(Num { negative, coefficient: 0, exponent: ideal });
    }
    // Scale the dividend so that the quotient has more than PRECISION digits.
    let shift =
        (digits_narrow(b.coefficient) + PRECISION + 1).saturating_sub(digits_narrow(a.coefficient));
    let dividend = U256::new(a.coefficient) * pow10_wide(shift);
    let (quotient, rest) = dividend.div_rem(U256::new(b.coefficient));
    let (mut result, exact) = round_wide(negative, quotient, ideal - shift as i64, rest != 0);
    if exact {
        while result.exponent < ideal && result.coefficient.is_multiple_of(10) {
            result.coefficient /= 10;
            result.exponent += 1;
        }
    }
    Some(result)
}

/// How `to_integral_value` rounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Integral {
    /// `round(x)`: `ROUND_HALF_EVEN`.
    HalfEven,
    /// `floor_minor`: `ROUND_FLOOR`.
    Floor,
}

/// `int(x.to_integral_value(rounding))`, saturated to `i128` (`Minor`) beyond its range.
pub(crate) fn to_integer(x: Num, rounding: Integral) -> i128 {
    let magnitude: Option<u128> = if x.coefficient == 0 {
        Some(0)
    } else if x.exponent >= 0 {
        u32::try_from(x.exponent)
            .ok()
            .and_then(|e| 10u128.checked_pow(e))
            .and_then(|scale| x.coefficient.checked_mul(scale))
    } else {
        let shift = x.exponent.unsigned_abs();
        let (quotient, rest, half) = if shift >= POW10.len() as u64 {
            // |x| < 3.5e38 / 1e39 < 0.5
            (0, x.coefficient, u128::MAX)
        } else {
            let divisor = POW10[shift as usize];
            let (quotient, rest) = div_rem(x.coefficient, divisor);
            (quotient, rest, divisor / 2)
        };
        let up = match rounding {
            Integral::HalfEven => half_even_up(quotient & 1 == 1, rest.cmp(&half), false),
            Integral::Floor => x.negative && rest != 0,
        };
        Some(quotient + up as u128)
    };
    saturate(x.negative, magnitude)
}

/// `±magnitude` as `i128`, clamped to `i128::MIN..=i128::MAX` (`None`: too large).
fn saturate(negative: bool, magnitude: Option<u128>) -> i128 {
    match (negative, magnitude) {
        (false, Some(m)) => i128::try_from(m).unwrap_or(i128::MAX),
        (true, Some(m)) => 0i128.checked_sub_unsigned(m).unwrap_or(i128::MIN),
        (false, None) => i128::MAX,
        (true, None) => i128::MIN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(negative: bool, coefficient: u128, exponent: i64) -> Num {
        Num { negative, coefficient, exponent }
    }

    // Expected values: Python 3 `decimal`, default context, e.g.
    // `Decimal(1) / Decimal('3')` → `Decimal('0.3333333333333333333333333333')`.
    #[test]
    fn division_rounds_and_keeps_ideal_exponents() {
        let one = Num::ONE;
        assert_eq!(div(one, num(false, 3, 0)), Some(num(false, 3333333333333333333333333333, -28)));
        assert_eq!(
            div(one, num(false, 108, -2)),
            Some(num(false, 9259259259259259259259259259, -28))
        );
        // 1/0.5 = 2, 1/4 = 0.25, 1/1E-3 = 1E+3, 1/2.50 = 0.4, 2/3 ends ...67
        assert_eq!(div(one, num(false, 5, -1)), Some(num(false, 2, 1 - 1)));
        assert_eq!(div(one, num(false, 4, 0)), Some(num(false, 25, -2)));
        assert_eq!(div(one, num(false, 1, -3)), Some(num(false, 1, 3)));
        assert_eq!(div(one, num(false, 250, -2)), Some(num(false, 4, -1)));
        assert_eq!(
            div(num(false, 2, 0), num(false, 3, 0)),
            Some(num(false, 6666666666666666666666666667, -28))
        );
        assert_eq!(div(one, num(true, 8, 0)), Some(num(true, 125, -3)));
        assert_eq!(div(one, num(false, 0, 0)), None);
    }

    /// The same value with trailing zeros stripped: results are compared by value.
    fn value(x: Num) -> Num {
        let mut x = x;
        while x.coefficient != 0 && x.coefficient.is_multiple_of(10) {
            x.coefficient /= 10;
            x.exponent += 1;
        }
        x
    }

    // Python: 1 + Decimal('1E-100') → 1.000000000000000000000000000, and so on.
    #[test]
    fn addition_rounds_once() {
        let tiny = num(false, 1, -100);
        let sum = |a: Num, b: Num| value(add(a, b));
        assert_eq!(sum(Num::ONE, tiny), num(false, 1, 0));
        assert_eq!(sum(Num::ONE, Num { negative: true, ..tiny }), num(false, 1, 0));
        // a tie at 28 digits: half-even keeps 1.000000000000000000000000000
        assert_eq!(sum(Num::ONE, num(false, 5, -28)), num(false, 1, 0));
        // → 1.000000000000000000000000002 (the tie goes to the even digit)
        assert_eq!(
            sum(Num::ONE, num(false, 15, -28)),
            num(false, 1000000000000000000000000002, -27)
        );
        // 1 - 5E-28 = 0.9999999999999999999999999995: exact in 28 digits
        assert_eq!(sum(num(true, 5, -28), Num::ONE), num(false, 9999999999999999999999999995, -28));
        assert_eq!(sum(Num::ONE, num(false, 1, 40)), num(false, 1, 40));
        assert_eq!(sum(Num::ONE, num(true, 15, -1)), num(true, 5, -1));
    }

    #[test]
    fn integral_rounding() {
        assert_eq!(to_integer(num(false, 25, -1), Integral::HalfEven), 2);
        assert_eq!(to_integer(num(false, 35, -1), Integral::HalfEven), 4);
        assert_eq!(to_integer(num(true, 25, -1), Integral::HalfEven), -2);
        assert_eq!(to_integer(num(true, 25, -1), Integral::Floor), -3);
        assert_eq!(to_integer(num(false, 29, -1), Integral::Floor), 2);
        assert_eq!(to_integer(num(true, 1, -60), Integral::Floor), -1);
        assert_eq!(to_integer(num(false, 1, -60), Integral::HalfEven), 0);
        assert_eq!(to_integer(num(false, 1, 60), Integral::HalfEven), i128::MAX);
        assert_eq!(to_integer(num(true, 1, 60), Integral::Floor), i128::MIN);
    }
}
