//! A transaction event read from its Avro record here, for Python: `NativeEvent`.
//!
//! The service's Kafka loop reads an input record once; an event the native reader takes
//! (`credit_avro::read_input`: exactly the values fastavro and pydantic give, else it is left
//! to Python) stays a Rust value that the engine decides without any Python model. Python
//! reads the few fields it routes, orders and logs by through the getters, named as on the
//! pydantic events (`event_type`, `occurred_at`, `account`, `order_id`, ...).

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDateTime, PyTzInfo};

use credit_avro::{read_input, EventType, Schemas};
use credit_model::format::civil;
use credit_model::{InputEvent, Instant};

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// What every transaction event has, whatever its type.
struct Head<'a> {
    event_id: &'a str,
    occurred_at: Instant,
    company_id: &'a str,
    customer_id: &'a str,
    order_id: Option<&'a str>,
}

#[pyclass(frozen)]
pub struct NativeEvent {
    pub event: InputEvent,
    event_type: &'static str,
    /// the record's value it was read from (Python reads it again to route it by JSON)
    payload: Py<PyBytes>,
}

impl NativeEvent {
    fn head(&self) -> Head<'_> {
        match &self.event {
            InputEvent::OrderCreated(e) => Head { event_id: &e.event_id, occurred_at: e.occurred_at,
                company_id: &e.company_id, customer_id: &e.customer_id,
                order_id: Some(&e.order_id) },
            InputEvent::InvoicePosted(e) => Head { event_id: &e.event_id,
                occurred_at: e.occurred_at, company_id: &e.company_id,
                customer_id: &e.customer_id, order_id: e.order_id.as_deref() },
            InputEvent::PaymentPosted(e) => Head { event_id: &e.event_id,
                occurred_at: e.occurred_at, company_id: &e.company_id,
                customer_id: &e.customer_id, order_id: None },
            InputEvent::OrderCancelled(e) => Head { event_id: &e.event_id,
                occurred_at: e.occurred_at, company_id: &e.company_id,
                customer_id: &e.customer_id, order_id: Some(&e.order_id) },
            InputEvent::HoldReleased(e) | InputEvent::HoldRejected(e) => Head {
                event_id: &e.event_id, occurred_at: e.occurred_at, company_id: &e.company_id,
                customer_id: &e.customer_id, order_id: Some(&e.order_id) },
            _ => unreachable!("only transaction events are read into a NativeEvent"),
        }
    }
}

#[pymethods]
impl NativeEvent {
    #[getter]
    fn event_type(&self) -> &'static str {
        self.event_type
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
    fn company_id(&self) -> &str {
        self.head().company_id
    }

    #[getter]
    fn customer_id(&self) -> &str {
        self.head().customer_id
    }

    #[getter]
    fn account(&self) -> (&str, &str) {
        let head = self.head();
        (head.company_id, head.customer_id)
    }

    #[getter]
    fn order_id(&self) -> Option<&str> {
        self.head().order_id
    }

    /// The event's instant as an aware `datetime` in UTC (as fastavro reads it).
    #[getter]
    fn occurred_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        let at = self.head().occurred_at;
        let (year, month, day) = civil(at.utc_day());
        let of_day = at.utc_micros.rem_euclid(MICROS_PER_DAY);
        let seconds = of_day / 1_000_000;
        let utc = PyTzInfo::utc(py)?;
        PyDateTime::new(py, year as i32, month as u8, day as u8, (seconds / 3600) as u8,
                        (seconds / 60 % 60) as u8, (seconds % 60) as u8,
                        (of_day % 1_000_000) as u32, Some(&utc))
    }
}

const TRANSACTIONS: [EventType; 6] = [
    EventType::OrderCreated, EventType::InvoicePosted, EventType::PaymentPosted,
    EventType::OrderCancelled, EventType::HoldReleased, EventType::HoldRejected,
];

/// The transaction event of a single-object encoded record, when this crate reads it as
/// Python would; `None` leaves the record to Python (any other type, schema or framing, and
/// anything Python might refuse or read otherwise, so its error stays Python's).
pub fn read_transaction(schemas: &Schemas, payload: &Bound<'_, PyBytes>) -> Option<NativeEvent> {
    let (event_type, body) = schemas.split_single_object(payload.as_bytes()).ok()?;
    if !TRANSACTIONS.contains(&event_type) {
        return None;
    }
    let event = read_input(body, event_type).ok()?;
    Some(NativeEvent { event, event_type: event_type.name(), payload: payload.clone().unbind() })
}
