//! Books given to the engine and taken from it whole: restored from a state store, or handed
//! over between credit roots (`CreditEngine.put_book`, `take_book` and `root_of`).
//!
//! The invariant that keeps group totals exact: a group's totals sum exactly the books of its
//! members the engine holds. A book put in is counted in the group its account is in now; a
//! book taken out is counted out of it.

use credit_books::AccountBook;

use crate::engine::Engine;
use crate::reference::AccountKey;

impl Engine {
    /// The key that owns an account's balances: `G:<group>` or `A:<company>:<customer>`
    /// (a group not yet upserted is no group).
    pub fn root_of(&self, company_id: &str, customer_id: &str) -> String {
        self.root_pieces(company_id, customer_id).concat()
    }

    /// `partition_of(&self.root_of(company_id, customer_id), partitions)`, without building
    /// the root's name: the CRC-32 of its pieces in turn.
    pub fn root_partition(&self, company_id: &str, customer_id: &str, partitions: u32) -> u32 {
        let mut crc = crc32fast::Hasher::new();
        for piece in self.root_pieces(company_id, customer_id) {
            crc.update(piece.as_bytes());
        }
        crc.finalize() % partitions
    }

    /// The pieces of the root's name, joined by `root_of` and hashed by `root_partition`.
    fn root_pieces<'a>(&'a self, company_id: &'a str, customer_id: &'a str) -> [&'a str; 4] {
        let reference = &self.reference;
        match reference.stored_group(reference.stored_customer(company_id, customer_id)) {
            Some(group) => ["G:", group.group_id.as_str(), "", ""],
            None => ["A:", company_id, ":", customer_id],
        }
    }

    /// The account's book, if the engine holds one.
    pub fn book(&self, company_id: &str, customer_id: &str) -> Option<&AccountBook> {
        let number = self.reference.accounts.find(company_id, customer_id)?;
        self.books.get(number as usize).and_then(Option::as_ref)
    }

    /// Keep `book` as the account's (replacing any it had), counted in its group; returns
    /// the account's credit root. (The account is looked up once: at a restore of a million
    /// books each first look-up misses the cache.)
    pub fn put_book(&mut self, company_id: &str, customer_id: &str, book: AccountBook) -> String {
        let number = self.reference.accounts.number(company_id, customer_id);
        self.put_book_at(number, book);
        let reference = &self.reference;
        match reference.stored_group(reference.stored_at(number)) {
            Some(group) => ["G:", group.group_id.as_str()].concat(),
            None => ["A:", company_id, ":", customer_id].concat(),
        }
    }

    /// `put_book` of an account by its number.
    pub(crate) fn put_book_at(&mut self, number: u32, book: AccountBook) {
        let company_id = self.reference.accounts.company_of(number).clone();
        self.take_book_at(number, &company_id);
        let Engine { reference, books, group_totals, .. } = self;
        if let Some(group) = reference.stored_group(reference.stored_at(number)) {
            let totals = match group_totals.get_mut(group.group_id.as_str()) {
                Some(totals) => totals,
                None => group_totals.entry(group.group_id.clone()).or_default(),
            };
            totals.add_book(&book, &company_id, 1);
        }
        let number = number as usize;
        if books.len() <= number {
            books.resize_with(number + 1, || None);
        }
        books[number] = Some(book);
    }

    /// Remove the account's book and its share of its group's totals; returns it (`None`
    /// for none, or for a stored book, dropped undecoded: it was counted nowhere).
    pub fn take_book(&mut self, company_id: &str, customer_id: &str) -> Option<AccountBook> {
        let number = self.reference.accounts.find(company_id, customer_id)?;
        self.take_book_at(number, company_id)
    }

    /// Whether the account had a book, decoded or stored; it has none now.
    pub fn drop_book(&mut self, company_id: &str, customer_id: &str) -> bool {
        let Some(number) = self.reference.accounts.find(company_id, customer_id) else {
            return false;
        };
        let stored = self.stored.drop_book(number);
        self.take_book_at(number, company_id).is_some() || stored
    }

    pub(crate) fn take_book_at(&mut self, number: u32, company_id: &str) -> Option<AccountBook> {
        self.stored.drop_book(number);
        let book = self.books.get_mut(number as usize).and_then(Option::take)?;
        let reference = &self.reference;
        if let Some(group) = reference.stored_group(reference.stored_at(number)) {
            let totals = self.group_totals.entry(group.group_id.clone()).or_default();
            totals.add_book(&book, company_id, -1);
        }
        Some(book)
    }

    /// A book handed over while the engine had already opened one for the account: the
    /// arriving book absorbs the present one (`service.processor.merge_books`).
    pub fn merge_book(&mut self, company_id: &str, customer_id: &str, mut arriving: AccountBook)
        -> Result<String, String> {
        self.load(company_id, customer_id)?;
        if let Some(present) = self.take_book(company_id, customer_id) {
            arriving.absorb(present);
        }
        Ok(self.put_book(company_id, customer_id, arriving))
    }

    /// Every account the engine holds a decoded book of, sorted (`stored.rs`: not the
    /// books still held as their stored bytes).
    pub fn book_accounts(&self) -> Vec<AccountKey> {
        let accounts = &self.reference.accounts;
        let mut held: Vec<AccountKey> = (0..self.books.len())
            .filter(|&number| self.books[number].is_some())
            .map(|number| accounts.key(number as u32))
            .collect();
        held.sort();
        held
    }
}

