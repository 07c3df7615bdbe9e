//! One account's balances (`service/domain/ledger.py::AccountBook`), in the account's ledger
//! currency: open receivables, approved open orders, held orders, unapplied credit, and the
//! log of ids already applied.

use crate::hold::{self, HeldOrder};
use crate::packed::{self, Header, View};
use crate::sections::{self, Record};
use crate::pyset::due_changes;
use crate::seen::{self, loads_as_table, Seen};
use crate::thin::ThinBytes;
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

/// The range Python's packed tables hold amounts in (`INT64_MIN <= x <= INT64_MAX`).
fn fits_i64(amount: Minor) -> bool {
    i64::try_from(amount).is_ok()
}

/// Open invoice amounts by due date, each due date where it first appears.
fn dues_of(invoices: &[(&str, OpenInvoice)]) -> Vec<(Day, Minor)> {
    let mut found: Vec<(Day, Minor)> = Vec::new();
    if invoices.len() > 32 {
        let mut index = std::collections::HashMap::with_capacity(invoices.len());
        for (_, invoice) in invoices {
            match index.get(&invoice.due) {
                Some(&at) => {
                    let entry: &mut (Day, Minor) = &mut found[at];
                    entry.1 += invoice.open_amount;
                }
                None => {
                    index.insert(invoice.due, found.len());
                    found.push((invoice.due, invoice.open_amount));
                }
            }
        }
        return found;
    }
    for (_, invoice) in invoices {
        match found.iter_mut().find(|(due, _)| *due == invoice.due) {
            Some((_, amount)) => *amount += invoice.open_amount,
            None => found.push((invoice.due, invoice.open_amount)),
        }
    }
    found
}

/// One account's balances. `receivable` = open invoices − unapplied credit.
///
/// The currency, the review-notified day, the balances, the id log, the open orders, the open
/// invoices and the held orders are packed into one exact-sized byte buffer (see `packed`):
/// the book itself is that buffer's pointer (`thin`). Orders, invoices and holds keep the
/// order they were added in (a Python dict's: an id added again keeps its place). An id log
/// grown into a hash set stays in the buffer too (`seen`).
#[derive(Clone, Debug)]
pub struct AccountBook {
    packed: ThinBytes,
}

impl AccountBook {
    pub fn new(currency: Ccy) -> AccountBook {
        let head = Header { currency, ..Header::default() };
        AccountBook { packed: packed::pack(head, &[], None, &[], &[], &[]) }
    }

