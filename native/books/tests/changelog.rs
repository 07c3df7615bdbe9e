//! Differential test of the changelog format against the Python reference: reads
//! `tests/data/changelog.json.gz` (written by `tests/gen_changelog.py` running
//! `service.domain.snapshot` under CPython 3.11.7): for every payload Python wrote or read,
//! `book_from_bytes` gives the book Python reads from it and `book_to_bytes` of that book
//! the bytes Python writes for it; every payload Python refuses, and every truncation or
//! length change of the cases, is refused (an `Err`, never a panic).
//!
//! Regenerate: `PYTHONPATH=. .venv/bin/python native/books/tests/gen_changelog.py`
//!
//! At scale (ignored): `CHANGELOG_BOOKS=/tmp/books.bin cargo test -p credit_books --test
//! changelog -- --ignored --nocapture` after `tests/dump_changelog_books.py`.

mod common;

use common::{ccy, minor, opt_text, payment_type, text};
use credit_books::{
    book_from_bytes, book_to_bytes, AccountBook, ChangelogError, HeldOrder, OpenInvoice,
};
use credit_model::{Day, Dec, Instant, Minor, REASON_CODES};
use serde_json::Value;
use std::io::Read;

fn cases() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/changelog.json.gz");
    let file = std::fs::File::open(path).expect("tests/data/changelog.json.gz");
    let mut raw = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut raw)
        .expect("gzip text");
    serde_json::from_str(&raw).expect("changelog.json")
}

fn bytes(value: &Value) -> Vec<u8> {
    base64_decode(text(value))
}

/// Standard base64 with padding (the generator's `base64.b64encode`).
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |byte: u8| match byte {
        b'A'..=b'Z' => byte - b'A',
        b'a'..=b'z' => byte - b'a' + 26,
        b'0'..=b'9' => byte - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("base64 {byte}"),
    };
    let mut out = Vec::new();
    for quad in text.as_bytes().chunks(4) {
        let data: Vec<u8> = quad
            .iter()
            .copied()
            .filter(|&b| b != b'=')
            .map(value)
            .collect();
        let bits = data
            .iter()
            .enumerate()
            .fold(0u32, |acc, (at, &v)| acc | (v as u32) << (18 - 6 * at));
        out.extend(bits.to_be_bytes()[1..data.len()].iter());
    }
    out
}

fn hex(text: &str) -> Vec<u64> {
    let raw: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).expect("hex"))
        .collect();
    raw.chunks(8)
        .map(|chunk| u64::from_be_bytes(chunk.try_into().expect("8 bytes")))
        .collect()
}

/// A reason code as a `&'static str` (one outside `REASON_CODES` leaked: compared as text).
fn reason_code(code: &str) -> &'static str {
    match REASON_CODES.iter().find(|known| **known == code) {
        Some(known) => known,
        None => Box::leak(code.to_owned().into_boxed_str()),
    }
}

fn held_order(fields: &Value) -> HeldOrder {
    let amount = &fields["amount"];
    let payment_type = payment_type(&fields["payment_type"]);
    let codes = fields["reason_codes"].as_array().expect("codes");
    HeldOrder {
        event_id: text(&fields["event_id"]).to_owned(),
        amount: Dec {
            negative: amount[0] == 1,
            coefficient: text(&amount[1]).parse().expect("a coefficient"),
            exponent: amount[2].as_i64().expect("an exponent") as i32,
        },
        currency: ccy(&fields["currency"]),
        ledger_amount: fields["ledger_amount"]
            .as_str()
            .map(|_| minor(&fields["ledger_amount"])),
        payment_type,
        reason_codes: codes.iter().map(|code| reason_code(text(code))).collect(),
        credit_manager: opt_text(&fields["credit_manager"]),
        entered_by: opt_text(&fields["entered_by"]),
        warehouse_id: opt_text(&fields["warehouse_id"]),
        held_at: Instant {
            utc_micros: fields["held_at"][0].as_i64().expect("micros"),
            offset_seconds: fields["held_at"][1].as_i64().expect("offset") as i32,
        },
    }
}

/// The book's contents, as the generator describes Python's.
#[derive(Debug, PartialEq)]
struct Contents {
    currency: String,
    balances: [Minor; 3],
    orders: Vec<(String, Minor)>,
    invoices: Vec<(String, OpenInvoice)>,
    holds: Vec<(String, HeldOrder, i32)>,
    seen: Vec<u64>,
    review: Option<Day>,
}

