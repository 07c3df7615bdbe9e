//! The reference table as bytes and back, for the service's reference snapshot
//! (`service/runtime/reference_snapshot.py`), so that a start of the native engine reads only
//! the reference records published since the snapshot, not the whole table.
//!
//! What is written: every company, warehouse and group (sorted by id), the group names and
//! the accounts in their numbers' order, the terms and controls tables in their numbers'
//! order, each account's profile as kept, the wide amounts, every exchange rate as recorded,
//! and the digests of the reference events applied. Read back, each numbered table is
//! numbered again in the same order, so every number a profile holds means what it meant;
//! what is derived (the indexes, the membership lists, the companies without open orders) is
//! derived again. So the table read back decides exactly as the one written.
//!
//! What is checked on reading (`wire` checks each value): every number a profile holds names
//! an entry of its table, a profile with wide amounts has them, no name or account is listed
//! twice (every keyed table in the writer's order), the digests are in order, and nothing
//! follows the end. The writer reads its bytes back before it hands them out, so a table
//! the reader would refuse (an amount beyond its bound) is never saved.

use std::num::NonZeroU32;

use credit_model::Id;
use credit_money::ExchangeRates;
use hashbrown::HashMap;

use super::{Controls, Reference, StoredProfile, Terms, NO_AMOUNT, NO_DAY, NO_GROUP, WIDE};
use crate::accounts::{Accounts, Names};
use crate::engine::Engine;
use crate::applied::AppliedIds;
use crate::wire::{Read, Reader, Writer};

/// The format's mark and version: a snapshot of another version is refused.
const MAGIC: &[u8; 8] = b"CRSREF\x00\x01";
/// The fewest bytes a profile slot takes (its presence flag).
const PROFILE_LEAST: usize = 1;

impl Reference {
    /// The table's bytes (deterministic: the same table gives the same bytes).
    pub fn to_snapshot(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.bytes.extend_from_slice(MAGIC);
        write_by_id(&mut w, &self.companies, Writer::company);
        write_by_id(&mut w, &self.warehouses, Writer::warehouse);
        let mut groups: Vec<_> = self.groups.values().collect();
        groups.sort_by(|a, b| a.group_id.cmp(&b.group_id));
        w.count(groups.len());
        groups.into_iter().for_each(|group| w.group(group));
        write_names(&mut w, &self.group_names);
        write_accounts(&mut w, &self.accounts);
        // the terms from number 1: number 0 is `Reference::new`'s placeholder
        w.count(self.terms.values.len() - 1);
        self.terms.values[1..].iter().for_each(|terms| write_terms(&mut w, terms));
        w.count(self.controls.values.len());
        self.controls.values.iter().for_each(|controls| write_controls(&mut w, controls));
        w.count(self.profiles.len());
        for profile in &self.profiles {
            w.option(profile.as_ref(), write_profile);
        }
        let mut wide: Vec<_> = self.wide.iter().collect();
        wide.sort_by_key(|(account, _)| **account);
        w.count(wide.len());
        for (account, (limit, secured)) in wide {
            w.u32(*account);
            w.option(limit.as_ref(), |w, v| w.i128(*v));
            w.i128(*secured);
        }
        let rates = self.rates.records();
        w.count(rates.len());
        for (from, to, valid_from, rate, set_at) in &rates {
            w.ccy(from);
            w.ccy(to);
            w.instant(valid_from);
            w.dec(rate);
            w.instant(set_at);
        }
        let applied = self.applied.digests();
        w.count(applied.len());
        applied.iter().for_each(|digest| w.u64(*digest));
        w.bytes
    }

