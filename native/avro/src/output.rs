//! Output events as Avro bodies, byte for byte as Python's `codec.encode_output` writes them
//! (the generated attribute writer of `service/avro_compiled.py::compile_writer`): fields in
//! schema order, `occurred_at` = `decided_at` in whole milliseconds (rounded down), arrays as
//! one block and an empty one (an empty array is the empty block alone), `["null", X]`
//! unions as index 0 or index 1 and the value, decimals as [`crate::decimal::write`].

use crate::decimal::{self, Unencodable};
use crate::framing::EventType;
use credit_model::*;

/// `decimal(22, 4)`: every amount of an output.
const AMOUNT: (u32, u32) = (22, 4);

/// Appends a zig-zag varint (`write_long`).
pub(crate) fn write_long(out: &mut Vec<u8>, value: i64) {
    let mut n = ((value << 1) ^ (value >> 63)) as u64;
    while n > 0x7F {
        out.push((n as u8 & 0x7F) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// The writer of one output body.
struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

type Written = Result<(), Unencodable>;

impl Writer<'_> {
    fn str(&mut self, text: &str) {
        write_long(self.out, text.len() as i64);
        self.out.extend_from_slice(text.as_bytes());
    }

    fn opt_str(&mut self, text: Option<&str>) {
        match text {
            None => self.out.push(0),
            Some(text) => {
                self.out.push(2);
                self.str(text);
            }
        }
    }

    fn dec(&mut self, value: &Dec) -> Written {
        decimal::write(self.out, value, AMOUNT.0, AMOUNT.1)
    }

    fn opt_dec(&mut self, value: Option<&Dec>) -> Written {
        match value {
            None => {
                self.out.push(0);
                Ok(())
            }
            Some(value) => {
                self.out.push(2);
                self.dec(value)
            }
        }
    }

    /// `timestamp-millis`: `(value - EPOCH) // timedelta(milliseconds=1)`.
    fn instant(&mut self, at: &Instant) {
        write_long(self.out, at.utc_micros.div_euclid(1000));
    }

    /// An array: its items in one block (when there are any), then the empty block.
    fn array<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Self, &T) -> Written) -> Written {
        if !items.is_empty() {
            write_long(self.out, items.len() as i64);
            for value in items {
                item(self, value)?;
            }
        }
        self.out.push(0);
        Ok(())
    }

    /// `event_id`, `event_type`, `occurred_at` (the decision time).
    fn head(&mut self, event_id: &str, event_type: EventType, decided_at: &Instant) {
        self.str(event_id);
        self.str(event_type.name());
        self.instant(decided_at);
    }

    /// The order's account and amount, as approvals and holds start.
    fn order(&mut self, ids: [&str; 3], group_id: Option<&str>, amount: &Dec, currency: Ccy) -> Written {
        for id in ids {
            self.str(id);
        }
        self.opt_str(group_id);
        self.dec(amount)?;
        self.str(currency.as_str());
        Ok(())
    }

    fn reason(&mut self, reason: &HoldReason) -> Written {
        self.str(reason.code);
        self.str(&reason.message);
        self.opt_dec(reason.limit.as_ref())?;
        self.opt_dec(reason.exposure.as_ref())?;
        self.opt_dec(reason.order_amount.as_ref())?;
        self.opt_dec(reason.available.as_ref())?;
        self.opt_str(reason.currency.as_ref().map(Ccy::as_str));
        Ok(())
    }

    fn figures(&mut self, figures: &DecisionFigures) -> Written {
        self.dec(&figures.exposure_before)?;
        self.dec(&figures.exposure_after)?;
        self.opt_dec(figures.limit.as_ref())?;
        self.opt_dec(figures.available.as_ref())?;
        self.str(figures.currency.as_str());
        Ok(())
    }

    fn approved(&mut self, o: &OrderApproved) -> Written {
        self.head(&o.event_id, EventType::OrderApproved, &o.decided_at);
        let ids = [o.order_id.as_str(), &o.company_id, &o.customer_id];
        self.order(ids, o.group_id.as_deref(), &o.amount, o.currency)?;
        self.array(&o.reasons, Self::reason)?;
        self.opt_str(o.released_by.as_deref());
        self.instant(&o.decided_at);
        self.figures(&o.figures)
    }

    fn held(&mut self, o: &OrderHeld) -> Written {
        self.head(&o.event_id, EventType::OrderHeld, &o.decided_at);
        let ids = [o.order_id.as_str(), &o.company_id, &o.customer_id];
        self.order(ids, o.group_id.as_deref(), &o.amount, o.currency)?;
        self.array(&o.reasons, Self::reason)?;
        self.array(&o.credit_managers, |w, person| {
            w.str(person);
            Ok(())
        })?;
        self.instant(&o.decided_at);
        Ok(())
    }

    fn rejected(&mut self, o: &OrderRejected) {
        self.head(&o.event_id, EventType::OrderRejected, &o.decided_at);
        for id in [&o.order_id, &o.company_id, &o.customer_id, &o.decided_by] {
            self.str(id);
        }
        self.instant(&o.decided_at);
    }

    fn notification(&mut self, n: &CreditNotification) -> Written {
        self.head(&n.event_id, EventType::CreditNotification, &n.decided_at);
        self.str(&n.notification_id);
        self.str(n.kind);
        self.array(&n.recipients, |w, recipient| {
            w.str(recipient.role);
            w.str(&recipient.person);
            Ok(())
        })?;
        for id in [&n.company_id, &n.customer_id, &n.group_id, &n.order_id] {
            self.opt_str(id.as_deref());
        }
        self.str(&n.message);
        self.instant(&n.decided_at);
        Ok(())
    }
}

