//! `write_output` against Python's `service/serialize.py::to_json_line`, byte for byte.
//!
//! Expected lines: the `REPLAY_*` ones are lines of
//! `.venv/bin/credit-service replay examples/events.jsonl`;
//! the `CRAFTED_*` ones are printed by `gen_output_lines.py` in this folder (same outputs,
//! same order), with non-ASCII, quotes, control characters, None fields and odd decimals.

use credit_model::format::ordinal;
use credit_model::*;

#[path = "common/printed_decimal.rs"]
mod printed_decimal;
use printed_decimal::printed_decimal as d;
use credit_text::write_output;

const REPLAY_APPROVED: &str = r#"{"event_id":"e-000000013:decision","event_type":"order_approved","occurred_at":"2026-03-02T09:00:00Z","order_id":"o-1001","company_id":"DE01","customer_id":"C100","group_id":"G-NORTH","amount":"8000.00","currency":"EUR","reasons":[],"decided_at":"2026-03-02T09:00:00Z","figures":{"exposure_before":"0.00","exposure_after":"8000.00","currency":"EUR","limit":"20000.00","available":"20000.00"},"released_by":null}"#;
const REPLAY_HELD: &str = r#"{"event_id":"e-000000016:decision","event_type":"order_held","occurred_at":"2026-03-02T10:30:00Z","order_id":"o-1004","company_id":"DE01","customer_id":"C200","group_id":null,"amount":"2500.00","currency":"EUR","reasons":[{"code":"CUSTOMER_LIMIT","message":"customer credit limit: exposure 3000.00 + order 2500.00 = 5500.00 EUR exceeds limit 5000.00 EUR (available 2000.00)","limit":"5000.00","exposure":"3000.00","order_amount":"2500.00","available":"2000.00","currency":"EUR"}],"credit_managers":["SMB"],"decided_at":"2026-03-02T10:30:00Z"}"#;
const REPLAY_ON_HOLD: &str = r#"{"event_id":"e-000000016:ORDER_ON_HOLD","event_type":"credit_notification","occurred_at":"2026-03-02T10:30:00Z","notification_id":"e-000000016:ORDER_ON_HOLD","kind":"ORDER_ON_HOLD","recipients":[{"role":"credit_manager","person":"SMB"},{"role":"credit_analyst","person":"CLV"}],"message":"order o-1004 held: CUSTOMER_LIMIT","decided_at":"2026-03-02T10:30:00Z","company_id":"DE01","customer_id":"C200","group_id":null,"order_id":"o-1004"}"#;
const REPLAY_NO_PROFILE: &str = r#"{"event_id":"e-000000019:decision","event_type":"order_held","occurred_at":"2026-03-02T14:00:00Z","order_id":"o-1007","company_id":"DE01","customer_id":"C999","group_id":null,"amount":"1200.00","currency":"EUR","reasons":[{"code":"NO_CREDIT_PROFILE","message":"the account has no credit profile yet","limit":null,"exposure":null,"order_amount":null,"available":null,"currency":null}],"credit_managers":[],"decided_at":"2026-03-02T14:00:00Z"}"#;
const REPLAY_RELEASED: &str = r#"{"event_id":"e-000000020:decision","event_type":"order_approved","occurred_at":"2026-03-02T15:30:00Z","order_id":"o-1004","company_id":"DE01","customer_id":"C200","group_id":null,"amount":"2500.00","currency":"EUR","reasons":[{"code":"MANUAL_RELEASE","message":"released by CLV","limit":null,"exposure":null,"order_amount":null,"available":null,"currency":null}],"decided_at":"2026-03-02T15:30:00Z","figures":{"exposure_before":"3000.00","exposure_after":"5500.00","currency":"EUR","limit":null,"available":null},"released_by":"CLV"}"#;
const REPLAY_THREE_REASONS: &str = r#"{"event_id":"e-000000029:decision","event_type":"order_held","occurred_at":"2026-03-04T10:15:00Z","order_id":"o-1011","company_id":"DE01","customer_id":"C100","group_id":"G-NORTH","amount":"25000.00","currency":"EUR","reasons":[{"code":"MAX_ORDER_AMOUNT","message":"order 25000.00 EUR is above the max order amount 20000.00 EUR","limit":"20000.00","exposure":null,"order_amount":"25000.00","available":null,"currency":"EUR"},{"code":"CUSTOMER_LIMIT","message":"customer credit limit: exposure 3000.00 + order 25000.00 = 28000.00 EUR exceeds limit 20000.00 EUR (available 17000.00)","limit":"20000.00","exposure":"3000.00","order_amount":"25000.00","available":"17000.00","currency":"EUR"},{"code":"GROUP_LIMIT","message":"credit group limit: exposure 8555.56 + order 25000.00 = 33555.56 EUR exceeds limit 30000.00 EUR (available 21444.44)","limit":"30000.00","exposure":"8555.56","order_amount":"25000.00","available":"21444.44","currency":"EUR"}],"credit_managers":["KRM","JDS"],"decided_at":"2026-03-04T10:15:00Z"}"#;
const REPLAY_REJECTED: &str = r#"{"event_id":"e-000000030:decision","event_type":"order_rejected","occurred_at":"2026-03-04T11:00:00Z","order_id":"o-1011","company_id":"DE01","customer_id":"C100","decided_by":"AKS","decided_at":"2026-03-04T11:00:00Z"}"#;
const REPLAY_REVIEW_DUE: &str = r#"{"event_id":"e-000000033:REVIEW_DUE","event_type":"credit_notification","occurred_at":"2026-03-05T09:00:00Z","notification_id":"e-000000033:REVIEW_DUE","kind":"REVIEW_DUE","recipients":[{"role":"credit_analyst","person":"CLV"},{"role":"credit_manager","person":"SMB"}],"message":"credit review of DE01:C200 was due on 2026-03-05","decided_at":"2026-03-05T09:00:00Z","company_id":"DE01","customer_id":"C200","group_id":null,"order_id":null}"#;
const CRAFTED_1: &str = r#"{"event_id":"e-1:decision","event_type":"order_held","occurred_at":"2026-03-02T09:00:00.250000Z","order_id":"o-\u00e9","company_id":"DE\"01","customer_id":"C\\1","group_id":null,"amount":"1E+3","currency":"EUR","reasons":[{"code":"CUSTOMER_LIMIT","message":"\u00e9 \u20ac \ud83d\ude00 \u007f \u0000 \u001f \" \\ \n\r\t\b\f / \u2028 \ufeff ~ \udbff\udfff","limit":"-0.05","exposure":"0E-7","order_amount":"1E-7","available":"123.450","currency":"JPY"},{"code":"NO_CREDIT_PROFILE","message":"","limit":null,"exposure":null,"order_amount":null,"available":null,"currency":null}],"credit_managers":["KRM","J\u00f6rg","\ud83d\ude00"],"decided_at":"2026-03-02T09:00:00.250000Z"}"#;
const CRAFTED_2: &str = r#"{"event_id":"e-2:decision","event_type":"order_approved","occurred_at":"2026-03-03T05:00:00Z","order_id":"o-2","company_id":"US01","customer_id":"C2","group_id":"G-\u4e2d","amount":"8000.00","currency":"USD","reasons":[],"decided_at":"2026-03-03T05:00:00Z","figures":{"exposure_before":"0","exposure_after":"1.25E-8","currency":"USD","limit":null,"available":null},"released_by":"\t"}"#;
const CRAFTED_3: &str = r#"{"event_id":"e-3:decision","event_type":"order_rejected","occurred_at":"0001-01-01T00:00:00Z","order_id":"","company_id":"\u0001","customer_id":"C3","decided_by":"AKS \u00e9","decided_at":"0001-01-01T00:00:00Z"}"#;
const CRAFTED_4: &str = r#"{"event_id":"e-4:X","event_type":"credit_notification","occurred_at":"2026-03-02T09:00:00.250000Z","notification_id":"e-4:X","kind":"COD_TERMS_CONFLICT","recipients":[],"message":"\u0000\u007f\u0080\u00ff\ud7ff\ue000\uffff","decided_at":"2026-03-02T09:00:00.250000Z","company_id":null,"customer_id":null,"group_id":null,"order_id":null}"#;
const CRAFTED_5: &str = r#"{"event_id":"e-5:Y","event_type":"credit_notification","occurred_at":"9999-12-31T23:59:59.999999Z","notification_id":"e-5:Y","kind":"SAME_ACCOUNT_OTHER_COMPANIES","recipients":[{"role":"group_credit_manager","person":"\ud834\udd1e"},{"role":"credit_analyst","person":""}],"message":"m","decided_at":"9999-12-31T23:59:59.999999Z","company_id":"DE01","customer_id":null,"group_id":"G","order_id":"o"}"#;


