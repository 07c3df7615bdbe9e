//! Version 3: `_HEAD = struct.Struct("<BqqqiB")` (version, receivable, open orders, credit,
//! review day, currency length), the currency, `_LENGTHS = struct.Struct("<iiii")` (orders,
//! holds, invoices, id log; a negative length: none), then the sections in that order.

use super::{
    currency, digests, holds, restore, review_day, tables, ChangelogError, Restored, Table,
    Written, BINARY_VERSION,
};

const HEAD: usize = 30;
const LENGTHS: usize = 16;

/// `_binary(book, orders, invoices)`.
pub(super) fn write(written: &Written<'_>) -> Vec<u8> {
    let book = written.book;
    let code = book.currency();
    let code = code.as_str().as_bytes();
    let sections = [
        packed(&written.orders_table),
        written.holds.as_deref(),
        packed(&written.invoices_table),
        Some(&written.seen[..]),
    ];
    let mut out = Vec::with_capacity(
        HEAD + code.len() + LENGTHS + sections.iter().flatten().map(|s| s.len()).sum::<usize>(),
    );
    out.push(BINARY_VERSION);
    for balance in written.balances {
        out.extend_from_slice(&(balance as i64).to_le_bytes());
    }
    out.extend_from_slice(&written.review.unwrap_or(0).to_le_bytes());
    out.push(code.len() as u8);
    out.extend_from_slice(code);
    for section in sections {
        let length = section.map_or(-1, |raw| raw.len() as i32);
        out.extend_from_slice(&length.to_le_bytes());
    }
    for section in sections.into_iter().flatten() {
        out.extend_from_slice(section);
    }
    out
}

/// A packed table's bytes, borrowed; `None` for an empty table.
fn packed(table: &Table) -> Option<&[u8]> {
    match table {
        Table::Packed(raw) => Some(raw),
        _ => None,
    }
}

fn i64_at(payload: &[u8], at: usize) -> i64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&payload[at..at + 8]);
    i64::from_le_bytes(word)
}

fn i32_at(payload: &[u8], at: usize) -> i32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&payload[at..at + 4]);
    i32::from_le_bytes(word)
}

/// The sections' places in the payload (`None`: a table of none), after checking that the
/// payload is exactly as long as the lengths say.
fn sections(payload: &[u8], start: usize) -> Result<[Option<&[u8]>; 4], ChangelogError> {
    let lengths: [i32; 4] = std::array::from_fn(|at| i32_at(payload, start + 4 * at));
    let mut at = start + LENGTHS;
    let mut found = [None; 4];
    for (slot, length) in found.iter_mut().zip(lengths) {
        let Ok(length) = usize::try_from(length) else {
            continue;
        };
        let end = at + length;
        *slot = Some(payload.get(at..end).unwrap_or_default());
        at = end;
    }
    if at != payload.len() {
        return Err(ChangelogError::Length {
            expected: at,
            found: payload.len(),
        });
    }
    Ok(found)
}

/// `_from_binary(payload)`.
pub(super) fn read(payload: &[u8]) -> Result<super::AccountBook, ChangelogError> {
    let short = |expected: usize| ChangelogError::Length {
        expected,
        found: payload.len(),
    };
    if payload.len() < HEAD {
        return Err(short(HEAD));
    }
    let start = HEAD + payload[HEAD - 1] as usize;
    if payload.len() < start + LENGTHS {
        return Err(short(start + LENGTHS));
    }
    let code = std::str::from_utf8(&payload[HEAD..start])
        .map_err(|_| ChangelogError::Malformed("a currency not in UTF-8"))?;
    let [orders, holds, invoices, seen] = sections(payload, start)?;
    let orders = orders
        .map(tables::unpack_orders)
        .transpose()?
        .unwrap_or_default();
    let invoices = invoices
        .map(tables::unpack_invoices)
        .transpose()?
        .unwrap_or_default();
    let holds = holds
        .map(holds::read_holds)
        .transpose()?
        .unwrap_or_default();
    Ok(restore(Restored {
        currency: currency(code)?,
        receivable: i64_at(payload, 1).into(),
        open_order_total: i64_at(payload, 9).into(),
        credit: i64_at(payload, 17).into(),
        orders,
        invoices,
        holds,
        seen: digests(seen.unwrap_or_default())?,
        review: review_day(i32_at(payload, 25).into())?,
    }))
}
