//! Account books as the state store and its changelog keep them: the bytes of Python's
//! `service/domain/snapshot.py` (`book_to_bytes` / `book_from_bytes`), byte for byte, so
//! books written by either engine are read by the other.
//!
//! - Version 3 (`binary`), written whenever it can hold the book: a fixed little-endian head
//!   (version byte 3; receivable, open order total and unapplied credit as `i64`; the
//!   review-notified day as an `i32` ordinal, 0 for none; the currency's length as a byte),
//!   the currency, four `i32` lengths (open orders, held orders, open invoices, id log; -1
//!   for a table of none), then those sections: Python's packed tables (`tables`), its held
//!   order lines (`holds`) and the id log as 8-byte big-endian digests (`seen_bytes`).
//! - Version 2 (`record`), written when version 3 cannot hold the book: a balance beyond 64
//!   bits, or a table Python keeps in its wide form (an id with a NUL in it or an amount
//!   beyond 64 bits; the wide form is then a JSON object, sorted by id).
//!   `json.dumps([2, currency, receivable, open orders, credit, orders, holds, invoices,
//!   id log, review day], separators=(",", ":"), sort_keys=True)`, packed tables and the id
//!   log in base64.
//! - Version 1, read only: the same record with every table as a JSON object and the id log
//!   in hex.
//!
//! Reading checks what Python leaves to the book's first use (a packed table's count
//! against its ids, each held order's line): a payload is refused, never half read; and a
//! hold line or table Python never writes (not canonical, an id twice) is refused, so that
//! what is read is written back exactly.

mod base64;
mod binary;
mod holds;
mod json;
mod record;
mod tables;

use crate::book::{AccountBook, OpenInvoice};
use crate::hold::HeldOrder;
use credit_model::{Ccy, Day, Minor};

/// The version of the binary format (`snapshot.FORMAT_VERSION`).
const BINARY_VERSION: u8 = 3;
/// The last day `date.fromordinal` takes (9999-12-31).
const MAX_ORDINAL: i64 = 3_652_059;

/// Why a payload is not an account book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangelogError {
    /// a version 3 payload of other than the length its head and section lengths give
    Length { expected: usize, found: usize },
    /// a JSON record whose version is neither 1 nor 2
    UnknownVersion,
    /// bytes Python's `book_from_bytes` refuses, or reads into a book it cannot use
    Malformed(&'static str),
    /// a book Python can hold but this one cannot: a currency other than three capital
    /// letters
    Unsupported(&'static str),
}

impl std::fmt::Display for ChangelogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChangelogError::Length { expected, found } => {
                write!(f, "account book of {found} bytes, {expected} expected")
            }
            ChangelogError::UnknownVersion => f.write_str("unknown account book format"),
            ChangelogError::Malformed(what) => write!(f, "malformed account book: {what}"),
            ChangelogError::Unsupported(what) => write!(f, "unsupported account book: {what}"),
        }
    }
}

impl std::error::Error for ChangelogError {}

impl From<json::Refusal> for ChangelogError {
    fn from(what: json::Refusal) -> ChangelogError {
        ChangelogError::Malformed(what)
    }
}

/// How Python holds one of a book's tables.
enum Table {
    /// no entries (`None`)
    Empty,
    /// packed bytes
    Packed(Vec<u8>),
    /// the wide form (a dict): an entry packing cannot hold
    Wide,
}

fn table<T>(
    entries: &[(&str, T)],
    amount: impl Fn(&T) -> Minor,
    pack: impl Fn(&[(&str, T)]) -> Vec<u8>,
) -> Table {
    if entries.is_empty() {
        Table::Empty
    } else if entries
        .iter()
        .all(|(id, entry)| tables::packable(id, amount(entry)))
    {
        Table::Packed(pack(entries))
    } else {
        Table::Wide
    }
}

