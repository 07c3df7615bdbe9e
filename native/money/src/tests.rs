//! Expected values come from the Python reference. The hand-written ones were printed by
//! `.venv/bin/python -c 'from service.domain.money import
//! raise_by_pct, ExchangeRates; ...'` with the same inputs; `tests/cases.txt` (random and
//! edge cases) is written by `tests/gen_cases.py`, which says how to run it.

use super::*;

/// A decimal as Python's `str(Decimal)` writes it (`-12.30`, `1E+3`, `4.80E-24`), exactly.
fn dec(text: &str) -> Dec {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match unsigned.split_once(['E', 'e']) {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i32>().expect("exponent")),
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let coefficient = format!("{whole}{fraction}").parse::<u128>().expect("coefficient");
    Dec { negative, coefficient, exponent: exponent - fraction.len() as i32 }
}

fn ccy(code: &str) -> Ccy {
    Ccy::parse(code).expect("currency code")
}

/// `datetime(2026, month, day, hour, tzinfo=UTC)` plus `micros`.
fn utc(month: u32, day: u32, hour: i64, micros: i64) -> Instant {
    let midnight = Instant::start_of(credit_model::format::ordinal(2026, month, day));
    Instant { utc_micros: midnight.utc_micros + hour * 3_600_000_000 + micros, offset_seconds: 0 }
}

#[test]
fn parser_reads_python_strings() {
    assert_eq!(dec("8000.00"), Dec { negative: false, coefficient: 800000, exponent: -2 });
    assert_eq!(dec("-1E+3"), Dec { negative: true, coefficient: 1, exponent: 3 });
    assert_eq!(dec("4.80E-24"), Dec { negative: false, coefficient: 480, exponent: -26 });
}

#[test]
fn raise_by_pct_typical_tolerances() {
    let raise = |limit: Minor, pct: &str| raise_by_pct(limit, Some(&dec(pct)));
    assert_eq!(raise_by_pct(100000, None), 100000);
    assert_eq!(raise(100000, "0"), 100000);
    assert_eq!(raise(100000, "0.00"), 100000);
    assert_eq!(raise(100000, "5"), 105000);
    assert_eq!(raise(100000, "2.5"), 102500);
    assert_eq!(raise(100001, "2.5"), 102501);
    assert_eq!(raise(-100001, "2.5"), -102502);
    assert_eq!(raise(123456, "0.001"), 123457);
    assert_eq!(raise(100000, "33.3333333333333333333333333333"), 133333);
    // beyond Python's integer shortcut: the product is rounded to 28 digits first
    assert_eq!(
        raise(10i128.pow(27), "33.3333333333333333333333333333"),
        1333333333333333333333333333
    );
    assert_eq!(raise(10i128.pow(27) + 1, "5"), 1050000000000000000000000001);
    assert_eq!(raise(10i128.pow(30) - 1, "0.001"), 1000010000000000000000000000000);
}

fn rates_at_new_year(pairs: &[(&str, &str, &str)]) -> ExchangeRates {
    let mut rates = ExchangeRates::new();
    let new_year = utc(1, 1, 0, 0);
    for (from, to, rate) in pairs {
        assert!(rates.set_rate(ccy(from), ccy(to), &dec(rate), new_year, new_year));
    }
    rates
}

