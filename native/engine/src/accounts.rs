//! Every account the engine knows, numbered: a profile and a book are found by the account's
//! number, so the `(company, customer)` key is kept once, not once per table.
//!
//! The index is a hash table of 4-byte numbers whose keys live in `keys` (a company id is a
//! number into `Names`, the customer id is kept inline); about 40 bytes an account in all.

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
#[derive(Default)]
pub struct Accounts {
    pub companies: Names,
    keys: Vec<(u32, Id)>,
    index: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl Accounts {
    fn hash(&self, company_id: &str, customer_id: &str) -> u64 {
        self.hasher.hash_one((company_id, customer_id))
    }

    /// The account's number, if it has one.
    pub fn find(&self, company_id: &str, customer_id: &str) -> Option<u32> {
        let company = self.companies.find(company_id)?;
        let hash = self.hash(company_id, customer_id);
        let keys = &self.keys;
        self.index
            .find(hash, |number| {
                let (known_company, known_customer) = &keys[*number as usize];
                *known_company == company && known_customer == customer_id
            })
            .copied()
    }

    /// The account's number, given one now if it had none.
    pub fn number(&mut self, company_id: &str, customer_id: &str) -> u32 {
        if let Some(number) = self.find(company_id, customer_id) {
            return number;
        }
        let company = self.companies.number(company_id);
        let number = u32::try_from(self.keys.len()).expect("fewer than 2^32 accounts");
        self.keys.push((company, customer_id.into()));
        let hash = self.hash(company_id, customer_id);
        let (keys, companies, hasher) = (&self.keys, &self.companies, &self.hasher);
        self.index.insert_unique(hash, number, |known| {
            let (company, customer) = &keys[*known as usize];
            hasher.hash_one((companies.name(*company).as_str(), customer.as_str()))
        });
        number
    }

    /// The `(company_id, customer_id)` of an account.
    pub fn key(&self, number: u32) -> AccountKey {
        let (company, customer) = &self.keys[number as usize];
        (self.companies.name(*company).clone(), customer.clone())
    }

    pub fn company_of(&self, number: u32) -> &Id {
        self.companies.name(self.keys[number as usize].0)
    }

    pub fn customer_of(&self, number: u32) -> &Id {
        &self.keys[number as usize].1
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Bytes the index and its keys hold (capacity, as allocated).
    pub fn heap_bytes(&self) -> usize {
        self.keys.capacity() * std::mem::size_of::<(u32, Id)>()
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
    }
}
