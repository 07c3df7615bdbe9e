//! BLAKE2b with an 8-byte digest of a message of one block (up to 128 bytes: every id the
//! engine digests), in AVX2 where the processor has it: the four columns, then the four
//! diagonals, of the state in four 256-bit rows (RFC 7693). The same digest as `blake2`'s
//! `Blake2bVar` (checked against it in the tests) in about a third of the instructions;
//! `None` where AVX2 is missing or the message is longer, for the caller to use `blake2`.

/// The longest message of one block.
pub const BLOCK: usize = 128;

const IV: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

/// The message schedule: round `r` takes the words in the order `SIGMA[r % 10]`.
const SIGMA: [[usize; 16]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/// The parameter block's first word for an 8-byte digest without a key (fanout and depth 1).
const PARAMS: u64 = 0x0101_0000 | 8;

/// The digest of the concatenated `parts`, as the first 8 bytes of BLAKE2b-64 read
/// big-endian; `None` without AVX2 or past one block.
pub fn digest_64(parts: &[&[u8]]) -> Option<u64> {
    let (words, len) = message_words(parts)?;
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        let first = unsafe { avx2::compress_last(&words, len as u64) };
        return Some(u64::from_be_bytes(first.to_le_bytes()));
    }
    let _ = (words, len);
    None
}

