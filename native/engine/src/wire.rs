//! The binary form of the engine's reference snapshot (`snapshot.rs`): fixed-width
//! little-endian integers, `u32` counts and lengths, UTF-8 strings, a presence byte before
//! an optional value.
//!
//! Every read is checked. Bytes that are not a snapshot written by this code give an `Err`
//! that says what was wrong and where, never a panic: no count is trusted for an allocation
//! beyond the bytes that are left, no enumeration number beyond its names, no currency code
//! that `Ccy::parse` refuses, no day outside the calendar.

use credit_model::{
    Ccy, CompanySettings, Day, Dec, GroupSettings, Id, Instant, LimitMode, SalesOrderStatus,
    WarehouseSettings, LIMIT_MODES, STATUSES,
};

/// `date.max.toordinal()`: the last day Python's calendar has (day 1 is its first).
const LAST_ORDINAL: i32 = 3_652_059;
/// No amount is larger, in minor units (far beyond any an event carries: the schemas'
/// decimals have 22 digits), so that no sum or difference of two overflows.
const MAX_AMOUNT: u128 = 10u128.pow(36);
/// `datetime.min` and `datetime.max` (UTC) in microseconds since the epoch.
const FIRST_MICROS: i64 = -62_135_596_800_000_000;
const LAST_MICROS: i64 = 253_402_300_799_999_999;
/// An instant's UTC offset is under a day either way (as `datetime.timezone` requires).
const MAX_OFFSET_SECONDS: i32 = 86_399;

