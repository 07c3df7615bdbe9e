//! `write_single_object` against Python's `codec.encode_output`, byte for byte.
//!
//! The cases (`output_cases.jsonl.gz`, made by `gen_avro_cases.py` in this folder) pair each
//! output's replay line (`to_json_line`) with the Avro payload Python writes for it, or the
//! error it raises. The test builds the `OutputEvent` from the line, checks that
//! `credit_text::write_output` gives the line back (so the event is the one Python wrote),
//! then that this crate writes Python's bytes, or refuses where Python raises.

use credit_avro::{output_type, write_output, write_single_object, SINGLE_OBJECT_MARKER};
use credit_model::format::ordinal;
use credit_model::*;

#[path = "../../text/tests/common/printed_decimal.rs"]
mod printed_decimal;
use printed_decimal::printed_decimal as dec;
use serde_json::{Map, Value};

fn read_gz(path: &str) -> String {
    use std::io::Read;
    let file = std::fs::File::open(path).unwrap_or_else(|err| panic!("{path}: {err}"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(file).read_to_string(&mut text).expect("gzip text");
    text
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}


/// `2026-03-02T09:00:00.250000Z` (the replay line's instants are in UTC).
fn instant(text: &str) -> Instant {
    let (date, time) = text.strip_suffix('Z').and_then(|t| t.split_once('T')).expect("instant");
    let num = |s: &str| s.parse::<i64>().expect("number");
    let ymd: Vec<i64> = date.split('-').map(num).collect();
    let (hms, micros) = time.split_once('.').map_or((time, 0), |(hms, f)| (hms, num(f)));
    let hms: Vec<i64> = hms.split(':').map(num).collect();
    let day = ordinal(ymd[0], ymd[1] as u32, ymd[2] as u32).0 - EPOCH_ORDINAL;
    let seconds = day as i64 * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2];
    Instant { utc_micros: seconds * 1_000_000 + micros, offset_seconds: 0 }
}

const KINDS: [&str; 6] = [
    "ORDER_ON_HOLD", "CREDIT_LIMIT_EXCEEDED", "OVERDUE_EXCEEDED", "REVIEW_DUE",
    "COD_TERMS_CONFLICT", "SAME_ACCOUNT_OTHER_COMPANIES",
];
const ROLES: [&str; 3] = ["credit_manager", "group_credit_manager", "credit_analyst"];

fn known(text: &str, names: &[&'static str]) -> &'static str {
    names.iter().find(|name| **name == text).unwrap_or_else(|| panic!("unknown {text}"))
}

struct Obj<'a>(&'a Map<String, Value>);

impl Obj<'_> {
    fn s(&self, key: &str) -> &str {
        self.0[key].as_str().unwrap_or_else(|| panic!("{key}"))
    }
    fn id(&self, key: &str) -> Id {
        Id::from(self.s(key))
    }
    fn opt_id(&self, key: &str) -> Option<Id> {
        self.0[key].as_str().map(Id::from)
    }
    fn dec(&self, key: &str) -> Dec {
        dec(self.s(key))
    }
    fn opt_dec(&self, key: &str) -> Option<Dec> {
        self.0[key].as_str().map(dec)
    }
    fn ccy(&self, key: &str) -> Ccy {
        Ccy::parse(self.s(key)).expect("currency")
    }
    fn at(&self, key: &str) -> Instant {
        instant(self.s(key))
    }
    fn list(&self, key: &str) -> Vec<Obj<'_>> {
        let items = self.0[key].as_array().expect("list");
        items.iter().map(|item| Obj(item.as_object().expect("object"))).collect()
    }
}

fn reason(o: &Obj<'_>) -> HoldReason {
    let mut codes: Vec<&'static str> = REASON_CODES.to_vec();
    codes.push("MANUAL_RELEASE");
    HoldReason {
        code: known(o.s("code"), &codes),
        message: o.s("message").to_string(),
        limit: o.opt_dec("limit"),
        exposure: o.opt_dec("exposure"),
        order_amount: o.opt_dec("order_amount"),
        available: o.opt_dec("available"),
        currency: o.0["currency"].as_str().map(|c| Ccy::parse(c).expect("currency")),
    }
}

