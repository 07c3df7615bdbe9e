//! The native credit engine, for Python: `credit_native.NativeEngine`.
//!
//! `handle_json(line)` reads one input event (a JSON line of CONTRACT.md), applies it, and
//! returns the output events it caused as JSON lines, each ending in a newline, byte for byte
//! what the Python engine and `service/serialize.py::to_json_line` give. A line outside the
//! canonical form the native reader accepts returns `None` and changes nothing: the caller
//! validates it with pydantic and hands over the validated event's `model_dump_json()`. A bad
//! event (the Python engine's `InvalidEventError`) raises `InvalidEvent` with the same reason.

pub mod accounts;
pub mod applied;
pub mod digest;
pub mod engine;
pub mod membership;
pub mod reference;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

create_exception!(credit_native, InvalidEvent, PyException, "An event the engine refused.");

/// The native engine: every balance and rule of the Python `CreditEngine`.
#[pyclass(unsendable)]
struct NativeEngine {
    engine: engine::Engine,
    out: Vec<u8>,
}

#[pymethods]
impl NativeEngine {
    #[new]
    fn new() -> Self {
        NativeEngine { engine: engine::Engine::new(), out: Vec::with_capacity(4096) }
    }

    /// The outputs of one input line as JSON lines; `None` when the line is not canonical.
    fn handle_json<'py>(&mut self, py: Python<'py>, line: &[u8])
        -> PyResult<Option<Bound<'py, PyBytes>>> {
        let Ok(event) = credit_text::parse_event(line) else { return Ok(None) };
        let outcome = self.engine.handle(&event).map_err(InvalidEvent::new_err)?;
        self.out.clear();
        for output in &outcome.outputs {
            credit_text::write_output(output, &mut self.out);
            self.out.push(b'\n');
        }
        Ok(Some(PyBytes::new(py, &self.out)))
    }

    /// Why a line is not canonical (for diagnostics), or `None` if it is.
    #[staticmethod]
    fn not_canonical(line: &[u8]) -> Option<String> {
        credit_text::parse_event(line).err().map(|why| why.0)
    }

    /// How many account books the engine holds.
    fn account_count(&self) -> usize {
        self.engine.books.iter().flatten().count()
    }

    /// Bytes the engine holds, by part (capacities, as allocated: an estimate of its memory).
    fn memory_breakdown(&self) -> Vec<(&'static str, usize)> {
        let engine = &self.engine;
        let mut parts = engine.reference.heap_bytes();
        let books = engine.books.iter().flatten();
        parts.push(("books (fixed part)",
                    engine.books.capacity() * std::mem::size_of::<Option<credit_books::AccountBook>>()));
        parts.push(("books (buffers)", books.map(|book| book.heap_bytes()).sum()));
        parts.push(("group totals", engine.group_totals.values().map(|t| t.heap_bytes() + 64).sum()));
        parts
    }

    /// How many orders are held for a credit analyst.
    fn held_count(&self) -> usize {
        self.engine.books.iter().flatten().map(|book| book.hold_items().len()).sum()
    }
}

#[pymodule]
fn credit_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeEngine>()?;
    m.add("InvalidEvent", m.py().get_type::<InvalidEvent>())?;
    Ok(())
}
