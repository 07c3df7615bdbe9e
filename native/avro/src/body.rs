//! The Avro binary primitives of an input event's body, read as the service's generated
//! reader (`service/avro_compiled.py::compile_reader`) reads them, or refused.
//!
//! Every read is bounds-checked: truncated or corrupt bytes give [`NotFast`], never a panic.
//! Where Python would read a value this cursor does not model (a varint past 64 bits, a
//! boolean byte other than 0 or 1, a decimal of more digits than its precision), the answer is
//! [`NotFast`] too: the caller hands the record to Python, which reads or refuses it.

use crate::NotFast;
use credit_model::{Day, Dec, Instant, EPOCH_ORDINAL};

/// `date(9999, 12, 31).toordinal()`: the last day Python's `date` holds.
const MAX_ORDINAL: i64 = 3_652_059;
/// `datetime(1, 1, 1, tzinfo=UTC)` in milliseconds since the Unix epoch.
const MIN_MILLIS: i64 = -62_135_596_800_000;
/// `datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)` in milliseconds since the epoch.
const MAX_MILLIS: i64 = 253_402_300_799_999;

/// A position in one record's body.
pub(crate) struct Body<'a> {
    bytes: &'a [u8],
    pos: usize,
}

pub(crate) type Read<T> = Result<T, NotFast>;