#[derive(Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }

    pub fn bool(&mut self, value: bool) {
        self.u8(value as u8);
    }

    pub fn u32(&mut self, value: u32) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub fn i32(&mut self, value: i32) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub fn i64(&mut self, value: i64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub fn u64(&mut self, value: u64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub fn i128(&mut self, value: i128) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    /// A count or a length (a snapshot holds fewer than 2^32 of anything).
    pub fn count(&mut self, count: usize) {
        self.u32(u32::try_from(count).expect("fewer than 2^32 items in a snapshot"));
    }

    pub fn str(&mut self, text: &str) {
        self.count(text.len());
        self.bytes.extend_from_slice(text.as_bytes());
    }

    pub fn option<T>(&mut self, value: Option<&T>, put: impl FnOnce(&mut Self, &T)) {
        self.bool(value.is_some());
        if let Some(value) = value {
            put(self, value);
        }
    }
}

pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

pub type Read<T> = Result<T, String>;

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    /// An error naming what was wrong and the byte where it was read.
    pub fn error(&self, what: &str) -> String {
        format!("{what} (at byte {} of {})", self.at, self.bytes.len())
    }

    pub fn skip(&mut self, length: usize) -> Read<()> {
        self.take(length).map(|_| ())
    }

    fn take(&mut self, length: usize) -> Read<&'a [u8]> {
        let end = self.at.checked_add(length).filter(|end| *end <= self.bytes.len());
        let end = end.ok_or_else(|| self.error("the snapshot ends too soon"))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Read<[u8; N]> {
        let mut array = [0u8; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    pub fn u8(&mut self) -> Read<u8> {
        Ok(self.take(1)?[0])
    }

    pub fn bool(&mut self) -> Read<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(self.error("a flag that is neither 0 nor 1")),
        }
    }

    pub fn u32(&mut self) -> Read<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub fn i32(&mut self) -> Read<i32> {
        self.array().map(i32::from_le_bytes)
    }

    pub fn i64(&mut self) -> Read<i64> {
        self.array().map(i64::from_le_bytes)
    }

    pub fn u64(&mut self) -> Read<u64> {
        self.array().map(u64::from_le_bytes)
    }

    pub fn i128(&mut self) -> Read<i128> {
        self.array().map(i128::from_le_bytes)
    }

    /// An amount in minor units.
    pub fn amount(&mut self) -> Read<i128> {
        let amount = self.i128()?;
        if amount.unsigned_abs() > MAX_AMOUNT {
            return Err(self.error("an amount beyond any an event carries"));
        }
        Ok(amount)
    }

    /// A count of days an event allows: 0 or more.
    pub fn days(&mut self) -> Read<i64> {
        let days = self.i64()?;
        if days < 0 {
            return Err(self.error("a negative count of days"));
        }
        Ok(days)
    }

    /// A count of items each at least `least_bytes` long: no more than the bytes left hold.
    pub fn count(&mut self, least_bytes: usize) -> Read<usize> {
        let count = self.u32()? as usize;
        if count.saturating_mul(least_bytes.max(1)) > self.bytes.len() - self.at {
            return Err(self.error(&format!("a count of {count} that the bytes left cannot hold")));
        }
        Ok(count)
    }

    pub fn str(&mut self) -> Read<&'a str> {
        let length = self.count(1)?;
        let bytes = self.take(length)?;
        std::str::from_utf8(bytes).map_err(|_| self.error("a name that is not UTF-8"))
    }

    pub fn id(&mut self) -> Read<Id> {
        self.str().map(Id::from)
    }

    pub fn option<T>(&mut self, get: impl FnOnce(&mut Self) -> Read<T>) -> Read<Option<T>> {
        if self.bool()? {
            get(self).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Every byte was read.
    pub fn finish(&self) -> Read<()> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(self.error("bytes after the end of the snapshot"))
        }
    }

    pub fn ccy(&mut self) -> Read<Ccy> {
        let code = self.array::<3>()?;
        let text = std::str::from_utf8(&code).ok();
        text.and_then(Ccy::parse).ok_or_else(|| self.error("a currency code that is not one"))
    }

    pub fn dec(&mut self) -> Read<Dec> {
        Ok(Dec { negative: self.bool()?, coefficient: self.i128()? as u128, exponent: self.i32()? })
    }

    pub fn instant(&mut self) -> Read<Instant> {
        let (utc_micros, offset_seconds) = (self.i64()?, self.i32()?);
        if offset_seconds.unsigned_abs() > MAX_OFFSET_SECONDS as u32 {
            return Err(self.error("a UTC offset of a day or more"));
        }
        if !(FIRST_MICROS..=LAST_MICROS).contains(&utc_micros) {
            return Err(self.error("an instant outside the years 1 to 9999"));
        }
        Ok(Instant { utc_micros, offset_seconds })
    }

    /// A day as a calendar ordinal, or `none` (the field's mark for no day).
    pub fn day_field(&mut self, none: i32) -> Read<i32> {
        let day = self.i32()?;
        if day != none && !(1..=LAST_ORDINAL).contains(&day) {
            return Err(self.error(&format!("day {day} is outside the calendar")));
        }
        Ok(day)
    }

    pub fn day(&mut self) -> Read<Day> {
        let day = self.i32()?;
        if !(1..=LAST_ORDINAL).contains(&day) {
            return Err(self.error(&format!("day {day} is outside the calendar")));
        }
        Ok(Day(day))
    }

    /// A hold period: an aging period, 0 to 5 (as the events allow).
    pub fn hold_period(&mut self) -> Read<u8> {
        let period = self.u8()?;
        if period > 5 {
            return Err(self.error(&format!("hold period {period} is not an aging period")));
        }
        Ok(period)
    }

    /// A value of an enumeration by its number in the names' table.
    fn named<T: Copy>(&mut self, names: &[(&str, T)]) -> Read<T> {
        let number = self.u8()? as usize;
        names.get(number).map(|(_, value)| *value).ok_or_else(|| self.error("an unknown enumeration value"))
    }

    pub fn status(&mut self) -> Read<SalesOrderStatus> {
        self.named(&STATUSES)
    }
}

impl Writer {
    pub fn ccy(&mut self, ccy: &Ccy) {
        self.bytes.extend_from_slice(&ccy.0);
    }

    pub fn dec(&mut self, dec: &Dec) {
        self.bool(dec.negative);
        self.i128(dec.coefficient as i128);
        self.i32(dec.exponent);
    }

    pub fn instant(&mut self, instant: &Instant) {
        self.i64(instant.utc_micros);
        self.i32(instant.offset_seconds);
    }

