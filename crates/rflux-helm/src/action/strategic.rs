//! The three-way strategic merge patch Helm's client-side update sends for built-in kinds
//! (apimachinery's `CreateThreeWayMergePatch`): changes from the live object to the new
//! manifest, plus deletions of what the previous manifest had and the new one dropped.
//! Lists with the `merge` patch strategy are patched item by item (by their merge key, with
//! `$setElementOrder`, `$patch: delete` and `$deleteFromPrimitiveList`); other lists are
//! replaced whole. Patch metadata comes from the built-in schemas (`rflux-schema`).

use rflux_schema::Node;
use serde_json::{Map, Value, json};

/// The patch for a built-in kind; `None` when the kind is not built in (Helm then uses a
/// JSON merge patch).
pub fn three_way_strategic_patch(original: Option<&Value>, modified: &Value, current: &Value) -> Option<Value> {
    let api_version = modified.get("apiVersion").and_then(Value::as_str)?;
    let kind = modified.get("kind").and_then(Value::as_str)?;
    let node = rflux_schema::kind_for_api_version(api_version, kind)?;
    let empty = Map::new();
    let m = modified.as_object().unwrap_or(&empty);
    let c = current.as_object().unwrap_or(&empty);
    let mut patch = changes(Some(node), c, m);
    if let Some(o) = original.and_then(Value::as_object) {
        let deletions = deletions(Some(node), o, m);
        merge_patches(&mut patch, deletions);
    }
    Some(Value::Object(patch))
}

fn child(node: Option<Node>, name: &str) -> Option<Node> {
    node.and_then(|n| n.field(name))
}

/// What to send so `current` gets every member of `modified` (additions and changes only).
fn changes(node: Option<Node>, current: &Map<String, Value>, modified: &Map<String, Value>) -> Map<String, Value> {
    let mut patch = Map::new();
    for (k, m) in modified {
        let field = child(node, k);
        let c = current.get(k);
        match (m, c) {
            (Value::Object(mm), Some(Value::Object(cm))) if !atomic_map(field) => {
                let sub = changes(field, cm, mm);
                if !sub.is_empty() {
                    patch.insert(k.clone(), Value::Object(sub));
                }
            }
            (Value::Array(ma), Some(Value::Array(ca))) if merge_list(field) => {
                list_changes(&mut patch, k, field, ca, ma);
            }
            (m, Some(c)) if m == c => {}
            (m, _) => {
                patch.insert(k.clone(), m.clone());
            }
        }
    }
    patch
}

/// What to send so members `original` had and `modified` dropped go away.
fn deletions(node: Option<Node>, original: &Map<String, Value>, modified: &Map<String, Value>) -> Map<String, Value> {
    let mut patch = Map::new();
    for (k, o) in original {
        let field = child(node, k);
        match (o, modified.get(k)) {
            (_, None) => {
                patch.insert(k.clone(), Value::Null);
            }
            (Value::Object(om), Some(Value::Object(mm))) if !atomic_map(field) => {
                let sub = deletions(field, om, mm);
                if !sub.is_empty() {
                    patch.insert(k.clone(), Value::Object(sub));
                }
            }
            (Value::Array(oa), Some(Value::Array(ma))) if merge_list(field) => {
                list_deletions(&mut patch, k, field, oa, ma);
            }
            _ => {}
        }
    }
    patch
}

fn atomic_map(node: Option<Node>) -> bool {
    node.is_some_and(|n| n.map_type_atomic())
}

fn merge_list(node: Option<Node>) -> bool {
    node.is_some_and(|n| n.patch_strategy_merge())
}

fn merge_key(node: Option<Node>) -> Option<&'static str> {
    node.and_then(|n| n.patch_merge_key())
}

fn keyed<'a>(list: &'a [Value], key: &str, value: &Value) -> Option<&'a Map<String, Value>> {
    list.iter()
        .filter_map(Value::as_object)
        .find(|item| item.get(key) == Some(value))
}