/// The partition of a credit root: `zlib.crc32(root.encode()) % partitions`, as
/// `CreditProcessor.partition_of` computes it.
pub fn partition_of(root: &str, partitions: u32) -> u32 {
    crc32fast::hash(root.as_bytes()) % partitions
}

/// The changelog key of an account's book, `b"b\x1f<company>\x1f<customer>"`
/// (`service.book_keys.book_key`), written into `key`.
pub fn write_book_key(company_id: &str, customer_id: &str, key: &mut Vec<u8>) {
    key.clear();
    key.extend_from_slice(b"b\x1f");
    key.extend_from_slice(company_id.as_bytes());
    key.push(0x1f);
    key.extend_from_slice(customer_id.as_bytes());
}

/// The account of a changelog key of a book, `b"b\x1f<company>\x1f<customer>"`
/// (`service.processor.account_of`), if it is one.
pub fn account_of_key(key: &[u8]) -> Option<(&str, &str)> {
    let text = std::str::from_utf8(key.strip_prefix(b"b\x1f")?).ok()?;
    let (company_id, customer_id) = text.split_once('\x1f')?;
    (!customer_id.contains('\x1f')).then_some((company_id, customer_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_zlib_crc32() {
        // zlib.crc32(b"G:G0001") == 153755619 and zlib.crc32(b"A:US01:C1") == 2329586670
        assert_eq!(crc32fast::hash(b"G:G0001"), 153_755_619);
        assert_eq!(crc32fast::hash(b"A:US01:C1"), 2_329_586_670);
        assert_eq!(partition_of("G:G0001", 4), 153_755_619 % 4);
    }

    /// A string field's value in a JSON line of the example file (which has no escapes).
    fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
        let (_, rest) = line.split_once(&format!("\"{name}\":\""))?;
        Some(rest.split_once('"')?.0)
    }

    #[test]
    fn a_root_partition_is_the_partition_of_the_root_name() {
        let mut engine = Engine::new();
        let examples = include_str!("../../../examples/events.jsonl");
        let mut accounts = vec![("DE01", "NOBODY")]; // no profile: its own root
        for line in examples.lines() {
            let event = credit_text::parse_event(line.as_bytes()).expect("an example event");
            let _ = engine.handle(&event);
            if let (Some(company), Some(customer)) =
                (field(line, "company_id"), field(line, "customer_id"))
            {
                accounts.push((company, customer));
            }
        }
        let grouped = accounts.iter().filter(|(c, k)| engine.root_of(c, k).starts_with("G:"));
        assert!(grouped.count() > 0 && accounts.len() > 3);
        for (company, customer) in &accounts {
            for partitions in [1, 4, 7] {
                assert_eq!(engine.root_partition(company, customer, partitions),
                           partition_of(&engine.root_of(company, customer), partitions),
                           "{company}/{customer}");
            }
        }
    }

    #[test]
    fn book_keys_name_their_account() {
        let mut key = b"stale".to_vec();
        write_book_key("US01", "C1", &mut key);
        assert_eq!(key, b"b\x1fUS01\x1fC1");
        assert_eq!(account_of_key(b"b\x1fUS01\x1fC1"), Some(("US01", "C1")));
        assert_eq!(account_of_key(b"w"), None);
        assert_eq!(account_of_key(b"b\x1fUS01"), None);
        assert_eq!(account_of_key(b"b\x1fUS01\x1fC\x1f1"), None);
    }
}
