//! Who is told what (`service/domain/notifications.py`): the notification outputs and their
//! recipients.
//!
//! Managers are de-duplicated (one entry when the customer's and the group's manager are the
//! same person) and the operator who entered an order is never notified as a manager. A
//! notification with no recipients is still published: the shared credit queue picks it up.

use crate::{LIMIT_CODES, OVERDUE_CODES};
use credit_model::format::day_str;
use credit_model::{Id, 
    CreditNotification, CustomerProfile, GroupSettings, HoldReason, Instant, Recipient,
};

/// An account: (company id, customer id).
pub type AccountKey<'a> = (&'a str, &'a str);

const CREDIT_MANAGER: &str = "credit_manager";
const GROUP_CREDIT_MANAGER: &str = "group_credit_manager";
const CREDIT_ANALYST: &str = "credit_analyst";

/// A named person: Python's truthiness of `str | None` (an empty name is no one).
fn named(person: Option<&str>) -> Option<&str> {
    person.filter(|person| !person.is_empty())
}

/// The customer's and the group's credit managers, each once (customer's first).
pub fn managers(customer: Option<&CustomerProfile>, group: Option<&GroupSettings>) -> Vec<Id> {
    let candidates = [
        customer.and_then(|customer| customer.credit_manager.as_deref()),
        group.and_then(|group| group.credit_manager.as_deref()),
    ];
    let mut found: Vec<Id> = Vec::with_capacity(2);
    for person in candidates.into_iter().filter_map(named) {
        if !found.iter().any(|known| known == person) {
            found.push(person.into());
        }
    }
    found
}

/// The recipients in the order given, skipping no one and anyone already listed.
fn recipients(entries: &[(&'static str, Option<&str>)]) -> Vec<Recipient> {
    let mut chosen: Vec<Recipient> = Vec::with_capacity(entries.len());
    for (role, person) in entries {
        if let Some(person) = named(*person) {
            if !chosen.iter().any(|known| known.person == person) {
                chosen.push(Recipient {
                    role,
                    person: person.into(),
                });
            }
        }
    }
    chosen
}

/// A notification whose id derives from the input's id, its kind and `suffix`
/// (`"{input_id}:{kind}{suffix}"`; the event id is the same).
#[allow(clippy::too_many_arguments)]
pub fn notification(
    input_id: &str,
    kind: &'static str,
    recipients: Vec<Recipient>,
    message: String,
    decided_at: Instant,
    account: Option<AccountKey<'_>>,
    group_id: Option<&str>,
    order_id: Option<&str>,
    suffix: &str,
) -> CreditNotification {
    let notification_id = compact_str::format_compact!("{input_id}:{kind}{suffix}");
    CreditNotification {
        event_id: notification_id.clone(),
        notification_id,
        kind,
        recipients,
        message,
        decided_at,
        company_id: account.map(|(company_id, _)| company_id.into()),
        customer_id: account.map(|(_, customer_id)| customer_id.into()),
        group_id: group_id.map(Into::into),
        order_id: order_id.map(Into::into),
    }
}

/// ORDER_ON_HOLD always (to the managers, except the one who entered the order, and the
/// analyst); CREDIT_LIMIT_EXCEEDED and OVERDUE_EXCEEDED (to the analyst) where they apply.
#[allow(clippy::too_many_arguments)]
pub fn hold_notifications(
    input_id: &str,
    decided_at: Instant,
    account: AccountKey<'_>,
    order_id: &str,
    customer: Option<&CustomerProfile>,
    group: Option<&GroupSettings>,
    entered_by: Option<&str>,
    reasons: &[HoldReason],
) -> Vec<CreditNotification> {
    let analyst = customer.and_then(|customer| customer.credit_analyst.as_deref());
    let customer_manager = customer.and_then(|customer| customer.credit_manager.as_deref());
    let group_manager = group.and_then(|group| group.credit_manager.as_deref());
    let on_hold = recipients(&[
        (
            CREDIT_MANAGER,
            unless_entering(customer_manager, entered_by),
        ),
        (
            GROUP_CREDIT_MANAGER,
            unless_entering(group_manager, entered_by),
        ),
        (CREDIT_ANALYST, analyst),
    ]);
    let codes: Vec<&str> = reasons.iter().map(|reason| reason.code).collect();
    let group_id = group.map(|group| group.group_id.as_str());
    let notice = |kind: &'static str, to: Vec<Recipient>, text: String| {
        notification(
            input_id,
            kind,
            to,
            text,
            decided_at,
            Some(account),
            group_id,
            Some(order_id),
            "",
        )
    };
    let mut found = vec![notice(
        "ORDER_ON_HOLD",
        on_hold,
        format!("order {order_id} held: {}", codes.join(", ")),
    )];
    let analyst_only = || recipients(&[(CREDIT_ANALYST, analyst)]);
    let among = |kinds: &[&str]| -> Vec<&str> {
        codes.iter().copied().filter(|code| kinds.contains(code)).collect()
    };
    let exceeded = among(&LIMIT_CODES);
    if !exceeded.is_empty() {
        let text = format!("order {order_id} exceeds {}", exceeded.join(", "));
        found.push(notice("CREDIT_LIMIT_EXCEEDED", analyst_only(), text));
    }
    let overdue = among(&OVERDUE_CODES);
    if !overdue.is_empty() {
        let text = format!("order {order_id} held for {}", overdue.join(", "));
        found.push(notice("OVERDUE_EXCEEDED", analyst_only(), text));
    }
    found
}

/// The manager, unless they entered the order themselves.
fn unless_entering<'a>(manager: Option<&'a str>, entered_by: Option<&str>) -> Option<&'a str> {
    if manager == entered_by {
        None
    } else {
        manager
    }
}

