//! Strategic merge patch as kustomize (kyaml) applies it: maps merge, `null` deletes,
//! lists merge by the built-in schema's merge keys (patch elements first, then the rest;
//! lists of kinds without a schema are replaced), `$patch: delete|replace` directives.
//! Like kustomize, the other directives (`$retainKeys`, `$setElementOrder`, ...) are not
//! interpreted.

use rflux_schema::Node;
use serde_json::{Map, Value};

/// Outcome of merging a patch into an object.
pub(crate) enum Merged {
    Keep,
    Delete,
}

/// Applies `patch` to `dest` (a whole object). `Merged::Delete` means `$patch: delete`.
pub(crate) fn apply(dest: &mut Value, patch: &Value) -> Merged {
    let schema = dest
        .get("apiVersion")
        .and_then(Value::as_str)
        .zip(dest.get("kind").and_then(Value::as_str))
        .and_then(|(av, k)| rflux_schema::kind_for_api_version(av, k));
    if directive(patch) == Some("delete") {
        return Merged::Delete;
    }
    merge_value(dest, patch, schema);
    Merged::Keep
}

fn directive(v: &Value) -> Option<&str> {
    v.get("$patch").and_then(Value::as_str)
}

/// kyaml interprets only `$patch`; `$retainKeys`, `$setElementOrder/…` and
/// `$deleteFromPrimitiveList/…` are kept as ordinary fields, as kustomize does.
fn is_directive_key(k: &str) -> bool {
    k == "$patch"
}

/// A patch value with directives and nulls removed (what gets added when the
/// destination has nothing to merge with).
fn clean(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, val) in m {
                if is_directive_key(k) || val.is_null() {
                    continue;
                }
                out.insert(k.clone(), clean(val));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter(|i| directive(i) != Some("delete"))
                .filter(|i| {
                    !(i.is_object() && directive(i) == Some("replace") && i.as_object().is_some_and(|m| m.len() == 1))
                })
                .map(clean)
                .collect(),
        ),
        other => other.clone(),
    }
}

fn merge_value(dest: &mut Value, patch: &Value, node: Option<Node>) {
    match (dest, patch) {
        (d @ Value::Object(_), Value::Object(p)) => {
            if p.get("$patch").and_then(Value::as_str) == Some("replace") {
                *d = clean(patch);
                return;
            }
            let Value::Object(dm) = d else { return };
            merge_map(dm, p, node);
        }
        (d @ Value::Array(_), Value::Array(p)) => {
            let Value::Array(dl) = d else { return };
            merge_list(dl, p, node);
        }
        (d, p) => *d = clean(p),
    }
}

fn merge_map(dest: &mut Map<String, Value>, patch: &Map<String, Value>, node: Option<Node>) {
    for (k, pv) in patch {
        if is_directive_key(k) {
            continue;
        }
        let child = node.and_then(|n| n.field(k));
        if pv.is_null() {
            dest.remove(k);
            continue;
        }
        if directive(pv) == Some("delete") && pv.is_object() {
            dest.remove(k);
            continue;
        }
        match dest.get_mut(k) {
            Some(dv) if !dv.is_null() => merge_value(dv, pv, child),
            // kyaml does not add a field whose patch value is an empty map.
            _ if pv
                .as_object()
                .is_some_and(|m| m.keys().all(|key| is_directive_key(key))) => {}
            _ => {
                dest.insert(k.clone(), clean(pv));
            }
        }
    }
}

fn merge_keys_for(node: Option<Node>, dest: &[Value], patch: &[Value]) -> Option<Vec<String>> {
    if let Some(n) = node {
        let keys = n.patch_merge_keys();
        if !keys.is_empty() {
            return Some(keys.iter().map(|s| (*s).to_string()).collect());
        }
        return None;
    }
    // Kinds without a schema (custom resources): lists are replaced.
    let _ = (dest, patch);
    None
}

fn same_key(a: &Value, b: &Value, keys: &[String]) -> bool {
    keys.iter().all(|k| a.get(k) == b.get(k)) && keys.iter().any(|k| a.get(k).is_some())
}

