//! Input event lines (CONTRACT.md) read natively, for the canonical subset only.
//!
//! The reference is pydantic (`service/domain/events.py`, `INPUT_EVENT.validate_json`). A line
//! read here gives the same values pydantic gives; a line pydantic would refuse, or might read
//! otherwise, is [`NotCanonical`], and the caller hands it to pydantic instead.

use crate::compact::scan_compact;
use crate::scan::{bad, JStr, Raw, Res, Scanner};
use crate::names::{self, NameTable};
use crate::values;
use credit_model::*;

/// Why a line is outside the canonical subset: pydantic must read it (and may refuse it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotCanonical(pub String);

impl std::fmt::Display for NotCanonical {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotCanonical {}

macro_rules! fields {
    ($($variant:ident = $name:literal,)*) => {
        /// Every field name any input event has: a line's value per field is kept by index.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum F { $($variant,)* }

        pub(crate) const FIELD_NAMES: &[&str] = &[$($name,)*];

        /// The fields in the order of `FIELD_NAMES`.
        pub(crate) const FIELDS: &[F] = &[$(F::$variant,)*];
    };
}

/// Each field's index in `FIELD_NAMES`, by its name's hash.
const FIELD_SLOTS: NameTable = names::table(FIELD_NAMES);

/// The field a key names, if any.
#[inline]
fn field(key: &[u8]) -> Option<F> {
    names::find(&FIELD_SLOTS, FIELD_NAMES, key).map(|index| FIELDS[index])
}

fields! {
    EventId = "event_id",
    EventType = "event_type",
    OccurredAt = "occurred_at",
    CompanyId = "company_id",
    CustomerId = "customer_id",
    OrderId = "order_id",
    WarehouseId = "warehouse_id",
    Amount = "amount",
    Currency = "currency",
    PaymentType = "payment_type",
    EnteredBy = "entered_by",
    InvoiceId = "invoice_id",
    InvoiceDate = "invoice_date",
    DueDate = "due_date",
    PaymentId = "payment_id",
    InvoiceIds = "invoice_ids",
    DecidedBy = "decided_by",
    Note = "note",
    DefaultCreditLimit = "default_credit_limit",
    TolerancePct = "tolerance_pct",
    MaxOrderAmount = "max_order_amount",
    CheckGroupLimits = "check_group_limits",
    AgingPeriodDays = "aging_period_days",
    IncludeOpenOrders = "include_open_orders",
    SalesOrderStatus = "sales_order_status",
    SalesOrderStatusDate = "sales_order_status_date",
    Name = "name",
    CreditGroupId = "credit_group_id",
    CreditLimit = "credit_limit",
    CreditLimitExpires = "credit_limit_expires",
    TemporaryCreditLimit = "temporary_credit_limit",
    TemporaryLimitFrom = "temporary_limit_from",
    TemporaryLimitTo = "temporary_limit_to",
    InsuranceAmount = "insurance_amount",
    GuaranteeAmount = "guarantee_amount",
    CreditManager = "credit_manager",
    CreditAnalyst = "credit_analyst",
    CodTerms = "cod_terms",
    HoldPeriod = "hold_period",
    AllowedOverdueAmount = "allowed_overdue_amount",
    AllowedOverdueDays = "allowed_overdue_days",
    ApManager = "ap_manager",
    ApPhone = "ap_phone",
    CreditEstablished = "credit_established",
    LastReview = "last_review",
    NextReview = "next_review",
    GroupId = "group_id",
    Description = "description",
    LimitMode = "limit_mode",
    FromCurrency = "from_currency",
    ToCurrency = "to_currency",
    Rate = "rate",
    ValidFrom = "valid_from",
}

const FIELD_COUNT: usize = FIELD_NAMES.len();

fn refuse<T>(f: F, why: &str) -> Res<T> {
    Err(NotCanonical(format!("{}: {}", FIELD_NAMES[f as usize], why)))
}

/// Whether a decimal must be above zero (`PositiveAmount`, `Rate`) or may be zero too.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sign {
    Positive,
    NonNegative,
}

/// The known fields of one line, as scanned.
struct Fields<'a> {
    raw: [Raw<'a>; FIELD_COUNT],
}