/// The message as 16 little-endian words, zero-padded, and its length in bytes.
fn message_words(parts: &[&[u8]]) -> Option<([u64; 16], usize)> {
    let mut block = [0u8; BLOCK];
    let mut len = 0;
    for part in parts {
        block.get_mut(len..len + part.len())?.copy_from_slice(part);
        len += part.len();
    }
    let mut words = [0u64; 16];
    for (word, bytes) in words.iter_mut().zip(block.chunks_exact(8)) {
        *word = u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
    }
    Some((words, len))
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{IV, PARAMS, SIGMA};
    use std::arch::x86_64::*;

    /// Rotate each 64-bit lane right by 24 and 16 bits: byte shuffles within each lane.
    const ROT24: [i8; 32] = lanes([3, 4, 5, 6, 7, 0, 1, 2]);
    const ROT16: [i8; 32] = lanes([2, 3, 4, 5, 6, 7, 0, 1]);

    const fn lanes(order: [i8; 8]) -> [i8; 32] {
        let mut mask = [0i8; 32];
        let mut at = 0;
        while at < 32 {
            mask[at] = order[at % 8] + (at % 16 / 8 * 8) as i8;
            at += 1;
        }
        mask
    }

    /// Four words into the lanes, the first lowest.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn row(w: [u64; 4]) -> __m256i {
        _mm256_set_epi64x(w[3] as i64, w[2] as i64, w[1] as i64, w[0] as i64)
    }

    /// Of each round, the indexes of the message words of the columns' first and second
    /// additions, then the diagonals': `SIGMA`'s words `first`, `first + 2`, `first + 4` and
    /// `first + 6` for `first` 0, 1, 8 and 9.
    static GATHERS: [[[i64; 4]; 4]; 10] = {
        let mut table = [[[0i64; 4]; 4]; 10];
        let mut round = 0;
        while round < 10 {
            let mut step = 0;
            while step < 4 {
                let first = [0, 1, 8, 9][step];
                let mut lane = 0;
                while lane < 4 {
                    table[round][step][lane] = SIGMA[round][first + 2 * lane] as i64;
                    lane += 1;
                }
                step += 1;
            }
            round += 1;
        }
        table
    };

    /// The four message words of `indexes` into the lanes, the first lowest.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn gather(m: &[u64; 16], indexes: &[i64; 4]) -> __m256i {
        debug_assert!(indexes.iter().all(|at| (0..16).contains(at)));
        // SAFETY: the load reads the 32 bytes of `indexes`; the gather reads the words of `m`
        // at those indexes, each below 16 (`SIGMA`'s), so inside it.
        unsafe {
            let indexes = _mm256_loadu_si256(indexes.as_ptr().cast());
            _mm256_i64gather_epi64::<8>(m.as_ptr().cast(), indexes)
        }
    }

    /// The G function on the four lanes of the rows at once, with message words `x` and `y`.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn g(rows: &mut [__m256i; 4], x: __m256i, y: __m256i, rot24: __m256i, rot16: __m256i) {
        let [mut a, mut b, mut c, mut d] = *rows;
        a = _mm256_add_epi64(_mm256_add_epi64(a, b), x);
        d = _mm256_shuffle_epi32::<0b10_11_00_01>(_mm256_xor_si256(d, a)); // >>> 32
        c = _mm256_add_epi64(c, d);
        b = _mm256_shuffle_epi8(_mm256_xor_si256(b, c), rot24);
        a = _mm256_add_epi64(_mm256_add_epi64(a, b), y);
        d = _mm256_shuffle_epi8(_mm256_xor_si256(d, a), rot16);
        c = _mm256_add_epi64(c, d);
        let bc = _mm256_xor_si256(b, c);
        b = _mm256_or_si256(_mm256_srli_epi64::<63>(bc), _mm256_add_epi64(bc, bc)); // >>> 63
        *rows = [a, b, c, d];
    }

    /// The first word of the state after compressing the last (and only) block of `len`
    /// bytes.
    ///
    /// # Safety
    /// The processor must have AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn compress_last(m: &[u64; 16], len: u64) -> u64 {
        let h = [IV[0] ^ PARAMS, IV[1], IV[2], IV[3], IV[4], IV[5], IV[6], IV[7]];
        let first_row = row([h[0], h[1], h[2], h[3]]);
        // the counter's low word, its high word (0), the last-block flag, and no last node
        let mut rows = [first_row, row([h[4], h[5], h[6], h[7]]), row([IV[0], IV[1], IV[2], IV[3]]),
                        row([IV[4] ^ len, IV[5], !IV[6], IV[7]])];
        // SAFETY (of the loads): each mask is 32 readable bytes.
        let rot24 = unsafe { _mm256_loadu_si256(ROT24.as_ptr().cast()) };
        let rot16 = unsafe { _mm256_loadu_si256(ROT16.as_ptr().cast()) };
        for round in 0..12 {
            let [x, y, diagonal_x, diagonal_y] = &GATHERS[round % 10];
            g(&mut rows, gather(m, x), gather(m, y), rot24, rot16);
            // the diagonals into the columns: rows 1, 2 and 3 turned by 1, 2 and 3 lanes
            rows[1] = _mm256_permute4x64_epi64::<0b00_11_10_01>(rows[1]);
            rows[2] = _mm256_permute4x64_epi64::<0b01_00_11_10>(rows[2]);
            rows[3] = _mm256_permute4x64_epi64::<0b10_01_00_11>(rows[3]);
            g(&mut rows, gather(m, diagonal_x), gather(m, diagonal_y), rot24, rot16);
            rows[1] = _mm256_permute4x64_epi64::<0b10_01_00_11>(rows[1]);
            rows[2] = _mm256_permute4x64_epi64::<0b01_00_11_10>(rows[2]);
            rows[3] = _mm256_permute4x64_epi64::<0b00_11_10_01>(rows[3]);
        }
        let out = _mm256_xor_si256(first_row, _mm256_xor_si256(rows[0], rows[2]));
        _mm256_extract_epi64::<0>(out) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use blake2::digest::{Update, VariableOutput};

    fn reference(message: &[u8]) -> u64 {
        let mut hasher = blake2::Blake2bVar::new(8).expect("8 is a valid output size");
        hasher.update(message);
        let mut digest = [0u8; 8];
        hasher.finalize_variable(&mut digest).expect("the buffer has the output size");
        u64::from_be_bytes(digest)
    }

    #[test]
    fn digests_equal_blake2s_for_every_length_of_one_block() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for len in 0..=BLOCK {
            for _ in 0..20 {
                let message: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state as u8
                    })
                    .collect();
                let (head, tail) = message.split_at(len / 3);
                if let Some(digest) = digest_64(&[head, b"", tail]) {
                    assert_eq!(digest, reference(&message), "{len} bytes");
                }
            }
        }
        assert_eq!(digest_64(&[&[0u8; BLOCK + 1]]), None);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            assert!(digest_64(&[b"order:o-1001"]).is_some()); // the AVX2 path was the one tested
        }
    }
}
