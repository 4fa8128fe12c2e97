//! CustomResourceDefinitions: turning a CRD into a served resource, its status, and the
//! structural schema rules for custom resources (pruning, defaulting, validation).

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::error::Cause;
use crate::resources::{ResourceType, ServedVersion};

fn s<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// Validates a CRD's own fields; returns causes naming them.
pub fn validate_definition(crd: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    let group = s(crd, "/spec/group").unwrap_or("");
    let plural = s(crd, "/spec/names/plural").unwrap_or("");
    let kind = s(crd, "/spec/names/kind").unwrap_or("");
    let name = s(crd, "/metadata/name").unwrap_or("");
    if group.is_empty() {
        causes.push(Cause::new("FieldValueRequired", "Required value", "spec.group"));
    } else if !group.contains('.') {
        causes.push(Cause::new(
            "FieldValueInvalid",
            format!("Invalid value: \"{group}\": should be a domain with at least one dot"),
            "spec.group",
        ));
    }
    if plural.is_empty() {
        causes.push(Cause::new("FieldValueRequired", "Required value", "spec.names.plural"));
    }
    if kind.is_empty() {
        causes.push(Cause::new("FieldValueRequired", "Required value", "spec.names.kind"));
    }
    if !group.is_empty() && !plural.is_empty() && name != format!("{plural}.{group}") {
        causes.push(Cause::new(
            "FieldValueInvalid",
            format!("Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group"),
            "metadata.name",
        ));
    }
    match s(crd, "/spec/scope") {
        Some("Namespaced" | "Cluster") => {}
        Some(other) => causes.push(Cause::new(
            "FieldValueNotSupported",
            format!("Unsupported value: \"{other}\": supported values: \"Cluster\", \"Namespaced\""),
            "spec.scope",
        )),
        None => causes.push(Cause::new("FieldValueRequired", "Required value", "spec.scope")),
    }
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if versions.is_empty() {
        causes.push(Cause::new(
            "FieldValueRequired",
            "Required value: must have exactly one version marked as storage version",
            "spec.versions",
        ));
    }
    let storage = versions
        .iter()
        .filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
        .count();
    if !versions.is_empty() && storage != 1 {
        causes.push(Cause::new(
            "FieldValueInvalid",
            format!("Invalid value: must have exactly one version marked as storage version (found {storage})"),
            "spec.versions",
        ));
    }
    for (i, v) in versions.iter().enumerate() {
        if v.get("name").and_then(Value::as_str).is_none_or(str::is_empty) {
            causes.push(Cause::new(
                "FieldValueRequired",
                "Required value",
                format!("spec.versions[{i}].name"),
            ));
        }
        if let Some(schema) = v.pointer("/schema/openAPIV3Schema")
            && schema.get("type").and_then(Value::as_str) != Some("object")
        {
            causes.push(Cause::new(
                "FieldValueInvalid",
                "Invalid value: must be object at the root",
                format!("spec.versions[{i}].schema.openAPIV3Schema.type"),
            ));
        }
    }
    causes
}

/// Sets `status` (accepted names, NamesAccepted and Established) and defaulted names.
pub fn set_status(crd: &mut Value) {
    let kind = s(crd, "/spec/names/kind").unwrap_or("").to_string();
    if let Some(names) = crd.pointer_mut("/spec/names").and_then(Value::as_object_mut) {
        names.entry("singular").or_insert_with(|| json!(kind.to_lowercase()));
        names.entry("listKind").or_insert_with(|| json!(format!("{kind}List")));
    }
    let names = crd.pointer("/spec/names").cloned().unwrap_or_else(|| json!({}));
    let storage: Vec<Value> = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
                .filter_map(|v| v.get("name").cloned())
                .collect()
        })
        .unwrap_or_default();
    let now = crate::meta::now();
    let existing = crd.get("status").cloned().unwrap_or_else(|| json!({}));
    let mut stored: Vec<Value> = existing
        .get("storedVersions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for v in storage {
        if !stored.contains(&v) {
            stored.push(v);
        }
    }
    let since = |t: &str| -> String {
        existing
            .get("conditions")
            .and_then(Value::as_array)
            .and_then(|c| c.iter().find(|c| c.get("type").and_then(Value::as_str) == Some(t)))
            .and_then(|c| c.get("lastTransitionTime"))
            .and_then(Value::as_str)
            .map_or_else(|| now.clone(), str::to_string)
    };
    crd["status"] = json!({
        "acceptedNames": names,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": since("NamesAccepted")},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": since("Established")},
        ],
        "storedVersions": stored,
    });
}

