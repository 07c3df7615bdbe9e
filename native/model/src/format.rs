//! Text as Python prints it: `str(Decimal)`, `str(date)`, `datetime.isoformat()`.
//!
//! Hold reasons and notifications carry these in their messages, so the native engine must
//! write them exactly as the Python engine does.

use crate::{Day, Dec, Instant, EPOCH_ORDINAL, MICROS_PER_DAY};
use std::fmt::Write;

/// `str(Decimal)`: the General Decimal Arithmetic to-scientific-string.
pub fn dec_str(value: &Dec) -> String {
    let mut out = Vec::with_capacity(24);
    push_dec(&mut out, value);
    String::from_utf8(out).expect("a decimal's text is ASCII")
}

/// The decimal digits of `value`, written from the end of `buf`.
fn digits_of(value: u128, buf: &mut [u8; 39]) -> &[u8] {
    let mut at = buf.len();
    match u64::try_from(value) {
        Ok(mut small) => loop {
            at -= 1;
            buf[at] = b'0' + (small % 10) as u8;
            small /= 10;
            if small == 0 {
                break;
            }
        },
        Err(_) => {
            let text = value.to_string();
            at -= text.len();
            buf[at..].copy_from_slice(text.as_bytes());
        }
    }
    &buf[at..]
}

/// Appends `str(value)` (`dec_str`) to `out`: ASCII that JSON needs no escape for.
pub fn push_dec(out: &mut Vec<u8>, value: &Dec) {
    let mut buf = [0u8; 39];
    let digits = digits_of(value.coefficient, &mut buf);
    let exponent = value.exponent as i64;
    let left_digits = exponent + digits.len() as i64;
    let dot_place = if exponent <= 0 && left_digits > -6 { left_digits } else { 1 };
    if value.negative {
        out.push(b'-');
    }
    if dot_place <= 0 {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + (-dot_place) as usize, b'0');
        out.extend_from_slice(digits);
    } else if dot_place >= digits.len() as i64 {
        out.extend_from_slice(digits);
        out.resize(out.len() + (dot_place - digits.len() as i64) as usize, b'0');
    } else {
        out.extend_from_slice(&digits[..dot_place as usize]);
        out.push(b'.');
        out.extend_from_slice(&digits[dot_place as usize..]);
    }
    if left_digits != dot_place {
        out.extend_from_slice(format!("E{:+}", left_digits - dot_place).as_bytes());
    }
}

/// (year, month, day) of a proleptic Gregorian ordinal (`date.fromordinal`).
pub fn civil(day: Day) -> (i64, u32, u32) {
    // days since 1970-01-01, then Howard Hinnant's civil_from_days
    let z = (day.0 - EPOCH_ORDINAL) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// The ordinal of a proleptic Gregorian date (`date(y, m, d).toordinal()`); no validation.
pub fn ordinal(year: i64, month: u32, day: u32) -> Day {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Day((era * 146_097 + doe - 719_468) as i32 + EPOCH_ORDINAL)
}

/// `str(date)`: `2026-03-02`.
pub fn day_str(day: Day) -> String {
    let (y, m, d) = civil(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn write_local(out: &mut String, local_micros: i64) {
    let mut bytes = Vec::with_capacity(26);
    push_local(&mut bytes, local_micros);
    out.push_str(std::str::from_utf8(&bytes).expect("a date and time's text is ASCII"));
}

/// Writes `value` as `width` digits at `buf[at..]` (zero-padded; `value` has at most `width`).
#[inline(always)]
fn put_padded(buf: &mut [u8], at: usize, value: u32, width: usize) {
    let mut rest = value;
    for slot in buf[at..at + width].iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
}

/// Appends the local date and time `YYYY-MM-DDTHH:MM:SS`, then `.ffffff` unless whole
/// (written on the stack, then appended at once).
fn push_local(out: &mut Vec<u8>, local_micros: i64) {
    let day = Day(EPOCH_ORDINAL + local_micros.div_euclid(MICROS_PER_DAY) as i32);
    let in_day = local_micros.rem_euclid(MICROS_PER_DAY);
    let (y, m, d) = civil(day);
    let seconds = (in_day / 1_000_000) as u32;
    let micros = (in_day % 1_000_000) as u32;
    match u32::try_from(y) {
        Ok(year) if year <= 9999 => {
            let mut text = *b"0000-00-00T00:00:00.000000";
            put_padded(&mut text, 0, year, 4);
            put_padded(&mut text, 5, m, 2);
            put_padded(&mut text, 8, d, 2);
            put_padded(&mut text, 11, seconds / 3600, 2);
            put_padded(&mut text, 14, seconds / 60 % 60, 2);
            put_padded(&mut text, 17, seconds % 60, 2);
            if micros == 0 {
                out.extend_from_slice(&text[..19]);
            } else {
                put_padded(&mut text, 20, micros, 6);
                out.extend_from_slice(&text);
            }
        }
        _ => {
            // beyond year 9999 (or before year 0): Python's own formatting, rare
            out.extend_from_slice(format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
                                          seconds / 3600, seconds / 60 % 60, seconds % 60)
                .as_bytes());
            if micros != 0 {
                out.extend_from_slice(format!(".{micros:06}").as_bytes());
            }
        }
    }
}

/// `datetime.isoformat()` of the instant in the offset it was written with:
/// `2026-03-02T10:00:00+01:00`, `2026-03-02T09:00:00.250000+00:00`.
pub fn isoformat(at: &Instant) -> String {
    let mut out = String::with_capacity(32);
    write_local(&mut out, at.utc_micros + at.offset_seconds as i64 * 1_000_000);
    let sign = if at.offset_seconds < 0 { '-' } else { '+' };
    let offset = at.offset_seconds.unsigned_abs();
    let _ = write!(out, "{sign}{:02}:{:02}", offset / 3600, offset / 60 % 60);
    if !offset.is_multiple_of(60) {
        let _ = write!(out, ":{:02}", offset % 60);
    }
    out
}

/// The instant in UTC with `Z`, as the replay command's JSON writes it:
/// `value.astimezone(UTC).isoformat().replace("+00:00", "Z")`.
pub fn utc_z(at: &Instant) -> String {
    let mut out = Vec::with_capacity(28);
    push_utc_z(&mut out, at);
    String::from_utf8(out).expect("a date and time's text is ASCII")
}

/// Appends `utc_z(at)` to `out`: ASCII that JSON needs no escape for.
pub fn push_utc_z(out: &mut Vec<u8>, at: &Instant) {
    push_local(out, at.utc_micros);
    out.push(b'Z');
}

// -- JSON strings (the replay's output lines and the changelog's records) --------------------

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_u_escape(out: &mut Vec<u8>, unit: u32) {
    out.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[((unit >> shift) & 0xF) as usize]);
    }
}

