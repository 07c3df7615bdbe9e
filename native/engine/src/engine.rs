//! The credit engine: one typed input event in, the output events it causes out
//! (`service/domain/engine.py::CreditEngine`, the reference this must equal output for output).
//!
//! Deterministic: business time comes from the event, never the clock. Outputs of one input
//! come as its decision first, then its notifications. An `Err` is the Python engine's
//! `InvalidEventError`: the event is bad input, and what it changed before failing stays
//! changed, exactly as in Python (a reference event's id is marked applied first, a book may
//! have been opened).

use hashbrown::HashMap;

use credit_books::{AccountBook, GroupTotals, HeldOrder};
use credit_model::{Id,
    to_decimal, to_minor, Ccy, CustomerProfile, Day, Dec, DecisionFigures,
    ExchangeRateSet, HoldDecision, HoldReason, Instant, InputEvent, InvoicePosted, Minor,
    OrderApproved, OrderCancelled, OrderCreated, OrderHeld, OrderRejected, OutputEvent,
    PaymentPosted, PaymentType, Rates, CompanyUpserted, WarehouseUpserted,
};
use credit_policy::{decide_order, hold_notifications, managers, review_due, Decision, OrderFacts};

use crate::digest::id_digest;
use crate::reference::{AccountKey, Reference};
use crate::stored::StoredBooks;

/// What one input caused: outputs to publish and, when nothing was done, why not.
#[derive(Debug, Default)]
pub struct Outcome {
    pub outputs: Vec<OutputEvent>,
    pub ignored: Option<String>,
}

impl Outcome {
    fn ignored(why: String) -> Outcome {
        Outcome { outputs: Vec::new(), ignored: Some(why) }
    }

    /// An outcome that has a decision: room for it and a few notices from the start (what the
    /// first push would allocate).
    fn decided() -> Outcome {
        Outcome { outputs: Vec::with_capacity(4), ignored: None }
    }
}

/// Balances of every account and credit group, and the rules that decide orders.
#[derive(Default)]
pub struct Engine {
    pub reference: Reference,
    /// by account number (`Reference::accounts`)
    pub books: Vec<Option<AccountBook>>,
    pub group_totals: HashMap<Id, GroupTotals>,
    /// books restored from a store, not decoded yet (`stored.rs`)
    pub stored: StoredBooks,
}

/// The id of the decision on an input event: `"{event_id}:decision"`.
fn decision_id(event_id: &Id) -> Id {
    let mut id = event_id.clone();
    id.push_str(":decision");
    id
}

/// The account as the policy's `(company_id, customer_id)` pair of strs.
pub(crate) fn pair(account: &AccountKey) -> (&str, &str) {
    (&account.0, &account.1)
}

fn account_of(company_id: &str, customer_id: &str) -> AccountKey {
    (company_id.into(), customer_id.into())
}

/// Carry a change of a book's balances (and of its open invoices by due date) into its
/// group's totals (`CreditEngine._track_in`).
fn track_in(
    totals: &mut HashMap<Id, GroupTotals>, group_id: Option<&str>, company_id: &str,
    book: &AccountBook, before: (Minor, Minor), dues: &[(Day, Minor)],
) {
    let Some(group_id) = group_id else { return };
    let group = totals.entry(group_id.into()).or_default();
    let (receivable, open_orders) = book.balances();
    group.add(book.currency(), company_id, receivable - before.0, open_orders - before.1);
    if !dues.is_empty() {
        group.add_dues(book.currency(), dues);
    }
}

fn figures(
    book: &AccountBook, before: Minor, include_open: bool, decision: Option<&Decision>,
) -> DecisionFigures {
    match decision.and_then(|decision| decision.binding()) {
        None => {
            let ccy = book.currency();
            DecisionFigures {
                exposure_before: to_decimal(before, ccy),
                exposure_after: to_decimal(book.exposure(include_open), ccy),
                currency: ccy,
                limit: None,
                available: None,
            }
        }
        Some(binding) => {
            let ccy = binding.currency;
            DecisionFigures {
                exposure_before: to_decimal(binding.exposure, ccy),
                exposure_after: to_decimal(binding.exposure.saturating_add(binding.order), ccy),
                currency: ccy,
                limit: Some(to_decimal(binding.limit, ccy)),
                available: Some(to_decimal(binding.limit.saturating_sub(binding.exposure), ccy)),
            }
        }
    }
}

