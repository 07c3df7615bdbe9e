//! Equality of short byte strings (ids, field names) without a call to `memcmp`: a string of
//! up to 16 bytes is compared as two overlapping words, one of up to 32 as four.

/// Whether `a` and `b` are the same bytes.
#[inline(always)]
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    match len {
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, len - 4) == word4(b, len - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, len - 8) == word8(b, len - 8),
        17..=32 => word8(a, 0) == word8(b, 0) && word8(a, 8) == word8(b, 8)
            && word8(a, len - 16) == word8(b, len - 16) && word8(a, len - 8) == word8(b, len - 8),
        _ => a == b,
    }
}

fn word4(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn word8(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// A bit for each of the 16 bytes that a JSON string does not hold as it is: a control
/// character, a byte above 0x7F, `"` or `\\`; and DEL too when `delete` (which `json.dumps`
/// escapes, a reader takes as it is). SSE2, which every x86-64 has.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
pub fn string_specials_16(chunk: &[u8; 16], delete: bool) -> u32 {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is enabled for this build (the `cfg` above; every x86-64 has it), and
    // `_mm_loadu_si128` reads exactly the 16 bytes of `chunk`, unaligned loads allowed.
    unsafe {
        let bytes = _mm_loadu_si128(chunk.as_ptr().cast());
        // as signed bytes, those below 0x20 and those above 0x7F are the ones below 0x20
        let control_or_high = _mm_cmplt_epi8(bytes, _mm_set1_epi8(0x20));
        let quote = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'\\' as i8));
        let mut special = _mm_or_si128(control_or_high, _mm_or_si128(quote, backslash));
        if delete {
            special = _mm_or_si128(special, _mm_cmpeq_epi8(bytes, _mm_set1_epi8(0x7F)));
        }
        _mm_movemask_epi8(special) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_exactly_when_every_byte_is() {
        for len in 0..40usize {
            let a: Vec<u8> = (0..len as u8).collect();
            assert!(same_bytes(&a, &a.clone()));
            for at in 0..len {
                let mut b = a.clone();
                b[at] ^= 0x40;
                assert!(!same_bytes(&a, &b), "{len} bytes, byte {at} differs");
            }
            assert!(!same_bytes(&a, &a[..len.saturating_sub(1)]) || len == 0);
        }
    }
}
