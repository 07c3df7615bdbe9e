//! Reference data: companies, warehouses, customers, credit groups and exchange rates
//! (`service/domain/reference.py::ReferenceBook`).
//!
//! Each record is versioned by `occurred_at`: an older upsert than the one held is ignored, an
//! equal or newer one replaces the whole record.

mod snapshot;

use hashbrown::{HashMap, HashSet};
use std::hash::BuildHasher;

use crate::accounts::{Accounts, Names};

use credit_model::{
    to_minor, Day, Id, Instant, SalesOrderStatus, CompanySettings, CompanyUpserted, CustomerProfile, CustomerUpserted, Dec,
    GroupSettings, GroupUpserted, Minor, Ccy, WarehouseSettings, WarehouseUpserted,
};
use credit_money::ExchangeRates;

use crate::applied::AppliedIds;
use crate::digest::source_digest;

/// `(company_id, customer_id)`
pub type AccountKey = (Id, Id);

fn minor(amount: &Option<Dec>, currency: Ccy) -> Result<Option<Minor>, String> {
    amount.as_ref().map(|amount| to_minor(amount, currency)).transpose()
}

pub fn company_settings(event: &CompanyUpserted) -> Result<CompanySettings, String> {
    let ccy = event.currency;
    Ok(CompanySettings {
        currency: ccy,
        default_credit_limit: minor(&event.default_credit_limit, ccy)?,
        tolerance_pct: event.tolerance_pct,
        max_order_amount: minor(&event.max_order_amount, ccy)?,
        check_group_limits: event.check_group_limits,
        aging_period_days: event.aging_period_days,
        include_open_orders: event.include_open_orders,
        as_of: event.occurred_at,
    })
}

pub fn group_settings(event: &GroupUpserted) -> Result<GroupSettings, String> {
    let ccy = event.currency;
    Ok(GroupSettings {
        group_id: event.group_id.clone(),
        currency: ccy,
        credit_limit: minor(&event.credit_limit, ccy)?,
        expires: event.credit_limit_expires,
        limit_mode: event.limit_mode,
        credit_manager: event.credit_manager.clone(),
        sales_order_status: event.sales_order_status,
        status_date: event.sales_order_status_date,
        hold_period: event.hold_period,
        allowed_overdue: minor(&event.allowed_overdue_amount, ccy)?,
        allowed_overdue_days: event.allowed_overdue_days.unwrap_or(0),
        description: event.description.clone(),
        as_of: event.occurred_at,
    })
}

/// `CustomerProfile.from_event`, converting amounts in Python's order (so that the first
/// amount with too many decimals is the one named).
pub fn customer_profile(event: &CustomerUpserted) -> Result<CustomerProfile, String> {
    let ccy = event.currency;
    let secured = minor(&event.insurance_amount, ccy)?.unwrap_or(0)
        + minor(&event.guarantee_amount, ccy)?.unwrap_or(0);
    let temporary_limit = minor(&event.temporary_credit_limit, ccy)?;
    let allowed_overdue = minor(&event.allowed_overdue_amount, ccy)?;
    let credit_limit = minor(&event.credit_limit, ccy)?;
    Ok(CustomerProfile {
        company_id: event.company_id.clone(),
        customer_id: event.customer_id.clone(),
        group_id: event.credit_group_id.clone(),
        credit_limit,
        limit_expires: event.credit_limit_expires,
        secured,
        next_review: event.next_review,
        as_of: event.occurred_at,
        currency: ccy,
        credit_manager: event.credit_manager.clone(),
        credit_analyst: event.credit_analyst.clone(),
        cod_terms: event.cod_terms,
        temporary_limit,
        temporary_from: event.temporary_limit_from,
        temporary_to: event.temporary_limit_to,
        sales_order_status: event.sales_order_status,
        status_date: event.sales_order_status_date,
        hold_period: event.hold_period,
        allowed_overdue,
        allowed_overdue_days: event.allowed_overdue_days.unwrap_or(0),
    })
}

