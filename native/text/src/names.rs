//! A table of up to 255 names by hash, built at compile time (open addressing, linear
//! probing): a name is found by one hash and, mostly, one comparison.

use credit_model::bytes::same_bytes;

/// Slots of a table (a power of two, well above the number of names).
const SLOTS: usize = 256;
const NO_NAME: u8 = u8::MAX;

/// Each name's index in its list, at its slot or the next free one after.
pub(crate) type NameTable = [u8; SLOTS];

/// A name's first slot: a hash of its length and three of its bytes.
const fn slot_of(key: &[u8]) -> usize {
    let len = key.len();
    if len == 0 {
        return 0;
    }
    let mix = ((len as u32) * 0x3b)
        ^ ((key[0] as u32) * 0x9)
        ^ ((key[len / 2] as u32) * 0x1f)
        ^ ((key[len - 1] as u32) * 0x61);
    (mix.wrapping_mul(0x9e37_79b9) >> 24) as usize % SLOTS
}

/// The table of `names` (fewer than 255, all different).
pub(crate) const fn table(names: &[&str]) -> NameTable {
    assert!(names.len() < NO_NAME as usize);
    let mut slots = [NO_NAME; SLOTS];
    let mut index = 0;
    while index < names.len() {
        let mut at = slot_of(names[index].as_bytes());
        while slots[at] != NO_NAME {
            at = (at + 1) % SLOTS;
        }
        slots[at] = index as u8;
        index += 1;
    }
    slots
}

/// The index in `names` (whose table `slots` is) of the name `key`, if it is one.
#[inline(always)]
pub(crate) fn find(slots: &NameTable, names: &[&str], key: &[u8]) -> Option<usize> {
    let mut at = slot_of(key);
    loop {
        let index = slots[at] as usize;
        if index == NO_NAME as usize {
            return None;
        }
        if same_bytes(names[index].as_bytes(), key) {
            return Some(index);
        }
        at = (at + 1) % SLOTS;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &["", "a", "ab", "ba", "aab", "event_id", "event_idx", "due_date"];

    #[test]
    fn every_name_is_found_at_its_index_and_no_other_key() {
        const SLOTS_OF_NAMES: NameTable = table(NAMES);
        for (index, name) in NAMES.iter().enumerate() {
            assert_eq!(find(&SLOTS_OF_NAMES, NAMES, name.as_bytes()), Some(index));
        }
        for other in ["b", "abc", "event_i", "Event_id", "due_datE"] {
            assert_eq!(find(&SLOTS_OF_NAMES, NAMES, other.as_bytes()), None, "{other}");
        }
    }
}
