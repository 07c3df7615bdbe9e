//! The credit check of one order (`service/domain/policy.py::decide_order`): which checks
//! fail, each with the figures an analyst needs. Every check is evaluated, so a hold carries
//! every reason that applied.

use crate::checks::{limit_label, Decision, LimitCheck};
use crate::decimal::{difference, minor_decimal};
use crate::*;
use credit_model::format::{day_str, dec_str};
use credit_model::{
    reason_rank, to_minor, BookView, Ccy, CompanySettings, CustomerProfile, Day, Dec,
    GroupSettings, GroupView, HoldReason, Instant, LimitMode, Minor, OrderCreated, PaymentType,
    Rates, SalesOrderStatus, WarehouseSettings, DEFAULT_AGING_PERIOD_DAYS,
};
use std::collections::BTreeSet;

/// Everything the decision reads about one order, at the order's business time.
pub struct OrderFacts<'a> {
    pub order: &'a OrderCreated,
    /// The order amount in minor units of the order's currency.
    pub amount: Minor,
    /// The order's business time (rates are looked up at it).
    pub instant: Instant,
    /// The order's business day.
    pub day: Day,
    pub company: Option<&'a CompanySettings>,
    pub warehouse: Option<&'a WarehouseSettings>,
    pub customer: Option<&'a CustomerProfile>,
    pub group: Option<&'a GroupSettings>,
    pub book: &'a dyn BookView,
    /// The group's totals, if the account is in a known group.
    pub group_totals: Option<&'a dyn GroupView>,
    /// Whether open orders count in the exposure of the order's company.
    pub include_open: bool,
    /// The companies whose exposure counts no open orders.
    pub counts_no_open_orders: &'a dyn Fn(&str) -> bool,
    pub rates: &'a dyn Rates,
}

/// Converts at the order's instant and remembers every pair it had no rate for.
pub struct Converter<'a> {
    rates: &'a dyn Rates,
    instant: Instant,
    missing: BTreeSet<(Ccy, Ccy)>,
}

