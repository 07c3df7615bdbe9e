//! The wire framings of `service/codec.py`: Avro single-object encoding (`C3 01`, then the
//! 8-byte CRC-64-AVRO fingerprint of the writer schema's parsing canonical form) and the
//! Confluent Schema Registry's (`00`, then the 4-byte big-endian schema id).
//!
//! This crate reads and writes the bodies of exactly the schemas in `schemas/*.avsc`; their
//! fingerprints are [`EventType::fingerprint`]. As that fingerprint does not cover logical
//! types, [`Schemas`] takes a schema as ours only when its reading form is (see
//! `schema.rs`); a payload written with any other schema (an older or newer version, a
//! registry schema not known to match) is left to Python.

use crate::NotFast;

/// The event types of CONTRACT.md, one per schema in `schemas/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    OrderCreated,
    InvoicePosted,
    PaymentPosted,
    OrderCancelled,
    HoldReleased,
    HoldRejected,
    CompanyUpserted,
    WarehouseUpserted,
    CustomerUpserted,
    GroupUpserted,
    ExchangeRateSet,
    OrderApproved,
    OrderHeld,
    OrderRejected,
    CreditNotification,
}

/// Every event type, with its `event_type` name and the fingerprint of its schema (as
/// `service.codec.fingerprint(load_schemas("schemas")[name]).hex()` prints it).
const SCHEMAS: [(EventType, &str, [u8; 8]); 15] = [
    (EventType::OrderCreated, "order_created", fp(0x2e911ec2c4304a58)),
    (EventType::InvoicePosted, "invoice_posted", fp(0x421cef11ac890d7f)),
    (EventType::PaymentPosted, "payment_posted", fp(0x560301ffff051929)),
    (EventType::OrderCancelled, "order_cancelled", fp(0x74a307a9ffb6c5c3)),
    (EventType::HoldReleased, "hold_released", fp(0x37c1e8fa8a20eea4)),
    (EventType::HoldRejected, "hold_rejected", fp(0x2d770e1e266e5ac7)),
    (EventType::CompanyUpserted, "company_upserted", fp(0xf6268a95742a9154)),
    (EventType::WarehouseUpserted, "warehouse_upserted", fp(0x47eb6ec2b6d9c9f2)),
    (EventType::CustomerUpserted, "customer_upserted", fp(0x6e08415a3334c6cb)),
    (EventType::GroupUpserted, "group_upserted", fp(0x395e044d2c87ee55)),
    (EventType::ExchangeRateSet, "exchange_rate_set", fp(0x99dffa7af206e2f6)),
    (EventType::OrderApproved, "order_approved", fp(0xce51e309301daac3)),
    (EventType::OrderHeld, "order_held", fp(0x3ef0a9e97888c965)),
    (EventType::OrderRejected, "order_rejected", fp(0x2e14a2bae10a8889)),
    (EventType::CreditNotification, "credit_notification", fp(0xc3c360766ae79df8)),
];

/// The fingerprint bytes in the order they are written, from their hex.
const fn fp(hex: u64) -> [u8; 8] {
    hex.to_be_bytes()
}

impl EventType {
    pub const ALL: [EventType; 15] = {
        let mut all = [EventType::OrderCreated; 15];
        let mut i = 0;
        while i < 15 {
            all[i] = SCHEMAS[i].0;
            i += 1;
        }
        all
    };

    fn entry(self) -> &'static (EventType, &'static str, [u8; 8]) {
        &SCHEMAS[self as usize]
    }

    /// The `event_type` value (and schema file stem): `order_created`.
    pub fn name(self) -> &'static str {
        self.entry().1
    }

    /// The event type named so, if any.
    pub fn from_name(name: &str) -> Option<EventType> {
        SCHEMAS.iter().find(|entry| entry.1 == name).map(|entry| entry.0)
    }

    /// CRC-64-AVRO fingerprint of the schema this crate reads and writes for the type.
    pub fn fingerprint(self) -> [u8; 8] {
        self.entry().2
    }

    /// The type whose schema has this fingerprint.
    pub fn from_fingerprint(fingerprint: &[u8]) -> Option<EventType> {
        SCHEMAS.iter().find(|entry| entry.2 == fingerprint).map(|entry| entry.0)
    }

    /// Whether it is an input event (read by [`crate::read_input`]).
    pub fn is_input(self) -> bool {
        (self as usize) < 11
    }
}

