//! Amounts and rates as Avro `bytes` decimals: the big-endian two's complement of the
//! unscaled value, read and written as the service's codec does it
//! (`service/avro_compiled.py::read_decimal` and `decimal_bytes`).

use credit_model::Dec;

/// Why Python's `decimal_bytes` would not write a decimal (it raises; the event is not sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unencodable {
    /// More coefficient digits than the schema's precision (`ValueError`).
    TooManyDigits,
    /// More decimal places than the schema's scale (`ValueError`).
    TooManyPlaces,
    /// Past the exponent limit of Python's decimal context (`decimal.Overflow`).
    TooLarge,
}

/// The unscaled value of a decimal's bytes, of any length (`int.from_bytes(data, "big",
/// signed=True)`; no bytes is 0); `None` past 128 bits.
pub(crate) fn unscaled(bytes: &[u8]) -> Option<i128> {
    let negative = bytes.first().is_some_and(|first| first & 0x80 != 0);
    let fill = if negative { 0xFF } else { 0x00 };
    // sign bytes that change nothing: 00 7F.. is 7F.., FF 80.. is 80..
    let mut start = 0;
    while start + 1 < bytes.len()
        && bytes[start] == fill
        && (bytes[start + 1] & 0x80 != 0) == negative
    {
        start += 1;
    }
    let significant = &bytes[start..];
    if significant.len() > 16 {
        return None;
    }
    let mut value: i128 = if negative { -1 } else { 0 };
    for &byte in significant {
        value = (value << 8) | i128::from(byte);
    }
    Some(value)
}

/// The decimal's digits, as `len(value.as_tuple().digits)` (zero has one).
fn digit_count(coefficient: u128) -> u32 {
    coefficient.checked_ilog10().map_or(1, |log| log + 1)
}

/// `Context(prec=1000)`'s largest adjusted exponent (Python's default `Emax`).
const EMAX: i64 = 999_999;

/// Appends the decimal's Avro bytes value (length, then bytes) at `precision` and `scale`,
/// byte for byte as `decimal_bytes`: `unscaled.to_bytes((bit_length + 8) // 8, signed=True)`,
/// which gives a negative power of two one byte more than it needs (-128 is `FF 80`).
pub(crate) fn write(out: &mut Vec<u8>, value: &Dec, precision: u32, scale: u32) -> Result<(), Unencodable> {
    if digit_count(value.coefficient) > precision {
        return Err(Unencodable::TooManyDigits);
    }
    let shift = i64::from(value.exponent) + i64::from(scale);
    if shift < 0 {
        return Err(Unencodable::TooManyPlaces);
    }
    if shift + i64::from(digit_count(value.coefficient)) - 1 > EMAX {
        return Err(Unencodable::TooLarge);
    }
    let magnitude = Magnitude::scaled(value.coefficient, shift as u32);
    let bytes = magnitude.twos_complement(value.negative && value.coefficient != 0);
    crate::output::write_long(out, bytes.len() as i64);
    out.extend_from_slice(&bytes);
    Ok(())
}

/// An unsigned integer of any size, as base-2^32 limbs, least significant first.
struct Magnitude(Vec<u32>);

impl Magnitude {
    /// `coefficient × 10^shift`.
    fn scaled(coefficient: u128, shift: u32) -> Magnitude {
        let mut limbs: Vec<u32> = (0..4).map(|i| (coefficient >> (32 * i)) as u32).collect();
        let mut left = shift;
        while left > 0 {
            let step = left.min(9);
            Magnitude::multiply(&mut limbs, 10u32.pow(step));
            left -= step;
        }
        while limbs.len() > 1 && limbs.last() == Some(&0) {
            limbs.pop();
        }
        Magnitude(limbs)
    }

