//! `read_input` against Python's path (`codec.decode`, then `INPUT_EVENT.validate_python`):
//! every record it reads, Python accepts, with the same values; every valid record as the
//! codec writes it is read (none left to Python); truncated or garbled bytes never panic.
//!
//! The cases (`input_cases.jsonl.gz`) are made by `gen_avro_cases.py` in this folder.

use credit_avro::{fingerprint, read_input, EventType, NotFast, Schemas};
use credit_model::*;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[path = "../../text/tests/common/event_values.rs"]
mod event_values;
use event_values::{hex_bytes, normal};

fn read_gz(path: &str) -> String {
    use std::io::Read;
    let file = std::fs::File::open(path).unwrap_or_else(|err| panic!("{path}: {err}"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(file).read_to_string(&mut text).expect("gzip text");
    text
}

struct Cases {
    schemas: Map<String, Value>,
    known: Schemas,
    cases: Vec<Map<String, Value>>,
}

fn case_file() -> String {
    read_gz(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/input_cases.jsonl.gz"))
}

/// The head line: the codec's schemas and the registry's.
fn head(text: &str) -> Map<String, Value> {
    serde_json::from_str(text.lines().next().expect("head")).expect("head")
}

fn load() -> Cases {
    let text = case_file();
    let head = head(&text);
    let schemas = head["schemas"].as_object().expect("schemas").clone();
    let mut known = Schemas::new();
    for event_type in EventType::ALL {
        let json = schemas[event_type.name()]["json"].as_str().expect("schema_json");
        assert!(known.add_codec_schema(event_type, json), "{}", event_type.name());
    }
    for (id, text) in head["registry"].as_object().expect("registry") {
        let text = text.as_str().expect("text");
        let found = known.add_registry_schema(id.parse().expect("id"), text);
        assert_eq!(found.is_none(), text.contains("\"scale\": 2"), "schema id {id}");
    }
    let cases = text.lines().skip(1).map(|line| serde_json::from_str(line).expect("case")).collect();
    Cases { schemas, known, cases }
}

/// The crate's fingerprints are those of the schemas in `schemas/`, as `codec.fingerprint`
/// computes them, and its CRC-64-AVRO gives them from the parsing canonical forms.
#[test]
fn fingerprints_are_the_codecs() {
    let cases = load();
    assert_eq!(cases.schemas.len(), EventType::ALL.len());
    for event_type in EventType::ALL {
        let schema = cases.schemas[event_type.name()].as_object().expect("schema");
        let python = hex_bytes(schema["fingerprint"].as_str().expect("hex"));
        assert_eq!(event_type.fingerprint().to_vec(), python, "{}", event_type.name());
        let canonical = schema["canonical"].as_str().expect("canonical");
        assert_eq!(fingerprint(canonical.as_bytes()).to_vec(), python, "{}", event_type.name());
    }
}

/// The codec's schemas and the .avsc files are ours; the same schema with a decimal at
/// another scale, or without its logical type, is not (its fingerprint is the same), nor is
/// one type's schema taken for another's; docs and defaults change nothing.
#[test]
fn schema_variants_are_told_apart() {
    let cases = load();
    for event_type in EventType::ALL {
        let schema = &cases.schemas[event_type.name()];
        let (json, avsc) = (schema["json"].as_str().expect("json"), schema["avsc"].as_str().expect("avsc"));
        let mut known = Schemas::new();
        assert!(known.add_codec_schema(event_type, avsc), "{}", event_type.name());
        assert!(known.knows(event_type));
        let other = EventType::ALL[(event_type as usize + 1) % EventType::ALL.len()];
        assert!(!known.add_codec_schema(other, json));
        assert!(!known.knows(other));
        let documented = json.replacen("\"name\": ", "\"doc\": \"more\", \"name\": ", 1);
        assert!(known.add_codec_schema(event_type, &documented));
        let variants = [
            json.replace("\"scale\": 4", "\"scale\": 2"),
            json.replace("\"scale\": 12", "\"scale\": 10"),
            json.replace("\"precision\": 22", "\"precision\": 20"),
            json.replace("\"logicalType\": \"decimal\", ", ""),
            json.replace("\"logicalType\": \"timestamp-millis\"", "\"logicalType\": \"timestamp-micros\""),
            json.replace("\"logicalType\": \"date\"", "\"logicalType\": \"time-millis\""),
        ];
        let mut changed = 0;
        for variant in variants.iter().filter(|variant| *variant != json) {
            changed += 1;
            assert!(!known.add_codec_schema(event_type, variant), "{variant}");
            assert!(!known.knows(event_type));
            assert_eq!(known.add_registry_schema(9, variant), None);
            assert!(known.add_codec_schema(event_type, json));
            assert_eq!(known.add_registry_schema(9, variant), None);
        }
        assert_eq!(known.add_registry_schema(9, json), Some(event_type));
        assert!(changed >= 1, "{}: no variant", event_type.name()); // occurred_at's at least
    }
}

fn read(cases: &Cases, case: &Map<String, Value>, payload: &[u8]) -> Result<InputEvent, NotFast> {
    let (event_type, body) = if case.contains_key("confluent") {
        cases.known.split_confluent(payload)?
    } else {
        cases.known.split_single_object(payload)?
    };
    read_input(body, event_type)
}

#[test]
fn records_read_as_python_reads_them() {
    let cases = load();
    let (mut python_ok, mut accepted, mut bases) = (0, 0, 0);
    // (framing, Python accepts, read here) -> records
    let mut tally: BTreeMap<(&str, bool, bool), usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut left_to_python: BTreeMap<String, usize> = BTreeMap::new();
    for case in &cases.cases {
        let payload = hex_bytes(case["payload"].as_str().expect("payload"));
        let ok = case["ok"].as_bool().expect("ok");
        let is_base = case.contains_key("base");
        python_ok += ok as usize;
        bases += is_base as usize;
        let what = case.get("what").and_then(Value::as_str).unwrap_or("base");
        let framing = if case.contains_key("confluent") { "confluent" } else { "single-object" };
        let result = read(&cases, case, &payload);
        *tally.entry((framing, ok, result.is_ok())).or_default() += 1;
        let event = match result {
            Ok(event) => event,
            Err(why) => {
                if is_base {
                    failures.push(format!("left a base record to Python ({why}): {what}"));
                }
                if ok {
                    *left_to_python.entry(format!("{framing}: {why}")).or_default() += 1;
                }
                continue;
            }
        };
        accepted += 1;
        if !ok {
            failures.push(format!("accepted what Python refuses: {what} {}", case["payload"]));
            continue;
        }
        let expected = case["event"].as_object().expect("event");
        for (name, value) in normal(&event) {
            let python = expected.get(name).unwrap_or(&Value::Null);
            if *python != value {
                failures.push(format!("{name}: {value} here, {python} in Python: {what}"));
            }
        }
    }
    for (why, count) in &left_to_python {
        eprintln!("left to Python though it accepts {count:5}: {why}");
    }
    for ((framing, ok, read_here), count) in &tally {
        eprintln!("{framing:13} Python {:7} here {:12} {count:6}",
                  if *ok { "accepts" } else { "refuses" }, if *read_here { "read" } else { "left to it" });
    }
    let total = cases.cases.len();
    eprintln!("{total} records, {python_ok} accepted by Python, {accepted} here ({bases} base records)");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures[..failures.len().min(40)].join("\n"));
    assert!(total > 10_000 && bases > 2_000 && accepted > 4_000, "the case file is too thin");
}

/// Every proper prefix of every valid record is refused by Python (the body stops inside a
/// field), so it must be left to it here; no prefix panics.
#[test]
fn truncated_records_are_never_read() {
    let cases = load();
    let mut prefixes = 0;
    for case in cases.cases.iter().filter(|case| case.contains_key("base")) {
        let payload = hex_bytes(case["payload"].as_str().expect("payload"));
        for cut in 0..payload.len() {
            prefixes += 1;
            assert!(read(&cases, case, &payload[..cut]).is_err(), "{} cut at {cut}", case["payload"]);
        }
    }
    assert!(prefixes > 100_000, "{prefixes}");
}

/// Random bytes, and valid records with random bytes changed, read as every input type:
/// never a panic (the answer itself is checked against Python in the case file).
#[test]
fn garbage_never_panics() {
    let cases = load();
    let mut state: u64 = 0x2026_1207;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let bases: Vec<Vec<u8>> = cases
        .cases
        .iter()
        .filter(|case| case.contains_key("base") && !case.contains_key("confluent"))
        .map(|case| hex_bytes(case["payload"].as_str().expect("payload"))[10..].to_vec())
        .collect();
    let mut read_any = 0usize;
    for round in 0..200_000 {
        let mut body = if round % 2 == 0 {
            (0..next() % 300).map(|_| next() as u8).collect::<Vec<u8>>()
        } else {
            bases[next() as usize % bases.len()].clone()
        };
        for _ in 0..(next() % 4) {
            if !body.is_empty() {
                let at = next() as usize % body.len();
                body[at] = next() as u8;
            }
        }
        for event_type in EventType::ALL {
            read_any += read_input(&body, event_type).is_ok() as usize;
        }
        let _ = cases.known.split_single_object(&body);
        let _ = cases.known.split_confluent(&body);
    }
    eprintln!("{read_any} garbled bodies read (the case file checks such reads against Python)");
}

/// Prints the reading-form fingerprints of the codec's schemas, for `READING_FORMS`:
/// `cargo test -p credit_avro --test read_input -- --ignored --nocapture`.
#[test]
#[ignore]
fn print_reading_forms() {
    let head = head(&case_file());
    for event_type in EventType::ALL {
        let json = head["schemas"][event_type.name()]["json"].as_str().expect("json");
        let print = credit_avro::reading_fingerprint(json).expect("a record schema");
        eprintln!("    fp(0x{}), // {}", print.iter().map(|b| format!("{b:02x}")).collect::<String>(), event_type.name());
    }
}

/// Speed of the hot path: `cargo test --release -p credit_avro --test read_input -- --ignored
/// read_speed --nocapture`, over the valid single-object records of the case file.
#[test]
#[ignore]
fn read_speed() {
    let cases = load();
    let payloads: Vec<Vec<u8>> = cases
        .cases
        .iter()
        .filter(|case| case.contains_key("base") && !case.contains_key("confluent"))
        .map(|case| hex_bytes(case["payload"].as_str().expect("payload")))
        .collect();
    let rounds = (1_000_000 / payloads.len()).max(1);
    let start = std::time::Instant::now();
    let mut read = 0usize;
    for _ in 0..rounds {
        for payload in &payloads {
            let found = cases.known.split_single_object(std::hint::black_box(payload));
            read += found.and_then(|(et, body)| read_input(body, et)).is_ok() as usize;
        }
    }
    let per_record = start.elapsed().as_nanos() as f64 / (rounds * payloads.len()) as f64;
    eprintln!("{} records: {per_record:.0} ns a record ({read} read)", payloads.len());
}
