//! Customer and credit-group upserts: who belongs to which group, and what a move carries
//! (`service/domain/membership.py`).
//!
//! When an account joins or leaves a group its balances move between group totals in the same
//! step, so they are never counted in two groups or in none. Joining sets the member's
//! credit-limit expiry to the group's, once, at the join.

use credit_model::{CreditNotification, CustomerUpserted, GroupUpserted, Instant, OutputEvent,
                   SalesOrderStatus};
use credit_policy::{cod_conflict, same_account_elsewhere};

use crate::engine::{pair, Engine, Outcome};
use crate::reference::{customer_profile, AccountKey};

impl Engine {
    /// Count the account's book out of (`sign` -1) or into (+1) a group's totals.
    fn move_book(&mut self, account: &AccountKey, sign: i32, group_id: Option<&str>) {
        let number = self.reference.accounts.find(&account.0, &account.1);
        let book = number.and_then(|number| self.books.get(number as usize)).and_then(Option::as_ref);
        let (Some(book), Some(group_id)) = (book, group_id) else { return };
        self.group_totals.entry(group_id.into()).or_default().add_book(book, &account.0, sign);
    }

    /// The member joined its group: its limit expires with the group's; the same customer
    /// in other companies outside the group is worth a notice.
    fn join(&mut self, input_id: &str, at: Instant, account: &AccountKey)
        -> Vec<CreditNotification> {
        let reference = &mut self.reference;
        let Some(group_id) = reference.group_id(&account.0, &account.1) else { return vec![] };
        let expires = reference.groups[&group_id].expires;
        reference.set_limit_expires(account, expires);
        let others = reference.same_customer_elsewhere(account, &group_id);
        if others.is_empty() {
            return vec![];
        }
        let (Some(profile), Some(group)) =
            (reference.customer(&account.0, &account.1), reference.groups.get(&group_id))
        else {
            return vec![];
        };
        let others: Vec<(&str, &str)> = others.iter().map(pair).collect();
        vec![same_account_elsewhere(input_id, at, pair(account), &profile, group, &others)]
    }

    pub(crate) fn customer_upserted(&mut self, event: &CustomerUpserted)
        -> Result<Outcome, String> {
        let account = (event.company_id.clone(), event.customer_id.clone());
        let current_as_of =
            self.reference.stored_customer(&account.0, &account.1).map(|profile| profile.as_of());
        if !self.reference.first_delivery(&event.event_id) {
            return Ok(ignored("customer record already applied"));
        }
        if current_as_of.is_some_and(|as_of| event.occurred_at < as_of) {
            return Ok(ignored("older than the customer record held"));
        }
        let profile = customer_profile(event)?;
        let old_group = self.reference.group_id(&account.0, &account.1);
        self.reference.put_customer(profile);
        let new_group = self.reference.group_id(&account.0, &account.1);
        let mut notices = Vec::new();
        if new_group != old_group {
            self.move_book(&account, -1, old_group.as_deref());
            self.move_book(&account, 1, new_group.as_deref());
            if new_group.is_some() {
                notices.extend(self.join(&event.event_id, event.occurred_at, &account));
            }
        }
        let reference = &self.reference;
        let profile = reference.customer(&account.0, &account.1);
        let profile = profile.as_ref();
        if let (Some(profile), Some(group)) = (profile, reference.group_of(profile)) {
            if group.sales_order_status == Some(SalesOrderStatus::CodOnly) && !profile.cod_terms {
                let conflict = cod_conflict(&event.event_id, event.occurred_at, pair(&account), profile,
                                            group);
                notices.insert(0, conflict);
            }
        }
        Ok(outcome(notices))
    }

    pub(crate) fn group_upserted(&mut self, event: &GroupUpserted) -> Result<Outcome, String> {
        let current_known = match self.reference.groups.get(&event.group_id) {
            Some(current) if event.occurred_at < current.as_of => {
                return Ok(ignored("older than the group record held"))
            }
            Some(_) => true,
            None => false,
        };
        if !self.reference.first_delivery(&event.event_id) {
            return Ok(ignored("group record already applied"));
        }
        self.reference.put_group(event)?;
        let mut joins = Vec::new();
        let mut conflicts = Vec::new();
        for account in self.reference.members(&event.group_id) {
            if !current_known {
                self.move_book(&account, 1, Some(&event.group_id));
                joins.extend(self.join(&event.event_id, event.occurred_at, &account));
            }
            let reference = &self.reference;
            let group = &reference.groups[&event.group_id];
            let Some(profile) = reference.customer(&account.0, &account.1) else { continue };
            if group.sales_order_status == Some(SalesOrderStatus::CodOnly) && !profile.cod_terms {
                conflicts.push(cod_conflict(&event.event_id, event.occurred_at, pair(&account),
                                            &profile, group));
            }
        }
        conflicts.extend(joins);
        Ok(outcome(conflicts))
    }
}

fn ignored(why: &str) -> Outcome {
    Outcome { outputs: Vec::new(), ignored: Some(why.to_owned()) }
}

fn outcome(notices: Vec<CreditNotification>) -> Outcome {
    Outcome { outputs: notices.into_iter().map(OutputEvent::Notification).collect(),
              ignored: None }
}