#[test]
fn converts_along_and_against_a_pair() {
    let rates = rates_at_new_year(&[
        ("EUR", "USD", "1.08"),
        ("EUR", "JPY", "160.25"),
        ("EUR", "KWD", "0.3345"),
        ("GBP", "USD", "1.23456789012345678901234567891"),
    ]);
    let at = utc(3, 2, 9, 0);
    let convert = |minor: Minor, from: &str, to: &str| rates.convert(minor, ccy(from), ccy(to), at);
    assert_eq!(convert(12345, "EUR", "USD"), Some(13333));
    assert_eq!(convert(-12345, "EUR", "USD"), Some(-13333));
    // reverse: 1 / 1.08 = 0.9259259259259259259259259259
    assert_eq!(convert(13333, "USD", "EUR"), Some(12345));
    assert_eq!(convert(10i128.pow(29), "USD", "EUR"), Some(92592592592592592592592592590));
    assert_eq!(rates.rate(ccy("USD"), ccy("EUR"), at), Some(dec("0.9259259259259259259259259259")));
    assert_eq!(rates.rate(ccy("EUR"), ccy("USD"), at), Some(dec("1.08")));
    // JPY has no decimals: 10.00 EUR × 160.25 = 1602.5 JPY, half-even → 1602; 30.00 → 4807.5 → 4808
    assert_eq!(convert(1000, "EUR", "JPY"), Some(1602));
    assert_eq!(convert(3000, "EUR", "JPY"), Some(4808));
    assert_eq!(convert(1602, "JPY", "EUR"), Some(1000));
    assert_eq!(convert(160250, "JPY", "EUR"), Some(100000));
    // KWD has three decimals
    assert_eq!(convert(1001, "EUR", "KWD"), Some(3348));
    assert_eq!(convert(3345, "KWD", "EUR"), Some(1000));
    assert_eq!(convert(1000, "KWD", "EUR"), Some(299));
    // a rate of 30 significant digits is rounded to 28 in the factor
    assert_eq!(convert(10i128.pow(12), "GBP", "USD"), Some(1234567890123));
    assert_eq!(convert(10i128.pow(29) + 3, "GBP", "USD"), Some(123456789012345678901234567900));
    assert_eq!(convert(10i128.pow(12), "USD", "GBP"), Some(810000007290));
    assert_eq!(rates.rate(ccy("USD"), ccy("GBP"), at), Some(dec("0.8100000072900000663390006037")));
    // no rate is no conversion, never 1:1; the same currency is unchanged
    assert_eq!(convert(100, "EUR", "CHF"), None);
    assert_eq!(rates.rate(ccy("EUR"), ccy("CHF"), at), None);
    assert_eq!(convert(100, "CHF", "CHF"), Some(100));
    assert_eq!(rates.rate(ccy("CHF"), ccy("CHF"), at), Some(dec("1")));
}

#[test]
fn rates_by_valid_from() {
    let mut rates = ExchangeRates::new();
    let set_at = utc(1, 1, 0, 0);
    let february = utc(2, 1, 0, 0);
    // 2026-03-01T01:00:00+02:00 is 2026-02-28T23:00Z
    let march = Instant { utc_micros: utc(2, 28, 23, 0).utc_micros, offset_seconds: 7200 };
    assert!(rates.set_rate(ccy("EUR"), ccy("USD"), &dec("1.10"), february, set_at));
    assert!(rates.set_rate(ccy("EUR"), ccy("USD"), &dec("1.20"), march, set_at));
    let both = |at: Instant| {
        (
            rates.convert(1000, ccy("EUR"), ccy("USD"), at),
            rates.convert(1100, ccy("USD"), ccy("EUR"), at),
        )
    };
    assert_eq!(both(utc(2, 1, 0, -1)), (None, None));
    assert_eq!(both(february), (Some(1100), Some(1000)));
    assert_eq!(both(utc(2, 28, 23, -1)), (Some(1100), Some(1000)));
    assert_eq!(both(march), (Some(1200), Some(917)));
    assert_eq!(both(utc(2, 28, 23, 0)), (Some(1200), Some(917)));
    assert_eq!(both(utc(12, 31, 0, 0)), (Some(1200), Some(917)));
}

#[test]
fn newest_set_at_wins() {
    let mut rates = ExchangeRates::new();
    let (eur, usd) = (ccy("EUR"), ccy("USD"));
    let valid_from = utc(2, 1, 0, 0);
    let at = utc(3, 2, 9, 0);
    let tenth = utc(1, 10, 0, 0);
    // the same instant written at -05:00
    let tenth_elsewhere = Instant { offset_seconds: -18000, ..tenth };
    assert!(rates.set_rate(eur, usd, &dec("1.1"), valid_from, tenth));
    assert!(!rates.set_rate(eur, usd, &dec("1.2"), valid_from, utc(1, 5, 0, 0)));
    assert_eq!(rates.convert(1000, eur, usd, at), Some(1100));
    assert!(rates.set_rate(eur, usd, &dec("1.3"), valid_from, tenth_elsewhere));
    assert_eq!(rates.convert(1000, eur, usd, at), Some(1300));
    assert!(rates.set_rate(eur, usd, &dec("1.4"), valid_from, utc(1, 20, 0, 0)));
    assert_eq!(rates.convert(1000, eur, usd, at), Some(1400));
    assert!(!rates.set_rate(eur, usd, &dec("1.5"), valid_from, tenth));
    assert_eq!(rates.convert(1000, eur, usd, at), Some(1400));
    assert_eq!(rates.rate(eur, usd, at), Some(dec("1.4")));
}

