//! Output events as the replay command's JSON lines, byte for byte as Python's
//! `service/serialize.py::to_json_line` writes them: `json.dumps(record, separators=(",", ":"))`
//! with `ensure_ascii=True`; keys `event_id`, `event_type`, `occurred_at` (the decision time,
//! in UTC with `Z`), then the dataclass fields of `service/domain/outputs.py` in order.

use credit_model::format::{json_str as push_str, push_dec, push_utc_z};
use credit_model::*;

/// A key as written after another: `,"name":` (the first drops the comma).
macro_rules! key {
    ($name:literal) => {
        concat!(",\"", $name, "\":")
    };
}

/// Writes one JSON object, a key at a time, in order.
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    /// the instant written last, and where its quoted text is in `out` (an output's
    /// `occurred_at` is its `decided_at`: formatted once, copied)
    written: Option<(Instant, std::ops::Range<usize>)>,
}

impl<'a> Obj<'a> {
    #[inline(always)]
    fn open(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true, written: None }
    }

    /// `key` is `key!(name)`.
    #[inline(always)]
    fn key(&mut self, key: &'static str) -> &mut Vec<u8> {
        let key = if self.first { &key[1..] } else { key };
        self.first = false;
        self.out.extend_from_slice(key.as_bytes());
        self.out
    }

    #[inline(always)]
    fn str(&mut self, key: &'static str, value: &str) {
        push_str(self.key(key), value);
    }

    #[inline(always)]
    fn opt_str(&mut self, key: &'static str, value: Option<&str>) {
        match value {
            Some(value) => self.str(key, value),
            None => self.key(key).extend_from_slice(b"null"),
        }
    }

    /// A `Decimal` as `str(value)`.
    #[inline(always)]
    fn dec(&mut self, key: &'static str, value: &Dec) {
        let out = self.key(key);
        out.push(b'"');
        push_dec(out, value); // digits, '.', '-', 'E', '+': nothing to escape
        out.push(b'"');
    }

    #[inline(always)]
    fn opt_dec(&mut self, key: &'static str, value: Option<&Dec>) {
        match value {
            Some(value) => self.dec(key, value),
            None => self.key(key).extend_from_slice(b"null"),
        }
    }

    /// A `datetime` in UTC with `Z`.
    fn instant(&mut self, key: &'static str, value: &Instant) {
        let written = self.written.take();
        let out = self.key(key);
        let start = out.len();
        match written {
            Some((at, span)) if at == *value => out.extend_from_within(span),
            _ => {
                out.push(b'"');
                push_utc_z(out, value); // digits, '-', ':', 'T', '.', 'Z': nothing to escape
                out.push(b'"');
            }
        }
        self.written = Some((*value, start..out.len()));
    }

    /// A list of values, each written by `item`.
    fn list<T>(&mut self, key: &'static str, items: &[T], item: impl Fn(&mut Vec<u8>, &T)) {
        let out = self.key(key);
        out.push(b'[');
        for (index, value) in items.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            item(out, value);
        }
        out.push(b']');
    }

    #[inline(always)]
    fn close(self) {
        self.out.push(b'}');
    }
}

/// The record's head: `event_id`, `event_type`, `occurred_at` (= `decided_at`).
fn head<'a>(out: &'a mut Vec<u8>, event_id: &str, event_type: &str, at: &Instant) -> Obj<'a> {
    let mut obj = Obj::open(out);
    obj.str(key!("event_id"), event_id);
    obj.str(key!("event_type"), event_type);
    obj.instant(key!("occurred_at"), at);
    obj
}

fn hold_reason(out: &mut Vec<u8>, reason: &HoldReason) {
    let mut obj = Obj::open(out);
    obj.str(key!("code"), reason.code);
    obj.str(key!("message"), &reason.message);
    obj.opt_dec(key!("limit"), reason.limit.as_ref());
    obj.opt_dec(key!("exposure"), reason.exposure.as_ref());
    obj.opt_dec(key!("order_amount"), reason.order_amount.as_ref());
    obj.opt_dec(key!("available"), reason.available.as_ref());
    obj.opt_str(key!("currency"), reason.currency.as_ref().map(Ccy::as_str));
    obj.close();
}

