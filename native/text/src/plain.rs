//! The runs of plain bytes in a JSON string's content (printable ASCII but `"` and `\`),
//! found 16 bytes at a time with SSE2 (which every x86-64 has), else 8 at a time in a word.

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
use credit_model::bytes::string_specials_16;

/// Bytes that a string's content holds as they are: printable ASCII but `"` and `\`.
static PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0x20;
    while byte < 0x80 {
        table[byte] = byte != b'"' as usize && byte != b'\\' as usize;
        byte += 1;
    }
    table
};

/// Each byte of `word` (8 bytes, little-endian) that is not `PLAIN`, as its high bit: a
/// control character, a quote, a backslash or a byte above 0x7F. A borrow may flag a byte
/// above a flagged one too, never below it, so the lowest flag is exact.
#[inline(always)]
fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    let quote = zero_byte(word ^ (ONES * b'"' as u64));
    let backslash = zero_byte(word ^ (ONES * b'\\' as u64));
    control | quote | backslash | (word & HIGH)
}

/// Where the run of `PLAIN` bytes from `pos` ends, 16 bytes at a time (SSE2, which every
/// x86-64 has), then 8.
#[inline(always)]
pub(crate) fn plain_run(bytes: &[u8], mut pos: usize) -> usize {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    while let Some(chunk) = bytes.get(pos..pos + 16) {
        let special = string_specials_16(chunk.try_into().expect("16 bytes"), false);
        if special != 0 {
            return pos + special.trailing_zeros() as usize;
        }
        pos += 16;
    }
    while let Some(chunk) = bytes.get(pos..pos + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let special = special_bytes(word);
        if special != 0 {
            return pos + (special.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while bytes.get(pos).is_some_and(|&byte| PLAIN[byte as usize]) {
        pos += 1;
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_runs_end_at_the_first_special_byte() {
        for special in [b'"', b'\\', 0x00, 0x1F, 0x7F, 0x80, 0xFF] {
            for at in 0..20 {
                let mut bytes = vec![b'a'; 24];
                bytes[at] = special;
                let expected = if special == 0x7F { 24 } else { at };
                assert_eq!(plain_run(&bytes, 0), expected, "{special:#x} at {at}");
            }
        }
        let every: Vec<u8> = (0x20..0x80).filter(|b| *b != b'"' && *b != b'\\').collect();
        assert_eq!(plain_run(&every, 0), every.len());
        assert_eq!(plain_run(b"ab\x80\x01\"", 1), 2);
        for special in [b'"', b'\\', 0x00, 0x1F, 0x80, 0xFF] {
            for at in 0..40 {
                let mut bytes = vec![b'~'; 40];
                bytes[at] = special;
                assert_eq!(plain_run(&bytes, 0), at, "{special:#x} at {at} of 40");
            }
        }
    }
}