#[test]
fn direct_pair_before_reverse() {
    let mut rates = ExchangeRates::new();
    let (eur, usd) = (ccy("EUR"), ccy("USD"));
    let new_year = utc(1, 1, 0, 0);
    let february = Instant { offset_seconds: 3600, ..utc(2, 1, 0, 0) };
    assert!(rates.set_rate(eur, usd, &dec("1.08"), february, new_year));
    assert!(rates.set_rate(usd, eur, &dec("0.9"), new_year, new_year));
    // before the direct EUR→USD rate is valid, the inverse of USD→EUR stands in
    let january = utc(1, 15, 0, 0);
    assert_eq!(rates.convert(1000, eur, usd, january), Some(1111));
    assert_eq!(rates.convert(1000, usd, eur, january), Some(900));
    assert_eq!(rates.rate(eur, usd, january), Some(dec("1.111111111111111111111111111")));
    let march = utc(3, 2, 9, 0);
    assert_eq!(rates.convert(1000, eur, usd, march), Some(1080));
    assert_eq!(rates.convert(1000, usd, eur, march), Some(900));
    assert_eq!(rates.rate(usd, eur, march), Some(dec("0.9")));
    // Python: [('EUR', 'USD', '2026-02-01T00:00:00+01:00'... sorted by strings
    let snapshot = rates.snapshot();
    assert_eq!(snapshot.len(), 2);
    assert_eq!((snapshot[0].0, snapshot[0].1, snapshot[0].3), (eur, usd, dec("1.08")));
    assert_eq!(snapshot[0].2.offset_seconds, 3600);
    assert_eq!((snapshot[1].0, snapshot[1].1, snapshot[1].3), (usd, eur, dec("0.9")));
}

#[test]
fn zero_rate_in_reverse_is_no_rate() {
    // Python raises ZeroDivisionError here; events refuse rates <= 0.
    let rates = rates_at_new_year(&[("EUR", "USD", "0")]);
    let at = utc(3, 2, 9, 0);
    assert_eq!(rates.convert(1000, ccy("EUR"), ccy("USD"), at), Some(0));
    assert_eq!(rates.convert(1000, ccy("USD"), ccy("EUR"), at), None);
    assert_eq!(rates.rate(ccy("USD"), ccy("EUR"), at), None);
}

/// Every line of `tests/cases.txt` (see `tests/gen_cases.py`).
#[test]
fn python_cases() {
    let cases = include_str!("../tests/cases.txt");
    let mut counts = [0usize; 3];
    let set_at = utc(1, 1, 0, 0);
    let at = utc(6, 1, 0, 0);
    for line in cases.lines().filter(|line| !line.starts_with('#') && !line.is_empty()) {
        let f: Vec<&str> = line.split(' ').collect();
        match f[0] {
            "raise" => {
                let limit: Minor = f[1].parse().expect("limit");
                let expected: Minor = f[3].parse().expect("expected");
                assert_eq!(raise_by_pct(limit, Some(&dec(f[2]))), expected, "{line}");
                counts[0] += 1;
            }
            "convert" => {
                let mut rates = ExchangeRates::new();
                assert!(rates.set_rate(ccy(f[4]), ccy(f[5]), &dec(f[6]), set_at, set_at));
                let minor: Minor = f[1].parse().expect("minor");
                let expected =
                    if f[7] == "None" { None } else { Some(f[7].parse().expect("expected")) };
                assert_eq!(rates.convert(minor, ccy(f[2]), ccy(f[3]), at), expected, "{line}");
                counts[1] += 1;
            }
            "inverse" => {
                let rates = rates_at_new_year(&[("EUR", "USD", f[1])]);
                let expected = Dec {
                    negative: f[2] == "1",
                    coefficient: f[3].parse().expect("coefficient"),
                    exponent: f[4].parse().expect("exponent"),
                };
                assert_eq!(rates.rate(ccy("USD"), ccy("EUR"), at), Some(expected), "{line}");
                counts[2] += 1;
            }
            other => panic!("unknown case kind {other}"),
        }
    }
    assert!(counts.iter().all(|&n| n >= 100), "too few cases: {counts:?}");
}
