//! A decimal as Python prints it (`-0.05`, `8000.00`, `1E+3`, `1.25E-8`), for the tests that
//! build output events from expected lines. The text and Avro output tests include this file
//! by path.

use credit_model::Dec;

pub fn printed_decimal(text: &str) -> Dec {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exp) = match text.split_once('E') {
        Some((m, e)) => (m, e.parse::<i32>().expect("exponent")),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let coefficient = format!("{int}{frac}").parse().expect("digits");
    Dec { negative, coefficient, exponent: exp - frac.len() as i32 }
}
