//! The plain data the native credit engine works on: input events, reference settings,
//! outputs, and the views the policy reads books and group totals through.
//!
//! This crate mirrors the Python domain (`service/domain/`) field for field; the Python
//! engine is the reference, and the native engine must produce byte-identical outputs.
//! No I/O, no clock. Money is integer minor units (`Minor`) of a named currency (`Ccy`);
//! decimals (`Dec`) enter and leave only at the edges, exactly as Python's `Decimal` holds
//! them (coefficient and exponent, so `8000.00` stays `8000.00`).

pub mod bytes;
pub mod format;

/// Ids and names as the events give them: a string kept inline up to 24 bytes (no heap for
/// the company, customer, order, group and person ids of real data).
pub type Id = compact_str::CompactString;

use std::fmt;

/// Integer minor units of one currency (cents, yen, fils).
pub type Minor = i128;

/// An ISO 4217 code: three ASCII upper-case letters. Ordering is the code's string order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ccy(pub [u8; 3]);

impl Ccy {
    /// `None` unless `code` is exactly three ASCII upper-case letters (`^[A-Z]{3}$`).
    pub fn parse(code: &str) -> Option<Ccy> {
        let bytes = code.as_bytes();
        if bytes.len() == 3 && bytes.iter().all(u8::is_ascii_uppercase) {
            Some(Ccy([bytes[0], bytes[1], bytes[2]]))
        } else {
            None
        }
    }

    pub fn as_str(&self) -> &str {
        // three ASCII letters by construction
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Debug for Ccy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Ccy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A finite decimal exactly as Python's `Decimal` keeps it: `(-1)^negative × coefficient ×
/// 10^exponent`. `Decimal('8000.00')` is `{false, 800000, -2}`; `Decimal('1E+3')` is
/// `{false, 1, 3}`. Equality here is representation equality (as `Decimal.as_tuple()`), not
/// numeric equality: use `money` for arithmetic and comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dec {
    pub negative: bool,
    pub coefficient: u128,
    pub exponent: i32,
}

impl Dec {
    /// `Decimal(minor).scaleb(-digits)`: `1230` in EUR (2 digits) is `12.30`.
    pub fn from_minor(minor: Minor, digits: u32) -> Dec {
        Dec { negative: minor < 0, coefficient: minor.unsigned_abs(), exponent: -(digits as i32) }
    }

    pub fn is_zero(&self) -> bool {
        self.coefficient == 0
    }
}

/// A calendar day as Python's `date.toordinal()` (0001-01-01 is day 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Day(pub i32);

/// An aware instant, as pydantic's `AwareDatetime` gives it: microseconds since the Unix
/// epoch in UTC, plus the UTC offset it was written with (kept only to print it back, as
/// Python's `datetime.isoformat()` does). Instants compare and hash by `utc_micros` alone.
#[derive(Clone, Copy, Debug)]
pub struct Instant {
    pub utc_micros: i64,
    pub offset_seconds: i32,
}

impl PartialEq for Instant {
    fn eq(&self, other: &Self) -> bool {
        self.utc_micros == other.utc_micros
    }
}
impl Eq for Instant {}
impl PartialOrd for Instant {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Instant {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.utc_micros.cmp(&other.utc_micros)
    }
}
impl std::hash::Hash for Instant {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.utc_micros.hash(state)
    }
}

pub const MICROS_PER_DAY: i64 = 86_400_000_000;
/// `date(1970, 1, 1).toordinal()`
pub const EPOCH_ORDINAL: i32 = 719_163;

impl Instant {
    /// The UTC calendar day of the instant (an order's business day).
    pub fn utc_day(&self) -> Day {
        Day(EPOCH_ORDINAL + self.utc_micros.div_euclid(MICROS_PER_DAY) as i32)
    }

