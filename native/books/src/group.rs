//! A credit group's running totals (`service/domain/group_totals.py::GroupTotals`), kept
//! incrementally as member books change: sums per (ledger currency, company) and open
//! invoices per (currency, due date), so a group check converts a handful of sums.

use crate::book::AccountBook;
use crate::Wide;
use credit_model::{Ccy, Day, GroupView, Minor};

/// One member company's balances in one ledger currency.
#[derive(Clone, Debug)]
struct Bucket {
    currency: Ccy,
    company_id: Box<str>,
    receivable: Wide,
    open_orders: Wide,
}

/// The group's open invoices due on one day in one currency.
#[derive(Clone, Copy, Debug)]
struct DueTotal {
    currency: Ccy,
    due: Day,
    amount: Wide,
}

/// A credit group's member balances, summed per `(ledger currency, company)`, and its open
/// invoices summed per (currency, due date).
///
/// Buckets keep the order they were first added in and are never dropped (as Python's dict);
/// due totals are sorted by (currency code, due date) and a total that comes back to 0 is
/// dropped. Python sorts them by currency *number* (the order currencies were first seen by
/// the process), then due date: the per-currency results here are sorted by code instead, as
/// `GroupView` asks.
#[derive(Clone, Debug, Default)]
pub struct GroupTotals {
    buckets: Vec<Bucket>,
    dues: Vec<DueTotal>,
}

impl GroupTotals {
    pub fn new() -> GroupTotals {
        GroupTotals::default()
    }

    /// Move a member's balances in a currency by these deltas (a bucket is made, at 0, the
    /// first time a (currency, company) is named, even by zero deltas).
    pub fn add(&mut self, currency: Ccy, company_id: &str, receivable: Minor, open_orders: Minor) {
        let found = self
            .buckets
            .iter_mut()
            .find(|b| b.currency == currency && *b.company_id == *company_id);
        let bucket = match found {
            Some(bucket) => bucket,
            None => {
                let company_id = company_id.into();
                self.buckets.push(Bucket {
                    currency,
                    company_id,
                    receivable: Wide(0),
                    open_orders: Wide(0),
                });
                let last = self.buckets.len() - 1;
                &mut self.buckets[last]
            }
        };
        bucket.receivable = Wide(bucket.receivable.get() + receivable);
        bucket.open_orders = Wide(bucket.open_orders.get() + open_orders);
    }

    /// The buckets as (currency, company, receivable, open orders), in the order first added
    /// (`buckets.items()`).
    pub fn buckets(&self) -> Vec<(Ccy, &str, Minor, Minor)> {
        let rows = self.buckets.iter();
        rows.map(|b| {
            (
                b.currency,
                &*b.company_id,
                b.receivable.get(),
                b.open_orders.get(),
            )
        })
        .collect()
    }

    /// Count a member's whole book in (`sign` 1) or out (`sign` -1) of the group. (As in
    /// Python, the balances are multiplied by `sign`, and the dues are added when `sign > 0`
    /// and taken off otherwise.)
    pub fn add_book(&mut self, book: &AccountBook, company_id: &str, sign: i32) {
        let sign = sign as Minor;
        self.add(
            book.currency(),
            company_id,
            sign * book.receivable(),
            sign * book.open_order_total(),
        );
        let mut dues = book.dues();
        if sign <= 0 {
            dues.iter_mut().for_each(|(_, amount)| *amount = -*amount);
        }
        self.add_dues(book.currency(), &dues);
    }

    /// Carry a member's change of open invoices by due date into the group's.
    pub fn add_dues(&mut self, currency: Ccy, changes: &[(Day, Minor)]) {
        for &(due, change) in changes {
            if change == 0 {
                continue;
            }
            let key = |total: &DueTotal| (total.currency, total.due);
            match self
                .dues
                .binary_search_by(|total| key(total).cmp(&(currency, due)))
            {
                Ok(at) => {
                    let left = self.dues[at].amount.get() + change;
                    if left == 0 {
                        self.dues.remove(at);
                    } else {
                        self.dues[at].amount = Wide(left);
                    }
                }
                Err(at) => self.dues.insert(
                    at,
                    DueTotal {
                        currency,
                        due,
                        amount: Wide(change),
                    },
                ),
            }
        }
    }

    /// The open invoices by (currency, due date), sorted by currency code then due date.
    pub fn dues(&self) -> Vec<(Ccy, Day, Minor)> {
        self.dues
            .iter()
            .map(|total| (total.currency, total.due, total.amount.get()))
            .collect()
    }

    /// Bytes on the heap beyond `size_of::<GroupTotals>()` (requested sizes).
    pub fn heap_bytes(&self) -> usize {
        let buckets: usize = self.buckets.iter().map(|b| b.company_id.len()).sum();
        buckets
            + self.buckets.capacity() * std::mem::size_of::<Bucket>()
            + self.dues.capacity() * std::mem::size_of::<DueTotal>()
    }
}

impl GroupView for GroupTotals {
    fn exposure(&self, counts_no_open_orders: &dyn Fn(&str) -> bool) -> Vec<(Ccy, Minor)> {
        let mut found: Vec<(Ccy, Minor)> = Vec::new();
        for bucket in &self.buckets {
            let mut counted = bucket.receivable.get();
            if !counts_no_open_orders(&bucket.company_id) {
                counted += bucket.open_orders.get();
            }
            match found
                .iter_mut()
                .find(|(currency, _)| *currency == bucket.currency)
            {
                Some((_, sum)) => *sum += counted,
                None => found.push((bucket.currency, counted)),
            }
        }
        found.sort_by_key(|(currency, _)| *currency);
        found
    }

    fn overdue(&self, day: Day, allowed_days: i64) -> Vec<(Ccy, Minor)> {
        let cutoff = (day.0 as i64).saturating_sub(allowed_days).max(0);
        let mut found: Vec<(Ccy, Minor)> = Vec::new();
        let mut last: Option<Ccy> = None;
        for total in self
            .dues
            .iter()
            .filter(|total| (total.due.0 as i64) < cutoff)
        {
            if last == Some(total.currency) {
                if let Some((_, sum)) = found.last_mut() {
                    *sum += total.amount.get();
                }
            } else {
                found.push((total.currency, total.amount.get()));
                last = Some(total.currency);
            }
        }
        found
    }
}