/// The served resource a CRD defines.
pub fn resource_type(crd: &Value) -> Result<ResourceType, String> {
    let group = s(crd, "/spec/group").ok_or("spec.group missing")?.to_string();
    let plural = s(crd, "/spec/names/plural")
        .ok_or("spec.names.plural missing")?
        .to_string();
    let kind = s(crd, "/spec/names/kind").ok_or("spec.names.kind missing")?.to_string();
    let strs = |p: &str| -> Vec<String> {
        crd.pointer(p)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    let mut versions = Vec::new();
    let mut storage_version = String::new();
    let mut has_status = false;
    let mut scale = None;
    for v in crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = v.get("name").and_then(Value::as_str).unwrap_or("").to_string();
        if v.get("storage").and_then(Value::as_bool) == Some(true) {
            storage_version = name.clone();
        }
        if v.pointer("/subresources/status").is_some() {
            has_status = true;
        }
        if let Some(sc) = v.pointer("/subresources/scale") {
            scale = Some((
                sc.get("specReplicasPath")
                    .and_then(Value::as_str)
                    .unwrap_or(".spec.replicas")
                    .to_string(),
                sc.get("statusReplicasPath")
                    .and_then(Value::as_str)
                    .unwrap_or(".status.replicas")
                    .to_string(),
                sc.get("labelSelectorPath").and_then(Value::as_str).map(str::to_string),
            ));
        }
        if v.get("served").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        versions.push(ServedVersion {
            name,
            schema: v.pointer("/schema/openAPIV3Schema").cloned().map(Arc::new),
            printer_columns: v
                .get("additionalPrinterColumns")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        });
    }
    if versions.is_empty() {
        return Err("no served versions".into());
    }
    Ok(ResourceType {
        singular: s(crd, "/spec/names/singular").map_or_else(|| kind.to_lowercase(), str::to_string),
        list_kind: s(crd, "/spec/names/listKind").map_or_else(|| format!("{kind}List"), str::to_string),
        short_names: strs("/spec/names/shortNames"),
        categories: strs("/spec/names/categories"),
        namespaced: s(crd, "/spec/scope") != Some("Cluster"),
        has_status,
        scale,
        versions,
        storage_version,
        tracks_generation: true,
        custom: true,
        create_only: false,
        group,
        plural,
        kind,
    })
}

/// Prunes unknown fields, applies defaults and validates a custom resource against its
/// version's schema. `apiVersion`, `kind` and `metadata` at the root are left to the caller.
pub fn validate_and_default(schema: &Value, obj: &mut Value, has_status: bool) -> Vec<Cause> {
    let mut causes = Vec::new();
    let Some(map) = obj.as_object_mut() else {
        causes.push(Cause::new(
            "FieldValueTypeInvalid",
            "Invalid value: must be an object",
            "",
        ));
        return causes;
    };
    let props = schema.get("properties").and_then(Value::as_object);
    let preserve = schema
        .get("x-kubernetes-preserve-unknown-fields")
        .and_then(Value::as_bool)
        == Some(true);
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in keys {
        if matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
            continue;
        }
        match props.and_then(|p| p.get(&key)) {
            Some(sub) => {
                if let Some(v) = map.get_mut(&key) {
                    walk(sub, v, &key, &mut causes);
                }
                if map.get(&key).is_some_and(Value::is_null)
                    && sub.get("nullable").and_then(Value::as_bool) != Some(true)
                {
                    map.remove(&key);
                }
            }
            None if preserve => {}
            None => {
                map.remove(&key);
            }
        }
    }
    if let Some(props) = props {
        for (key, sub) in props {
            if matches!(key.as_str(), "apiVersion" | "kind" | "metadata") || (key == "status" && has_status) {
                continue;
            }
            if !map.contains_key(key)
                && let Some(default) = sub.get("default")
            {
                let mut d = default.clone();
                walk(sub, &mut d, key, &mut causes);
                map.insert(key.clone(), d);
            }
        }
    }
    for req in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !map.contains_key(req) && !matches!(req, "apiVersion" | "kind" | "metadata") {
            causes.push(Cause::new("FieldValueRequired", "Required value", req));
        }
    }
    causes
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Object(_) => "\"object\"".into(),
        Value::Array(_) => "\"array\"".into(),
        other => other.to_string(),
    }
}

