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
pub mod custody;
pub mod digest;
pub mod direct;
pub mod engine;
pub mod membership;
pub mod merge_release;
pub mod py_event;
pub mod reference;
pub mod service_outputs;
pub mod stored;
pub mod wire;

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use credit_model::Minor;

use crate::py_event::NativeEvent;
use crate::service_outputs::ServiceOutput;

create_exception!(credit_native, InvalidEvent, PyException, "An event the engine refused.");
create_exception!(credit_native, UnencodableOutput, PyException, "An output its schema cannot hold.");
create_exception!(credit_native, UnreadableBook, PyException, "Bytes that are no account book.");
create_exception!(credit_native, UnreadableSnapshot, PyException,
                  "Bytes that are no reference snapshot of this engine.");

/// One output for the service (`decide_avro`).
type ServiceTuple<'py> = (&'static str, Bound<'py, PyBytes>, Option<String>, Option<String>,
                          Option<String>, Vec<&'static str>, i64);

/// A book handed over from another partition: `ValueError` when the bytes are none, so the
/// record is poison; a damaged book held here stays `UnreadableBook` (the store, not the record).
fn read_handed_over(payload: &[u8]) -> PyResult<credit_books::AccountBook> {
    credit_books::book_from_bytes(payload).map_err(|why| PyValueError::new_err(why.to_string()))
}

/// `event` applied once what it reads is loaded: a damaged store is `UnreadableBook`, an event
/// the engine refuses `InvalidEvent`.
fn settled_outcome(engine: &mut engine::Engine, event: &credit_model::InputEvent)
    -> PyResult<engine::Outcome> {
    engine.settle(event).map_err(UnreadableBook::new_err)?;
    engine.apply(event).map_err(InvalidEvent::new_err)
}

/// The native engine: every balance and rule of the Python `CreditEngine`.
#[pyclass]
struct NativeEngine {
    engine: engine::Engine,
    out: Vec<u8>,
    /// the codec's schemas this engine reads and writes (`use_codec_schema`)
    schemas: credit_avro::Schemas,
    /// each output type's topic and framing header, for runs decided at once
    framings: direct::Framings,
    /// a changelog key being written (`flush_home_books`)
    key: Vec<u8>,
}

#[pymethods]
impl NativeEngine {
    #[new]
    fn new() -> Self {
        NativeEngine { engine: engine::Engine::new(), out: Vec::with_capacity(4096),
                       schemas: credit_avro::Schemas::new(), framings: Default::default(),
                       key: Vec::with_capacity(64) }
    }