    /// Midnight UTC at the start of `day` (a rate's bare `valid_from` date).
    pub fn start_of(day: Day) -> Instant {
        Instant { utc_micros: (day.0 - EPOCH_ORDINAL) as i64 * MICROS_PER_DAY, offset_seconds: 0 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaymentType {
    OnAccount,
    Cash,
    Cod,
}

impl PaymentType {
    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentType::OnAccount => "on_account",
            PaymentType::Cash => "cash",
            PaymentType::Cod => "cod",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LimitMode {
    Group,
    GroupAndCustomer,
    Hierarchy,
    Customer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SalesOrderStatus {
    Yes,
    No,
    CashOnly,
    CodOnly,
    HoldUntil,
    OpenUntil,
}

/// The names events give the enumerations (`service/domain/events.py`'s literals), read by
/// the JSON and the Avro readers.
pub const PAYMENT_TYPES: [(&str, PaymentType); 3] = [
    ("on_account", PaymentType::OnAccount),
    ("cash", PaymentType::Cash),
    ("cod", PaymentType::Cod),
];

pub const LIMIT_MODES: [(&str, LimitMode); 4] = [
    ("group", LimitMode::Group),
    ("group_and_customer", LimitMode::GroupAndCustomer),
    ("hierarchy", LimitMode::Hierarchy),
    ("customer", LimitMode::Customer),
];

pub const STATUSES: [(&str, SalesOrderStatus); 6] = [
    ("yes", SalesOrderStatus::Yes),
    ("no", SalesOrderStatus::No),
    ("cash_only", SalesOrderStatus::CashOnly),
    ("cod_only", SalesOrderStatus::CodOnly),
    ("hold_until", SalesOrderStatus::HoldUntil),
    ("open_until", SalesOrderStatus::OpenUntil),
];

// -- input events (CONTRACT.md; `service/domain/events.py`) ----------------------------------

#[derive(Clone, Debug)]
pub struct OrderCreated {
    pub event_id: Id,
    pub occurred_at: Instant,
    pub company_id: Id,
    pub customer_id: Id,
    pub order_id: Id,
    pub warehouse_id: Option<Id>,
    pub amount: Dec,
    pub currency: Ccy,
    pub payment_type: PaymentType,
    pub entered_by: Option<Id>,
}

#[derive(Clone, Debug)]
pub struct InvoicePosted {
    pub event_id: Id,
    pub occurred_at: Instant,
    pub company_id: Id,
    pub customer_id: Id,
    pub invoice_id: Id,
    pub order_id: Option<Id>,
    pub amount: Dec,
    pub currency: Ccy,
    pub invoice_date: Day,
    pub due_date: Day,
}

#[derive(Clone, Debug)]
pub struct PaymentPosted {
    pub event_id: Id,
    pub occurred_at: Instant,
    pub company_id: Id,
    pub customer_id: Id,
    pub payment_id: Id,
    pub amount: Dec,
    pub currency: Ccy,
    /// `None` and an empty list both mean "oldest first".
    pub invoice_ids: Option<Vec<Id>>,
}

#[derive(Clone, Debug)]
pub struct OrderCancelled {
    pub event_id: Id,
    pub occurred_at: Instant,
    pub company_id: Id,
    pub customer_id: Id,
    pub order_id: Id,
}

/// `hold_released` and `hold_rejected` carry the same fields.
#[derive(Clone, Debug)]
pub struct HoldDecision {
    pub event_id: Id,
    pub occurred_at: Instant,
    pub company_id: Id,
    pub customer_id: Id,
    pub order_id: Id,
    pub decided_by: Id,
    pub note: Option<Id>,
}

pub const DEFAULT_AGING_PERIOD_DAYS: [i64; 4] = [30, 60, 90, 120];

#[derive(Clone, Debug)]
pub struct CompanyUpserted {
    pub event_id: Id,
    pub occurred_at: Instant,
    pub company_id: Id,
    pub currency: Ccy,
    pub default_credit_limit: Option<Dec>,
    pub tolerance_pct: Option<Dec>,
    pub max_order_amount: Option<Dec>,
    pub check_group_limits: bool,
    pub aging_period_days: [i64; 4],
    pub include_open_orders: bool,
}

#[derive(Clone, Debug)]
pub struct WarehouseUpserted {
    pub event_id: Id,
    pub occurred_at: Instant,
    pub warehouse_id: Id,
    pub company_id: Id,
    pub tolerance_pct: Option<Dec>,
    pub max_order_amount: Option<Dec>,
}

#[derive(Clone, Debug)]
pub struct CustomerUpserted {
    pub event_id: Id,
    pub occurred_at: Instant,
    pub company_id: Id,
    pub customer_id: Id,
    pub name: Option<Id>,
    pub currency: Ccy,
    pub credit_group_id: Option<Id>,
    pub credit_limit: Option<Dec>,
    pub credit_limit_expires: Option<Day>,
    pub temporary_credit_limit: Option<Dec>,
    pub temporary_limit_from: Option<Day>,
    pub temporary_limit_to: Option<Day>,
    pub insurance_amount: Option<Dec>,
    pub guarantee_amount: Option<Dec>,
    pub credit_manager: Option<Id>,
    pub credit_analyst: Option<Id>,
    pub cod_terms: bool,
    pub sales_order_status: Option<SalesOrderStatus>,
    pub sales_order_status_date: Option<Day>,
    pub hold_period: Option<u8>,
    pub allowed_overdue_amount: Option<Dec>,
    pub allowed_overdue_days: Option<i64>,
    pub next_review: Option<Day>,
}

#[derive(Clone, Debug)]
pub struct GroupUpserted {
    pub event_id: Id,
    pub occurred_at: Instant,
    pub group_id: Id,
    pub description: Option<Id>,
    pub currency: Ccy,
    pub credit_limit: Option<Dec>,
    pub credit_limit_expires: Day,
    pub limit_mode: LimitMode,
    pub credit_manager: Option<Id>,
    pub sales_order_status: Option<SalesOrderStatus>,
    pub sales_order_status_date: Option<Day>,
    pub hold_period: Option<u8>,
    pub allowed_overdue_amount: Option<Dec>,
    pub allowed_overdue_days: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct ExchangeRateSet {
    pub event_id: Id,
    pub occurred_at: Instant,
    pub from_currency: Ccy,
    pub to_currency: Ccy,
    pub rate: Dec,
    /// A bare date in the event means midnight UTC of that day.
    pub valid_from: Instant,
}

#[derive(Clone, Debug)]
pub enum InputEvent {
    OrderCreated(OrderCreated),
    InvoicePosted(InvoicePosted),
    PaymentPosted(PaymentPosted),
    OrderCancelled(OrderCancelled),
    HoldReleased(HoldDecision),
    HoldRejected(HoldDecision),
    CompanyUpserted(CompanyUpserted),
    WarehouseUpserted(WarehouseUpserted),
    CustomerUpserted(CustomerUpserted),
    GroupUpserted(GroupUpserted),
    ExchangeRateSet(ExchangeRateSet),
}

// -- reference settings (`service/domain/reference.py`) --------------------------------------

#[derive(Clone, Debug)]
pub struct CompanySettings {
    pub currency: Ccy,
    pub default_credit_limit: Option<Minor>,
    pub tolerance_pct: Option<Dec>,
    pub max_order_amount: Option<Minor>,
    pub check_group_limits: bool,
    pub aging_period_days: [i64; 4],
    pub include_open_orders: bool,
    pub as_of: Instant,
}

#[derive(Clone, Debug)]
pub struct WarehouseSettings {
    pub company_id: Id,
    pub tolerance_pct: Option<Dec>,
    /// As the event gave it (converted to the company's minor units when an order is checked).
    pub max_order_amount: Option<Dec>,
    pub as_of: Instant,
}

#[derive(Clone, Debug)]
pub struct GroupSettings {
    pub group_id: Id,
    pub currency: Ccy,
    pub credit_limit: Option<Minor>,
    pub expires: Day,
    pub limit_mode: LimitMode,
    pub credit_manager: Option<Id>,
    pub sales_order_status: Option<SalesOrderStatus>,
    pub status_date: Option<Day>,
    pub hold_period: Option<u8>,
    pub allowed_overdue: Option<Minor>,
    pub allowed_overdue_days: i64,
    pub description: Option<Id>,
    pub as_of: Instant,
}

/// What the credit check needs of a customer account, in the customer's currency.
#[derive(Clone, Debug)]
pub struct CustomerProfile {
    pub company_id: Id,
    pub customer_id: Id,
    pub group_id: Option<Id>,
    pub credit_limit: Option<Minor>,
    pub limit_expires: Option<Day>,
    /// insurance + guarantees
    pub secured: Minor,
    pub next_review: Option<Day>,
    pub as_of: Instant,
    pub currency: Ccy,
    pub credit_manager: Option<Id>,
    pub credit_analyst: Option<Id>,
    pub cod_terms: bool,
    pub temporary_limit: Option<Minor>,
    pub temporary_from: Option<Day>,
    pub temporary_to: Option<Day>,
    pub sales_order_status: Option<SalesOrderStatus>,
    pub status_date: Option<Day>,
    pub hold_period: Option<u8>,
    pub allowed_overdue: Option<Minor>,
    pub allowed_overdue_days: i64,
}

impl CustomerProfile {
    /// The temporary limit while valid on `day`, else the credit limit; plus securities.
    pub fn own_limit(&self, day: Day) -> Option<Minor> {
        let mut base = self.credit_limit;
        if let Some(temporary) = self.temporary_limit {
            let started = self.temporary_from.is_none_or(|from| from <= day);
            let not_ended = self.temporary_to.is_none_or(|to| day <= to);
            if started && not_ended {
                base = Some(temporary);
            }
        }
        base.map(|limit| limit + self.secured)
    }
}

// -- views the policy reads (implemented by `books` and `money`) ------------------------------

/// Dated exchange rates (`service/domain/money.py::ExchangeRates.convert`).
pub trait Rates {
    /// Minor units of `from` in minor units of `to` at `at`; `None` with no rate. Same
    /// currency: `minor` unchanged.
    fn convert(&self, minor: Minor, from: Ccy, to: Ccy, at: Instant) -> Option<Minor>;
}

/// One account's balances, in its ledger currency (`ledger.py::AccountBook`).
pub trait BookView {
    fn currency(&self) -> Ccy;
    /// receivable, plus open orders when `include_open_orders`
    fn exposure(&self, include_open_orders: bool) -> Minor;
    /// Unpaid invoice amounts with `due < day - allowed_days` (`AccountBook.overdue`).
    fn overdue(&self, day: Day, allowed_days: i64) -> Minor;
    /// Open invoice amounts with `due < cutoff`, or all of them when `cutoff` is `None`
    /// (the hold period's aged receivables).
    fn aged(&self, cutoff: Option<i64>) -> Minor;
    /// Whether the book has any open invoice record at all (`book.invoices is not None`).
    fn has_invoices(&self) -> bool;
}

/// A credit group's running totals (`group_totals.py::GroupTotals`).
pub trait GroupView {
    /// Receivables plus open orders per ledger currency, leaving out the open orders of the
    /// companies for which `counts_no_open_orders` is true; sorted by currency code, and
    /// only currencies that have a bucket.
    fn exposure(&self, counts_no_open_orders: &dyn Fn(&str) -> bool) -> Vec<(Ccy, Minor)>;
    /// Open invoice amounts more than `allowed_days` past due on `day`, per currency
    /// (cutoff `max(day - allowed_days, 0)`, due strictly before it); sorted by currency
    /// code, only currencies with a non-empty sum of records before the cutoff.
    fn overdue(&self, day: Day, allowed_days: i64) -> Vec<(Ccy, Minor)>;
}

// -- outputs (`service/domain/outputs.py`) ----------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldReason {
    pub code: &'static str,
    pub message: String,
    pub limit: Option<Dec>,
    pub exposure: Option<Dec>,
    pub order_amount: Option<Dec>,
    pub available: Option<Dec>,
    pub currency: Option<Ccy>,
}

impl HoldReason {
    pub fn plain(code: &'static str, message: String) -> HoldReason {
        HoldReason {
            code,
            message,
            limit: None,
            exposure: None,
            order_amount: None,
            available: None,
            currency: None,
        }
    }
}

/// Hold reason codes in CONTRACT.md's order: reasons are reported in this order.
pub const REASON_CODES: [&str; 16] = [
    "SALES_BLOCKED", "CASH_ONLY", "COD_ONLY", "HOLD_UNTIL", "OPEN_UNTIL", "MAX_ORDER_AMOUNT",
    "HOLD_PERIOD", "OVERDUE_LIMIT", "GROUP_OVERDUE_LIMIT", "CREDIT_LIMIT_EXPIRED",
    "GROUP_LIMIT_EXPIRED", "CUSTOMER_LIMIT", "GROUP_LIMIT", "COMPANY_LIMIT",
    "MISSING_EXCHANGE_RATE", "NO_CREDIT_PROFILE",
];

pub fn reason_rank(code: &str) -> usize {
    REASON_CODES.iter().position(|known| *known == code).unwrap_or(REASON_CODES.len())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionFigures {
    pub exposure_before: Dec,
    pub exposure_after: Dec,
    pub currency: Ccy,
    pub limit: Option<Dec>,
    pub available: Option<Dec>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// `credit_manager`, `group_credit_manager` or `credit_analyst`
    pub role: &'static str,
    pub person: Id,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderApproved {
    pub event_id: Id,
    pub order_id: Id,
    pub company_id: Id,
    pub customer_id: Id,
    pub group_id: Option<Id>,
    pub amount: Dec,
    pub currency: Ccy,
    pub reasons: Vec<HoldReason>,
    pub decided_at: Instant,
    pub figures: DecisionFigures,
    pub released_by: Option<Id>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderHeld {
    pub event_id: Id,
    pub order_id: Id,
    pub company_id: Id,
    pub customer_id: Id,
    pub group_id: Option<Id>,
    pub amount: Dec,
    pub currency: Ccy,
    pub reasons: Vec<HoldReason>,
    pub credit_managers: Vec<Id>,
    pub decided_at: Instant,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRejected {
    pub event_id: Id,
    pub order_id: Id,
    pub company_id: Id,
    pub customer_id: Id,
    pub decided_by: Id,
    pub decided_at: Instant,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditNotification {
    pub event_id: Id,
    pub notification_id: Id,
    /// ORDER_ON_HOLD, CREDIT_LIMIT_EXCEEDED, OVERDUE_EXCEEDED, REVIEW_DUE,
    /// COD_TERMS_CONFLICT or SAME_ACCOUNT_OTHER_COMPANIES
    pub kind: &'static str,
    pub recipients: Vec<Recipient>,
    pub message: String,
    pub decided_at: Instant,
    pub company_id: Option<Id>,
    pub customer_id: Option<Id>,
    pub group_id: Option<Id>,
    pub order_id: Option<Id>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputEvent {
    Approved(OrderApproved),
    Held(OrderHeld),
    Rejected(OrderRejected),
    Notification(CreditNotification),
}

// -- minor units (`service/domain/money.py`) ---------------------------------------------------

/// ISO 4217 exponents that differ from the usual two decimals.
const MINOR_DIGITS: [(&[u8; 3], u32); 26] = [
    (b"BHD", 3), (b"BIF", 0), (b"CLF", 4), (b"CLP", 0), (b"DJF", 0), (b"GNF", 0), (b"IQD", 3),
    (b"ISK", 0), (b"JOD", 3), (b"JPY", 0), (b"KMF", 0), (b"KRW", 0), (b"KWD", 3), (b"LYD", 3),
    (b"OMR", 3), (b"PYG", 0), (b"RWF", 0), (b"TND", 3), (b"UGX", 0), (b"UYI", 0), (b"UYW", 4),
    (b"VND", 0), (b"VUV", 0), (b"XAF", 0), (b"XOF", 0), (b"XPF", 0),
];

/// A currency code as a number that orders as the code does.
const fn code_number(code: [u8; 3]) -> u32 {
    u32::from_be_bytes([0, code[0], code[1], code[2]])
}

/// How many decimals the currency has (2 unless ISO 4217 says otherwise).
#[inline]
pub fn minor_digits(currency: Ccy) -> u32 {
    let wanted = code_number(currency.0);
    // the everyday currencies first, none of them in the table
    const EVERYDAY: [u32; 3] = [code_number(*b"EUR"), code_number(*b"USD"), code_number(*b"GBP")];
    if EVERYDAY.contains(&wanted) {
        return 2;
    }
    match MINOR_DIGITS.binary_search_by_key(&wanted, |(code, _)| code_number(**code)) {
        Ok(at) => MINOR_DIGITS[at].1,
        Err(_) => 2,
    }
}

/// The precision of Python's default decimal context (`getcontext().prec`).
pub const CONTEXT_DIGITS: u32 = 28;

/// `coefficient × 10^exponent` rounded half-even to 28 significant digits, as every result
/// of Python's default decimal context is.
pub fn round_to_context(coefficient: u128, exponent: i64) -> (u128, i64) {
    const FIRST_WIDER: u128 = 10u128.pow(CONTEXT_DIGITS); // (every real amount is below it)
    if coefficient < FIRST_WIDER {
        return (coefficient, exponent);
    }
    let digits = coefficient.ilog10() + 1;
    let dropped = digits - CONTEXT_DIGITS;
    let divisor = 10u128.pow(dropped);
    let (mut kept, rest) = (coefficient / divisor, coefficient % divisor);
    if rest > divisor / 2 || (rest == divisor / 2 && kept % 2 == 1) {
        kept += 1;
    }
    if kept == 10u128.pow(CONTEXT_DIGITS) {
        return (kept / 10, exponent + dropped as i64 + 1); // 99..9.5 carried a digit
    }
    (kept, exponent + dropped as i64)
}

/// `Decimal('12.30')` in EUR → `1230`, as Python's `money.to_minor` computes it: the amount
/// times `10^digits` in the default context (so past 28 significant digits it is rounded
/// first), refused unless that is whole; the error is Python's `AmountPrecisionError` message
/// (`"12.345 EUR has more than 2 decimals"`). An amount too large for 128 bits is refused too.
pub fn to_minor(amount: &Dec, currency: Ccy) -> Result<Minor, String> {
    let digits = minor_digits(currency) as i64;
    let (coefficient, shift) = round_to_context(amount.coefficient, amount.exponent as i64 + digits);
    let refused = || {
        format!("{} {} has more than {} decimals", format::dec_str(amount), currency, digits)
    };
    let too_large = || format!("{} {} is too large", format::dec_str(amount), currency);
    let magnitude: u128 = if coefficient == 0 {
        0
    } else if shift >= 0 {
        let scale = u32::try_from(shift).ok().and_then(|shift| 10u128.checked_pow(shift));
        scale.and_then(|scale| coefficient.checked_mul(scale)).ok_or_else(too_large)?
    } else {
        match u32::try_from(-shift).ok().and_then(|shift| 10u128.checked_pow(shift)) {
            Some(divisor) if coefficient.is_multiple_of(divisor) => coefficient / divisor,
            _ => return Err(refused()),
        }
    };
    let signed = i128::try_from(magnitude).map_err(|_| too_large())?;
    Ok(if amount.negative { -signed } else { signed })
}

/// `1230` in EUR → `Decimal('12.30')`: `Decimal(minor).scaleb(-digits)`, which rounds to the
/// context's 28 significant digits (`10**30 + 1` EUR is `1.000000000000000000000000000E+28`).
pub fn to_decimal(minor: Minor, currency: Ccy) -> Dec {
    let (coefficient, exponent) =
        round_to_context(minor.unsigned_abs(), -(minor_digits(currency) as i64));
    Dec { negative: minor < 0, coefficient, exponent: exponent as i32 }
}

#[cfg(test)]
mod minor_tests {
    use super::*;

    #[test]
    fn minor_units() {
        let eur = Ccy::parse("EUR").unwrap();
        let jpy = Ccy::parse("JPY").unwrap();
        let d = |c, e| Dec { negative: false, coefficient: c, exponent: e };
        assert_eq!(to_minor(&d(1230, -2), eur), Ok(1230));
        assert_eq!(to_minor(&d(123, -1), eur), Ok(1230));
        assert_eq!(to_minor(&d(1, 3), eur), Ok(100_000));
        assert_eq!(to_minor(&d(1, 3), jpy), Ok(1000));
        assert_eq!(to_minor(&d(0, -9), eur), Ok(0));
        assert_eq!(to_minor(&d(12345, -3), eur), Err("12.345 EUR has more than 2 decimals".into()));
        assert_eq!(to_minor(&d(15, -1), jpy), Err("1.5 JPY has more than 0 decimals".into()));
        assert_eq!(to_decimal(-5, eur), Dec { negative: true, coefficient: 5, exponent: -2 });
        assert!(MINOR_DIGITS.is_sorted_by_key(|(code, _)| **code)); // binary-searched
        for (code, digits) in MINOR_DIGITS {
            assert_eq!(minor_digits(Ccy(*code)), digits);
        }
        assert_eq!(minor_digits(Ccy(*b"AAA")), 2);
        assert_eq!(minor_digits(Ccy(*b"ZZZ")), 2);
    }

    /// Expected values printed by the Python reference (`service.domain.money`).
    #[test]
    fn past_28_digits_as_python() {
        let eur = Ccy::parse("EUR").unwrap();
        let jpy = Ccy::parse("JPY").unwrap();
        let text = |minor: Minor, ccy| format::dec_str(&to_decimal(minor, ccy));
        let ten = |n: u32| 10i128.pow(n);
        assert_eq!(text(ten(30) + 1, eur), "1.000000000000000000000000000E+28");
        assert_eq!(text(-(ten(29) - 1), jpy), "-1.000000000000000000000000000E+29");
        assert_eq!(text(ten(28) * 25 + 50, jpy), "2.500000000000000000000000000E+29");
        let d = |c: u128, e| Dec { negative: false, coefficient: c, exponent: e };
        // to_minor(Decimal("1234567890123456789012345678.91"), "EUR")
        assert_eq!(to_minor(&d(123456789012345678901234567891, -2), eur),
                   Ok(123456789012345678901234567900));
        // to_minor(Decimal("12345678901234567890123456.785"), "EUR"): .5 rounds away, no error
        assert_eq!(to_minor(&d(12345678901234567890123456785, -3), eur),
                   Ok(1234567890123456789012345678));
        assert_eq!(to_minor(&d(1234567890123456789012345678915, -3), eur),
                   Ok(123456789012345678901234567900));
    }
}