fn list_changes(patch: &mut Map<String, Value>, name: &str, node: Option<Node>, current: &[Value], modified: &[Value]) {
    let items = node.and_then(|n| n.items());
    match merge_key(node) {
        Some(key) if modified.iter().all(|i| i.get(key).is_some()) => {
            let mut out = Vec::new();
            for m in modified {
                let Some(mm) = m.as_object() else { continue };
                let Some(kv) = mm.get(key) else { continue };
                match keyed(current, key, kv) {
                    Some(cm) => {
                        let mut sub = changes(items, cm, mm);
                        if !sub.is_empty() {
                            sub.insert(key.to_string(), kv.clone());
                            out.push(Value::Object(sub));
                        }
                    }
                    None => out.push(m.clone()),
                }
            }
            let order: Vec<Value> = modified
                .iter()
                .filter_map(|m| m.get(key).map(|v| json!({ key: v })))
                .collect();
            if !out.is_empty() {
                patch.insert(format!("$setElementOrder/{name}"), Value::Array(order));
                patch.insert(name.to_string(), Value::Array(out));
            }
        }
        Some(_) => {
            if current != modified {
                patch.insert(name.to_string(), Value::Array(modified.to_vec()));
            }
        }
        None => {
            // A set of scalars: send the new members.
            let added: Vec<Value> = modified.iter().filter(|m| !current.contains(m)).cloned().collect();
            if !added.is_empty() {
                patch.insert(format!("$setElementOrder/{name}"), Value::Array(modified.to_vec()));
                patch.insert(name.to_string(), Value::Array(added));
            }
        }
    }
}

fn list_deletions(
    patch: &mut Map<String, Value>,
    name: &str,
    node: Option<Node>,
    original: &[Value],
    modified: &[Value],
) {
    match merge_key(node) {
        Some(key) => {
            let mut out = Vec::new();
            for o in original {
                let Some(kv) = o.get(key) else { continue };
                if keyed(modified, key, kv).is_none() {
                    out.push(json!({ key: kv, "$patch": "delete" }));
                }
            }
            if !out.is_empty() {
                let order: Vec<Value> = modified
                    .iter()
                    .filter_map(|m| m.get(key).map(|v| json!({ key: v })))
                    .collect();
                patch.insert(format!("$setElementOrder/{name}"), Value::Array(order));
                patch.insert(name.to_string(), Value::Array(out));
            }
        }
        None => {
            let gone: Vec<Value> = original.iter().filter(|o| !modified.contains(o)).cloned().collect();
            if !gone.is_empty() {
                patch.insert(format!("$deleteFromPrimitiveList/{name}"), Value::Array(gone));
            }
        }
    }
}

/// Fold `extra` into `patch`: maps merged member by member, list patches concatenated.
fn merge_patches(patch: &mut Map<String, Value>, extra: Map<String, Value>) {
    for (k, v) in extra {
        match (patch.get_mut(&k), v) {
            (Some(Value::Object(p)), Value::Object(e)) => merge_patches(p, e),
            (Some(Value::Array(p)), Value::Array(e)) if !k.starts_with("$setElementOrder/") => p.extend(e),
            (Some(_), _) => {}
            (None, v) => {
                patch.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::three_way_strategic_patch;

    fn deployment(containers: serde_json::Value, labels: serde_json::Value) -> serde_json::Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "labels": labels},
            "spec": {"template": {"spec": {"containers": containers}}}
        })
    }

    #[test]
    fn containers_merge_by_name_and_dropped_ones_are_deleted() {
        let original = deployment(
            json!([{"name": "a", "image": "a:1"}, {"name": "old", "image": "o:1"}]),
            json!({"x": "1", "gone": "y"}),
        );
        let modified = deployment(json!([{"name": "a", "image": "a:2"}]), json!({"x": "1"}));
        // The live object has a sidecar someone injected and a defaulted field.
        let current = deployment(
            json!([
                {"name": "a", "image": "a:1", "imagePullPolicy": "IfNotPresent"},
                {"name": "old", "image": "o:1"},
                {"name": "sidecar", "image": "s:1"}
            ]),
            json!({"x": "1", "gone": "y"}),
        );
        let patch = three_way_strategic_patch(Some(&original), &modified, &current);
        assert_eq!(
            patch,
            Some(json!({
                "spec": {"template": {"spec": {
                    "$setElementOrder/containers": [{"name": "a"}],
                    "containers": [{"image": "a:2", "name": "a"}, {"name": "old", "$patch": "delete"}]
                }}},
                "metadata": {"labels": {"gone": null}}
            }))
        );
    }

    #[test]
    fn custom_kinds_have_no_strategic_patch() {
        let w = json!({"apiVersion": "example.com/v1", "kind": "Widget", "spec": {}});
        assert_eq!(three_way_strategic_patch(None, &w, &w), None);
    }
}
