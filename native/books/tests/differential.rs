//! Differential test against the Python reference: replays `tests/data/trace.json.gz` (random
//! operation sequences on `AccountBook` and `GroupTotals`, written by `tests/gen_trace.py`
//! running `service.domain.ledger` / `group_totals` under CPython 3.11.7) on the native books
//! and compares every step's result and the state after it.
//!
//! Regenerate: `.venv/bin/python native/books/tests/gen_trace.py`

mod common;

use common::{ccy, day, held_order, int, minor, money, text};
use credit_books::{AccountBook, GroupTotals, HeldOrder};
use credit_model::{format, BookView, Ccy, Day, GroupView, Minor};
use serde_json::{json, Value};

const BASE_DAY: i32 = 739_000;

/// `HeldOrder.to_record()` as the generator writes it (the ledger amount as a string).
fn record(held: Option<&HeldOrder>) -> Value {
    let Some(held) = held else { return Value::Null };
    json!([
        held.event_id,
        format::dec_str(&held.amount),
        held.currency.as_str(),
        held.ledger_amount.map(money),
        held.payment_type.as_str(),
        held.reason_codes,
        held.credit_manager,
        held.entered_by,
        held.warehouse_id,
        format::isoformat(&held.held_at),
    ])
}

fn changes(found: &[(Day, Minor)]) -> Value {
    Value::Array(
        found
            .iter()
            .map(|(due, amount)| json!([due.0, money(*amount)]))
            .collect(),
    )
}

fn ids(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("ids")
        .iter()
        .map(|id| text(id).to_owned())
        .collect()
}

/// One operation on a book; its result as the generator writes Python's.
fn apply(book: &mut AccountBook, op: &Value) -> Value {
    let id = || text(&op["id"]);
    match text(&op["op"]) {
        "add_order" => {
            book.add_order(id(), minor(&op["amount"]));
            Value::Null
        }
        "take_order" => book.take_order(id()).map_or(Value::Null, money),
        "reduce_order" => money(book.reduce_order(id(), minor(&op["by"]))),
        "remove_order" => book
            .remove_order(id())
            .map_or_else(|_| json!("KeyError"), money),
        "has_order" => json!(book.has_order(id())),
        "post_invoice" => changes(&book.post_invoice(
            id(),
            minor(&op["amount"]),
            day(&op["invoice_date"]),
            day(&op["due"]),
        )),
        "post_payment" => changes(&book.post_payment(minor(&op["amount"]), &ids(&op["ids"]))),
        "hold" => {
            book.hold(id(), held_order(&op["held"]));
            Value::Null
        }
        "held" => record(book.held(id()).as_ref()),
        "take_hold" => record(book.take_hold(id()).as_ref()),
        "drop_hold" => json!(book.drop_hold(id())),
        "see" => {
            let digests = op["digests"].as_array().expect("digests");
            let again = op["again"].as_array().expect("again");
            let mut seen = Vec::new();
            for (digest, force) in digests.iter().zip(again) {
                let digest = digest.as_u64().expect("a digest");
                let was = book.has_seen(digest);
                seen.push(was);
                if !was || force.as_bool() == Some(true) {
                    book.mark_seen(digest);
                }
            }
            json!(seen)
        }
        "review_notified" => {
            book.set_review_notified(op["day"].as_i64().map(|d| Day(d as i32)));
            Value::Null
        }
        "has_seen" => json!(book.has_seen(op["digest"].as_u64().expect("a digest"))),
        other => panic!("unknown op {other}"),
    }
}

/// The book's state in the generator's `book_state` form, for the same arguments.
fn book_state(book: &AccountBook, expected: &Value, op: &str) -> Value {
    let overdue = &expected["overdue"];
    let (on, allowed) = (day(&overdue[0]), int(&overdue[1]));
    let cutoff = expected["aged"][0].as_i64();
    let invoices: Vec<Value> = book
        .invoice_items()
        .iter()
        .map(|(id, v)| json!([id, money(v.open_amount), v.due.0, v.invoice_date.0]))
        .collect();
    let from_items: Vec<_> = book.invoice_items().into_iter().map(|(_, v)| v).collect();
    assert_eq!(
        book.open_invoices(),
        from_items,
        "open_invoices() is invoice_items()' values"
    );
    let view: &dyn BookView = book;
    assert_eq!(view.exposure(true), book.exposure(true));
    assert_eq!(view.overdue(on, allowed), book.overdue(on, allowed));
    assert_eq!(view.currency(), book.currency());
    let mut state = json!({
        "balances": [money(book.receivable()), money(book.open_order_total()), money(book.credit())],
        "orders": book.order_items().iter().map(|(id, a)| json!([id, money(*a)])).collect::<Vec<_>>(),
        "invoices": invoices,
        "dues": changes(&book.dues()),
        "has_holds": book.has_holds(),
        "exposure": [money(book.exposure(true)), money(book.exposure(false))],
        "overdue": [on.0, allowed, money(book.overdue(on, allowed))],
        "aged": [cutoff, money(view.aged(cutoff))],
        "has_invoices": view.has_invoices(),
        "review_notified": book.review_notified().map(|d| d.0),
    });
    if matches!(op, "hold" | "take_hold" | "drop_hold" | "held" | "absorb") {
        let holds: Vec<Value> = book
            .hold_items()
            .iter()
            .map(|(id, h)| json!([id, record(Some(h))]))
            .collect();
        state["holds"] = json!(holds);
    }
    if matches!(op, "see" | "absorb") {
        let (log, distinct) = (book.seen_log(), book.seen_digests());
        state["seen_log"] = json!(log);
        if distinct != log {
            state["seen_digests"] = json!(distinct);
        }
    }
    state
}

