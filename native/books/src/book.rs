//! One account's balances (`service/domain/ledger.py::AccountBook`), in the account's ledger
//! currency: open receivables, approved open orders, held orders, unapplied credit, and the
//! log of ids already applied.

use crate::hold::{HeldOrder, StoredHold};
use crate::id::Id;
use crate::pyset::due_changes;
use crate::seen::Seen;
use crate::Wide;
use credit_model::{BookView, Ccy, Day, Minor};

/// An unpaid invoice (`packing.OpenInvoice`): what is still open of it, and its dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenInvoice {
    pub open_amount: Minor,
    pub due: Day,
    pub invoice_date: Day,
}

/// `remove_order` of an order that is not open (Python's `KeyError(order_id)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotOpen(pub String);

impl std::fmt::Display for NotOpen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "order {:?} is not open", self.0)
    }
}

impl std::error::Error for NotOpen {}

/// An approved order not yet invoiced: its amount in the book's currency.
#[derive(Clone, Debug)]
struct OpenOrder {
    amount: Wide,
    id: Id,
}

/// An open invoice record.
#[derive(Clone, Debug)]
struct Invoice {
    open: Wide,
    due: Day,
    invoice_date: Day,
    id: Id,
}

impl Invoice {
    fn view(&self) -> OpenInvoice {
        OpenInvoice {
            open_amount: self.open.get(),
            due: self.due,
            invoice_date: self.invoice_date,
        }
    }
}

/// The range Python's packed tables hold amounts in (`INT64_MIN <= x <= INT64_MAX`).
fn fits_i64(amount: Minor) -> bool {
    i64::try_from(amount).is_ok()
}

/// A copy of `items` with `item` at the end, allocated to size (tables stay exact-sized:
/// most books hold one or two entries).
fn appended<T>(items: &mut Box<[T]>, item: T) {
    let mut grown = std::mem::take(items).into_vec();
    grown.reserve_exact(1);
    grown.push(item);
    *items = grown.into_boxed_slice();
}

fn removed<T>(items: &mut Box<[T]>, at: usize) -> T {
    let mut rest = std::mem::take(items).into_vec();
    let item = rest.remove(at);
    *items = rest.into_boxed_slice();
    item
}

/// One account's balances. `receivable` = open invoices − unapplied credit.
///
/// Open orders and open invoices keep the order they were added in (a Python dict's: an id
/// added again keeps its place); both are exact-sized boxed slices, empty ones allocate
/// nothing. Holds are rare and boxed.
#[derive(Clone, Debug)]
pub struct AccountBook {
    receivable: Wide,
    open_order_total: Wide,
    credit: Wide,
    orders: Box<[OpenOrder]>,
    invoices: Box<[Invoice]>,
    seen: Seen,
    /// boxed: 8 bytes inline for the two thirds of books that hold nothing
    #[allow(clippy::box_collection)]
    holds: Option<Box<Vec<StoredHold>>>,
    currency: Ccy,
    /// `review_notified`, as a flag and an ordinal (8 bytes with the currency)
    review_set: bool,
    review_day: i32,
}

impl AccountBook {
    pub fn new(currency: Ccy) -> AccountBook {
        AccountBook {
            receivable: Wide(0),
            open_order_total: Wide(0),
            credit: Wide(0),
            orders: Box::default(),
            invoices: Box::default(),
            seen: Seen::default(),
            holds: None,
            currency,
            review_set: false,
            review_day: 0,
        }
    }

    pub fn currency(&self) -> Ccy {
        self.currency
    }

    /// Open invoices minus unapplied credit.
    pub fn receivable(&self) -> Minor {
        self.receivable.get()
    }

    /// The sum of the open orders' amounts, as added and taken (an order added again under
    /// the same id adds its new amount; the old one stays counted, as in Python).
    pub fn open_order_total(&self) -> Minor {
        self.open_order_total.get()
    }

    /// Payments not yet applied to an invoice.
    pub fn credit(&self) -> Minor {
        self.credit.get()
    }

    /// Set the three balances (a snapshot being read back).
    pub fn set_balances(&mut self, receivable: Minor, open_order_total: Minor, credit: Minor) {
        self.receivable = Wide(receivable);
        self.open_order_total = Wide(open_order_total);
        self.credit = Wide(credit);
    }