/// The output event a replay line stands for.
fn output(line: &str) -> OutputEvent {
    let value: Value = serde_json::from_str(line).expect("line");
    let o = Obj(value.as_object().expect("object"));
    match o.s("event_type") {
        "order_approved" => {
            let f = Obj(o.0["figures"].as_object().expect("figures"));
            OutputEvent::Approved(OrderApproved {
                event_id: o.id("event_id"),
                order_id: o.id("order_id"),
                company_id: o.id("company_id"),
                customer_id: o.id("customer_id"),
                group_id: o.opt_id("group_id"),
                amount: o.dec("amount"),
                currency: o.ccy("currency"),
                reasons: o.list("reasons").iter().map(reason).collect(),
                decided_at: o.at("decided_at"),
                figures: DecisionFigures {
                    exposure_before: f.dec("exposure_before"),
                    exposure_after: f.dec("exposure_after"),
                    currency: f.ccy("currency"),
                    limit: f.opt_dec("limit"),
                    available: f.opt_dec("available"),
                },
                released_by: o.opt_id("released_by"),
            })
        }
        "order_held" => OutputEvent::Held(OrderHeld {
            event_id: o.id("event_id"),
            order_id: o.id("order_id"),
            company_id: o.id("company_id"),
            customer_id: o.id("customer_id"),
            group_id: o.opt_id("group_id"),
            amount: o.dec("amount"),
            currency: o.ccy("currency"),
            reasons: o.list("reasons").iter().map(reason).collect(),
            credit_managers: o.0["credit_managers"]
                .as_array()
                .expect("managers")
                .iter()
                .map(|person| Id::from(person.as_str().expect("person")))
                .collect(),
            decided_at: o.at("decided_at"),
        }),
        "order_rejected" => OutputEvent::Rejected(OrderRejected {
            event_id: o.id("event_id"),
            order_id: o.id("order_id"),
            company_id: o.id("company_id"),
            customer_id: o.id("customer_id"),
            decided_by: o.id("decided_by"),
            decided_at: o.at("decided_at"),
        }),
        "credit_notification" => OutputEvent::Notification(CreditNotification {
            event_id: o.id("event_id"),
            notification_id: o.id("notification_id"),
            kind: known(o.s("kind"), &KINDS),
            recipients: o
                .list("recipients")
                .iter()
                .map(|r| Recipient { role: known(r.s("role"), &ROLES), person: r.id("person") })
                .collect(),
            message: o.s("message").to_string(),
            decided_at: o.at("decided_at"),
            company_id: o.opt_id("company_id"),
            customer_id: o.opt_id("customer_id"),
            group_id: o.opt_id("group_id"),
            order_id: o.opt_id("order_id"),
        }),
        other => panic!("not an output: {other}"),
    }
}

#[test]
fn outputs_write_as_python_writes_them() {
    let text = read_gz(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/output_cases.jsonl.gz"));
    let (mut written, mut refused) = (0, 0);
    let mut failures = Vec::new();
    for record in text.lines() {
        let case: Map<String, Value> = serde_json::from_str(record).expect("case");
        let line = case["line"].as_str().expect("line");
        let event = output(line);
        let mut json = Vec::new();
        credit_text::write_output(&event, &mut json);
        assert_eq!(String::from_utf8_lossy(&json), line, "the event built is not the line's");
        let mut out = vec![0xAA]; // bytes already in the buffer stay
        let result = write_single_object(&event, &mut out);
        match (result, case.get("avro").and_then(Value::as_str)) {
            (Ok(()), Some(python)) if hex(&out[1..]) == python => written += 1,
            (Err(_), None) if out == [0xAA] => refused += 1,
            (result, python) => failures.push(format!(
                "{line}\n  here {result:?} {}\n  Python {python:?} {:?}",
                hex(&out[1..]),
                case.get("error")
            )),
        }
    }
    eprintln!("{written} outputs written as Python writes them, {refused} refused as Python refuses them");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures[..failures.len().min(10)].join("\n"));
    assert!(written > 1_000 && refused > 5, "the case file is too thin");
}

/// The body alone is the payload after the header, and the header names the output's schema.
#[test]
fn body_and_header_agree() {
    let text = read_gz(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/output_cases.jsonl.gz"));
    let line = text.lines().next().expect("a case");
    let case: Map<String, Value> = serde_json::from_str(line).expect("case");
    let event = output(case["line"].as_str().expect("line"));
    let (mut framed, mut body) = (Vec::new(), Vec::new());
    write_single_object(&event, &mut framed).expect("written");
    write_output(&event, &mut body).expect("written");
    assert_eq!(framed[..2], SINGLE_OBJECT_MARKER);
    assert_eq!(framed[2..10], output_type(&event).fingerprint());
    assert_eq!(framed[10..], body);
}

/// Speed: `cargo test --release -p credit_avro --test write_output -- --ignored --nocapture`.
#[test]
#[ignore]
fn write_speed() {
    let text = read_gz(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/output_cases.jsonl.gz"));
    let events: Vec<OutputEvent> = text
        .lines()
        .map(|record| serde_json::from_str::<Map<String, Value>>(record).expect("case"))
        .filter(|case| case.contains_key("avro"))
        .map(|case| output(case["line"].as_str().expect("line")))
        .collect();
    let rounds = (1_000_000 / events.len()).max(1);
    let mut out = Vec::with_capacity(4096);
    let start = std::time::Instant::now();
    let mut bytes = 0usize;
    for _ in 0..rounds {
        for event in &events {
            out.clear();
            let _ = write_single_object(std::hint::black_box(event), &mut out);
            bytes += out.len();
        }
    }
    let per_event = start.elapsed().as_nanos() as f64 / (rounds * events.len()) as f64;
    eprintln!("{} outputs: {per_event:.0} ns an output ({bytes} bytes)", events.len());
}
