//! The CustomResourceDefinitions of the Flux kinds, generated from the Rust types, and their
//! YAML as committed under `config/crd/` (one file per CRD, named like Flux's:
//! `<group>_<plural>.yaml`).

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;
use serde_json::Value;

use crate::types::{GitRepository, HelmChart, HelmRelease, HelmRepository, Kustomization, OCIRepository};

/// Label put on every CRD (and everything `rflux install` creates).
pub const PART_OF_LABEL: (&str, &str) = ("app.kubernetes.io/part-of", "rflux");

/// Why CRD YAML could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum CrdError {
    #[error("CRD {name}: cannot convert to JSON: {source}")]
    Json { name: String, source: serde_json::Error },
    #[error("CRD {name}: cannot write YAML: {message}")]
    Yaml { name: String, message: String },
}

/// Every CRD rflux serves, sources first.
pub fn crds() -> Vec<CustomResourceDefinition> {
    [
        GitRepository::crd(),
        HelmRepository::crd(),
        HelmChart::crd(),
        OCIRepository::crd(),
        Kustomization::crd(),
        HelmRelease::crd(),
    ]
    .into_iter()
    .map(finish)
    .collect()
}

/// Labels; descriptions dropped (the derive only has field names to offer); the root shaped
/// like Flux's (apiVersion, kind, metadata declared; `spec` optional); integral bounds written
/// as integers.
fn finish(mut crd: CustomResourceDefinition) -> CustomResourceDefinition {
    crd.spec.names.list_kind = Some(format!("{}List", crd.spec.names.kind));
    crd.metadata
        .labels
        .get_or_insert_with(Default::default)
        .insert(PART_OF_LABEL.0.to_string(), PART_OF_LABEL.1.to_string());
    for version in &mut crd.spec.versions {
        if let Some(schema) = version.schema.as_mut().and_then(|s| s.open_api_v3_schema.as_mut())
            && let Ok(mut value) = serde_json::to_value(&*schema)
        {
            tidy(&mut value);
            shape_root(&mut value);
            if let Ok(shaped) = serde_json::from_value(value) {
                *schema = shaped;
            }
        }
    }
    crd
}

fn shape_root(root: &mut Value) {
    let Value::Object(map) = root else { return };
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        props.insert("apiVersion".into(), serde_json::json!({"type": "string"}));
        props.insert("kind".into(), serde_json::json!({"type": "string"}));
        props.insert("metadata".into(), serde_json::json!({"type": "object"}));
        props.sort_keys();
    }
    if let Some(Value::Array(required)) = map.get_mut("required") {
        required.retain(|r| r != "spec");
        if required.is_empty() {
            map.remove("required");
        }
    }
}

/// Removes `description` keywords (not properties that happen to be named so) and the
/// `nullable`/`null` the derive adds for `Option` fields (Flux's schemas have neither: an
/// absent field is how "unset" is written), and writes integral `minimum`/`maximum` as integers.
fn tidy(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    map.remove("description");
    map.remove("nullable");
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    for key in ["minimum", "maximum"] {
        if let Some(bound) = map.get_mut(key)
            && let Some(f) = bound.as_f64()
            && f.fract() == 0.0
            && bound.is_f64()
        {
            *bound = Value::from(f as i64);
        }
    }
    for (key, child) in map.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" | "definitions" => {
                if let Value::Object(props) = child {
                    props.values_mut().for_each(tidy);
                }
            }
            "items" | "additionalProperties" | "not" => tidy(child),
            "allOf" | "anyOf" | "oneOf" => {
                if let Value::Array(list) = child {
                    list.iter_mut().for_each(tidy);
                }
            }
            _ => {}
        }
    }
}

/// The file name Flux uses for a CRD: `<group>_<plural>.yaml`.
pub fn file_name(crd: &CustomResourceDefinition) -> String {
    format!("{}_{}.yaml", crd.spec.group, crd.spec.names.plural)
}

/// One CRD as a YAML document (starting with `---`).
pub fn to_yaml(crd: &CustomResourceDefinition) -> Result<String, CrdError> {
    let name = crd.metadata.name.clone().unwrap_or_default();
    let value = serde_json::to_value(crd).map_err(|source| CrdError::Json {
        name: name.clone(),
        source,
    })?;
    let body = serde_saphyr::to_string(&value).map_err(|e| CrdError::Yaml {
        name,
        message: e.to_string(),
    })?;
    Ok(format!("---\n{body}"))
}

/// Every CRD, one YAML document each, concatenated.
pub fn all_yaml() -> Result<String, CrdError> {
    let mut out = String::new();
    for crd in crds() {
        out.push_str(&to_yaml(&crd)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_short_names_and_columns_match_flux() {
        let crds = crds();
        let names: Vec<_> = crds.iter().map(file_name).collect();
        assert_eq!(
            names,
            [
                "source.toolkit.fluxcd.io_gitrepositories.yaml",
                "source.toolkit.fluxcd.io_helmrepositories.yaml",
                "source.toolkit.fluxcd.io_helmcharts.yaml",
                "source.toolkit.fluxcd.io_ocirepositories.yaml",
                "kustomize.toolkit.fluxcd.io_kustomizations.yaml",
                "helm.toolkit.fluxcd.io_helmreleases.yaml",
            ]
        );
        let short: Vec<_> = crds
            .iter()
            .map(|c| c.spec.names.short_names.clone().unwrap_or_default().join(","))
            .collect();
        assert_eq!(short, ["gitrepo", "helmrepo", "hc", "ocirepo", "ks", "hr"]);
        for crd in &crds {
            let version = &crd.spec.versions[0];
            assert!(version.served && version.storage);
            assert!(version.subresources.as_ref().and_then(|s| s.status.as_ref()).is_some());
            let cols: Vec<_> = version
                .additional_printer_columns
                .iter()
                .flatten()
                .map(|c| c.name.as_str())
                .collect();
            assert!(
                cols.contains(&"Ready") && cols.contains(&"Status") && cols.contains(&"Age"),
                "{cols:?}"
            );
        }
        let yaml = all_yaml().unwrap();
        assert_eq!(yaml.matches("\n---\n").count() + 1, 6);
        assert!(!yaml.contains("description:"));
    }
}
