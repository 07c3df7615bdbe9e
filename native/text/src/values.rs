//! The scalar forms of the canonical subset: decimal strings, dates, instants and integers,
//! read exactly as pydantic (Python's `Decimal`, `date`, `datetime`) reads them, or refused.

use credit_model::{Day, Dec, Instant, EPOCH_ORDINAL, MICROS_PER_DAY};

/// Exponents beyond this are refused (Python takes far more; no amount needs them).
const MAX_EXPONENT: i64 = 999_999;

fn digit(byte: u8) -> Option<u32> {
    byte.is_ascii_digit().then(|| (byte - b'0') as u32)
}

/// `Decimal(text)` for `digits[.digits][(e|E)[+-]digits]`, else `None`. Leading zeros leave
/// the coefficient (`007.50` → 750 × 10^-2); a coefficient beyond `u128` is refused.
pub(crate) fn decimal(text: &[u8]) -> Option<Dec> {
    let mut pos = 0;
    let mut coefficient: u128 = 0;
    let mut int_digits = 0;
    while let Some(d) = text.get(pos).and_then(|&b| digit(b)) {
        coefficient = coefficient.checked_mul(10)?.checked_add(d as u128)?;
        int_digits += 1;
        pos += 1;
    }
    if int_digits == 0 {
        return None;
    }
    let mut frac_digits: i64 = 0;
    if text.get(pos) == Some(&b'.') {
        pos += 1;
        while let Some(d) = text.get(pos).and_then(|&b| digit(b)) {
            coefficient = coefficient.checked_mul(10)?.checked_add(d as u128)?;
            frac_digits += 1;
            pos += 1;
        }
        if frac_digits == 0 {
            return None;
        }
    }
    let mut exponent: i64 = 0;
    if matches!(text.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        let negative = text.get(pos) == Some(&b'-');
        if matches!(text.get(pos), Some(b'-' | b'+')) {
            pos += 1;
        }
        let mut exp_digits = 0;
        while let Some(d) = text.get(pos).and_then(|&b| digit(b)) {
            exponent = exponent * 10 + d as i64;
            if exponent > MAX_EXPONENT {
                return None;
            }
            exp_digits += 1;
            pos += 1;
        }
        if exp_digits == 0 {
            return None;
        }
        if negative {
            exponent = -exponent;
        }
    }
    if pos != text.len() {
        return None;
    }
    let exponent = i32::try_from(exponent - frac_digits).ok()?;
    Some(Dec { negative: false, coefficient, exponent })
}

/// The number the ASCII digits `digits` write, if they are all digits.
#[inline(always)]
fn number(digits: &[u8]) -> Option<u32> {
    let mut value = 0;
    for &byte in digits {
        let d = byte.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        value = value * 10 + d as u32;
    }
    Some(value)
}