/// The CRC-64-AVRO (Rabin) fingerprint of a schema's parsing canonical form, 8 bytes
/// little-endian, as `codec.fingerprint` gives it.
pub fn fingerprint(canonical_form: &[u8]) -> [u8; 8] {
    const EMPTY: u64 = 0xc15d_213a_a4d7_a795;
    let mut value = EMPTY;
    for &byte in canonical_form {
        let mut entry = (value ^ u64::from(byte)) & 0xFF;
        for _ in 0..8 {
            entry = (entry >> 1) ^ (EMPTY & (entry & 1).wrapping_neg());
        }
        value = (value >> 8) ^ entry;
    }
    value.to_le_bytes()
}

pub const SINGLE_OBJECT_MARKER: [u8; 2] = [0xC3, 0x01];
const SINGLE_OBJECT_HEADER: usize = 10;
pub const CONFLUENT_MAGIC: u8 = 0;
const CONFLUENT_HEADER: usize = 5;

/// The schemas Python reads and writes with, as far as they are this crate's: the caller
/// gives the codec's own schema of each type (`codec.schema_json` of `AvroCodec`'s schemas)
/// and, with a registry, each writer schema under its id; a type or id whose schema is not
/// exactly ours (in its reading form: logical types, precisions and scales included) stays
/// with Python.
#[derive(Clone, Debug, Default)]
pub struct Schemas {
    known: [bool; 15],
    ids: Vec<(u32, EventType)>,
}

impl Schemas {
    /// No schema known yet: every payload is left to Python.
    pub fn new() -> Schemas {
        Schemas::default()
    }

    /// The codec's schema of `event_type` (its Avro JSON): `true`, and the type is read and
    /// written here, when it is the schema this crate stands for.
    pub fn add_codec_schema(&mut self, event_type: EventType, schema_json: &str) -> bool {
        let ours = schema_type(schema_json) == Some(event_type);
        self.known[event_type as usize] = ours;
        ours
    }

    /// The registry's writer schema under `schema_id` (its Avro JSON): the event type its
    /// records are read as here, when it is one of ours and the codec's schema of that type
    /// is ours too (Python reads such records with fastavro, which the tests compare).
    pub fn add_registry_schema(&mut self, schema_id: u32, schema_json: &str) -> Option<EventType> {
        self.ids.retain(|(id, _)| *id != schema_id);
        let event_type = schema_type(schema_json).filter(|et| self.knows(*et))?;
        self.ids.push((schema_id, event_type));
        Some(event_type)
    }

    /// Whether events of this type are read and written here.
    pub fn knows(&self, event_type: EventType) -> bool {
        self.known[event_type as usize]
    }

    /// A single-object encoded payload's event type and body, when its fingerprint is that
    /// of a known schema (Python refuses an unknown one, or reads another of its own).
    pub fn split_single_object<'a>(&self, payload: &'a [u8]) -> Result<(EventType, &'a [u8]), NotFast> {
        if payload.len() < SINGLE_OBJECT_HEADER || payload[..2] != SINGLE_OBJECT_MARKER {
            return Err(NotFast::new("framing", "not single-object encoded"));
        }
        let event_type = EventType::from_fingerprint(&payload[2..SINGLE_OBJECT_HEADER])
            .filter(|et| self.knows(*et))
            .ok_or(NotFast::new("framing", "writer schema not one of ours"))?;
        Ok((event_type, &payload[SINGLE_OBJECT_HEADER..]))
    }

    /// A Confluent-framed payload's event type and body, when its schema id was added.
    pub fn split_confluent<'a>(&self, payload: &'a [u8]) -> Result<(EventType, &'a [u8]), NotFast> {
        if payload.len() < CONFLUENT_HEADER || payload[0] != CONFLUENT_MAGIC {
            return Err(NotFast::new("framing", "not Confluent framed"));
        }
        let schema_id = u32::from_be_bytes([payload[1], payload[2], payload[3], payload[4]]);
        let event_type = self
            .ids
            .iter()
            .find(|(id, _)| *id == schema_id)
            .map(|(_, event_type)| *event_type)
            .ok_or(NotFast::new("framing", "schema id not known"))?;
        Ok((event_type, &payload[CONFLUENT_HEADER..]))
    }
}