fn described(book: &Value) -> Contents {
    let list = |key: &str| book[key].as_array().expect("a list").clone();
    Contents {
        currency: text(&book["currency"]).to_owned(),
        balances: [0, 1, 2].map(|at| minor(&book["balances"][at])),
        orders: list("orders")
            .iter()
            .map(|o| (text(&o[0]).to_owned(), minor(&o[1])))
            .collect(),
        invoices: list("invoices")
            .iter()
            .map(|i| {
                let day = |v: &Value| Day(v.as_i64().expect("a day") as i32);
                let invoice = OpenInvoice {
                    open_amount: minor(&i[1]),
                    due: day(&i[2]),
                    invoice_date: day(&i[3]),
                };
                (text(&i[0]).to_owned(), invoice)
            })
            .collect(),
        holds: list("holds")
            .iter()
            .map(|h| {
                let held = held_order(&h[1]);
                let offset = held.held_at.offset_seconds;
                (text(&h[0]).to_owned(), held, offset)
            })
            .collect(),
        seen: hex(text(&book["seen"])),
        review: book["review"].as_i64().map(|day| Day(day as i32)),
    }
}

fn contents(book: &AccountBook) -> Contents {
    Contents {
        currency: book.currency().as_str().to_owned(),
        balances: [book.receivable(), book.open_order_total(), book.credit()],
        orders: book
            .order_items()
            .into_iter()
            .map(|(id, a)| (id.to_owned(), a))
            .collect(),
        invoices: book
            .invoice_items()
            .into_iter()
            .map(|(id, i)| (id.to_owned(), i))
            .collect(),
        holds: book
            .hold_items()
            .into_iter()
            .map(|(id, held)| {
                let offset = held.held_at.offset_seconds;
                (id.to_owned(), held, offset)
            })
            .collect(),
        seen: book.seen_log(),
        review: book.review_notified(),
    }
}

/// Reads the case's payload into Python's book, and writes that back as Python does.
fn check_case(case: &Value, what: &str) -> Vec<u8> {
    let payload = bytes(&case["payload"]);
    let book = book_from_bytes(&payload)
        .unwrap_or_else(|error| panic!("{what}: {error}: {}", String::from_utf8_lossy(&payload)));
    assert_eq!(contents(&book), described(&case["book"]), "{what}");
    let rewritten = bytes(&case["rewritten"]);
    assert_eq!(book_to_bytes(&book), rewritten, "{what}: written back");
    payload
}

fn list<'a>(cases: &'a Value, key: &str) -> &'a Vec<Value> {
    cases[key].as_array().expect("a list of cases")
}

#[test]
fn books_python_wrote_are_read_and_written_back_exactly() {
    let cases = cases();
    let writes = list(&cases, "writes");
    assert!(writes.len() > 400, "{} books", writes.len());
    let mut versions = [0usize; 4];
    for (number, case) in writes.iter().enumerate() {
        let payload = check_case(case, &format!("book {number}"));
        assert_eq!(
            payload,
            bytes(&case["rewritten"]),
            "Python writes its own book back as it was"
        );
        versions[if payload[0] == 3 { 3 } else { 2 }] += 1;
    }
    println!("books Python wrote, by version: {versions:?}");
    assert!(versions[2] >= 10 && versions[3] >= 400, "{versions:?}");
}

#[test]
fn older_versions_are_read_as_python_reads_them() {
    let cases = cases();
    let reads = list(&cases, "reads");
    assert!(reads.len() > 1000, "{} payloads", reads.len());
    let mut versions = [0usize; 4];
    for (number, case) in reads.iter().enumerate() {
        let payload = check_case(case, &format!("payload {number}"));
        let version = match payload[0] {
            3 => 3,
            _ => serde_json::from_slice::<Value>(&payload).expect("JSON")[0]
                .as_u64()
                .expect("a version") as usize,
        };
        versions[version] += 1;
    }
    println!("older payloads, by version: {versions:?}");
    assert!(
        versions[1] > 400 && versions[2] > 400 && versions[3] > 100,
        "{versions:?}"
    );
}

#[test]
fn mutated_payloads_python_reads_are_read_alike_or_refused() {
    let cases = cases();
    let (mut same, mut refused) = (0, std::collections::BTreeMap::<String, usize>::new());
    for case in list(&cases, "accepted") {
        let payload = bytes(&case["payload"]);
        match book_from_bytes(&payload) {
            Ok(_) => {
                check_case(case, "accepted mutation");
                same += 1;
            }
            // a hold line or table not as Python writes it, a currency `Ccy` cannot hold
            Err(error @ (ChangelogError::Malformed(_) | ChangelogError::Unsupported(_))) => {
                *refused.entry(error.to_string()).or_default() += 1;
            }
            Err(other) => panic!("{other}: {}", String::from_utf8_lossy(&payload)),
        }
    }
    println!("mutated payloads Python reads: {same} read alike, refused: {refused:?}");
    assert!(same > 100, "{same} read alike, refused: {refused:?}");
}