/// Who deals with a customer, in which currency: few combinations, one shared copy each.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Terms {
    currency: credit_model::Ccy,
    credit_manager: Option<Id>,
    credit_analyst: Option<Id>,
    cod_terms: bool,
}

/// A `Minor` in 16 bytes at 4-byte alignment, so `Option<Amount>` takes 20 (`Option<Minor>`
/// takes 32).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C, packed(4))]
struct Amount(Minor);

fn amount_of(minor: Option<Minor>) -> Option<Amount> {
    minor.map(Amount)
}

fn minor_of(amount: Option<Amount>) -> Option<Minor> {
    amount.map(|amount| amount.0)
}

/// A customer's temporary limit, order status, hold period and overdue control: most
/// customers have none, and share one copy of each combination (64 bytes: days as ordinals,
/// `NO_DAY` for none).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Controls {
    temporary_limit: Option<Amount>,
    allowed_overdue: Option<Amount>,
    temporary_from: i32,
    temporary_to: i32,
    status_date: i32,
    sales_order_status: Option<SalesOrderStatus>,
    hold_period: Option<u8>,
    allowed_overdue_days: i64,
}

const _: () = assert!(std::mem::size_of::<Controls>() == 64);

/// A customer profile as kept, 36 bytes: the account's ids are its number's key, the group id
/// a number into the group names, the terms and controls numbers into tables of the
/// combinations seen (customers whose settings are the same share one, as the Python
/// `CustomerProfile` shares them), days and amounts in fewer bits (a credit limit or secured
/// amount that does not fit 32 bits, over 21 million in a currency of 2 decimals, is kept
/// aside, exactly). `CustomerProfile` values are made from it when read.
#[derive(Clone, Copy, Debug)]
#[repr(C, packed(4))]
pub struct StoredProfile {
    /// `NO_GROUP` or a number into `Reference::group_names`
    group: u32,
    limit_expires: i32,
    next_review: i32,
    terms: std::num::NonZeroU32,
    controls: u32,
    credit_limit: i32,
    secured: i32,
    /// `occurred_at` (UTC microseconds): only compared
    as_of: i64,
}

const _: () = assert!(std::mem::size_of::<Option<StoredProfile>>() == 36);

const NO_GROUP: u32 = u32::MAX;
const NO_DAY: i32 = i32::MIN;
const NO_AMOUNT: i32 = i32::MIN;
/// the amounts are in `Reference::wide`
const WIDE: i32 = i32::MIN + 1;

fn day_of(value: i32) -> Option<Day> {
    (value != NO_DAY).then_some(Day(value))
}

fn day_field(day: Option<Day>) -> i32 {
    day.map_or(NO_DAY, |day| day.0)
}

impl StoredProfile {
    pub fn as_of(&self) -> Instant {
        Instant { utc_micros: self.as_of, offset_seconds: 0 }
    }

    pub fn next_review(&self) -> Option<Day> {
        day_of(self.next_review)
    }
}

/// One copy of each combination, numbered: the values in order, and an index of their numbers
/// (so each value is kept once).
struct Table<T: Eq + std::hash::Hash + Clone> {
    values: Vec<T>,
    numbers: hashbrown::HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
}

impl<T: Eq + std::hash::Hash + Clone> Default for Table<T> {
    fn default() -> Self {
        Table { values: Vec::new(), numbers: hashbrown::HashTable::new(), hasher: Default::default() }
    }
}

impl<T: Eq + std::hash::Hash + Clone> Table<T> {
    fn number(&mut self, value: T) -> u32 {
        let hash = self.hasher.hash_one(&value);
        let values = &self.values;
        if let Some(number) = self.numbers.find(hash, |n| values[*n as usize] == value) {
            return *number;
        }
        let number = u32::try_from(self.values.len()).expect("fewer than 2^32 combinations");
        self.values.push(value);
        let (values, hasher) = (&self.values, &self.hasher);
        self.numbers.insert_unique(hash, number, |n| hasher.hash_one(&values[*n as usize]));
        number
    }

    fn get(&self, number: u32) -> &T {
        &self.values[number as usize]
    }

