//! The credit policy of the native engine: the hold reasons of one order
//! (`service/domain/policy.py`) and who is told about them (`notifications.py`).
//!
//! Plain functions of the facts about one order: no clock, no store. Results are
//! byte-identical to the Python reference, messages included.

mod checks;
mod decide;
mod decimal;
mod notifications;

pub use checks::{limit_label, Decision, LimitCheck};
pub use decide::{
    aging_period, decide_order, hold_period_reasons, limit_checks, max_order_reasons,
    missing_rate_reasons, overdue_reasons, status_reasons, Converter, OrderFacts,
};
pub use notifications::{
    cod_conflict, hold_notifications, managers, notification, review_due, same_account_elsewhere,
    AccountKey,
};

// Hold reason codes (CONTRACT.md; `credit_model::REASON_CODES` gives their order).
pub const SALES_BLOCKED: &str = "SALES_BLOCKED";
pub const CASH_ONLY: &str = "CASH_ONLY";
pub const COD_ONLY: &str = "COD_ONLY";
pub const HOLD_UNTIL: &str = "HOLD_UNTIL";
pub const OPEN_UNTIL: &str = "OPEN_UNTIL";
pub const MAX_ORDER_AMOUNT: &str = "MAX_ORDER_AMOUNT";
pub const HOLD_PERIOD: &str = "HOLD_PERIOD";
pub const OVERDUE_LIMIT: &str = "OVERDUE_LIMIT";
pub const GROUP_OVERDUE_LIMIT: &str = "GROUP_OVERDUE_LIMIT";
pub const CREDIT_LIMIT_EXPIRED: &str = "CREDIT_LIMIT_EXPIRED";
pub const GROUP_LIMIT_EXPIRED: &str = "GROUP_LIMIT_EXPIRED";
pub const CUSTOMER_LIMIT: &str = "CUSTOMER_LIMIT";
pub const GROUP_LIMIT: &str = "GROUP_LIMIT";
pub const COMPANY_LIMIT: &str = "COMPANY_LIMIT";
pub const MISSING_EXCHANGE_RATE: &str = "MISSING_EXCHANGE_RATE";
pub const NO_CREDIT_PROFILE: &str = "NO_CREDIT_PROFILE";

/// The limit codes (`outputs.py::LIMIT_CODES`): a hold for one is CREDIT_LIMIT_EXCEEDED.
pub const LIMIT_CODES: [&str; 3] = [CUSTOMER_LIMIT, GROUP_LIMIT, COMPANY_LIMIT];
/// The overdue codes (`outputs.py::OVERDUE_CODES`): a hold for one is OVERDUE_EXCEEDED.
pub const OVERDUE_CODES: [&str; 2] = [OVERDUE_LIMIT, GROUP_OVERDUE_LIMIT];

#[cfg(test)]
mod tests;