#[test]
fn payloads_python_refuses_are_refused() {
    let cases = cases();
    let refused = list(&cases, "refused");
    assert!(refused.len() > 1000, "{} payloads", refused.len());
    for raw in refused {
        let payload = bytes(raw);
        assert!(
            book_from_bytes(&payload).is_err(),
            "read: {}",
            String::from_utf8_lossy(&payload)
        );
    }
}

#[test]
fn truncations_and_bad_lengths_are_refused() {
    let cases = cases();
    let mut tried = 0;
    for case in list(&cases, "writes")
        .iter()
        .chain(list(&cases, "reads"))
        .step_by(3)
    {
        let payload = bytes(&case["payload"]);
        let step = (payload.len() / 97).max(1);
        for cut in (0..payload.len()).step_by(step) {
            assert!(book_from_bytes(&payload[..cut]).is_err(), "cut at {cut}");
            tried += 1;
        }
        if payload[0] != 3 {
            continue;
        }
        let at = 30 + payload[29] as usize;
        for field in 0..4 {
            let place = at + 4 * field;
            let length = i32::from_le_bytes(payload[place..place + 4].try_into().expect("4 bytes"));
            for wrong in [
                length.wrapping_add(1),
                length.wrapping_sub(1),
                i32::MAX,
                length.wrapping_add(8),
            ] {
                if length <= 0 && wrong < 0 {
                    continue; // every negative length is none (an id log of none is empty)
                }
                let mut bad = payload.clone();
                bad[place..place + 4].copy_from_slice(&wrong.to_le_bytes());
                assert!(
                    book_from_bytes(&bad).is_err(),
                    "length {field} {length} -> {wrong}"
                );
                tried += 1;
            }
        }
        let mut other = payload.clone();
        other[0] = 4;
        assert!(book_from_bytes(&other).is_err());
    }
    println!("{tried} truncated or re-lengthed payloads refused");
    assert!(tried > 10_000, "{tried} payloads");
}

/// Random byte changes of every case (a fixed xorshift sequence): read, and written back if
/// read, without a panic; what is written is read and written again to the same bytes.
#[test]
fn changed_bytes_never_panic() {
    let cases = cases();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut read, mut tried) = (0, 0);
    for case in list(&cases, "writes").iter().chain(list(&cases, "reads")) {
        let payload = bytes(&case["payload"]);
        for _ in 0..12 {
            let mut changed = payload.clone();
            let at = next() as usize % changed.len();
            match next() % 3 {
                0 => changed[at] ^= 1 << (next() % 8),
                1 => drop(changed.remove(at)),
                _ => changed.insert(at, next() as u8),
            }
            tried += 1;
            if let Ok(book) = book_from_bytes(&changed) {
                read += 1;
                let again = book_to_bytes(&book);
                let back = book_from_bytes(&again).expect("what was written is read");
                // (a wide table read out of id order is written sorted, as Python does: the
                // bytes written are then a fixed point)
                assert_eq!(book_to_bytes(&back), again);
            }
        }
    }
    println!("{tried} changed payloads, {read} read");
    assert!(tried > 20_000 && read > 0, "{tried} tried, {read} read");
}

/// Every payload of a dump of the Python engine's books (`tests/dump_changelog_books.py`:
/// length-prefixed `book_to_bytes` payloads) is read and written back byte for byte.
#[test]
#[ignore]
fn books_of_a_python_replay_round_trip() {
    let path = std::env::var("CHANGELOG_BOOKS").expect("CHANGELOG_BOOKS: a dump to read");
    let dump = std::fs::read(path).expect("the dump");
    let (mut at, mut count, mut wide) = (0, 0, 0);
    while at < dump.len() {
        let length = u32::from_le_bytes(dump[at..at + 4].try_into().expect("a length")) as usize;
        let payload = &dump[at + 4..at + 4 + length];
        at += 4 + length;
        let book = book_from_bytes(payload).unwrap_or_else(|error| panic!("book {count}: {error}"));
        assert_eq!(book_to_bytes(&book), payload, "book {count}");
        count += 1;
        wide += usize::from(payload[0] != 3);
    }
    println!("{count} books read and written back identically ({wide} as version 2)");
}
