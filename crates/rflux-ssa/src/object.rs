//! Objects held as JSON: their identity (`ObjectRef`: Flux's inventory id plus the API
//! version), the `Kind/namespace/name` subject Flux prints, and metadata lookups.

use std::collections::BTreeMap;
use std::fmt;

use rflux_api::{InventoryIdError, ObjectId, ResourceRef};
use serde_json::{Map, Value};

/// Why a JSON document is not an object that can be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectError {
    #[error("object {what}: {field} is missing or not a string")]
    Missing { what: String, field: &'static str },
    #[error("object {what}: metadata must be an object")]
    Metadata { what: String },
}

/// An object the engine applied, prunes or waits for: its inventory id and API version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    pub id: ObjectId,
    /// The version part of the apiVersion (`v1`, `v1beta2`), as Flux's inventory stores it.
    pub version: String,
}

impl ObjectRef {
    pub fn new(id: ObjectId, version: impl Into<String>) -> ObjectRef {
        ObjectRef {
            id,
            version: version.into(),
        }
    }

    /// The identity of `obj` (`apiVersion`, `kind`, `metadata.name` and `metadata.namespace`).
    pub fn from_object(obj: &Value) -> Result<ObjectRef, ObjectError> {
        let what = || describe(obj);
        let api_version = str_at(obj, "/apiVersion").ok_or_else(|| ObjectError::Missing {
            what: what(),
            field: "apiVersion",
        })?;
        let kind = str_at(obj, "/kind").ok_or_else(|| ObjectError::Missing {
            what: what(),
            field: "kind",
        })?;
        let name = str_at(obj, "/metadata/name").ok_or_else(|| ObjectError::Missing {
            what: what(),
            field: "metadata.name",
        })?;
        let namespace = str_at(obj, "/metadata/namespace").unwrap_or("");
        let (group, version) = split_api_version(api_version);
        Ok(ObjectRef::new(ObjectId::new(namespace, name, group, kind), version))
    }

    /// The object an inventory entry names.
    pub fn from_inventory(entry: &ResourceRef) -> Result<ObjectRef, InventoryIdError> {
        Ok(ObjectRef::new(entry.object_id()?, entry.v.clone()))
    }

    /// The inventory entry (`{id, v}`) of this object.
    pub fn to_inventory(&self) -> ResourceRef {
        ResourceRef::new(&self.id, &self.version)
    }

    /// `apps/v1`, `v1`, …
    pub fn api_version(&self) -> String {
        self.id.api_version(&self.version)
    }

    pub fn kind(&self) -> &str {
        &self.id.kind
    }

    pub fn name(&self) -> &str {
        &self.id.name
    }

    /// Empty for cluster-scoped objects.
    pub fn namespace(&self) -> &str {
        &self.id.namespace
    }

    /// `Kind/namespace/name` (`Kind/name` when cluster-scoped), as Flux prints objects.
    pub fn subject(&self) -> String {
        subject(&self.id)
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.subject())
    }
}

/// `Kind/namespace/name` (`Kind/name` when cluster-scoped).
pub fn subject(id: &ObjectId) -> String {
    if id.namespace.is_empty() {
        format!("{}/{}", id.kind, id.name)
    } else {
        format!("{}/{}/{}", id.kind, id.namespace, id.name)
    }
}

/// `apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    }
}

pub(crate) fn str_at<'a>(obj: &'a Value, pointer: &str) -> Option<&'a str> {
    obj.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A short description of a document for error messages (kind and name when present).
fn describe(obj: &Value) -> String {
    match (str_at(obj, "/kind"), str_at(obj, "/metadata/name")) {
        (Some(k), Some(n)) => format!("{k}/{n}"),
        (Some(k), None) => format!("of kind {k}"),
        (None, Some(n)) => format!("named {n}"),
        (None, None) => "without kind and name".to_string(),
    }
}

/// `metadata.labels` or `metadata.annotations` as a map (empty when absent).
pub(crate) fn string_map(obj: &Value, field: &str) -> BTreeMap<String, String> {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether any `key: value` of `selector` is a label or annotation of `obj` (values compared
/// case-insensitively), as Flux matches its per-object annotations.
pub(crate) fn any_in_metadata(obj: &Value, selector: &BTreeMap<String, String>) -> bool {
    if selector.is_empty() {
        return false;
    }
    let labels = string_map(obj, "labels");
    let annotations = string_map(obj, "annotations");
    selector.iter().any(|(key, want)| {
        [labels.get(key), annotations.get(key)]
            .into_iter()
            .flatten()
            .any(|have| !have.is_empty() && have.eq_ignore_ascii_case(want))
    })
}

/// `metadata` as a mutable map, created when missing.
pub(crate) fn metadata_mut(obj: &mut Value) -> Result<&mut Map<String, Value>, ObjectError> {
    let what = describe(obj);
    let map = obj
        .as_object_mut()
        .ok_or_else(|| ObjectError::Metadata { what: what.clone() })?;
    let meta = map.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    meta.as_object_mut().ok_or(ObjectError::Metadata { what })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identity_and_subject() {
        let obj =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app", "namespace": "default"}});
        let r = ObjectRef::from_object(&obj).unwrap();
        assert_eq!(r.id.to_string(), "default_app_apps_Deployment");
        assert_eq!(r.version, "v1");
        assert_eq!(r.subject(), "Deployment/default/app");
        assert_eq!(r.api_version(), "apps/v1");
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}});
        let r = ObjectRef::from_object(&ns).unwrap();
        assert_eq!(r.subject(), "Namespace/apps");
        assert_eq!(r.to_inventory().id, "_apps__Namespace");
        assert_eq!(ObjectRef::from_inventory(&r.to_inventory()).unwrap(), r);
    }

    #[test]
    fn missing_fields_are_named() {
        let err = ObjectRef::from_object(&json!({"kind": "ConfigMap", "metadata": {"name": "x"}})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "object ConfigMap/x: apiVersion is missing or not a string"
        );
    }

    #[test]
    fn metadata_selector_matches_labels_and_annotations() {
        let obj = json!({"metadata": {"labels": {"a": "Enabled"}, "annotations": {"kustomize.toolkit.fluxcd.io/ssa": "ignore"}}});
        let sel = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
        assert!(any_in_metadata(&obj, &sel("a", "enabled")));
        assert!(any_in_metadata(&obj, &sel("kustomize.toolkit.fluxcd.io/ssa", "Ignore")));
        assert!(!any_in_metadata(&obj, &sel("kustomize.toolkit.fluxcd.io/ssa", "Merge")));
        assert!(!any_in_metadata(&obj, &BTreeMap::new()));
    }
}