/// The instant of a local wall time at a UTC offset (seconds east).
fn at(ymd: (i64, u32, u32), hms: (i64, i64, i64), micros: i64, offset_seconds: i32) -> Instant {
    let day = ordinal(ymd.0, ymd.1, ymd.2).0 - EPOCH_ORDINAL;
    let local = day as i64 * MICROS_PER_DAY + (hms.0 * 3600 + hms.1 * 60 + hms.2) * 1_000_000 + micros;
    Instant { utc_micros: local - offset_seconds as i64 * 1_000_000, offset_seconds }
}

fn utc(ymd: (i64, u32, u32), h: i64, m: i64) -> Instant {
    at(ymd, (h, m, 0), 0, 0)
}

fn ccy(code: &str) -> Ccy {
    Ccy::parse(code).expect("code")
}

fn s<T: for<'a> From<&'a str>>(text: &str) -> T {
    T::from(text)
}

fn limit_reason(code: &'static str, message: &str, figures: [Option<&str>; 4], currency: &str) -> HoldReason {
    let [limit, exposure, order_amount, available] = figures.map(|x| x.map(d));
    HoldReason { code, message: s(message), limit, exposure, order_amount, available, currency: Some(ccy(currency)) }
}

fn notification(id: &str, kind: &'static str, recipients: &[(&'static str, &str)], message: &str, decided_at: Instant) -> CreditNotification {
    CreditNotification {
        event_id: s(id),
        notification_id: s(id),
        kind,
        recipients: recipients.iter().map(|(role, person)| Recipient { role, person: s(person) }).collect(),
        message: s(message),
        decided_at,
        company_id: None,
        customer_id: None,
        group_id: None,
        order_id: None,
    }
}