/// The top-level object: each known field once (a repeated one is refused), unknown fields
/// checked and dropped, nothing but whitespace around.
fn scan_line<'a>(line: &'a [u8], fields: &mut Fields<'a>) -> Res<()> {
    let mut seen: u64 = 0;
    let mut scanner = Scanner::new(line);
    scanner.ws();
    if scanner.peek() != Some(b'{') {
        return bad("not a JSON object");
    }
    scanner.expect(b'{')?;
    scanner.ws();
    if !scanner.eat(b'}') {
        loop {
            let key: JStr<'_> = scanner.string()?;
            scanner.ws();
            scanner.expect(b':')?;
            scanner.ws();
            let value = match scanner.peek() {
                Some(b'"') => Raw::Str(scanner.string()?), // most values: strings
                _ => scanner.value(1)?,
            };
            if key.escaped {
                return bad("escaped key");
            }
            if let Some(f) = field(key.raw) {
                let bit = 1u64 << (f as u32);
                if seen & bit != 0 {
                    return refuse(f, "repeated key");
                }
                seen |= bit;
                fields.raw[f as usize] = value;
            }
            scanner.ws();
            if scanner.eat(b',') {
                scanner.ws();
                continue;
            }
            scanner.expect(b'}')?;
            break;
        }
    }
    scanner.ws();
    if !scanner.at_end() {
        return bad("trailing characters");
    }
    Ok(())
}

