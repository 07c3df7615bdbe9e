//! A book's currency, balances, id log, open orders and open invoices packed into one byte
//! buffer (one allocation), the way Python's `packing` keeps them in bytes.
//!
//! Layout: the currency's 3 letters, then a header of LEB128 varints (the review-notified day,
//! 0 for none, else its zigzag code plus 1; the three balances zigzag-encoded; the id log's code:
//! twice the number of logged digests, or for a table (`seen`) twice its slots' log2 plus 1;
//! the byte lengths of the orders and invoices sections), then the id log (logged digests 8
//! bytes each, little-endian, or the table), then the orders, then the invoices, then the held
//! orders to the end (see `hold`). An order is its amount (zigzag varint), its id's length
//! (varint) and the id's bytes; an invoice is its open amount, due date and the days from
//! invoice date to due date (zigzag varints), then its id the same way. Every `Minor` fits (up
//! to 19 bytes), so there is no separate wide form; everyday amounts and day ordinals take 3
//! bytes, payment terms 1.

use crate::thin::ThinBytes;
use credit_model::{Ccy, Day, Minor};

/// The fixed part of a book: its currency, review day, balances and the sizes of the sections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) currency: Ccy,
    /// `review_notified`
    pub(crate) review: Option<Day>,
    pub(crate) receivable: Minor,
    pub(crate) open_order_total: Minor,
    pub(crate) credit: Minor,
    /// the logged digests; of a table (`seen_table`), its slots' log2
    pub(crate) seen: usize,
    pub(crate) seen_table: bool,
    pub(crate) orders_len: usize,
    pub(crate) invoices_len: usize,
}

impl Default for Header {
    fn default() -> Header {
        Header {
            currency: Ccy(*b"\0\0\0"),
            review: None,
            receivable: 0,
            open_order_total: 0,
            credit: 0,
            seen: 0,
            seen_table: false,
            orders_len: 0,
            invoices_len: 0,
        }
    }
}

/// A packed buffer read into its sections (borrowed).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct View<'a> {
    pub(crate) head: Header,
    /// the logged digests, 8 bytes each, or the table (`seen`)
    pub(crate) seen: &'a [u8],
    pub(crate) orders: &'a [u8],
    pub(crate) invoices: &'a [u8],
    pub(crate) holds: &'a [u8],
}

fn zigzag(value: Minor) -> u128 {
    ((value << 1) ^ (value >> 127)) as u128
}

fn unzigzag(raw: u128) -> Minor {
    ((raw >> 1) as Minor) ^ -((raw & 1) as Minor)
}

#[inline]
pub(crate) fn put_varint(out: &mut Vec<u8>, value: u128) {
    match u64::try_from(value) {
        Ok(small) => put_small_varint(out, small),
        Err(_) => put_wide_varint(out, value),
    }
}

fn put_small_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_wide_varint(out: &mut Vec<u8>, mut value: u128) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

pub(crate) fn put_signed(out: &mut Vec<u8>, value: Minor) {
    put_varint(out, zigzag(value));
}

pub(crate) fn put_text(out: &mut Vec<u8>, text: &str) {
    put_varint(out, text.len() as u128);
    out.extend_from_slice(text.as_bytes());
}

