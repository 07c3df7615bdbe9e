//! An account's log of business ids already applied (orders decided, invoices and payments
//! posted), as 8-byte digests, so a redelivered event is recognised.
//!
//! Digests are `u64::from_be_bytes(id_digest)`: Python's `int.from_bytes(digest, "big")`, so
//! the numeric order is the byte order a snapshot sorts them in.
//!
//! The log lives in the book's buffer (`packed`): up to 64 digests in the order logged, then,
//! for good, a hash set (Python's `DigestSet`) in the same buffer: an 8-byte word (how many
//! nonzero digests it holds, and whether it holds 0) and a power-of-two number of 8-byte slots,
//! at most three quarters full, searched by linear probing (0 marks an empty slot).

use crate::sections::digests;

/// Ids a book keeps as a plain log, searched linearly (`packing.SMALL_ID_LOG`).
const SMALL_ID_LOG: usize = 64;
/// A log up to this long is written back as logged (`AccountBook.seen_bytes`).
const AS_LOGGED: usize = 32;
/// The fewest slots a table has (2^7: 65 digests are about half of it).
const MIN_SLOTS_LOG2: u32 = 7;
/// The bit of a table's word telling that it holds the digest 0 (which no slot can).
const HOLDS_ZERO: u64 = 1 << 63;

/// A book's id log, borrowed: a plain log (repeats kept, as Python's bytes log keeps them) or
/// a table section (word and slots).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Seen<'a> {
    Log(&'a [u8]),
    Table(&'a [u8]),
}

impl Seen<'_> {
    pub(crate) fn contains(self, digest: u64) -> bool {
        match self {
            Seen::Log(log) => digests(log).any(|logged| logged == digest),
            Seen::Table(section) => table_contains(section, digest),
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
            Seen::Table(section) => table_digests(section).collect(),
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

/// The bytes of a table section with `2^slots_log2` slots.
pub(crate) fn table_len(slots_log2: u32) -> Option<usize> {
    1usize.checked_shl(slots_log2)?.checked_add(1)?.checked_mul(8)
}

fn word_at(section: &[u8], at: usize) -> u64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&section[at * 8..at * 8 + 8]);
    u64::from_le_bytes(raw)
}

fn set_word(section: &mut [u8], at: usize, value: u64) {
    section[at * 8..at * 8 + 8].copy_from_slice(&value.to_le_bytes());
}

/// The slot a digest's probe starts at (digests are uniform already: a multiply spreads them).
fn home_slot(digest: u64, slots: usize) -> usize {
    let folded = (digest ^ (digest >> 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (folded >> 32) as usize & (slots - 1)
}

fn slot_count(section: &[u8]) -> usize {
    section.len() / 8 - 1
}

fn table_contains(section: &[u8], digest: u64) -> bool {
    if digest == 0 {
        return word_at(section, 0) & HOLDS_ZERO != 0;
    }
    let slots = slot_count(section);
    let mut at = home_slot(digest, slots);
    loop {
        match word_at(section, 1 + at) {
            0 => return false,
            found if found == digest => return true,
            _ => at = (at + 1) & (slots - 1),
        }
    }
}

/// The digests of a table section, in slot order.
fn table_digests(section: &[u8]) -> impl Iterator<Item = u64> + '_ {
    let zero = (word_at(section, 0) & HOLDS_ZERO != 0).then_some(0);
    zero.into_iter()
        .chain(digests(&section[8..]).filter(|digest| *digest != 0))
}

/// Add a digest to a table section in place: false (nothing changed) if it would pass three
/// quarters full, and the table must be rebuilt larger.
pub(crate) fn table_insert(section: &mut [u8], digest: u64) -> bool {
    let word = word_at(section, 0);
    if digest == 0 {
        set_word(section, 0, word | HOLDS_ZERO);
        return true;
    }
    let (held, slots) = ((word & !HOLDS_ZERO) as usize, slot_count(section));
    if (held + 1) * 4 > slots * 3 {
        return false;
    }
    let mut at = home_slot(digest, slots);
    loop {
        match word_at(section, 1 + at) {
            0 => break,
            found if found == digest => return true,
            _ => at = (at + 1) & (slots - 1),
        }
    }
    set_word(section, 1 + at, digest);
    set_word(section, 0, word + 1);
    true
}

/// A table section holding these digests (repeats once), and its slots' log2.
pub(crate) fn table_of(found: impl IntoIterator<Item = u64>) -> (u32, Vec<u8>) {
    let found: Vec<u64> = found.into_iter().collect();
    let mut slots_log2 = MIN_SLOTS_LOG2;
    while found.len() * 4 > (3usize << slots_log2) {
        slots_log2 += 1;
    }
    let len = table_len(slots_log2).expect("a table of fewer than 2^60 digests");
    let mut section = vec![0u8; len];
    for digest in found {
        let added = table_insert(&mut section, digest);
        debug_assert!(added, "sized for every digest");
    }
    (slots_log2, section)
}

/// The table of `section` with `digest` added, one size up.
pub(crate) fn table_grown(section: &[u8], digest: u64) -> (u32, Vec<u8>) {
    let mut found: Vec<u64> = table_digests(section).collect();
    found.push(digest);
    table_of(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sections::seen_bytes;

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
        assert!(loads_as_table(&[0; 65]) && !loads_as_table(&[0; 64]));
    }

    #[test]
    fn a_table_holds_every_digest_once_zero_included_and_grows_past_three_quarters() {
        let (log2, mut section) = table_of((0..65u64).chain([3, 3]));
        assert_eq!((log2, section.len()), (7, 129 * 8));
        let table = Seen::Table(&section);
        assert!(table.contains(0) && table.contains(64) && !table.contains(65));
        assert_eq!(table.snapshot(), (0..65).collect::<Vec<_>>());
        for digest in 65..96u64 {
            assert!(table_insert(&mut section, digest)); // 95 nonzero: 3/4 of 128 is 96
        }
        assert!(table_insert(&mut section, 96)); // the 96th
        assert!(!table_insert(&mut section, 97)); // would pass 3/4: rebuilt
        assert!(!Seen::Table(&section).contains(97));
        let (log2, grown) = table_grown(&section, 97);
        assert_eq!(log2, 8);
        assert_eq!(Seen::Table(&grown).distinct(), (0..98).collect::<Vec<_>>());
        let spread = [u64::MAX, 1 << 32, 1, 0x9e37_79b9_7f4a_7c15];
        let (_, section) = table_of(spread);
        assert!(spread.iter().all(|digest| Seen::Table(&section).contains(*digest)));
        assert!(!Seen::Table(&section).contains(0) && !Seen::Table(&section).contains(2));
    }
}
