//! An account's log of business ids already applied (orders decided, invoices and payments
//! posted), as 8-byte digests, so a redelivered event is recognised.
//!
//! Digests are `u64::from_be_bytes(id_digest)`: Python's `int.from_bytes(digest, "big")`, so
//! the numeric order is the byte order a snapshot sorts them in.

use std::collections::HashSet;
use crate::packed::digests;
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

pub(crate) type DigestTable = HashSet<u64, BuildHasherDefault<DigestHasher>>;

/// A book's id log, borrowed: up to 64 digests in the order logged (repeats kept, as
/// Python's bytes log keeps them; 8 bytes each in the book's buffer), then a hash set for good
/// (Python's `DigestSet`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Seen<'a> {
    Log(&'a [u8]),
    Table(&'a DigestTable),
}

impl Seen<'_> {
    pub(crate) fn contains(self, digest: u64) -> bool {
        match self {
            Seen::Log(log) => digests(log).any(|logged| logged == digest),
            Seen::Table(table) => table.contains(&digest),
        }
    }

    /// Whether logging one more digest turns the log into a table.
    pub(crate) fn full(self) -> bool {
        matches!(self, Seen::Log(log) if log.len() / 8 >= SMALL_ID_LOG)
    }

    /// What a snapshot keeps (`AccountBook.seen_bytes`): the log as logged while it has at
    /// most 32 entries, else the distinct digests in ascending order.
    pub(crate) fn snapshot(self) -> Vec<u64> {
        match self {
            Seen::Log(log) if log.len() / 8 <= AS_LOGGED => digests(log).collect(),
            _ => self.distinct(),
        }
    }

    /// The distinct digests in ascending order (`sorted(AccountBook.seen_digests())`).
    pub(crate) fn distinct(self) -> Vec<u64> {
        let mut found: Vec<u64> = match self {
            Seen::Log(log) => digests(log).collect(),
            Seen::Table(table) => table.iter().copied().collect(),
        };
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// Whether a log read back from a snapshot (`AccountBook.load_seen`) is a table.
pub(crate) fn loads_as_table(raw: &[u64]) -> bool {
    raw.len() > SMALL_ID_LOG
}

/// Bytes a table holds on the heap (for the memory figures; an estimate).
pub(crate) fn table_heap_bytes(table: &DigestTable) -> usize {
    std::mem::size_of::<DigestTable>() + table.capacity() * 9 * 8 / 7
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packed::seen_bytes;

    #[test]
    fn a_short_log_is_kept_as_logged_with_repeats() {
        // Python: b.mark_seen(d(5)); b.mark_seen(d(3)); b.mark_seen(d(5)) -> seen_bytes() is
        // the three digests as logged, seen_digests() the two
        let log = seen_bytes(&[5, 3, 5]);
        assert_eq!(Seen::Log(&log).snapshot(), vec![5, 3, 5]);
        assert_eq!(Seen::Log(&log).distinct(), vec![3, 5]);
        assert!(Seen::Log(&log).contains(3) && !Seen::Log(&log).contains(4));
        let full: Vec<u64> = (1..=64u64).rev().collect();
        let full = seen_bytes(&full);
        assert!(Seen::Log(&full).full());
        assert_eq!(Seen::Log(&full).snapshot(), (1..=64).collect::<Vec<_>>()); // > 32: sorted
        let table: DigestTable = (0..65).collect();
        assert!(Seen::Table(&table).contains(64) && !Seen::Table(&table).contains(65));
        assert_eq!(Seen::Table(&table).snapshot(), (0..65).collect::<Vec<_>>());
        assert!(loads_as_table(&[0; 65]) && !loads_as_table(&[0; 64]));
    }
}