fn group_state(totals: &GroupTotals, excluded: &[String], on: Day, allowed: i64) -> Value {
    let view: &dyn GroupView = totals;
    let counted_without_orders = |company: &str| excluded.iter().any(|e| e == company);
    let pairs = |found: Vec<(Ccy, Minor)>| -> Vec<Value> {
        found
            .into_iter()
            .map(|(c, a)| json!([c.as_str(), money(a)]))
            .collect()
    };
    json!({
        "excluded": excluded,
        "exposure": pairs(view.exposure(&counted_without_orders)),
        "overdue": [on.0, allowed, pairs(view.overdue(on, allowed))],
        "dues": totals.dues().iter().map(|(c, d, a)| json!([c.as_str(), d.0, money(*a)])).collect::<Vec<_>>(),
        "buckets": totals.buckets().iter().map(|(c, k, r, o)| json!([c.as_str(), k, money(*r), money(*o)])).collect::<Vec<_>>(),
    })
}

struct Member {
    book: AccountBook,
    company: &'static str,
}

#[test]
fn replays_the_python_trace() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/trace.json.gz");
    let raw = read_gz(path);
    let sequences: Value = serde_json::from_str(&raw).expect("trace JSON");
    let sequences = sequences.as_array().expect("a list of sequences");
    let mut steps_checked = 0;
    let mut nonempty_changes = 0;
    for (n, sequence) in sequences.iter().enumerate() {
        let eur = Ccy::parse("EUR").expect("EUR");
        let usd = Ccy::parse("USD").expect("USD");
        let mut members = [
            Member {
                book: AccountBook::new(eur),
                company: "C1",
            },
            Member {
                book: AccountBook::new(usd),
                company: "C2",
            },
            Member {
                book: AccountBook::new(eur),
                company: "C2",
            },
        ];
        let mut totals = GroupTotals::new();
        for (s, step) in sequence["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .enumerate()
        {
            let at = format!("sequence {n} step {s}: {step}");
            let which = match text(&step["book"]) {
                "A" => 0,
                "B" => 1,
                _ => 2,
            };
            let Member { book, company } = &mut members[which];
            let company: &str = company;
            let op = text(&step["op"]);
            let result = match op {
                "absorb" => {
                    let mut present = AccountBook::new(book.currency());
                    for sub in step["ops"].as_array().expect("ops") {
                        apply(&mut present, sub);
                    }
                    totals.add_book(book, company, -1);
                    book.absorb(present);
                    totals.add_book(book, company, 1);
                    Value::Null
                }
                "move" => {
                    totals.add_book(book, company, -1);
                    let mid = group_state(&totals, &[], Day(BASE_DAY + 60), 0);
                    totals.add_book(book, company, 1);
                    mid
                }
                "group_add" => {
                    let deltas = &step["deltas"];
                    totals.add(
                        ccy(&step["currency"]),
                        text(&step["company"]),
                        minor(&deltas[0]),
                        minor(&deltas[1]),
                    );
                    Value::Null
                }
                _ => {
                    let (receivable, open) = (book.receivable(), book.open_order_total());
                    let result = apply(book, step);
                    let delta = (
                        book.receivable() - receivable,
                        book.open_order_total() - open,
                    );
                    totals.add(book.currency(), company, delta.0, delta.1);
                    if matches!(op, "post_invoice" | "post_payment") {
                        let found: Vec<(Day, Minor)> = result
                            .as_array()
                            .expect("changes")
                            .iter()
                            .map(|pair| (day(&pair[0]), minor(&pair[1])))
                            .collect();
                        nonempty_changes += usize::from(!found.is_empty());
                        totals.add_dues(book.currency(), &found);
                    }
                    result
                }
            };
            assert_eq!(result, step["result"], "result of {at}");
            assert_eq!(
                book_state(book, &step["state"], op),
                step["state"],
                "book after {at}"
            );
            let group = &step["group"];
            let overdue = &group["overdue"];
            let actual = group_state(
                &totals,
                &ids(&group["excluded"]),
                day(&overdue[0]),
                int(&overdue[1]),
            );
            assert_eq!(actual, *group, "group after {at}");
            steps_checked += 1;
        }
    }
    assert_eq!(steps_checked, 80 * 40 + 6 * 100);
    assert!(
        nonempty_changes > 600,
        "the trace posts receivables that change dues"
    );
}

/// A gzip-compressed case file, as text.
fn read_gz(path: &str) -> String {
    use std::io::Read;
    let file = std::fs::File::open(path).unwrap_or_else(|err| panic!("{path}: {err}"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(file).read_to_string(&mut text).expect("gzip text");
    text
}
