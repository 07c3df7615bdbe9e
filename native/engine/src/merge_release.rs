//! The event-time merge's release (`service/runtime/merge.py`, `EventTimeMerge.release`,
//! which says what it does) over the merge's own buffers, for the native engine's service:
//! `credit_native.release_merged`. The same heads and ties (by partition, as Python compares
//! the heap's tuples), the same questions for lag, once per partition and call, and the same
//! holding back (`tests/unit/test_merge.py` runs both on the same cases and random ones).

use hashbrown::{HashMap, HashSet};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// A partition's buffer at the head of the merge: its first record's sort key, then the
/// partition `(topic, number)` (ties go by partition, as Python compares the heap's tuples).
struct Head<'py> {
    key: (f64, i64, i64),
    tie: (String, i64),
    buffer: Bound<'py, PyAny>,
}

impl Head<'_> {
    fn order(&self, other: &Self) -> std::cmp::Ordering {
        let (a, b) = (&self.key, &other.key);
        a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)).then_with(|| self.tie.cmp(&other.tie))
    }
}

impl PartialEq for Head<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.order(other).is_eq()
    }
}

impl Eq for Head<'_> {}

impl PartialOrd for Head<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Head<'_> {
    /// Reversed: `BinaryHeap` pops the greatest, the merge the smallest key.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.order(self)
    }
}

/// The sort key of the first entry of a buffer that has one.
fn first_key(buffer: &Bound<'_, PyAny>) -> PyResult<(f64, i64, i64)> {
    buffer.get_item(0)?.get_item(0)?.extract()
}

/// `EventTimeMerge.release` over its `buffers` (`service/runtime/merge.py`, which documents
/// what it does): the released items, and the instant the merge has been held back since.
#[pyfunction]
#[pyo3(signature = (buffers, assigned, has_lag, now, blocked_since, max_wait_s))]
#[allow(clippy::type_complexity)]
pub fn release_merged<'py>(buffers: &Bound<'py, PyDict>, assigned: Vec<(String, i64)>,
                           has_lag: &Bound<'py, PyAny>, now: f64, blocked_since: Option<f64>,
                           max_wait_s: f64) -> PyResult<(Bound<'py, PyList>, Option<f64>)> {
    let py = buffers.py();
    let released = PyList::empty(py);
    let mut heads = std::collections::BinaryHeap::new();
    for (partition, buffer) in buffers.iter() {
        if buffer.len()? > 0 {
            heads.push(Head { key: first_key(&buffer)?, tie: partition.extract()?, buffer });
        }
    }
    if heads.is_empty() {
        return Ok((released, None));
    }
    let assigned: HashSet<(String, i64)> = assigned.into_iter().collect();
    let mut lag: HashMap<(String, i64), bool> = HashMap::new();
    let mut lagging = |partition: &(String, i64)| -> PyResult<bool> {
        if let Some(known) = lag.get(partition) {
            return Ok(*known);
        }
        let found = has_lag.call1((partition.clone(),))?.is_truthy()?;
        lag.insert(partition.clone(), found);
        Ok(found)
    };
    let mut waiting: HashSet<(String, i64)> = HashSet::new();
    for partition in &assigned {
        let empty = match buffers.get_item(partition.clone())? {
            Some(buffer) => buffer.len()? == 0,
            None => true,
        };
        if empty && lagging(partition)? {
            waiting.insert(partition.clone());
        }
    }
    let mut blocked_since = blocked_since;
    while let Some(top) = heads.pop() {
        if !waiting.is_empty() {
            let since = *blocked_since.get_or_insert(now);
            if now - since < max_wait_s {
                return Ok((released, blocked_since));
            }
        } else {
            blocked_since = None;
        }
        let Head { tie, buffer, .. } = top;
        released.append(buffer.call_method0(intern!(py, "popleft"))?.get_item(1)?)?;
        if buffer.len()? > 0 {
            heads.push(Head { key: first_key(&buffer)?, tie, buffer });
        } else if assigned.contains(&tie) && lagging(&tie)? {
            waiting.insert(tie);
        }
    }
    Ok((released, None))
}
