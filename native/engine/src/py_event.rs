//! An input event read from its Avro record here, for Python: `NativeEvent`.
//!
//! The service's Kafka loop reads an input record once; an event the native reader takes
//! (`credit_avro::read_input`: exactly the values fastavro and pydantic give, else it is left
//! to Python) stays a Rust value that the engine decides without any Python model. Python
//! reads the few fields it routes, orders and logs by through the getters, named as on the
//! pydantic events (`event_type`, `occurred_at`, `account`, `order_id`, `group_id`, ...), with
//! `None` where the event has no such field.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDateTime, PyString, PyTuple, PyTzInfo};

use credit_avro::{read_input, Schemas};
use credit_model::format::civil;
use credit_model::{InputEvent, Instant};

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// What the service reads of an event: every event has an id and an instant; account events
/// an account; some an order; a group record its group.
#[derive(Default)]
struct Head<'a> {
    event_id: &'a str,
    occurred_at: Option<Instant>,
    company_id: Option<&'a str>,
    customer_id: Option<&'a str>,
    order_id: Option<&'a str>,
    group_id: Option<&'a str>,
}

#[pyclass(frozen)]
pub struct NativeEvent {
    pub event: InputEvent,
    /// the type's name, interned (read on every record's path)
    event_type: Py<PyString>,
    /// `(company_id, customer_id)` of an account event, made once (read several times)
    pub(crate) account: Option<Py<PyTuple>>,
    /// the record's value it was read from (Python reads it again to route it by JSON)
    payload: Py<PyBytes>,
}

fn account_head<'a>(event_id: &'a str, at: Instant, company_id: &'a str, customer_id: &'a str,
                    order_id: Option<&'a str>) -> Head<'a> {
    Head { event_id, occurred_at: Some(at), company_id: Some(company_id),
           customer_id: Some(customer_id), order_id, group_id: None }
}

impl NativeEvent {
    /// The event's instant in µs since the epoch, UTC.
    pub(crate) fn occurred_micros(&self) -> i64 {
        self.head().occurred_at.map_or(0, |at| at.utc_micros)
    }

    fn head(&self) -> Head<'_> {
        match &self.event {
            InputEvent::OrderCreated(e) => account_head(&e.event_id, e.occurred_at,
                &e.company_id, &e.customer_id, Some(&e.order_id)),
            InputEvent::InvoicePosted(e) => account_head(&e.event_id, e.occurred_at,
                &e.company_id, &e.customer_id, e.order_id.as_deref()),
            InputEvent::PaymentPosted(e) => account_head(&e.event_id, e.occurred_at,
                &e.company_id, &e.customer_id, None),
            InputEvent::OrderCancelled(e) => account_head(&e.event_id, e.occurred_at,
                &e.company_id, &e.customer_id, Some(&e.order_id)),
            InputEvent::HoldReleased(e) | InputEvent::HoldRejected(e) => account_head(
                &e.event_id, e.occurred_at, &e.company_id, &e.customer_id, Some(&e.order_id)),
            InputEvent::CustomerUpserted(e) => account_head(&e.event_id, e.occurred_at,
                &e.company_id, &e.customer_id, None),
            InputEvent::CompanyUpserted(e) => Head { event_id: &e.event_id,
                occurred_at: Some(e.occurred_at), company_id: Some(&e.company_id),
                ..Head::default() },
            InputEvent::WarehouseUpserted(e) => Head { event_id: &e.event_id,
                occurred_at: Some(e.occurred_at), company_id: Some(&e.company_id),
                ..Head::default() },
            InputEvent::GroupUpserted(e) => Head { event_id: &e.event_id,
                occurred_at: Some(e.occurred_at), group_id: Some(&e.group_id),
                ..Head::default() },
            InputEvent::ExchangeRateSet(e) => Head { event_id: &e.event_id,
                occurred_at: Some(e.occurred_at), ..Head::default() },
        }
    }
}

#[pymethods]
impl NativeEvent {
    #[getter]
    fn event_type(&self, py: Python<'_>) -> Py<PyString> {
        self.event_type.clone_ref(py)
    }

    /// The record value the event was read from.
    #[getter]
    fn payload(&self, py: Python<'_>) -> Py<PyBytes> {
        self.payload.clone_ref(py)
    }

    #[getter]
    fn event_id(&self) -> &str {
        self.head().event_id
    }

    #[getter]
    fn company_id(&self) -> Option<&str> {
        self.head().company_id
    }

    #[getter]
    fn customer_id(&self) -> Option<&str> {
        self.head().customer_id
    }

    /// `(company_id, customer_id)` of an account event (`None` for the others).
    #[getter]
    fn account(&self, py: Python<'_>) -> Option<Py<PyTuple>> {
        self.account.as_ref().map(|account| account.clone_ref(py))
    }

    /// The group of a group record.
    #[getter]
    fn group_id(&self) -> Option<&str> {
        self.head().group_id
    }

    #[getter]
    fn order_id(&self) -> Option<&str> {
        self.head().order_id
    }

    /// The event's instant as an aware `datetime` in UTC (as fastavro reads it).
    #[getter]
    fn occurred_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        let at = self.head().occurred_at.expect("every input event has its instant");
        let (year, month, day) = civil(at.utc_day());
        let of_day = at.utc_micros.rem_euclid(MICROS_PER_DAY);
        let seconds = of_day / 1_000_000;
        let utc = PyTzInfo::utc(py)?;
        PyDateTime::new(py, year as i32, month as u8, day as u8, (seconds / 3600) as u8,
                        (seconds / 60 % 60) as u8, (seconds % 60) as u8,
                        (of_day % 1_000_000) as u32, Some(&utc))
    }
}

/// The input event of a single-object encoded record, when this crate reads it as Python
/// would; `None` leaves the record to Python (another schema or framing, an output type, and
/// anything Python might refuse or read otherwise, so its error stays Python's).
pub fn read_event(schemas: &Schemas, payload: &Bound<'_, PyBytes>) -> PyResult<Option<NativeEvent>> {
    let Ok((event_type, body)) = schemas.split_single_object(payload.as_bytes()) else {
        return Ok(None);
    };
    let Ok(event) = read_input(body, event_type) else { return Ok(None) };
    let py = payload.py();
    let mut read = NativeEvent {
        event, event_type: PyString::intern(py, event_type.name()).unbind(), account: None,
        payload: payload.clone().unbind(),
    };
    let head = read.head();
    if let (Some(company_id), Some(customer_id)) = (head.company_id, head.customer_id) {
        read.account = Some(PyTuple::new(py, [company_id, customer_id])?.unbind());
    }
    Ok(Some(read))
}
