//! Reference data: companies, warehouses, customers, credit groups and exchange rates
//! (`service/domain/reference.py::ReferenceBook`).
//!
//! Each record is versioned by `occurred_at`: an older upsert than the one held is ignored, an
//! equal or newer one replaces the whole record.

use std::collections::{BTreeSet, HashMap, HashSet};

use credit_model::{
    to_minor, CompanySettings, CompanyUpserted, CustomerProfile, CustomerUpserted, Dec,
    GroupSettings, GroupUpserted, Minor, Ccy, WarehouseSettings, WarehouseUpserted,
};
use credit_money::ExchangeRates;

use crate::digest::source_digest;

/// `(company_id, customer_id)`
pub type AccountKey = (String, String);

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

/// Every reference record, plus the group membership index. `members_by_group` lists every
/// account that names a group, known or not yet known, so that a group arriving after its
/// members picks them up.
#[derive(Default)]
pub struct Reference {
    pub companies: HashMap<String, CompanySettings>,
    /// the companies whose exposure leaves open orders out (`include_open_orders` false)
    pub no_open_orders: HashSet<String>,
    pub warehouses: HashMap<String, WarehouseSettings>,
    pub customers: HashMap<String, HashMap<String, CustomerProfile>>,
    pub groups: HashMap<String, GroupSettings>,
    pub members_by_group: HashMap<String, BTreeSet<AccountKey>>,
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

    pub fn customer(&self, company_id: &str, customer_id: &str) -> Option<&CustomerProfile> {
        self.customers.get(company_id).and_then(|by_company| by_company.get(customer_id))
    }

    /// The known group an account belongs to; a group not yet upserted is no group.
    pub fn group_of(&self, profile: Option<&CustomerProfile>) -> Option<&GroupSettings> {
        profile.and_then(|profile| profile.group_id.as_ref()).and_then(|id| self.groups.get(id))
    }

    /// The known group id of the account, if it is a member of one.
    pub fn group_id(&self, company_id: &str, customer_id: &str) -> Option<String> {
        self.group_of(self.customer(company_id, customer_id)).map(|group| group.group_id.clone())
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
        let by_company = self.customers.entry(account.0.clone()).or_default();
        let previous = by_company.insert(account.1.clone(), profile);
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
        let mut companies: Vec<&String> = self.customers.keys().collect();
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
