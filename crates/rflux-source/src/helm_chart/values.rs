//! `spec.valuesFiles`: the listed files merged in order (later keys win, maps merge
//! deeply, anything else is replaced) into the values that replace the chart's
//! `values.yaml`, as Flux does; `values.yaml` counts only when listed.

use serde_json::{Map, Value};

use super::ChartError;

/// The merged values and the files that took part (missing ones left out when ignored).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergedValues {
    /// The merged values.
    pub values: Map<String, Value>,
    /// The files merged, in order.
    pub observed: Vec<String>,
}

/// Merge `files` in order; `read` returns a file's content (`None` when missing).
pub fn merge_values_files(
    files: &[String],
    ignore_missing: bool,
    mut read: impl FnMut(&str) -> Result<Option<Vec<u8>>, ChartError>,
) -> Result<MergedValues, ChartError> {
    let mut merged = MergedValues::default();
    for file in files {
        let Some(data) = read(file)? else {
            if ignore_missing {
                tracing::debug!(file = file.as_str(), "ignoring missing values file");
                continue;
            }
            return Err(ChartError::ValuesFile {
                file: file.clone(),
                reason: "no such file".to_string(),
            });
        };
        let text = String::from_utf8_lossy(&data);
        let values = rflux_helm::yaml::parse_map(&text).map_err(|e| ChartError::ValuesFile {
            file: file.clone(),
            reason: e.to_string(),
        })?;
        merge_maps(&mut merged.values, values);
        merged.observed.push(file.clone());
    }
    Ok(merged)
}

/// Flux's `MergeMaps`: maps merge key by key, other values are replaced.
pub fn merge_maps(base: &mut Map<String, Value>, over: Map<String, Value>) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => merge_maps(existing, incoming),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Values as `values.yaml` text, keys sorted and whole numbers written as Go's YAML
/// encoder writes them.
pub fn values_to_yaml(values: &Map<String, Value>) -> Result<String, ChartError> {
    let sorted = sort_keys(Value::Object(values.clone()));
    if sorted.as_object().is_some_and(Map::is_empty) {
        return Ok("{}\n".to_string());
    }
    serde_saphyr::to_string(&sorted).map_err(|e| ChartError::ValuesFile {
        file: "values.yaml".to_string(),
        reason: format!("cannot write merged values: {e}"),
    })
}

fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sort_keys(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        // Go writes a whole float64 without a fraction (`3`, not `3.0`).
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        other => other,
    }
}