    /// Bytes held (capacity, as allocated).
    fn heap_bytes(&self) -> usize {
        self.values.capacity() * std::mem::size_of::<T>() + self.numbers.capacity() * 5
    }
}

/// Every reference record, plus the group membership index. `members_by_group` lists every
/// account that names a group, known or not yet known, so that a group arriving after its
/// members picks them up.
#[derive(Default)]
pub struct Reference {
    pub companies: HashMap<Id, CompanySettings>,
    /// the companies whose exposure leaves open orders out (`include_open_orders` false)
    pub no_open_orders: HashSet<Id>,
    pub warehouses: HashMap<Id, WarehouseSettings>,
    pub accounts: Accounts,
    profiles: Vec<Option<StoredProfile>>,
    /// (credit limit, secured) of the profiles whose amounts do not fit 32 bits
    wide: HashMap<u32, (Option<Minor>, Minor)>,
    terms: Table<Terms>,
    controls: Table<Controls>,
    pub groups: HashMap<Id, GroupSettings>,
    group_names: Names,
    members_by_group: HashMap<u32, Vec<u32>>,
    pub rates: ExchangeRates,
    applied: AppliedIds,
}

impl Reference {
    pub fn new() -> Reference {
        let mut reference = Reference { rates: ExchangeRates::new(), ..Reference::default() };
        // terms numbers start at 1 (a NonZeroU32): number 0 is a placeholder, of a currency
        // no event can name (a customer in XXX, no currency, would otherwise be number 0)
        reference.terms.number(Terms {
            currency: Ccy([0; 3]), credit_manager: None, credit_analyst: None, cod_terms: false,
        });
        reference
    }

    /// True the first time a reference event id is seen; a redelivery changes nothing.
    pub fn first_delivery(&mut self, event_id: &str) -> bool {
        self.applied.insert(source_digest(event_id))
    }

    /// How many customer profiles are held.
    pub fn customer_count(&self) -> usize {
        self.profiles.iter().flatten().count()
    }

    /// The account's profile as kept, by account number.
    pub fn stored_at(&self, account: u32) -> Option<&StoredProfile> {
        self.profiles.get(account as usize).and_then(Option::as_ref)
    }

    /// The account's profile as kept.
    pub fn stored_customer(&self, company_id: &str, customer_id: &str) -> Option<&StoredProfile> {
        self.stored_at(self.accounts.find(company_id, customer_id)?)
    }

    /// The account's profile, as the policy reads it, by account number.
    pub fn customer_at(&self, account: u32) -> Option<CustomerProfile> {
        let stored = self.stored_at(account)?;
        let terms = self.terms.get(stored.terms.get());
        let controls = self.controls.get(stored.controls);
        let (credit_limit, secured) = match stored.secured {
            WIDE => self.wide[&account],
            secured => ((stored.credit_limit != NO_AMOUNT).then_some(stored.credit_limit as Minor),
                        secured as Minor),
        };
        Some(CustomerProfile {
            company_id: self.accounts.company_of(account).clone(),
            customer_id: self.accounts.customer_of(account).into(),
            group_id: self.stored_group_id(stored).cloned(),
            credit_limit,
            limit_expires: day_of(stored.limit_expires),
            secured,
            next_review: day_of(stored.next_review),
            as_of: stored.as_of(),
            currency: terms.currency,
            credit_manager: terms.credit_manager.clone(),
            credit_analyst: terms.credit_analyst.clone(),
            cod_terms: terms.cod_terms,
            temporary_limit: minor_of(controls.temporary_limit),
            temporary_from: day_of(controls.temporary_from),
            temporary_to: day_of(controls.temporary_to),
            sales_order_status: controls.sales_order_status,
            status_date: day_of(controls.status_date),
            hold_period: controls.hold_period,
            allowed_overdue: minor_of(controls.allowed_overdue),
            allowed_overdue_days: controls.allowed_overdue_days,
        })
    }

    /// The account's profile, as the policy reads it.
    pub fn customer(&self, company_id: &str, customer_id: &str) -> Option<CustomerProfile> {
        self.customer_at(self.accounts.find(company_id, customer_id)?)
    }