fn replay_outputs() -> Vec<(OutputEvent, &'static str)> {
    let eur = ccy("EUR");
    let approved = OrderApproved {
        event_id: s("e-000000013:decision"),
        order_id: s("o-1001"),
        company_id: s("DE01"),
        customer_id: s("C100"),
        group_id: Some(s("G-NORTH")),
        amount: d("8000.00"),
        currency: eur,
        reasons: vec![],
        decided_at: utc((2026, 3, 2), 9, 0),
        figures: DecisionFigures {
            exposure_before: d("0.00"),
            exposure_after: d("8000.00"),
            currency: eur,
            limit: Some(d("20000.00")),
            available: Some(d("20000.00")),
        },
        released_by: None,
    };
    let held = OrderHeld {
        event_id: s("e-000000016:decision"),
        order_id: s("o-1004"),
        company_id: s("DE01"),
        customer_id: s("C200"),
        group_id: None,
        amount: d("2500.00"),
        currency: eur,
        reasons: vec![limit_reason(
            "CUSTOMER_LIMIT",
            "customer credit limit: exposure 3000.00 + order 2500.00 = 5500.00 EUR exceeds limit 5000.00 EUR (available 2000.00)",
            [Some("5000.00"), Some("3000.00"), Some("2500.00"), Some("2000.00")],
            "EUR",
        )],
        credit_managers: vec![s("SMB")],
        decided_at: utc((2026, 3, 2), 10, 30),
    };
    let on_hold = CreditNotification {
        company_id: Some(s("DE01")),
        customer_id: Some(s("C200")),
        order_id: Some(s("o-1004")),
        ..notification(
            "e-000000016:ORDER_ON_HOLD",
            "ORDER_ON_HOLD",
            &[("credit_manager", "SMB"), ("credit_analyst", "CLV")],
            "order o-1004 held: CUSTOMER_LIMIT",
            utc((2026, 3, 2), 10, 30),
        )
    };
    let no_profile = OrderHeld {
        event_id: s("e-000000019:decision"),
        order_id: s("o-1007"),
        customer_id: s("C999"),
        amount: d("1200.00"),
        reasons: vec![HoldReason::plain("NO_CREDIT_PROFILE", s("the account has no credit profile yet"))],
        credit_managers: vec![],
        decided_at: utc((2026, 3, 2), 14, 0),
        ..held.clone()
    };
    let released = OrderApproved {
        event_id: s("e-000000020:decision"),
        order_id: s("o-1004"),
        customer_id: s("C200"),
        group_id: None,
        amount: d("2500.00"),
        reasons: vec![HoldReason::plain("MANUAL_RELEASE", s("released by CLV"))],
        decided_at: utc((2026, 3, 2), 15, 30),
        figures: DecisionFigures {
            exposure_before: d("3000.00"),
            exposure_after: d("5500.00"),
            currency: eur,
            limit: None,
            available: None,
        },
        released_by: Some(s("CLV")),
        ..approved.clone()
    };
    let three_reasons = OrderHeld {
        event_id: s("e-000000029:decision"),
        order_id: s("o-1011"),
        customer_id: s("C100"),
        group_id: Some(s("G-NORTH")),
        amount: d("25000.00"),
        reasons: vec![
            limit_reason(
                "MAX_ORDER_AMOUNT",
                "order 25000.00 EUR is above the max order amount 20000.00 EUR",
                [Some("20000.00"), None, Some("25000.00"), None],
                "EUR",
            ),
            limit_reason(
                "CUSTOMER_LIMIT",
                "customer credit limit: exposure 3000.00 + order 25000.00 = 28000.00 EUR exceeds limit 20000.00 EUR (available 17000.00)",
                [Some("20000.00"), Some("3000.00"), Some("25000.00"), Some("17000.00")],
                "EUR",
            ),
            limit_reason(
                "GROUP_LIMIT",
                "credit group limit: exposure 8555.56 + order 25000.00 = 33555.56 EUR exceeds limit 30000.00 EUR (available 21444.44)",
                [Some("30000.00"), Some("8555.56"), Some("25000.00"), Some("21444.44")],
                "EUR",
            ),
        ],
        credit_managers: vec![s("KRM"), s("JDS")],
        decided_at: utc((2026, 3, 4), 10, 15),
        ..held.clone()
    };
    let rejected = OrderRejected {
        event_id: s("e-000000030:decision"),
        order_id: s("o-1011"),
        company_id: s("DE01"),
        customer_id: s("C100"),
        decided_by: s("AKS"),
        decided_at: utc((2026, 3, 4), 11, 0),
    };
    let review_due = CreditNotification {
        company_id: Some(s("DE01")),
        customer_id: Some(s("C200")),
        ..notification(
            "e-000000033:REVIEW_DUE",
            "REVIEW_DUE",
            &[("credit_analyst", "CLV"), ("credit_manager", "SMB")],
            "credit review of DE01:C200 was due on 2026-03-05",
            utc((2026, 3, 5), 9, 0),
        )
    };
    vec![
        (OutputEvent::Approved(approved), REPLAY_APPROVED),
        (OutputEvent::Held(held), REPLAY_HELD),
        (OutputEvent::Notification(on_hold), REPLAY_ON_HOLD),
        (OutputEvent::Held(no_profile), REPLAY_NO_PROFILE),
        (OutputEvent::Approved(released), REPLAY_RELEASED),
        (OutputEvent::Held(three_reasons), REPLAY_THREE_REASONS),
        (OutputEvent::Rejected(rejected), REPLAY_REJECTED),
        (OutputEvent::Notification(review_due), REPLAY_REVIEW_DUE),
    ]
}

