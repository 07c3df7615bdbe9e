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

/// The group's open invoices due on one day in one currency: 16 bytes while every amount
/// fits 64 bits (`i64`), 24 once one does not (`Wide`).
#[derive(Clone, Copy, Debug)]
struct DueTotal<A> {
    currency: Ccy,
    due: Day,
    amount: A,
}

/// An amount a due total is kept in.
trait DueAmount: Copy {
    fn minor(self) -> Minor;
    /// `None` if `minor` does not fit.
    fn of(minor: Minor) -> Option<Self>;
}

impl DueAmount for i64 {
    fn minor(self) -> Minor {
        self as Minor
    }
    fn of(minor: Minor) -> Option<i64> {
        i64::try_from(minor).ok()
    }
}

impl DueAmount for Wide {
    fn minor(self) -> Minor {
        self.get()
    }
    fn of(minor: Minor) -> Option<Wide> {
        Some(Wide(minor))
    }
}

/// The due totals, sorted by (currency code, due date); narrow until an amount needs more.
#[derive(Clone, Debug)]
enum Dues {
    Narrow(Vec<DueTotal<i64>>),
    Wide(Vec<DueTotal<Wide>>),
}

impl Default for Dues {
    fn default() -> Dues {
        Dues::Narrow(Vec::new())
    }
}

/// Add `change` to the total due on `due` in `currency` (made, or dropped at 0); `Err` (and
/// nothing changed) if an amount would not fit `A`.
fn add_due<A: DueAmount>(
    dues: &mut Vec<DueTotal<A>>,
    currency: Ccy,
    due: Day,
    change: Minor,
) -> Result<(), ()> {
    let key = |total: &DueTotal<A>| (total.currency, total.due);
    match dues.binary_search_by(|total| key(total).cmp(&(currency, due))) {
        Ok(at) => {
            let left = dues[at].amount.minor() + change;
            if left == 0 {
                dues.remove(at);
            } else {
                dues[at].amount = A::of(left).ok_or(())?;
            }
        }
        Err(at) => {
            let amount = A::of(change).ok_or(())?;
            if dues.len() == dues.capacity() {
                dues.reserve_exact(dues.len() / 4 + 1); // grown by a quarter: little slack
            }
            dues.insert(
                at,
                DueTotal {
                    currency,
                    due,
                    amount,
                },
            );
        }
    }
    Ok(())
}

impl Dues {
    fn add(&mut self, currency: Ccy, due: Day, change: Minor) {
        if let Dues::Narrow(narrow) = self {
            if add_due(narrow, currency, due, change).is_ok() {
                return;
            }
            let widened = narrow
                .iter()
                .map(|t| DueTotal {
                    currency: t.currency,
                    due: t.due,
                    amount: Wide(t.amount.minor()),
                })
                .collect();
            *self = Dues::Wide(widened);
        }
        if let Dues::Wide(wide) = self {
            add_due(wide, currency, due, change).expect("a Wide holds every Minor");
        }
    }

    /// (currency, due date, amount), sorted.
    fn iter(&self) -> Box<dyn Iterator<Item = (Ccy, Day, Minor)> + '_> {
        match self {
            Dues::Narrow(dues) => {
                Box::new(dues.iter().map(|t| (t.currency, t.due, t.amount.minor())))
            }
            Dues::Wide(dues) => {
                Box::new(dues.iter().map(|t| (t.currency, t.due, t.amount.minor())))
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Dues::Narrow(dues) => dues.capacity() * std::mem::size_of::<DueTotal<i64>>(),
            Dues::Wide(dues) => dues.capacity() * std::mem::size_of::<DueTotal<Wide>>(),
        }
    }
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
    dues: Dues,
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
            if change != 0 {
                self.dues.add(currency, due, change);
            }
        }
    }

    /// The open invoices by (currency, due date), sorted by currency code then due date.
    pub fn dues(&self) -> Vec<(Ccy, Day, Minor)> {
        self.dues.iter().collect()
    }

    /// Bytes on the heap beyond `size_of::<GroupTotals>()` (requested sizes).
    pub fn heap_bytes(&self) -> usize {
        let buckets: usize = self.buckets.iter().map(|b| b.company_id.len()).sum();
        buckets + self.buckets.capacity() * std::mem::size_of::<Bucket>() + self.dues.heap_bytes()
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
        for (currency, _, amount) in self
            .dues
            .iter()
            .filter(|(_, due, _)| (due.0 as i64) < cutoff)
        {
            if last == Some(currency) {
                if let Some((_, sum)) = found.last_mut() {
                    *sum += amount;
                }
            } else {
                found.push((currency, amount));
                last = Some(currency);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EUR: Ccy = Ccy(*b"EUR");
    const USD: Ccy = Ccy(*b"USD");

    #[test]
    fn dues_widen_when_an_amount_passes_64_bits_and_keep_every_total() {
        let mut totals = GroupTotals::new();
        let big = i64::MAX as Minor;
        totals.add_dues(USD, &[(Day(10), 5), (Day(12), 7)]);
        totals.add_dues(EUR, &[(Day(11), big)]);
        assert!(matches!(totals.dues, Dues::Narrow(_)));
        totals.add_dues(EUR, &[(Day(11), 1)]); // the sum passes i64::MAX
        assert!(matches!(totals.dues, Dues::Wide(_)));
        totals.add_dues(USD, &[(Day(12), -7)]); // back to 0: dropped
        assert_eq!(totals.dues(), vec![(EUR, Day(11), big + 1), (USD, Day(10), 5)]);
        assert_eq!(totals.overdue(Day(20), 0), vec![(EUR, big + 1), (USD, 5)]);
        let mut fresh = GroupTotals::new();
        fresh.add_dues(EUR, &[(Day(3), -(big + 2))]); // a first change too wide for 64 bits
        assert_eq!(fresh.dues(), vec![(EUR, Day(3), -(big + 2))]);
        assert_eq!(std::mem::size_of::<DueTotal<i64>>(), 16);
    }
}
