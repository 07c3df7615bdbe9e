//! Unit tests: small in-test books, group totals and rates, and cases whose expected results
//! were produced by the Python reference (see `policy/reference/make_cases.py`, which writes
//! `policy_cases.rs` and `notification_cases.rs`).

use crate::*;
use credit_model::format::{dec_str, ordinal};
use credit_model::*;
use std::cell::RefCell;

mod decision_rules;
#[rustfmt::skip]
mod notification_cases;
#[rustfmt::skip]
mod policy_cases;

pub fn ccy(code: &str) -> Ccy {
    Ccy::parse(code).expect("a currency code")
}

/// A decimal written as Python's `Decimal(text)` reads it (plain or with an exponent).
pub fn dec(text: &str) -> Dec {
    let (mantissa, exponent) = match text.split_once(['E', 'e']) {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i32>().expect("an exponent")),
        None => (text, 0),
    };
    let (negative, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let coefficient = format!("{whole}{fraction}")
        .parse::<u128>()
        .expect("digits");
    Dec {
        negative,
        coefficient,
        exponent: exponent - fraction.len() as i32,
    }
}

pub fn day(year: i64, month: u32, day: u32) -> Day {
    ordinal(year, month, day)
}

/// 2026-03-02T10:00:00+01:00, the default order's business time.
pub fn order_instant() -> Instant {
    Instant {
        utc_micros: 1_772_442_000_000_000,
        offset_seconds: 3600,
    }
}

/// One account's balances as `ledger.py::AccountBook` keeps them.
pub struct FakeBook {
    pub currency: Ccy,
    pub receivable: Minor,
    pub open: Minor,
    /// open invoices: (open amount, due day)
    pub invoices: Vec<(Minor, Day)>,
}

impl BookView for FakeBook {
    fn currency(&self) -> Ccy {
        self.currency
    }
    fn exposure(&self, include_open_orders: bool) -> Minor {
        self.receivable + if include_open_orders { self.open } else { 0 }
    }
    fn overdue(&self, day: Day, allowed_days: i64) -> Minor {
        let cutoff = i64::from(day.0) - allowed_days;
        self.invoices
            .iter()
            .filter(|(_, due)| i64::from(due.0) < cutoff)
            .map(|(a, _)| a)
            .sum()
    }
    fn aged(&self, cutoff: Option<i64>) -> Minor {
        let counted = |due: &Day| cutoff.is_none_or(|cutoff| i64::from(due.0) < cutoff);
        self.invoices
            .iter()
            .filter(|(_, due)| counted(due))
            .map(|(a, _)| a)
            .sum()
    }
    fn has_invoices(&self) -> bool {
        !self.invoices.is_empty()
    }
}

