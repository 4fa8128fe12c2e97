//! Request bodies and patches: JSON/YAML decoding, JSON patch (RFC 6902), JSON merge patch
//! (RFC 7386) and strategic merge patch for built-in kinds.

use serde_json::{Map, Value};

use crate::api::PatchType;
use crate::error::{ApiError, ApiResult};
use crate::schema::{ListKind, Schema};

/// Decodes a JSON or YAML object body.
pub fn decode_body(body: &[u8]) -> ApiResult<Value> {
    let trimmed = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&body[..0], |i| &body[i..]);
    let value: Value = if trimmed.first() == Some(&b'{') || trimmed.first() == Some(&b'[') {
        serde_json::from_slice(trimmed).map_err(|e| {
            ApiError::bad_request(format!(
                "error decoding request body: invalid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ))
        })?
    } else {
        let text = std::str::from_utf8(trimmed)
            .map_err(|_| ApiError::bad_request("error decoding request body: not UTF-8"))?;
        serde_saphyr::from_str(text)
            .map_err(|e| ApiError::bad_request(format!("error decoding YAML request body: {e}")))?
    };
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "error decoding request body: the body must be an object",
        ));
    }
    Ok(value)
}

/// Applies a JSON, merge or strategic patch to `current`.
pub fn apply_patch(ty: PatchType, current: &Value, body: &[u8], schema: Option<Schema>) -> ApiResult<Value> {
    let invalid = |e: String| ApiError::new(422, "Invalid", format!("the patch could not be applied: {e}"));
    match ty {
        PatchType::Json => {
            let ops: Vec<Value> = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding JSON patch: {e}")))?;
            let mut kept = Vec::with_capacity(ops.len());
            for op in ops {
                // A `test` of a missing path against null succeeds, as in kube-apiserver.
                if op.get("op").and_then(Value::as_str) == Some("test")
                    && op.get("value").is_some_and(Value::is_null)
                    && op
                        .get("path")
                        .and_then(Value::as_str)
                        .is_some_and(|p| current.pointer(p).is_none())
                {
                    continue;
                }
                kept.push(op);
            }
            let ops: Vec<json_patch::PatchOperation> = serde_json::from_value(Value::Array(kept))
                .map_err(|e| ApiError::bad_request(format!("error decoding JSON patch: {e}")))?;
            let mut doc = current.clone();
            json_patch::patch(&mut doc, &ops).map_err(|e| invalid(e.to_string()))?;
            Ok(doc)
        }
        PatchType::Merge => {
            let patch = decode_patch_object(body)?;
            let mut doc = current.clone();
            json_patch::merge(&mut doc, &patch);
            Ok(doc)
        }
        PatchType::Strategic => {
            let patch = decode_patch_object(body)?;
            let schema = schema.unwrap_or(Schema::Deduced);
            strategic_merge(current, &patch, schema).map_err(invalid)
        }
        PatchType::Apply => Err(ApiError::internal("apply patches are handled by the field manager")),
    }
}

fn decode_patch_object(body: &[u8]) -> ApiResult<Value> {
    let patch: Value = serde_json::from_slice(body).or_else(|_| decode_body(body))?;
    if !patch.is_object() {
        return Err(ApiError::bad_request("a merge patch must be a JSON object"));
    }
    Ok(patch)
}

/// Strategic merge of `patch` into `current` following the schema's patch strategies.
pub fn strategic_merge(current: &Value, patch: &Value, schema: Schema) -> Result<Value, String> {
    match (current, patch) {
        (Value::Object(cur), Value::Object(p)) => Ok(Value::Object(merge_map(cur, p, schema)?)),
        (_, Value::Object(p)) => Ok(Value::Object(merge_map(&Map::new(), p, schema)?)),
        (_, other) => Ok(other.clone()),
    }
}

fn merge_map(
    current: &Map<String, Value>,
    patch: &Map<String, Value>,
    schema: Schema,
) -> Result<Map<String, Value>, String> {
    if let Some(directive) = patch.get("$patch").and_then(Value::as_str) {
        match directive {
            "replace" => {
                let mut out = patch.clone();
                out.remove("$patch");
                return Ok(strip_directives(out));
            }
            "delete" => return Ok(Map::new()),
            "merge" => {}
            other => return Err(format!("unknown patch type: {other}")),
        }
    }
    let mut out = current.clone();
    if let Some(Value::Array(retain)) = patch.get("$retainKeys") {
        let keep: Vec<&str> = retain.iter().filter_map(Value::as_str).collect();
        out.retain(|k, _| keep.contains(&k.as_str()));
    }
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Value::Array(remove)) = (out.get_mut(field), value) {
                list.retain(|v| !remove.contains(v));
            }
            continue;
        }
        if key.starts_with('$') {
            continue;
        }
        let child = schema.field(key);
        if value.is_null() {
            out.remove(key);
            continue;
        }
        let merged = match (out.get(key), value) {
            (Some(Value::Object(c)), Value::Object(p)) if !child.is_atomic_object() => {
                Value::Object(merge_map(c, p, child)?)
            }
            (None, Value::Object(p)) => Value::Object(merge_map(&Map::new(), p, child)?),
            (Some(Value::Array(c)), Value::Array(p)) => Value::Array(merge_list(c, p, child)?),
            (None, Value::Array(p)) => Value::Array(merge_list(&[], p, child)?),
            (_, v) => v.clone(),
        };
        out.insert(key.clone(), merged);
    }
    apply_element_order(&mut out, patch, schema);
    Ok(out)
}

