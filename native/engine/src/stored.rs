//! Account books restored from a state store, kept as the bytes the store holds until they
//! are first used (the Python engine's `service/domain/stored_books.py`): a restart adopts a
//! million books without decoding each and summing it into its group first.
//!
//! The invariant that keeps group totals exact:
//! - a group's totals sum exactly its *decoded* members' books;
//! - a stored (not yet decoded) book is counted in no group.
//!
//! Loading a book decodes it and counts it in the group its account is in *now*
//! (`Engine::put_book_at`). So `Engine::settle`, which every event passes before it is
//! applied, loads:
//! - for a transaction event: the account's book, then every stored member of its group (the
//!   decision reads the group's totals);
//! - for a customer record: the account's book, before the record may move it between groups
//!   (it is counted in the group it leaves, then moved);
//! - for the first record of a group: its members' books, before they join it (left stored,
//!   they would be counted on load in a group not known to hold stored members).
//!
//! Reading a group's totals from outside loads the group first (`loaded_totals`); reading a
//! book loads it (`loaded_book`); queries over every book load them all (`load_all`).
//! Dropping a stored book drops bytes that were counted nowhere (`Engine::take_book_at`).
//!
//! Bytes that are no book are found at first use, not at adopt: that use fails with the
//! account named (`UnreadableBook`, the service's `StoredBookError`), and the bytes stay
//! held, so every later use fails alike and nothing is counted half.

use std::collections::{HashMap, HashSet};

use credit_books::{book_from_bytes, AccountBook, GroupTotals};
use credit_model::{Id, InputEvent};

use crate::direct::transaction_of;
use crate::engine::Engine;

/// What `Engine::settle` loads for an event.
enum Settles<'e> {
    Nothing,
    /// a customer record: the account's book, before the record may move it
    Account(&'e str, &'e str),
    /// a transaction: the account's book, then its group's stored members
    Transaction(&'e str, &'e str),
    /// the first record of a group: its members' books
    Members(&'e str),
}

/// Books adopted undecoded, by account number, and the groups that may hold one.
#[derive(Default)]
pub struct StoredBooks {
    payloads: HashMap<u32, Box<[u8]>>,
    /// groups that may still have a stored member (a hint: loading the group finds them)
    groups: HashSet<Id>,
}

impl StoredBooks {
    pub fn len(&self) -> usize {
        self.payloads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.payloads.is_empty()
    }

    pub fn holds(&self, number: u32) -> bool {
        self.payloads.contains_key(&number)
    }

    pub fn drop_book(&mut self, number: u32) -> bool {
        self.payloads.remove(&number).is_some()
    }

    /// The account numbers of the stored books.
    pub fn numbers(&self) -> impl Iterator<Item = u32> + '_ {
        self.payloads.keys().copied()
    }

    pub fn heap_bytes(&self) -> usize {
        let entries = self.payloads.capacity() * (std::mem::size_of::<(u32, Box<[u8]>)>() + 1);
        entries + self.payloads.values().map(|payload| payload.len()).sum::<usize>()
    }
}

impl Engine {
    /// Keep `payload` as the account's book, undecoded, replacing any book it had; returns
    /// the account's credit root (`G:<group>` or `A:<company>:<customer>`).
    pub fn adopt_stored(&mut self, company_id: &str, customer_id: &str, payload: &[u8]) -> String {
        let number = self.reference.accounts.number(company_id, customer_id);
        self.take_book_at(number, company_id);
        let Engine { reference, stored, .. } = self;
        stored.payloads.insert(number, payload.into());
        match reference.stored_group(reference.stored_at(number)) {
            Some(group) => {
                if !stored.groups.contains(&group.group_id) {
                    stored.groups.insert(group.group_id.clone());
                }
                ["G:", group.group_id.as_str()].concat()
            }
            None => ["A:", company_id, ":", customer_id].concat(),
        }
    }