impl<'a> Fields<'a> {
    #[inline]
    fn get(&self, f: F) -> Raw<'a> {
        self.raw[f as usize]
    }

    /// A required string field's unescaped text (codes, dates, amounts).
    #[inline(always)]
    fn plain(&self, f: F) -> Res<&'a str> {
        match self.get(f) {
            Raw::Str(s) => s.plain().map_or_else(|| refuse(f, "escaped"), Ok),
            Raw::Absent => refuse(f, "missing"),
            _ => refuse(f, "not a string"),
        }
    }

    /// An optional string field's unescaped text; `None` when null or absent.
    #[inline(always)]
    fn opt_plain(&self, f: F) -> Res<Option<&'a str>> {
        match self.get(f) {
            Raw::Absent | Raw::Null => Ok(None),
            _ => self.plain(f).map(Some),
        }
    }

    /// `Id`: a string of at least one character.
    #[inline(always)]
    fn id(&self, f: F) -> Res<Id> {
        match self.get(f) {
            Raw::Str(s) if s.is_empty() => refuse(f, "empty"),
            Raw::Str(s) => s.decode(),
            Raw::Absent => refuse(f, "missing"),
            _ => refuse(f, "not a string"),
        }
    }

    /// `str | None = None`.
    #[inline(always)]
    fn opt_str(&self, f: F) -> Res<Option<Id>> {
        match self.get(f) {
            Raw::Absent | Raw::Null => Ok(None),
            Raw::Str(s) => s.decode().map(Some),
            _ => refuse(f, "not a string or null"),
        }
    }

    /// `str | None` that the engine never reads: checked, not kept.
    fn check_opt_str(&self, f: F) -> Res<()> {
        match self.get(f) {
            Raw::Absent | Raw::Null | Raw::Str(_) => Ok(()),
            _ => refuse(f, "not a string or null"),
        }
    }

    /// `Currency`: `^[A-Z]{3}$`.
    #[inline(always)]
    fn ccy(&self, f: F) -> Res<Ccy> {
        Ccy::parse(self.plain(f)?).map_or_else(|| refuse(f, "not a currency code"), Ok)
    }

    #[inline(always)]
    fn dec_of(f: F, text: &str, sign: Sign) -> Res<Dec> {
        match values::decimal(text.as_bytes()) {
            Some(dec) if sign == Sign::Positive && dec.is_zero() => refuse(f, "not above zero"),
            Some(dec) => Ok(dec),
            None => refuse(f, "not a canonical decimal"),
        }
    }

    /// `PositiveAmount` or `Rate`.
    #[inline(always)]
    fn positive(&self, f: F) -> Res<Dec> {
        Self::dec_of(f, self.plain(f)?, Sign::Positive)
    }

    /// `Amount | None` or `Percent | None`.
    #[inline(always)]
    fn opt_amount(&self, f: F) -> Res<Option<Dec>> {
        match self.opt_plain(f)? {
            Some(text) => Self::dec_of(f, text, Sign::NonNegative).map(Some),
            None => Ok(None),
        }
    }

    #[inline(always)]
    fn day_of(f: F, text: &str) -> Res<Day> {
        values::date(text.as_bytes()).map_or_else(|| refuse(f, "not a YYYY-MM-DD date"), Ok)
    }

    /// `date`.
    #[inline(always)]
    fn day(&self, f: F) -> Res<Day> {
        Self::day_of(f, self.plain(f)?)
    }

    /// `date | None = None`.
    #[inline(always)]
    fn opt_day(&self, f: F) -> Res<Option<Day>> {
        self.opt_plain(f)?.map(|text| Self::day_of(f, text)).transpose()
    }

    /// `AwareDatetime`.
    #[inline(always)]
    fn instant(&self, f: F) -> Res<Instant> {
        let text = self.plain(f)?;
        values::instant(text.as_bytes()).map_or_else(|| refuse(f, "not a canonical instant"), Ok)
    }

    /// `bool = default`: JSON `true`/`false` or absent (null is refused, as pydantic does).
    fn flag(&self, f: F, default: bool) -> Res<bool> {
        match self.get(f) {
            Raw::Absent => Ok(default),
            Raw::Bool(value) => Ok(value),
            _ => refuse(f, "not true or false"),
        }
    }

    /// `Annotated[int, Field(ge=min, le=max)] | None = None`, a JSON integer.
    fn opt_int(&self, f: F, min: i64, max: i64) -> Res<Option<i64>> {
        match self.get(f) {
            Raw::Absent | Raw::Null => Ok(None),
            Raw::Num(text) => match values::integer(text) {
                Some(value) if (min..=max).contains(&value) => Ok(Some(value)),
                _ => refuse(f, "not an integer in range"),
            },
            _ => refuse(f, "not an integer or null"),
        }
    }

    /// A `Literal[...]` field's member.
    fn literal<T: Copy>(&self, f: F, members: &[(&str, T)]) -> Res<T> {
        let text = self.plain(f)?;
        match members.iter().find(|(name, _)| *name == text) {
            Some((_, value)) => Ok(*value),
            None => refuse(f, "not a known value"),
        }
    }

    fn opt_literal<T: Copy>(&self, f: F, members: &[(&str, T)]) -> Res<Option<T>> {
        match self.get(f) {
            Raw::Absent | Raw::Null => Ok(None),
            _ => self.literal(f, members).map(Some),
        }
    }

    /// The items of an array field, or `None` when null or absent.
    fn opt_items(&self, f: F) -> Res<Option<Vec<Raw<'a>>>> {
        match self.get(f) {
            Raw::Absent | Raw::Null => Ok(None),
            Raw::Array(span) => Scanner::new(span).array_items().map(Some),
            _ => refuse(f, "not a list"),
        }
    }
}

/// `hold_period`: 0..=5 days of aged receivables.
fn hold_period(fields: &Fields<'_>) -> Res<Option<u8>> {
    Ok(fields.opt_int(F::HoldPeriod, 0, 5)?.map(|days| days as u8))
}

/// `_StatusSettings`: a sales order status, and its date (required by the dated ones).
fn status(fields: &Fields<'_>) -> Res<(Option<SalesOrderStatus>, Option<Day>)> {
    let status = fields.opt_literal(F::SalesOrderStatus, &STATUSES)?;
    let date = fields.opt_day(F::SalesOrderStatusDate)?;
    let dated = matches!(status, Some(SalesOrderStatus::HoldUntil | SalesOrderStatus::OpenUntil));
    if dated && date.is_none() {
        return refuse(F::SalesOrderStatusDate, "needed by the status");
    }
    Ok((status, date))
}

