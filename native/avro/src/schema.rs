//! Which schemas this crate's readers and writers stand for.
//!
//! The fingerprint in a single-object header is of the schema's parsing canonical form, which
//! drops logical types: an `amount` of `decimal(22, 2)`, or of plain `bytes`, has the same
//! fingerprint as our `decimal(22, 4)`, but Python reads and writes it otherwise. So a schema
//! is taken as ours only when its *reading form* is: the parsing canonical form (full names,
//! fields, types, items, in that shape) with `logicalType`, `precision` and `scale` kept.

use serde_json::{Map, Value};

const PRIMITIVES: [&str; 8] = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"];

/// The reading form of a schema given as Avro JSON text (as a registry or `codec.schema_json`
/// gives it), with the record's full name; `None` if it is not a record schema this can read.
pub(crate) fn reading_form(schema_json: &str) -> Option<(String, String)> {
    let value: Value = serde_json::from_str(schema_json).ok()?;
    let object = value.as_object()?;
    if object.get("type")?.as_str()? != "record" {
        return None;
    }
    let name = full_name(object, "")?;
    let mut out = String::new();
    form(&value, "", &mut out)?;
    Some((name, out))
}

/// `namespace.name` (a dotted name is full already; else the node's namespace, else the
/// enclosing one).
fn full_name(node: &Map<String, Value>, enclosing: &str) -> Option<String> {
    let name = node.get("name")?.as_str()?;
    if name.contains('.') {
        return Some(name.to_string());
    }
    let namespace = node.get("namespace").and_then(Value::as_str).unwrap_or(enclosing);
    Some(if namespace.is_empty() { name.to_string() } else { format!("{namespace}.{name}") })
}

fn namespace_of(full: &str) -> &str {
    full.rsplit_once('.').map_or("", |(namespace, _)| namespace)
}

fn quoted(out: &mut String, text: &str) {
    out.push_str(&Value::String(text.to_string()).to_string());
}

/// Appends the reading form of `node` (in the namespace `namespace`).
fn form(node: &Value, namespace: &str, out: &mut String) -> Option<()> {
    match node {
        Value::String(name) if PRIMITIVES.contains(&name.as_str()) => quoted(out, name),
        Value::String(name) if name.contains('.') || namespace.is_empty() => quoted(out, name),
        Value::String(name) => quoted(out, &format!("{namespace}.{name}")),
        Value::Array(branches) => {
            out.push('[');
            for (index, branch) in branches.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                form(branch, namespace, out)?;
            }
            out.push(']');
        }
        Value::Object(object) => complex(object, namespace, out)?,
        _ => return None,
    }
    Some(())
}

fn complex(node: &Map<String, Value>, namespace: &str, out: &mut String) -> Option<()> {
    let kind = node.get("type")?;
    let Some(kind_name) = kind.as_str() else { return form(kind, namespace, out) };
    match kind_name {
        "record" => record(node, namespace, out),
        "array" => {
            out.push_str("{\"type\":\"array\",\"items\":");
            form(node.get("items")?, namespace, out)?;
            out.push('}');
            Some(())
        }
        "enum" | "fixed" | "map" | "error" => None, // not in the contract's schemas
        primitive => logical(node, primitive, out),
    }
}

fn record(node: &Map<String, Value>, namespace: &str, out: &mut String) -> Option<()> {
    let name = full_name(node, namespace)?;
    out.push_str("{\"name\":");
    quoted(out, &name);
    out.push_str(",\"type\":\"record\",\"fields\":[");
    for (index, field) in node.get("fields")?.as_array()?.iter().enumerate() {
        let field = field.as_object()?;
        if index > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        quoted(out, field.get("name")?.as_str()?);
        out.push_str(",\"type\":");
        form(field.get("type")?, namespace_of(&name), out)?;
        out.push('}');
    }
    out.push_str("]}");
    Some(())
}

/// A primitive, with its logical type and the decimal's precision and scale (0 if absent).
fn logical(node: &Map<String, Value>, primitive: &str, out: &mut String) -> Option<()> {
    if !PRIMITIVES.contains(&primitive) {
        return None;
    }
    let Some(logical) = node.get("logicalType") else {
        quoted(out, primitive);
        return Some(());
    };
    out.push_str("{\"type\":");
    quoted(out, primitive);
    out.push_str(",\"logicalType\":");
    quoted(out, logical.as_str()?);
    if logical == "decimal" {
        let precision = node.get("precision")?.as_u64()?;
        let scale = node.get("scale").map_or(Some(0), Value::as_u64)?;
        out.push_str(&format!(",\"precision\":{precision},\"scale\":{scale}"));
    }
    out.push('}');
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_types_and_names_are_kept() {
        let text = r#"{"type":"record","name":"R","namespace":"credit.events","doc":"x",
            "fields":[{"name":"a","doc":"d","default":null,"type":["null",
            {"type":"bytes","logicalType":"decimal","precision":22,"scale":4}]},
            {"name":"t","type":{"type":"long","logicalType":"timestamp-millis"}},
            {"name":"n","type":{"type":"record","name":"N","fields":[{"name":"s","type":"string"}]}},
            {"name":"m","type":{"type":"array","items":"N"}}]}"#;
        let (name, form) = reading_form(text).expect("a record");
        assert_eq!(name, "credit.events.R");
        assert_eq!(
            form,
            r#"{"name":"credit.events.R","type":"record","fields":[{"name":"a","type":["null",{"type":"bytes","logicalType":"decimal","precision":22,"scale":4}]},{"name":"t","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"n","type":{"name":"credit.events.N","type":"record","fields":[{"name":"s","type":"string"}]}},{"name":"m","type":{"type":"array","items":"credit.events.N"}}]}"#
        );
        assert_eq!(reading_form(r#"{"type":"array","items":"int"}"#), None);
        assert_eq!(reading_form("not json"), None);
    }
}
