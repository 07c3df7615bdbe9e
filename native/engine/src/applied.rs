//! The reference events already applied, by the digest of their event id
//! (`reference.source_digest`), so a redelivered one changes nothing.
//!
//! About one an account: kept as a sorted array of 8-byte digests (where a hash set takes 9
//! bytes a slot at up to 7/8 full), with the latest ones in a small hash set that is merged
//! into the array when it holds a sixteenth as many (1,024 at least): each digest is copied
//! about 16 times in all, whatever the count.

use hashbrown::HashSet;

/// The fewest recent digests kept apart before a merge.
const RECENT: usize = 1024;

#[derive(Default)]
pub struct AppliedIds {
    sorted: Vec<u64>,
    recent: HashSet<u64>,
}

impl AppliedIds {
    /// True if the digest was not there (it is now).
    pub fn insert(&mut self, digest: u64) -> bool {
        if self.sorted.binary_search(&digest).is_ok() || !self.recent.insert(digest) {
            return false;
        }
        if self.recent.len() >= RECENT.max(self.sorted.len() / 16) {
            self.merge();
        }
        true
    }

    fn merge(&mut self) {
        let mut recent: Vec<u64> = self.recent.drain().collect();
        recent.sort_unstable();
        let old = std::mem::take(&mut self.sorted);
        let mut merged = Vec::with_capacity(old.len() + recent.len());
        let (mut at_old, mut at_new) = (0, 0);
        while let (Some(&a), Some(&b)) = (old.get(at_old), recent.get(at_new)) {
            if a < b {
                merged.push(a);
                at_old += 1;
            } else {
                merged.push(b);
                at_new += 1;
            }
        }
        merged.extend_from_slice(&old[at_old..]);
        merged.extend_from_slice(&recent[at_new..]);
        self.sorted = merged;
    }

    /// Every digest, in ascending order (what `from_sorted` takes back).
    pub fn digests(&self) -> Vec<u64> {
        let mut digests: Vec<u64> = self.sorted.iter().chain(&self.recent).copied().collect();
        digests.sort_unstable();
        digests
    }

    /// The digests `digests` gave; `Err` unless they ascend strictly.
    pub fn from_sorted(digests: Vec<u64>) -> Result<AppliedIds, &'static str> {
        if !digests.windows(2).all(|pair| pair[0] < pair[1]) {
            return Err("the digests of the events applied are not in order");
        }
        Ok(AppliedIds { sorted: digests, recent: HashSet::new() })
    }

    pub fn len(&self) -> usize {
        self.sorted.len() + self.recent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held (capacity, as allocated).
    pub fn heap_bytes(&self) -> usize {
        self.sorted.capacity() * 8 + self.recent.capacity() * 9
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_digest_is_new_once_across_merges() {
        let mut applied = AppliedIds::default();
        let digests: Vec<u64> = (1..=5_000u64).map(|n| n.wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect();
        assert!(digests.iter().all(|digest| applied.insert(*digest)));
        assert_eq!(applied.len(), 5_000);
        assert!(applied.sorted.len() >= 4 * RECENT && applied.sorted.is_sorted());
        for digest in 10_000..60_000u64 {
            assert!(applied.insert(digest)); // merges of more than RECENT
        }
        assert!(applied.recent.len() < 60_000 / 16 + RECENT && applied.sorted.is_sorted());
        assert!((10_000..60_000u64).all(|digest| !applied.insert(digest)));
        assert!(digests.iter().all(|digest| !applied.insert(*digest)));
        assert!(applied.insert(u64::MAX) && !applied.insert(u64::MAX) && applied.insert(0));
        assert_eq!(applied.len(), 55_002);
    }
}