    /// The due date for which a review notice was last sent.
    pub fn review_notified(&self) -> Option<Day> {
        self.review_set.then_some(Day(self.review_day))
    }

    pub fn set_review_notified(&mut self, day: Option<Day>) {
        self.review_set = day.is_some();
        self.review_day = day.map_or(0, |day| day.0);
    }

    // -- idempotence ------------------------------------------------------------------------

    /// Whether the id with this digest was applied (`u64::from_be_bytes(id_digest(..))`).
    pub fn has_seen(&self, digest: u64) -> bool {
        self.seen.contains(digest)
    }

    /// Log an id not seen before (`has_seen` was false).
    pub fn mark_seen(&mut self, digest: u64) {
        self.seen.mark(digest);
    }

    /// The id log as a snapshot keeps it (`seen_bytes`, each digest read big-endian): as
    /// logged while it has at most 32 entries, else distinct and ascending.
    pub fn seen_log(&self) -> Vec<u64> {
        self.seen.snapshot()
    }

    /// Read back an id log (`load_seen`).
    pub fn load_seen(&mut self, digests: &[u64]) {
        self.seen = Seen::load(digests);
    }

    /// The distinct digests, ascending (`sorted(seen_digests())`).
    pub fn seen_digests(&self) -> Vec<u64> {
        self.seen.distinct()
    }

    // -- exposure ---------------------------------------------------------------------------

    /// What the account owes: receivable, plus open orders when the company counts them.
    pub fn exposure(&self, include_open_orders: bool) -> Minor {
        if include_open_orders {
            self.receivable.get() + self.open_order_total.get()
        } else {
            self.receivable.get()
        }
    }

    // -- open orders ------------------------------------------------------------------------

    fn order_at(&self, order_id: &str) -> Option<usize> {
        self.orders.iter().position(|order| order.id.is(order_id))
    }

    /// The open orders: id and amount, in the order they were opened.
    pub fn order_items(&self) -> Vec<(&str, Minor)> {
        self.orders
            .iter()
            .map(|order| (order.id.as_str(), order.amount.get()))
            .collect()
    }