    /// The table `to_snapshot` wrote; `Err` saying what is wrong with bytes it did not write.
    pub fn from_snapshot(bytes: &[u8]) -> Read<Reference> {
        let mut r = Reader::new(bytes);
        if bytes.get(..MAGIC.len()) != Some(MAGIC.as_slice()) {
            return Err("not a reference snapshot of this version".into());
        }
        r.skip(MAGIC.len())?;
        let mut reference = Reference::new();
        let mut ids = Ascending::default();
        for _ in 0..r.count(4)? {
            let id = ids.next(r.id()?, &r)?;
            let company = r.company()?;
            if !company.include_open_orders {
                reference.no_open_orders.insert(id.clone());
            }
            reference.companies.insert(id, company);
        }
        let mut ids = Ascending::default();
        for _ in 0..r.count(4)? {
            let id = ids.next(r.id()?, &r)?;
            reference.warehouses.insert(id, r.warehouse()?);
        }
        let mut ids = Ascending::default();
        for _ in 0..r.count(4)? {
            let group = r.group()?;
            reference.groups.insert(ids.next(group.group_id.clone(), &r)?, group);
        }
        read_names(&mut r, &mut reference.group_names)?;
        reference.accounts = read_accounts(&mut r)?;
        for number in 1..=r.count(4)? {
            let terms = read_terms(&mut r)?;
            numbered(&r, reference.terms.number(terms), number)?;
        }
        for number in 0..r.count(4)? {
            let controls = read_controls(&mut r)?;
            numbered(&r, reference.controls.number(controls), number)?;
        }
        let profiles = r.count(PROFILE_LEAST)?;
        if profiles > reference.accounts.len() {
            return Err(r.error("more profiles than accounts"));
        }
        for account in 0..profiles as u32 {
            let profile = r.option(|r| read_profile(r, &reference))?;
            if let Some(profile) = &profile {
                if profile.group != NO_GROUP {
                    reference.members_by_group.entry(profile.group).or_default().push(account);
                }
            }
            reference.profiles.push(profile);
        }
        let mut accounts = Ascending::default();
        for _ in 0..r.count(4)? {
            let account = accounts.next(r.u32()?, &r)?;
            let wide = reference.profiles.get(account as usize).copied().flatten();
            if wide.is_none_or(|profile| profile.secured != WIDE) {
                return Err(r.error("wide amounts of an account whose profile has none"));
            }
            reference.wide.insert(account, (r.option(Reader::amount)?, r.amount()?));
        }
        let wide_missing = reference.profiles.iter().enumerate().any(|(account, profile)| {
            profile.is_some_and(|p| p.secured == WIDE && !reference.wide.contains_key(&(account as u32)))
        });
        if wide_missing {
            return Err(r.error("a profile's wide amounts are missing"));
        }
        reference.rates = read_rates(&mut r)?;
        let count = r.count(8)?;
        let digests = (0..count).map(|_| r.u64()).collect::<Read<Vec<u64>>>()?;
        reference.applied = AppliedIds::from_sorted(digests).map_err(|why| r.error(why))?;
        r.finish()?;
        Ok(reference)
    }
}

impl Engine {
    /// The reference table's snapshot, taken while the engine holds no balances (as the
    /// service takes it, before any partition is assigned).
    pub fn reference_snapshot(&self) -> Result<Vec<u8>, String> {
        self.without_balances()?;
        let bytes = self.reference.to_snapshot();
        Reference::from_snapshot(&bytes).map_err(|why| format!("the table cannot be kept: {why}"))?;
        Ok(bytes)
    }

    /// The reference table replaced by one read from a snapshot, while the engine holds no
    /// balances; on `Err` nothing changed.
    pub fn restore_reference(&mut self, table: Reference) -> Result<(), String> {
        self.without_balances()?;
        self.reference = table;
        Ok(())
    }

    fn without_balances(&self) -> Result<(), String> {
        if self.books.iter().any(Option::is_some) || !self.group_totals.is_empty()
            || !self.stored.is_empty()
        {
            return Err("a reference snapshot is taken and read before any book is held".into());
        }
        Ok(())
    }
}

/// A table numbered its entry `number` (an entry listed twice is numbered as the first).
fn numbered(r: &Reader<'_>, got: u32, number: usize) -> Read<()> {
    if got as usize == number {
        Ok(())
    } else {
        Err(r.error("an entry of a numbered table listed twice"))
    }
}

fn write_names(w: &mut Writer, names: &Names) {
    w.count(names.len() as usize);
    (0..names.len()).for_each(|number| w.str(names.name(number)));
}

fn read_names(r: &mut Reader<'_>, names: &mut Names) -> Read<()> {
    for number in 0..r.count(4)? {
        let name = r.str()?;
        numbered(r, names.number(name), number)?;
    }
    Ok(())
}

fn write_accounts(w: &mut Writer, accounts: &Accounts) {
    write_names(w, &accounts.companies);
    w.count(accounts.len());
    for number in 0..accounts.len() as u32 {
        let (company, customer) = accounts.stored(number);
        w.u32(company);
        w.str(customer);
    }
}

fn read_accounts(r: &mut Reader<'_>) -> Read<Accounts> {
    let mut accounts = Accounts::default();
    read_names(r, &mut accounts.companies)?;
    for number in 0..r.count(8)? {
        let company = r.u32()?;
        if company >= accounts.companies.len() {
            return Err(r.error("an account of a company that is not listed"));
        }
        let customer = r.str()?;
        let company_id = accounts.companies.name(company).clone();
        numbered(r, accounts.number(&company_id, customer), number)?;
    }
    Ok(accounts)
}

fn write_terms(w: &mut Writer, terms: &Terms) {
    w.ccy(&terms.currency);
    w.option(terms.credit_manager.as_ref(), |w, v| w.str(v));
    w.option(terms.credit_analyst.as_ref(), |w, v| w.str(v));
    w.bool(terms.cod_terms);
}

