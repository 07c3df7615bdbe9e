//! The Kafka loop's common case in runs, one call for many records: input records read
//! into the event-time merge (`buffer_inputs`), released input events decided where they
//! are read (`decide_direct`), and the changed books that stay at their home written to the
//! changelog (`flush_home_books`). Each stops before the first item it may not take, which
//! the Python path handles as before (errors, routing, hand-overs, dead letters stay there).
//!
//! `buffer_inputs`: the Kafka loop's `RecordHandling._buffer` of each record of a poll, for
//! the records this engine reads itself. It stops before the first record that is not an
//! input (a by-root record, an error), has no value, or is one it leaves to Python (the loop
//! buffers that one as before and calls again after it).
//!
//! The Kafka loop releases a poll's input records from its event-time merge in order. While
//! each is an event this engine read itself (`NativeEvent`), of a transaction type, whose
//! credit root lives on a partition the caller says may decide at once (owned, nothing of it
//! still on its way through the by-root topic, no hand-over awaited there), the engine
//! decides it here: no Python per record. It stops before the first record that is not so;
//! the caller handles that one record by record (route it, dead-letter it, decide a
//! pydantic event) and calls again after it. An event the engine refuses (`InvalidEvent`)
//! also stops the run before it: the engine changed nothing but perhaps opened the
//! account's empty book, which deciding it again opens too, so the record-by-record path
//! raises the same error with the record's context.
//!
//! What comes back (`DirectBatch`) is what the record-by-record path would have produced
//! and counted for the same events: each output as a record ready to produce (topic, key
//! `company:customer`, framing header and Avro body), the accounts whose books changed,
//! the input offsets reached, and the counts behind the service's metrics.

use hashbrown::HashMap;
use pyo3::prelude::*;
use pyo3::intern;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use credit_avro::{EventType, Schemas};
use credit_model::InputEvent;

use crate::custody::write_book_key;
use crate::engine::Engine;
use crate::py_event::{read_event, NativeEvent};
use crate::service_outputs::ServiceOutput;
use crate::{UnencodableOutput, UnreadableBook};

/// Where a released item keeps what the run reads: `(record, event, error, topic rank,
/// partition, offset)` (`service.runtime.merge.Released`).
const EVENT: usize = 1;
const TOPIC_RANK: usize = 3;
const PARTITION: usize = 4;
const OFFSET: usize = 5;

/// One output type's topic and the framing header of its records (the codec's).
pub struct Framing {
    topic: Py<PyString>,
    header: Vec<u8>,
}

/// The output framings by `EventType` (set by `NativeEngine.frame_output`).
#[derive(Default)]
pub struct Framings(Vec<Option<Framing>>);

impl Framings {
    pub fn set(&mut self, event_type: EventType, topic: Py<PyString>, header: Vec<u8>) {
        let index = event_type as usize;
        if self.0.len() <= index {
            self.0.resize_with(index + 1, || None);
        }
        self.0[index] = Some(Framing { topic, header });
    }

    fn get(&self, event_type: EventType) -> Option<&Framing> {
        self.0.get(event_type as usize).and_then(Option::as_ref)
    }

    pub fn is_complete(&self) -> bool {
        OUTPUTS.iter().all(|event_type| self.get(*event_type).is_some())
    }
}

pub const OUTPUTS: [EventType; 4] = [EventType::OrderApproved, EventType::OrderHeld,
                                 EventType::OrderRejected, EventType::CreditNotification];