/// A cursor over packed bytes; every read is `None` past the end (never a panic).
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    /// A varint; the one-byte form (most of a header) read inline.
    #[inline(always)]
    pub(crate) fn varint(&mut self) -> Option<u128> {
        match self.0.split_first() {
            Some((&first, rest)) if first < 0x80 => {
                self.0 = rest;
                Some(first as u128)
            }
            _ => self.long_varint(),
        }
    }

    /// A varint of more than one byte: the first 9 bytes (63 bits) in a `u64`, the rest
    /// (up to 19 bytes in all) in a `u128`.
    #[inline(never)]
    fn long_varint(&mut self) -> Option<u128> {
        let mut low = 0u64;
        for (at, &byte) in self.0.iter().enumerate().take(9) {
            low |= ((byte & 0x7f) as u64) << (7 * at);
            if byte < 0x80 {
                self.0 = &self.0[at + 1..];
                return Some(low as u128);
            }
        }
        self.wide_varint(low)
    }

    /// The bytes of a varint past its first 9 (`low`: their 63 bits).
    #[cold]
    fn wide_varint(&mut self, low: u64) -> Option<u128> {
        let mut value = low as u128;
        for (at, &byte) in self.0.iter().enumerate().take(19).skip(9) {
            value |= ((byte & 0x7f) as u128) << (7 * at);
            if byte < 0x80 {
                self.0 = &self.0[at + 1..];
                return Some(value);
            }
        }
        None
    }

    #[inline(always)]
    pub(crate) fn signed(&mut self) -> Option<Minor> {
        self.varint().map(unzigzag)
    }

    #[inline(always)]
    pub(crate) fn size(&mut self) -> Option<usize> {
        usize::try_from(self.varint()?).ok()
    }

    pub(crate) fn day(&mut self) -> Option<Day> {
        i32::try_from(self.signed()?).ok().map(Day)
    }

    #[inline(always)]
    pub(crate) fn bytes(&mut self, len: usize) -> Option<&'a [u8]> {
        if len > self.0.len() {
            return None;
        }
        let (taken, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(taken)
    }

    /// An id of a book's own orders or invoices section: written by `put_text` from a `str`
    /// (`orders_bytes`, `invoices_bytes`), so its bytes are not checked again.
    pub(crate) fn own_text(&mut self) -> Option<&'a str> {
        let len = self.size()?;
        let bytes = self.bytes(len)?;
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        // SAFETY: the sections read with this are only ever built by `orders_bytes` and
        // `invoices_bytes`, which write each id as `put_text` of a `&str`: whole UTF-8 text
        // (a book's buffer is never made from outside bytes; the changelog reader builds
        // books through their methods).
        Some(unsafe { std::str::from_utf8_unchecked(bytes) })
    }

    pub(crate) fn text(&mut self) -> Option<&'a str> {
        let len = self.size()?;
        std::str::from_utf8(self.bytes(len)?).ok()
    }
}

/// The sections of a packed buffer (an empty buffer is an empty book).
#[inline(always)]
pub(crate) fn view(buffer: &[u8]) -> View<'_> {
    read_view(Reader(buffer)).unwrap_or_default()
}

/// A review day's varint: 0 for none.
fn review_code(review: Option<Day>) -> u128 {
    review.map_or(0, |day| zigzag(day.0 as Minor) + 1)
}