fn merge_list(dest: &mut Vec<Value>, patch: &[Value], node: Option<Node>) {
    if patch.iter().any(|p| directive(p) == Some("replace")) {
        *dest = patch
            .iter()
            .filter(|p| directive(p) != Some("replace"))
            .map(clean)
            .collect();
        return;
    }
    let items = node.and_then(|n| n.items());
    let Some(keys) = merge_keys_for(node, dest, patch) else {
        let scalar_merge =
            node.is_some_and(|n| n.patch_strategy_merge()) && patch.iter().all(|p| !p.is_object() && !p.is_array());
        if scalar_merge {
            // The patch's values first, then the destination's others.
            let mut out: Vec<Value> = Vec::with_capacity(dest.len() + patch.len());
            for p in patch.iter().chain(dest.iter()) {
                if !out.contains(p) {
                    out.push(p.clone());
                }
            }
            *dest = out;
        } else {
            *dest = patch.iter().map(clean).collect();
        }
        return;
    };
    if !patch.iter().all(Value::is_object) {
        *dest = patch.iter().map(clean).collect();
        return;
    }
    if keys.len() > 1
        && patch
            .iter()
            .chain(dest.iter())
            .any(|e| key_values(e, &keys).iter().filter(|v| !v.is_empty()).count() >= 2)
    {
        merge_multi_key(dest, patch, &keys, items);
        return;
    }
    // kyaml's order: the patch's elements first (merged with their match), then the
    // destination's elements the patch does not mention.
    let mut taken = vec![false; dest.len()];
    let mut out = Vec::with_capacity(dest.len() + patch.len());
    for p in patch {
        let pos = dest
            .iter()
            .enumerate()
            .position(|(i, d)| !taken[i] && d.is_object() && same_key(d, p, &keys));
        if directive(p) == Some("delete") {
            if let Some(i) = pos {
                taken[i] = true;
            }
            continue;
        }
        match pos {
            Some(i) => {
                taken[i] = true;
                let mut merged = dest[i].clone();
                merge_value(&mut merged, p, items);
                out.push(merged);
            }
            None => out.push(clean(p)),
        }
    }
    for (i, d) in dest.iter().enumerate() {
        if !taken[i] {
            out.push(d.clone());
        }
    }
    *dest = out;
}

/// The element's values for `keys` as strings (`""` when absent), as kyaml compares them.
fn key_values(e: &Value, keys: &[String]) -> Vec<String> {
    keys.iter()
        .map(|k| {
            e.get(k)
                .and_then(crate::kustomization::scalar_string)
                .unwrap_or_default()
        })
        .collect()
}

/// True when every non-empty key value of `a` equals `b`'s.
fn covers(a: &[String], b: &[String]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.is_empty() || x == y)
}

/// kyaml's result for lists keyed by several fields (e.g. ports by port and protocol)
/// when some element sets more than one key: new patch elements first, then the
/// destination's elements in their order, merged with the patch elements that match
/// them; a patch element that only matches a destination element lacking some key is
/// dropped.
fn merge_multi_key(dest: &mut Vec<Value>, patch: &[Value], keys: &[String], items: Option<Node>) {
    let dest_keys: Vec<Vec<String>> = dest.iter().map(|d| key_values(d, keys)).collect();
    let mut merged = dest.clone();
    let mut deleted = vec![false; dest.len()];
    let mut new = Vec::new();
    for p in patch {
        if !p.is_object() {
            continue;
        }
        let pk = key_values(p, keys);
        let hit = dest_keys
            .iter()
            .position(|dk| covers(&pk, dk) && pk.iter().any(|v| !v.is_empty()));
        match hit {
            Some(i) if directive(p) == Some("delete") => deleted[i] = true,
            Some(i) => merge_value(&mut merged[i], p, items),
            None if directive(p) == Some("delete") => {}
            None if dest_keys.iter().any(|dk| covers(dk, &pk)) => {}
            None => new.push(clean(p)),
        }
    }
    new.extend(merged.into_iter().zip(deleted).filter(|(_, d)| !d).map(|(v, _)| v));
    *dest = new;
}
