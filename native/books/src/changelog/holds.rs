//! Held orders as Python's book keeps them (`ledger.py`): one JSON line per held order,
//! `[order id, *HeldOrder.to_record()]` (`json.JSONEncoder(separators=(",", ":"))`), the
//! lines joined by `\n` in the order held; the record's amount is `str(Decimal)`, its instant
//! `datetime.isoformat()`.

use super::json::{self, push_int, push_str, Json, Refusal};
use crate::hold::{other_code, HeldOrder};
use credit_model::format::{civil, dec_str, isoformat, ordinal};
use credit_model::{Ccy, Dec, Instant, PaymentType, EPOCH_ORDINAL, MICROS_PER_DAY, REASON_CODES};

/// Python's line of the order's hold (`_hold_line(_hold_prefix(order_id), held)`).
pub(crate) fn push_hold_line(out: &mut Vec<u8>, order_id: &str, held: &HeldOrder) {
    let text = |out: &mut Vec<u8>, value: &Option<String>| match value {
        Some(value) => push_str(out, value),
        None => out.extend_from_slice(b"null"),
    };
    out.push(b'[');
    push_str(out, order_id);
    out.push(b',');
    push_str(out, &held.event_id);
    out.push(b',');
    push_str(out, &dec_str(&held.amount));
    out.push(b',');
    push_str(out, held.currency.as_str());
    out.push(b',');
    match held.ledger_amount {
        Some(amount) => push_int(out, amount),
        None => out.extend_from_slice(b"null"),
    }
    out.push(b',');
    push_str(out, held.payment_type.as_str());
    out.extend_from_slice(b",[");
    for (at, code) in held.reason_codes.iter().enumerate() {
        if at > 0 {
            out.push(b',');
        }
        push_str(out, code);
    }
    out.extend_from_slice(b"],");
    for value in [&held.credit_manager, &held.entered_by, &held.warehouse_id] {
        text(out, value);
        out.push(b',');
    }
    push_str(out, &isoformat(&held.held_at));
    out.push(b']');
}

/// Python's `book.holds` for these held orders: `None` when there are none.
pub(crate) fn holds_bytes(holds: &[(&str, HeldOrder)]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for (at, (order_id, held)) in holds.iter().enumerate() {
        if at > 0 {
            out.push(b'\n');
        }
        push_hold_line(&mut out, order_id, held);
    }
    (!holds.is_empty()).then_some(out)
}

/// The held orders of Python's `book.holds`, in order. Each line must be exactly as Python
/// writes it (so the book is written back byte for byte), and an order held once.
pub(crate) fn read_holds(raw: &[u8]) -> Result<Vec<(String, HeldOrder)>, Refusal> {
    let mut holds: Vec<(String, HeldOrder)> = Vec::new();
    for line in raw.split(|&byte| byte == b'\n') {
        let Json::List(record) = json::parse(line)? else {
            return Err("a hold line is not a JSON list");
        };
        let (order_id, rest) = match record.split_first() {
            Some((Json::Str(order_id), rest)) => (order_id.clone(), rest),
            _ => return Err("a hold line without its order id"),
        };
        let held = held_from_record(rest)?;
        let mut canonical = Vec::with_capacity(line.len());
        push_hold_line(&mut canonical, &order_id, &held);
        if canonical != line {
            return Err("a hold line not as Python writes it");
        }
        if holds.iter().any(|(found, _)| *found == order_id) {
            return Err("an order held twice");
        }
        holds.push((order_id, held));
    }
    Ok(holds)
}

fn text(value: &Json) -> Result<&str, Refusal> {
    match value {
        Json::Str(text) => Ok(text),
        _ => Err("a held order's field is not a string"),
    }
}

fn optional_text(value: &Json) -> Result<Option<String>, Refusal> {
    match value {
        Json::Null => Ok(None),
        other => text(other).map(|text| Some(text.to_owned())),
    }
}

/// `HeldOrder.from_record(record)`: event id, amount text, currency, ledger amount, payment
/// type, reason codes, credit manager, entered by, warehouse, instant text.
pub(crate) fn held_from_record(record: &[Json]) -> Result<HeldOrder, Refusal> {
    let [event_id, amount, currency, ledger, payment, codes, manager, entered, warehouse, at] =
        record
    else {
        return Err("a held order record of other than 10 fields");
    };
    let Json::List(codes) = codes else {
        return Err("a held order's reason codes are not a list");
    };
    Ok(HeldOrder {
        event_id: text(event_id)?.to_owned(),
        amount: decimal(text(amount)?).ok_or("a held order's amount is not a finite decimal")?,
        currency: Ccy::parse(text(currency)?).ok_or("a held order's currency is not 3 letters")?,
        ledger_amount: match ledger {
            Json::Null => None,
            Json::Int(amount) => Some(*amount),
            _ => return Err("a held order's ledger amount is not an integer"),
        },
        payment_type: payment_type(text(payment)?)?,
        reason_codes: codes
            .iter()
            .map(|code| text(code).map(reason_code))
            .collect::<Result<_, _>>()?,
        credit_manager: optional_text(manager)?,
        entered_by: optional_text(entered)?,
        warehouse_id: optional_text(warehouse)?,
        held_at: instant(text(at)?).ok_or("a held order's instant is not an isoformat")?,
    })
}

