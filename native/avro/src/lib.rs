//! The Avro edges of the native credit engine: input events read from the service's Kafka
//! records, output events written as the service publishes them.
//!
//! - [`read_input`] reads an input event's Avro body (written with the service's own schema
//!   of its type, `schemas/*.avsc`) into the model's event with exactly the values Python's
//!   path gives (`codec.decode`, then pydantic's `INPUT_EVENT.validate_python`); a record
//!   Python would refuse, or might read otherwise, is [`NotFast`]: the caller hands it to
//!   Python.
//! - [`Schemas`] knows which of the codec's schemas (and the registry's) are the ones this
//!   crate reads and writes, and takes the framing header off a payload.
//! - [`write_output`] writes an output event's Avro body byte-identical to Python's
//!   `codec.encode_output`; [`write_single_object`] with its header.

mod body;
mod decimal;
mod framing;
mod input;
mod output;
mod schema;

pub use decimal::Unencodable;
pub use framing::{
    fingerprint, reading_fingerprint, write_confluent_header, write_single_object_header,
    EventType, Schemas, CONFLUENT_MAGIC, SINGLE_OBJECT_MARKER,
};
pub use input::read_input;
pub use output::{output_type, write_output, write_single_object};

/// Why a record is left to Python: it refuses it, or might read it otherwise, or the case is
/// outside what this crate reads (another writer schema, an unusual encoding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotFast {
    /// The schema field where reading stopped (`framing`, `record` for the whole).
    pub field: &'static str,
    pub why: &'static str,
}

impl NotFast {
    pub(crate) const fn new(field: &'static str, why: &'static str) -> NotFast {
        NotFast { field, why }
    }
}

impl std::fmt::Display for NotFast {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.why)
    }
}

impl std::error::Error for NotFast {}
