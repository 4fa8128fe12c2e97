//! The fields of a Flux `Kustomization` spec (`kustomize.toolkit.fluxcd.io/v1`) that change
//! the build, and how Flux writes them into the kustomization before building:
//! `targetNamespace` → `namespace`, `namePrefix`/`nameSuffix` replace the file's own,
//! `patches` and `components` are appended, `images` replace an entry of the same name or
//! are appended. `commonMetadata` is not a kustomize field: Flux sets those labels and
//! annotations on each object's metadata at apply time ([`CommonMetadata::apply`]).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Error;

/// The build-affecting part of a Flux Kustomization spec; deserializes straight from
/// `spec` (other spec fields are ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FluxOverlay {
    /// `spec.targetNamespace`: the namespace set on every namespaced object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_namespace: Option<String>,
    /// `spec.namePrefix`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_prefix: Option<String>,
    /// `spec.nameSuffix`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_suffix: Option<String>,
    /// `spec.commonMetadata` (applied after the build, see [`CommonMetadata::apply`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_metadata: Option<CommonMetadata>,
    /// `spec.patches`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<FluxPatch>,
    /// `spec.images`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<FluxImage>,
    /// `spec.components`: paths relative to `spec.path`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
    /// `spec.ignoreMissingComponents`: drop component paths that do not exist.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ignore_missing_components: bool,
}

/// `spec.commonMetadata`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommonMetadata {
    /// Labels set on every object (overriding existing ones with the same key).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations set on every object (overriding existing ones with the same key).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// One entry of `spec.patches`: a strategic-merge or JSON 6902 patch, inline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FluxPatch {
    /// The patch document (YAML or JSON).
    pub patch: String,
    /// The objects it applies to. Without one the patch applies to *every* object, as in
    /// Flux (which writes an empty `target: {}`), not to the object the patch names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<PatchSelector>,
}

/// kustomize's patch target selector.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PatchSelector {
    /// API group (regex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// API version (regex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Kind (regex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name (regex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace (regex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Label selector, e.g. `app=web,tier!=db`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<String>,
    /// Annotation selector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotation_selector: Option<String>,
}

/// One entry of `spec.images`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FluxImage {
    /// The image name to match (without tag or digest).
    pub name: String,
    /// The replacement name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_name: Option<String>,
    /// The replacement tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_tag: Option<String>,
    /// The replacement digest (`sha256:...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

impl CommonMetadata {
    /// Sets the labels and annotations on each object's `metadata` only (no selectors, no
    /// templates), overriding existing keys; Flux does this after substitution, just
    /// before applying.
    pub fn apply(&self, objects: &mut [Value]) {
        if self.labels.is_empty() && self.annotations.is_empty() {
            return;
        }
        for object in objects.iter_mut() {
            let Value::Object(obj) = object else {
                continue;
            };
            let meta = obj.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(meta) = meta else {
                continue;
            };
            for (field, pairs) in [("labels", &self.labels), ("annotations", &self.annotations)] {
                if pairs.is_empty() {
                    continue;
                }
                let entry = meta.entry(field).or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                if let Value::Object(map) = entry {
                    for (k, v) in pairs {
                        map.insert(k.clone(), Value::String(v.clone()));
                    }
                }
            }
        }
    }
}

impl FluxOverlay {
    /// Writes the overlay into the kustomization mapping `raw` of the directory `dir`, as
    /// Flux's generator rewrites `kustomization.yaml` (`file` names it in errors).
    pub(crate) fn write_into(&self, dir: &Path, file: &Path, raw: &mut Map<String, Value>) -> Result<(), Error> {
        if let Some(ns) = &self.target_namespace {
            raw.insert("namespace".into(), Value::String(ns.clone()));
        }
        if let Some(prefix) = &self.name_prefix {
            raw.insert("namePrefix".into(), Value::String(prefix.clone()));
        }
        if let Some(suffix) = &self.name_suffix {
            raw.insert("nameSuffix".into(), Value::String(suffix.clone()));
        }
        if !self.patches.is_empty() {
            let list = list_field(raw, file, "patches")?;
            for p in &self.patches {
                let mut entry = Map::new();
                entry.insert("patch".into(), Value::String(p.patch.clone()));
                // Flux's API holds the target by value, so a patch without one is written
                // with `target: {}`, which selects every object (fluxcd/kustomize-controller
                // issue 464): a strategic-merge patch then applies to all objects.
                let target = p.target.clone().unwrap_or_default();
                entry.insert("target".into(), selector_value(&target));
                list.push(Value::Object(entry));
            }
        }
        if !self.images.is_empty() {
            let list = list_field(raw, file, "images")?;
            for image in &self.images {
                let mut entry = Map::new();
                entry.insert("name".into(), Value::String(image.name.clone()));
                for (key, value) in [
                    ("newName", &image.new_name),
                    ("newTag", &image.new_tag),
                    ("digest", &image.digest),
                ] {
                    if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
                        entry.insert(key.into(), Value::String(v.clone()));
                    }
                }
                let same = list
                    .iter()
                    .position(|e| e.get("name").and_then(Value::as_str) == Some(image.name.as_str()));
                match same {
                    Some(i) => list[i] = Value::Object(entry),
                    None => list.push(Value::Object(entry)),
                }
            }
        }
        if !self.components.is_empty() {
            let mut kept = Vec::new();
            for component in &self.components {
                if Path::new(component).is_absolute() || crate::fs::is_remote(component) {
                    return Err(Error::entry(
                        file,
                        format!("spec.components: {component}"),
                        format!("component path '{component}' must be local and relative"),
                    ));
                }
                if self.ignore_missing_components && !dir.join(component).exists() {
                    tracing::debug!(component = %component, "ignoring missing component");
                    continue;
                }
                kept.push(Value::String(component.clone()));
            }
            if !kept.is_empty() {
                list_field(raw, file, "components")?.extend(kept);
            }
        }
        Ok(())
    }
}

fn list_field<'a>(raw: &'a mut Map<String, Value>, file: &Path, field: &str) -> Result<&'a mut Vec<Value>, Error> {
    let entry = raw.entry(field).or_insert_with(|| Value::Array(Vec::new()));
    if entry.is_null() {
        *entry = Value::Array(Vec::new());
    }
    match entry {
        Value::Array(list) => Ok(list),
        _ => Err(Error::entry(file, field, "expected a list")),
    }
}

fn selector_value(t: &PatchSelector) -> Value {
    let mut m = Map::new();
    for (key, value) in [
        ("group", &t.group),
        ("version", &t.version),
        ("kind", &t.kind),
        ("name", &t.name),
        ("namespace", &t.namespace),
        ("labelSelector", &t.label_selector),
        ("annotationSelector", &t.annotation_selector),
    ] {
        if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
            m.insert(key.into(), Value::String(v.clone()));
        }
    }
    Value::Object(m)
}
