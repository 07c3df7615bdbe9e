//! Hand-written tests of the parts the generated cases do not pin down alone.

use super::*;

fn check(limit: Minor, exposure: Minor, order: Minor) -> LimitCheck {
    LimitCheck {
        code: CUSTOMER_LIMIT,
        currency: ccy("EUR"),
        limit,
        exposure,
        order,
    }
}

// Python: LimitCheck("CUSTOMER_LIMIT", "EUR", l, e, o).exceeded / .binds_before(other)
#[test]
fn exceeded_is_strictly_greater() {
    assert!(!check(100, 60, 40).exceeded());
    assert!(check(100, 60, 41).exceeded());
    assert!(check(0, 0, 1).exceeded());
    assert!(!check(0, -1, 1).exceeded());
}

#[test]
fn binds_before_compares_shares_left() {
    // 10 of 100 left (0.1) binds before 500 of 1000 (0.5)
    assert!(check(100, 50, 40).binds_before(&check(1000, 400, 100)));
    assert!(!check(1000, 400, 100).binds_before(&check(100, 50, 40)));
    // equal shares: neither binds before the other
    assert!(!check(100, 25, 25).binds_before(&check(1000, 250, 250)));
    assert!(!check(1000, 250, 250).binds_before(&check(100, 25, 25)));
    // exceeded: a negative share left binds before a positive one
    assert!(check(100, 100, 1).binds_before(&check(100, 0, 1)));
    // zero (or negative) limits bind first; two of them keep the first
    assert!(check(0, 0, 1).binds_before(&check(1, 5, 5)));
    assert!(!check(1, 5, 5).binds_before(&check(0, 0, 1)));
    assert!(!check(0, 0, 1).binds_before(&check(-5, 0, 1)));
    assert!(check(-5, 0, 1).binds_before(&check(10, 0, 1)));
}

/// Products beyond 128 bits are compared exactly (Python's integers do not overflow):
/// `LimitCheck(.., 10**37, 0, 1).binds_before(LimitCheck(.., 10**37, 0, 2))` is `False`,
/// the other way `True`.
#[test]
fn binds_before_beyond_128_bits() {
    let big = 10i128.pow(37);
    assert!(!check(big, 0, 1).binds_before(&check(big, 0, 2)));
    assert!(check(big, 0, 2).binds_before(&check(big, 0, 1)));
    assert!(check(i128::MAX, i128::MAX, i128::MAX).binds_before(&check(i128::MAX, 0, 0)));
    assert!(check(i128::MAX, i128::MAX, i128::MAX).exceeded());
}

#[test]
fn binding_of_no_checks_is_none() {
    let decision = Decision {
        reasons: Vec::new(),
        checks: Vec::new(),
        ledger_amount: None,
    };
    assert!(decision.binding().is_none());
    assert!(!decision.held());
}

// Python: aging_period(d, (30, 60, 90, 120)) for d in (-5, 0, 30, 31, 60, 61, 120, 121)
// → 1 1 1 2 2 3 4 5
#[test]
fn aging_periods() {
    let bounds = DEFAULT_AGING_PERIOD_DAYS;
    let periods: Vec<u8> = [-5, 0, 30, 31, 60, 61, 120, 121]
        .iter()
        .map(|d| aging_period(*d, &bounds))
        .collect();
    assert_eq!(periods, vec![1, 1, 1, 2, 2, 3, 4, 5]);
}

#[test]
fn labels() {
    assert_eq!(limit_label(CUSTOMER_LIMIT), "customer credit limit");
    assert_eq!(limit_label(GROUP_LIMIT), "credit group limit");
    assert_eq!(limit_label(COMPANY_LIMIT), "company default credit limit");
}

/// Every conversion is asked at the order's instant (Python's Converter converts at
/// `facts.instant`), and the same currency needs no rate at all.
#[test]
fn rates_are_asked_at_the_order_instant() {
    let mut s = Setup::new();
    s.order.currency = ccy("USD");
    s.order.occurred_at = Instant {
        utc_micros: 1_772_000_000_123_456,
        offset_seconds: -3600,
    };
    s.customer().credit_limit = Some(100_000);
    s.rate("USD", "EUR", "0.9");
    let decision = s.decide().expect("a decision");
    assert_eq!(decision.ledger_amount, Some(9000));
    let asked = s.rates.asked_at.borrow();
    assert!(!asked.is_empty());
    assert!(asked.iter().all(|at| *at == s.order.occurred_at));

    let same = Setup::new();
    same.decide().expect("a decision");
    assert!(same.rates.asked_at.borrow().is_empty());
}

/// A hold period outside 1..5 (which the events refuse) is an error, not a panic.
#[test]
fn hold_period_out_of_range_is_an_error() {
    let mut s = Setup::new();
    s.customer().hold_period = Some(6);
    s.book.invoices.push((100, day(2026, 1, 1)));
    assert_error(&s.decide(), "hold period 6 is not an aging period (1..5)");
}

/// A group total beyond 128 bits is an error, not a panic.
#[test]
fn group_total_out_of_range_is_an_error() {
    let mut s = Setup::new();
    s.group().limit_mode = LimitMode::Group;
    s.group().credit_limit = Some(100);
    s.totals().buckets.push((ccy("EUR"), "C1", i128::MAX, 0));
    s.totals().buckets.push((ccy("USD"), "C2", 1, 0));
    s.rate("USD", "EUR", "1");
    assert_error(&s.decide(), "a credit group total in EUR is out of range");
}
