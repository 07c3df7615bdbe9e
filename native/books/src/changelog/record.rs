//! Versions 2 and 1: the book as one JSON list, `[version, currency, receivable, open order
//! total, credit, orders, holds, invoices, id log, review day]`, written as
//! `json.dumps(record, separators=(",", ":"), sort_keys=True)` (so a wide table's ids come
//! sorted, and are read back in that order).
//!
//! Version 2 (`_json`): orders and invoices packed in base64, or in the wide form
//! (`{id: amount}`, `{id: [open amount, due, invoice date]}`), `null` for none; holds as
//! Python's hold lines in one string; the id log in base64. Version 1: orders, holds
//! (`{id: HeldOrder.to_record()}`) and invoices as JSON objects, the id log in hex.

use super::json::{self, push_int, push_str, Json};
use super::{
    base64, currency, digests, holds, restore, review_day, tables, ChangelogError, Restored, Table,
    Written,
};
use crate::book::{AccountBook, OpenInvoice};
use credit_model::{Day, Minor};

/// `_json(book)`.
pub(super) fn write(written: &Written<'_>) -> Vec<u8> {
    let book = written.book;
    let mut out = b"[2,".to_vec();
    push_str(&mut out, book.currency().as_str());
    for balance in written.balances {
        out.push(b',');
        push_int(&mut out, balance);
    }
    out.push(b',');
    push_table(&mut out, &written.orders_table, &written.orders, push_int);
    out.push(b',');
    match &written.holds {
        Some(lines) => push_str(&mut out, &String::from_utf8_lossy(lines)),
        None => out.extend_from_slice(b"null"),
    }
    out.push(b',');
    push_table(
        &mut out,
        &written.invoices_table,
        &written.invoices,
        |out, invoice| {
            out.push(b'[');
            push_int(out, invoice.open_amount);
            out.push(b',');
            push_int(out, invoice.due.0);
            out.push(b',');
            push_int(out, invoice.invoice_date.0);
            out.push(b']');
        },
    );
    out.push(b',');
    push_str(&mut out, &base64::encode(&written.seen));
    out.push(b',');
    match written.review {
        Some(day) => push_int(&mut out, day),
        None => out.extend_from_slice(b"null"),
    }
    out.push(b']');
    out
}

/// `_packed(table)`: `null`, the packed bytes in base64, or the wide form sorted by id.
fn push_table<T: Copy>(
    out: &mut Vec<u8>,
    table: &Table,
    entries: &[(&str, T)],
    value: impl Fn(&mut Vec<u8>, T),
) {
    match table {
        Table::Empty => out.extend_from_slice(b"null"),
        Table::Packed(raw) => push_str(out, &base64::encode(raw)),
        Table::Wide => {
            let mut sorted: Vec<&(&str, T)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (at, (id, entry)) in sorted.into_iter().enumerate() {
                if at > 0 {
                    out.push(b',');
                }
                push_str(out, id);
                out.push(b':');
                value(out, *entry);
            }
            out.push(b'}');
        }
    }
}

fn malformed(what: &'static str) -> ChangelogError {
    ChangelogError::Malformed(what)
}

fn int(value: &Json) -> Result<Minor, ChangelogError> {
    match value {
        Json::Int(value) => Ok(*value),
        _ => Err(malformed("a book's number is not an integer")),
    }
}

fn text(value: &Json) -> Result<&str, ChangelogError> {
    match value {
        Json::Str(text) => Ok(text),
        _ => Err(malformed("a book's text is not a string")),
    }
}

fn object(value: &Json) -> Result<&[(String, Json)], ChangelogError> {
    match value {
        Json::Object(pairs) => Ok(pairs),
        _ => Err(malformed("a book's table is not a JSON object")),
    }
}

/// A wide table of orders: `{id: amount}`.
fn wide_orders(pairs: &[(String, Json)]) -> Result<Vec<(&str, Minor)>, ChangelogError> {
    pairs
        .iter()
        .map(|(id, amount)| Ok((id.as_str(), int(amount)?)))
        .collect()
}

