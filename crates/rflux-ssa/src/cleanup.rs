//! Metadata cleanup before an apply, as Flux does it: fields owned by `kubectl` (client-side
//! or server-side apply, edits) and `before-first-apply` are handed to the engine's own
//! field manager, so a later apply can remove what the manifests no longer set; stale
//! annotations (`kubectl.kubernetes.io/last-applied-configuration`) and labels go. The result
//! is one RFC 6902 JSON patch.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::object::{any_in_metadata, string_map};

/// kubectl's client-side apply record, removed so kubectl stops three-way merging against it.
pub const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The kind of write a `managedFields` entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Apply,
    Update,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

/// A field manager whose entries are taken over: every entry whose manager name starts with
/// `name` and whose operation is `operation` (main resource only, not subresources).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldManager {
    pub name: String,
    pub operation: Operation,
}

impl FieldManager {
    pub fn new(name: impl Into<String>, operation: Operation) -> FieldManager {
        FieldManager {
            name: name.into(),
            operation,
        }
    }

    fn matches(&self, entry: &Value) -> bool {
        let manager = entry.get("manager").and_then(Value::as_str).unwrap_or("");
        let operation = entry.get("operation").and_then(Value::as_str).unwrap_or("");
        let subresource = entry.get("subresource").and_then(Value::as_str).unwrap_or("");
        manager.starts_with(&self.name) && operation == self.operation.as_str() && subresource.is_empty()
    }
}

/// What to clean from live objects before applying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanupOptions {
    /// Annotation keys removed from live objects.
    pub annotations: Vec<String>,
    /// Label keys removed from live objects.
    pub labels: Vec<String>,
    /// Managers whose fields the engine's manager takes over.
    pub field_managers: Vec<FieldManager>,
    /// Objects (desired or live) carrying any of these labels/annotations are left alone.
    pub exclusions: BTreeMap<String, String>,
}

impl Default for CleanupOptions {
    /// Flux's kustomize-controller cleanup: kubectl and before-first-apply managers, the
    /// last-applied annotation and Flux v1 leftovers; objects marked `ssa: Merge` excluded.
    fn default() -> Self {
        CleanupOptions {
            annotations: vec![
                LAST_APPLIED_ANNOTATION.to_string(),
                "kustomize.toolkit.fluxcd.io/checksum".to_string(),
                "fluxcd.io/sync-checksum".to_string(),
            ],
            labels: vec!["fluxcd.io/sync-gc-mark".to_string()],
            field_managers: vec![
                FieldManager::new("kubectl", Operation::Apply),
                FieldManager::new("kubectl", Operation::Update),
                FieldManager::new("before-first-apply", Operation::Update),
            ],
            exclusions: BTreeMap::from([(
                rflux_api::annotations::KUSTOMIZE_SSA.to_string(),
                crate::apply::SSA_MERGE.to_string(),
            )]),
        }
    }
}

/// Escapes a key for a JSON pointer segment.
fn pointer_segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The JSON patch that cleans `live` for `own_manager`, empty when nothing needs cleaning.
/// `extra_managers` are taken over in addition to the options' managers.
pub fn cleanup_patch(
    desired: &Value,
    live: &Value,
    opts: &CleanupOptions,
    own_manager: &str,
    extra_managers: &[FieldManager],
) -> Vec<Value> {
    if any_in_metadata(desired, &opts.exclusions) || any_in_metadata(live, &opts.exclusions) {
        return Vec::new();
    }
    let mut ops = Vec::new();
    let annotations = string_map(live, "annotations");
    for key in opts.annotations.iter().filter(|k| annotations.contains_key(*k)) {
        ops.push(json!({"op": "remove", "path": format!("/metadata/annotations/{}", pointer_segment(key))}));
    }
    let labels = string_map(live, "labels");
    for key in opts.labels.iter().filter(|k| labels.contains_key(*k)) {
        ops.push(json!({"op": "remove", "path": format!("/metadata/labels/{}", pointer_segment(key))}));
    }
    let managers: Vec<&FieldManager> = opts.field_managers.iter().chain(extra_managers).collect();
    if let Some(entries) = take_over(live, &managers, own_manager) {
        ops.push(json!({"op": "replace", "path": "/metadata/managedFields", "value": entries}));
    }
    ops
}