/// The event type (and schema) an output is written with.
pub fn output_type(output: &OutputEvent) -> EventType {
    match output {
        OutputEvent::Approved(_) => EventType::OrderApproved,
        OutputEvent::Held(_) => EventType::OrderHeld,
        OutputEvent::Rejected(_) => EventType::OrderRejected,
        OutputEvent::Notification(_) => EventType::CreditNotification,
    }
}

/// Appends the output's Avro body (no framing header), byte-identical to the body of
/// Python's `codec.encode_output`. `Err` where Python raises instead (a decimal of more than
/// 22 digits or 4 places): then `out` is left as it was.
pub fn write_output(output: &OutputEvent, out: &mut Vec<u8>) -> Result<(), Unencodable> {
    let start = out.len();
    let mut writer = Writer { out };
    let written = match output {
        OutputEvent::Approved(o) => writer.approved(o),
        OutputEvent::Held(o) => writer.held(o),
        OutputEvent::Rejected(o) => {
            writer.rejected(o);
            Ok(())
        }
        OutputEvent::Notification(n) => writer.notification(n),
    };
    if written.is_err() {
        out.truncate(start);
    }
    written
}

/// Appends the output as Python's `codec.encode_output` writes it without a registry: the
/// single-object header of its schema, then its body.
pub fn write_single_object(output: &OutputEvent, out: &mut Vec<u8>) -> Result<(), Unencodable> {
    let start = out.len();
    crate::framing::write_single_object_header(output_type(output), out);
    let written = write_output(output, out);
    if written.is_err() {
        out.truncate(start);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `service.avro_compiled.write_long` of the same values.
    #[test]
    fn varints_as_python_writes_them() {
        let hex = |value: i64| {
            let mut out = Vec::new();
            write_long(&mut out, value);
            out.iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        assert_eq!(hex(0), "00");
        assert_eq!(hex(-1), "01");
        assert_eq!(hex(63), "7e");
        assert_eq!(hex(64), "8001");
        assert_eq!(hex(-65), "8101");
        assert_eq!(hex(1_772_442_000_000), "80eab4dc9567");
        assert_eq!(hex(i64::MAX), "feffffffffffffffff01");
        assert_eq!(hex(i64::MIN), "ffffffffffffffffff01");
    }
}