/// The account's number and book, the book opened in the customer's (else company's, else the
/// event's) currency.
fn open_book<'a>(
    reference: &mut Reference, books: &'a mut Vec<Option<AccountBook>>, account: &AccountKey,
    event_currency: Ccy,
) -> (u32, &'a mut AccountBook) {
    let account_number = reference.accounts.number(&account.0, &account.1);
    let number = account_number as usize;
    if books.len() <= number {
        books.resize_with(number + 1, || None);
    }
    let book = books[number].get_or_insert_with(|| {
        let currency = reference
            .stored_at(number as u32)
            .map(|profile| reference.stored_currency(profile))
            .or_else(|| reference.companies.get(&account.0).map(|company| company.currency))
            .unwrap_or(event_currency);
        AccountBook::new(currency)
    });
    (account_number, book)
}

/// The account's book, if it has one.
pub(crate) fn book_of<'a>(
    reference: &Reference, books: &'a mut [Option<AccountBook>], company_id: &str,
    customer_id: &str,
) -> Option<&'a mut AccountBook> {
    let number = reference.accounts.find(company_id, customer_id)?;
    books.get_mut(number as usize).and_then(Option::as_mut)
}

/// REVIEW_DUE on the first event of an account on or after its next review date.
fn review_if_due(
    input_id: &str, at: Instant, account: &AccountKey, book: &mut AccountBook,
    profile: Option<&CustomerProfile>, day: Day, outcome: &mut Outcome,
) {
    let Some(profile) = profile else { return };
    let Some(due) = profile.next_review else { return };
    if day < due || book.review_notified() == Some(due) {
        return;
    }
    book.set_review_notified(Some(due));
    outcome.outputs.push(OutputEvent::Notification(review_due(input_id, at, pair(account), profile)));
}

impl Engine {
    pub fn new() -> Engine {
        Engine { reference: Reference::new(), ..Engine::default() }
    }

    /// Apply one input event exactly once; a repeat changes nothing. Callers that tell a
    /// damaged store from a bad event call `settle` and then `apply`: here a damaged store's
    /// error reads as the event's.
    pub fn handle(&mut self, event: &InputEvent) -> Result<Outcome, String> {
        self.settle(event)?;
        self.apply(event)
    }

    /// `handle` of an event `settle` has passed (each event once per call, on the hot path).
    pub fn apply(&mut self, event: &InputEvent) -> Result<Outcome, String> {
        debug_assert!(self.is_settled(event), "apply of an event not settled");
        match event {
            InputEvent::OrderCreated(e) => self.order_created(e),
            InputEvent::InvoicePosted(e) => self.invoice_posted(e),
            InputEvent::PaymentPosted(e) => self.payment_posted(e),
            InputEvent::OrderCancelled(e) => Ok(self.order_cancelled(e)),
            InputEvent::HoldReleased(e) => self.hold_released(e),
            InputEvent::HoldRejected(e) => Ok(self.hold_rejected(e)),
            InputEvent::CompanyUpserted(e) => self.company_upserted(e),
            InputEvent::WarehouseUpserted(e) => Ok(self.warehouse_upserted(e)),
            InputEvent::CustomerUpserted(e) => self.customer_upserted(e),
            InputEvent::GroupUpserted(e) => self.group_upserted(e),
            InputEvent::ExchangeRateSet(e) => Ok(self.exchange_rate_set(e)),
        }
    }