/// `aging_period_days`: four ascending JSON integers, the first at least 0.
fn aging_period_days(fields: &Fields<'_>) -> Res<[i64; 4]> {
    let f = F::AgingPeriodDays;
    let items = match fields.get(f) {
        Raw::Absent => return Ok(DEFAULT_AGING_PERIOD_DAYS),
        Raw::Array(_) => fields.opt_items(f)?.unwrap_or_default(),
        _ => return refuse(f, "not a list"),
    };
    let mut days = [0i64; 4];
    if items.len() != 4 {
        return refuse(f, "not four day counts");
    }
    for (slot, item) in days.iter_mut().zip(items) {
        match item {
            Raw::Num(text) => match values::integer(text) {
                Some(value) => *slot = value,
                None => return refuse(f, "not an integer"),
            },
            _ => return refuse(f, "not an integer"),
        }
    }
    if days[0] < 0 || days.windows(2).any(|pair| pair[0] >= pair[1]) {
        return refuse(f, "not four ascending day counts");
    }
    Ok(days)
}

/// `invoice_ids: tuple[str, ...] | None`.
fn invoice_ids(fields: &Fields<'_>) -> Res<Option<Vec<Id>>> {
    let Some(items) = fields.opt_items(F::InvoiceIds)? else { return Ok(None) };
    let mut ids = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Raw::Str(s) => ids.push(s.decode()?),
            _ => return refuse(F::InvoiceIds, "not a list of strings"),
        }
    }
    Ok(Some(ids))
}

/// `valid_from: AwareDatetime | date`: a bare date is midnight UTC of that day.
fn valid_from(fields: &Fields<'_>) -> Res<Instant> {
    let f = F::ValidFrom;
    let text = fields.plain(f)?;
    if text.len() == 10 {
        return Fields::day_of(f, text).map(Instant::start_of);
    }
    fields.instant(f)
}

fn order_created(fs: &Fields<'_>, event_id: Id, occurred_at: Instant) -> Res<OrderCreated> {
    Ok(OrderCreated {
        event_id,
        occurred_at,
        company_id: fs.id(F::CompanyId)?,
        customer_id: fs.id(F::CustomerId)?,
        order_id: fs.id(F::OrderId)?,
        warehouse_id: fs.opt_str(F::WarehouseId)?,
        amount: fs.positive(F::Amount)?,
        currency: fs.ccy(F::Currency)?,
        payment_type: fs.literal(F::PaymentType, &PAYMENT_TYPES)?,
        entered_by: fs.opt_str(F::EnteredBy)?,
    })
}

fn invoice_posted(fs: &Fields<'_>, event_id: Id, occurred_at: Instant) -> Res<InvoicePosted> {
    Ok(InvoicePosted {
        event_id,
        occurred_at,
        company_id: fs.id(F::CompanyId)?,
        customer_id: fs.id(F::CustomerId)?,
        invoice_id: fs.id(F::InvoiceId)?,
        order_id: fs.opt_str(F::OrderId)?,
        amount: fs.positive(F::Amount)?,
        currency: fs.ccy(F::Currency)?,
        invoice_date: fs.day(F::InvoiceDate)?,
        due_date: fs.day(F::DueDate)?,
    })
}

fn payment_posted(fs: &Fields<'_>, event_id: Id, occurred_at: Instant) -> Res<PaymentPosted> {
    Ok(PaymentPosted {
        event_id,
        occurred_at,
        company_id: fs.id(F::CompanyId)?,
        customer_id: fs.id(F::CustomerId)?,
        payment_id: fs.id(F::PaymentId)?,
        amount: fs.positive(F::Amount)?,
        currency: fs.ccy(F::Currency)?,
        invoice_ids: invoice_ids(fs)?,
    })
}

fn order_cancelled(fs: &Fields<'_>, event_id: Id, occurred_at: Instant) -> Res<OrderCancelled> {
    Ok(OrderCancelled {
        event_id,
        occurred_at,
        company_id: fs.id(F::CompanyId)?,
        customer_id: fs.id(F::CustomerId)?,
        order_id: fs.id(F::OrderId)?,
    })
}