fn figures(out: &mut Vec<u8>, figures: &DecisionFigures) {
    let mut obj = Obj::open(out);
    obj.dec(key!("exposure_before"), &figures.exposure_before);
    obj.dec(key!("exposure_after"), &figures.exposure_after);
    obj.str(key!("currency"), figures.currency.as_str());
    obj.opt_dec(key!("limit"), figures.limit.as_ref());
    obj.opt_dec(key!("available"), figures.available.as_ref());
    obj.close();
}

fn recipient(out: &mut Vec<u8>, recipient: &Recipient) {
    let mut obj = Obj::open(out);
    obj.str(key!("role"), recipient.role);
    obj.str(key!("person"), &recipient.person);
    obj.close();
}

/// The fields an approval and a hold share, in their order.
struct DecidedOrder<'a> {
    order_id: &'a str,
    company_id: &'a str,
    customer_id: &'a str,
    group_id: Option<&'a str>,
    amount: &'a Dec,
    currency: Ccy,
    reasons: &'a [HoldReason],
}

impl DecidedOrder<'_> {
    fn write(&self, obj: &mut Obj<'_>) {
        obj.str(key!("order_id"), self.order_id);
        obj.str(key!("company_id"), self.company_id);
        obj.str(key!("customer_id"), self.customer_id);
        obj.opt_str(key!("group_id"), self.group_id);
        obj.dec(key!("amount"), self.amount);
        obj.str(key!("currency"), self.currency.as_str());
        obj.list(key!("reasons"), self.reasons, hold_reason);
    }
}

fn approved(out: &mut Vec<u8>, o: &OrderApproved) {
    let mut obj = head(out, &o.event_id, "order_approved", &o.decided_at);
    let order = DecidedOrder { order_id: &o.order_id, company_id: &o.company_id,
        customer_id: &o.customer_id, group_id: o.group_id.as_deref(), amount: &o.amount,
        currency: o.currency, reasons: &o.reasons };
    order.write(&mut obj);
    obj.instant(key!("decided_at"), &o.decided_at);
    figures(obj.key(key!("figures")), &o.figures);
    obj.opt_str(key!("released_by"), o.released_by.as_deref());
    obj.close();
}

fn held(out: &mut Vec<u8>, o: &OrderHeld) {
    let mut obj = head(out, &o.event_id, "order_held", &o.decided_at);
    let order = DecidedOrder { order_id: &o.order_id, company_id: &o.company_id,
        customer_id: &o.customer_id, group_id: o.group_id.as_deref(), amount: &o.amount,
        currency: o.currency, reasons: &o.reasons };
    order.write(&mut obj);
    obj.list(key!("credit_managers"), &o.credit_managers, |out, person| push_str(out, person));
    obj.instant(key!("decided_at"), &o.decided_at);
    obj.close();
}

fn rejected(out: &mut Vec<u8>, o: &OrderRejected) {
    let mut obj = head(out, &o.event_id, "order_rejected", &o.decided_at);
    obj.str(key!("order_id"), &o.order_id);
    obj.str(key!("company_id"), &o.company_id);
    obj.str(key!("customer_id"), &o.customer_id);
    obj.str(key!("decided_by"), &o.decided_by);
    obj.instant(key!("decided_at"), &o.decided_at);
    obj.close();
}

fn notification(out: &mut Vec<u8>, n: &CreditNotification) {
    let mut obj = head(out, &n.event_id, "credit_notification", &n.decided_at);
    obj.str(key!("notification_id"), &n.notification_id);
    obj.str(key!("kind"), n.kind);
    obj.list(key!("recipients"), &n.recipients, recipient);
    obj.str(key!("message"), &n.message);
    obj.instant(key!("decided_at"), &n.decided_at);
    obj.opt_str(key!("company_id"), n.company_id.as_deref());
    obj.opt_str(key!("customer_id"), n.customer_id.as_deref());
    obj.opt_str(key!("group_id"), n.group_id.as_deref());
    obj.opt_str(key!("order_id"), n.order_id.as_deref());
    obj.close();
}

/// Appends the output event as the replay command's JSON line (no newline), byte-identical
/// to Python's `to_json_line`.
pub fn write_output(output: &OutputEvent, out: &mut Vec<u8>) {
    match output {
        OutputEvent::Approved(o) => approved(out, o),
        OutputEvent::Held(o) => held(out, o),
        OutputEvent::Rejected(o) => rejected(out, o),
        OutputEvent::Notification(n) => notification(out, n),
    }
}
