//! Balances: what each account owes (`AccountBook`, `HeldOrder`) and each credit group's
//! running totals (`GroupTotals`), ported from `service/domain/ledger.py` and
//! `group_totals.py` with identical behaviour: every return value, and every order that can
//! reach an output.
//!
//! The Python engine packs books into bytes to save memory; so does this one: a book is 32
//! bytes inline and one exact-sized byte buffer holding its balances, id log, open orders,
//! open invoices and held orders as varints and texts (`packed`, `hold`), none for an empty
//! book; only an id log grown past 64 digests has a hash set of its own.
//!
//! The state store and changelog keep books in Python's own format (`snapshot.py`):
//! `book_to_bytes` and `book_from_bytes` (`changelog`) write and read it byte for byte.

mod book;
mod changelog;
mod group;
mod hold;
mod packed;
mod pyset;
mod sections;
mod seen;
mod thin;

pub use book::{AccountBook, NotOpen, OpenInvoice};
pub use changelog::{book_from_bytes, book_to_bytes, ChangelogError};
pub use group::GroupTotals;
pub use hold::HeldOrder;

use credit_model::Minor;

/// A `Minor` stored 8-byte aligned (an `i128` is 16-byte aligned), so group totals' records
/// are not padded. Read and written by value only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, packed(8))]
pub(crate) struct Wide(pub(crate) Minor);

impl Wide {
    pub(crate) fn get(self) -> Minor {
        self.0
    }
}

#[cfg(test)]
mod layout_tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(std::mem::align_of::<Wide>(), 8);
        assert_eq!(std::mem::size_of::<Wide>(), 16);
        assert_eq!(std::mem::size_of::<AccountBook>(), 8);
        assert_eq!(std::mem::size_of::<Option<AccountBook>>(), 8);
    }
}
