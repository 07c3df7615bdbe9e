//! Lines as the producers write them, read in one pass: `{"key":value,...}` with no
//! whitespace, each key the next of its event type's key order (`service/loadgen.py`, the
//! contract's examples; optional keys may be left out) and each string value plain ASCII.
//! Such a line gives exactly the fields `scan_line` would give it: every key is a known field
//! named once, every value is scanned as `scan_line` scans it. Any other line (a key out of
//! order or unknown, whitespace, an escape) is `None`, and `scan_line` reads it from the start.

use crate::parse::F::{self, *};
use crate::parse::FIELD_NAMES;
use crate::plain::plain_run;
use crate::scan::{JStr, Raw, Scanner};
use credit_model::bytes::same_bytes;

/// Every event's first keys, until its type is read.
const HEAD: &[F] = &[EventId, EventType, OccurredAt];

const ORDER_CREATED: &[F] = &[EventId, EventType, OccurredAt, OrderId, CompanyId, CustomerId,
                              Amount, Currency, WarehouseId, PaymentType, EnteredBy];
const INVOICE_POSTED: &[F] = &[EventId, EventType, OccurredAt, InvoiceId, OrderId, CompanyId,
                               CustomerId, Amount, Currency, InvoiceDate, DueDate];
const PAYMENT_POSTED: &[F] = &[EventId, EventType, OccurredAt, PaymentId, CompanyId,
                               CustomerId, Amount, Currency, InvoiceIds];
const ORDER_CANCELLED: &[F] = &[EventId, EventType, OccurredAt, OrderId, CompanyId, CustomerId];
const HOLD_DECISION: &[F] = &[EventId, EventType, OccurredAt, OrderId, CompanyId, CustomerId,
                              DecidedBy, Note];
const CUSTOMER_UPSERTED: &[F] = &[
    EventId, EventType, OccurredAt, CompanyId, CustomerId, Name, Currency, CreditGroupId,
    CreditLimit, CreditLimitExpires, CreditManager, SalesOrderStatus, SalesOrderStatusDate,
    HoldPeriod, AllowedOverdueAmount, AllowedOverdueDays, ApManager, ApPhone,
    TemporaryCreditLimit, TemporaryLimitFrom, TemporaryLimitTo, InsuranceAmount,
    GuaranteeAmount, CreditAnalyst, CodTerms, CreditEstablished, LastReview, NextReview,
];
const GROUP_UPSERTED: &[F] = &[
    EventId, EventType, OccurredAt, GroupId, Description, LimitMode, Currency, CreditLimit,
    CreditLimitExpires, CreditManager, SalesOrderStatus, SalesOrderStatusDate, HoldPeriod,
    AllowedOverdueAmount, AllowedOverdueDays, ApManager, ApPhone,
];
const COMPANY_UPSERTED: &[F] = &[EventId, EventType, OccurredAt, CompanyId, Currency,
                                 DefaultCreditLimit, TolerancePct, MaxOrderAmount,
                                 CheckGroupLimits, AgingPeriodDays, IncludeOpenOrders];
const WAREHOUSE_UPSERTED: &[F] = &[EventId, EventType, OccurredAt, WarehouseId, CompanyId,
                                   TolerancePct, MaxOrderAmount];
const EXCHANGE_RATE_SET: &[F] = &[EventId, EventType, OccurredAt, FromCurrency, ToCurrency,
                                  Rate, ValidFrom];

/// The producers' key order of an event type (`HEAD` for a type it does not know).
fn keys_of(event_type: &[u8]) -> &'static [F] {
    match event_type {
        b"order_created" => ORDER_CREATED,
        b"invoice_posted" => INVOICE_POSTED,
        b"payment_posted" => PAYMENT_POSTED,
        b"order_cancelled" => ORDER_CANCELLED,
        b"hold_released" | b"hold_rejected" => HOLD_DECISION,
        b"customer_upserted" => CUSTOMER_UPSERTED,
        b"group_upserted" => GROUP_UPSERTED,
        b"company_upserted" => COMPANY_UPSERTED,
        b"warehouse_upserted" => WAREHOUSE_UPSERTED,
        b"exchange_rate_set" => EXCHANGE_RATE_SET,
        _ => HEAD,
    }
}