    /// The outputs of one input line as JSON lines; `None` when the line is not canonical.
    fn handle_json<'py>(&mut self, py: Python<'py>, line: &[u8])
        -> PyResult<Option<Bound<'py, PyBytes>>> {
        let Ok(event) = credit_text::parse_event(line) else { return Ok(None) };
        let outcome = settled_outcome(&mut self.engine, &event)?;
        self.out.clear();
        for output in &outcome.outputs {
            credit_text::write_output(output, &mut self.out);
            self.out.push(b'\n');
        }
        Ok(Some(PyBytes::new(py, &self.out)))
    }

    /// The outputs of one canonical input line as the service publishes them, and why the
    /// event changed nothing (`None` when it changed something); `None` for a line that is
    /// not canonical. Each output is `(event_type, Avro body, company_id, customer_id,
    /// group_id, hold reason codes, decided_at in µs since the epoch)`.
    #[allow(clippy::type_complexity)]
    fn decide_avro<'py>(&mut self, py: Python<'py>, line: &[u8])
        -> PyResult<Option<(Vec<ServiceTuple<'py>>, Option<String>)>> {
        let Ok(event) = credit_text::parse_event(line) else { return Ok(None) };
        self.decide_for_service(py, &event).map(Some)
    }

    /// `decide_avro` of an event read here (`read_event`).
    fn decide_event<'py>(&mut self, py: Python<'py>, event: PyRef<'py, NativeEvent>)
        -> PyResult<(Vec<ServiceTuple<'py>>, Option<String>)> {
        self.decide_for_service(py, &event.event)
    }

    /// The topic and framing header (`AvroCodec.output_header`) of `event_type`'s outputs in
    /// runs decided at once (`decide_direct`); false for a type that is no output.
    fn frame_output(&mut self, event_type: &str, topic: Bound<'_, PyString>, header: Vec<u8>)
        -> bool {
        match credit_avro::EventType::from_name(event_type) {
            Some(known) if direct::OUTPUTS.contains(&known) => {
                self.framings.set(known, topic.unbind(), header);
                true
            }
            _ => false,
        }
    }

    /// True once every output type has its framing (`frame_output`).
    fn outputs_framed(&self) -> bool {
        self.framings.is_complete()
    }

    /// Decide released input records from `items[start]` on, while each may be decided where
    /// it is read (`fast[p]`: its root's partition `p` may); see `direct.rs`.
    fn decide_direct(&mut self, items: &Bound<'_, PyList>, start: usize, fast: Vec<bool>)
        -> PyResult<direct::DirectBatch> {
        direct::decide_run(&mut self.engine, &self.framings, &mut self.out, items, start, &fast)
    }

    /// Read input records of a poll into the event-time merge's buffers from `messages[start]`
    /// on, while this engine reads them; returns how many it read (see `direct.rs`).
    fn buffer_inputs(&self, messages: &Bound<'_, PyList>, start: usize,
                     ranks: &Bound<'_, PyDict>, buffers: &Bound<'_, PyDict>,
                     new_buffer: &Bound<'_, PyAny>) -> PyResult<usize> {
        direct::buffer_run(&self.schemas, messages, start, ranks, buffers, new_buffer)
    }

    /// The codec's schema of `event_type` (its Avro JSON); true when it is the one this
    /// engine reads and writes (`credit_avro::Schemas::add_codec_schema`).
    fn use_codec_schema(&mut self, event_type: &str, schema_json: &str) -> bool {
        let Some(known) = credit_avro::EventType::from_name(event_type) else { return false };
        self.schemas.add_codec_schema(known, schema_json)
    }

    /// The input event of a single-object encoded record, or `None`: the record is Python's
    /// to read (another schema or framing, or a value Python might refuse or read otherwise).
    fn read_event(&self, payload: &Bound<'_, PyBytes>) -> PyResult<Option<NativeEvent>> {
        py_event::read_event(&self.schemas, payload)
    }

    /// The credit root that owns the account's balances (`G:<group>` or `A:<company>:<customer>`).
    fn root_of(&self, company_id: &str, customer_id: &str) -> String {
        self.engine.root_of(company_id, customer_id)
    }

    /// The account's book in the changelog format (`service/domain/snapshot.py`), if held.
    fn book_bytes<'py>(&mut self, py: Python<'py>, company_id: &str, customer_id: &str)
        -> PyResult<Option<Bound<'py, PyBytes>>> {
        let book = self.engine.loaded_book(company_id, customer_id).map_err(UnreadableBook::new_err)?;
        Ok(book.map(|book| PyBytes::new(py, &credit_books::book_to_bytes(book))))
    }

    /// For each account: its changelog key (`b"b\x1f<company>\x1f<customer>"`), its book's
    /// bytes (`None`: it has none) and the partition of its credit root.
    #[allow(clippy::type_complexity)]
    fn flush_books<'py>(&mut self, py: Python<'py>, accounts: Vec<(String, String)>,
                        partitions: u32)
        -> PyResult<Vec<(Bound<'py, PyBytes>, Option<Bound<'py, PyBytes>>, u32)>> {
        let mut key = Vec::with_capacity(64);
        accounts.iter().map(|(company_id, customer_id)| {
            custody::write_book_key(company_id, customer_id, &mut key);
            let book = self.engine.loaded_book(company_id, customer_id)
                .map_err(UnreadableBook::new_err)?;
            let payload = book.map(|book| PyBytes::new(py, &credit_books::book_to_bytes(book)));
            let root = self.engine.root_of(company_id, customer_id);
            Ok((PyBytes::new(py, &key), payload, custody::partition_of(&root, partitions)))
        }).collect()
    }

    /// `CreditProcessor.flush` of the books that stay at their home, from `accounts[start]`
    /// on; returns how many it flushed (see `direct.rs`).
    #[allow(clippy::too_many_arguments)]
    fn flush_home_books(&mut self, accounts: &Bound<'_, PyList>, start: usize, owned: Vec<bool>,
                        book_homes: &Bound<'_, PyDict>, changes: &Bound<'_, PyDict>,
                        changelog: &Bound<'_, PyList>) -> PyResult<usize> {
        direct::flush_run(&mut self.engine, accounts, start, &owned, book_homes, changes, changelog,
                          &mut self.key)
    }

    /// `sorted(accounts)` of account tuples, or `None` (see `direct.rs`).
    #[staticmethod]
    fn sorted_accounts<'py>(accounts: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyList>>> {
        direct::sorted_accounts(accounts)
    }

    fn has_book(&self, company_id: &str, customer_id: &str) -> bool {
        self.engine.holds_book(company_id, customer_id)
    }

    /// Books restored from a store: each `(changelog key, book bytes)` kept as its account's
    /// (`Engine::put_book`); returns each account with the partition of its credit root
    /// (`zlib.crc32(root) % partitions`). `UnreadableBook` names a key or book that is none.
    #[allow(clippy::type_complexity)]
    fn adopt_books(&mut self, books: Vec<(Bound<'_, PyBytes>, Bound<'_, PyBytes>)>,
                   partitions: u32) -> PyResult<Vec<((String, String), u32)>> {
        let mut homes = Vec::with_capacity(books.len());
        for (key, payload) in &books {
            let Some((company_id, customer_id)) = custody::account_of_key(key.as_bytes()) else {
                let key = String::from_utf8_lossy(key.as_bytes());
                return Err(UnreadableBook::new_err(format!("no account book key: {key:?}")));
            };
            let root = self.engine.adopt_stored(company_id, customer_id, payload.as_bytes());
            homes.push(((company_id.to_owned(), customer_id.to_owned()),
                        custody::partition_of(&root, partitions)));
        }
        Ok(homes)
    }

    /// A book handed over: it absorbs the book the engine holds for the account, if any.
    fn merge_book(&mut self, company_id: &str, customer_id: &str, payload: &[u8])
        -> PyResult<String> {
        let book = read_handed_over(payload)?;
        self.engine.merge_book(company_id, customer_id, book).map_err(UnreadableBook::new_err)
    }

    /// Remove the account's book and its share of its group's totals; false if none was held.
    fn drop_book(&mut self, company_id: &str, customer_id: &str) -> bool {
        self.engine.drop_book(company_id, customer_id)
    }

    /// How many books are held as their stored bytes, not decoded yet (`stored.rs`).
    fn stored_count(&self) -> usize {
        self.engine.stored.len()
    }

    /// Decode every stored book and count it in its group (as first use would, over time).
    fn load_all_books(&mut self) -> PyResult<()> {
        self.engine.load_all().map_err(UnreadableBook::new_err)
    }

    /// Every account the engine holds a book of, sorted.
    fn book_accounts(&self) -> Vec<(String, String)> {
        let held = self.engine.book_accounts().into_iter();
        held.map(|(company, customer)| (company.into(), customer.into())).collect()
    }

    /// The accounts naming `group_id` (known or not yet known), sorted.
    fn members(&self, group_id: &str) -> Vec<(String, String)> {
        let members = self.engine.reference.members(group_id).into_iter();
        members.map(|(company, customer)| (company.into(), customer.into())).collect()
    }

    /// A group's totals: `(currency, company, receivable, open orders)` in minor units, and
    /// `(currency, due day, amount)` of open invoices (a day as `date.toordinal()`).
    #[allow(clippy::type_complexity)]
    fn group_totals(&mut self, group_id: &str)
        -> PyResult<(Vec<(String, String, Minor, Minor)>, Vec<(String, i64, Minor)>)> {
        let totals = self.engine.loaded_totals(group_id).map_err(UnreadableBook::new_err)?;
        let Some(totals) = totals else { return Ok((vec![], vec![])) };
        let buckets = totals.buckets().into_iter().filter(|b| b.2 != 0 || b.3 != 0);
        let buckets = buckets.map(|(ccy, company, receivable, open)| {
            (ccy.to_string(), company.to_owned(), receivable, open)
        });
        let dues = totals.dues().into_iter().filter(|d| d.2 != 0);
        let dues = dues.map(|(ccy, day, amount)| (ccy.to_string(), i64::from(day.0), amount));
        Ok((buckets.collect(), dues.collect()))
    }

    /// Why a line is not canonical (for diagnostics), or `None` if it is.
    #[staticmethod]
    fn not_canonical(line: &[u8]) -> Option<String> {
        credit_text::parse_event(line).err().map(|why| why.0)
    }

    /// The reference table as bytes (`Reference::to_snapshot`); `UnreadableSnapshot` once
    /// the engine holds a book.
    fn reference_snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.engine.reference_snapshot().map_err(UnreadableSnapshot::new_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The reference table replaced by the snapshot's (`reference_snapshot`); on
    /// `UnreadableSnapshot` nothing changed. A panic while reading is that error too: the
    /// table being read is dropped, the one held is kept.
    fn load_reference_snapshot(&mut self, payload: &[u8]) -> PyResult<()> {
        let read = std::panic::catch_unwind(|| reference::Reference::from_snapshot(payload))
            .unwrap_or_else(|_| Err("the snapshot could not be read".into()));
        let restored = read.and_then(|table| self.engine.restore_reference(table));
        restored.map_err(UnreadableSnapshot::new_err)
    }

    /// How many account books the engine holds.
    fn account_count(&self) -> usize {
        self.engine.books.iter().flatten().count() + self.engine.stored.len()
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
        parts.push(("stored books", engine.stored.heap_bytes()));
        parts
    }

    /// How many customer profiles the reference table holds.
    fn customer_count(&self) -> usize {
        self.engine.reference.customer_count()
    }

    /// How many orders are held for a credit analyst.
    fn held_count(&mut self) -> PyResult<usize> {
        self.engine.load_all().map_err(UnreadableBook::new_err)?;
        Ok(self.engine.books.iter().flatten().map(|book| book.hold_items().len()).sum())
    }
}