fn walk(schema: &Value, value: &mut Value, path: &str, causes: &mut Vec<Cause>) {
    if value.is_null() {
        return;
    }
    let int_or_string = schema.get("x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true);
    if int_or_string {
        if !(value.is_string() || type_name(value) == "integer") {
            causes.push(Cause::new(
                "FieldValueTypeInvalid",
                format!(
                    "Invalid value: {}: {path} in body must be of type int-or-string: \"{}\"",
                    short(value),
                    type_name(value)
                ),
                path,
            ));
        }
        return;
    }
    if let Some(ty) = schema.get("type").and_then(Value::as_str) {
        let actual = type_name(value);
        let ok = actual == ty
            || (ty == "number" && actual == "integer")
            || (ty == "integer" && value.as_f64().is_some_and(|f| f.fract() == 0.0 && actual == "number"));
        if !ok {
            causes.push(Cause::new(
                "FieldValueTypeInvalid",
                format!(
                    "Invalid value: {}: {path} in body must be of type {ty}: \"{actual}\"",
                    short(value),
                ),
                path,
            ));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        let list: Vec<String> = options.iter().map(|o| o.to_string()).collect();
        causes.push(Cause::new(
            "FieldValueNotSupported",
            format!("Unsupported value: {}: supported values: {}", value, list.join(", ")),
            path,
        ));
    }
    let shown = short(value);
    match value {
        Value::String(text) => {
            let len = text.chars().count() as u64;
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
                && len > max
            {
                causes.push(Cause::new(
                    "FieldValueTooLong",
                    format!("Too long: may not be more than {max} bytes"),
                    path,
                ));
            }
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
                && len < min
            {
                causes.push(Cause::new(
                    "FieldValueInvalid",
                    format!("Invalid value: {shown}: {path} in body should be at least {min} chars long"),
                    path,
                ));
            }
            if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
                match regex::Regex::new(pattern) {
                    Ok(re) if !re.is_match(text) => causes.push(Cause::new(
                        "FieldValueInvalid",
                        format!("Invalid value: {shown}: {path} in body should match '{pattern}'"),
                        path,
                    )),
                    _ => {}
                }
            }
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
                let exclusive = schema.get("exclusiveMaximum").and_then(Value::as_bool) == Some(true);
                if x > max || (exclusive && x >= max) {
                    causes.push(Cause::new(
                        "FieldValueInvalid",
                        format!("Invalid value: {n}: {path} in body should be less than or equal to {max}"),
                        path,
                    ));
                }
            }
            if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
                let exclusive = schema.get("exclusiveMinimum").and_then(Value::as_bool) == Some(true);
                if x < min || (exclusive && x <= min) {
                    causes.push(Cause::new(
                        "FieldValueInvalid",
                        format!("Invalid value: {n}: {path} in body should be greater than or equal to {min}"),
                        path,
                    ));
                }
            }
        }
        Value::Array(items) => {
            let n = items.len() as u64;
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && n > max
            {
                causes.push(Cause::new(
                    "FieldValueTooMany",
                    format!("Too many: {n}: must have at most {max} items"),
                    path,
                ));
            }
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                && n < min
            {
                causes.push(Cause::new(
                    "FieldValueInvalid",
                    format!("Invalid value: {n}: {path} in body should have at least {min} items"),
                    path,
                ));
            }
            if let Some(item_schema) = schema.get("items").filter(|s| s.is_object()) {
                for (i, item) in items.iter_mut().enumerate() {
                    walk(item_schema, item, &format!("{path}[{i}]"), causes);
                }
            }
        }
        Value::Object(map) => walk_object(schema, map, path, causes),
        _ => {}
    }
}

