//! The wire framings of `service/codec.py`: Avro single-object encoding (`C3 01`, then the
//! 8-byte CRC-64-AVRO fingerprint of the writer schema's parsing canonical form) and the
//! Confluent Schema Registry's (`00`, then the 4-byte big-endian schema id).
//!
//! This crate reads and writes the bodies of exactly the schemas in `schemas/*.avsc`; their
//! fingerprints are [`EventType::fingerprint`]. A payload written with any other schema (an
//! older or newer version, a registry schema not known to match) is left to Python.

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

/// A single-object encoded payload's event type and body. The payload is left to Python
/// unless its fingerprint is one of this crate's schemas (Python refuses an unknown one, or
/// reads one of its own schemas that differs from ours).
pub fn split_single_object(payload: &[u8]) -> Result<(EventType, &[u8]), NotFast> {
    if payload.len() < SINGLE_OBJECT_HEADER || payload[..2] != SINGLE_OBJECT_MARKER {
        return Err(NotFast::new("framing", "not single-object encoded"));
    }
    let event_type = EventType::from_fingerprint(&payload[2..SINGLE_OBJECT_HEADER])
        .ok_or(NotFast::new("framing", "writer schema not one of ours"))?;
    Ok((event_type, &payload[SINGLE_OBJECT_HEADER..]))
}

/// The Confluent schema ids known to stand for this crate's schemas: the caller adds an id
/// once it knows the registry's schema under that id has the same fingerprint (e.g.
/// `codec.fingerprint` of the registry's text) and that Python reads it with the same
/// reader (`codec.decode`'s compiled path, whose results this crate is tested against).
#[derive(Clone, Debug, Default)]
pub struct SchemaIds {
    ids: Vec<(u32, EventType)>,
}

impl SchemaIds {
    pub fn new() -> SchemaIds {
        SchemaIds::default()
    }

    /// Maps `schema_id` to the event type whose schema has `fingerprint`; `false` (and no
    /// mapping) when no schema of this crate has it.
    pub fn add(&mut self, schema_id: u32, fingerprint: &[u8]) -> bool {
        let Some(event_type) = EventType::from_fingerprint(fingerprint) else { return false };
        self.ids.retain(|(id, _)| *id != schema_id);
        self.ids.push((schema_id, event_type));
        true
    }

    pub fn event_type(&self, schema_id: u32) -> Option<EventType> {
        self.ids.iter().find(|(id, _)| *id == schema_id).map(|(_, event_type)| *event_type)
    }

    /// A Confluent-framed payload's event type and body; an id not added is left to Python.
    pub fn split<'a>(&self, payload: &'a [u8]) -> Result<(EventType, &'a [u8]), NotFast> {
        if payload.len() < CONFLUENT_HEADER || payload[0] != CONFLUENT_MAGIC {
            return Err(NotFast::new("framing", "not Confluent framed"));
        }
        let schema_id = u32::from_be_bytes([payload[1], payload[2], payload[3], payload[4]]);
        let event_type =
            self.event_type(schema_id).ok_or(NotFast::new("framing", "schema id not known"))?;
        Ok((event_type, &payload[CONFLUENT_HEADER..]))
    }
}

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
        let mut payload = Vec::new();
        write_single_object_header(EventType::OrderHeld, &mut payload);
        payload.push(7);
        assert_eq!(split_single_object(&payload), Ok((EventType::OrderHeld, &[7u8][..])));
        assert!(split_single_object(&payload[..9]).is_err());
        let mut ids = SchemaIds::new();
        assert!(ids.add(258, &EventType::OrderCreated.fingerprint()));
        assert!(!ids.add(259, &[0; 8]));
        let mut framed = Vec::new();
        write_confluent_header(258, &mut framed);
        assert_eq!(framed, [0, 0, 0, 1, 2]);
        assert_eq!(ids.split(&framed), Ok((EventType::OrderCreated, &[][..])));
        write_confluent_header(259, &mut framed);
        assert!(ids.split(&framed[5..]).is_err());
    }
}