    /// The currency of a profile as kept.
    pub fn stored_currency(&self, stored: &StoredProfile) -> Ccy {
        self.terms.get(stored.terms.get()).currency
    }

    /// The group id a profile names (known or not).
    pub fn stored_group_id(&self, stored: &StoredProfile) -> Option<&Id> {
        (stored.group != NO_GROUP).then(|| self.group_names.name(stored.group))
    }

    /// The known group of a profile as kept.
    pub fn stored_group(&self, stored: Option<&StoredProfile>) -> Option<&GroupSettings> {
        self.known_group(stored.and_then(|stored| self.stored_group_id(stored)))
    }

    /// Set the credit-limit expiry of a profile held (a member joining its group).
    pub fn set_limit_expires(&mut self, account: &AccountKey, expires: Day) {
        let Some(number) = self.accounts.find(&account.0, &account.1) else { return };
        if let Some(Some(stored)) = self.profiles.get_mut(number as usize) {
            stored.limit_expires = expires.0;
        }
    }

    /// The known group an account belongs to; a group not yet upserted is no group.
    pub fn group_of(&self, profile: Option<&CustomerProfile>) -> Option<&GroupSettings> {
        self.known_group(profile.and_then(|profile| profile.group_id.as_ref()))
    }

    pub fn known_group(&self, group_id: Option<&Id>) -> Option<&GroupSettings> {
        group_id.and_then(|id| self.groups.get(id))
    }

    /// The known group id of the account, if it is a member of one.
    pub fn group_id(&self, company_id: &str, customer_id: &str) -> Option<Id> {
        let group = self.stored_group(self.stored_customer(company_id, customer_id));
        group.map(|group| group.group_id.clone())
    }

    pub fn include_open_orders(&self, company_id: &str) -> bool {
        self.companies.get(company_id).is_none_or(|company| company.include_open_orders)
    }

    /// Stores the company unless older than the one held; `Ok(false)` when older.
    pub fn put_company(&mut self, event: &CompanyUpserted) -> Result<bool, String> {
        if let Some(current) = self.companies.get(&event.company_id) {
            if event.occurred_at < current.as_of {
                return Ok(false);
            }
        }
        let settings = company_settings(event)?;
        if settings.include_open_orders {
            self.no_open_orders.remove(&event.company_id);
        } else {
            self.no_open_orders.insert(event.company_id.clone());
        }
        self.companies.insert(event.company_id.clone(), settings);
        Ok(true)
    }

    pub fn put_warehouse(&mut self, event: &WarehouseUpserted) -> bool {
        if let Some(current) = self.warehouses.get(&event.warehouse_id) {
            if event.occurred_at < current.as_of {
                return false;
            }
        }
        let settings = WarehouseSettings {
            company_id: event.company_id.clone(),
            tolerance_pct: event.tolerance_pct,
            max_order_amount: event.max_order_amount,
            as_of: event.occurred_at,
        };
        self.warehouses.insert(event.warehouse_id.clone(), settings);
        true
    }

    pub fn put_group(&mut self, event: &GroupUpserted) -> Result<bool, String> {
        if let Some(current) = self.groups.get(&event.group_id) {
            if event.occurred_at < current.as_of {
                return Ok(false);
            }
        }
        let settings = group_settings(event)?;
        self.groups.insert(event.group_id.clone(), settings);
        Ok(true)
    }

    /// Store `profile`; the caller checked staleness. Keeps the membership index.
    pub fn put_customer(&mut self, profile: CustomerProfile) {
        let number = self.accounts.number(&profile.company_id, &profile.customer_id);
        let stored = self.stored(number, profile);
        if self.profiles.len() <= number as usize {
            self.profiles.resize(number as usize + 1, None);
        }
        let previous = self.profiles[number as usize].replace(stored);
        let old_group = previous.map_or(NO_GROUP, |previous| previous.group);
        if old_group != stored.group {
            if old_group != NO_GROUP {
                if let Some(members) = self.members_by_group.get_mut(&old_group) {
                    members.retain(|member| *member != number);
                }
            }
            if stored.group != NO_GROUP {
                self.members_by_group.entry(stored.group).or_default().push(number);
            }
        }
    }