/// A group's totals as `group_totals.py::GroupTotals` keeps them.
#[derive(Default)]
pub struct FakeTotals {
    /// (ledger currency, company, receivable, open orders)
    pub buckets: Vec<(Ccy, &'static str, Minor, Minor)>,
    /// open invoices: (currency, due day, amount)
    pub dues: Vec<(Ccy, Day, Minor)>,
}

impl GroupView for FakeTotals {
    fn exposure(&self, counts_no_open_orders: &dyn Fn(&str) -> bool) -> Vec<(Ccy, Minor)> {
        let mut found: Vec<(Ccy, Minor)> = Vec::new();
        for (ccy, company, receivable, open) in &self.buckets {
            let counted = receivable
                + if counts_no_open_orders(company) {
                    0
                } else {
                    *open
                };
            match found.iter_mut().find(|(known, _)| known == ccy) {
                Some((_, sum)) => *sum += counted,
                None => found.push((*ccy, counted)),
            }
        }
        found.sort_by_key(|(ccy, _)| *ccy);
        found
    }
    fn overdue(&self, day: Day, allowed_days: i64) -> Vec<(Ccy, Minor)> {
        let cutoff = (i64::from(day.0) - allowed_days).max(0);
        let mut found: Vec<(Ccy, Minor)> = Vec::new();
        for (ccy, due, amount) in self
            .dues
            .iter()
            .filter(|(_, due, _)| i64::from(due.0) < cutoff)
        {
            let _ = due;
            match found.iter_mut().find(|(known, _)| known == ccy) {
                Some((_, sum)) => *sum += amount,
                None => found.push((*ccy, *amount)),
            }
        }
        found.sort_by_key(|(ccy, _)| *ccy);
        found
    }
}

/// Direct rates only: `round_half_even(minor × rate × 10^(to digits − from digits))`, as
/// `ExchangeRates.convert` for amounts of fewer than 28 digits. Records the instants asked.
#[derive(Default)]
pub struct FakeRates {
    pub rates: Vec<(Ccy, Ccy, Dec)>,
    pub asked_at: RefCell<Vec<Instant>>,
}

impl Rates for FakeRates {
    fn convert(&self, minor: Minor, from: Ccy, to: Ccy, at: Instant) -> Option<Minor> {
        self.asked_at.borrow_mut().push(at);
        if from == to {
            return Some(minor);
        }
        let (_, _, rate) = self.rates.iter().find(|(f, t, _)| *f == from && *t == to)?;
        let signed = if rate.negative {
            -(rate.coefficient as i128)
        } else {
            rate.coefficient as i128
        };
        let product = minor * signed;
        let exponent = rate.exponent + minor_digits(to) as i32 - minor_digits(from) as i32;
        if exponent >= 0 {
            return Some(product * 10i128.pow(exponent as u32));
        }
        let divisor = 10i128.pow((-exponent) as u32);
        let (quotient, rest) = (product.div_euclid(divisor), product.rem_euclid(divisor));
        let up = 2 * rest > divisor || (2 * rest == divisor && quotient % 2 != 0);
        Some(if up { quotient + 1 } else { quotient })
    }
}

/// The facts of one order, as plain owned values with defaults: company C1 in EUR, customer
/// C1:A in EUR with no limit, no warehouse, no group, an empty EUR book, an order of 100.00
/// EUR on account at 2026-03-02T10:00:00+01:00.
pub struct Setup {
    pub order: OrderCreated,
    pub day: Day,
    pub company: Option<CompanySettings>,
    pub warehouse: Option<WarehouseSettings>,
    pub customer: Option<CustomerProfile>,
    pub group: Option<GroupSettings>,
    pub book: FakeBook,
    pub totals: Option<FakeTotals>,
    pub include_open: bool,
    pub no_open: Vec<&'static str>,
    pub rates: FakeRates,
}

pub fn default_company() -> CompanySettings {
    CompanySettings {
        currency: ccy("EUR"),
        default_credit_limit: None,
        tolerance_pct: None,
        max_order_amount: None,
        check_group_limits: true,
        aging_period_days: DEFAULT_AGING_PERIOD_DAYS,
        include_open_orders: true,
        as_of: order_instant(),
    }
}

pub fn default_warehouse() -> WarehouseSettings {
    WarehouseSettings {
        company_id: "C1".into(),
        tolerance_pct: None,
        max_order_amount: None,
        as_of: order_instant(),
    }
}

pub fn default_customer() -> CustomerProfile {
    CustomerProfile {
        company_id: "C1".into(),
        customer_id: "A".into(),
        group_id: None,
        credit_limit: None,
        limit_expires: None,
        secured: 0,
        next_review: None,
        as_of: order_instant(),
        currency: ccy("EUR"),
        credit_manager: None,
        credit_analyst: None,
        cod_terms: false,
        temporary_limit: None,
        temporary_from: None,
        temporary_to: None,
        sales_order_status: None,
        status_date: None,
        hold_period: None,
        allowed_overdue: None,
        allowed_overdue_days: 0,
    }
}

pub fn default_group() -> GroupSettings {
    GroupSettings {
        group_id: "G1".into(),
        currency: ccy("EUR"),
        credit_limit: None,
        expires: day(2026, 12, 31),
        limit_mode: LimitMode::GroupAndCustomer,
        credit_manager: None,
        sales_order_status: None,
        status_date: None,
        hold_period: None,
        allowed_overdue: None,
        allowed_overdue_days: 0,
        description: None,
        as_of: order_instant(),
    }
}

impl Setup {
    pub fn new() -> Setup {
        Setup {
            order: OrderCreated {
                event_id: "e1".into(),
                occurred_at: order_instant(),
                company_id: "C1".into(),
                customer_id: "A".into(),
                order_id: "O1".into(),
                warehouse_id: None,
                amount: dec("100.00"),
                currency: ccy("EUR"),
                payment_type: PaymentType::OnAccount,
                entered_by: None,
            },
            day: day(2026, 3, 2),
            company: Some(default_company()),
            warehouse: None,
            customer: Some(default_customer()),
            group: None,
            book: FakeBook {
                currency: ccy("EUR"),
                receivable: 0,
                open: 0,
                invoices: Vec::new(),
            },
            totals: None,
            include_open: true,
            no_open: Vec::new(),
            rates: FakeRates::default(),
        }
    }

    pub fn company(&mut self) -> &mut CompanySettings {
        self.company.get_or_insert_with(default_company)
    }
    pub fn warehouse(&mut self) -> &mut WarehouseSettings {
        self.warehouse.get_or_insert_with(default_warehouse)
    }
    pub fn customer(&mut self) -> &mut CustomerProfile {
        self.customer.get_or_insert_with(default_customer)
    }
    pub fn group(&mut self) -> &mut GroupSettings {
        self.group.get_or_insert_with(default_group)
    }
    pub fn totals(&mut self) -> &mut FakeTotals {
        self.totals.get_or_insert_with(FakeTotals::default)
    }
    pub fn rate(&mut self, from: &str, to: &str, rate: &str) {
        self.rates.rates.push((ccy(from), ccy(to), dec(rate)));
    }