/// A JSON string as `json.dumps` writes it with `ensure_ascii=True`: printable ASCII as is
/// (but `"` and `\`), `\n \r \t \b \f`, every other character as `\uxxxx` (lower-case hex,
/// surrogate pairs above U+FFFF; DEL too). Runs of plain ASCII are copied at once.
pub fn json_str(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    if all_plain(bytes) {
        out.extend_from_slice(bytes); // the everyday case: nothing to escape
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        if is_plain(byte) {
            continue;
        }
        if byte >= 0x80 && !is_char_start(byte) {
            continue; // a continuation byte: its character was escaped at its first byte
        }
        out.extend_from_slice(&bytes[start..at]);
        escape_at(out, text, at);
        start = next_char(bytes, at);
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Whether every byte is `is_plain`: 16 bytes at a time with SSE2 (which every x86-64 has).
#[inline(always)]
fn all_plain(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    while let Some((chunk, after)) = rest.split_first_chunk::<16>() {
        if crate::bytes::string_specials_16(chunk, true) != 0 {
            return false;
        }
        rest = after;
    }
    match rest.len() {
        // two words that overlap cover the 8 to 15 bytes left
        8.. => plain_word(word_at(rest, 0)) && plain_word(word_at(rest, rest.len() - 8)),
        _ => rest.iter().all(|&byte| is_plain(byte)),
    }
}

fn word_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// Whether all 8 bytes of `word` are `is_plain`: none is a control character, DEL, a quote,
/// a backslash or above 0x7F. (A borrow may flag a byte above one that is flagged, never when none is.)
#[inline(always)]
fn plain_word(word: u64) -> bool {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    let special = zero_byte(word ^ (ONES * b'"' as u64)) | zero_byte(word ^ (ONES * b'\\' as u64))
        | zero_byte(word ^ (ONES * 0x7F));
    (control | special | (word & HIGH)) == 0
}

/// Printable ASCII but `"` and `\\`: written as it is.
#[inline]
fn is_plain(byte: u8) -> bool {
    (b' '..=b'~').contains(&byte) && byte != b'"' && byte != b'\\'
}

fn is_char_start(byte: u8) -> bool {
    byte & 0xC0 != 0x80
}

fn next_char(bytes: &[u8], at: usize) -> usize {
    let mut next = at + 1;
    while next < bytes.len() && !is_char_start(bytes[next]) {
        next += 1;
    }
    next
}

/// The escape of the character starting at byte `at`.
fn escape_at(out: &mut Vec<u8>, text: &str, at: usize) {
    let ch = text[at..].chars().next().unwrap_or('\u{FFFD}');
    match ch {
        '"' => out.extend_from_slice(b"\\\""),
        '\\' => out.extend_from_slice(b"\\\\"),
        '\n' => out.extend_from_slice(b"\\n"),
        '\r' => out.extend_from_slice(b"\\r"),
        '\t' => out.extend_from_slice(b"\\t"),
        '\u{8}' => out.extend_from_slice(b"\\b"),
        '\u{c}' => out.extend_from_slice(b"\\f"),
        _ => {
            let mut units = [0u16; 2];
            for unit in ch.encode_utf16(&mut units) {
                push_u_escape(out, *unit as u32);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_runs_are_found_as_byte_by_byte() {
        for len in 0..40 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = byte;
                    assert_eq!(all_plain(&bytes), bytes.iter().all(|&b| is_plain(b)), "{byte} at {at} of {len}");
                }
            }
        }
    }

    fn dec(negative: bool, coefficient: u128, exponent: i32) -> String {
        dec_str(&Dec { negative, coefficient, exponent })
    }

    #[test]
    fn decimals_print_as_python() {
        assert_eq!(dec(false, 800000, -2), "8000.00");
        assert_eq!(dec(false, 0, -2), "0.00");
        assert_eq!(dec(true, 5, -2), "-0.05");
        assert_eq!(dec(false, 1, 3), "1E+3");
        assert_eq!(dec(false, 1, -7), "1E-7");
        assert_eq!(dec(false, 1, -6), "0.000001");
        assert_eq!(dec(false, 123, 0), "123");
        assert_eq!(dec(false, 0, 2), "0E+2");
        assert_eq!(dec(false, 12345, -12), "1.2345E-8");
        assert_eq!(dec(false, u128::MAX, 0), u128::MAX.to_string());
        assert_eq!(dec(true, u64::MAX as u128 + 1, -2), "-184467440737095516.16");
        assert_eq!(dec(false, 5, 2), "5E+2");
    }

    #[test]
    fn days_round_trip() {
        assert_eq!(ordinal(1, 1, 1), Day(1));
        assert_eq!(ordinal(1970, 1, 1), Day(EPOCH_ORDINAL));
        assert_eq!(day_str(ordinal(2026, 3, 2)), "2026-03-02");
        assert_eq!(day_str(ordinal(2024, 2, 29)), "2024-02-29");
        for d in 1..800_000 {
            let (y, m, dd) = civil(Day(d));
            assert_eq!(ordinal(y, m, dd), Day(d));
        }
    }

    #[test]
    fn instants_print_as_python() {
        let at = Instant { utc_micros: 1_772_442_000_000_000, offset_seconds: 3600 };
        assert_eq!(isoformat(&at), "2026-03-02T10:00:00+01:00");
        assert_eq!(utc_z(&at), "2026-03-02T09:00:00Z");
        let at = Instant { utc_micros: 1_772_442_000_250_000, offset_seconds: -19800 };
        assert_eq!(isoformat(&at), "2026-03-02T03:30:00.250000-05:30");
        let at = Instant { utc_micros: 0, offset_seconds: 0 };
        assert_eq!(isoformat(&at), "1970-01-01T00:00:00+00:00");
        let at = Instant { utc_micros: -62_135_596_800_000_000 - 86_400_000_000, offset_seconds: 0 };
        assert_eq!(utc_z(&at), "0000-12-31T00:00:00Z");
        let at = Instant { utc_micros: 253_402_300_799_999_999, offset_seconds: 0 };
        assert_eq!(utc_z(&at), "9999-12-31T23:59:59.999999Z");
        let at = Instant { utc_micros: 253_402_300_800_000_001, offset_seconds: 0 };
        assert_eq!(utc_z(&at), "10000-01-01T00:00:00.000001Z");
    }

    /// `json.dumps(text)` as Python writes it, a character at a time.
    fn dumped(text: &str) -> String {
        let mut out = String::from("\"");
        for ch in text.chars() {
            match ch {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                ' '..='~' => out.push(ch),
                _ => {
                    let mut units = [0u16; 2];
                    for unit in ch.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn strings_escape_as_json_dumps_wherever_the_special_character_is() {
        for special in ["\"", "\\", "\u{1}", "\u{1f}", "\u{7f}", "\n", "é", "\u{1F600}", " ", "~"] {
            for len in 0..40 {
                for at in 0..=len {
                    let text = format!("{}{special}{}", "a".repeat(at), "Z".repeat(len - at));
                    let mut out = Vec::new();
                    json_str(&mut out, &text);
                    assert_eq!(String::from_utf8(out).unwrap(), dumped(&text), "{text:?}");
                }
            }
        }
    }
}