    fn named<T: PartialEq>(&mut self, names: &[(&str, T)], value: &T) {
        let number = names.iter().position(|(_, known)| known == value);
        self.u8(number.expect("every value of an enumeration has a name") as u8);
    }

    pub fn status(&mut self, status: &SalesOrderStatus) {
        self.named(&STATUSES, status);
    }

    pub fn company(&mut self, company: &CompanySettings) {
        self.ccy(&company.currency);
        self.option(company.default_credit_limit.as_ref(), |w, v| w.i128(*v));
        self.option(company.tolerance_pct.as_ref(), Writer::dec);
        self.option(company.max_order_amount.as_ref(), |w, v| w.i128(*v));
        self.bool(company.check_group_limits);
        company.aging_period_days.iter().for_each(|days| self.i64(*days));
        self.bool(company.include_open_orders);
        self.instant(&company.as_of);
    }

    pub fn warehouse(&mut self, warehouse: &WarehouseSettings) {
        self.str(&warehouse.company_id);
        self.option(warehouse.tolerance_pct.as_ref(), Writer::dec);
        self.option(warehouse.max_order_amount.as_ref(), Writer::dec);
        self.instant(&warehouse.as_of);
    }

    pub fn group(&mut self, group: &GroupSettings) {
        self.str(&group.group_id);
        self.ccy(&group.currency);
        self.option(group.credit_limit.as_ref(), |w, v| w.i128(*v));
        self.i32(group.expires.0);
        self.named(&LIMIT_MODES, &group.limit_mode);
        self.option(group.credit_manager.as_ref(), |w, v| w.str(v));
        self.option(group.sales_order_status.as_ref(), Writer::status);
        self.option(group.status_date.as_ref(), |w, v| w.i32(v.0));
        self.option(group.hold_period.as_ref(), |w, v| w.u8(*v));
        self.option(group.allowed_overdue.as_ref(), |w, v| w.i128(*v));
        self.i64(group.allowed_overdue_days);
        self.option(group.description.as_ref(), |w, v| w.str(v));
        self.instant(&group.as_of);
    }
}

impl Reader<'_> {
    pub fn company(&mut self) -> Read<CompanySettings> {
        Ok(CompanySettings {
            currency: self.ccy()?,
            default_credit_limit: self.option(Reader::amount)?,
            tolerance_pct: self.option(Reader::dec)?,
            max_order_amount: self.option(Reader::amount)?,
            check_group_limits: self.bool()?,
            aging_period_days: self.aging_period_days()?,
            include_open_orders: self.bool()?,
            as_of: self.instant()?,
        })
    }

    /// Four ascending bounds, the first at least 0 (as `company_upserted` allows).
    fn aging_period_days(&mut self) -> Read<[i64; 4]> {
        let bounds = [self.days()?, self.i64()?, self.i64()?, self.i64()?];
        if !bounds.windows(2).all(|pair| pair[0] < pair[1]) {
            return Err(self.error("aging periods that do not ascend"));
        }
        Ok(bounds)
    }

    pub fn warehouse(&mut self) -> Read<WarehouseSettings> {
        Ok(WarehouseSettings {
            company_id: self.id()?,
            tolerance_pct: self.option(Reader::dec)?,
            max_order_amount: self.option(Reader::dec)?,
            as_of: self.instant()?,
        })
    }

    pub fn group(&mut self) -> Read<GroupSettings> {
        Ok(GroupSettings {
            group_id: self.id()?,
            currency: self.ccy()?,
            credit_limit: self.option(Reader::amount)?,
            expires: self.day()?,
            limit_mode: self.named::<LimitMode>(&LIMIT_MODES)?,
            credit_manager: self.option(Reader::id)?,
            sales_order_status: self.option(Reader::status)?,
            status_date: self.option(Reader::day)?,
            hold_period: self.option(Reader::hold_period)?,
            allowed_overdue: self.option(Reader::amount)?,
            allowed_overdue_days: self.days()?,
            description: self.option(Reader::id)?,
            as_of: self.instant()?,
        })
    }
}