fn hold_decision(fs: &Fields<'_>, event_id: Id, occurred_at: Instant) -> Res<HoldDecision> {
    Ok(HoldDecision {
        event_id,
        occurred_at,
        company_id: fs.id(F::CompanyId)?,
        customer_id: fs.id(F::CustomerId)?,
        order_id: fs.id(F::OrderId)?,
        decided_by: fs.id(F::DecidedBy)?,
        note: fs.opt_str(F::Note)?,
    })
}

fn company(fs: &Fields<'_>, event_id: Id, occurred_at: Instant) -> Res<CompanyUpserted> {
    Ok(CompanyUpserted {
        event_id,
        occurred_at,
        company_id: fs.id(F::CompanyId)?,
        currency: fs.ccy(F::Currency)?,
        default_credit_limit: fs.opt_amount(F::DefaultCreditLimit)?,
        tolerance_pct: fs.opt_amount(F::TolerancePct)?,
        max_order_amount: fs.opt_amount(F::MaxOrderAmount)?,
        check_group_limits: fs.flag(F::CheckGroupLimits, true)?,
        aging_period_days: aging_period_days(fs)?,
        include_open_orders: fs.flag(F::IncludeOpenOrders, true)?,
    })
}

fn warehouse(fs: &Fields<'_>, event_id: Id, occurred_at: Instant) -> Res<WarehouseUpserted> {
    Ok(WarehouseUpserted {
        event_id,
        occurred_at,
        warehouse_id: fs.id(F::WarehouseId)?,
        company_id: fs.id(F::CompanyId)?,
        tolerance_pct: fs.opt_amount(F::TolerancePct)?,
        max_order_amount: fs.opt_amount(F::MaxOrderAmount)?,
    })
}

fn customer(fs: &Fields<'_>, event_id: Id, occurred_at: Instant) -> Res<CustomerUpserted> {
    let (sales_order_status, sales_order_status_date) = status(fs)?;
    let event = CustomerUpserted {
        event_id,
        occurred_at,
        company_id: fs.id(F::CompanyId)?,
        customer_id: fs.id(F::CustomerId)?,
        name: fs.opt_str(F::Name)?,
        currency: fs.ccy(F::Currency)?,
        credit_group_id: fs.opt_str(F::CreditGroupId)?,
        credit_limit: fs.opt_amount(F::CreditLimit)?,
        credit_limit_expires: fs.opt_day(F::CreditLimitExpires)?,
        temporary_credit_limit: fs.opt_amount(F::TemporaryCreditLimit)?,
        temporary_limit_from: fs.opt_day(F::TemporaryLimitFrom)?,
        temporary_limit_to: fs.opt_day(F::TemporaryLimitTo)?,
        insurance_amount: fs.opt_amount(F::InsuranceAmount)?,
        guarantee_amount: fs.opt_amount(F::GuaranteeAmount)?,
        credit_manager: fs.opt_str(F::CreditManager)?,
        credit_analyst: fs.opt_str(F::CreditAnalyst)?,
        cod_terms: fs.flag(F::CodTerms, false)?,
        sales_order_status,
        sales_order_status_date,
        hold_period: hold_period(fs)?,
        allowed_overdue_amount: fs.opt_amount(F::AllowedOverdueAmount)?,
        allowed_overdue_days: fs.opt_int(F::AllowedOverdueDays, 0, i64::MAX)?,
        next_review: fs.opt_day(F::NextReview)?,
    };
    // validated as pydantic does, but the engine does not read them
    fs.check_opt_str(F::ApManager)?;
    fs.check_opt_str(F::ApPhone)?;
    fs.opt_day(F::CreditEstablished)?;
    fs.opt_day(F::LastReview)?;
    Ok(event)
}

