//! An account's log of business ids already applied (orders decided, invoices and payments
//! posted), as 8-byte digests, so a redelivered event is recognised.
//!
//! Digests are `u64::from_be_bytes(id_digest)`: Python's `int.from_bytes(digest, "big")`, so
//! the numeric order is the byte order a snapshot sorts them in.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// Ids a book keeps as a plain log, searched linearly (`packing.SMALL_ID_LOG`).
const SMALL_ID_LOG: usize = 64;
/// A log up to this long is written back as logged (`AccountBook.seen_bytes`).
const AS_LOGGED: usize = 32;

/// Digests are uniformly distributed already: a multiply folds them into a table index.
#[derive(Default)]
pub(crate) struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ byte as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, digest: u64) {
        let folded = (digest ^ (digest >> 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = folded ^ (folded >> 29);
    }
}

type DigestTable = HashSet<u64, BuildHasherDefault<DigestHasher>>;

/// The id log: up to 64 digests in the order logged (repeats kept, as Python's bytes log
/// keeps them), then a hash set for good (Python's `DigestSet`).
#[derive(Clone, Debug)]
pub(crate) enum Seen {
    Log(Box<[u64]>),
    Table(Box<DigestTable>),
}

impl Default for Seen {
    fn default() -> Seen {
        Seen::Log(Box::default())
    }
}

impl Seen {
    pub(crate) fn contains(&self, digest: u64) -> bool {
        match self {
            Seen::Log(log) => log.contains(&digest),
            Seen::Table(table) => table.contains(&digest),
        }
    }

    /// Log a digest (`AccountBook.mark_seen`; the caller checked it was not seen).
    pub(crate) fn mark(&mut self, digest: u64) {
        match self {
            Seen::Table(table) => {
                table.insert(digest);
            }
            Seen::Log(log) if log.len() >= SMALL_ID_LOG => {
                let table: DigestTable = log.iter().copied().chain([digest]).collect();
                *self = Seen::Table(Box::new(table));
            }
            Seen::Log(log) => {
                let mut grown = Vec::with_capacity(log.len() + 1);
                grown.extend_from_slice(log);
                grown.push(digest);
                *log = grown.into_boxed_slice();
            }
        }
    }

    /// What a snapshot keeps (`AccountBook.seen_bytes`): the log as logged while it has at
    /// most 32 entries, else the distinct digests in ascending order.
    pub(crate) fn snapshot(&self) -> Vec<u64> {
        match self {
            Seen::Log(log) if log.len() <= AS_LOGGED => log.to_vec(),
            _ => self.distinct(),
        }
    }

    /// The distinct digests in ascending order (`sorted(AccountBook.seen_digests())`).
    pub(crate) fn distinct(&self) -> Vec<u64> {
        let mut digests: Vec<u64> = match self {
            Seen::Log(log) => log.to_vec(),
            Seen::Table(table) => table.iter().copied().collect(),
        };
        digests.sort_unstable();
        digests.dedup();
        digests
    }

    /// A log read back from a snapshot (`AccountBook.load_seen`).
    pub(crate) fn load(raw: &[u64]) -> Seen {
        if raw.len() <= SMALL_ID_LOG {
            Seen::Log(raw.into())
        } else {
            Seen::Table(Box::new(raw.iter().copied().collect()))
        }
    }

    /// Bytes this log holds on the heap (for the memory figures; the hash set's estimate).
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Seen::Log(log) => log.len() * 8,
            Seen::Table(table) => std::mem::size_of::<DigestTable>() + table.capacity() * 9 * 8 / 7,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_then_table() {
        let mut seen = Seen::default();
        for digest in (1..=64u64).rev() {
            assert!(!seen.contains(digest));
            seen.mark(digest);
        }
        assert!(matches!(seen, Seen::Log(_)));
        assert_eq!(seen.snapshot(), (1..=64).collect::<Vec<_>>()); // > 32: sorted
        seen.mark(1000);
        assert!(matches!(seen, Seen::Table(_)));
        assert!(seen.contains(1000) && seen.contains(1) && !seen.contains(65));
        let mut expected: Vec<u64> = (1..=64).collect();
        expected.push(1000);
        assert_eq!(seen.snapshot(), expected);
    }

    #[test]
    fn a_short_log_is_kept_as_logged_with_repeats() {
        // Python: b.mark_seen(d(5)); b.mark_seen(d(3)); b.mark_seen(d(5)) -> seen_bytes() is
        // the three digests as logged, seen_digests() the two
        let mut seen = Seen::default();
        for digest in [5, 3, 5] {
            seen.mark(digest);
        }
        assert_eq!(seen.snapshot(), vec![5, 3, 5]);
        assert_eq!(seen.distinct(), vec![3, 5]);
        assert_eq!(Seen::load(&[9, 2, 9]).snapshot(), vec![9, 2, 9]);
        let long: Vec<u64> = (0..65).rev().collect();
        assert!(matches!(Seen::load(&long), Seen::Table(_)));
        assert_eq!(Seen::load(&long).snapshot(), (0..65).collect::<Vec<_>>());
    }
}