/// The longest key as a line holds it (`"name":`), and then some.
const LONGEST_QUOTED: usize = 32;

/// A key as a line holds it: `"name":`, its length, and its first 8 bytes as a little-endian
/// word with the mask of those that are the key's (a key of 7 bytes has 7).
#[derive(Clone, Copy)]
struct QuotedKey {
    bytes: [u8; LONGEST_QUOTED],
    len: usize,
    head: u64,
    head_mask: u64,
}

/// Every field's key as a line holds it, by field.
const QUOTED: [QuotedKey; FIELD_NAMES.len()] = {
    let mut table = [QuotedKey { bytes: [0; LONGEST_QUOTED], len: 0, head: 0, head_mask: 0 };
                     FIELD_NAMES.len()];
    let mut index = 0;
    while index < FIELD_NAMES.len() {
        let name = FIELD_NAMES[index].as_bytes();
        let key = &mut table[index];
        key.len = name.len() + 3;
        assert!(key.len <= LONGEST_QUOTED);
        key.bytes[0] = b'"';
        let mut at = 0;
        while at < name.len() {
            key.bytes[at + 1] = name[at];
            at += 1;
        }
        key.bytes[name.len() + 1] = b'"';
        key.bytes[name.len() + 2] = b':';
        let mut byte = 0;
        while byte < 8 {
            if byte < key.len {
                key.head |= (key.bytes[byte] as u64) << (8 * byte);
                key.head_mask |= 0xFF << (8 * byte);
            }
            byte += 1;
        }
        index += 1;
    }
    table
};

/// Where a line's reading is in its producers' key order.
struct KeyOrder {
    keys: &'static [F],
    /// the keys from here on may come next (optional ones may be left out)
    at: usize,
}

impl KeyOrder {
    /// The key at `line[pos..]` and where it ends, when it is one of the keys still to come
    /// in the order, quoted, the `:` after it.
    #[inline(always)]
    fn next_key(&mut self, line: &[u8], pos: usize) -> Option<(F, usize)> {
        let head = u64::from_le_bytes(line.get(pos..pos + 8)?.try_into().expect("8 bytes"));
        for (ahead, &f) in self.keys[self.at..].iter().enumerate() {
            let key = &QUOTED[f as usize];
            if head & key.head_mask != key.head {
                continue;
            }
            let end = pos + key.len;
            if line.get(pos..end).is_some_and(|quoted| same_bytes(quoted, &key.bytes[..key.len])) {
                self.at += ahead + 1;
                return Some((f, end));
            }
        }
        None
    }

    /// The event type's value read: the keys that follow are its type's.
    fn event_type(&mut self, event_type: &[u8]) {
        self.keys = keys_of(event_type);
        self.at = self.keys.iter().position(|&f| f == EventType).map_or(0, |index| index + 1);
    }
}

