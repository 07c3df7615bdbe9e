//! The reference snapshot read back decides as the table written; bytes that are no snapshot
//! are refused, never a panic.

use super::*;

const REFERENCE_TYPES: [&str; 5] = ["company_upserted", "warehouse_upserted", "group_upserted",
                                    "customer_upserted", "exchange_rate_set"];

/// The example file's events, plus a customer of amounts too wide for 32 bits and one of
/// an id too long to be kept inline.
fn events() -> (Vec<String>, Vec<String>) {
    let examples = include_str!("../../../../../examples/events.jsonl");
    let mut reference: Vec<String> = Vec::new();
    let mut transactions = Vec::new();
    for line in examples.lines() {
        let kind = REFERENCE_TYPES.iter().any(|t| line.contains(&format!("\"event_type\":\"{t}\"")));
        if kind { reference.push(line.into()) } else { transactions.push(line.into()) }
    }
    let wide = r#"{"event_id":"e-wide","event_type":"customer_upserted","occurred_at":"2026-03-02T07:00:00Z","company_id":"US01","customer_id":"C-WIDE-AND-LONG-ID","currency":"USD","credit_limit":"90000000.00","insurance_amount":"50000000.00","credit_group_id":"G-ALPINE","temporary_credit_limit":"1000.00","temporary_limit_from":"2026-03-01","temporary_limit_to":"2026-04-01","hold_period":2}"#;
    reference.push(wide.into());
    // no currency, no manager, no analyst: the terms `Reference::new` keeps as number 0's
    let placeholder_like = r#"{"event_id":"e-xxx","event_type":"customer_upserted","occurred_at":"2026-03-02T07:00:00Z","company_id":"US01","customer_id":"C-XXX","currency":"XXX","credit_limit":"100"}"#;
    reference.push(placeholder_like.into());
    (reference, transactions)
}

fn engine_of(lines: &[String]) -> Engine {
    let mut engine = Engine::new();
    for line in lines {
        let event = credit_text::parse_event(line.as_bytes()).expect("a canonical event");
        engine.handle(&event).expect("a valid event");
    }
    engine
}

fn outputs(engine: &mut Engine, lines: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines {
        let event = credit_text::parse_event(line.as_bytes()).expect("a canonical event");
        for output in engine.handle(&event).map(|o| o.outputs).unwrap_or_default() {
            credit_text::write_output(&output, &mut out);
            out.push(b'\n');
        }
    }
    out
}

#[test]
fn a_table_read_back_decides_as_the_one_written() {
    let (reference, transactions) = events();
    let mut written = engine_of(&reference);
    assert_eq!((written.reference.wide.len(), written.reference.accounts.len()), (1, 9));
    let bytes = written.reference_snapshot().expect("no balances yet");
    let mut read = Engine::new();
    let table = Reference::from_snapshot(&bytes).unwrap_or_else(|why| panic!("{why}"));
    read.restore_reference(table).unwrap();
    assert_eq!(read.reference.to_snapshot(), bytes);
    let decided = outputs(&mut written, &transactions);
    assert!(decided.len() > 5_000);
    assert_eq!(outputs(&mut read, &transactions), decided);
    assert!(written.reference_snapshot().is_err()); // it holds books now
}

#[test]
fn keyed_rows_must_ascend() {
    let r = Reader::new(b"");
    let mut ids = Ascending::default();
    assert!(ids.next("A", &r).is_ok() && ids.next("B", &r).is_ok());
    assert!(ids.next("B", &r).is_err() && ids.next("A", &r).is_err());
}

#[test]
fn bytes_that_are_no_snapshot_are_refused_without_a_panic() {
    let (reference, transactions) = events();
    let bytes = engine_of(&reference).reference_snapshot().unwrap();
    for end in 0..bytes.len() {
        assert!(Reference::from_snapshot(&bytes[..end]).is_err(), "cut at {end}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(Reference::from_snapshot(&longer), Err(why) if why.contains("after the end")));
    for at in MAGIC.len()..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut changed = bytes.clone();
            changed[at] ^= flip;
            // Err, or a table that decides (other figures, never a panic)
            if let Ok(table) = Reference::from_snapshot(&changed) {
                let mut engine = Engine::new();
                engine.restore_reference(table).unwrap();
                outputs(&mut engine, &reference);
                outputs(&mut engine, &transactions);
            }
        }
    }
}