fn read_terms(r: &mut Reader<'_>) -> Read<Terms> {
    Ok(Terms {
        currency: r.ccy()?,
        credit_manager: r.option(Reader::id)?,
        credit_analyst: r.option(Reader::id)?,
        cod_terms: r.bool()?,
    })
}

fn write_controls(w: &mut Writer, controls: &Controls) {
    let (temporary_limit, allowed_overdue) = (controls.temporary_limit, controls.allowed_overdue);
    w.option(temporary_limit.map(|a| a.0).as_ref(), |w, v| w.i128(*v));
    w.option(allowed_overdue.map(|a| a.0).as_ref(), |w, v| w.i128(*v));
    w.i32(controls.temporary_from);
    w.i32(controls.temporary_to);
    w.i32(controls.status_date);
    w.option(controls.sales_order_status.as_ref(), Writer::status);
    w.option(controls.hold_period.as_ref(), |w, v| w.u8(*v));
    w.i64(controls.allowed_overdue_days);
}

fn read_controls(r: &mut Reader<'_>) -> Read<Controls> {
    Ok(Controls {
        temporary_limit: r.option(Reader::amount)?.map(super::Amount),
        allowed_overdue: r.option(Reader::amount)?.map(super::Amount),
        temporary_from: r.day_field(NO_DAY)?,
        temporary_to: r.day_field(NO_DAY)?,
        status_date: r.day_field(NO_DAY)?,
        sales_order_status: r.option(Reader::status)?,
        hold_period: r.option(Reader::hold_period)?,
        allowed_overdue_days: r.days()?,
    })
}

fn write_profile(w: &mut Writer, profile: &StoredProfile) {
    let StoredProfile { group, limit_expires, next_review, terms, controls, credit_limit, secured,
                        as_of } = *profile;
    w.u32(group);
    w.i32(limit_expires);
    w.i32(next_review);
    w.u32(terms.get());
    w.u32(controls);
    w.i32(credit_limit);
    w.i32(secured);
    w.i64(as_of);
}

/// A profile whose numbers name entries of `reference`'s tables read so far.
fn read_profile(r: &mut Reader<'_>, reference: &Reference) -> Read<StoredProfile> {
    let group = r.u32()?;
    if group != NO_GROUP && group >= reference.group_names.len() {
        return Err(r.error("a profile of a group name that is not listed"));
    }
    let (limit_expires, next_review) = (r.day_field(NO_DAY)?, r.day_field(NO_DAY)?);
    let terms = NonZeroU32::new(r.u32()?)
        .filter(|terms| (terms.get() as usize) < reference.terms.values.len())
        .ok_or_else(|| r.error("a profile of terms that are not listed"))?;
    let controls = r.u32()?;
    if controls as usize >= reference.controls.values.len() {
        return Err(r.error("a profile of controls that are not listed"));
    }
    let (credit_limit, secured) = (r.i32()?, r.i32()?);
    let narrow = secured > WIDE && (credit_limit == NO_AMOUNT || credit_limit > WIDE);
    if !narrow && (secured, credit_limit) != (WIDE, NO_AMOUNT) {
        return Err(r.error("a profile's amounts are neither narrow nor wide"));
    }
    Ok(StoredProfile { group, limit_expires, next_review, terms, controls, credit_limit, secured,
                       as_of: r.i64()? })
}

fn read_rates(r: &mut Reader<'_>) -> Read<ExchangeRates> {
    let mut rates = ExchangeRates::new();
    let mut rows = Ascending::default();
    for _ in 0..r.count(3 + 3 + 12 + 21 + 12)? {
        let (from, to, valid_from) = rows.next((r.ccy()?, r.ccy()?, r.instant()?), r)?;
        let (rate, set_at) = (r.dec()?, r.instant()?);
        rates.set_rate(from, to, &rate, valid_from, set_at);
    }
    Ok(rates)
}

/// Rows of a table keyed as the writer sorts them: each key after the one before, so no key
/// is listed twice.
struct Ascending<K>(Option<K>);

impl<K> Default for Ascending<K> {
    fn default() -> Self {
        Ascending(None)
    }
}

impl<K: Ord + Clone> Ascending<K> {
    fn next(&mut self, key: K, r: &Reader<'_>) -> Read<K> {
        if self.0.as_ref().is_some_and(|before| *before >= key) {
            return Err(r.error("rows of a table out of order, or listed twice"));
        }
        self.0 = Some(key.clone());
        Ok(key)
    }
}

fn write_by_id<T>(w: &mut Writer, table: &HashMap<Id, T>, put: impl Fn(&mut Writer, &T)) {
    let mut rows: Vec<_> = table.iter().collect();
    rows.sort_by(|a, b| a.0.cmp(b.0));
    w.count(rows.len());
    for (id, row) in rows {
        w.str(id);
        put(w, row);
    }
}

#[cfg(test)]
mod tests;