    pub fn decide(&self) -> Result<Decision, String> {
        let amount = to_minor(&self.order.amount, self.order.currency)?;
        let no_open = |company: &str| self.no_open.contains(&company);
        let facts = OrderFacts {
            order: &self.order,
            amount,
            instant: self.order.occurred_at,
            day: self.day,
            company: self.company.as_ref(),
            warehouse: self.warehouse.as_ref(),
            customer: self.customer.as_ref(),
            group: self.group.as_ref(),
            book: &self.book,
            group_totals: self.totals.as_ref().map(|totals| totals as &dyn GroupView),
            include_open: self.include_open,
            counts_no_open_orders: &no_open,
            rates: &self.rates,
        };
        decide_order(&facts)
    }
}

/// An expected hold reason: code, message, then limit, exposure, order amount, available
/// as Python's `str(Decimal)`, and the currency.
pub type R = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

/// An expected limit check: code, currency, limit, exposure, order.
pub type C = (&'static str, &'static str, Minor, Minor, Minor);

fn shown(value: &Option<Dec>) -> Option<String> {
    value.as_ref().map(dec_str)
}

pub fn assert_reasons(got: &[HoldReason], expected: &[R]) {
    let got: Vec<_> = got
        .iter()
        .map(|r| {
            (
                r.code.to_string(),
                r.message.clone(),
                shown(&r.limit),
                shown(&r.exposure),
                shown(&r.order_amount),
                shown(&r.available),
                r.currency.map(|c| c.to_string()),
            )
        })
        .collect();
    let expected: Vec<_> = expected
        .iter()
        .map(
            |(code, message, limit, exposure, order, available, currency)| {
                let own = |v: &Option<&str>| v.map(str::to_string);
                (
                    code.to_string(),
                    message.to_string(),
                    own(limit),
                    own(exposure),
                    own(order),
                    own(available),
                    own(currency),
                )
            },
        )
        .collect();
    assert_eq!(got, expected);
}

/// Checks a decision against what Python's `decide_order` gave on the same facts.
pub fn assert_decision(
    got: &Result<Decision, String>,
    reasons: &[R],
    checks: &[C],
    ledger_amount: Option<Minor>,
    binding: Option<usize>,
) {
    let decision = match got {
        Ok(decision) => decision,
        Err(message) => panic!("expected a decision, got the error {message:?}"),
    };
    assert_reasons(&decision.reasons, reasons);
    let got_checks: Vec<_> = decision
        .checks
        .iter()
        .map(|c| (c.code, c.currency.to_string(), c.limit, c.exposure, c.order))
        .collect();
    let expected_checks: Vec<_> = checks
        .iter()
        .map(|(code, ccy, l, e, o)| (*code, ccy.to_string(), *l, *e, *o))
        .collect();
    assert_eq!(got_checks, expected_checks);
    assert_eq!(decision.ledger_amount, ledger_amount);
    assert_eq!(decision.held(), !reasons.is_empty());
    let binding_at = decision.binding().map(|chosen| {
        decision
            .checks
            .iter()
            .position(|c| std::ptr::eq(c, chosen))
            .unwrap_or(usize::MAX)
    });
    assert_eq!(binding_at, binding);
}

pub fn assert_error(got: &Result<Decision, String>, message: &str) {
    match got {
        Ok(decision) => panic!("expected the error {message:?}, got {decision:?}"),
        Err(got) => assert_eq!(got, message),
    }
}

/// Hold reasons with these codes (notifications read only the codes).
pub fn reasons_with_codes(codes: &[&'static str]) -> Vec<HoldReason> {
    codes
        .iter()
        .map(|code| HoldReason::plain(code, "m".into()))
        .collect()
}

/// An expected notification, as Python's `CreditNotification` gave it.
pub struct Expected {
    pub id: &'static str,
    pub kind: &'static str,
    /// (role, person)
    pub recipients: &'static [(&'static str, &'static str)],
    pub message: &'static str,
    pub company_id: Option<&'static str>,
    pub customer_id: Option<&'static str>,
    pub group_id: Option<&'static str>,
    pub order_id: Option<&'static str>,
}

pub fn assert_notifications(got: &[CreditNotification], expected: &[Expected]) {
    let own = |v: Option<&str>| v.map(str::to_string);
    let got: Vec<_> = got
        .iter()
        .map(|n| {
            assert_eq!(n.event_id, n.notification_id);
            assert_eq!(n.decided_at, order_instant());
            let recipients: Vec<_> = n
                .recipients
                .iter()
                .map(|r| (r.role.to_string(), r.person.to_string()))
                .collect();
            let text = |v: &Option<credit_model::Id>| v.as_ref().map(ToString::to_string);
            (
                n.notification_id.to_string(),
                n.kind.to_string(),
                recipients,
                n.message.clone(),
                text(&n.company_id),
                text(&n.customer_id),
                text(&n.group_id),
                text(&n.order_id),
            )
        })
        .collect();
    let expected: Vec<_> = expected
        .iter()
        .map(|n| {
            let recipients: Vec<_> = n
                .recipients
                .iter()
                .map(|(role, person)| (role.to_string(), person.to_string()))
                .collect();
            (
                n.id.to_string(),
                n.kind.to_string(),
                recipients,
                n.message.to_string(),
                own(n.company_id),
                own(n.customer_id),
                own(n.group_id),
                own(n.order_id),
            )
        })
        .collect();
    assert_eq!(got, expected);
}
