//! The texts the changelog's JSON versions carry bytes in: base64 (`binascii.b2a_base64` /
//! `a2b_base64`, version 2) and hex (`bytes.hex` / `bytes.fromhex`, version 1's id log).

use super::json::Refusal;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `b2a_base64(raw, newline=False)`: standard alphabet, padded with `=`.
pub(crate) fn encode(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len().div_ceil(3) * 4);
    for chunk in raw.chunks(3) {
        let bits = chunk.iter().enumerate().fold(0u32, |acc, (at, &byte)| {
            acc | (byte as u32) << (16 - 8 * at)
        });
        for at in 0..4 {
            if at <= chunk.len() {
                out.push(ALPHABET[(bits >> (18 - 6 * at) & 0x3f) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn sextet(byte: u8) -> Option<u8> {
    ALPHABET
        .iter()
        .position(|&letter| letter == byte)
        .map(|at| at as u8)
}

/// `a2b_base64(text)` (not strict, as CPython 3.11's `binascii`): characters outside the
/// alphabet are skipped, a pad after two or three characters of a quad ends the data, a quad
/// left unfinished is refused.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, Refusal> {
    if !text.is_ascii() {
        return Err("base64: a character that is not ASCII");
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut quad, mut pads, mut left) = (0u8, 0u8, 0u32);
    for &byte in text.as_bytes() {
        if byte == b'=' {
            // (CPython counts a pad only after two characters of a quad)
            if quad >= 2
                && quad + {
                    pads += 1;
                    pads
                } >= 4
            {
                return Ok(out);
            }
            continue;
        }
        let Some(bits) = sextet(byte) else { continue };
        pads = 0;
        left = left << 6 | bits as u32;
        quad = (quad + 1) % 4;
        match quad {
            2 => out.push((left >> 4) as u8),
            3 => out.push((left >> 2) as u8),
            0 => out.push(left as u8),
            _ => {}
        }
    }
    match quad {
        0 => Ok(out),
        1 => Err("base64: one character more than a multiple of 4"),
        _ => Err("base64: incorrect padding"),
    }
}

/// `bytes.fromhex(text)`: pairs of hex digits, ASCII whitespace allowed between pairs.
pub(crate) fn from_hex(text: &str) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut digits = text.bytes().peekable();
    while let Some(high) = digits.next() {
        if matches!(high, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            continue;
        }
        let low = digits.next().ok_or("hex: an odd digit")?;
        let value = |digit: u8| (digit as char).to_digit(16).ok_or("hex: not a hex digit");
        out.push((value(high)? << 4 | value(low)?) as u8);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected: `b2a_base64(raw, newline=False)`, `a2b_base64(text)` and `bytes.fromhex` in
    /// CPython 3.11.7.
    #[test]
    fn texts_are_pythons() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"\x00"), "AA==");
        assert_eq!(encode(b"\xff\xfe"), "//4=");
        assert_eq!(encode(b"abc\x01"), "YWJjAQ==");
        for raw in [&b""[..], b"\x00", b"\xff\xfe", b"abc\x01", b"abcdef"] {
            assert_eq!(decode(&encode(raw)).as_deref(), Ok(raw));
        }
        assert_eq!(decode("YW Jj!"), Ok(b"abc".to_vec()));
        assert_eq!(decode("YQ==garbage"), Ok(b"a".to_vec()));
        assert_eq!(decode("YQ=x="), Ok(b"a\x0c".to_vec()));
        assert_eq!(decode("=YQ=="), Ok(b"a".to_vec()));
        assert_eq!(decode("Y=Q=="), Ok(b"a".to_vec()));
        assert!(decode("YWJjA").is_err());
        assert!(decode("YQ").is_err());
        assert!(decode("YQ==\u{e9}").is_err());
        assert!(decode("Y===").is_err());
        assert_eq!(from_hex("00ff 7A"), Ok(vec![0, 0xff, 0x7a]));
        assert!(from_hex("0").is_err() && from_hex("0g").is_err() && from_hex("0 0").is_err());
    }
}
