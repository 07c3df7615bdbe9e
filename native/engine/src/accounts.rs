//! Every account the engine knows, numbered: a profile and a book are found by the account's
//! number, so the `(company, customer)` key is kept once, not once per table.
//!
//! The index is a hash table of 4-byte numbers whose keys live in 16-byte slots (a company id
//! as a number into `Names`, then the customer id's bytes); about 22 bytes an account in all.

use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::hash::BuildHasher;

use credit_model::bytes::same_bytes;
use credit_model::Id;

use crate::reference::AccountKey;

/// Up to this many names are looked up by comparing them in turn.
const FEW_NAMES: usize = 8;

/// Short names kept once each, numbered in the order first seen (company and group ids).
#[derive(Default)]
pub struct Names {
    names: Vec<Id>,
    index: hashbrown::HashMap<Id, u32>,
}

impl Names {
    pub fn number(&mut self, name: &str) -> u32 {
        if let Some(number) = self.find(name) {
            return number;
        }
        let number = u32::try_from(self.names.len()).expect("fewer than 2^32 names");
        self.names.push(name.into());
        self.index.insert(name.into(), number);
        number
    }

    #[inline(always)]
    pub fn find(&self, name: &str) -> Option<u32> {
        if self.names.len() <= FEW_NAMES {
            // a handful (companies): compared in turn, quicker than hashing the name
            let found = self.names.iter().position(|known| same_bytes(known.as_bytes(), name.as_bytes()));
            return found.map(|at| at as u32);
        }
        self.index.get(name).copied()
    }

    pub fn name(&self, number: u32) -> &Id {
        &self.names[number as usize]
    }

    pub fn len(&self) -> u32 {
        self.names.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The accounts, numbered from 0 in the order first seen.
///
/// Each account's key is kept once, in a 16-byte slot (`KeySlot`): an everyday key, a company
/// number under 255 and a customer id of up to 14 bytes, inline, so that a lookup reads one
/// cache line of keys; a longer one in `long_keys`, the slot naming it. A `(u32, Id)` pair
/// took 32 bytes.
#[derive(Default)]
pub struct Accounts {
    pub companies: Names,
    keys: Vec<KeySlot>,
    long_keys: Vec<(u32, Box<str>)>,
    index: HashTable<u32>,
    hasher: DefaultHashBuilder,
    /// the number `find` found last: one event looks its account up several times (atomic,
    /// relaxed: plain loads and stores, and the engine stays `Sync` for its Python class)
    last_found: AtomicU32,
}

/// `[company number, customer id length, customer id bytes..]`, or `[LONG, index into
/// long_keys (4 bytes, little-endian), ..]`.
type KeySlot = [u8; 16];

/// The first byte of a slot whose key is in `long_keys`.
const LONG: u8 = u8::MAX;
const INLINE_ID: usize = 14;

fn key_slot(company: u32, customer_id: &str, long_keys: &mut Vec<(u32, Box<str>)>) -> KeySlot {
    let mut slot = [0u8; 16];
    let id = customer_id.as_bytes();
    match u8::try_from(company) {
        Ok(company) if company != LONG && id.len() <= INLINE_ID => {
            slot[0] = company;
            slot[1] = id.len() as u8;
            slot[2..2 + id.len()].copy_from_slice(id);
        }
        _ => {
            let at = u32::try_from(long_keys.len()).expect("fewer than 2^32 accounts");
            long_keys.push((company, customer_id.into()));
            slot[0] = LONG;
            slot[1..5].copy_from_slice(&at.to_le_bytes());
        }
    }
    slot
}

/// The key of a slot: its company's number and its customer id's bytes.
#[inline]
fn stored_key<'a>(slot: &'a KeySlot, long_keys: &'a [(u32, Box<str>)]) -> (u32, &'a [u8]) {
    if slot[0] != LONG {
        return (slot[0] as u32, &slot[2..2 + slot[1] as usize]);
    }
    let at = u32::from_le_bytes([slot[1], slot[2], slot[3], slot[4]]) as usize;
    let (company, customer) = &long_keys[at];
    (*company, customer.as_bytes())
}

/// A customer id as stored (the bytes of a `str`).
fn customer_text(stored: &[u8]) -> &str {
    debug_assert!(std::str::from_utf8(stored).is_ok());
    // SAFETY: a slot's customer id is the whole of a `&str` given to `key_slot` (copied into
    // the slot when it fits, else kept as a `Box<str>` in `long_keys`), never cut: UTF-8.
    unsafe { std::str::from_utf8_unchecked(stored) }
}

impl Accounts {
    /// The hash of an account's key (of its bytes: a stored key is hashed without reading
    /// it as text).
    fn hash(&self, company_id: &str, customer_id: &str) -> u64 {
        self.hasher.hash_one((company_id.as_bytes(), customer_id.as_bytes()))
    }

    /// An account's company number and customer id.
    pub fn stored(&self, number: u32) -> (u32, &str) {
        let (company, customer) = stored_key(&self.keys[number as usize], &self.long_keys);
        (company, customer_text(customer))
    }