/// `$setElementOrder/<field>`: the listed elements come first, in the given order (matched by
/// the merge key, or by value for primitive lists); elements not listed keep their order after.
fn apply_element_order(out: &mut Map<String, Value>, patch: &Map<String, Value>, schema: Schema) {
    for (key, order) in patch {
        let (Some(field), Value::Array(order)) = (key.strip_prefix("$setElementOrder/"), order) else {
            continue;
        };
        let Some(Value::Array(list)) = out.get_mut(field) else {
            continue;
        };
        let merge_key = schema.field(field).patch_merge_key();
        let same = |item: &Value, wanted: &Value| match &merge_key {
            Some(k) => wanted.get(k).is_some() && item.get(k) == wanted.get(k),
            None => item == wanted,
        };
        let mut rest: Vec<Value> = std::mem::take(list);
        let mut ordered = Vec::with_capacity(rest.len());
        for wanted in order {
            if let Some(pos) = rest.iter().position(|item| same(item, wanted)) {
                ordered.push(rest.remove(pos));
            }
        }
        ordered.extend(rest);
        *list = ordered;
    }
}

fn strip_directives(mut map: Map<String, Value>) -> Map<String, Value> {
    map.retain(|k, _| !k.starts_with('$'));
    map
}

fn merge_list(current: &[Value], patch: &[Value], schema: Schema) -> Result<Vec<Value>, String> {
    if patch
        .iter()
        .any(|v| v.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        return Ok(patch.iter().filter(|v| v.get("$patch").is_none()).cloned().collect());
    }
    let strategy = schema.patch_strategy();
    let merges = strategy.is_some_and(|s| s.split(',').any(|p| p == "merge"));
    if !merges {
        return Ok(patch.to_vec());
    }
    let merge_key = schema.patch_merge_key().or_else(|| match schema.list_kind() {
        ListKind::Map(keys) => keys.first().cloned(),
        _ => None,
    });
    let items = schema.items();
    match merge_key {
        None => {
            // A list of primitives merged as a set.
            let mut out = current.to_vec();
            for v in patch {
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
            Ok(out)
        }
        Some(key) => {
            let mut out: Vec<Value> = current.to_vec();
            for item in patch {
                let id = item.get(&key);
                let pos = id.and_then(|id| out.iter().position(|c| c.get(&key) == Some(id)));
                let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
                match (pos, delete) {
                    (Some(i), true) => {
                        out.remove(i);
                    }
                    (None, true) => {}
                    (Some(i), false) => {
                        out[i] = strategic_merge(&out[i], item, items)?;
                    }
                    (None, false) => {
                        let mut v = item.clone();
                        if let Some(o) = v.as_object_mut() {
                            o.retain(|k, _| !k.starts_with('$'));
                        }
                        out.push(v);
                    }
                }
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_patch_test_of_missing_path_against_null_succeeds() {
        let cur = json!({"metadata": {"name": "a"}});
        let body = br#"[{"op":"test","path":"/metadata/finalizers","value":null},{"op":"add","path":"/metadata/finalizers","value":["x/y"]}]"#;
        let out = apply_patch(PatchType::Json, &cur, body, None).unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["x/y"]));
    }

    #[test]
    fn json_patch_failing_test_is_422() {
        let cur = json!({"a": 1});
        let err = apply_patch(PatchType::Json, &cur, br#"[{"op":"test","path":"/a","value":2}]"#, None).unwrap_err();
        assert_eq!(err.code, 422);
    }

    #[test]
    fn merge_patch_deletes_with_null() {
        let cur = json!({"data": {"a": "1", "b": "2"}});
        let out = apply_patch(PatchType::Merge, &cur, br#"{"data":{"a":null,"c":"3"}}"#, None).unwrap();
        assert_eq!(out, json!({"data": {"b": "2", "c": "3"}}));
    }

    #[test]
    fn element_order_and_primitive_deletions() {
        let deploy = Schema::Builtin(rflux_schema::kind("apps", "v1", "Deployment").unwrap());
        let pod = deploy.field("spec").field("template").field("spec");
        let cur = json!({"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}]});
        let patch = json!({"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}], "containers": [{"name": "a", "image": "3"}]});
        let out = strategic_merge(&cur, &patch, pod).unwrap();
        assert_eq!(
            out,
            json!({"containers": [{"name": "b", "image": "2"}, {"name": "a", "image": "3"}]})
        );
        let meta = deploy.field("metadata");
        let cur = json!({"finalizers": ["x/a", "x/b"]});
        let out = strategic_merge(&cur, &json!({"$deleteFromPrimitiveList/finalizers": ["x/a"]}), meta).unwrap();
        assert_eq!(out, json!({"finalizers": ["x/b"]}));
    }

    #[test]
    fn yaml_and_json_bodies_decode() {
        assert_eq!(decode_body(b"a: 1\nb: [x]").unwrap(), json!({"a": 1, "b": ["x"]}));
        assert!(decode_body(b"{not json").is_err());
        assert!(decode_body(b"- 1").is_err());
    }
}
