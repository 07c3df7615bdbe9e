//! Reference data: companies, warehouses, customers, credit groups and exchange rates
//! (`service/domain/reference.py::ReferenceBook`).
//!
//! Each record is versioned by `occurred_at`: an older upsert than the one held is ignored, an
//! equal or newer one replaces the whole record.

use std::collections::BTreeSet;

use hashbrown::{HashMap, HashSet};
use std::rc::Rc;

use credit_model::{
    to_minor, Day, Id, Instant, SalesOrderStatus, CompanySettings, CompanyUpserted, CustomerProfile, CustomerUpserted, Dec,
    GroupSettings, GroupUpserted, Minor, Ccy, WarehouseSettings, WarehouseUpserted,
};
use credit_money::ExchangeRates;

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

/// A customer's temporary limit, order status, hold period and overdue control: most
/// customers have none, and share one copy of each combination.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Controls {
    temporary_limit: Option<Minor>,
    temporary_from: Option<Day>,
    temporary_to: Option<Day>,
    sales_order_status: Option<SalesOrderStatus>,
    status_date: Option<Day>,
    hold_period: Option<u8>,
    allowed_overdue: Option<Minor>,
    allowed_overdue_days: i64,
}

/// A customer profile as kept: the account's ids are the keys it is stored under, and its
/// terms and controls are shared with the customers whose settings are the same (the
/// Python `CustomerProfile` shares them too). `CustomerProfile` values are made from it when
/// read.
#[derive(Clone, Debug)]
pub struct StoredProfile {
    pub group_id: Option<Id>,
    credit_limit: Option<Minor>,
    limit_expires: Option<Day>,
    secured: Minor,
    next_review: Option<Day>,
    pub as_of: Instant,
    terms: Rc<Terms>,
    controls: Rc<Controls>,
}

impl StoredProfile {
    pub fn cod_terms(&self) -> bool {
        self.terms.cod_terms
    }

    pub fn currency(&self) -> credit_model::Ccy {
        self.terms.currency
    }

    pub fn next_review(&self) -> Option<Day> {
        self.next_review
    }

    /// The profile of `(company_id, customer_id)`, as the policy reads it.
    pub fn profile(&self, company_id: &Id, customer_id: &Id) -> CustomerProfile {
        let (terms, controls) = (&*self.terms, &*self.controls);
        CustomerProfile {
            company_id: company_id.clone(),
            customer_id: customer_id.clone(),
            group_id: self.group_id.clone(),
            credit_limit: self.credit_limit,
            limit_expires: self.limit_expires,
            secured: self.secured,
            next_review: self.next_review,
            as_of: self.as_of,
            currency: terms.currency,
            credit_manager: terms.credit_manager.clone(),
            credit_analyst: terms.credit_analyst.clone(),
            cod_terms: terms.cod_terms,
            temporary_limit: controls.temporary_limit,
            temporary_from: controls.temporary_from,
            temporary_to: controls.temporary_to,
            sales_order_status: controls.sales_order_status,
            status_date: controls.status_date,
            hold_period: controls.hold_period,
            allowed_overdue: controls.allowed_overdue,
            allowed_overdue_days: controls.allowed_overdue_days,
        }
    }
}

/// One shared copy of each value (bounded: past the limit the pool starts again, as Python's).
#[derive(Debug)]
struct Pool<T: Eq + std::hash::Hash> {
    shared: HashMap<Rc<T>, ()>,
}

impl<T: Eq + std::hash::Hash> Default for Pool<T> {
    fn default() -> Self {
        Pool { shared: HashMap::new() }
    }
}

impl<T: Eq + std::hash::Hash> Pool<T> {
    const LIMIT: usize = 1 << 15;

    fn share(&mut self, value: T) -> Rc<T> {
        if let Some((found, ())) = self.shared.get_key_value(&value) {
            return found.clone();
        }
        if self.shared.len() >= Self::LIMIT {
            self.shared.clear();
        }
        let shared = Rc::new(value);
        self.shared.insert(shared.clone(), ());
        shared
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
    pub customers: HashMap<Id, HashMap<Id, StoredProfile>>,
    terms: Pool<Terms>,
    controls: Pool<Controls>,
    pub groups: HashMap<Id, GroupSettings>,
    pub members_by_group: HashMap<Id, BTreeSet<AccountKey>>,
    pub rates: ExchangeRates,
    applied: HashSet<u64>,
}

impl Reference {
    pub fn new() -> Reference {
        Reference { rates: ExchangeRates::new(), ..Reference::default() }
    }