/// A wide table of invoices: `{id: [open amount, due, invoice date]}` (`OpenInvoice(*record)`;
/// the dates must be `i32`, as packing them is).
fn wide_invoices(pairs: &[(String, Json)]) -> Result<Vec<(&str, OpenInvoice)>, ChangelogError> {
    let day = |value: &Json| {
        i32::try_from(int(value)?)
            .map(Day)
            .map_err(|_| malformed("an invoice date beyond 32 bits"))
    };
    pairs
        .iter()
        .map(|(id, record)| match record {
            Json::List(fields) if fields.len() == 3 => {
                let invoice = OpenInvoice {
                    open_amount: int(&fields[0])?,
                    due: day(&fields[1])?,
                    invoice_date: day(&fields[2])?,
                };
                Ok((id.as_str(), invoice))
            }
            _ => Err(malformed("an invoice record of other than 3 fields")),
        })
        .collect()
}

/// `json.loads(payload.decode())` unpacked into its ten fields.
pub(super) fn read(payload: &[u8]) -> Result<AccountBook, ChangelogError> {
    std::str::from_utf8(payload).map_err(|_| malformed("a JSON book not in UTF-8"))?;
    let Json::List(fields) = json::parse(payload)? else {
        return Err(malformed("a JSON book is not a list"));
    };
    let Ok(fields) = <&[Json; 10]>::try_from(fields.as_slice()) else {
        return Err(malformed("a JSON book of other than 10 fields"));
    };
    let review = match &fields[9] {
        Json::Null => None,
        value => review_day(
            i64::try_from(int(value)?).map_err(|_| malformed("a review day that is no date"))?,
        )?,
    };
    match fields[0] {
        Json::Int(2) => {
            let packed = packed_tables(fields)?;
            Ok(restore(version_2(fields, &packed, review)?))
        }
        Json::Int(1) => Ok(restore(version_1(fields, review)?)),
        _ => Err(ChangelogError::UnknownVersion),
    }
}

/// The currency and balances, read alike by both versions.
fn head<'a>(fields: &'a [Json; 10], review: Option<Day>) -> Result<Restored<'a>, ChangelogError> {
    Ok(Restored {
        currency: currency(text(&fields[1])?)?,
        receivable: int(&fields[2])?,
        open_order_total: int(&fields[3])?,
        credit: int(&fields[4])?,
        orders: Vec::new(),
        invoices: Vec::new(),
        holds: Vec::new(),
        seen: Vec::new(),
        review,
    })
}

/// Version 2's packed tables (orders, invoices) decoded from base64; empty when not packed.
fn packed_tables(fields: &[Json; 10]) -> Result<[Vec<u8>; 2], ChangelogError> {
    let decoded = |table: &Json| match table {
        Json::Str(raw) => base64::decode(raw),
        _ => Ok(Vec::new()),
    };
    Ok([decoded(&fields[5])?, decoded(&fields[7])?])
}

fn version_2<'a>(
    fields: &'a [Json; 10],
    packed: &'a [Vec<u8>; 2],
    review: Option<Day>,
) -> Result<Restored<'a>, ChangelogError> {
    let mut read = head(fields, review)?;
    read.orders = match &fields[5] {
        Json::Null => Vec::new(),
        Json::Str(_) => tables::unpack_orders(&packed[0])?,
        wide => wide_orders(object(wide)?)?,
    };
    read.invoices = match &fields[7] {
        Json::Null => Vec::new(),
        Json::Str(_) => tables::unpack_invoices(&packed[1])?,
        wide => wide_invoices(object(wide)?)?,
    };
    read.holds = match &fields[6] {
        Json::Null => Vec::new(),
        lines => holds::read_holds(text(lines)?.as_bytes())?,
    };
    read.seen = digests(&base64::decode(text(&fields[8])?)?)?;
    Ok(read)
}

fn version_1<'a>(
    fields: &'a [Json; 10],
    review: Option<Day>,
) -> Result<Restored<'a>, ChangelogError> {
    let mut read = head(fields, review)?;
    read.orders = wide_orders(object(&fields[5])?)?;
    read.invoices = wide_invoices(object(&fields[7])?)?;
    read.holds = object(&fields[6])?
        .iter()
        .map(|(order_id, record)| match record {
            Json::List(record) => Ok((order_id.clone(), holds::held_from_record(record)?)),
            _ => Err(malformed("a held order record is not a list")),
        })
        .collect::<Result<_, ChangelogError>>()?;
    read.seen = digests(&base64::from_hex(text(&fields[8])?)?)?;
    Ok(read)
}