    fn multiply(limbs: &mut Vec<u32>, factor: u32) {
        let mut carry: u64 = 0;
        for limb in limbs.iter_mut() {
            let product = u64::from(*limb) * u64::from(factor) + carry;
            *limb = product as u32;
            carry = product >> 32;
        }
        if carry > 0 {
            limbs.push(carry as u32);
        }
    }

    fn bit_length(&self) -> u64 {
        let top = self.0.len() - 1;
        let high = self.0[top];
        if high == 0 {
            0
        } else {
            32 * top as u64 + u64::from(32 - high.leading_zeros())
        }
    }

    /// Big-endian two's complement of `±self` in `bit_length // 8 + 1` bytes.
    fn twos_complement(&self, negative: bool) -> Vec<u8> {
        let length = (self.bit_length() / 8 + 1) as usize;
        let mut little: Vec<u8> = self.0.iter().flat_map(|limb| limb.to_le_bytes()).collect();
        little.resize(length.max(little.len()), 0);
        little.truncate(length);
        if negative {
            let mut carry = true;
            for byte in little.iter_mut() {
                let (sum, overflow) = (!*byte).overflowing_add(u8::from(carry));
                *byte = sum;
                carry = overflow;
            }
        }
        little.reverse();
        little
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(value: Dec) -> Result<Vec<u8>, Unencodable> {
        let mut out = Vec::new();
        write(&mut out, &value, 22, 4).map(|_| out)
    }

    fn dec(negative: bool, coefficient: u128, exponent: i32) -> Dec {
        Dec { negative, coefficient, exponent }
    }

    /// Expected bytes: `decimal_bytes(Decimal(text), 22, 4)` in Python, with the length
    /// varint in front (`write_long(len(b))`).
    #[test]
    fn bytes_as_python_writes_them() {
        assert_eq!(body(dec(false, 0, -2)), Ok(vec![2, 0x00]));
        assert_eq!(body(dec(true, 0, -2)), Ok(vec![2, 0x00])); // Decimal("-0.00")
        assert_eq!(body(dec(false, 127, -4)), Ok(vec![2, 0x7F]));
        assert_eq!(body(dec(false, 128, -4)), Ok(vec![4, 0x00, 0x80]));
        assert_eq!(body(dec(true, 128, -4)), Ok(vec![4, 0xFF, 0x80]));
        assert_eq!(body(dec(true, 1, -4)), Ok(vec![2, 0xFF]));
        assert_eq!(body(dec(true, 129, -4)), Ok(vec![4, 0xFF, 0x7F]));
        // Decimal("8000.00"): 80000000 = 0x04C4B400
        assert_eq!(body(dec(false, 800_000, -2)), Ok(vec![8, 0x04, 0xC4, 0xB4, 0x00]));
        assert_eq!(body(dec(false, 1, -5)), Err(Unencodable::TooManyPlaces));
        let wide = 10u128.pow(22);
        assert_eq!(body(dec(false, wide, -4)), Err(Unencodable::TooManyDigits));
        assert_eq!(body(dec(false, 1, 1_000_000)), Err(Unencodable::TooLarge));
        // Decimal("1E+40"): 10**44, past 128 bits
        let big = body(dec(false, 1, 40)).expect("1E+40");
        let expected = "26047bf19673df52e37f2410011d100000000000";
        let hex: String = big.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
    }

    #[test]
    fn unscaled_values_of_any_length() {
        assert_eq!(unscaled(&[]), Some(0));
        assert_eq!(unscaled(&[0xFF]), Some(-1));
        assert_eq!(unscaled(&[0xFF, 0xFF, 0x80]), Some(-128));
        assert_eq!(unscaled(&[0x00, 0x00, 0x80]), Some(128));
        assert_eq!(unscaled(&[0x80; 16]).map(|v| v < 0), Some(true));
        assert_eq!(unscaled(&[0x01; 17]), None);
        let mut long = vec![0x00; 20];
        long.push(0x05);
        assert_eq!(unscaled(&long), Some(5));
    }
}
