//! The kustomization file: loading, the known fields (unknown ones are errors, as in
//! kustomize), legacy spellings folded into their current form, and refused features.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::Error;
use crate::yaml;

const KNOWN_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "components",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "images",
    "replicas",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "replacements",
    "vars",
    "crds",
    "sortOptions",
    "buildMetadata",
    "openapi",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "helmCharts",
    "helmGlobals",
    "helmChartInflationGenerator",
    "imageTags",
];

/// A parsed kustomization (or component).
pub(crate) struct Kustomization {
    pub(crate) path: PathBuf,
    pub(crate) dir: PathBuf,
    pub(crate) is_component: bool,
    pub(crate) raw: Map<String, Value>,
}

impl Kustomization {
    pub(crate) fn load(path: &Path) -> Result<Kustomization, Error> {
        Self::from_raw(path, Self::read_raw(path)?)
    }

    /// The single mapping of a kustomization file's documents.
    pub(crate) fn raw_from_docs(path: &Path, docs: Vec<Value>) -> Result<Map<String, Value>, Error> {
        let docs: Vec<Value> = docs.into_iter().filter(|d| !d.is_null()).collect();
        match docs.as_slice() {
            [] => Ok(Map::new()),
            [Value::Object(m)] => Ok(m.clone()),
            [_] => Err(Error::file(path, "the kustomization must be a mapping")),
            _ => Err(Error::file(path, "the kustomization must be a single YAML document")),
        }
    }

    /// Reads the raw mapping of the kustomization file at `path` (no validation).
    pub(crate) fn read_raw(path: &Path) -> Result<Map<String, Value>, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::file(path, crate::fs::io_reason(&e)))?;
        let docs = yaml::parse_kustomization(&text).map_err(|source| Error::Yaml {
            file: path.to_path_buf(),
            source,
        })?;
        Self::raw_from_docs(path, docs)
    }

    /// Field names kustomize knows.
    pub(crate) fn is_known_field(key: &str) -> bool {
        KNOWN_FIELDS.contains(&key)
    }

    /// Validates a kustomization mapping as if it had been read from `path`.
    pub(crate) fn from_raw(path: &Path, raw: Map<String, Value>) -> Result<Kustomization, Error> {
        for key in raw.keys() {
            if !KNOWN_FIELDS.contains(&key.as_str()) {
                return Err(Error::entry(
                    path,
                    key.clone(),
                    format!("invalid Kustomization: json: unknown field \"{key}\""),
                ));
            }
        }
        if raw.keys().all(|k| k == "apiVersion" || k == "kind") {
            return Err(Error::file(path, "kustomization.yaml is empty"));
        }
        let kind = raw.get("kind").and_then(Value::as_str).unwrap_or("Kustomization");
        let is_component = match kind {
            "Kustomization" | "" => false,
            "Component" => true,
            other => {
                return Err(Error::entry(
                    path,
                    "kind",
                    format!("unknown kind {other:?}: expected Kustomization or Component"),
                ));
            }
        };
        for refused in ["helmCharts", "helmGlobals", "helmChartInflationGenerator"] {
            if raw.get(refused).is_some_and(|v| !v.is_null()) {
                return Err(Error::entry(
                    path,
                    refused,
                    "Helm chart inflation is not supported by rflux's kustomize",
                ));
            }
        }
        for refused in ["validators", "openapi"] {
            if raw
                .get(refused)
                .is_some_and(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
            {
                return Err(Error::entry(
                    path,
                    refused,
                    "plugin and transformer configuration files are not supported",
                ));
            }
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Kustomization {
            path: path.to_path_buf(),
            dir,
            is_component,
            raw,
        })
    }

    pub(crate) fn get(&self, field: &str) -> Option<&Value> {
        self.raw.get(field).filter(|v| !v.is_null())
    }

    /// A list of strings (`resources`, `components`, ...).
    pub(crate) fn strings(&self, field: &str) -> Result<Vec<String>, Error> {
        match self.get(field) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(Error::entry(
                        &self.path,
                        field,
                        format!("expected a list of strings, found {other}"),
                    )),
                })
                .collect(),
            Some(other) => Err(Error::entry(
                &self.path,
                field,
                format!("expected a list, found {other}"),
            )),
        }
    }

    pub(crate) fn string(&self, field: &str) -> Result<Option<String>, Error> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(Error::entry(
                &self.path,
                field,
                format!("expected a string, found {other}"),
            )),
        }
    }

    /// A list of objects (`patches`, `images`, ...).
    pub(crate) fn objects(&self, field: &str) -> Result<Vec<Map<String, Value>>, Error> {
        match self.get(field) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::Object(m) => Ok(m.clone()),
                    other => Err(Error::entry(
                        &self.path,
                        field,
                        format!("expected a list of mappings, found {other}"),
                    )),
                })
                .collect(),
            Some(other) => Err(Error::entry(
                &self.path,
                field,
                format!("expected a list, found {other}"),
            )),
        }
    }

    /// A string-to-string map (`commonLabels`, `commonAnnotations`).
    pub(crate) fn string_map(&self, field: &str) -> Result<Vec<(String, String)>, Error> {
        match self.get(field) {
            None => Ok(Vec::new()),
            Some(v) => strict_string_map(v).map_err(|m| Error::entry(&self.path, field, m)),
        }
    }
}

pub(crate) fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

/// A map whose values must be strings (kustomize decodes them into `map[string]string`).
pub(crate) fn strict_string_map(v: &Value) -> Result<Vec<(String, String)>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Null => Ok((k.clone(), String::new())),
                other => Err(format!(
                    "json: cannot unmarshal {} into a string value (key {k:?}); quote it",
                    json_type(other)
                )),
            })
            .collect(),
        other => Err(format!("expected a map of strings, found {}", json_type(other))),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