impl<'a> Body<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Body<'a> {
        Body { bytes, pos: 0 }
    }

    /// `Ok` when every byte was read (Python refuses trailing bytes).
    pub(crate) fn finish(&self) -> Read<()> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(NotFast::new("record", "trailing bytes"))
        }
    }

    fn byte(&mut self, field: &'static str) -> Read<u8> {
        let byte = *self.bytes.get(self.pos).ok_or(NotFast::new(field, "truncated"))?;
        self.pos += 1;
        Ok(byte)
    }

    /// A zig-zag varint. Python reads any number of continuation bytes into an unbounded int;
    /// here a value past 64 bits is left to it.
    pub(crate) fn long(&mut self, field: &'static str) -> Read<i64> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte(field)?;
            let bits = u64::from(byte & 0x7F);
            if shift == 63 && bits > 1 {
                return Err(NotFast::new(field, "varint past 64 bits"));
            }
            n |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok((n >> 1) as i64 ^ -((n & 1) as i64));
            }
        }
        Err(NotFast::new(field, "varint past 64 bits"))
    }

    /// The bytes of a `string` or `bytes` value: a length, then that many bytes.
    fn raw(&mut self, field: &'static str) -> Read<&'a [u8]> {
        let length = self.long(field)?;
        let length = usize::try_from(length).map_err(|_| NotFast::new(field, "negative length"))?;
        let end = self.pos.checked_add(length).filter(|end| *end <= self.bytes.len());
        let end = end.ok_or(NotFast::new(field, "truncated"))?;
        let raw = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(raw)
    }

    /// A `string` (UTF-8, as Python's strict `bytes.decode()`).
    pub(crate) fn string(&mut self, field: &'static str) -> Read<&'a str> {
        std::str::from_utf8(self.raw(field)?).map_err(|_| NotFast::new(field, "not UTF-8"))
    }

    /// A `boolean`: Python takes any non-zero byte as true; only 0 and 1 are read here.
    pub(crate) fn boolean(&mut self, field: &'static str) -> Read<bool> {
        match self.byte(field)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(NotFast::new(field, "boolean byte other than 0 or 1")),
        }
    }

    /// The branch of a `["null", X]` union: `false` for null, `true` for X.
    pub(crate) fn present(&mut self, field: &'static str) -> Read<bool> {
        match self.long(field)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(NotFast::new(field, "union index out of range")),
        }
    }

    /// `timestamp-millis`: `EPOCH + timedelta(microseconds=t * 1000)`, an instant in UTC
    /// (Python refuses one outside years 1..9999).
    pub(crate) fn instant(&mut self, field: &'static str) -> Read<Instant> {
        let millis = self.long(field)?;
        if !(MIN_MILLIS..=MAX_MILLIS).contains(&millis) {
            return Err(NotFast::new(field, "instant outside years 1..9999"));
        }
        Ok(Instant { utc_micros: millis * 1000, offset_seconds: 0 })
    }

    /// `date`: `date.fromordinal(t + DAYS_SHIFT)` (Python refuses one outside years 1..9999).
    pub(crate) fn day(&mut self, field: &'static str) -> Read<Day> {
        let ordinal = self.long(field)?.saturating_add(i64::from(EPOCH_ORDINAL));
        if !(1..=MAX_ORDINAL).contains(&ordinal) {
            return Err(NotFast::new(field, "date outside years 1..9999"));
        }
        Ok(Day(ordinal as i32))
    }

    /// A `bytes` decimal of `precision` digits and `scale` places, as Python's
    /// `read_decimal`: the big-endian two's complement unscaled value, at exponent `-scale`.
    /// Python rounds a value of more than `precision` digits to it; that is left to Python.
    pub(crate) fn decimal(&mut self, field: &'static str, precision: u32, scale: u32) -> Read<Dec> {
        let unscaled = crate::decimal::unscaled(self.raw(field)?)
            .ok_or(NotFast::new(field, "decimal wider than 128 bits"))?;
        let coefficient = unscaled.unsigned_abs();
        if coefficient >= 10u128.pow(precision) {
            return Err(NotFast::new(field, "decimal of more digits than its precision"));
        }
        Ok(Dec { negative: unscaled < 0, coefficient, exponent: -(scale as i32) })
    }

    /// An array's items, block by block (a negative count is followed by the block's byte
    /// size, which Python skips), each read by `item`.
    pub(crate) fn array<T>(
        &mut self,
        field: &'static str,
        mut item: impl FnMut(&mut Body<'a>) -> Read<T>,
    ) -> Read<Vec<T>> {
        let mut items = Vec::new();
        loop {
            let count = self.long(field)?;
            if count == 0 {
                return Ok(items);
            }
            if count < 0 {
                self.long(field)?;
            }
            for _ in 0..count.unsigned_abs() {
                items.push(item(self)?);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values of `service.avro_compiled.read_long` on the same bytes.
    #[test]
    fn varints_as_python_reads_them() {
        let read = |bytes: &[u8]| Body::new(bytes).long("n");
        assert_eq!(read(&[0x00]), Ok(0));
        assert_eq!(read(&[0x01]), Ok(-1));
        assert_eq!(read(&[0x80, 0x01]), Ok(64));
        assert_eq!(read(&[0x80, 0x00]), Ok(0)); // over-long, as Python reads it
        let max = [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];
        assert_eq!(read(&max), Ok(i64::MAX));
        let min = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];
        assert_eq!(read(&min), Ok(i64::MIN));
        assert!(read(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02]).is_err());
        assert!(read(&[0x80]).is_err());
        assert!(read(&[]).is_err());
    }

    #[test]
    fn truncated_strings_and_negative_lengths() {
        assert_eq!(Body::new(b"\x06abc").string("s"), Ok("abc"));
        assert!(Body::new(b"\x06ab").string("s").is_err());
        assert!(Body::new(b"\x01").string("s").is_err());
        assert!(Body::new(b"\x02\xff").string("s").is_err());
        let huge = [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00];
        assert!(Body::new(&huge).string("s").is_err());
    }

    /// `fromordinal(t + 719163)` and `EPOCH + timedelta(microseconds=t * 1000)` in Python:
    /// -719162 is 0001-01-01, 2932896 is 9999-12-31; one beyond either raises.
    #[test]
    fn days_and_instants_in_python_range() {
        let day = |t: i64| Body::new(&zigzag(t)).day("d");
        assert_eq!(day(-719_162), Ok(Day(1)));
        assert_eq!(day(2_932_896), Ok(Day(3_652_059)));
        assert!(day(-719_163).is_err() && day(2_932_897).is_err());
        let at = |t: i64| Body::new(&zigzag(t)).instant("t");
        assert_eq!(at(MAX_MILLIS).map(|i| i.utc_micros), Ok(MAX_MILLIS * 1000));
        assert!(at(MAX_MILLIS + 1).is_err() && at(MIN_MILLIS - 1).is_err());
        assert!(at(MIN_MILLIS).is_ok());
    }

    fn zigzag(value: i64) -> Vec<u8> {
        let mut out = Vec::new();
        crate::output::write_long(&mut out, value);
        out
    }
}