fn walk_object(schema: &Value, map: &mut Map<String, Value>, path: &str, causes: &mut Vec<Cause>) {
    let props = schema.get("properties").and_then(Value::as_object);
    let additional = schema.get("additionalProperties");
    let preserve = schema
        .get("x-kubernetes-preserve-unknown-fields")
        .and_then(Value::as_bool)
        == Some(true);
    let embedded = schema.get("x-kubernetes-embedded-resource").and_then(Value::as_bool) == Some(true);
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in keys {
        let child_path = format!("{path}.{key}");
        let sub = props
            .and_then(|p| p.get(&key))
            .or_else(|| additional.filter(|a| a.is_object()));
        match sub {
            Some(sub) => {
                if let Some(v) = map.get_mut(&key) {
                    walk(sub, v, &child_path, causes);
                }
                if map.get(&key).is_some_and(Value::is_null)
                    && sub.get("nullable").and_then(Value::as_bool) != Some(true)
                {
                    map.remove(&key);
                }
            }
            None => {
                let keep = preserve
                    || additional.and_then(Value::as_bool) == Some(true)
                    || (embedded && matches!(key.as_str(), "apiVersion" | "kind" | "metadata"));
                if !keep {
                    map.remove(&key);
                }
            }
        }
    }
    if let Some(props) = props {
        for (key, sub) in props {
            if !map.contains_key(key)
                && let Some(default) = sub.get("default")
            {
                let mut d = default.clone();
                walk(sub, &mut d, &format!("{path}.{key}"), causes);
                map.insert(key.clone(), d);
            }
        }
    }
    for req in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !map.contains_key(req) {
            causes.push(Cause::new(
                "FieldValueRequired",
                "Required value",
                format!("{path}.{req}"),
            ));
        }
    }
    if let Some(max) = schema.get("maxProperties").and_then(Value::as_u64)
        && map.len() as u64 > max
    {
        causes.push(Cause::new(
            "FieldValueTooMany",
            format!("Too many: {}: must have at most {max} items", map.len()),
            path,
        ));
    }
    if embedded {
        for field in ["apiVersion", "kind"] {
            if map.get(field).and_then(Value::as_str).is_none_or(str::is_empty) {
                causes.push(Cause::new(
                    "FieldValueRequired",
                    "Required value: must not be empty",
                    format!("{path}.{field}"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "spec": {"type": "object", "required": ["url"], "properties": {
                "url": {"type": "string", "pattern": "^(http|https|ssh)://.*$"},
                "interval": {"type": "string", "pattern": "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"},
                "provider": {"type": "string", "enum": ["generic", "aws"], "default": "generic"},
                "timeout": {"type": "string", "default": "60s"},
                "replicas": {"type": "integer", "minimum": 0},
                "port": {"x-kubernetes-int-or-string": true},
                "values": {"x-kubernetes-preserve-unknown-fields": true}
            }},
            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
        }})
    }

    #[test]
    fn defaults_prunes_and_keeps_preserved() {
        let mut obj = json!({"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "a"},
            "spec": {"url": "https://x", "unknown": 1, "values": {"a": {"b": 1}}}, "extra": true});
        let causes = validate_and_default(&schema(), &mut obj, true);
        assert!(causes.is_empty(), "{causes:?}");
        assert_eq!(obj["spec"]["provider"], "generic");
        assert_eq!(obj["spec"]["timeout"], "60s");
        assert!(obj["spec"].get("unknown").is_none());
        assert!(obj.get("extra").is_none());
        assert_eq!(obj["spec"]["values"]["a"]["b"], 1);
    }

    #[test]
    fn violations_name_their_fields() {
        let mut obj = json!({"spec": {"interval": "5x", "provider": "gcp", "replicas": "two", "port": true}});
        let causes = validate_and_default(&schema(), &mut obj, true);
        let fields: Vec<&str> = causes.iter().map(|c| c.field.as_str()).collect();
        assert!(fields.contains(&"spec.interval"), "{causes:?}");
        assert!(fields.contains(&"spec.provider"));
        assert!(fields.contains(&"spec.replicas"));
        assert!(fields.contains(&"spec.port"));
        assert!(fields.contains(&"spec.url"));
        assert!(causes.iter().any(|c| c.message.contains("should match")));
    }
}
