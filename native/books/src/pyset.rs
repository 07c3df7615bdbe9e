//! The iteration order of a CPython 3.11 `set` of small ints, where it reaches a result.
//!
//! `AccountBook.post_invoice` (its general case: an invoice id posted again, or a book that
//! packing cannot hold) returns `due_changes(before, after)`, a dict built by iterating
//! `before.keys() | after.keys()`: a `set` of due ordinals. Its order is the set's slot order,
//! which depends on the ints' hashes and the table's history, not on insertion order. This
//! module replays CPython's `setobject.c` (open addressing, 9 linear probes then perturbation,
//! resizing at 60 % fill) for those keys so the native result lists the changes in the same
//! order. Checked against the interpreter in `tests/data/set_order.json.gz`.

use credit_model::{Day, Minor};

const MIN_SIZE: usize = 8; // PySet_MINSIZE
const LINEAR_PROBES: usize = 9;
const PERTURB_SHIFT: u32 = 5;

/// `hash(int)` for an `i32`: the value itself, except that -1 hashes as -2.
fn int_hash(value: i32) -> i64 {
    if value == -1 {
        -2
    } else {
        value as i64
    }
}

/// A CPython set table of ints with no deletions (so no dummy entries).
struct IntSet {
    /// (hash, key) per slot; `None` is an unused slot
    slots: Vec<Option<(i64, i32)>>,
    fill: usize,
    used: usize,
}

impl IntSet {
    fn new() -> IntSet {
        IntSet {
            slots: vec![None; MIN_SIZE],
            fill: 0,
            used: 0,
        }
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// `set(d)` for a dict `d` with these keys, in the dict's order (`set_update_internal`'s
    /// dict branch: one resize up front, then `set_add_entry` per key).
    fn from_dict_keys(keys: &[i32]) -> IntSet {
        let mut set = IntSet::new();
        if (set.fill + keys.len()) * 5 >= set.mask() * 3 {
            set.resize((set.used + keys.len()) * 2);
        }
        for &key in keys {
            set.add(key);
        }
        set
    }

    /// `set_add_entry`.
    fn add(&mut self, key: i32) {
        let hash = int_hash(key);
        let mask = self.mask();
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        loop {
            let mut probes = if i + LINEAR_PROBES <= mask {
                LINEAR_PROBES
            } else {
                0
            };
            let mut at = i;
            loop {
                match self.slots[at] {
                    None => {
                        self.slots[at] = Some((hash, key));
                        self.fill += 1;
                        self.used += 1;
                        if self.fill * 5 >= mask * 3 {
                            let used = self.used;
                            self.resize(if used > 50_000 { used * 2 } else { used * 4 });
                        }
                        return;
                    }
                    Some((found_hash, found)) if found_hash == hash && found == key => return,
                    Some(_) => {}
                }
                if probes == 0 {
                    break;
                }
                probes -= 1;
                at += 1;
            }
            i = next_probe(i, &mut perturb, mask);
        }
    }

    /// `set_table_resize`: the smallest power of two above `min_used` (at least 8), the
    /// entries reinserted in slot order.
    fn resize(&mut self, min_used: usize) {
        let mut size = MIN_SIZE;
        while size <= min_used {
            size <<= 1;
        }
        if size == MIN_SIZE && self.slots.len() == MIN_SIZE {
            return; // the small table, no dummies: nothing to do
        }
        let old = std::mem::replace(&mut self.slots, vec![None; size]);
        for (hash, key) in old.into_iter().flatten() {
            self.insert_clean(hash, key);
        }
        self.fill = self.used;
    }

    /// `set_insert_clean`: into the first free slot of the probe sequence.
    fn insert_clean(&mut self, hash: i64, key: i32) {
        let mask = self.mask();
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        loop {
            if self.slots[i].is_none() {
                self.slots[i] = Some((hash, key));
                return;
            }
            if i + LINEAR_PROBES <= mask {
                for at in i + 1..=i + LINEAR_PROBES {
                    if self.slots[at].is_none() {
                        self.slots[at] = Some((hash, key));
                        return;
                    }
                }
            }
            i = next_probe(i, &mut perturb, mask);
        }
    }

    fn keys(&self) -> impl Iterator<Item = i32> + '_ {
        self.slots.iter().flatten().map(|&(_, key)| key)
    }
}

/// The next start of a probe run (`i = (i * 5 + 1 + perturb) & mask` after
/// `perturb >>= PERTURB_SHIFT`, as CPython's `setobject.c`).
fn next_probe(i: usize, perturb: &mut u64, mask: usize) -> usize {
    *perturb >>= PERTURB_SHIFT;
    i.wrapping_mul(5).wrapping_add(1).wrapping_add(*perturb as usize) & mask
}

/// The keys of `before.keys() | after.keys()` in the order Python iterates that set
/// (`before` and `after` are dicts with these keys, in their order).
pub(crate) fn union_order(before: &[i32], after: &[i32]) -> Vec<i32> {
    let mut set = IntSet::from_dict_keys(before);
    for &key in after {
        set.add(key);
    }
    set.keys().collect()
}

/// `packing.due_changes(before, after)`: `{due: after.get(due, 0) - before.get(due, 0)}` over
/// both dicts' dues, in the set order Python builds it in, zero changes included.
pub(crate) fn due_changes(before: &[(Day, Minor)], after: &[(Day, Minor)]) -> Vec<(Day, Minor)> {
    let before_keys: Vec<i32> = before.iter().map(|(due, _)| due.0).collect();
    let after_keys: Vec<i32> = after.iter().map(|(due, _)| due.0).collect();
    let amount_in = |dues: &[(Day, Minor)], due: i32| {
        dues.iter()
            .find(|(found, _)| found.0 == due)
            .map_or(0, |(_, amount)| *amount)
    };
    union_order(&before_keys, &after_keys)
        .into_iter()
        .map(|due| (Day(due), amount_in(after, due) - amount_in(before, due)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cases written by `tests/gen_set_order.py` with CPython 3.11.7: `[before keys, after
    /// keys, list(dict.fromkeys(before).keys() | dict.fromkeys(after).keys())]`.
    #[test]
    fn union_order_is_cpythons() {
        use std::io::Read;
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/set_order.json.gz");
        let file = std::fs::File::open(path).expect("tests/data/set_order.json.gz");
        let mut raw = String::new();
        flate2::read::GzDecoder::new(file).read_to_string(&mut raw).expect("gzip text");
        let raw = raw.as_str();
        let cases: serde_json::Value = serde_json::from_str(raw).expect("set_order.json");
        let cases = cases.as_array().expect("a list of cases");
        assert!(cases.len() > 1000);
        let ints = |value: &serde_json::Value| -> Vec<i32> {
            let list = value.as_array().expect("a list");
            list.iter()
                .map(|v| v.as_i64().expect("an int") as i32)
                .collect()
        };
        for case in cases {
            let (before, after, expected) = (ints(&case[0]), ints(&case[1]), ints(&case[2]));
            assert_eq!(
                union_order(&before, &after),
                expected,
                "before {before:?} after {after:?}"
            );
        }
    }

    #[test]
    fn changes_include_unchanged_dues() {
        // due_changes({739000: 5, 739001: 7}, {739001: 7, 739010: 2}) in Python 3.11:
        // {739000: -5, 739001: 0, 739010: 2}
        let before = [(Day(739_000), 5), (Day(739_001), 7)];
        let after = [(Day(739_001), 7), (Day(739_010), 2)];
        assert_eq!(
            due_changes(&before, &after),
            vec![(Day(739_000), -5), (Day(739_001), 0), (Day(739_010), 2)]
        );
    }
}