    /// True the first time a reference event id is seen; a redelivery changes nothing.
    pub fn first_delivery(&mut self, event_id: &str) -> bool {
        self.applied.insert(source_digest(event_id))
    }

    /// The account's profile, as the policy reads it.
    pub fn customer(&self, company_id: &str, customer_id: &str) -> Option<CustomerProfile> {
        let by_company = self.customers.get_key_value(company_id)?;
        let (customer_key, stored) = by_company.1.get_key_value(customer_id)?;
        Some(stored.profile(by_company.0, customer_key))
    }

    /// The account's profile as kept.
    pub fn stored_customer(&self, company_id: &str, customer_id: &str) -> Option<&StoredProfile> {
        self.customers.get(company_id).and_then(|by_company| by_company.get(customer_id))
    }

    /// Set the credit-limit expiry of a profile held (a member joining its group).
    pub fn set_limit_expires(&mut self, account: &AccountKey, expires: Day) {
        let stored = self.customers.get_mut(&account.0).and_then(|by| by.get_mut(&account.1));
        if let Some(stored) = stored {
            stored.limit_expires = Some(expires);
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
        let stored = self.stored_customer(company_id, customer_id);
        let group = self.known_group(stored.and_then(|stored| stored.group_id.as_ref()));
        group.map(|group| group.group_id.clone())
    }

    pub fn include_open_orders(&self, company_id: &str) -> bool {
        self.companies.get(company_id).map_or(true, |company| company.include_open_orders)
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
        let account = (profile.company_id.clone(), profile.customer_id.clone());
        let new_group = profile.group_id.clone();
        let stored = self.stored(profile);
        let by_company = self.customers.entry(account.0.clone()).or_default();
        let previous = by_company.insert(account.1.clone(), stored);
        let old_group = previous.and_then(|previous| previous.group_id);
        if old_group != new_group {
            if let Some(old) = old_group {
                if let Some(members) = self.members_by_group.get_mut(&old) {
                    members.remove(&account);
                }
            }
            if let Some(new) = new_group {
                self.members_by_group.entry(new).or_default().insert(account);
            }
        }
    }

    fn stored(&mut self, profile: CustomerProfile) -> StoredProfile {
        let terms = self.terms.share(Terms {
            currency: profile.currency,
            credit_manager: profile.credit_manager,
            credit_analyst: profile.credit_analyst,
            cod_terms: profile.cod_terms,
        });
        let controls = self.controls.share(Controls {
            temporary_limit: profile.temporary_limit,
            temporary_from: profile.temporary_from,
            temporary_to: profile.temporary_to,
            sales_order_status: profile.sales_order_status,
            status_date: profile.status_date,
            hold_period: profile.hold_period,
            allowed_overdue: profile.allowed_overdue,
            allowed_overdue_days: profile.allowed_overdue_days,
        });
        StoredProfile {
            group_id: profile.group_id,
            credit_limit: profile.credit_limit,
            limit_expires: profile.limit_expires,
            secured: profile.secured,
            next_review: profile.next_review,
            as_of: profile.as_of,
            terms,
            controls,
        }
    }

    /// The accounts naming `group_id`, sorted.
    pub fn members(&self, group_id: &str) -> Vec<AccountKey> {
        self.members_by_group
            .get(group_id)
            .map(|members| members.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Accounts with this customer id in other companies that are outside `group_id`, by
    /// company id.
    pub fn same_customer_elsewhere(&self, account: &AccountKey, group_id: &str) -> Vec<AccountKey> {
        let mut companies: Vec<&Id> = self.customers.keys().collect();
        companies.sort();
        let mut found = Vec::new();
        for company in companies {
            if *company == account.0 {
                continue;
            }
            if let Some(other) = self.customers[company].get(&account.1) {
                if other.group_id.as_deref() != Some(group_id) {
                    found.push((company.clone(), account.1.clone()));
                }
            }
        }
        found
    }
}