    fn stored(&mut self, account: u32, profile: CustomerProfile) -> StoredProfile {
        let terms = self.terms.number(Terms {
            currency: profile.currency,
            credit_manager: profile.credit_manager,
            credit_analyst: profile.credit_analyst,
            cod_terms: profile.cod_terms,
        });
        let controls = self.controls.number(Controls {
            temporary_limit: amount_of(profile.temporary_limit),
            allowed_overdue: amount_of(profile.allowed_overdue),
            temporary_from: day_field(profile.temporary_from),
            temporary_to: day_field(profile.temporary_to),
            status_date: day_field(profile.status_date),
            sales_order_status: profile.sales_order_status,
            hold_period: profile.hold_period,
            allowed_overdue_days: profile.allowed_overdue_days,
        });
        let narrow = |amount: Minor| i32::try_from(amount).ok().filter(|a| *a > WIDE);
        let limit = match profile.credit_limit {
            None => Some(NO_AMOUNT),
            Some(limit) => narrow(limit),
        };
        let (credit_limit, secured) = match (limit, narrow(profile.secured)) {
            (Some(limit), Some(secured)) => {
                self.wide.remove(&account);
                (limit, secured)
            }
            _ => {
                self.wide.insert(account, (profile.credit_limit, profile.secured));
                (NO_AMOUNT, WIDE)
            }
        };
        let group = match &profile.group_id {
            None => NO_GROUP,
            Some(group_id) => self.group_names.number(group_id),
        };
        StoredProfile {
            group,
            limit_expires: day_field(profile.limit_expires),
            next_review: day_field(profile.next_review),
            terms: std::num::NonZeroU32::new(terms).expect("terms are numbered from 1"),
            controls,
            credit_limit,
            secured,
            as_of: profile.as_of.utc_micros,
        }
    }

    /// Bytes held, by part (capacity, as allocated; the heap of inline ids is none).
    pub fn heap_bytes(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("account index", self.accounts.heap_bytes()),
            ("profiles", self.profiles.capacity() * std::mem::size_of::<Option<StoredProfile>>()
                + self.wide.capacity() * 48),
            ("profile terms and controls", self.terms.heap_bytes() + self.controls.heap_bytes()),
            ("group members", self.members_by_group.values().map(|m| m.capacity() * 4 + 32).sum()),
            ("reference ids applied", self.applied.heap_bytes()),
        ]
    }

    /// The numbers of the accounts naming `group_id`, in no particular order.
    pub fn member_numbers(&self, group_id: &str) -> &[u32] {
        let group = self.group_names.find(group_id);
        let members = group.and_then(|group| self.members_by_group.get(&group));
        members.map_or(&[], Vec::as_slice)
    }

    /// The accounts naming `group_id`, sorted.
    pub fn members(&self, group_id: &str) -> Vec<AccountKey> {
        let Some(group) = self.group_names.find(group_id) else { return Vec::new() };
        let mut members: Vec<AccountKey> = self
            .members_by_group
            .get(&group)
            .map(|members| members.iter().map(|number| self.accounts.key(*number)).collect())
            .unwrap_or_default();
        members.sort();
        members
    }

    /// Accounts with this customer id in other companies that are outside `group_id`, by
    /// company id.
    pub fn same_customer_elsewhere(&self, account: &AccountKey, group_id: &str) -> Vec<AccountKey> {
        let mut found = Vec::new();
        for company in self.companies_with_profiles() {
            if *company == account.0 {
                continue;
            }
            if let Some(other) = self.stored_customer(company, &account.1) {
                if self.stored_group_id(other).map(Id::as_str) != Some(group_id) {
                    found.push((company.clone(), account.1.clone()));
                }
            }
        }
        found
    }

    /// The company ids of the accounts, sorted.
    fn companies_with_profiles(&self) -> Vec<&Id> {
        let mut companies: Vec<&Id> = (0..self.accounts.companies.len())
            .map(|number| self.accounts.companies.name(number))
            .collect();
        companies.sort();
        companies
    }
}
