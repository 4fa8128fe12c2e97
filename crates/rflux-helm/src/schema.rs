//! `values.schema.json`: the final values of each chart (and of each subchart, with its
//! part of the values) validated with JSON Schema, errors printed in the shape Helm v4
//! prints them (its validator's tree: `- at '/path': message`, a `validation failed` node
//! wherever one subschema holds several errors).

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use crate::chart::Chart;
use crate::error::Error;
use crate::values::Values;

fn num(v: &Value) -> String {
    match v.as_f64() {
        Some(f) => rflux_gotmpl::sprint(&[rflux_gotmpl::Value::Float(f)]),
        None => v.to_string(),
    }
}

fn quoted(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// One error's message the way Helm's validator words it.
fn message(e: &jsonschema::ValidationError<'_>) -> String {
    let inst = e.instance();
    match e.kind() {
        ValidationErrorKind::Type { kind } => {
            let want = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" or "),
            };
            format!("got {}, want {want}", type_name(inst))
        }
        ValidationErrorKind::Minimum { limit } => format!("minimum: got {}, want {}", num(inst), num(limit)),
        ValidationErrorKind::Maximum { limit } => format!("maximum: got {}, want {}", num(inst), num(limit)),
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("exclusiveMinimum: got {}, want {}", num(inst), num(limit))
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("exclusiveMaximum: got {}, want {}", num(inst), num(limit))
        }
        ValidationErrorKind::MinLength { limit } => {
            format!(
                "minLength: got {}, want {limit}",
                inst.as_str().map_or(0, |s| s.chars().count())
            )
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!(
                "maxLength: got {}, want {limit}",
                inst.as_str().map_or(0, |s| s.chars().count())
            )
        }
        ValidationErrorKind::MinItems { limit } => {
            format!("minItems: got {}, want {limit}", inst.as_array().map_or(0, Vec::len))
        }
        ValidationErrorKind::MaxItems { limit } => {
            format!("maxItems: got {}, want {limit}", inst.as_array().map_or(0, Vec::len))
        }
        ValidationErrorKind::MinProperties { limit } => {
            format!(
                "minProperties: got {}, want {limit}",
                inst.as_object().map_or(0, |o| o.len())
            )
        }
        ValidationErrorKind::MaxProperties { limit } => {
            format!(
                "maxProperties: got {}, want {limit}",
                inst.as_object().map_or(0, |o| o.len())
            )
        }
        ValidationErrorKind::Required { property } => format!("missing property {}", quoted(property)),
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let list: Vec<String> = unexpected.iter().map(|p| format!("'{p}'")).collect();
            format!("additional properties {} not allowed", list.join(", "))
        }
        ValidationErrorKind::Enum { options } => match options.as_array() {
            Some(o) if o.len() == 1 => format!("value must be {}", quoted(&o[0])),
            Some(o) => format!(
                "value must be one of {}",
                o.iter().map(quoted).collect::<Vec<_>>().join(", ")
            ),
            None => e.to_string(),
        },
        ValidationErrorKind::Constant { expected_value } => format!("value must be {}", quoted(expected_value)),
        ValidationErrorKind::Pattern { pattern } => {
            format!("{} does not match pattern '{pattern}'", quoted(inst))
        }
        ValidationErrorKind::Format { format } => format!("{} is not valid '{format}'", quoted(inst)),
        ValidationErrorKind::FalseSchema => "false schema".to_string(),
        _ => e.to_string(),
    }
}

/// A node of the error tree: the instance location and its messages and sub-nodes.
#[derive(Default)]
struct Node {
    at: String,
    key: String,
    items: Vec<Item>,
}

enum Item {
    Leaf(String, String),
    Node(Node),
}

impl Node {
    fn count(&self) -> usize {
        self.items.len()
    }