impl NativeEngine {
    fn decide_for_service<'py>(&mut self, py: Python<'py>, event: &credit_model::InputEvent)
        -> PyResult<(Vec<ServiceTuple<'py>>, Option<String>)> {
        let outcome = settled_outcome(&mut self.engine, event)?;
        let mut outputs = Vec::with_capacity(outcome.outputs.len());
        for output in &outcome.outputs {
            self.out.clear();
            credit_avro::write_output(output, &mut self.out)
                .map_err(|why| UnencodableOutput::new_err(format!("{why:?}")))?;
            let o = ServiceOutput::of(output);
            outputs.push((o.event_type, PyBytes::new(py, &self.out), o.company_id.map(str::to_owned),
                          o.customer_id.map(str::to_owned), o.group_id.map(str::to_owned),
                          o.reason_codes, o.decided_at_micros));
        }
        Ok((outputs, outcome.ignored))
    }
}

#[pymodule]
fn credit_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeEngine>()?;
    m.add_class::<NativeEvent>()?;
    m.add_class::<direct::DirectBatch>()?;
    m.add_function(wrap_pyfunction!(merge_release::release_merged, m)?)?;
    m.add("InvalidEvent", m.py().get_type::<InvalidEvent>())?;
    m.add("UnencodableOutput", m.py().get_type::<UnencodableOutput>())?;
    m.add("UnreadableBook", m.py().get_type::<UnreadableBook>())?;
    m.add("UnreadableSnapshot", m.py().get_type::<UnreadableSnapshot>())?;
    Ok(())
}