    /// What `settle` loads for `event` (see the module's comment).
    fn settles<'e>(&self, event: &'e InputEvent) -> Settles<'e> {
        if let Some((_, company_id, customer_id)) = transaction_of(event) {
            return Settles::Transaction(company_id, customer_id);
        }
        match event {
            InputEvent::CustomerUpserted(e) => Settles::Account(&e.company_id, &e.customer_id),
            InputEvent::GroupUpserted(e) if !self.reference.groups.contains_key(&e.group_id) => {
                Settles::Members(&e.group_id)
            }
            _ => Settles::Nothing,
        }
    }

    /// Load what `event` reads or moves (see the module's comment), before it is applied.
    pub fn settle(&mut self, event: &InputEvent) -> Result<(), String> {
        if self.stored.is_empty() {
            return Ok(());
        }
        match self.settles(event) {
            Settles::Nothing => Ok(()),
            Settles::Account(company_id, customer_id) => self.load(company_id, customer_id),
            Settles::Members(group_id) => self.load_members(group_id),
            Settles::Transaction(company_id, customer_id) => {
                self.load(company_id, customer_id)?;
                match self.reference.group_id(company_id, customer_id) {
                    Some(group_id) => self.load_group(&group_id),
                    None => Ok(()),
                }
            }
        }
    }

    /// Whether `settle` has nothing left to load for `event` (`Engine::apply` asserts it).
    pub fn is_settled(&self, event: &InputEvent) -> bool {
        let stored_book = |company_id: &str, customer_id: &str| {
            let number = self.reference.accounts.find(company_id, customer_id);
            number.is_some_and(|number| self.stored.holds(number))
        };
        match self.settles(event) {
            Settles::Nothing => true,
            Settles::Account(company_id, customer_id) => !stored_book(company_id, customer_id),
            Settles::Members(group_id) => {
                let members = self.reference.member_numbers(group_id);
                !members.iter().any(|number| self.stored.holds(*number))
            }
            Settles::Transaction(company_id, customer_id) => {
                let group = self.reference.group_id(company_id, customer_id);
                !stored_book(company_id, customer_id)
                    && group.is_none_or(|group_id| !self.stored.groups.contains(&group_id))
            }
        }
    }

    /// Decode the account's stored book, if it has one, and count it in its group.
    pub fn load(&mut self, company_id: &str, customer_id: &str) -> Result<(), String> {
        match self.reference.accounts.find(company_id, customer_id) {
            Some(number) if self.stored.holds(number) => self.load_at(number),
            _ => Ok(()),
        }
    }

    fn load_at(&mut self, number: u32) -> Result<(), String> {
        let Some(payload) = self.stored.payloads.get(&number) else { return Ok(()) };
        let book = book_from_bytes(payload).map_err(|why| {
            let (company_id, customer_id) = self.reference.accounts.key(number);
            format!("stored book of ('{company_id}', '{customer_id}') cannot be read: {why}")
        })?;
        self.stored.payloads.remove(&number);
        self.put_book_at(number, book);
        Ok(())
    }

    /// Load every stored member of `group_id`: its totals are complete afterwards.
    pub fn load_group(&mut self, group_id: &str) -> Result<(), String> {
        if !self.stored.groups.remove(group_id) {
            return Ok(());
        }
        let loaded = self.load_members(group_id);
        if loaded.is_err() {
            self.stored.groups.insert(group_id.into()); // some may still be stored
        }
        loaded
    }

    fn load_members(&mut self, group_id: &str) -> Result<(), String> {
        let members = self.reference.member_numbers(group_id).to_vec();
        members.into_iter().try_for_each(|number| self.load_at(number))
    }

    /// Load every stored book, in account order (as the Python engine's `load_all`).
    pub fn load_all(&mut self) -> Result<(), String> {
        let mut numbers: Vec<u32> = self.stored.numbers().collect();
        let accounts = &self.reference.accounts;
        numbers.sort_by_cached_key(|number| accounts.key(*number));
        numbers.into_iter().try_for_each(|number| self.load_at(number))?;
        self.stored.groups.clear();
        Ok(())
    }

    /// The account's book, its stored bytes decoded first.
    pub fn loaded_book(&mut self, company_id: &str, customer_id: &str)
        -> Result<Option<&AccountBook>, String> {
        self.load(company_id, customer_id)?;
        Ok(self.book(company_id, customer_id))
    }

    /// A group's totals, complete: its stored members loaded first.
    pub fn loaded_totals(&mut self, group_id: &str) -> Result<Option<&GroupTotals>, String> {
        self.load_group(group_id)?;
        Ok(self.group_totals.get(group_id))
    }

    /// Whether the account has a book, decoded or stored.
    pub fn holds_book(&self, company_id: &str, customer_id: &str) -> bool {
        match self.reference.accounts.find(company_id, customer_id) {
            Some(number) => {
                self.stored.holds(number)
                    || self.books.get(number as usize).is_some_and(Option::is_some)
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests;