fn payment_type(text: &str) -> Result<PaymentType, Refusal> {
    [PaymentType::OnAccount, PaymentType::Cash, PaymentType::Cod]
        .into_iter()
        .find(|known| known.as_str() == text)
        .ok_or("a held order's payment type is unknown")
}

fn reason_code(text: &str) -> &'static str {
    match REASON_CODES.iter().find(|&&known| known == text) {
        Some(&known) => known,
        None => other_code(text),
    }
}

/// `Decimal(text)` of a finite decimal `[-+]digits[.digits][(e|E)[-+]digits]` whose
/// coefficient fits 128 bits and exponent 32.
pub(crate) fn decimal(text: &str) -> Option<Dec> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (number, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], exponent_of(&unsigned[at + 1..])?),
        None => (unsigned, 0),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if whole.len() + fraction.len() == 0 || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    Some(Dec {
        negative,
        coefficient: digits.parse().ok()?,
        exponent: i32::try_from(exponent - fraction.len() as i64).ok()?,
    })
}

fn exponent_of(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Two ASCII digits at `at` of `raw` (`None` unless both are digits).
fn two(raw: &[u8], at: usize) -> Option<i64> {
    match raw.get(at..at + 2)? {
        [high @ b'0'..=b'9', low @ b'0'..=b'9'] => Some(((high - b'0') * 10 + (low - b'0')) as i64),
        _ => None,
    }
}

/// `datetime.fromisoformat(text)` of what `isoformat()` writes for an aware instant:
/// `YYYY-MM-DDTHH:MM:SS[.ffffff]±HH:MM[:SS]`.
pub(crate) fn instant(text: &str) -> Option<Instant> {
    let raw = text.as_bytes();
    let year = two(raw, 0)? * 100 + two(raw, 2)?;
    let (month, day) = (two(raw, 5)?, two(raw, 8)?);
    let (hour, minute, second) = (two(raw, 11)?, two(raw, 14)?, two(raw, 17)?);
    if raw.get(4) != Some(&b'-') || raw.get(7) != Some(&b'-') || raw.get(10) != Some(&b'T') {
        return None;
    }
    if raw.get(13) != Some(&b':') || raw.get(16) != Some(&b':') {
        return None;
    }
    let (micros, zone) = match raw.get(19)? {
        b'.' => (six_digits(raw.get(20..26)?)?, 26),
        _ => (0, 19),
    };
    let offset = offset_seconds(raw.get(zone..)?)?;
    let valid_day = (1..=12).contains(&month) && (1..=31).contains(&day) && year >= 1;
    if !valid_day || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let date = ordinal(year, month as u32, day as u32);
    if civil(date) != (year, month as u32, day as u32) {
        return None; // 2026-02-30 and the like
    }
    let local = (date.0 - EPOCH_ORDINAL) as i64 * MICROS_PER_DAY
        + ((hour * 60 + minute) * 60 + second) * 1_000_000
        + micros;
    Some(Instant {
        utc_micros: local - offset as i64 * 1_000_000,
        offset_seconds: offset,
    })
}

fn six_digits(raw: &[u8]) -> Option<i64> {
    Some(two(raw, 0)? * 10_000 + two(raw, 2)? * 100 + two(raw, 4)?)
}

/// `±HH:MM` or `±HH:MM:SS`, less than a day.
fn offset_seconds(raw: &[u8]) -> Option<i32> {
    let sign = match raw.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hours, minutes) = (two(raw, 1)?, two(raw, 4)?);
    let seconds = match raw.len() {
        6 => 0,
        9 if raw[6] == b':' => two(raw, 7)?,
        _ => return None,
    };
    if raw[3] != b':' || hours > 23 || minutes > 59 || seconds > 59 {
        return None;
    }
    Some(sign * ((hours * 60 + minutes) * 60 + seconds) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held() -> HeldOrder {
        HeldOrder {
            event_id: "e-1é".to_owned(),
            amount: Dec {
                negative: false,
                coefficient: 125_000,
                exponent: -2,
            },
            currency: Ccy::parse("EUR").expect("EUR"),
            ledger_amount: Some(125_000),
            payment_type: PaymentType::OnAccount,
            reason_codes: vec!["CUSTOMER_LIMIT", "MANUAL_RELEASE"],
            credit_manager: Some("ALT".to_owned()),
            entered_by: None,
            warehouse_id: None,
            held_at: Instant {
                utc_micros: 1_772_442_000_250_000,
                offset_seconds: 5430,
            },
        }
    }

    /// Expected: in CPython 3.11.7, `b = AccountBook("EUR"); b.hold("O\"1", HeldOrder("e-1é",
    /// Decimal("1250.00"), "EUR", 125000, "on_account", ("CUSTOMER_LIMIT", "MANUAL_RELEASE"),
    /// "ALT", None, None, datetime(2026, 3, 2, 10, 30, 30, 250000,
    /// timezone(timedelta(seconds=5430))))); b.holds`.
    #[test]
    fn a_hold_line_is_pythons() {
        let expected: &[u8] = br#"["O\"1","e-1\u00e9","1250.00","EUR",125000,"on_account",["CUSTOMER_LIMIT","MANUAL_RELEASE"],"ALT",null,null,"2026-03-02T10:30:30.250000+01:30:30"]"#;
        let line = holds_bytes(&[("O\"1", held())]).expect("a hold");
        assert_eq!(line, expected);
        let second = String::from_utf8_lossy(expected).replace(r#"O\"1"#, r#"O\"2"#);
        let two = [expected, b"\n", second.as_bytes()].concat();
        let read = read_holds(&two).expect("Python's lines");
        assert_eq!(read.len(), 2);
        assert_eq!((read[0].0.as_str(), read[1].0.as_str()), ("O\"1", "O\"2"));
        assert_eq!(read[0].1, held());
        assert_eq!(read[1].1.held_at.offset_seconds, 5430);
        assert_eq!(holds_bytes(&[]), None);
    }

    #[test]
    fn lines_not_as_python_writes_them_are_refused() {
        let good =
            br#"["O1","e","1.5","EUR",null,"cash",[],null,null,null,"2026-03-02T10:30:30+00:00"]"#;
        assert_eq!(read_holds(good).map(|holds| holds.len()), Ok(1));
        let short =
            br#"["O1","e","1.5","EUR",null,"cash",[],null,null,"2026-03-02T10:30:30+00:00"]"#;
        assert!(read_holds(short).is_err()); // 9 fields after the id
        for bad in [
            &br#"["O1","e","1.50E1","EUR",null,"cash",[],null,null,null,"2026-03-02T10:30:30+00:00"]"#[..],
            br#"["O1", "e","1.5","EUR",null,"cash",[],null,null,null,"2026-03-02T10:30:30+00:00"]"#,
            br#"["O1","e","1.5","EUR",null,"card",[],null,null,null,"2026-03-02T10:30:30+00:00"]"#,
            br#"["O1","e","1.5","eur",null,"cash",[],null,null,null,"2026-03-02T10:30:30+00:00"]"#,
            br#"["O1","e","1.5","EUR",null,"cash",[],null,null,null,"2026-02-30T10:30:30+00:00"]"#,
            br#"["O1","e","1.5","EUR",null,"cash",[],null,null,null,"2026-03-02T10:30:30"]"#,
            br#"["O1","e","NaN","EUR",null,"cash",[],null,null,null,"2026-03-02T10:30:30+00:00"]"#,
            br#"["O1","e","1.5","EUR",1.0,"cash",[],null,null,null,"2026-03-02T10:30:30+00:00"]"#,
            b"",
        ] {
            assert!(read_holds(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let twice = [&good[..], b"\n", good].concat();
        assert_eq!(read_holds(&twice), Err("an order held twice"));
    }

    /// Expected: `Decimal(text).as_tuple()` in CPython 3.11.7.
    #[test]
    fn decimals_read_as_python() {
        let dec = |negative, coefficient, exponent| {
            Some(Dec {
                negative,
                coefficient,
                exponent,
            })
        };
        assert_eq!(decimal("8000.00"), dec(false, 800_000, -2));
        assert_eq!(decimal("-0.05"), dec(true, 5, -2));
        assert_eq!(decimal("1E+3"), dec(false, 1, 3));
        assert_eq!(decimal("1.2345E-8"), dec(false, 12_345, -12));
        assert_eq!(decimal("-0"), dec(true, 0, 0));
        assert_eq!(decimal(".5"), dec(false, 5, -1));
        assert_eq!(decimal("5."), dec(false, 5, 0));
        for bad in ["", "-", ".", "1e", "1,5", "NaN", "Infinity", "1e+", "1 "] {
            assert_eq!(decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn instants_read_as_python() {
        let at = instant("2026-03-02T03:30:00.250000-05:30").expect("an instant");
        assert_eq!(
            (at.utc_micros, at.offset_seconds),
            (1_772_442_000_250_000, -19_800)
        );
        assert_eq!(isoformat(&at), "2026-03-02T03:30:00.250000-05:30");
        let at = instant("0001-01-01T00:00:00+00:00").expect("the first day");
        assert_eq!(at.utc_micros, (1 - EPOCH_ORDINAL) as i64 * MICROS_PER_DAY);
        for bad in [
            "2026-13-02T03:30:00+00:00",
            "2026-03-02T24:00:00+00:00",
            "2026-03-02T03:30:00+24:00",
            "2026-03-02T03:30:00.25+00:00",
            "2026-03-02 03:30:00+00:00",
            "2026-03-02T03:30:00Z",
        ] {
            assert!(instant(bad).is_none(), "{bad}");
        }
    }
}