    /// The account's number, if it has one.
    pub fn find(&self, company_id: &str, customer_id: &str) -> Option<u32> {
        let (keys, long_keys) = (&self.keys, &self.long_keys);
        let last = self.last_found.load(Relaxed);
        if let Some(slot) = keys.get(last as usize) {
            let (company, customer) = stored_key(slot, long_keys);
            let company_name = self.companies.name(company).as_bytes();
            if same_bytes(customer, customer_id.as_bytes())
                && same_bytes(company_name, company_id.as_bytes())
            {
                return Some(last);
            }
        }
        // the company's name compared only where the customer id is the one wanted (no
        // search of the company's number first)
        let companies = &self.companies;
        let hash = self.hash(company_id, customer_id);
        let (company_id, customer_id) = (company_id.as_bytes(), customer_id.as_bytes());
        let found = self
            .index
            .find(hash, |number| {
                let (company, customer) = stored_key(&keys[*number as usize], long_keys);
                same_bytes(customer, customer_id)
                    && same_bytes(companies.name(company).as_bytes(), company_id)
            })
            .copied()?;
        self.last_found.store(found, Relaxed);
        Some(found)
    }

    /// The account's number, given one now if it had none.
    pub fn number(&mut self, company_id: &str, customer_id: &str) -> u32 {
        if let Some(number) = self.find(company_id, customer_id) {
            return number;
        }
        let company = self.companies.number(company_id);
        let number = u32::try_from(self.keys.len()).expect("fewer than 2^32 accounts");
        let slot = key_slot(company, customer_id, &mut self.long_keys);
        self.keys.push(slot);
        let hash = self.hash(company_id, customer_id);
        let (keys, long_keys) = (&self.keys, &self.long_keys);
        let (companies, hasher) = (&self.companies, &self.hasher);
        self.index.insert_unique(hash, number, |known| {
            let (company, customer) = stored_key(&keys[*known as usize], long_keys);
            hasher.hash_one((companies.name(company).as_bytes(), customer))
        });
        self.last_found.store(number, Relaxed);
        number
    }

    /// The `(company_id, customer_id)` of an account.
    pub fn key(&self, number: u32) -> AccountKey {
        let (company, customer) = self.stored(number);
        (self.companies.name(company).clone(), customer.into())
    }

    pub fn company_of(&self, number: u32) -> &Id {
        self.companies.name(stored_key(&self.keys[number as usize], &self.long_keys).0)
    }

    pub fn customer_of(&self, number: u32) -> &str {
        self.stored(number).1
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Bytes the index and its keys hold (capacity, as allocated).
    pub fn heap_bytes(&self) -> usize {
        let long: usize = self.long_keys.iter().map(|(_, id)| id.len()).sum();
        self.keys.capacity() * std::mem::size_of::<KeySlot>()
            + self.long_keys.capacity() * std::mem::size_of::<(u32, Box<str>)>()
            + long
            + self.index.capacity() * (std::mem::size_of::<u32>() + 1)
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_numbered_once() {
        let mut accounts = Accounts::default();
        assert_eq!(accounts.find("C1", "A"), None);
        let a = accounts.number("C1", "A");
        let b = accounts.number("C2", "A");
        assert_ne!(a, b);
        assert_eq!(accounts.number("C1", "A"), a);
        assert_eq!(accounts.find("C2", "A"), Some(b));
        assert_eq!(accounts.find("C2", "B"), None);
        for n in 0..10_000 {
            accounts.number("C3", &format!("X{n}"));
        }
        assert_eq!(accounts.find("C1", "A"), Some(a));
        assert_eq!(accounts.key(b), ("C2".into(), "A".into()));
        assert_eq!(accounts.len(), 10_002);
        for n in 0..300 {
            accounts.number(&format!("K{n}"), "Z"); // company numbers past one byte: long keys
            assert_eq!(accounts.find(&format!("K{n}"), "Z"), accounts.find(&format!("K{n}"), "Z"));
        }
        assert_eq!(accounts.find("K7", "Z"), accounts.find("K7", "Z")); // found last, then again
        assert_ne!(accounts.find("K7", "Z"), accounts.find("K8", "Z"));
        assert_eq!(accounts.key(accounts.find("K299", "Z").unwrap()), ("K299".into(), "Z".into()));
        let long_id = "C-0123456789-é"; // 15 bytes: a long key
        let long = accounts.number("C1", long_id);
        let inline = accounts.number("C1", "C-0123456789-e"); // 14 bytes: inline
        assert_eq!(accounts.key(long), ("C1".into(), long_id.into()));
        assert_eq!(accounts.find("C1", "C-0123456789-e"), Some(inline));
        assert_eq!(accounts.find("C1", ""), None);
        let empty = accounts.number("C1", "");
        assert_eq!((accounts.find("C1", ""), accounts.customer_of(empty)), (Some(empty), ""));
        assert_eq!(accounts.customer_of(b), "A");
        assert_eq!(accounts.company_of(b).as_str(), "C2");
    }
}
