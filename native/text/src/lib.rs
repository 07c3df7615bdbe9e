//! The text edges of the native credit engine: input event lines in, output event lines out.
//!
//! - [`parse_event`] reads an input event's JSON line (CONTRACT.md) natively when it is in the
//!   canonical subset, with exactly the values pydantic would give (`service/domain/events.py`);
//!   anything else is [`NotCanonical`], for the caller to hand to pydantic.
//! - [`write_output`] writes an output event as the replay command's JSON line, byte-identical
//!   to `service/serialize.py::to_json_line`.

mod compact;
mod names;
mod parse;
mod plain;
mod scan;
mod values;
mod write;

pub use parse::{parse_event, NotCanonical};
pub use write::write_output;