fn group(fs: &Fields<'_>, event_id: Id, occurred_at: Instant) -> Res<GroupUpserted> {
    let (sales_order_status, sales_order_status_date) = status(fs)?;
    let event = GroupUpserted {
        event_id,
        occurred_at,
        group_id: fs.id(F::GroupId)?,
        description: fs.opt_str(F::Description)?,
        currency: fs.ccy(F::Currency)?,
        credit_limit: fs.opt_amount(F::CreditLimit)?,
        credit_limit_expires: fs.day(F::CreditLimitExpires)?,
        limit_mode: fs.literal(F::LimitMode, &LIMIT_MODES)?,
        credit_manager: fs.opt_str(F::CreditManager)?,
        sales_order_status,
        sales_order_status_date,
        hold_period: hold_period(fs)?,
        allowed_overdue_amount: fs.opt_amount(F::AllowedOverdueAmount)?,
        allowed_overdue_days: fs.opt_int(F::AllowedOverdueDays, 0, i64::MAX)?,
    };
    fs.check_opt_str(F::ApManager)?;
    fs.check_opt_str(F::ApPhone)?;
    Ok(event)
}

fn exchange_rate(fs: &Fields<'_>, event_id: Id, occurred_at: Instant) -> Res<ExchangeRateSet> {
    Ok(ExchangeRateSet {
        event_id,
        occurred_at,
        from_currency: fs.ccy(F::FromCurrency)?,
        to_currency: fs.ccy(F::ToCurrency)?,
        rate: fs.positive(F::Rate)?,
        valid_from: valid_from(fs)?,
    })
}