/// What a run of events decided where they were read gave (module doc).
#[pyclass(frozen, get_all)]
pub struct DirectBatch {
    /// how many released items the run decided, from the start it was given
    pub count: usize,
    /// `(topic, key, value)` of every output, in order
    pub records: Py<PyList>,
    /// `(company_id, customer_id)` of each event that changed its book
    pub accounts: Py<PyList>,
    /// `(topic rank, partition, offset after the last decided)` per input partition
    pub offsets: Vec<(u32, i64, i64)>,
    /// `(topic rank, event_type, count)` of the events decided
    pub events_in: Vec<(u32, &'static str, u64)>,
    /// `(event_type, count)` of the outputs
    pub events_out: Vec<(&'static str, u64)>,
    /// `(event_type, count)` of the events that changed nothing (a repeat, an unknown order)
    pub ignored: Vec<(&'static str, u64)>,
    /// `(reason code, count)` of the held orders' reasons
    pub hold_reasons: Vec<(&'static str, u64)>,
    /// `decided_at` of the last order decided, in µs since the epoch
    pub last_decided_micros: Option<i64>,
}

/// The counts of a run, gathered as it goes.
#[derive(Default)]
struct Tally {
    offsets: HashMap<(u32, i64), i64>,
    events_in: HashMap<(u32, &'static str), u64>,
    events_out: HashMap<&'static str, u64>,
    ignored: HashMap<&'static str, u64>,
    hold_reasons: HashMap<&'static str, u64>,
    last_decided_micros: Option<i64>,
}

fn sorted<K: Ord + Copy>(counts: HashMap<K, u64>) -> Vec<(K, u64)> {
    let mut pairs: Vec<(K, u64)> = counts.into_iter().collect();
    pairs.sort_unstable();
    pairs
}

/// The type and account of a transaction event (reference data: `None`, not for a
/// transaction topic).
pub(crate) fn transaction_of(event: &InputEvent) -> Option<(EventType, &str, &str)> {
    match event {
        InputEvent::OrderCreated(e) => Some((EventType::OrderCreated, &e.company_id, &e.customer_id)),
        InputEvent::InvoicePosted(e) => {
            Some((EventType::InvoicePosted, &e.company_id, &e.customer_id))
        }
        InputEvent::PaymentPosted(e) => {
            Some((EventType::PaymentPosted, &e.company_id, &e.customer_id))
        }
        InputEvent::OrderCancelled(e) => {
            Some((EventType::OrderCancelled, &e.company_id, &e.customer_id))
        }
        InputEvent::HoldReleased(e) => Some((EventType::HoldReleased, &e.company_id, &e.customer_id)),
        InputEvent::HoldRejected(e) => Some((EventType::HoldRejected, &e.company_id, &e.customer_id)),
        _ => None,
    }
}

/// The run of `items[start..]` (module doc); `fast[p]`: root partition `p` may decide at once.
pub fn decide_run(engine: &mut Engine, framings: &Framings, out: &mut Vec<u8>,
                  items: &Bound<'_, PyList>, start: usize, fast: &[bool])
                  -> PyResult<DirectBatch> {
    let py = items.py();
    let partitions = fast.len() as u32;
    let records = PyList::empty(py);
    let accounts = PyList::empty(py);
    let mut tally = Tally::default();
    let mut count = 0;
    for index in start..items.len() {
        let item = items.get_item(index)?;
        let item = item.downcast::<PyTuple>()?;
        let event = item.get_borrowed_item(EVENT)?;
        let Ok(read) = event.downcast::<NativeEvent>() else {
            break; // unreadable, or read by pydantic
        };
        let read = read.get();
        let Some((event_type, company_id, customer_id)) = transaction_of(&read.event) else {
            break;
        };
        if partitions == 0
            || !fast[engine.root_partition(company_id, customer_id, partitions) as usize] {
            break;
        }
        // a damaged stored book, or an event the engine refuses: record by record from here,
        // where each raises its own error
        if engine.settle(&read.event).is_err() {
            break;
        }
        let Ok(outcome) = engine.apply(&read.event) else { break };
        let event_type = event_type.name();
        for output in &outcome.outputs {
            let described = ServiceOutput::of(output);
            let Some(framing) = framings.get(credit_avro::output_type(output)) else {
                return Err(UnencodableOutput::new_err("no framing for output type"));
            };
            out.clear();
            out.extend_from_slice(&framing.header);
            credit_avro::write_output(output, out)
                .map_err(|why| UnencodableOutput::new_err(format!("{why:?}")))?;
            let key = format!("{}:{}", described.company_id.unwrap_or("None"),
                              described.customer_id.unwrap_or("None"));
            records.append((framing.topic.clone_ref(py), PyBytes::new(py, key.as_bytes()),
                            PyBytes::new(py, out)))?;
            *tally.events_out.entry(described.event_type).or_default() += 1;
            if matches!(described.event_type, "order_approved" | "order_held") {
                for code in &described.reason_codes {
                    *tally.hold_reasons.entry(*code).or_default() += 1;
                }
                tally.last_decided_micros = Some(described.decided_at_micros);
            }
        }
        if outcome.ignored.is_some() {
            *tally.ignored.entry(event_type).or_default() += 1;
        } else if let Some(account) = &read.account {
            accounts.append(account.clone_ref(py))?;
        }
        let rank: u32 = item.get_borrowed_item(TOPIC_RANK)?.extract()?;
        let partition: i64 = item.get_borrowed_item(PARTITION)?.extract()?;
        let offset: i64 = item.get_borrowed_item(OFFSET)?.extract()?;
        tally.offsets.insert((rank, partition), offset + 1);
        *tally.events_in.entry((rank, event_type)).or_default() += 1;
        count += 1;
    }
    let mut offsets: Vec<(u32, i64, i64)> =
        tally.offsets.into_iter().map(|((rank, partition), next)| (rank, partition, next)).collect();
    offsets.sort_unstable();
    Ok(DirectBatch {
        count, records: records.unbind(), accounts: accounts.unbind(), offsets,
        events_in: sorted(tally.events_in).into_iter().map(|((r, t), n)| (r, t, n)).collect(),
        events_out: sorted(tally.events_out), ignored: sorted(tally.ignored),
        hold_reasons: sorted(tally.hold_reasons),
        last_decided_micros: tally.last_decided_micros,
    })
}

/// Instants this far from the epoch, in µs, convert to seconds as Python's `timestamp()`
/// does: `micros / 10**6` rounded once (`f64` holds every integer below 2**53 exactly).
const EXACT_MICROS: u64 = 1 << 53;

/// `RecordHandling._buffer` of `messages[start..]` (module doc): each input record the
/// engine reads goes into `buffers[(topic, partition)]` (made with `new_buffer()` when
/// missing) as `((occurred_at seconds, topic rank, offset), Released)`, the merge's entries.
/// Returns how many records it buffered.
pub fn buffer_run(schemas: &Schemas, messages: &Bound<'_, PyList>, start: usize,
                  ranks: &Bound<'_, PyDict>, buffers: &Bound<'_, PyDict>,
                  new_buffer: &Bound<'_, PyAny>) -> PyResult<usize> {
    let py = messages.py();
    let mut last: Option<(Bound<'_, PyAny>, i64, Bound<'_, PyAny>)> = None;
    let mut count = 0;
    for index in start..messages.len() {
        let message = messages.get_item(index)?;
        if !message.call_method0(intern!(py, "error"))?.is_none() {
            break;
        }
        let topic = message.call_method0(intern!(py, "topic"))?;
        let Some(rank) = ranks.get_item(&topic)? else { break }; // not an input topic
        let value = message.call_method0(intern!(py, "value"))?;
        let Ok(payload) = value.downcast::<PyBytes>() else { break };
        let Some(event) = read_event(schemas, payload)? else { break };
        let micros = event.occurred_micros();
        if micros.unsigned_abs() >= EXACT_MICROS {
            break;
        }
        let partition: i64 = message.call_method0(intern!(py, "partition"))?.extract()?;
        let offset = message.call_method0(intern!(py, "offset"))?;
        let key = (micros as f64 / 1e6, &rank, &offset).into_pyobject(py)?;
        let item = (&message, Py::new(py, event)?, py.None(), &rank, partition, &offset)
            .into_pyobject(py)?;
        let buffer = match last.take() {
            Some((last_topic, last_partition, buffer))
                if last_partition == partition && last_topic.eq(&topic)? => buffer,
            _ => {
                let pkey = (&topic, partition).into_pyobject(py)?;
                match buffers.get_item(&pkey)? {
                    Some(buffer) => buffer,
                    None => {
                        let buffer = new_buffer.call0()?;
                        buffers.set_item(&pkey, &buffer)?;
                        buffer
                    }
                }
            }
        };
        buffer.call_method1(intern!(py, "append"), ((key, item),))?;
        last = Some((topic, partition, buffer));
        count += 1;
    }
    Ok(count)
}

/// `CreditProcessor.flush` of the changed books `accounts[start..]` (sorted, as the processor
/// flushes them), while each book stays at its home: the account has a book, its root's
/// partition is owned (`owned[p]`), and its book had no other home (`book_homes`). Each goes
/// into `changelog` as `(key, bytes, partition)` and into `changes[partition][key]`, and
/// `book_homes[account]` becomes its partition. Stops before the first that does not (the
/// processor deletes it from its old home, hands it over, or writes its deletion); returns
/// how many it flushed.
#[allow(clippy::too_many_arguments)]
pub fn flush_run(engine: &mut Engine, accounts: &Bound<'_, PyList>, start: usize, owned: &[bool],
                 book_homes: &Bound<'_, PyDict>, changes: &Bound<'_, PyDict>,
                 changelog: &Bound<'_, PyList>, key: &mut Vec<u8>) -> PyResult<usize> {
    let py = accounts.py();
    let partitions = owned.len() as u32;
    let mut changes_by_partition: Vec<Option<Bound<'_, PyDict>>> = vec![None; owned.len()];
    let mut count = 0;
    for index in start..accounts.len() {
        let account = accounts.get_item(index)?;
        let pair = account.downcast::<PyTuple>()?;
        let (company, customer) = (pair.get_borrowed_item(0)?, pair.get_borrowed_item(1)?);
        let company_id = company.downcast::<PyString>()?.to_str()?;
        let customer_id = customer.downcast::<PyString>()?.to_str()?;
        engine.load(company_id, customer_id).map_err(UnreadableBook::new_err)?;
        let Some(book) = engine.book(company_id, customer_id) else { break };
        if partitions == 0 {
            break;
        }
        let home = engine.root_partition(company_id, customer_id, partitions);
        if !owned[home as usize] {
            break;
        }
        let at_home = match book_homes.get_item(&account)? {
            Some(previous) if previous.extract::<u32>()? != home => break,
            Some(_) => true,
            None => false,
        };
        write_book_key(company_id, customer_id, key);
        let key = PyBytes::new(py, key);
        let payload = PyBytes::new(py, &credit_books::book_to_bytes(book));
        let partition_changes = match &changes_by_partition[home as usize] {
            Some(found) => found,
            None => {
                let found = match changes.get_item(home)? {
                    Some(found) => found.downcast_into::<PyDict>()?,
                    None => {
                        let made = PyDict::new(py);
                        changes.set_item(home, &made)?;
                        made
                    }
                };
                changes_by_partition[home as usize].insert(found)
            }
        };
        partition_changes.set_item(&key, &payload)?;
        changelog.append((key, payload, home))?;
        if !at_home {
            book_homes.set_item(&account, home)?;
        }
        count += 1;
    }
    Ok(count)
}

/// `sorted(accounts)` of `(company_id, customer_id)` tuples, as Python sorts them (UTF-8 byte
/// order is code point order), the same tuple objects; `None` when one is not a pair of
/// strings that are valid UTF-8 (the caller sorts those in Python).
pub fn sorted_accounts<'py>(accounts: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyList>>> {
    let py = accounts.py();
    let mut held: Vec<(Bound<'py, PyAny>, Bound<'py, PyString>, Bound<'py, PyString>)> = Vec::new();
    for account in accounts.try_iter()? {
        let account = account?;
        let Ok(pair) = account.downcast::<PyTuple>() else { return Ok(None) };
        if pair.len() != 2 {
            return Ok(None);
        }
        let (Ok(company_id), Ok(customer_id)) = (pair.get_item(0)?.downcast_into::<PyString>(),
                                                  pair.get_item(1)?.downcast_into::<PyString>())
        else {
            return Ok(None);
        };
        held.push((account, company_id, customer_id));
    }
    let mut keys: Vec<(&str, &str, usize)> = Vec::with_capacity(held.len());
    for (index, (_, company_id, customer_id)) in held.iter().enumerate() {
        let (Ok(company_id), Ok(customer_id)) = (company_id.to_str(), customer_id.to_str()) else {
            return Ok(None); // a lone surrogate: not UTF-8
        };
        keys.push((company_id, customer_id, index));
    }
    keys.sort_unstable();
    Ok(Some(PyList::new(py, keys.iter().map(|&(_, _, index)| &held[index].0))?))
}
