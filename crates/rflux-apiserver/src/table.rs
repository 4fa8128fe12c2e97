//! `meta.k8s.io/v1` Table responses, which kubectl asks for when it prints objects: the name,
//! the columns a CRD declares (`additionalPrinterColumns`), and the age.

use serde_json::{Value, json};

use crate::resources::ResourceType;

/// Kubernetes' short human duration (`5s`, `3m10s`, `2d4h`, `45d`).
pub fn human_age(created: &str) -> String {
    let format = time::format_description::well_known::Rfc3339;
    let Ok(t) = time::OffsetDateTime::parse(created, &format) else {
        return "<unknown>".into();
    };
    let secs = (time::OffsetDateTime::now_utc() - t).whole_seconds().max(0);
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86400);
    if secs < 120 {
        format!("{secs}s")
    } else if m < 10 {
        if secs % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", secs % 60)
        }
    } else if h < 3 {
        format!("{m}m")
    } else if h < 8 {
        if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        }
    } else if h < 48 {
        format!("{h}h")
    } else if d < 8 {
        if h % 24 == 0 {
            format!("{d}d")
        } else {
            format!("{d}d{}h", h % 24)
        }
    } else if d < 365 * 2 {
        format!("{d}d")
    } else {
        format!("{}y", d / 365)
    }
}

fn printer_columns(rt: &ResourceType, version: &str) -> Vec<Value> {
    rt.version(version)
        .map(|v| v.printer_columns.clone())
        .unwrap_or_default()
}

/// Column definitions.
fn columns(rt: &ResourceType, version: &str) -> Vec<Value> {
    if let Some(builtin) = crate::printers::columns(&rt.group, &rt.kind) {
        let mut cols = vec![
            json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0}),
        ];
        cols.extend(builtin.iter().map(crate::printers::definition));
        return cols;
    }
    let mut cols = vec![
        json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0}),
    ];
    let custom = printer_columns(rt, version);
    let has_age = custom
        .iter()
        .any(|c| c.get("jsonPath").and_then(Value::as_str) == Some(".metadata.creationTimestamp"));
    for c in &custom {
        cols.push(json!({
            "name": c.get("name").cloned().unwrap_or(Value::Null),
            "type": c.get("type").cloned().unwrap_or(json!("string")),
            "format": c.get("format").cloned().unwrap_or(json!("")),
            "description": c.get("description").cloned().unwrap_or(json!("")),
            "priority": c.get("priority").cloned().unwrap_or(json!(0)),
        }));
    }
    if !has_age {
        cols.push(json!({"name": "Age", "type": "string", "format": "", "description": "CreationTimestamp is a timestamp representing the server time when this object was created.", "priority": 0}));
    }
    cols
}

/// Evaluates the simple JSONPath forms CRDs use (`.status.conditions[?(@.type=="Ready")].status`).
fn json_path(obj: &Value, path: &str) -> Value {
    let mut cur = vec![obj.clone()];
    let mut rest = path.trim().trim_start_matches('{').trim_end_matches('}');
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("[?(@.") {
            let Some(end) = r.find(")]") else { return Value::Null };
            let cond = &r[..end];
            rest = &r[end + 2..];
            let Some((field, want)) = cond.split_once("==") else {
                return Value::Null;
            };
            let want = want.trim().trim_matches('"').trim_matches('\'');
            cur = cur
                .iter()
                .flat_map(|v| v.as_array().cloned().unwrap_or_default())
                .filter(|item| item.get(field.trim()).and_then(Value::as_str) == Some(want))
                .collect();
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let field = &r[..end];
            rest = &r[end..];
            cur = cur.iter().filter_map(|v| v.get(field).cloned()).collect();
        } else if let Some(r) = rest.strip_prefix('[') {
            let Some(end) = r.find(']') else { return Value::Null };
            let idx = &r[..end];
            rest = &r[end + 1..];
            cur = cur
                .iter()
                .filter_map(|v| {
                    let arr = v.as_array()?;
                    if idx == "*" {
                        return Some(Value::Array(arr.clone()));
                    }
                    arr.get(idx.parse::<usize>().ok()?).cloned()
                })
                .collect();
        } else {
            return Value::Null;
        }
    }
    cur.into_iter().next().unwrap_or(Value::Null)
}

fn cells(rt: &ResourceType, version: &str, obj: &Value) -> Vec<Value> {
    if let Some(builtin) = crate::printers::columns(&rt.group, &rt.kind) {
        let mut out = vec![crate::printers::name_cell(obj)];
        out.extend(builtin.iter().map(|c| (c.cell)(obj)));
        return out;
    }
    let created = obj
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut out = vec![obj.pointer("/metadata/name").cloned().unwrap_or(Value::Null)];
    let custom = printer_columns(rt, version);
    let has_age = custom
        .iter()
        .any(|c| c.get("jsonPath").and_then(Value::as_str) == Some(".metadata.creationTimestamp"));
    for c in &custom {
        let path = c.get("jsonPath").and_then(Value::as_str).unwrap_or("");
        let v = json_path(obj, path);
        let v = match c.get("type").and_then(Value::as_str) {
            Some("date") => v.as_str().map_or(Value::Null, |s| Value::String(human_age(s))),
            _ => v,
        };
        out.push(v);
    }
    if !has_age {
        out.push(Value::String(human_age(created)));
    }
    out
}

fn row(rt: &ResourceType, version: &str, obj: &Value) -> Value {
    json!({
        "cells": cells(rt, version, obj),
        "object": {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
        },
    })
}

/// A Table of the given objects.
pub fn table(
    rt: &ResourceType,
    version: &str,
    objects: &[Value],
    resource_version: Option<&str>,
    continue_token: Option<&str>,
) -> Value {
    let rows: Vec<Value> = objects.iter().map(|o| row(rt, version, o)).collect();
    let mut metadata = json!({});
    if let Some(rv) = resource_version {
        metadata["resourceVersion"] = json!(rv);
    }
    if let Some(c) = continue_token {
        metadata["continue"] = json!(c);
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": columns(rt, version),
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_path_filters_conditions() {
        let obj = json!({"status": {"conditions": [{"type": "Other", "status": "False"}, {"type": "Ready", "status": "True"}]}});
        assert_eq!(
            json_path(&obj, ".status.conditions[?(@.type==\"Ready\")].status"),
            json!("True")
        );
        assert_eq!(json_path(&obj, ".status.conditions[0].type"), json!("Other"));
        assert_eq!(json_path(&obj, ".spec.missing"), Value::Null);
    }
}