    #[inline(always)]
    fn view(&self) -> View<'_> {
        packed::view(&self.packed)
    }

    #[inline(always)]
    pub(crate) fn head(&self) -> Header {
        self.view().head
    }

    /// Repack with this header and these sections (`None`: the section as it is), `digest`
    /// logged after the seen section.
    fn write(
        &mut self,
        head: Header,
        seen: Option<Vec<u8>>,
        digest: Option<u64>,
        orders: Option<Vec<u8>>,
        invoices: Option<Vec<u8>>,
        holds: Option<Vec<u8>>,
    ) {
        let old = std::mem::take(&mut self.packed);
        let now = packed::view(&old);
        self.packed = packed::pack(
            head,
            seen.as_deref().unwrap_or(now.seen),
            digest,
            orders.as_deref().unwrap_or(now.orders),
            invoices.as_deref().unwrap_or(now.invoices),
            holds.as_deref().unwrap_or(now.holds),
        );
    }

    fn set_head(&mut self, head: Header) {
        let now = self.view();
        if head != now.head {
            self.packed = packed::pack(head, now.seen, None, now.orders, now.invoices, now.holds);
        }
    }

    fn holds(&self) -> impl Iterator<Item = hold::Record<'_>> + '_ {
        hold::records(self.view().holds)
    }

    fn seen(&self) -> Seen<'_> {
        seen_of(&self.view())
    }

    /// Replace the id log by a table section of `2^slots_log2` slots.
    fn write_table(&mut self, (slots_log2, section): (u32, Vec<u8>)) {
        let head = Header { seen: slots_log2 as usize, seen_table: true, ..self.head() };
        self.write(head, Some(section), None, None, None, None);
    }

    pub fn currency(&self) -> Ccy {
        Ccy([self.packed[0], self.packed[1], self.packed[2]])
    }

    /// (`receivable`, `open_order_total`), read at once.
    pub fn balances(&self) -> (Minor, Minor) {
        let head = self.head();
        (head.receivable, head.open_order_total)
    }

    /// Open invoices minus unapplied credit.
    pub fn receivable(&self) -> Minor {
        self.head().receivable
    }

    /// The sum of the open orders' amounts, as added and taken (an order added again under
    /// the same id adds its new amount; the old one stays counted, as in Python).
    pub fn open_order_total(&self) -> Minor {
        self.head().open_order_total
    }

    /// Payments not yet applied to an invoice.
    pub fn credit(&self) -> Minor {
        self.head().credit
    }

    /// Set the three balances (a snapshot being read back).
    pub fn set_balances(&mut self, receivable: Minor, open_order_total: Minor, credit: Minor) {
        let head = Header {
            receivable,
            open_order_total,
            credit,
            ..self.head()
        };
        self.set_head(head);
    }

    /// The due date for which a review notice was last sent.
    pub fn review_notified(&self) -> Option<Day> {
        self.head().review
    }

    pub fn set_review_notified(&mut self, day: Option<Day>) {
        let head = Header { review: day, ..self.head() };
        self.set_head(head);
    }

    // -- idempotence ------------------------------------------------------------------------

    /// Whether the id with this digest was applied (`u64::from_be_bytes(id_digest(..))`).
    pub fn has_seen(&self, digest: u64) -> bool {
        self.seen().contains(digest)
    }

    /// Log an id not seen before (`has_seen` was false): to the log while it has fewer than
    /// 64 entries, else to the hash set, for good.
    pub fn mark_seen(&mut self, digest: u64) {
        let view = self.view();
        match seen_of(&view) {
            Seen::Table(section) => {
                let at = section.as_ptr() as usize - self.packed.as_ptr() as usize;
                let end = at + section.len();
                if !seen::table_insert(&mut self.packed[at..end], digest) {
                    let grown = seen::table_grown(&self.packed[at..end], digest);
                    self.write_table(grown);
                }
            }
            log if log.full() => {
                self.write_table(seen::table_of(sections::digests(view.seen).chain([digest])))
            }
            _ => {
                let View { head, seen, orders, invoices, holds } = view;
                self.packed = packed::pack(head, seen, Some(digest), orders, invoices, holds);
            }
        }
    }

    /// The id log as a snapshot keeps it (`seen_bytes`, each digest read big-endian): as
    /// logged while it has at most 32 entries, else distinct and ascending.
    pub fn seen_log(&self) -> Vec<u64> {
        self.seen().snapshot()
    }

    /// Read back an id log (`load_seen`).
    pub fn load_seen(&mut self, digests: &[u64]) {
        if loads_as_table(digests) {
            self.write_table(seen::table_of(digests.iter().copied()));
        } else {
            let head = Header { seen: 0, seen_table: false, ..self.head() };
            self.write(head, Some(sections::seen_bytes(digests)), None, None, None, None);
        }
    }

    /// The distinct digests, ascending (`sorted(seen_digests())`).
    pub fn seen_digests(&self) -> Vec<u64> {
        self.seen().distinct()
    }

    // -- exposure ---------------------------------------------------------------------------

    /// What the account owes: receivable, plus open orders when the company counts them.
    pub fn exposure(&self, include_open_orders: bool) -> Minor {
        let head = self.head();
        if include_open_orders {
            head.receivable + head.open_order_total
        } else {
            head.receivable
        }
    }

    // -- open orders ------------------------------------------------------------------------

    /// The open orders: id and amount, in the order they were opened.
    pub fn order_items(&self) -> Vec<(&str, Minor)> {
        sections::orders(self.view().orders).collect()
    }

    /// Replace the open orders (as a dict built from `orders`: a repeated id keeps its first
    /// place and its last amount); `open_order_total` is the caller's.
    pub fn set_orders<'a>(&mut self, orders: impl IntoIterator<Item = (&'a str, Minor)>) {
        let mut items: Vec<(&str, Minor)> = Vec::new();
        for (order_id, amount) in orders {
            put(&mut items, order_id, amount);
        }
        let head = self.head();
        self.write(head, None, None, Some(sections::orders_bytes(items)), None, None);
    }

    pub fn has_order(&self, order_id: &str) -> bool {
        sections::orders(self.view().orders).any(|(id, _)| id == order_id)
    }

    /// An open order; an order already open is replaced where it stands (its new amount is
    /// added to the total, the old one is not taken off).
    pub fn add_order(&mut self, order_id: &str, amount: Minor) {
        let view = self.view();
        let mut head = view.head;
        head.open_order_total += amount;
        let orders = match sections::find_order(view.orders, order_id) {
            None => sections::appended(view.orders, [(order_id, amount)]), // a new id: at the end
            Some(_) => {
                let mut items: Vec<(&str, Minor)> = sections::orders(view.orders).collect();
                put(&mut items, order_id, amount);
                sections::orders_bytes(items)
            }
        };
        self.packed = packed::pack(head, view.seen, None, &orders, view.invoices, view.holds);
    }

    /// `mark_seen(digest)` then `add_order(order_id, amount)` (an approved order), the book
    /// repacked once when the log takes the digest as it is and the order is new.
    pub fn add_order_seen(&mut self, order_id: &str, amount: Minor, digest: u64) {
        let view = self.view();
        let log = seen_of(&view);
        if matches!(log, Seen::Table(_)) || log.full()
            || sections::find_order(view.orders, order_id).is_some() {
            self.mark_seen(digest);
            return self.add_order(order_id, amount);
        }
        let mut head = view.head;
        head.open_order_total += amount;
        let orders = sections::appended(view.orders, [(order_id, amount)]);
        self.packed = packed::pack(head, view.seen, Some(digest), &orders, view.invoices, view.holds);
    }

    /// Close an open order: its amount, or `NotOpen` if it is not open.
    pub fn remove_order(&mut self, order_id: &str) -> Result<Minor, NotOpen> {
        self.take(order_id, None, None)
            .ok_or_else(|| NotOpen(order_id.to_owned()))
    }

    /// Close an open order: its amount, or `None` if it is not open.
    pub fn take_order(&mut self, order_id: &str) -> Option<Minor> {
        self.take(order_id, None, None)
    }

    /// Move up to `by` of an open order's amount out of open orders (an invoice for it);
    /// returns how much moved (0 if the order is not open). An order left at 0 is closed.
    pub fn reduce_order(&mut self, order_id: &str, by: Minor) -> Minor {
        self.take(order_id, Some(by), None).unwrap_or(0)
    }

    /// `mark_seen(digest)` then `reduce_order(order_id, by)` (an invoice of an order), the
    /// book repacked once when the log takes the digest as it is and the order is open.
    pub fn reduce_order_seen(&mut self, order_id: &str, by: Minor, digest: u64) -> Minor {
        let log = self.seen();
        if matches!(log, Seen::Table(_)) || log.full() {
            self.mark_seen(digest);
            return self.reduce_order(order_id, by);
        }
        self.take(order_id, Some(by), Some(digest)).unwrap_or_else(|| {
            self.mark_seen(digest);
            0
        })
    }

    /// Take `by` (everything: `None`) of an open order; `None` if it is not open (nothing
    /// changed). `digest`: logged in the same repack (the log takes it as it is).
    fn take(&mut self, order_id: &str, by: Option<Minor>, digest: Option<u64>) -> Option<Minor> {
        let view = self.view();
        let (record, amount) = sections::find_order(view.orders, order_id)?;
        let moved = match by {
            Some(by) if by < amount => by,
            _ => amount,
        };
        // the order's record replaced where it stands, or left out
        let mut orders = Vec::with_capacity(view.orders.len());
        orders.extend_from_slice(&view.orders[..record.start]);
        if moved != amount {
            (amount - moved).put(&mut orders, order_id);
        }
        orders.extend_from_slice(&view.orders[record.end..]);
        let mut head = view.head;
        head.open_order_total -= moved;
        self.packed = packed::pack(head, view.seen, digest, &orders, view.invoices, view.holds);
        Some(moved)
    }

    // -- held orders ------------------------------------------------------------------------

    /// Whether any order is held (Python's `book.holds` being truthy).
    pub fn has_holds(&self) -> bool {
        !self.view().holds.is_empty()
    }

    /// The held orders by order id, in the order they were held.
    pub fn hold_items(&self) -> Vec<(&str, HeldOrder)> {
        let holds = self.holds();
        holds
            .filter_map(|stored| Some((stored.order_id, stored.held()?)))
            .collect()
    }

    /// Replace the holds (as a dict built from `holds`).
    pub fn set_holds<'a>(&mut self, holds: impl IntoIterator<Item = (&'a str, HeldOrder)>) {
        let mut records: Vec<(&str, Vec<u8>)> = Vec::new();
        for (order_id, held) in holds {
            put(&mut records, order_id, hold::record(order_id, &held));
        }
        let section = records.into_iter().flat_map(|(_, record)| record).collect();
        let head = self.head();
        self.write(head, None, None, None, None, Some(section));
    }

    /// The order's hold, if it is held.
    pub fn held(&self, order_id: &str) -> Option<HeldOrder> {
        let mut holds = self.holds();
        holds.find(|stored| stored.order_id == order_id)?.held()
    }

    /// Hold an order; a hold already recorded for it is replaced where it stands.
    pub fn hold(&mut self, order_id: &str, held: HeldOrder) {
        let record = hold::record(order_id, &held);
        let mut section = Vec::with_capacity(self.view().holds.len() + record.len());
        let mut record = Some(record);
        for stored in self.holds() {
            match (stored.order_id == order_id, record.take()) {
                (true, Some(new)) => section.extend_from_slice(&new),
                (_, kept) => {
                    record = kept;
                    section.extend_from_slice(stored.raw);
                }
            }
        }
        section.extend(record.unwrap_or_default());
        let head = self.head();
        self.write(head, None, None, None, None, Some(section));
    }

    /// Take the order's hold away and return it; `None` if it was not held.
    pub fn take_hold(&mut self, order_id: &str) -> Option<HeldOrder> {
        let (held, section) = {
            let taken = self.holds().find(|stored| stored.order_id == order_id)?;
            let kept = self.holds().filter(|stored| stored.order_id != order_id);
            (taken.held(), kept.flat_map(|stored| stored.raw.iter().copied()).collect())
        };
        let head = self.head();
        self.write(head, None, None, None, None, Some(section));
        held
    }

    /// Take the order's hold away; false if it was not held.
    pub fn drop_hold(&mut self, order_id: &str) -> bool {
        self.take_hold(order_id).is_some()
    }

    // -- receivables ------------------------------------------------------------------------

    /// The open invoices by id, in the order they were posted.
    pub fn invoice_items(&self) -> Vec<(&str, OpenInvoice)> {
        sections::invoices(self.view().invoices).collect()
    }

    /// Replace the open invoices (as a dict built from `invoices`; records are kept as given,
    /// an open amount of 0 too, as `set_invoices` does).
    pub fn set_invoices<'a>(&mut self, invoices: impl IntoIterator<Item = (&'a str, OpenInvoice)>) {
        let mut items: Vec<(&str, OpenInvoice)> = Vec::new();
        for (invoice_id, invoice) in invoices {
            put(&mut items, invoice_id, invoice);
        }
        let head = self.head();
        self.write(head, None, None, None, Some(sections::invoices_bytes(items)), None);
    }

    /// The open invoices (amount, due date, invoice date), in the order they were posted.
    pub fn open_invoices(&self) -> Vec<OpenInvoice> {
        self.invoices().map(|(_, invoice)| invoice).collect()
    }

    fn invoices(&self) -> impl Iterator<Item = (&str, OpenInvoice)> + '_ {
        sections::invoices(self.view().invoices)
    }

    /// A new receivable; unapplied credit from earlier payments is consumed first.
    ///
    /// Returns the change of the open invoices by due date (what group totals carry), in
    /// Python's order: a new id gives `[(due, open amount)]` (nothing when credit covered it
    /// all); an id already open (or a book Python cannot pack: an id with NUL in it or an
    /// open amount beyond 64 bits) gives the change of every due date of the book, zeros
    /// included, in CPython's set order (`packing.due_changes`).
    pub fn post_invoice(
        &mut self,
        invoice_id: &str,
        amount: Minor,
        invoice_date: Day,
        due: Day,
    ) -> Vec<(Day, Minor)> {
        let view = self.view();
        let mut head = view.head;
        let consumed = head.credit.min(amount);
        head.credit -= consumed;
        head.receivable += amount;
        let left = amount - consumed;
        let (mut present, mut wide) = (false, false);
        for (id, invoice) in sections::invoices(view.invoices) {
            present |= id == invoice_id;
            wide |= !fits_i64(invoice.open_amount) || id.contains('\0');
        }
        let packable = fits_i64(left) && !invoice_id.contains('\0') && !wide;
        let record = OpenInvoice {
            open_amount: left,
            due,
            invoice_date,
        };
        if packable && !present {
            if left == 0 {
                self.set_head(head);
                return Vec::new();
            }
            let invoices = sections::appended(view.invoices, [(invoice_id, record)]);
            self.packed = packed::pack(head, view.seen, None, view.orders, &invoices, view.holds);
            return vec![(due, left)];
        }
        let mut items: Vec<(&str, OpenInvoice)> = sections::invoices(view.invoices).collect();
        let present = items.iter().position(|(id, _)| *id == invoice_id);
        let before = dues_of(&items);
        match present {
            Some(at) if left == 0 => drop(items.remove(at)),
            _ if left == 0 => {}
            _ => put(&mut items, invoice_id, record),
        }
        let changes = due_changes(&before, &dues_of(&items));
        let invoices = sections::invoices_bytes(items);
        self.write(head, None, None, None, Some(invoices), None);
        changes
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
        let view = self.view();
        let mut head = view.head;
        head.receivable -= amount;
        let mut remaining = amount;
        let mut changes: Vec<(Day, Minor)> = Vec::new();
        let items: Vec<(&str, OpenInvoice)> = sections::invoices(view.invoices).collect();
        let mut invoices = None;
        if !items.is_empty() {
            let mut open: Vec<Option<Minor>> = items
                .iter()
                .map(|(_, invoice)| Some(invoice.open_amount))
                .collect();
            let mut by_age: Vec<usize> = (0..items.len()).collect();
            by_age.sort_by(|&a, &b| {
                let (a, b) = (&items[a], &items[b]);
                (a.1.due, a.0.as_bytes()).cmp(&(b.1.due, b.0.as_bytes()))
            });
            let named = invoice_ids
                .iter()
                .map(|name| items.iter().position(|(id, _)| *id == name.as_ref()));
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
                let due = items[at].1.due;
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
                let kept = items.iter().zip(open).filter_map(|(&(id, invoice), left)| {
                    let open_amount = left?;
                    Some((id, OpenInvoice { open_amount, ..invoice }))
                });
                invoices = Some(sections::invoices_bytes(kept));
            }
        }
        head.credit += remaining;
        let invoices = invoices.as_deref().unwrap_or(view.invoices);
        self.packed = packed::pack(head, view.seen, None, view.orders, invoices, view.holds);
        changes
    }

    /// Open invoice amounts by due date, each due date where it first appears in the
    /// invoices' order.
    pub fn dues(&self) -> Vec<(Day, Minor)> {
        dues_of(&self.invoice_items())
    }

    /// Open invoice amounts with a due date before `cutoff`.
    fn due_before(&self, cutoff: Option<i64>) -> Minor {
        let counted = self.invoices().filter(|(_, invoice)| {
            cutoff.is_none_or(|cutoff| (invoice.due.0 as i64) < cutoff)
        });
        counted.map(|(_, invoice)| invoice.open_amount).sum()
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
        for (order_id, amount) in present.order_items() {
            self.add_order(order_id, amount);
        }
        for (order_id, held) in present.hold_items() {
            self.hold(order_id, held);
        }
        let mut items: Vec<(&str, OpenInvoice)> = self.invoice_items();
        for (invoice_id, invoice) in present.invoice_items() {
            put(&mut items, invoice_id, invoice);
        }
        let mut head = self.head();
        let theirs = present.head();
        head.receivable += theirs.receivable;
        head.credit += theirs.credit;
        let invoices = sections::invoices_bytes(items);
        self.write(head, None, None, None, Some(invoices), None);
        for digest in present.seen_digests() {
            if !self.has_seen(digest) {
                self.mark_seen(digest);
            }
        }
        self
    }

    /// Bytes this book holds on the heap beyond `size_of::<AccountBook>()` (its one buffer as
    /// requested, not counting the allocator's rounding).
    pub fn heap_bytes(&self) -> usize {
        self.packed.allocated()
    }
}