    // -- orders --------------------------------------------------------------------------
    fn order_created(&mut self, event: &OrderCreated) -> Result<Outcome, String> {
        let account = account_of(&event.company_id, &event.customer_id);
        let digest = id_digest("order", &event.order_id);
        let Engine { reference, books, group_totals, .. } = self;
        let (number, book) = open_book(reference, books, &account, event.currency);
        if book.has_seen(digest) {
            return Ok(Outcome::ignored(format!("order {} already decided", event.order_id)));
        }
        let customer = reference.customer_at(number);
        let customer = customer.as_ref();
        let group = reference.group_of(customer);
        let warehouse = event
            .warehouse_id
            .as_deref()
            .filter(|id| !id.is_empty())
            .and_then(|id| reference.warehouses.get(id))
            .filter(|warehouse| warehouse.company_id == event.company_id);
        let company = reference.companies.get(&event.company_id);
        let amount = to_minor(&event.amount, event.currency)?;
        let day = event.occurred_at.utc_day();
        let no_open_orders = &reference.no_open_orders;
        let counts_no_open = |company_id: &str| no_open_orders.contains(company_id);
        let totals = group.and_then(|group| group_totals.get(&group.group_id));
        let include_open = company.is_none_or(|company| company.include_open_orders);
        let facts = OrderFacts {
            order: event,
            amount,
            instant: event.occurred_at,
            day,
            company,
            warehouse,
            customer,
            group,
            book: &*book,
            group_totals: totals.map(|totals| totals as &dyn credit_model::GroupView),
            include_open,
            counts_no_open_orders: &counts_no_open,
            rates: &reference.rates as &dyn Rates,
        };
        let decision = decide_order(&facts)?;
        let group_id = group.map(|group| group.group_id.clone());
        let mut outcome = Outcome::decided();
        if decision.held() {
            book.mark_seen(digest);
            let ledger_amount = match event.payment_type {
                PaymentType::OnAccount => decision.ledger_amount,
                _ => Some(0),
            };
            book.hold(&event.order_id, HeldOrder {
                event_id: event.event_id.to_string(),
                amount: event.amount,
                currency: event.currency,
                ledger_amount,
                payment_type: event.payment_type,
                reason_codes: decision.reasons.iter().map(|reason| reason.code).collect(),
                credit_manager: customer.and_then(|customer| customer.credit_manager.as_ref())
                    .map(ToString::to_string),
                entered_by: event.entered_by.as_ref().map(ToString::to_string),
                warehouse_id: event.warehouse_id.as_ref().map(ToString::to_string),
                held_at: event.occurred_at,
            });
            outcome.outputs.push(OutputEvent::Held(OrderHeld {
                event_id: decision_id(&event.event_id),
                order_id: event.order_id.clone(),
                company_id: event.company_id.clone(),
                customer_id: event.customer_id.clone(),
                group_id,
                amount: event.amount,
                currency: event.currency,
                reasons: decision.reasons.clone(),
                credit_managers: managers(customer, group),
                decided_at: event.occurred_at,
            }));
            let notices = hold_notifications(
                &event.event_id, event.occurred_at, pair(&account), &event.order_id, customer, group,
                event.entered_by.as_deref(), &decision.reasons,
            );
            outcome.outputs.extend(notices.into_iter().map(OutputEvent::Notification));
        } else {
            let before = book.exposure(include_open);
            match (event.payment_type, decision.ledger_amount) {
                (PaymentType::OnAccount, Some(ledger_amount)) => {
                    let balances = book.balances();
                    book.add_order_seen(&event.order_id, ledger_amount, digest);
                    track_in(group_totals, group_id.as_deref(), &event.company_id, book,
                             balances, &[]);
                }
                _ => book.mark_seen(digest),
            }
            let figures = figures(book, before, include_open, Some(&decision));
            outcome.outputs.push(OutputEvent::Approved(OrderApproved {
                event_id: decision_id(&event.event_id),
                order_id: event.order_id.clone(),
                company_id: event.company_id.clone(),
                customer_id: event.customer_id.clone(),
                group_id,
                amount: event.amount,
                currency: event.currency,
                reasons: Vec::new(),
                decided_at: event.occurred_at,
                figures,
                released_by: None,
            }));
        }
        review_if_due(&event.event_id, event.occurred_at, &account, book, customer, day,
                      &mut outcome);
        Ok(outcome)
    }

    fn order_cancelled(&mut self, event: &OrderCancelled) -> Outcome {
        let account = account_of(&event.company_id, &event.customer_id);
        let ignored = || Outcome::ignored(format!("cancel of unknown or closed order {}",
                                                  event.order_id));
        let Engine { reference, books, group_totals, .. } = self;
        let Some(book) = book_of(reference, books, &event.company_id, &event.customer_id) else {
            return ignored();
        };
        let balances = book.balances();
        if book.take_order(&event.order_id).is_some() {
            let group_id = reference.group_id(&event.company_id, &event.customer_id);
            track_in(group_totals, group_id.as_deref(), &event.company_id, book, balances, &[]);
        } else if !book.drop_hold(&event.order_id) {
            return ignored();
        }
        let mut outcome = Outcome::default();
        let customer = reference.customer(&event.company_id, &event.customer_id);
        let customer = customer.as_ref();
        review_if_due(&event.event_id, event.occurred_at, &account, book, customer,
                      event.occurred_at.utc_day(), &mut outcome);
        outcome
    }

