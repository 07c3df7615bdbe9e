//! Every account the engine knows, numbered: a profile and a book are found by the account's
//! number, so the `(company, customer)` key is kept once, not once per table.
//!
//! The index is a hash table of 4-byte numbers whose keys live in one buffer (a company id as
//! a number into `Names`, then the customer id's bytes); about 20 bytes an account in all.

use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;
use std::hash::BuildHasher;

use credit_model::Id;

use crate::reference::AccountKey;

/// Short names kept once each, numbered in the order first seen (company and group ids).
#[derive(Default)]
pub struct Names {
    names: Vec<Id>,
    index: hashbrown::HashMap<Id, u32>,
}

impl Names {
    pub fn number(&mut self, name: &str) -> u32 {
        if let Some(number) = self.index.get(name) {
            return *number;
        }
        let number = u32::try_from(self.names.len()).expect("fewer than 2^32 names");
        self.names.push(name.into());
        self.index.insert(name.into(), number);
        number
    }

    pub fn find(&self, name: &str) -> Option<u32> {
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
/// Each account's key is kept once, in `key_bytes`: its company's number (a varint) then the
/// customer id's bytes, ending at `key_ends[number]`: about 13 bytes and a 4-byte offset an
/// account, where a `(u32, Id)` pair took 32.
#[derive(Default)]
pub struct Accounts {
    pub companies: Names,
    key_bytes: Vec<u8>,
    key_ends: Vec<u32>,
    index: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

/// Appends `value` as a LEB128 varint.
fn put_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Account `number`'s stored key: its company's number and its customer id's bytes.
#[inline]
fn stored_key<'a>(key_bytes: &'a [u8], key_ends: &[u32], number: u32) -> (u32, &'a [u8]) {
    let number = number as usize;
    let start = if number == 0 { 0 } else { key_ends[number - 1] as usize };
    let key = &key_bytes[start..key_ends[number] as usize];
    let (mut company, mut at) = (0u32, 0);
    while key[at] >= 0x80 {
        company |= ((key[at] & 0x7f) as u32) << (7 * at);
        at += 1;
    }
    company |= (key[at] as u32) << (7 * at);
    (company, &key[at + 1..])
}

/// A customer id as stored (the bytes of a `str`).
fn customer_text(stored: &[u8]) -> &str {
    std::str::from_utf8(stored).expect("stored from a str")
}

impl Accounts {
    fn hash(&self, company_id: &str, customer_id: &str) -> u64 {
        self.hasher.hash_one((company_id, customer_id))
    }

    fn stored(&self, number: u32) -> (u32, &str) {
        let (company, customer) = stored_key(&self.key_bytes, &self.key_ends, number);
        (company, customer_text(customer))
    }

    /// The account's number, if it has one.
    pub fn find(&self, company_id: &str, customer_id: &str) -> Option<u32> {
        let company = self.companies.find(company_id)?;
        let hash = self.hash(company_id, customer_id);
        let (key_bytes, key_ends) = (&self.key_bytes, &self.key_ends);
        self.index
            .find(hash, |number| {
                stored_key(key_bytes, key_ends, *number) == (company, customer_id.as_bytes())
            })
            .copied()
    }

    /// The account's number, given one now if it had none.
    pub fn number(&mut self, company_id: &str, customer_id: &str) -> u32 {
        if let Some(number) = self.find(company_id, customer_id) {
            return number;
        }
        let company = self.companies.number(company_id);
        let number = u32::try_from(self.key_ends.len()).expect("fewer than 2^32 accounts");
        put_varint(&mut self.key_bytes, company);
        self.key_bytes.extend_from_slice(customer_id.as_bytes());
        let end = u32::try_from(self.key_bytes.len()).expect("account keys under 4 GiB");
        self.key_ends.push(end);
        let hash = self.hash(company_id, customer_id);
        let (key_bytes, key_ends) = (&self.key_bytes, &self.key_ends);
        let (companies, hasher) = (&self.companies, &self.hasher);
        self.index.insert_unique(hash, number, |known| {
            let (company, customer) = stored_key(key_bytes, key_ends, *known);
            hasher.hash_one((companies.name(company).as_str(), customer_text(customer)))
        });
        number
    }

    /// The `(company_id, customer_id)` of an account.
    pub fn key(&self, number: u32) -> AccountKey {
        let (company, customer) = self.stored(number);
        (self.companies.name(company).clone(), customer.into())
    }

    pub fn company_of(&self, number: u32) -> &Id {
        self.companies.name(self.stored(number).0)
    }

    pub fn customer_of(&self, number: u32) -> &str {
        self.stored(number).1
    }

    pub fn len(&self) -> usize {
        self.key_ends.len()
    }

    /// Bytes the index and its keys hold (capacity, as allocated).
    pub fn heap_bytes(&self) -> usize {
        self.key_bytes.capacity()
            + self.key_ends.capacity() * std::mem::size_of::<u32>()
            + self.index.capacity() * (std::mem::size_of::<u32>() + 1)
    }

    pub fn is_empty(&self) -> bool {
        self.key_ends.is_empty()
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
            accounts.number(&format!("K{n}"), "Z"); // company numbers past one varint byte
        }
        assert_eq!(accounts.key(accounts.find("K299", "Z").unwrap()), ("K299".into(), "Z".into()));
        assert_eq!(accounts.customer_of(b), "A");
        assert_eq!(accounts.company_of(b).as_str(), "C2");
    }
}