/// The id log of a view: a plain log or a table.
fn seen_of<'a>(view: &View<'a>) -> Seen<'a> {
    match view.head.seen_table {
        true => Seen::Table(view.seen),
        false => Seen::Log(view.seen),
    }
}

/// Set `id` to `value` in a list kept as a Python dict: replaced where it stands, or added at
/// the end.
fn put<'a, T>(items: &mut Vec<(&'a str, T)>, id: &'a str, value: T) {
    match items.iter_mut().find(|(found, _)| *found == id) {
        Some((_, slot)) => *slot = value,
        None => items.push((id, value)),
    }
}

impl BookView for AccountBook {
    fn currency(&self) -> Ccy {
        AccountBook::currency(self)
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
        !self.view().invoices.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use credit_model::{Dec, Instant, PaymentType};

    fn held(event_id: &str) -> HeldOrder {
        HeldOrder {
            event_id: event_id.to_owned(),
            amount: Dec::from_minor(125_000, 2),
            currency: Ccy::parse("EUR").expect("EUR"),
            ledger_amount: Some(125_000),
            payment_type: PaymentType::OnAccount,
            reason_codes: vec!["CUSTOMER_LIMIT"],
            credit_manager: Some("ALT".to_owned()),
            entered_by: None,
            warehouse_id: None,
            held_at: Instant {
                utc_micros: 1_772_000_000_000_000,
                offset_seconds: 3600,
            },
        }
    }

    fn events(book: &AccountBook) -> Vec<(String, String)> {
        let items = book.hold_items().into_iter();
        items.map(|(id, h)| (id.to_owned(), h.event_id)).collect()
    }

    /// Python: `b.set_holds({"A": h1, "B": h2, "A": h3})` is `{"A": h3, "B": h2}`; `b.hold`
    /// of a held id replaces it where it stands; `take_hold` keeps the others' order.
    #[test]
    fn holds_keep_dict_order_in_the_buffer() {
        let mut book = AccountBook::new(Ccy::parse("EUR").expect("EUR"));
        book.add_order("SO-1", 5);
        book.set_holds([("A", held("e1")), ("B", held("e2")), ("A", held("e3"))]);
        let pair = |id: &str, event: &str| (id.to_owned(), event.to_owned());
        assert_eq!(events(&book), [pair("A", "e3"), pair("B", "e2")]);
        book.hold("C", held("e4"));
        book.hold("A", held("e5"));
        assert_eq!(events(&book), [pair("A", "e5"), pair("B", "e2"), pair("C", "e4")]);
        assert_eq!(book.take_hold("B"), Some(held("e2")));
        assert_eq!(book.take_hold("B"), None);
        assert_eq!(events(&book), [pair("A", "e5"), pair("C", "e4")]);
        assert_eq!(book.order_items(), [("SO-1", 5)]);
        assert_eq!(book.open_order_total(), 5);
        assert!(book.drop_hold("A") && book.drop_hold("C") && !book.has_holds());
        assert_eq!(book.take_order("SO-1"), Some(5));
        // back to empty: the buffer is its currency and a header of zeros
        assert_eq!(book.heap_bytes(), 1 + 3 + 7);
    }

    /// `add_order_seen` gives the bytes `mark_seen` then `add_order` give: a new order, a
    /// known one, a log that turns into a table, and a table.
    #[test]
    fn an_approved_order_and_its_id_in_one_repack() {
        let ccy = Ccy::parse("EUR").expect("EUR");
        let (mut one, mut two) = (AccountBook::new(ccy), AccountBook::new(ccy));
        for n in 0..150u64 {
            let order = format!("SO-{}", n % 7);
            let digest = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
            one.mark_seen(digest);
            one.add_order(&order, n as Minor);
            two.add_order_seen(&order, n as Minor, digest);
            assert_eq!(&one.packed[..], &two.packed[..], "after {n}");
        }
    }

    /// `reduce_order_seen` gives the bytes `mark_seen` then `reduce_order` give: an order
    /// reduced, closed, not open, and a log that turns into a table.
    #[test]
    fn an_invoiced_order_and_its_id_in_one_repack() {
        let ccy = Ccy::parse("EUR").expect("EUR");
        let (mut one, mut two) = (AccountBook::new(ccy), AccountBook::new(ccy));
        for n in 0..150u64 {
            let order = format!("SO-{}", n % 5);
            for book in [&mut one, &mut two] {
                book.add_order(&order, 7);
            }
            let digest = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
            let by = (n % 11) as Minor;
            one.mark_seen(digest);
            let moved = one.reduce_order(&format!("SO-{}", n % 6), by);
            assert_eq!(two.reduce_order_seen(&format!("SO-{}", n % 6), by, digest), moved);
            assert_eq!(&one.packed[..], &two.packed[..], "after {n}");
        }
    }

    #[test]
    fn amounts_beyond_64_bits_are_kept_exactly() {
        let mut book = AccountBook::new(Ccy::parse("EUR").expect("EUR"));
        book.set_balances(Minor::MIN, Minor::MAX, -1);
        book.add_order("SO-1", Minor::MIN + 7);
        assert_eq!(book.open_order_total(), Minor::MAX + (Minor::MIN + 7));
        assert_eq!((book.receivable(), book.credit()), (Minor::MIN, -1));
        assert_eq!(book.order_items(), [("SO-1", Minor::MIN + 7)]);
        book.set_balances(0, 0, 0);
        book.set_orders([]);
        assert_eq!(book.heap_bytes(), 1 + 3 + 7);
        book.set_review_notified(Some(Day(i32::MIN)));
        assert_eq!(book.review_notified(), Some(Day(i32::MIN)));
        assert_eq!(book.currency(), Ccy::parse("EUR").expect("EUR"));
        book.set_review_notified(None);
        assert_eq!((book.review_notified(), book.heap_bytes()), (None, 1 + 3 + 7));
    }
}