/// A book as Python's `book_to_bytes` sees it.
struct Written<'a> {
    book: &'a AccountBook,
    /// receivable, open orders, credit: the book's header read once
    balances: [Minor; 3],
    orders: Vec<(&'a str, Minor)>,
    invoices: Vec<(&'a str, OpenInvoice)>,
    orders_table: Table,
    invoices_table: Table,
    holds: Option<Vec<u8>>,
    seen: Vec<u8>,
    review: Option<i32>,
}

impl<'a> Written<'a> {
    fn of(book: &'a AccountBook) -> Written<'a> {
        let orders = book.order_items();
        let invoices = book.invoice_items();
        let head = book.head();
        let orders_table = table(&orders, |&amount| amount, tables::pack_orders);
        let invoices_table = table(
            &invoices,
            |invoice| invoice.open_amount,
            tables::pack_invoices,
        );
        Written {
            book,
            balances: [head.receivable, head.open_order_total, head.credit],
            orders,
            invoices,
            orders_table,
            invoices_table,
            holds: holds::holds_bytes(&book.hold_items()),
            seen: book
                .seen_log()
                .iter()
                .flat_map(|digest| digest.to_be_bytes())
                .collect(),
            review: head.review.map(|day| day.0),
        }
    }

    /// Whether version 3 holds the book: both tables packed (or empty), balances in 64 bits.
    fn fits_binary(&self) -> bool {
        let narrow = self.balances.iter().all(|&balance| i64::try_from(balance).is_ok());
        narrow
            && !matches!(self.orders_table, Table::Wide)
            && !matches!(self.invoices_table, Table::Wide)
    }
}

/// Python's `book_to_bytes(book)` for the equal Python book: version 3 when it can hold the
/// book, else version 2.
pub fn book_to_bytes(book: &AccountBook) -> Vec<u8> {
    let written = Written::of(book);
    if written.fits_binary() {
        binary::write(&written)
    } else {
        record::write(&written)
    }
}

/// Python's `book_from_bytes(payload)`: a book of version 3, 2 or 1, or why it is none.
pub fn book_from_bytes(payload: &[u8]) -> Result<AccountBook, ChangelogError> {
    if payload.first() == Some(&BINARY_VERSION) {
        binary::read(payload)
    } else {
        record::read(payload)
    }
}

/// What a payload holds, read, for `restore` to build the book of.
struct Restored<'a> {
    currency: Ccy,
    receivable: Minor,
    open_order_total: Minor,
    credit: Minor,
    orders: Vec<(&'a str, Minor)>,
    invoices: Vec<(&'a str, OpenInvoice)>,
    holds: Vec<(String, HeldOrder)>,
    seen: Vec<u64>,
    review: Option<Day>,
}

fn restore(read: Restored<'_>) -> AccountBook {
    let mut book = AccountBook::new(read.currency);
    book.set_balances(read.receivable, read.open_order_total, read.credit);
    book.set_orders(read.orders);
    book.set_invoices(read.invoices);
    let (order_ids, held): (Vec<String>, Vec<HeldOrder>) = read.holds.into_iter().unzip();
    book.set_holds(order_ids.iter().map(String::as_str).zip(held));
    book.load_seen(&read.seen);
    book.set_review_notified(read.review);
    book
}

/// `Ccy` of a book's currency text.
fn currency(text: &str) -> Result<Ccy, ChangelogError> {
    Ccy::parse(text).ok_or(ChangelogError::Unsupported(
        "a currency other than three capital letters",
    ))
}

/// `DATES.share(date.fromordinal(review)) if review else None`.
fn review_day(review: i64) -> Result<Option<Day>, ChangelogError> {
    match review {
        0 => Ok(None),
        1..=MAX_ORDINAL => Ok(Some(Day(review as i32))),
        _ => Err(ChangelogError::Malformed("a review day that is no date")),
    }
}

/// The digests of an id log's bytes (8 each, big-endian).
fn digests(raw: &[u8]) -> Result<Vec<u64>, ChangelogError> {
    if !raw.len().is_multiple_of(8) {
        return Err(ChangelogError::Malformed("an id log of a partial digest"));
    }
    let digest = |chunk: &[u8]| {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        u64::from_be_bytes(word)
    };
    Ok(raw.chunks_exact(8).map(digest).collect())
}

#[cfg(test)]
mod tests;
