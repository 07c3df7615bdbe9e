//! Python's packed tables of open orders and open invoices (`service/domain/packing.py`):
//! the count (`<I`), a fixed-size record per entry (an order's amount `<q`; an invoice's open
//! amount, due and invoice date ordinals `<qii`), then the ids, UTF-8, separated by NUL, all
//! in the order the entries were added. A table with an amount beyond 64 bits or an id with
//! a NUL in it cannot be packed: Python keeps it in its wide form (a dict) instead.

use super::json::Refusal;
use crate::book::OpenInvoice;
use credit_model::{Day, Minor};

const COUNT: usize = 4;
const ORDER: usize = 8;
const INVOICE: usize = 16;

/// Whether Python can pack an entry: its amount in 64 bits, no NUL in its id.
pub(crate) fn packable(id: &str, amount: Minor) -> bool {
    i64::try_from(amount).is_ok() && !id.contains('\0')
}

/// The count, the records (`record` writes one), then the ids joined by NUL.
fn pack<T>(entries: &[(&str, T)], record: impl Fn(&mut Vec<u8>, &T)) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for (_, entry) in entries {
        record(&mut out, entry);
    }
    for (at, (id, _)) in entries.iter().enumerate() {
        if at > 0 {
            out.push(0);
        }
        out.extend_from_slice(id.as_bytes());
    }
    out
}

/// `pack_orders(orders)` when it packs (every order packable, at least one).
pub(crate) fn pack_orders(orders: &[(&str, Minor)]) -> Vec<u8> {
    pack(orders, |out, &amount| {
        out.extend_from_slice(&(amount as i64).to_le_bytes());
    })
}

/// `pack_invoices(invoices)` when it packs (every invoice packable, at least one).
pub(crate) fn pack_invoices(invoices: &[(&str, OpenInvoice)]) -> Vec<u8> {
    pack(invoices, |out, invoice| {
        out.extend_from_slice(&(invoice.open_amount as i64).to_le_bytes());
        out.extend_from_slice(&invoice.due.0.to_le_bytes());
        out.extend_from_slice(&invoice.invoice_date.0.to_le_bytes());
    })
}

/// A packed table's records and ids: a count of at least one, that many records of `size`
/// bytes, and as many distinct ids in UTF-8 (Python's `unpack_*`, which raises on a count
/// that does not match the ids; a table of none is `None` in Python, never a count of 0).
fn unpack(packed: &[u8], size: usize) -> Result<(Vec<&[u8]>, Vec<&str>), Refusal> {
    let count = packed
        .get(..COUNT)
        .ok_or("a packed table shorter than its count")?;
    let count = u32::from_le_bytes([count[0], count[1], count[2], count[3]]) as usize;
    let end = count
        .checked_mul(size)
        .and_then(|records| records.checked_add(COUNT))
        .filter(|&end| end <= packed.len())
        .ok_or("a packed table shorter than its records")?;
    let text = std::str::from_utf8(&packed[end..]).map_err(|_| "a packed id is not UTF-8")?;
    let ids: Vec<&str> = text.split('\0').collect();
    if count == 0 || ids.len() != count {
        return Err("a packed table's count does not match its ids");
    }
    if (1..ids.len()).any(|at| ids[..at].contains(&ids[at])) {
        return Err("a packed table holds an id twice");
    }
    Ok((packed[COUNT..end].chunks_exact(size).collect(), ids))
}

fn i64_at(record: &[u8], at: usize) -> i64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&record[at..at + 8]);
    i64::from_le_bytes(word)
}

fn i32_at(record: &[u8], at: usize) -> i32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&record[at..at + 4]);
    i32::from_le_bytes(word)
}

/// `unpack_orders(packed)`: id and amount, in the order opened.
pub(crate) fn unpack_orders(packed: &[u8]) -> Result<Vec<(&str, Minor)>, Refusal> {
    let (records, ids) = unpack(packed, ORDER)?;
    let amounts = records.into_iter().map(|record| i64_at(record, 0) as Minor);
    Ok(ids.into_iter().zip(amounts).collect())
}

/// `unpack_invoices(packed)`: id and open invoice, in the order posted.
pub(crate) fn unpack_invoices(packed: &[u8]) -> Result<Vec<(&str, OpenInvoice)>, Refusal> {
    let (records, ids) = unpack(packed, INVOICE)?;
    let invoices = records.into_iter().map(|record| OpenInvoice {
        open_amount: i64_at(record, 0) as Minor,
        due: Day(i32_at(record, 8)),
        invoice_date: Day(i32_at(record, 12)),
    });
    Ok(ids.into_iter().zip(invoices).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invoice(open_amount: Minor, due: i32, invoice_date: i32) -> OpenInvoice {
        OpenInvoice {
            open_amount,
            due: Day(due),
            invoice_date: Day(invoice_date),
        }
    }

    /// Expected: `pack_orders({"O1": 5, "é": -1})` and `pack_invoices({"I1": OpenInvoice(
    /// 80000, 739030, 739000)})` in CPython 3.11.7, as hex.
    #[test]
    fn tables_pack_as_python_does() {
        let orders = [("O1", 5), ("é", -1)];
        let packed = pack_orders(&orders);
        let hex: String = packed.iter().map(|byte| format!("{byte:02x}")).collect();
        assert_eq!(hex, "020000000500000000000000ffffffffffffffff4f3100c3a9");
        assert_eq!(unpack_orders(&packed), Ok(orders.to_vec()));
        let invoices = [("I1", invoice(80_000, 739_030, 739_000))];
        let packed = pack_invoices(&invoices);
        let hex: String = packed.iter().map(|byte| format!("{byte:02x}")).collect();
        assert_eq!(hex, "010000008038010000000000d6460b00b8460b004931");
        assert_eq!(unpack_invoices(&packed), Ok(invoices.to_vec()));
        assert_eq!(unpack_orders(&pack_orders(&[("", 0)])), Ok(vec![("", 0)]));
        assert!(packable("O1", i64::MIN as Minor) && !packable("O\0", 1));
        assert!(!packable("O1", i64::MAX as Minor + 1));
    }

    #[test]
    fn tables_python_cannot_read_are_refused() {
        let packed = pack_orders(&[("O1", 5), ("O2", 6)]);
        for cut in 0..23 {
            // (a cut in the ids may leave ids as many as the count: the book's lengths
            // tell that apart)
            assert!(unpack_orders(&packed[..cut]).is_err(), "cut at {cut}");
        }
        let twice = pack_orders(&[("O1", 5), ("O1", 6)]);
        assert_eq!(
            unpack_orders(&twice),
            Err("a packed table holds an id twice")
        );
        assert!(unpack_orders(&[0, 0, 0, 0]).is_err());
        assert!(unpack_orders(&[1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0xff]).is_err());
        assert!(unpack_orders(&[0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(unpack_invoices(&pack_orders(&[("O1", 5)])).is_err());
    }
}