    /// Replace the open orders (as a dict built from `orders`: a repeated id keeps its first
    /// place and its last amount); `open_order_total` is the caller's.
    pub fn set_orders<'a>(&mut self, orders: impl IntoIterator<Item = (&'a str, Minor)>) {
        self.orders = Box::default();
        for (order_id, amount) in orders {
            self.put_order(order_id, amount);
        }
    }

    pub fn has_order(&self, order_id: &str) -> bool {
        self.order_at(order_id).is_some()
    }

    fn put_order(&mut self, order_id: &str, amount: Minor) {
        match self.order_at(order_id) {
            Some(at) => self.orders[at].amount = Wide(amount),
            None => appended(
                &mut self.orders,
                OpenOrder {
                    amount: Wide(amount),
                    id: Id::new(order_id),
                },
            ),
        }
    }

    /// An open order; an order already open is replaced where it stands (its new amount is
    /// added to the total, the old one is not taken off).
    pub fn add_order(&mut self, order_id: &str, amount: Minor) {
        self.open_order_total = Wide(self.open_order_total.get() + amount);
        self.put_order(order_id, amount);
    }

    /// Close an open order: its amount, or `NotOpen` if it is not open.
    pub fn remove_order(&mut self, order_id: &str) -> Result<Minor, NotOpen> {
        self.take(order_id, None)
            .ok_or_else(|| NotOpen(order_id.to_owned()))
    }

    /// Close an open order: its amount, or `None` if it is not open.
    pub fn take_order(&mut self, order_id: &str) -> Option<Minor> {
        self.take(order_id, None)
    }

    /// Move up to `by` of an open order's amount out of open orders (an invoice for it);
    /// returns how much moved (0 if the order is not open). An order left at 0 is closed.
    pub fn reduce_order(&mut self, order_id: &str, by: Minor) -> Minor {
        self.take(order_id, Some(by)).unwrap_or(0)
    }

    /// Take `by` (everything: `None`) of an open order; `None` if it is not open.
    fn take(&mut self, order_id: &str, by: Option<Minor>) -> Option<Minor> {
        let at = self.order_at(order_id)?;
        let amount = self.orders[at].amount.get();
        let moved = match by {
            Some(by) if by < amount => by,
            _ => amount,
        };
        if moved != amount {
            self.orders[at].amount = Wide(amount - moved);
        } else {
            removed(&mut self.orders, at);
        }
        self.open_order_total = Wide(self.open_order_total.get() - moved);
        Some(moved)
    }

    // -- held orders ------------------------------------------------------------------------

    fn hold_at(&self, order_id: &str) -> Option<usize> {
        self.holds
            .as_ref()?
            .iter()
            .position(|hold| hold.is(order_id))
    }

    /// Whether any order is held (Python's `book.holds` being truthy).
    pub fn has_holds(&self) -> bool {
        self.holds.is_some()
    }

    /// The held orders by order id, in the order they were held.
    pub fn hold_items(&self) -> Vec<(&str, HeldOrder)> {
        let holds = self.holds.iter().flat_map(|holds| holds.iter());
        holds.map(|hold| (hold.order_id(), hold.held())).collect()
    }

    /// Replace the holds (as a dict built from `holds`).
    pub fn set_holds<'a>(&mut self, holds: impl IntoIterator<Item = (&'a str, HeldOrder)>) {
        self.holds = None;
        for (order_id, held) in holds {
            self.hold(order_id, held);
        }
    }

    /// The order's hold, if it is held.
    pub fn held(&self, order_id: &str) -> Option<HeldOrder> {
        let at = self.hold_at(order_id)?;
        self.holds.as_ref().map(|holds| holds[at].held())
    }

    /// Hold an order; a hold already recorded for it is replaced where it stands.
    pub fn hold(&mut self, order_id: &str, held: HeldOrder) {
        let stored = StoredHold::new(order_id, held);
        match (self.hold_at(order_id), self.holds.as_mut()) {
            (Some(at), Some(holds)) => holds[at] = stored,
            (_, Some(holds)) => {
                holds.reserve_exact(1);
                holds.push(stored);
            }
            (_, None) => self.holds = Some(Box::new(vec![stored])),
        }
    }

    /// Take the order's hold away and return it; `None` if it was not held.
    pub fn take_hold(&mut self, order_id: &str) -> Option<HeldOrder> {
        let at = self.hold_at(order_id)?;
        let holds = self.holds.as_mut()?;
        let hold = holds.remove(at);
        if holds.is_empty() {
            self.holds = None;
        } else {
            holds.shrink_to_fit();
        }
        Some(hold.held())
    }

    /// Take the order's hold away; false if it was not held.
    pub fn drop_hold(&mut self, order_id: &str) -> bool {
        self.take_hold(order_id).is_some()
    }

    // -- receivables ------------------------------------------------------------------------

    fn invoice_at(&self, invoice_id: &str) -> Option<usize> {
        self.invoices
            .iter()
            .position(|invoice| invoice.id.is(invoice_id))
    }

    /// The open invoices by id, in the order they were posted.
    pub fn invoice_items(&self) -> Vec<(&str, OpenInvoice)> {
        self.invoices
            .iter()
            .map(|invoice| (invoice.id.as_str(), invoice.view()))
            .collect()
    }

    /// Replace the open invoices (as a dict built from `invoices`; records are kept as given,
    /// an open amount of 0 too, as `set_invoices` does).
    pub fn set_invoices<'a>(&mut self, invoices: impl IntoIterator<Item = (&'a str, OpenInvoice)>) {
        self.invoices = Box::default();
        for (invoice_id, invoice) in invoices {
            self.put_invoice(invoice_id, invoice);
        }
    }

    fn put_invoice(&mut self, invoice_id: &str, invoice: OpenInvoice) {
        let OpenInvoice {
            open_amount,
            due,
            invoice_date,
        } = invoice;
        match self.invoice_at(invoice_id) {
            Some(at) => {
                let record = &mut self.invoices[at];
                (record.open, record.due, record.invoice_date) =
                    (Wide(open_amount), due, invoice_date);
            }
            None => appended(
                &mut self.invoices,
                Invoice {
                    open: Wide(open_amount),
                    due,
                    invoice_date,
                    id: Id::new(invoice_id),
                },
            ),
        }
    }

    /// The open invoices (amount, due date, invoice date), in the order they were posted.
    pub fn open_invoices(&self) -> Vec<OpenInvoice> {
        self.invoices.iter().map(Invoice::view).collect()
    }

    /// Whether Python keeps this book's invoices in the wide form (a dict, not packed bytes):
    /// an id with NUL in it or an open amount beyond 64 bits. Only what `post_invoice`
    /// returns depends on it.
    fn invoices_wide(&self) -> bool {
        self.invoices
            .iter()
            .any(|invoice| !fits_i64(invoice.open.get()) || invoice.id.as_bytes().contains(&0))
    }

    /// A new receivable; unapplied credit from earlier payments is consumed first.
    ///
    /// Returns the change of the open invoices by due date (what group totals carry), in
    /// Python's order: a new id gives `[(due, open amount)]` (nothing when credit covered it
    /// all); an id already open (or a book Python cannot pack) gives the change of every due
    /// date of the book, zeros included, in CPython's set order (`packing.due_changes`).
    pub fn post_invoice(
        &mut self,
        invoice_id: &str,
        amount: Minor,
        invoice_date: Day,
        due: Day,
    ) -> Vec<(Day, Minor)> {
        let consumed = self.credit.get().min(amount);
        self.credit = Wide(self.credit.get() - consumed);
        self.receivable = Wide(self.receivable.get() + amount);
        let left = amount - consumed;
        let present = self.invoice_at(invoice_id);
        let packed = fits_i64(left) && !invoice_id.contains('\0') && !self.invoices_wide();
        if packed && present.is_none() {
            if left == 0 {
                return Vec::new();
            }
            let record = Invoice {
                open: Wide(left),
                due,
                invoice_date,
                id: Id::new(invoice_id),
            };
            appended(&mut self.invoices, record);
            return vec![(due, left)];
        }
        let before = self.dues();
        match present {
            Some(at) if left == 0 => drop(removed(&mut self.invoices, at)),
            _ if left == 0 => {}
            _ => self.put_invoice(
                invoice_id,
                OpenInvoice {
                    open_amount: left,
                    due,
                    invoice_date,
                },
            ),
        }
        due_changes(&before, &self.dues())
    }

    /// A payment: the named invoices first, in the order named (a name not open, or paid off
    /// already, is passed over), then the rest oldest first by (due date, invoice id); what is
    /// left becomes unapplied credit. Invoices paid off are closed.
    ///
    /// Returns the change of the open invoices by due date, in the order the dues were first
    /// paid.
    pub fn post_payment<S: AsRef<str>>(
        &mut self,
        amount: Minor,
        invoice_ids: &[S],
    ) -> Vec<(Day, Minor)> {
        self.receivable = Wide(self.receivable.get() - amount);
        let mut remaining = amount;
        let mut changes: Vec<(Day, Minor)> = Vec::new();
        if !self.invoices.is_empty() {
            let mut open: Vec<Option<Minor>> = self
                .invoices
                .iter()
                .map(|invoice| Some(invoice.open.get()))
                .collect();
            let mut by_age: Vec<usize> = (0..self.invoices.len()).collect();
            by_age.sort_by(|&a, &b| {
                let (a, b) = (&self.invoices[a], &self.invoices[b]);
                (a.due, a.id.as_bytes()).cmp(&(b.due, b.id.as_bytes()))
            });
            let named = invoice_ids
                .iter()
                .map(|name| self.invoice_at(name.as_ref()));
            for at in named.chain(by_age.into_iter().map(Some)) {
                if remaining == 0 {
                    break;
                }
                let Some(at) = at else { continue };
                let Some(open_amount) = open[at] else {
                    continue;
                };
                let paid = open_amount.min(remaining);
                remaining -= paid;
                let due = self.invoices[at].due;
                match changes.iter_mut().find(|(found, _)| *found == due) {
                    Some((_, change)) => *change -= paid,
                    None => changes.push((due, -paid)),
                }
                open[at] = if open_amount == paid {
                    None
                } else {
                    Some(open_amount - paid)
                };
            }
            if !changes.is_empty() {
                let invoices = std::mem::take(&mut self.invoices).into_vec();
                let kept = invoices
                    .into_iter()
                    .zip(open)
                    .filter_map(|(mut invoice, left)| {
                        invoice.open = Wide(left?);
                        Some(invoice)
                    });
                self.invoices = kept.collect::<Vec<_>>().into_boxed_slice();
            }
        }
        self.credit = Wide(self.credit.get() + remaining);
        changes
    }

    /// Open invoice amounts by due date, each due date where it first appears in the
    /// invoices' order.
    pub fn dues(&self) -> Vec<(Day, Minor)> {
        let mut found: Vec<(Day, Minor)> = Vec::new();
        if self.invoices.len() > 32 {
            let mut index = std::collections::HashMap::with_capacity(self.invoices.len());
            for invoice in self.invoices.iter() {
                match index.get(&invoice.due) {
                    Some(&at) => {
                        let entry: &mut (Day, Minor) = &mut found[at];
                        entry.1 += invoice.open.get();
                    }
                    None => {
                        index.insert(invoice.due, found.len());
                        found.push((invoice.due, invoice.open.get()));
                    }
                }
            }
            return found;
        }
        for invoice in self.invoices.iter() {
            match found.iter_mut().find(|(due, _)| *due == invoice.due) {
                Some((_, amount)) => *amount += invoice.open.get(),
                None => found.push((invoice.due, invoice.open.get())),
            }
        }
        found
    }

    /// Open invoice amounts with a due date before `cutoff`.
    fn due_before(&self, cutoff: Option<i64>) -> Minor {
        let counted = self
            .invoices
            .iter()
            .filter(|invoice| cutoff.is_none_or(|cutoff| (invoice.due.0 as i64) < cutoff));
        counted.map(|invoice| invoice.open.get()).sum()
    }

    /// Unpaid invoice amounts more than `allowed_days` past due on `day` (due before
    /// `day - allowed_days`).
    pub fn overdue(&self, day: Day, allowed_days: i64) -> Minor {
        self.due_before(Some((day.0 as i64).saturating_sub(allowed_days)))
    }

    /// Take in the book the new owner had already opened for the account (a hand-over that
    /// crossed it): its orders (added, so re-added ids keep their place and add to the total),
    /// holds, invoices (replacing those of the same id where they stand), balances and ids.
    pub fn absorb(&mut self, present: AccountBook) -> &mut AccountBook {
        for order in present.orders.iter() {
            self.add_order(order.id.as_str(), order.amount.get());
        }
        for hold in present.holds.iter().flat_map(|holds| holds.iter()) {
            self.hold(hold.order_id(), hold.held());
        }
        for invoice in present.invoices.iter() {
            self.put_invoice(invoice.id.as_str(), invoice.view());
        }
        self.receivable = Wide(self.receivable.get() + present.receivable.get());
        self.credit = Wide(self.credit.get() + present.credit.get());
        for digest in present.seen.distinct() {
            if !self.has_seen(digest) {
                self.mark_seen(digest);
            }
        }
        self
    }

    /// Bytes this book holds on the heap beyond `size_of::<AccountBook>()` (requested sizes,
    /// not counting the allocator's rounding; a long id log's hash set is estimated).
    pub fn heap_bytes(&self) -> usize {
        let orders: usize = self
            .orders
            .iter()
            .map(|o| std::mem::size_of::<OpenOrder>() + o.id.heap_bytes())
            .sum();
        let invoices: usize = self
            .invoices
            .iter()
            .map(|i| std::mem::size_of::<Invoice>() + i.id.heap_bytes())
            .sum();
        let holds = self.holds.as_ref().map_or(0, |holds| {
            std::mem::size_of::<Vec<StoredHold>>()
                + holds.capacity() * std::mem::size_of::<StoredHold>()
                + holds.iter().map(StoredHold::heap_bytes).sum::<usize>()
        });
        orders + invoices + holds + self.seen.heap_bytes()
    }
}

impl BookView for AccountBook {
    fn currency(&self) -> Ccy {
        self.currency
    }

    fn exposure(&self, include_open_orders: bool) -> Minor {
        AccountBook::exposure(self, include_open_orders)
    }

    fn overdue(&self, day: Day, allowed_days: i64) -> Minor {
        AccountBook::overdue(self, day, allowed_days)
    }

    fn aged(&self, cutoff: Option<i64>) -> Minor {
        self.due_before(cutoff)
    }

    fn has_invoices(&self) -> bool {
        !self.invoices.is_empty()
    }
}