    fn hold_released(&mut self, event: &HoldDecision) -> Result<Outcome, String> {
        let account = account_of(&event.company_id, &event.customer_id);
        let Engine { reference, books, group_totals, .. } = self;
        let book = book_of(reference, books, &event.company_id, &event.customer_id);
        let held = book.as_ref().and_then(|book| book.held(&event.order_id));
        let (Some(book), Some(held)) = (book, held) else {
            return Ok(Outcome::ignored(format!("release of unknown or not held order {}",
                                               event.order_id)));
        };
        let on_account = held.payment_type == PaymentType::OnAccount;
        let mut amount = held.ledger_amount;
        if on_account && amount.is_none() {
            amount = Some(ledger_amount(reference, &held.amount, held.currency, book.currency(),
                                        event.occurred_at)?);
        }
        book.drop_hold(&event.order_id);
        let include_open = reference.include_open_orders(&event.company_id);
        let before = book.exposure(include_open);
        let group_id = reference.group_id(&event.company_id, &event.customer_id);
        if let (true, Some(amount)) = (on_account, amount) {
            let balances = book.balances();
            book.add_order(&event.order_id, amount);
            track_in(group_totals, group_id.as_deref(), &event.company_id, book, balances, &[]);
        }
        let reason = HoldReason::plain("MANUAL_RELEASE", format!("released by {}", event.decided_by));
        let mut outcome = Outcome::decided();
        outcome.outputs.push(OutputEvent::Approved(OrderApproved {
            event_id: decision_id(&event.event_id),
            order_id: event.order_id.clone(),
            company_id: event.company_id.clone(),
            customer_id: event.customer_id.clone(),
            group_id,
            amount: held.amount,
            currency: held.currency,
            reasons: vec![reason],
            decided_at: event.occurred_at,
            figures: figures(book, before, include_open, None),
            released_by: Some(event.decided_by.clone()),
        }));
        let customer = reference.customer(&event.company_id, &event.customer_id);
        let customer = customer.as_ref();
        review_if_due(&event.event_id, event.occurred_at, &account, book, customer,
                      event.occurred_at.utc_day(), &mut outcome);
        Ok(outcome)
    }

    fn hold_rejected(&mut self, event: &HoldDecision) -> Outcome {
        let account = account_of(&event.company_id, &event.customer_id);
        let Engine { reference, books, .. } = self;
        let Some(book) = book_of(reference, books, &event.company_id, &event.customer_id)
            .filter(|book| book.held(&event.order_id).is_some())
        else {
            return Outcome::ignored(format!("reject of unknown or not held order {}",
                                            event.order_id));
        };
        book.drop_hold(&event.order_id);
        let mut outcome = Outcome::decided();
        outcome.outputs.push(OutputEvent::Rejected(OrderRejected {
            event_id: decision_id(&event.event_id),
            order_id: event.order_id.clone(),
            company_id: event.company_id.clone(),
            customer_id: event.customer_id.clone(),
            decided_by: event.decided_by.clone(),
            decided_at: event.occurred_at,
        }));
        let customer = reference.customer(&event.company_id, &event.customer_id);
        let customer = customer.as_ref();
        review_if_due(&event.event_id, event.occurred_at, &account, book, customer,
                      event.occurred_at.utc_day(), &mut outcome);
        outcome
    }

    // -- receivables ---------------------------------------------------------------------
    fn invoice_posted(&mut self, event: &InvoicePosted) -> Result<Outcome, String> {
        let receivable = Receivable {
            company_id: &event.company_id, customer_id: &event.customer_id,
            event_id: &event.event_id, occurred_at: event.occurred_at, amount: &event.amount,
            currency: event.currency, kind: "invoice", business_id: &event.invoice_id,
        };
        self.post_receivable(receivable, |book, amount, digest| {
            match &event.order_id {
                // the order becomes a receivable
                Some(order_id) => {
                    book.reduce_order_seen(order_id, amount, digest);
                }
                None => book.mark_seen(digest),
            }
            book.post_invoice(&event.invoice_id, amount, event.invoice_date, event.due_date)
        })
    }