/// Reads one input line (trailing newline allowed) as pydantic's `INPUT_EVENT.validate_json`
/// would, if it is in the canonical subset; else says why not.
pub fn parse_event(line: &[u8]) -> Result<InputEvent, NotCanonical> {
    let mut fs = Fields { raw: [Raw::Absent; FIELD_COUNT] };
    if scan_compact(line, &mut fs.raw).is_none() {
        fs.raw = [Raw::Absent; FIELD_COUNT];
        scan_line(line, &mut fs)?;
    }
    let event_type = fs.plain(F::EventType)?;
    // the type's reader, found by one comparison of the type's name
    type Read = fn(&Fields<'_>, Id, Instant) -> Res<InputEvent>;
    let read: Read = match event_type {
        "order_created" => |fs, id, at| order_created(fs, id, at).map(InputEvent::OrderCreated),
        "invoice_posted" => |fs, id, at| invoice_posted(fs, id, at).map(InputEvent::InvoicePosted),
        "payment_posted" => |fs, id, at| payment_posted(fs, id, at).map(InputEvent::PaymentPosted),
        "order_cancelled" => {
            |fs, id, at| order_cancelled(fs, id, at).map(InputEvent::OrderCancelled)
        }
        "hold_released" => |fs, id, at| hold_decision(fs, id, at).map(InputEvent::HoldReleased),
        "hold_rejected" => |fs, id, at| hold_decision(fs, id, at).map(InputEvent::HoldRejected),
        "company_upserted" => |fs, id, at| company(fs, id, at).map(InputEvent::CompanyUpserted),
        "warehouse_upserted" => {
            |fs, id, at| warehouse(fs, id, at).map(InputEvent::WarehouseUpserted)
        }
        "customer_upserted" => |fs, id, at| customer(fs, id, at).map(InputEvent::CustomerUpserted),
        "group_upserted" => |fs, id, at| group(fs, id, at).map(InputEvent::GroupUpserted),
        "exchange_rate_set" => {
            |fs, id, at| exchange_rate(fs, id, at).map(InputEvent::ExchangeRateSet)
        }
        _ => return refuse(F::EventType, "unknown"),
    };
    let event_id = fs.id(F::EventId)?;
    let occurred_at = fs.instant(F::OccurredAt)?;
    read(&fs, event_id, occurred_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<InputEvent, NotCanonical> {
        parse_event(line.as_bytes())
    }

    const HEAD: &str = r#""event_id":"c1","occurred_at":"2026-03-02T07:00:00Z""#;

    /// Expected values: `INPUT_EVENT.validate_json(line)` of the same line in Python
    /// (instants as `(at - epoch) // timedelta(microseconds=1)`, `rate.as_tuple()`).
    #[test]
    fn rate_with_a_bare_date_and_an_offset_instant() {
        let line = r#"{"event_id":"r1","event_type":"exchange_rate_set","occurred_at":"2026-03-02T07:00:00.5+01:00","from_currency":"EUR","to_currency":"USD","rate":"1.0800","valid_from":"2026-03-01"}"#;
        let Ok(InputEvent::ExchangeRateSet(rate)) = parse(line) else { panic!("{:?}", parse(line)) };
        assert_eq!((rate.occurred_at.utc_micros, rate.occurred_at.offset_seconds), (1_772_431_200_500_000, 3600));
        assert_eq!((rate.valid_from.utc_micros, rate.valid_from.offset_seconds), (1_772_323_200_000_000, 0));
        assert_eq!(rate.rate, Dec { negative: false, coefficient: 10800, exponent: -4 });
        assert_eq!(rate.from_currency.as_str(), "EUR");
    }

    #[test]
    fn hold_rejected_with_escapes_and_unknown_fields() {
        let line = "{\"event_id\":\"h1\",\"event_type\":\"hold_rejected\",\"occurred_at\":\"2026-03-02T07:00:00Z\",\"company_id\":\"DE01\",\"customer_id\":\"C\\u00e9\",\"order_id\":\"o-1\",\"decided_by\":\"AKS\",\"unknown\":[1,{\"a\":null}]}\n";
        let Ok(InputEvent::HoldRejected(hold)) = parse(line) else { panic!("{:?}", parse(line)) };
        assert_eq!(hold.customer_id, "Cé");
        assert_eq!((hold.order_id.as_str(), hold.decided_by.as_str(), hold.note), ("o-1", "AKS", None));
    }

    #[test]
    fn every_field_name_is_found_and_no_other() {
        for (name, f) in FIELD_NAMES.iter().zip(FIELDS) {
            assert_eq!(field(name.as_bytes()), Some(*f));
            assert_eq!(field(&name.as_bytes()[1..]), None);
        }
        assert_eq!(field(b""), None);
        assert_eq!(field(b"event_idx"), None);
    }

    #[test]
    fn company_defaults() {
        let line = format!(r#"{{{HEAD},"event_type":"company_upserted","company_id":"DE01","currency":"EUR","tolerance_pct":null}}"#);
        let Ok(InputEvent::CompanyUpserted(company)) = parse(&line) else { panic!("{:?}", parse(&line)) };
        assert!(company.check_group_limits && company.include_open_orders);
        assert_eq!(company.aging_period_days, DEFAULT_AGING_PERIOD_DAYS);
        assert_eq!((company.tolerance_pct, company.default_credit_limit), (None, None));
    }

    /// Each is refused by pydantic, or read by it in a way this parser leaves to it.
    #[test]
    fn outside_the_subset() {
        let company = format!(r#"{HEAD},"event_type":"company_upserted","company_id":"DE01","currency":"EUR""#);
        for extra in [
            r#","check_group_limits":null"#,   // pydantic: not a valid boolean
            r#","aging_period_days":null"#,    // pydantic: not a valid array
            r#","aging_period_days":[1,2,2,3]"#,
            r#","company_id":"DE02""#,         // repeated (pydantic takes the last)
            r#","\u0063urrency":"USD""#,       // an escaped key is the same key to pydantic
            r#","max_order_amount":5"#,        // a JSON number for an amount
            r#","max_order_amount":"-0""#,
            r#","foo":NaN"#,
        ] {
            assert!(parse(&format!("{{{company}{extra}}}")).is_err(), "{extra}");
        }
        assert!(parse(&format!("{{{company}}}")).is_ok());
        let customer = format!(r#"{HEAD},"event_type":"customer_upserted","company_id":"DE01","customer_id":"C1","currency":"EUR""#);
        assert!(parse(&format!(r#"{{{customer},"sales_order_status":"hold_until"}}"#)).is_err());
        assert!(parse(&format!(r#"{{{customer},"sales_order_status":"hold_until","sales_order_status_date":"2026-03-09"}}"#)).is_ok());
        assert!(parse(&format!(r#"{{{customer},"ap_phone":5}}"#)).is_err());
        assert!(parse(&format!(r#"{{{customer},"last_review":"2026-02-30"}}"#)).is_err());
        assert!(parse(&format!(r#"{{{customer},"hold_period":6}}"#)).is_err());
        assert!(parse(&format!(r#"{{{customer},"event_type":"order_created"}}"#)).is_err());
    }
}