/// REVIEW_DUE: the customer's credit review date has passed (to the analyst and manager).
pub fn review_due(
    input_id: &str,
    decided_at: Instant,
    account: AccountKey<'_>,
    customer: &CustomerProfile,
) -> CreditNotification {
    let to = recipients(&[
        (CREDIT_ANALYST, customer.credit_analyst.as_deref()),
        (CREDIT_MANAGER, customer.credit_manager.as_deref()),
    ]);
    // Python prints a missing date as None
    let due = customer
        .next_review
        .map_or_else(|| "None".to_string(), day_str);
    let message = format!(
        "credit review of {}:{} was due on {due}",
        account.0, account.1
    );
    let group_id = customer.group_id.as_deref();
    notification(
        input_id,
        "REVIEW_DUE",
        to,
        message,
        decided_at,
        Some(account),
        group_id,
        None,
        "",
    )
}

/// COD_TERMS_CONFLICT: a COD-only group has a member not on COD terms.
pub fn cod_conflict(
    input_id: &str,
    decided_at: Instant,
    account: AccountKey<'_>,
    customer: &CustomerProfile,
    group: &GroupSettings,
) -> CreditNotification {
    let to = group_recipients(customer, group);
    let message = format!(
        "credit group {} takes COD orders only, but member {}:{} is not on COD terms",
        group.group_id, account.0, account.1
    );
    let suffix = format!(":{}:{}", account.0, account.1);
    let group_id = Some(group.group_id.as_str());
    notification(
        input_id,
        "COD_TERMS_CONFLICT",
        to,
        message,
        decided_at,
        Some(account),
        group_id,
        None,
        &suffix,
    )
}

/// SAME_ACCOUNT_OTHER_COMPANIES: an account joined a group while the same customer id exists
/// in `others` (other companies, outside the group).
pub fn same_account_elsewhere(
    input_id: &str,
    decided_at: Instant,
    account: AccountKey<'_>,
    customer: &CustomerProfile,
    group: &GroupSettings,
    others: &[AccountKey<'_>],
) -> CreditNotification {
    let to = group_recipients(customer, group);
    let listed: Vec<String> = others
        .iter()
        .map(|(company, customer_id)| format!("{company}:{customer_id}"))
        .collect();
    let message = format!(
        "{}:{} joined credit group {}; the same customer exists outside the group as {}: \
         consider adding them",
        account.0,
        account.1,
        group.group_id,
        listed.join(", ")
    );
    let suffix = format!(":{}:{}", account.0, account.1);
    let group_id = Some(group.group_id.as_str());
    let kind = "SAME_ACCOUNT_OTHER_COMPANIES";
    notification(
        input_id,
        kind,
        to,
        message,
        decided_at,
        Some(account),
        group_id,
        None,
        &suffix,
    )
}

/// The group's credit manager, then the customer's analyst.
fn group_recipients(customer: &CustomerProfile, group: &GroupSettings) -> Vec<Recipient> {
    recipients(&[
        (GROUP_CREDIT_MANAGER, group.credit_manager.as_deref()),
        (CREDIT_ANALYST, customer.credit_analyst.as_deref()),
    ])
}
