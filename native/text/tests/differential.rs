//! `parse_event` against pydantic: every line it accepts, pydantic accepts, with the same values.
//!
//! The cases (`pydantic_cases.jsonl.gz`) are made by `gen_pydantic_cases.py` in this folder, which
//! records `INPUT_EVENT.validate_json`'s verdict and validated values for each line.

use credit_text::parse_event;
use serde_json::{Map, Value};

#[path = "common/event_values.rs"]
mod event_values;
use event_values::{hex_bytes, normal};

fn line_of(case: &Map<String, Value>) -> Vec<u8> {
    match (case.get("line"), case.get("hex")) {
        (Some(Value::String(line)), _) => line.as_bytes().to_vec(),
        (_, Some(Value::String(hex))) => hex_bytes(hex),
        _ => panic!("case without a line: {case:?}"),
    }
}

#[test]
fn accepted_lines_read_as_pydantic_reads_them() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pydantic_cases.jsonl.gz");
    let text = read_gz(path);
    let (mut cases, mut pydantic_ok, mut accepted, mut bases) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    // why lines that pydantic accepts were left to it (printed with --nocapture)
    let mut refused_valid = std::collections::BTreeMap::new();
    for record in text.lines() {
        let case: Map<String, Value> = serde_json::from_str(record).expect("case JSON");
        let line = line_of(&case);
        let ok = case["ok"].as_bool().expect("ok");
        cases += 1;
        pydantic_ok += ok as usize;
        let is_base = case.get("base").is_some();
        bases += is_base as usize;
        let parsed = parse_event(&line);
        if let (Err(why), true) = (&parsed, ok) {
            *refused_valid.entry(why.0.clone()).or_insert(0usize) += 1;
        }
        let Ok(event) = parsed else {
            if is_base {
                failures.push(format!("refused a base line: {}", String::from_utf8_lossy(&line)));
            }
            continue;
        };
        accepted += 1;
        if !ok {
            failures.push(format!("accepted what pydantic refuses: {}", String::from_utf8_lossy(&line)));
            continue;
        }
        let expected = case["event"].as_object().expect("event");
        for (name, value) in normal(&event) {
            let python = expected.get(name).unwrap_or(&Value::Null);
            if *python != value {
                failures.push(format!(
                    "{name}: {value} here, {python} in pydantic: {}",
                    String::from_utf8_lossy(&line)
                ));
            }
        }
    }
    for (why, count) in &refused_valid {
        eprintln!("left to pydantic {count:5}: {why}");
    }
    eprintln!("{cases} lines, {pydantic_ok} accepted by pydantic, {accepted} here ({bases} base lines)");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures[..failures.len().min(40)].join("\n"));
    assert!(cases > 10_000 && accepted > 2_000, "the case file is too thin");
}

/// Speed of the hot path: `cargo test --release -p credit_text --test differential -- --ignored
/// --nocapture`, on the base lines of the cases, or on the input lines of the JSONL file named
/// by `CREDIT_TEXT_BENCH_FILE` (e.g. `python -m service.loadgen --events 100000 > f.jsonl`).
#[test]
#[ignore]
fn parse_speed() {
    let lines: Vec<Vec<u8>> = match std::env::var("CREDIT_TEXT_BENCH_FILE") {
        Ok(path) => std::fs::read_to_string(path)
            .expect("bench file")
            .lines()
            .map(|line| line.as_bytes().to_vec())
            .collect(),
        Err(_) => {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pydantic_cases.jsonl.gz");
            let text = read_gz(path);
            text.lines()
                .filter_map(|record| {
                    let case: Map<String, Value> = serde_json::from_str(record).ok()?;
                    case.get("base")?;
                    Some(line_of(&case))
                })
                .collect()
        }
    };
    let rounds = (1_000_000 / lines.len()).max(1);
    let bytes: usize = lines.iter().map(Vec::len).sum();
    let start = std::time::Instant::now();
    let mut accepted = 0usize;
    for _ in 0..rounds {
        for line in &lines {
            accepted += std::hint::black_box(parse_event(std::hint::black_box(line))).is_ok() as usize;
        }
    }
    let per_line = start.elapsed().as_nanos() as f64 / (rounds * lines.len()) as f64;
    eprintln!(
        "{} lines of {} bytes on average: {per_line:.0} ns a line ({accepted} accepted)",
        lines.len(),
        bytes / lines.len()
    );
}

/// A gzip-compressed case file, as text.
fn read_gz(path: &str) -> String {
    use std::io::Read;
    let file = std::fs::File::open(path).unwrap_or_else(|err| panic!("{path}: {err}"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(file).read_to_string(&mut text).expect("gzip text");
    text
}