/// The fields of a line as the producers write it (module doc) into `raw` (all absent
/// before), or `None` (`raw` then holds some of them: the caller starts again).
pub(crate) fn scan_compact<'a>(line: &'a [u8], raw: &mut [Raw<'a>]) -> Option<()> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    if line.first() != Some(&b'{') {
        return None;
    }
    let mut order = KeyOrder { keys: HEAD, at: 0 };
    let mut seen: u64 = 0;
    let mut pos = 1;
    loop {
        let (f, after) = order.next_key(line, pos)?;
        pos = after;
        let value = if line.get(pos) == Some(&b'"') {
            // the everyday value: a string of printable ASCII, as `Scanner::string` reads it
            let end = plain_run(line, pos + 1);
            if line.get(end) != Some(&b'"') {
                return None;
            }
            let text = JStr { raw: &line[pos + 1..end], escaped: false };
            pos = end + 1;
            Raw::Str(text)
        } else {
            let mut scanner = Scanner::at(line, pos);
            let value = scanner.value(1).ok()?;
            pos = scanner.pos();
            value
        };
        let bit = 1u64 << (f as u32);
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        raw[f as usize] = value;
        if let (EventType, Raw::Str(event_type)) = (f, value) {
            order.event_type(event_type.raw);
        }
        match line.get(pos) {
            Some(b',') => pos += 1,
            Some(b'}') if pos + 1 == line.len() => return Some(()),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_order_starts_with_the_head_and_names_a_key_once() {
        for keys in [ORDER_CREATED, INVOICE_POSTED, PAYMENT_POSTED, ORDER_CANCELLED,
                     HOLD_DECISION, CUSTOMER_UPSERTED, GROUP_UPSERTED, COMPANY_UPSERTED,
                     WAREHOUSE_UPSERTED, EXCHANGE_RATE_SET] {
            assert_eq!(&keys[..3], HEAD);
            for (index, f) in keys.iter().enumerate() {
                assert!(!keys[index + 1..].contains(f), "{f:?} twice");
            }
        }
    }

    #[test]
    fn each_key_is_quoted_as_a_line_holds_it() {
        for (name, key) in FIELD_NAMES.iter().zip(&QUOTED) {
            let quoted = format!("\"{name}\":");
            assert_eq!(&key.bytes[..key.len], quoted.as_bytes());
            let mut head = [0u8; 8];
            let shown = quoted.len().min(8);
            head[..shown].copy_from_slice(&quoted.as_bytes()[..shown]);
            assert_eq!(u64::from_le_bytes(head), key.head);
            assert_eq!(key.head_mask.count_ones() as usize, shown * 8);
        }
    }

    fn fields(line: &str) -> Option<Vec<(F, String)>> {
        let mut raw = [Raw::Absent; FIELD_NAMES.len()];
        scan_compact(line.as_bytes(), &mut raw)?;
        let text = |value: &Raw<'_>| match value {
            Raw::Str(s) => std::str::from_utf8(s.raw).map(str::to_owned).ok(),
            Raw::Absent => None,
            other => Some(format!("{other:?}")),
        };
        Some(crate::parse::FIELDS.iter().zip(&raw)
            .filter_map(|(f, value)| text(value).map(|text| (*f, text))).collect())
    }

    #[test]
    fn a_producers_line_is_read_whole_with_optional_keys_left_out() {
        let line = "{\"event_id\":\"e-1\",\"event_type\":\"payment_posted\",\"occurred_at\":\"t\",\"payment_id\":\"p\",\"company_id\":\"US01\",\"customer_id\":\"C1\",\"amount\":\"5\",\"currency\":\"USD\",\"invoice_ids\":[\"i-1\"]}\n";
        let read = fields(line).expect("read");
        assert_eq!(read.len(), 9);
        assert_eq!(read[0], (EventId, "e-1".to_owned()));
        assert!(matches!(read.last(), Some((InvoiceIds, text)) if text.starts_with("Array")));
        let left_out = r#"{"event_id":"e","event_type":"order_created","occurred_at":"t","order_id":"o","company_id":"c","customer_id":"k","amount":"1","currency":"EUR","payment_type":"cash_in_advance"}"#;
        assert_eq!(fields(left_out).map(|read| read.len()), Some(9));
    }

    #[test]
    fn any_other_line_is_left_to_the_scan() {
        let head = r#""event_id":"e","event_type":"order_cancelled","occurred_at":"t""#;
        for other in [
            format!(r#"{{{head},"customer_id":"k","company_id":"c"}}"#), // out of order
            format!(r#"{{{head},"company_id":"c","unknown":1}}"#),
            format!(r#"{{{head},"company_id":"c" }}"#),
            format!(r#"{{{head}, "company_id":"c"}}"#),
            format!(r#"{{{head},"company_id":"\u0063"}}"#),
            format!(r#"{{{head},"company_id":"é"}}"#),
            format!(r#"{{{head},"company_id":"c"}}x"#),
            format!(r#"{{{head},"company_id":"c"}}\n\n"#),
            format!(r#"{{{head},"company_id":"c""#),
            format!(r#" {{{head}}}"#),
            "{}".to_owned(),
        ] {
            assert_eq!(fields(&other), None, "{other}");
        }
        assert!(fields(&format!(r#"{{{head},"company_id":"c"}}"#)).is_some());
    }
}