/// The outputs of `gen_output_lines.py`, built the same way.
fn crafted_outputs() -> Vec<(OutputEvent, &'static str)> {
    let tricky = "é € 😀 \u{7f} \u{0} \u{1f} \" \\ \n\r\t\u{8}\u{c} / \u{2028} \u{feff} ~ \u{10ffff}";
    let plus_one = at((2026, 3, 2), (10, 0, 0), 250_000, 3600);
    let west = at((2026, 3, 2), (23, 30, 0), 0, -(5 * 3600 + 30 * 60));
    let held = OrderHeld {
        event_id: s("e-1:decision"),
        order_id: s("o-\u{e9}"),
        company_id: s("DE\"01"),
        customer_id: s("C\\1"),
        group_id: None,
        amount: d("1E+3"),
        currency: ccy("EUR"),
        reasons: vec![
            HoldReason {
                code: "CUSTOMER_LIMIT",
                message: s(tricky),
                limit: Some(d("-0.05")),
                exposure: Some(d("0E-7")),
                order_amount: Some(d("0.0000001")),
                available: Some(d("123.450")),
                currency: Some(ccy("JPY")),
            },
            HoldReason::plain("NO_CREDIT_PROFILE", s("")),
        ],
        credit_managers: vec![s("KRM"), s("J\u{f6}rg"), s("\u{1f600}")],
        decided_at: plus_one,
    };
    let approved = OrderApproved {
        event_id: s("e-2:decision"),
        order_id: s("o-2"),
        company_id: s("US01"),
        customer_id: s("C2"),
        group_id: Some(s("G-\u{4e2d}")),
        amount: d("8000.00"),
        currency: ccy("USD"),
        reasons: vec![],
        decided_at: west,
        figures: DecisionFigures {
            exposure_before: d("0"),
            exposure_after: d("12.5E-9"),
            currency: ccy("USD"),
            limit: None,
            available: None,
        },
        released_by: Some(s("\t")),
    };
    let rejected = OrderRejected {
        event_id: s("e-3:decision"),
        order_id: s(""),
        company_id: s("\u{1}"),
        customer_id: s("C3"),
        decided_by: s("AKS \u{e9}"),
        decided_at: at((1, 1, 1), (0, 0, 0), 0, 0),
    };
    let bare = notification(
        "e-4:X",
        "COD_TERMS_CONFLICT",
        &[],
        "\u{0}\u{7f}\u{80}\u{ff}\u{d7ff}\u{e000}\u{ffff}",
        plus_one,
    );
    let full = CreditNotification {
        company_id: Some(s("DE01")),
        group_id: Some(s("G")),
        order_id: Some(s("o")),
        ..notification(
            "e-5:Y",
            "SAME_ACCOUNT_OTHER_COMPANIES",
            &[("group_credit_manager", "\u{1d11e}"), ("credit_analyst", "")],
            "m",
            at((9999, 12, 31), (23, 59, 59), 999_999, 0),
        )
    };
    vec![
        (OutputEvent::Held(held), CRAFTED_1),
        (OutputEvent::Approved(approved), CRAFTED_2),
        (OutputEvent::Rejected(rejected), CRAFTED_3),
        (OutputEvent::Notification(bare), CRAFTED_4),
        (OutputEvent::Notification(full), CRAFTED_5),
    ]
}

fn check(cases: Vec<(OutputEvent, &'static str)>) {
    let mut all = Vec::new();
    for (output, expected) in &cases {
        let mut line = Vec::new();
        write_output(output, &mut line);
        assert_eq!(String::from_utf8_lossy(&line), *expected);
        write_output(output, &mut all);
        all.push(b'\n');
    }
    let expected: String = cases.iter().map(|(_, line)| format!("{line}\n")).collect();
    assert_eq!(String::from_utf8_lossy(&all), expected, "appending");
}

#[test]
fn replay_lines_are_byte_identical() {
    check(replay_outputs());
}

#[test]
fn escapes_decimals_and_nulls_as_python_writes_them() {
    check(crafted_outputs());
}
