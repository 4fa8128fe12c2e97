//! `values.schema.json`: the final values of each chart (and of each subchart, with its
//! part of the values) validated with JSON Schema, errors reported in Helm's shape.

use serde_json::Value;

use crate::chart::Chart;
use crate::error::Error;
use crate::values::Values;

fn validate_one(schema: &[u8], chart: &str, values: &Values) -> Result<Vec<String>, Error> {
    let schema: Value = serde_json::from_slice(schema)
        .map_err(|e| Error::Schema(format!("{chart}/values.schema.json: invalid JSON: {e}")))?;
    let validator = jsonschema::validator_for(&schema)
        .map_err(|e| Error::Schema(format!("{chart}/values.schema.json: invalid schema: {e}")))?;
    let instance = Value::Object(values.clone());
    let mut out = Vec::new();
    for e in validator.iter_errors(&instance) {
        let path = e.instance_path().to_string();
        let loc = if path.is_empty() { String::new() } else { path };
        out.push(format!("- at '{loc}': {e}"));
    }
    Ok(out)
}

fn collect(chart: &Chart, values: &Values, sb: &mut String) -> Result<(), Error> {
    if let Some(schema) = &chart.schema {
        let errs = validate_one(schema, chart.name(), values)?;
        if !errs.is_empty() {
            sb.push_str(&format!("{}:\n", chart.name()));
            for e in errs {
                sb.push_str(&e);
                sb.push('\n');
            }
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