fn two(text: &[u8], at: usize) -> Option<u32> {
    number(text.get(at..at + 2)?)
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days before each month (1 to 12) of a year that is not leap (`datetime._DAYS_BEFORE_MONTH`).
const DAYS_BEFORE_MONTH: [u32; 13] = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/// `date(year, month, day).toordinal()` of a valid date of years 1..=9999, as `datetime`
/// computes it (`_ymd2ord`): `format::ordinal`'s day, in unsigned arithmetic.
#[inline(always)]
fn day_number(year: u32, month: u32, day: u32) -> Day {
    let before = year - 1;
    let leap_day = u32::from(month > 2 && is_leap(year));
    let days = before * 365 + before / 4 - before / 100 + before / 400
        + DAYS_BEFORE_MONTH[month as usize] + leap_day + day;
    Day(days as i32)
}

/// `YYYY-MM-DD` at the start of `text`: a valid calendar date in years 1..=9999.
fn date_prefix(text: &[u8]) -> Option<Day> {
    let date = text.first_chunk::<10>()?;
    if date[4] != b'-' || date[7] != b'-' {
        return None;
    }
    let (year, month, day) = (number(&date[..4])?, number(&date[5..7])?, number(&date[8..])?);
    if year == 0 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(day_number(year, month, day))
}

/// A date field: exactly `YYYY-MM-DD`.
pub(crate) fn date(text: &[u8]) -> Option<Day> {
    if text.len() != 10 {
        return None;
    }
    date_prefix(text)
}

/// The `+HH:MM`/`-HH:MM`/`Z` at the end of an instant, in seconds east of UTC.
fn offset(text: &[u8]) -> Option<i32> {
    match text {
        b"Z" => Some(0),
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (hours, minutes) = (two(text, 1)?, two(text, 4)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = (hours * 3600 + minutes * 60) as i32;
            Some(if *sign == b'-' { -seconds } else { seconds })
        }
        _ => None,
    }
}

/// 10000-01-01T00:00:00Z, the first instant past Python's `datetime.max`, in Unix micros.
const END_OF_YEARS: i64 = (3_652_060 - EPOCH_ORDINAL as i64) * MICROS_PER_DAY;

/// `YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±HH:MM)`, its UTC value within years 1..=9999.
pub(crate) fn instant(text: &[u8]) -> Option<Instant> {
    let day = date_prefix(text)?;
    if text.len() < 20 || text[10] != b'T' || text[13] != b':' || text[16] != b':' {
        return None;
    }
    let (hour, minute, second) = (two(text, 11)?, two(text, 14)?, two(text, 17)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut pos = 19;
    let mut micros: i64 = 0;
    if text[pos] == b'.' {
        pos += 1;
        let mut scale = 100_000;
        while let Some(d) = text.get(pos).and_then(|&b| digit(b)) {
            if scale == 0 {
                return None; // more than six fraction digits
            }
            micros += d as i64 * scale;
            scale /= 10;
            pos += 1;
        }
        if scale == 100_000 {
            return None;
        }
    }
    let offset_seconds = offset(&text[pos..])?;
    let seconds_in_day = (hour * 3600 + minute * 60 + second) as i64;
    let local = (day.0 - EPOCH_ORDINAL) as i64 * MICROS_PER_DAY + seconds_in_day * 1_000_000 + micros;
    let utc_micros = local - offset_seconds as i64 * 1_000_000;
    let start_of_years = (1 - EPOCH_ORDINAL) as i64 * MICROS_PER_DAY;
    if utc_micros < start_of_years || utc_micros >= END_OF_YEARS {
        return None;
    }
    Some(Instant { utc_micros, offset_seconds })
}

/// A JSON integer (no fraction, no exponent, not `-0`) within `i64`.
pub(crate) fn integer(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || (negative && digits == b"0") {
        return None;
    }
    let mut value: i64 = 0;
    for &byte in digits {
        let d = digit(byte)? as i64;
        value = value.checked_mul(10)?;
        value = if negative { value.checked_sub(d)? } else { value.checked_add(d)? };
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use credit_model::format::{day_str, isoformat};

    fn dec(text: &str) -> Option<(u128, i32)> {
        decimal(text.as_bytes()).map(|d| (d.coefficient, d.exponent))
    }

    /// Every day of years 1..=9999 numbers as `format::ordinal` (`date.toordinal()`) has it.
    #[test]
    fn day_numbers_are_ordinals() {
        for year in 1..=9999u32 {
            for month in 1..=12 {
                for day in 1..=days_in_month(year, month) {
                    let expected = credit_model::format::ordinal(year as i64, month, day);
                    assert_eq!(day_number(year, month, day), expected, "{year}-{month}-{day}");
                }
            }
        }
        assert_eq!(date(b"0001-01-01"), Some(Day(1)));
        for refused in [&b"0000-01-01"[..], b"2026-02-29", b"2026-13-01", b"2026-1-01", b"2026-01-0a",
                        b"2026/01/01", b"2026-01-011"] {
            assert_eq!(date(refused), None, "{:?}", std::str::from_utf8(refused));
        }
    }

    /// Expected values: `Decimal(text).as_tuple()` in Python 3.
    #[test]
    fn decimals_as_python_reads_them() {
        assert_eq!(dec("007.50"), Some((750, -2)));
        assert_eq!(dec("8000.00"), Some((800000, -2)));
        assert_eq!(dec("0"), Some((0, 0)));
        assert_eq!(dec("0.00"), Some((0, -2)));
        assert_eq!(dec("1e5"), Some((1, 5)));
        assert_eq!(dec("1E+5"), Some((1, 5)));
        assert_eq!(dec("1.5E-3"), Some((15, -4)));
        assert_eq!(dec("0E-5"), Some((0, -5)));
        assert_eq!(dec("1E+0000005"), Some((1, 5)));
        assert_eq!(dec(&"9".repeat(38)), Some((10u128.pow(38) - 1, 0)));
        for refused in ["", "-1", "+1", " 1", "1 ", ".5", "5.", "1_0", "1e", "1E+", "NaN", "Infinity", "0x10", "1e+-5", "1E+1000000", "1.2.3"] {
            assert_eq!(dec(refused), None, "{refused}");
        }
        assert_eq!(dec(&"9".repeat(40)), None);
    }

    #[test]
    fn dates_are_calendar_dates() {
        assert_eq!(date(b"2024-02-29").map(day_str).as_deref(), Some("2024-02-29"));
        assert_eq!(date(b"0001-01-01"), Some(Day(1)));
        // date(9999, 12, 31).toordinal() in Python
        assert_eq!(date(b"9999-12-31"), Some(Day(3_652_059)));
        assert_eq!(END_OF_YEARS, (3_652_059 - EPOCH_ORDINAL as i64 + 1) * MICROS_PER_DAY);
        for refused in ["2026-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "0000-01-01", "2026-3-01", "2026-03-01 ", "20260301"] {
            assert_eq!(date(refused.as_bytes()), None, "{refused}");
        }
    }

    /// Expected printing: `datetime.fromisoformat(text).isoformat()` in Python 3.
    #[test]
    fn instants_keep_their_offset() {
        let read = |text: &str| instant(text.as_bytes()).map(|at| isoformat(&at));
        assert_eq!(read("2026-03-02T10:00:00+01:00").as_deref(), Some("2026-03-02T10:00:00+01:00"));
        assert_eq!(read("2026-03-02T09:00:00.25Z").as_deref(), Some("2026-03-02T09:00:00.250000+00:00"));
        assert_eq!(read("2026-03-02T09:00:00-00:00").as_deref(), Some("2026-03-02T09:00:00+00:00"));
        assert_eq!(read("2026-03-02T09:00:00+23:59").as_deref(), Some("2026-03-02T09:00:00+23:59"));
        let at = instant(b"2026-03-02T10:00:00+01:00").unwrap();
        assert_eq!((at.utc_micros, at.offset_seconds), (1_772_442_000_000_000, 3600));
        for refused in [
            "2026-03-02T24:00:00Z", "2026-03-02T23:59:60Z", "2026-03-02T07:00:00", "2026-03-02T07:00:00+24:00",
            "2026-03-02T07:00:00.1234567Z", "2026-03-02T07:00:00.Z", "2026-03-02t07:00:00Z", "2026-03-02T07:00:00z",
            "2026-03-02 07:00:00Z", "2026-03-02T07:00Z", "2026-03-02T07:00:00+0100", "2026-03-02T07:00:00+01",
            "2026-03-02T07:00:00+00:60", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-02-29T07:00:00Z",
            "2026-03-02T07:00:00,5Z", "2026-03-02T07:00:00+01:00:30", "2026-03-02",
        ] {
            assert_eq!(read(refused), None, "{refused}");
        }
    }

    #[test]
    fn integers_are_plain_json_integers() {
        assert_eq!(integer(b"30"), Some(30));
        assert_eq!(integer(b"-7"), Some(-7));
        assert_eq!(integer(b"0"), Some(0));
        assert_eq!(integer(b"-9223372036854775808"), Some(i64::MIN));
        for refused in ["-0", "1.0", "1e2", "9223372036854775808", "", "-"] {
            assert_eq!(integer(refused.as_bytes()), None, "{refused}");
        }
    }
}
