//! The sections of a packed book (`packed`) record by record: the id log's digests, the open
//! orders (amount, id) and the open invoices (open amount, due date, payment terms, id), read
//! in the order they were added and written, whole or a record added to the end.

use crate::book::OpenInvoice;
use crate::packed::{put_signed, put_text, Reader};
use credit_model::{Day, Minor};

/// The logged digests of a seen section, in the order logged.
pub(crate) fn digests(seen: &[u8]) -> impl Iterator<Item = u64> + '_ {
    seen.chunks_exact(8).map(|raw| {
        let mut word = [0u8; 8];
        word.copy_from_slice(raw);
        u64::from_le_bytes(word)
    })
}

/// A seen section of these digests.
pub(crate) fn seen_bytes(digests: &[u64]) -> Vec<u8> {
    digests.iter().flat_map(|digest| digest.to_le_bytes()).collect()
}

/// The orders of an orders section: id and amount, in the order opened.
pub(crate) fn orders(section: &[u8]) -> impl Iterator<Item = (&str, Minor)> + '_ {
    let mut reader = Reader(section);
    std::iter::from_fn(move || {
        if reader.0.is_empty() {
            return None;
        }
        let amount = reader.signed()?;
        Some((reader.own_text()?, amount))
    })
}

/// The byte range of an order's record in an orders section, and its amount.
pub(crate) fn find_order(section: &[u8], order_id: &str) -> Option<(std::ops::Range<usize>, Minor)> {
    let mut reader = Reader(section);
    while !reader.0.is_empty() {
        let start = section.len() - reader.0.len();
        let amount = reader.signed()?;
        if reader.own_text()? == order_id {
            return Some((start..section.len() - reader.0.len(), amount));
        }
    }
    None
}

/// A section of `section`'s records and then these (ids not in it: each is added at the end).
pub(crate) fn appended<'a, T: Record + 'a>(
    section: &[u8],
    records: impl IntoIterator<Item = (&'a str, T)>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(section.len() + 16);
    out.extend_from_slice(section);
    for (id, record) in records {
        record.put(&mut out, id);
    }
    out
}

/// A record of an orders or invoices section.
pub(crate) trait Record {
    fn put(&self, out: &mut Vec<u8>, id: &str);
}

impl Record for Minor {
    fn put(&self, out: &mut Vec<u8>, id: &str) {
        put_signed(out, *self);
        put_text(out, id);
    }
}

impl Record for OpenInvoice {
    fn put(&self, out: &mut Vec<u8>, id: &str) {
        put_signed(out, self.open_amount);
        put_signed(out, self.due.0 as Minor);
        // the days from invoice to due date (the payment terms: one byte, mostly)
        put_signed(out, self.due.0 as Minor - self.invoice_date.0 as Minor);
        put_text(out, id);
    }
}

/// An orders section of these orders.
pub(crate) fn orders_bytes<'a>(orders: impl IntoIterator<Item = (&'a str, Minor)>) -> Vec<u8> {
    appended(&[], orders)
}

/// The invoices of an invoices section, in the order posted.
pub(crate) fn invoices(section: &[u8]) -> impl Iterator<Item = (&str, OpenInvoice)> + '_ {
    let mut reader = Reader(section);
    std::iter::from_fn(move || {
        if reader.0.is_empty() {
            return None;
        }
        let open_amount = reader.signed()?;
        let due = reader.day()?;
        let invoice_date = i32::try_from(due.0 as Minor - reader.signed()?).ok()?;
        let invoice = OpenInvoice { open_amount, due, invoice_date: Day(invoice_date) };
        Some((reader.own_text()?, invoice))
    })
}

/// An invoices section of these invoices.
pub(crate) fn invoices_bytes<'a>(
    invoices: impl IntoIterator<Item = (&'a str, OpenInvoice)>,
) -> Vec<u8> {
    appended(&[], invoices)
}