#[inline(always)]
fn read_view(mut reader: Reader<'_>) -> Option<View<'_>> {
    let currency = Ccy(reader.bytes(3)?.try_into().ok()?);
    let review = match reader.varint()? {
        0 => None,
        code => Some(Day(i32::try_from(unzigzag(code - 1)).ok()?)),
    };
    let receivable = reader.signed()?;
    let open_order_total = reader.signed()?;
    let credit = reader.signed()?;
    let seen_code = reader.size()?;
    let head = Header {
        currency,
        review,
        receivable,
        open_order_total,
        credit,
        seen: seen_code >> 1,
        seen_table: seen_code & 1 == 1,
        orders_len: reader.size()?,
        invoices_len: reader.size()?,
    };
    let seen_len = match head.seen_table {
        true => crate::seen::table_len(u32::try_from(head.seen).ok()?)?,
        false => head.seen.checked_mul(8)?,
    };
    let seen = reader.bytes(seen_len)?;
    let orders = reader.bytes(head.orders_len)?;
    let invoices = reader.bytes(head.invoices_len)?;
    Some(View {
        head,
        seen,
        orders,
        invoices,
        holds: reader.0,
    })
}

/// A buffer of these sections (`extra_digest` logged after `seen`, a log).
/// A table section (`head.seen_table`) is of `head.seen` slots' log2.
pub(crate) fn pack(
    head: Header,
    seen: &[u8],
    extra_digest: Option<u64>,
    orders: &[u8],
    invoices: &[u8],
    holds: &[u8],
) -> ThinBytes {
    debug_assert!(!(head.seen_table && extra_digest.is_some()));
    let digests = seen.len() / 8 + usize::from(extra_digest.is_some());
    let seen_code = match head.seen_table {
        true => head.seen << 1 | 1,
        false => digests << 1,
    };
    let mut head_bytes = HeadBytes::default();
    head_bytes.put(review_code(head.review));
    head_bytes.put(zigzag(head.receivable));
    head_bytes.put(zigzag(head.open_order_total));
    head_bytes.put(zigzag(head.credit));
    head_bytes.put(seen_code as u128);
    head_bytes.put(orders.len() as u128);
    head_bytes.put(invoices.len() as u128);
    let head_varints = &head_bytes.bytes[..head_bytes.len];
    let seen_len = seen.len() + 8 * usize::from(extra_digest.is_some());
    let len = 3 + head_varints.len() + seen_len + orders.len() + invoices.len() + holds.len();
    ThinBytes::filled(len, |out| {
        out.extend_from_slice(&head.currency.0);
        out.extend_from_slice(head_varints);
        out.extend_from_slice(seen);
        if let Some(digest) = extra_digest {
            out.extend_from_slice(&digest.to_le_bytes());
        }
        out.extend_from_slice(orders);
        out.extend_from_slice(invoices);
        out.extend_from_slice(holds);
    })
}

/// A header's varints, written on the stack (7 of up to 19 bytes each).
struct HeadBytes {
    bytes: [u8; 7 * 19],
    len: usize,
}

impl Default for HeadBytes {
    fn default() -> HeadBytes {
        HeadBytes { bytes: [0; 7 * 19], len: 0 }
    }
}

impl HeadBytes {
    #[inline(always)]
    fn put(&mut self, value: u128) {
        match u64::try_from(value) {
            Ok(small) => self.put_small(small),
            Err(_) => self.put_wide(value),
        }
    }

    #[inline(always)]
    fn put_small(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.bytes[self.len] = value as u8 | 0x80;
            self.len += 1;
            value >>= 7;
        }
        self.bytes[self.len] = value as u8;
        self.len += 1;
    }

    /// A value past 64 bits: its low groups until the rest fits `put_small`.
    fn put_wide(&mut self, mut value: u128) {
        while u64::try_from(value).is_err() {
            self.bytes[self.len] = value as u8 | 0x80;
            self.len += 1;
            value >>= 7;
        }
        self.put_small(value as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::OpenInvoice;
    use crate::sections::{digests, invoices, invoices_bytes, orders, orders_bytes, seen_bytes};

    #[test]
    fn sections_round_trip_at_the_extremes() {
        let given_orders = [("", Minor::MIN), ("SO-1", 0), ("é\u{0}", Minor::MAX), ("x", -1)];
        let open = |open_amount, due, invoice_date| OpenInvoice {
            open_amount,
            due: Day(due),
            invoice_date: Day(invoice_date),
        };
        let given_invoices = [
            ("INV-2026-0000123", open(80_000, 739_030, 739_000)),
            ("w", open(Minor::MIN, i32::MIN, i32::MAX)),
            (&"ß".repeat(100), open(i64::MAX as Minor + 1, -1, 0)),
        ];
        let head = Header {
            currency: Ccy(*b"JPY"),
            review: Some(Day(i32::MAX)),
            receivable: Minor::MIN,
            open_order_total: Minor::MAX,
            credit: -5,
            ..Header::default()
        };
        let seen = seen_bytes(&[u64::MAX, 0, 7]);
        let buffer = pack(
            head,
            &seen,
            Some(9),
            &orders_bytes(given_orders),
            &invoices_bytes(given_invoices.iter().cloned()),
            b"holds",
        );
        let back = view(&buffer);
        assert_eq!(
            (back.head.receivable, back.head.open_order_total, back.head.credit),
            (Minor::MIN, Minor::MAX, -5)
        );
        assert_eq!(digests(back.seen).collect::<Vec<_>>(), [u64::MAX, 0, 7, 9]);
        assert_eq!(orders(back.orders).collect::<Vec<_>>(), given_orders);
        assert_eq!(invoices(back.invoices).collect::<Vec<_>>(), given_invoices);
        assert_eq!(back.holds, b"holds");
        assert_eq!((back.head.currency, back.head.review), (Ccy(*b"JPY"), Some(Day(i32::MAX))));
        let empty = pack(Header::default(), &[], None, &[], &[], &[]);
        assert_eq!((empty.len(), view(&empty).head), (3 + 7, Header::default()));
        assert_eq!(view(&[]).head, Header::default()); // unreadable: no sections
    }
}