/// CRC-64-AVRO of a record schema's reading form (its parsing canonical form with logical
/// types, precisions and scales kept), from its Avro JSON; `None` if it is not one.
pub fn reading_fingerprint(schema_json: &str) -> Option<[u8; 8]> {
    let (_, form) = crate::schema::reading_form(schema_json)?;
    Some(fingerprint(form.as_bytes()))
}

/// The event type whose schema this is, in its reading form, if any.
fn schema_type(schema_json: &str) -> Option<EventType> {
    let print = reading_fingerprint(schema_json)?;
    EventType::ALL.into_iter().find(|et| READING_FORMS[*et as usize] == print)
}

/// [`reading_fingerprint`] of each schema in `schemas/` (`codec.schema_json` of the codec's),
/// in [`EventType`] order: the schemas the readers and writers of this crate are written for.
/// `print_reading_forms` in `tests/read_input.rs` prints them; `load` there checks them.
const READING_FORMS: [[u8; 8]; 15] = [
    fp(0x0755d6907397d40e), // order_created
    fp(0xaa82b883eb837192), // invoice_posted
    fp(0x6c754e0d212ec8b2), // payment_posted
    fp(0xf6a6add46c5a2e43), // order_cancelled
    fp(0xbde81a97149e78ee), // hold_released
    fp(0xc754bb7650657703), // hold_rejected
    fp(0x26238a0b22ed9e11), // company_upserted
    fp(0x2ba38914b3580b1c), // warehouse_upserted
    fp(0x47c33c491a3ad882), // customer_upserted
    fp(0xa4ecef642f436d0b), // group_upserted
    fp(0x4139f6bb1f8f1870), // exchange_rate_set
    fp(0x1808f93d5bea2056), // order_approved
    fp(0x106617442f049059), // order_held
    fp(0xd900d8ea740bdfee), // order_rejected
    fp(0x5d11039400ec12ce), // credit_notification
];

/// Appends the single-object header of an event of `event_type` (marker, fingerprint).
pub fn write_single_object_header(event_type: EventType, out: &mut Vec<u8>) {
    out.extend_from_slice(&SINGLE_OBJECT_MARKER);
    out.extend_from_slice(&event_type.fingerprint());
}

/// Appends the Confluent header of a record written with the schema registered as `schema_id`.
pub fn write_confluent_header(schema_id: u32, out: &mut Vec<u8>) {
    out.push(CONFLUENT_MAGIC);
    out.extend_from_slice(&schema_id.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `service.codec.fingerprint("int")`, and the header of `tests/unit/test_codec.py`.
    #[test]
    fn fingerprint_of_a_primitive() {
        let header: Vec<u8> = [&SINGLE_OBJECT_MARKER[..], &fingerprint(b"\"int\"")].concat();
        assert_eq!(header, [0xc3, 0x01, 0x8f, 0x5c, 0x39, 0x3f, 0x1a, 0xd5, 0x75, 0x72]);
    }

    #[test]
    fn names_and_fingerprints_go_both_ways() {
        for (index, event_type) in EventType::ALL.into_iter().enumerate() {
            assert_eq!(event_type as usize, index);
            assert_eq!(EventType::from_name(event_type.name()), Some(event_type));
            assert_eq!(EventType::from_fingerprint(&event_type.fingerprint()), Some(event_type));
        }
        assert_eq!(EventType::from_name("order_shipped"), None);
    }

    #[test]
    fn headers_split_back() {
        let mut schemas = Schemas::new();
        schemas.known[EventType::OrderHeld as usize] = true;
        schemas.ids.push((258, EventType::OrderHeld));
        let mut payload = Vec::new();
        write_single_object_header(EventType::OrderHeld, &mut payload);
        payload.push(7);
        assert_eq!(schemas.split_single_object(&payload), Ok((EventType::OrderHeld, &[7u8][..])));
        assert!(schemas.split_single_object(&payload[..9]).is_err());
        assert!(Schemas::new().split_single_object(&payload).is_err());
        let mut framed = Vec::new();
        write_confluent_header(258, &mut framed);
        assert_eq!(framed, [0, 0, 0, 1, 2]);
        assert_eq!(schemas.split_confluent(&framed), Ok((EventType::OrderHeld, &[][..])));
        write_confluent_header(259, &mut framed);
        assert!(schemas.split_confluent(&framed[5..]).is_err());
        assert!(schemas.split_confluent(&framed[..4]).is_err());
    }
}
