//! Output events as the replay command's JSON lines, byte for byte as Python's
//! `service/serialize.py::to_json_line` writes them: `json.dumps(record, separators=(",", ":"))`
//! with `ensure_ascii=True`; keys `event_id`, `event_type`, `occurred_at` (the decision time,
//! in UTC with `Z`), then the dataclass fields of `service/domain/outputs.py` in order.

use credit_model::format::{json_str as push_str, push_dec, push_utc_z};
use credit_model::*;

/// Writes one JSON object, a key at a time, in order.
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    fn open(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    fn key(&mut self, name: &str) -> &mut Vec<u8> {
        let opening: &[u8] = if self.first { b"\"" } else { b",\"" };
        self.first = false;
        self.out.extend_from_slice(opening);
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    fn str(&mut self, name: &str, value: &str) {
        push_str(self.key(name), value);
    }

    fn opt_str(&mut self, name: &str, value: Option<&str>) {
        match value {
            Some(value) => self.str(name, value),
            None => self.key(name).extend_from_slice(b"null"),
        }
    }

    /// A `Decimal` as `str(value)`.
    fn dec(&mut self, name: &str, value: &Dec) {
        let out = self.key(name);
        out.push(b'"');
        push_dec(out, value); // digits, '.', '-', 'E', '+': nothing to escape
        out.push(b'"');
    }

    fn opt_dec(&mut self, name: &str, value: Option<&Dec>) {
        match value {
            Some(value) => self.dec(name, value),
            None => self.key(name).extend_from_slice(b"null"),
        }
    }

    /// A `datetime` in UTC with `Z`.
    fn instant(&mut self, name: &str, value: &Instant) {
        let out = self.key(name);
        out.push(b'"');
        push_utc_z(out, value); // digits, '-', ':', 'T', '.', 'Z': nothing to escape
        out.push(b'"');
    }

    /// A list of values, each written by `item`.
    fn list<T>(&mut self, name: &str, items: &[T], item: impl Fn(&mut Vec<u8>, &T)) {
        let out = self.key(name);
        out.push(b'[');
        for (index, value) in items.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            item(out, value);
        }
        out.push(b']');
    }

    fn close(self) {
        self.out.push(b'}');
    }
}

/// The record's head: `event_id`, `event_type`, `occurred_at` (= `decided_at`).
fn head<'a>(out: &'a mut Vec<u8>, event_id: &str, event_type: &str, at: &Instant) -> Obj<'a> {
    let mut obj = Obj::open(out);
    obj.str("event_id", event_id);
    obj.str("event_type", event_type);
    obj.instant("occurred_at", at);
    obj
}

fn hold_reason(out: &mut Vec<u8>, reason: &HoldReason) {
    let mut obj = Obj::open(out);
    obj.str("code", reason.code);
    obj.str("message", &reason.message);
    obj.opt_dec("limit", reason.limit.as_ref());
    obj.opt_dec("exposure", reason.exposure.as_ref());
    obj.opt_dec("order_amount", reason.order_amount.as_ref());
    obj.opt_dec("available", reason.available.as_ref());
    obj.opt_str("currency", reason.currency.as_ref().map(Ccy::as_str));
    obj.close();
}

fn figures(out: &mut Vec<u8>, figures: &DecisionFigures) {
    let mut obj = Obj::open(out);
    obj.dec("exposure_before", &figures.exposure_before);
    obj.dec("exposure_after", &figures.exposure_after);
    obj.str("currency", figures.currency.as_str());
    obj.opt_dec("limit", figures.limit.as_ref());
    obj.opt_dec("available", figures.available.as_ref());
    obj.close();
}

fn recipient(out: &mut Vec<u8>, recipient: &Recipient) {
    let mut obj = Obj::open(out);
    obj.str("role", recipient.role);
    obj.str("person", &recipient.person);
    obj.close();
}

fn approved(out: &mut Vec<u8>, o: &OrderApproved) {
    let mut obj = head(out, &o.event_id, "order_approved", &o.decided_at);
    obj.str("order_id", &o.order_id);
    obj.str("company_id", &o.company_id);
    obj.str("customer_id", &o.customer_id);
    obj.opt_str("group_id", o.group_id.as_deref());
    obj.dec("amount", &o.amount);
    obj.str("currency", o.currency.as_str());
    obj.list("reasons", &o.reasons, hold_reason);
    obj.instant("decided_at", &o.decided_at);
    figures(obj.key("figures"), &o.figures);
    obj.opt_str("released_by", o.released_by.as_deref());
    obj.close();
}

fn held(out: &mut Vec<u8>, o: &OrderHeld) {
    let mut obj = head(out, &o.event_id, "order_held", &o.decided_at);
    obj.str("order_id", &o.order_id);
    obj.str("company_id", &o.company_id);
    obj.str("customer_id", &o.customer_id);
    obj.opt_str("group_id", o.group_id.as_deref());
    obj.dec("amount", &o.amount);
    obj.str("currency", o.currency.as_str());
    obj.list("reasons", &o.reasons, hold_reason);
    obj.list("credit_managers", &o.credit_managers, |out, person| push_str(out, person));
    obj.instant("decided_at", &o.decided_at);
    obj.close();
}

fn rejected(out: &mut Vec<u8>, o: &OrderRejected) {
    let mut obj = head(out, &o.event_id, "order_rejected", &o.decided_at);
    obj.str("order_id", &o.order_id);
    obj.str("company_id", &o.company_id);
    obj.str("customer_id", &o.customer_id);
    obj.str("decided_by", &o.decided_by);
    obj.instant("decided_at", &o.decided_at);
    obj.close();
}

fn notification(out: &mut Vec<u8>, n: &CreditNotification) {
    let mut obj = head(out, &n.event_id, "credit_notification", &n.decided_at);
    obj.str("notification_id", &n.notification_id);
    obj.str("kind", n.kind);
    obj.list("recipients", &n.recipients, recipient);
    obj.str("message", &n.message);
    obj.instant("decided_at", &n.decided_at);
    obj.opt_str("company_id", n.company_id.as_deref());
    obj.opt_str("customer_id", n.customer_id.as_deref());
    obj.opt_str("group_id", n.group_id.as_deref());
    obj.opt_str("order_id", n.order_id.as_deref());
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
