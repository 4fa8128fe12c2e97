//! From an extracted source artifact to the objects to apply, as Flux's kustomize-controller
//! builds them: kustomize with the spec's overlay (generated kustomization.yaml when the path
//! has none), SOPS decryption of generator inputs and of encrypted objects, post-build
//! variable substitution, `commonMetadata`, and the ownership labels.
//!
//! Nothing here talks to a cluster: the caller gathers the variables and the decryption keys,
//! so `rflux build kustomization` runs the same code on a local checkout.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use rflux_api::types::KustomizationSpec;
use rflux_kustomize::{FluxOverlay, GeneratorSource, SubstituteOptions, Value};
use rflux_sops::Keyring;

/// Why a build failed; the message names the path and the file.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("invalid path '{path}': {reason}")]
    InvalidPath { path: String, reason: String },
    #[error("kustomization path not found: {path}")]
    PathNotFound { path: String },
    #[error("kustomize build failed: {0}")]
    Kustomize(#[from] rflux_kustomize::Error),
    #[error("decryption failed for '{object}': {message}")]
    Decrypt { object: String, message: String },
    #[error("post build substitution failed: {0}")]
    Substitute(rflux_kustomize::Error),
    #[error("invalid spec: {0}")]
    Spec(String),
}

/// What the build needs besides the files.
#[derive(Default)]
pub struct BuildInputs {
    /// Decryption keys, when `spec.decryption` is set.
    pub keyring: Option<Keyring>,
    /// Post-build variables (`substituteFrom` merged, then `substitute` over them); None when
    /// `spec.postBuild` is unset.
    pub variables: Option<BTreeMap<String, String>>,
    /// Name and namespace of the Kustomization, for the ownership labels.
    pub owner: Option<(String, String)>,
}

/// The directory `spec.path` names inside `root` (`./apps`, `apps/`, empty for the root).
/// Absolute paths and `..` are refused: Flux resolves paths inside the source only.
pub fn resolve_path(root: &Path, path: Option<&str>) -> Result<PathBuf, BuildError> {
    let raw = path.unwrap_or("./");
    let relative = raw.trim_start_matches('/');
    let mut out = root.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir | Component::RootDir => {}
            Component::ParentDir | Component::Prefix(_) => {
                return Err(BuildError::InvalidPath {
                    path: raw.to_string(),
                    reason: "the path must stay inside the source".into(),
                });
            }
        }
    }
    if !out.is_dir() {
        return Err(BuildError::PathNotFound { path: raw.to_string() });
    }
    Ok(out)
}

/// Builds the objects of a Kustomization from `root` (the extracted artifact).
pub fn build(root: &Path, spec: &KustomizationSpec, inputs: &BuildInputs) -> Result<Vec<Value>, BuildError> {
    let dir = resolve_path(root, spec.path.as_deref())?;
    let overlay = overlay_of(spec)?;
    let keyring = inputs.keyring.as_ref();
    let decrypt_file = |path: &Path, data: Vec<u8>, source: GeneratorSource| -> Result<Vec<u8>, String> {
        let Some(keys) = keyring else {
            return Ok(data);
        };
        let name = path.to_string_lossy();
        let is_env = source == GeneratorSource::Env;
        match rflux_sops::decrypt_file_by_path(&name, &data, is_env, keys) {
            Ok(Some(plain)) => Ok(plain),
            Ok(None) => Ok(data),
            Err(e) => Err(format!("failed to decrypt {}: {e}", path.display())),
        }
    };
    let filter: Option<&dyn rflux_kustomize::FileFilter> = if keyring.is_some() { Some(&decrypt_file) } else { None };
    let mut objects = rflux_kustomize::build_flux(root, &dir, &overlay, filter)?;

    if let Some(keys) = keyring {
        for object in objects.iter_mut() {
            let label = describe(object);
            rflux_sops::kube::decrypt_object(object, keys, &rflux_sops::KubeDecryptOptions::default()).map_err(
                |e| BuildError::Decrypt {
                    object: label,
                    message: e.to_string(),
                },
            )?;
        }
    }
    if let Some(vars) = &inputs.variables {
        let always = spec
            .post_build
            .as_ref()
            .and_then(|p| p.substitute_strategy)
            .is_some_and(|s| s == rflux_api::types::PostBuildSubstituteStrategy::Always);
        rflux_kustomize::substitute_with(&mut objects, vars, SubstituteOptions { strict: false, always })
            .map_err(BuildError::Substitute)?;
    }
    if let Some(metadata) = &overlay.common_metadata {
        metadata.apply(&mut objects);
    }
    if let Some((name, namespace)) = &inputs.owner {
        for object in objects.iter_mut() {
            set_owner_labels(object, name, namespace);
        }
    }
    Ok(objects)
}

/// The spec's build fields as the kustomize crate reads them.
fn overlay_of(spec: &KustomizationSpec) -> Result<FluxOverlay, BuildError> {
    let json = serde_json::to_value(spec).map_err(|e| BuildError::Spec(e.to_string()))?;
    serde_json::from_value(json).map_err(|e| BuildError::Spec(e.to_string()))
}

fn set_owner_labels(object: &mut Value, name: &str, namespace: &str) {
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let labels = metadata
        .entry("labels")
        .or_insert_with(|| Value::Object(Default::default()));
    if !labels.is_object() {
        *labels = Value::Object(Default::default());
    }
    if let Some(labels) = labels.as_object_mut() {
        for (key, value) in rflux_api::annotations::kustomize_owner_labels(name, namespace) {
            labels.insert(key.to_string(), Value::String(value));
        }
    }
}

/// `Kind/namespace/name` of an object, for messages.
pub fn describe(object: &Value) -> String {
    let kind = object["kind"].as_str().unwrap_or("?");
    let name = object["metadata"]["name"].as_str().unwrap_or("?");
    match object["metadata"]["namespace"].as_str() {
        Some(ns) if !ns.is_empty() => format!("{kind}/{ns}/{name}"),
        _ => format!("{kind}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_source() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("apps/prod")).unwrap();
        assert_eq!(
            resolve_path(dir.path(), Some("./apps/prod")).unwrap(),
            dir.path().join("apps/prod")
        );
        assert_eq!(resolve_path(dir.path(), None).unwrap(), dir.path());
        assert!(matches!(
            resolve_path(dir.path(), Some("../etc")),
            Err(BuildError::InvalidPath { .. })
        ));
        let missing = resolve_path(dir.path(), Some("./nope")).unwrap_err();
        assert_eq!(missing.to_string(), "kustomization path not found: ./nope");
    }
}