    fn insert(&mut self, chain: &[(String, String)], at: String, msg: String) {
        match chain.split_first() {
            None => {
                // Merge `required` errors of one object into one message, as Helm does.
                if let Some(prop) = msg.strip_prefix("missing property ")
                    && let Some(Item::Leaf(a, m)) = self
                        .items
                        .iter_mut()
                        .find(|i| matches!(i, Item::Leaf(a2, m2) if *a2 == at && m2.starts_with("missing propert")))
                {
                    let list = m
                        .strip_prefix("missing property ")
                        .or_else(|| m.strip_prefix("missing properties "))
                        .unwrap_or("")
                        .to_string();
                    *m = format!("missing properties {list}, {prop}");
                    let _ = a;
                    return;
                }
                self.items.push(Item::Leaf(at, msg));
            }
            Some(((key, node_at), rest)) => {
                for i in self.items.iter_mut() {
                    if let Item::Node(n) = i
                        && n.key == *key
                    {
                        n.insert(rest, at, msg);
                        return;
                    }
                }
                let mut n = Node {
                    at: node_at.clone(),
                    key: key.clone(),
                    items: Vec::new(),
                };
                n.insert(rest, at, msg);
                self.items.push(Item::Node(n));
            }
        }
    }

    fn print(&self, indent: usize, out: &mut String) {
        for i in &self.items {
            match i {
                Item::Leaf(at, m) => out.push_str(&format!("{}- at '{at}': {m}\n", " ".repeat(indent))),
                Item::Node(n) => n.print_self(indent, out),
            }
        }
    }

    fn print_self(&self, indent: usize, out: &mut String) {
        if self.count() == 1 {
            self.print(indent, out);
        } else {
            out.push_str(&format!(
                "{}- at '{}': validation failed\n",
                " ".repeat(indent),
                self.at
            ));
            self.print(indent + 2, out);
        }
    }
}

/// The subschema chain of an evaluation path: one entry per `properties/NAME` or
/// `items` step, keyed by schema location, with the instance location it applies to.
fn chain(eval_path: &str, instance_path: &str) -> Vec<(String, String)> {
    let segs: Vec<&str> = eval_path.split('/').filter(|s| !s.is_empty()).collect();
    let inst: Vec<&str> = instance_path.split('/').filter(|s| !s.is_empty()).collect();
    let mut out = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < segs.len() {
        match segs[i] {
            "properties" | "patternProperties" if i + 2 < segs.len() => {
                depth += 1;
                let at: String = inst.iter().take(depth).map(|s| format!("/{s}")).collect();
                out.push((segs[..i + 2].join("/"), at));
                i += 2;
            }
            "items" | "additionalProperties" if i + 1 < segs.len() => {
                depth += 1;
                let at: String = inst.iter().take(depth).map(|s| format!("/{s}")).collect();
                out.push((format!("{}#{}", segs[..i + 1].join("/"), at), at));
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn validate_one(schema: &[u8], chart: &str, values: &Values) -> Result<String, Error> {
    let schema: Value = serde_json::from_slice(schema)
        .map_err(|e| Error::Schema(format!("{chart}/values.schema.json: invalid JSON: {e}")))?;
    let validator = jsonschema::validator_for(&schema)
        .map_err(|e| Error::Schema(format!("{chart}/values.schema.json: invalid schema: {e}")))?;
    let instance = Value::Object(values.clone());
    let mut root = Node::default();
    for e in validator.iter_errors(&instance) {
        let at = e.instance_path().to_string();
        let c = chain(&e.evaluation_path().to_string(), &at);
        root.insert(&c, at, message(&e));
    }
    let mut out = String::new();
    root.print(0, &mut out);
    Ok(out)
}

fn collect(chart: &Chart, values: &Values, sb: &mut String) -> Result<(), Error> {
    if let Some(schema) = &chart.schema {
        let errs = validate_one(schema, chart.name(), values)?;
        if !errs.is_empty() {
            sb.push_str(&format!("{}:\n", chart.name()));
            sb.push_str(&errs);
        }
    }
    for sub in &chart.dependencies {
        let empty = Values::new();
        let sv = values.get(sub.name()).and_then(Value::as_object).unwrap_or(&empty);
        collect(sub, sv, sb)?;
    }
    Ok(())
}

/// Helm's `ValidateAgainstSchema` on the coalesced values.
pub fn validate(chart: &Chart, values: &Values) -> Result<(), Error> {
    let mut sb = String::new();
    collect(chart, values, &mut sb)?;
    if sb.is_empty() {
        return Ok(());
    }
    Err(Error::Schema(format!(
        "values don't meet the specifications of the schema(s) in the following chart(s):\n{}",
        sb.trim_end()
    )))
}