impl<'a> Converter<'a> {
    pub fn new(rates: &'a dyn Rates, instant: Instant) -> Converter<'a> {
        Converter {
            rates,
            instant,
            missing: BTreeSet::new(),
        }
    }

    /// `minor` of `from` in `to`; the same currency needs no rate. `None` (and the pair
    /// remembered) without a rate.
    pub fn convert(&mut self, minor: Minor, from: Ccy, to: Ccy) -> Option<Minor> {
        if from == to {
            return Some(minor);
        }
        let converted = self.rates.convert(minor, from, to, self.instant);
        if converted.is_none() {
            self.missing.insert((from, to));
        }
        converted
    }

    /// The pairs without a rate, in (from, to) code order.
    pub fn missing(&self) -> impl Iterator<Item = &(Ccy, Ccy)> {
        self.missing.iter()
    }
}

/// Every hold reason that applies to the order, in CONTRACT.md's order.
///
/// `Err` is Python's `AmountPrecisionError` message when the warehouse's max order amount has
/// more decimals than the company's currency (the whole event is a bad input). It is also
/// returned where Python would go on but 128 bits cannot (a credit group total out of range)
/// and for a hold period beyond 5 (which the events refuse).
pub fn decide_order(facts: &OrderFacts<'_>) -> Result<Decision, String> {
    let mut convert = Converter::new(facts.rates, facts.instant);
    let order = facts.order;
    // Cash and COD orders extend no credit: they never reach the ledger, so need no rate.
    let on_account = order.payment_type == PaymentType::OnAccount;
    let ledger_amount = if on_account {
        convert.convert(facts.amount, order.currency, facts.book.currency())
    } else {
        None
    };
    let mut reasons = max_order_reasons(facts, &mut convert)?;
    let mut checks = Vec::new();
    match facts.customer {
        None => reasons.push(HoldReason::plain(
            NO_CREDIT_PROFILE,
            "the account has no credit profile yet".to_string(),
        )),
        Some(customer) => {
            reasons.extend(status_reasons(facts, customer));
            reasons.extend(hold_period_reasons(facts, customer)?);
            reasons.extend(overdue_reasons(facts, customer, &mut convert)?);
            if on_account {
                let (expiry, compared) = limit_checks(facts, customer, &mut convert)?;
                reasons.extend(expiry);
                reasons.extend(
                    compared
                        .iter()
                        .filter(|check| check.exceeded())
                        .map(|check| check.reason(limit_label(check.code))),
                );
                checks = compared;
            }
        }
    }
    reasons.extend(missing_rate_reasons(&convert, facts.day));
    reasons.sort_by_key(|reason| reason_rank(reason.code)); // stable, as Python's sort
    Ok(Decision {
        reasons,
        checks,
        ledger_amount,
    })
}

/// Sales order status: the group's, unless the group has none (then the customer's).
pub fn status_reasons(facts: &OrderFacts<'_>, customer: &CustomerProfile) -> Vec<HoldReason> {
    let (mut status, mut since, mut whose) = (
        customer.sales_order_status,
        customer.status_date,
        "customer",
    );
    if let Some(group) = facts.group {
        if group.sales_order_status.is_some() {
            (status, since, whose) = (group.sales_order_status, group.status_date, "group");
        }
    }
    let Some(status) = status else {
        return Vec::new();
    };
    let payment = facts.order.payment_type;
    let day = facts.day;
    let (code, message) = match status {
        SalesOrderStatus::Yes => return Vec::new(),
        SalesOrderStatus::No => (
            SALES_BLOCKED,
            format!("{whose} sales order status is no: orders blocked"),
        ),
        SalesOrderStatus::CashOnly if payment != PaymentType::Cash => (
            CASH_ONLY,
            format!("{whose} accepts cash orders only, not {}", payment.as_str()),
        ),
        SalesOrderStatus::CodOnly if payment != PaymentType::Cod => (
            COD_ONLY,
            format!("{whose} accepts COD orders only, not {}", payment.as_str()),
        ),
        SalesOrderStatus::HoldUntil => match since {
            Some(since) if day < since => (
                HOLD_UNTIL,
                format!("{whose} orders are held until {}", day_str(since)),
            ),
            _ => return Vec::new(),
        },
        SalesOrderStatus::OpenUntil => match since {
            Some(since) if day >= since => (
                OPEN_UNTIL,
                format!("{whose} orders were open until {}", day_str(since)),
            ),
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    vec![HoldReason::plain(code, message)]
}

/// The warehouse's max order amount where set, else the company's.
pub fn max_order_reasons(
    facts: &OrderFacts<'_>,
    convert: &mut Converter<'_>,
) -> Result<Vec<HoldReason>, String> {
    let Some(company) = facts.company else {
        return Ok(Vec::new());
    };
    let ccy = company.currency;
    let mut cap = company.max_order_amount;
    if let Some(amount) = facts
        .warehouse
        .and_then(|warehouse| warehouse.max_order_amount.as_ref())
    {
        cap = Some(to_minor(amount, ccy)?);
    }
    let Some(cap) = cap else {
        return Ok(Vec::new());
    };
    let Some(amount) = convert.convert(facts.amount, facts.order.currency, ccy) else {
        return Ok(Vec::new());
    };
    if amount <= cap {
        return Ok(Vec::new());
    }
    let (limit, order) = (minor_decimal(cap, ccy), minor_decimal(amount, ccy));
    let message = format!(
        "order {} {ccy} is above the max order amount {} {ccy}",
        dec_str(&order),
        dec_str(&limit)
    );
    Ok(vec![HoldReason {
        limit: Some(limit),
        order_amount: Some(order),
        currency: Some(ccy),
        ..HoldReason::plain(MAX_ORDER_AMOUNT, message)
    }])
}

/// Aging period 1..5 of an amount `days_past_due` days past due: period 1 runs up to the
/// first bound, period 5 lies beyond the last.
pub fn aging_period(days_past_due: i64, bounds: &[i64; 4]) -> u8 {
    for (period, bound) in (1u8..).zip(bounds) {
        if days_past_due <= *bound {
            return period;
        }
    }
    5
}

/// Held when the account has open receivables aged in the hold period or later. The
/// group's hold period where set (a group's 0 means none), else the customer's. `Err` for a
/// hold period beyond 5 (the events refuse those; Python would fail on it too).
pub fn hold_period_reasons(
    facts: &OrderFacts<'_>,
    customer: &CustomerProfile,
) -> Result<Vec<HoldReason>, String> {
    let period = match facts.group {
        Some(group) if group.hold_period.is_some() => group.hold_period,
        _ => customer.hold_period,
    };
    let period = match period {
        None | Some(0) => return Ok(Vec::new()),
        Some(period) => period,
    };
    if !facts.book.has_invoices() {
        return Ok(Vec::new());
    }
    let bounds = facts.company.map_or(DEFAULT_AGING_PERIOD_DAYS, |company| {
        company.aging_period_days
    });
    // aged in `period` or later = more days past due than the bound the period starts after
    let cutoff = if period > 1 {
        let bound = bounds
            .get(usize::from(period) - 2)
            .ok_or_else(|| format!("hold period {period} is not an aging period (1..5)"))?;
        Some(i64::from(facts.day.0) - bound)
    } else {
        None
    };
    let aged = facts.book.aged(cutoff);
    if aged <= 0 {
        return Ok(Vec::new());
    }
    let ccy = facts.book.currency();
    let amount = minor_decimal(aged, ccy);
    let message = format!(
        "{} {ccy} of receivables aged in period {period} or later",
        dec_str(&amount)
    );
    Ok(vec![HoldReason {
        exposure: Some(amount),
        currency: Some(ccy),
        ..HoldReason::plain(HOLD_PERIOD, message)
    }])
}

/// The account's and the group's overdue amounts against what each allows.
pub fn overdue_reasons(
    facts: &OrderFacts<'_>,
    customer: &CustomerProfile,
    convert: &mut Converter<'_>,
) -> Result<Vec<HoldReason>, String> {
    let mut reasons = Vec::new();
    if let Some(allowed) = customer.allowed_overdue {
        let days = customer.allowed_overdue_days;
        let book = facts.book;
        let overdue = convert.convert(
            book.overdue(facts.day, days),
            book.currency(),
            customer.currency,
        );
        if let Some(overdue) = overdue.filter(|overdue| *overdue > allowed) {
            reasons.push(overdue_reason(
                OVERDUE_LIMIT,
                "account",
                overdue,
                allowed,
                customer.currency,
                days,
            ));
        }
    }
    if let Some(group) = facts.group {
        if let Some(allowed) = group.allowed_overdue {
            let total = group_overdue(facts, group, convert)?;
            if let Some(total) = total.filter(|total| *total > allowed) {
                reasons.push(overdue_reason(
                    GROUP_OVERDUE_LIMIT,
                    "credit group",
                    total,
                    allowed,
                    group.currency,
                    group.allowed_overdue_days,
                ));
            }
        }
    }
    Ok(reasons)
}

/// The members' overdue (by the group's days), summed per currency after converting each to
/// the group's currency; `None` at the first currency without a rate.
fn group_overdue(
    facts: &OrderFacts<'_>,
    group: &GroupSettings,
    convert: &mut Converter<'_>,
) -> Result<Option<Minor>, String> {
    let per_currency = match facts.group_totals {
        None => Vec::new(),
        Some(totals) => totals.overdue(facts.day, group.allowed_overdue_days),
    };
    sum_converted(&per_currency, group.currency, convert)
}

/// Per-currency amounts (in code order) converted to `to` and summed; `None` at the first
/// currency without a rate (the later ones are not tried). `Err` when the sum leaves 128 bits
/// (Python's integers would carry on; the native engine cannot).
fn sum_converted(
    per_currency: &[(Ccy, Minor)],
    to: Ccy,
    convert: &mut Converter<'_>,
) -> Result<Option<Minor>, String> {
    let mut total: Minor = 0;
    for (ccy, amount) in per_currency {
        let Some(converted) = convert.convert(*amount, *ccy, to) else {
            return Ok(None);
        };
        total = total
            .checked_add(converted)
            .ok_or_else(|| format!("a credit group total in {to} is out of range"))?;
    }
    Ok(Some(total))
}

fn overdue_reason(
    code: &'static str,
    whose: &str,
    overdue: Minor,
    allowed: Minor,
    ccy: Ccy,
    days: i64,
) -> HoldReason {
    let (amount, limit) = (minor_decimal(overdue, ccy), minor_decimal(allowed, ccy));
    let message = format!(
        "{whose} has {} {ccy} overdue by more than {days} days, over the allowed {} {ccy}",
        dec_str(&amount),
        dec_str(&limit)
    );
    HoldReason {
        code,
        message,
        limit: Some(limit),
        exposure: Some(amount),
        order_amount: None,
        available: Some(difference(&limit, &amount)),
        currency: Some(ccy),
    }
}

/// Expiry reasons and every limit compared, by the group's limit mode (`customer` when the
/// company does not check group limits).
pub fn limit_checks(
    facts: &OrderFacts<'_>,
    customer: &CustomerProfile,
    convert: &mut Converter<'_>,
) -> Result<(Vec<HoldReason>, Vec<LimitCheck>), String> {
    let (company, group) = (facts.company, facts.group);
    let checks_groups = company.is_none_or(|company| company.check_group_limits);
    let mode = match group {
        Some(group) if checks_groups => group.limit_mode,
        _ => LimitMode::Customer,
    };
    let pct = tolerance(facts);
    let mut expiry = Vec::new();
    let mut checks = Vec::new();
    let applying_group =
        group.filter(|group| mode != LimitMode::Customer && group.credit_limit.is_some());
    if let Some(group) = applying_group {
        expiry.extend(group_expiry(group, facts.day));
        checks.extend(group_check(facts, group, mode, pct, convert)?);
    }
    if mode != LimitMode::Group {
        if let Some(own) = customer.own_limit(facts.day) {
            expiry.extend(customer_expiry(customer, facts.day));
            checks.extend(account_check(
                facts,
                CUSTOMER_LIMIT,
                own,
                customer.currency,
                pct,
                convert,
            ));
        } else if applying_group.is_none() {
            if let Some(company) = company {
                if let Some(limit) = company.default_credit_limit {
                    checks.extend(account_check(
                        facts,
                        COMPANY_LIMIT,
                        limit,
                        company.currency,
                        pct,
                        convert,
                    ));
                }
            }
        }
    }
    Ok((expiry, checks))
}

/// The warehouse's tolerance where set, else the company's.
fn tolerance<'a>(facts: &OrderFacts<'a>) -> Option<&'a Dec> {
    if let Some(pct) = facts
        .warehouse
        .and_then(|warehouse| warehouse.tolerance_pct.as_ref())
    {
        return Some(pct);
    }
    facts
        .company
        .and_then(|company| company.tolerance_pct.as_ref())
}

/// `raise_by_pct(limit, pct)`; no tolerance leaves the limit as it is.
fn raised(limit: Minor, pct: Option<&Dec>) -> Minor {
    match pct {
        None => limit,
        Some(_) => credit_money::raise_by_pct(limit, pct),
    }
}

fn group_expiry(group: &GroupSettings, day: Day) -> Vec<HoldReason> {
    if group.expires >= day {
        return Vec::new();
    }
    let message = format!(
        "credit group {} limit expired on {}",
        group.group_id,
        day_str(group.expires)
    );
    vec![HoldReason::plain(GROUP_LIMIT_EXPIRED, message)]
}

fn customer_expiry(customer: &CustomerProfile, day: Day) -> Vec<HoldReason> {
    match customer.limit_expires {
        Some(expires) if expires < day => vec![HoldReason::plain(
            CREDIT_LIMIT_EXPIRED,
            format!("customer credit limit expired on {}", day_str(expires)),
        )],
        _ => Vec::new(),
    }
}

/// `hierarchy` caps each member's own exposure; the other modes cap the group's sum.
fn group_check(
    facts: &OrderFacts<'_>,
    group: &GroupSettings,
    mode: LimitMode,
    pct: Option<&Dec>,
    convert: &mut Converter<'_>,
) -> Result<Option<LimitCheck>, String> {
    let Some(limit) = group.credit_limit else {
        return Ok(None);
    };
    let ccy = group.currency;
    let exposure = if mode == LimitMode::Hierarchy {
        account_exposure(facts, ccy, convert)
    } else {
        group_exposure(facts, ccy, convert)?
    };
    // converted even when the exposure was not: the missing pairs are all reported
    let order = convert.convert(facts.amount, facts.order.currency, ccy);
    let (Some(exposure), Some(order)) = (exposure, order) else {
        return Ok(None);
    };
    let limit = raised(limit, pct);
    Ok(Some(LimitCheck {
        code: GROUP_LIMIT,
        currency: ccy,
        limit,
        exposure,
        order,
    }))
}

fn account_check(
    facts: &OrderFacts<'_>,
    code: &'static str,
    limit: Minor,
    ccy: Ccy,
    pct: Option<&Dec>,
    convert: &mut Converter<'_>,
) -> Option<LimitCheck> {
    let exposure = account_exposure(facts, ccy, convert);
    let order = convert.convert(facts.amount, facts.order.currency, ccy);
    let (exposure, order) = (exposure?, order?);
    Some(LimitCheck {
        code,
        currency: ccy,
        limit: raised(limit, pct),
        exposure,
        order,
    })
}

fn account_exposure(
    facts: &OrderFacts<'_>,
    ccy: Ccy,
    convert: &mut Converter<'_>,
) -> Option<Minor> {
    let book = facts.book;
    convert.convert(book.exposure(facts.include_open), book.currency(), ccy)
}

fn group_exposure(
    facts: &OrderFacts<'_>,
    ccy: Ccy,
    convert: &mut Converter<'_>,
) -> Result<Option<Minor>, String> {
    let Some(totals) = facts.group_totals else {
        return Ok(Some(0));
    };
    sum_converted(&totals.exposure(facts.counts_no_open_orders), ccy, convert)
}

/// One MISSING_EXCHANGE_RATE reason naming every pair without a rate, if any.
pub fn missing_rate_reasons(convert: &Converter<'_>, day: Day) -> Vec<HoldReason> {
    let pairs: Vec<String> = convert
        .missing()
        .map(|(from, to)| format!("{from}->{to}"))
        .collect();
    if pairs.is_empty() {
        return Vec::new();
    }
    let message = format!(
        "no exchange rate on {} for {}",
        day_str(day),
        pairs.join(", ")
    );
    vec![HoldReason::plain(MISSING_EXCHANGE_RATE, message)]
}