/// The managedFields of `live` with the entries of `managers` merged into `own_manager`'s
/// Apply entry, or `None` when no entry matches.
fn take_over(live: &Value, managers: &[&FieldManager], own_manager: &str) -> Option<Vec<Value>> {
    let entries = live.pointer("/metadata/managedFields").and_then(Value::as_array)?;
    let is_own_apply = |e: &Value| {
        e.get("manager").and_then(Value::as_str) == Some(own_manager)
            && e.get("operation").and_then(Value::as_str) == Some("Apply")
            && e.get("subresource").and_then(Value::as_str).unwrap_or("").is_empty()
    };
    let mut own: Option<Value> = entries.iter().find(|e| is_own_apply(e)).cloned();
    let mut kept = Vec::with_capacity(entries.len());
    let mut edited = false;
    for entry in entries {
        if is_own_apply(entry) {
            continue;
        }
        if !managers.iter().any(|m| m.matches(entry)) {
            kept.push(entry.clone());
            continue;
        }
        edited = true;
        match own.as_mut() {
            Some(target) => {
                let fields = entry.get("fieldsV1").cloned().unwrap_or_else(|| json!({}));
                let merged = target
                    .as_object_mut()
                    .map(|t| t.entry("fieldsV1").or_insert_with(|| Value::Object(Map::new())));
                if let Some(merged) = merged {
                    merge_fields(merged, &fields);
                }
            }
            None => {
                let mut renamed = entry.clone();
                renamed["manager"] = Value::String(own_manager.to_string());
                renamed["operation"] = Value::String("Apply".to_string());
                own = Some(renamed);
            }
        }
    }
    if !edited {
        return None;
    }
    kept.extend(own);
    Some(kept)
}

/// Union of two `fieldsV1` tries.
fn merge_fields(into: &mut Value, from: &Value) {
    let (Some(into), Some(from)) = (into.as_object_mut(), from.as_object()) else {
        return;
    };
    for (key, value) in from {
        match into.get_mut(key) {
            Some(existing) => merge_fields(existing, value),
            None => {
                into.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live() -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c",
        "annotations": {LAST_APPLIED_ANNOTATION: "{}", "keep": "x"},
        "managedFields": [
            {"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}, "f:b": {}}}},
            {"manager": "kustomize-controller", "operation": "Apply", "apiVersion": "v1",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:c": {}}}},
            {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {}}, "subresource": "status"}
        ]}})
    }

    #[test]
    fn takes_over_kubectl_fields_and_drops_last_applied() {
        let ops = cleanup_patch(
            &json!({}),
            &live(),
            &CleanupOptions::default(),
            "kustomize-controller",
            &[],
        );
        assert_eq!(ops.len(), 2);
        assert_eq!(
            ops[0],
            json!({"op": "remove", "path": "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"})
        );
        let entries = ops[1]["value"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0]["manager"], "kube-controller-manager");
        assert_eq!(entries[1]["manager"], "kustomize-controller");
        assert_eq!(entries[1]["operation"], "Apply");
        assert_eq!(
            entries[1]["fieldsV1"],
            json!({"f:data": {"f:c": {}, "f:a": {}, "f:b": {}}})
        );
    }

    #[test]
    fn renames_when_there_is_no_own_entry() {
        let mut obj = live();
        obj["metadata"]["managedFields"].as_array_mut().unwrap().remove(1);
        let ops = cleanup_patch(
            &json!({}),
            &obj,
            &CleanupOptions::default(),
            "kustomize-controller",
            &[],
        );
        let entries = ops[1]["value"].as_array().unwrap();
        assert_eq!(entries[1]["manager"], "kustomize-controller");
        assert_eq!(entries[1]["fieldsV1"], json!({"f:data": {"f:a": {}, "f:b": {}}}));
    }

    #[test]
    fn merge_annotation_excludes_and_clean_objects_need_nothing() {
        let desired = json!({"metadata": {"annotations": {"kustomize.toolkit.fluxcd.io/ssa": "Merge"}}});
        assert!(
            cleanup_patch(
                &desired,
                &live(),
                &CleanupOptions::default(),
                "kustomize-controller",
                &[]
            )
            .is_empty()
        );
        let clean = json!({"metadata": {"name": "c", "managedFields": [
            {"manager": "kustomize-controller", "operation": "Apply", "fieldsV1": {}}]}});
        assert!(
            cleanup_patch(
                &json!({}),
                &clean,
                &CleanupOptions::default(),
                "kustomize-controller",
                &[]
            )
            .is_empty()
        );
    }
}