    fn payment_posted(&mut self, event: &PaymentPosted) -> Result<Outcome, String> {
        let receivable = Receivable {
            company_id: &event.company_id, customer_id: &event.customer_id,
            event_id: &event.event_id, occurred_at: event.occurred_at, amount: &event.amount,
            currency: event.currency, kind: "payment", business_id: &event.payment_id,
        };
        let named: &[Id] = event.invoice_ids.as_deref().unwrap_or(&[]);
        self.post_receivable(receivable, |book, amount, digest| {
            book.mark_seen(digest);
            book.post_payment(amount, named)
        })
    }

    /// Once per business id: the amount in the book's currency, posted (`post` logs the id's
    /// digest too), group updated.
    fn post_receivable(
        &mut self, event: Receivable<'_>,
        post: impl FnOnce(&mut AccountBook, Minor, u64) -> Vec<(Day, Minor)>,
    ) -> Result<Outcome, String> {
        let account = account_of(event.company_id, event.customer_id);
        let Engine { reference, books, group_totals, .. } = self;
        let (number, book) = open_book(reference, books, &account, event.currency);
        let digest = id_digest(event.kind, event.business_id);
        if book.has_seen(digest) {
            return Ok(Outcome::ignored(format!("{} {} already posted", event.kind,
                                               event.business_id)));
        }
        let amount = ledger_amount(reference, event.amount, event.currency, book.currency(),
                                   event.occurred_at)?;
        let stored = reference.stored_at(number);
        let group = reference.stored_group(stored);
        let group_id = group.map(|group| group.group_id.as_str());
        let balances = book.balances();
        let dues = post(book, amount, digest);
        track_in(group_totals, group_id, event.company_id, book, balances, &dues);
        let mut outcome = Outcome::default();
        let day = event.occurred_at.utc_day();
        let review = stored.and_then(|stored| stored.next_review()).filter(|due| {
            day >= *due && book.review_notified() != Some(*due)
        });
        if review.is_some() {  // (rare: the profile is made only then)
            let profile = reference.customer_at(number);
            review_if_due(event.event_id, event.occurred_at, &account, book, profile.as_ref(),
                          day, &mut outcome);
        }
        Ok(outcome)
    }

    // -- reference data ------------------------------------------------------------------
    fn company_upserted(&mut self, event: &CompanyUpserted) -> Result<Outcome, String> {
        if !self.reference.first_delivery(&event.event_id) {
            return Ok(Outcome::ignored("company record already applied".into()));
        }
        Ok(applied_unless_older(self.reference.put_company(event)?, "company"))
    }

    fn warehouse_upserted(&mut self, event: &WarehouseUpserted) -> Outcome {
        if !self.reference.first_delivery(&event.event_id) {
            return Outcome::ignored("warehouse record already applied".into());
        }
        applied_unless_older(self.reference.put_warehouse(event), "warehouse")
    }

    fn exchange_rate_set(&mut self, event: &ExchangeRateSet) -> Outcome {
        if !self.reference.first_delivery(&event.event_id) {
            return Outcome::ignored("exchange rate already applied".into());
        }
        let applied = self.reference.rates.set_rate(
            event.from_currency, event.to_currency, &event.rate, event.valid_from,
            event.occurred_at,
        );
        applied_unless_older(applied, "rate")
    }
}

/// Nothing to publish for a reference record; when it was not applied, it was older than the
/// `record` held.
fn applied_unless_older(applied: bool, record: &str) -> Outcome {
    if applied {
        Outcome::default()
    } else {
        Outcome::ignored(format!("older than the {record} record held"))
    }
}

/// The fields a posting of a receivable (invoice or payment) reads.
struct Receivable<'a> {
    company_id: &'a str,
    customer_id: &'a str,
    event_id: &'a str,
    occurred_at: Instant,
    amount: &'a Dec,
    currency: Ccy,
    kind: &'static str,
    business_id: &'a str,
}

/// An event's amount in minor units of the book's currency, at the event's time.
fn ledger_amount(
    reference: &Reference, amount: &Dec, currency: Ccy, book_currency: Ccy, at: Instant,
) -> Result<Minor, String> {
    let minor = to_minor(amount, currency)?;
    reference.rates.convert(minor, currency, book_currency, at).ok_or_else(|| {
        format!("no exchange rate {currency}->{book_currency} at {}",
                credit_model::format::isoformat(&at))
    })
}
