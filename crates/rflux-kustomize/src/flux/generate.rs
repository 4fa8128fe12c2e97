//! The kustomization Flux generates for a directory without one: every `.yaml`/`.yml` file
//! below it (walked in lexical order, hidden files included, symlinked directories not
//! followed), each of which must decode as Kubernetes objects, and every subdirectory that
//! has its own kustomization file (listed as a directory, not descended into).

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::Error;
use crate::fs::find_kustomization;

/// The kustomization mapping Flux writes for `dir` (canonical).
pub(crate) fn generated_kustomization(dir: &Path) -> Result<Map<String, Value>, Error> {
    let mut resources = Vec::new();
    scan(dir, dir, &mut resources)?;
    tracing::debug!(dir = %dir.display(), resources = resources.len(), "generated a kustomization");
    let mut raw = Map::new();
    raw.insert(
        "apiVersion".into(),
        Value::String("kustomize.config.k8s.io/v1beta1".into()),
    );
    raw.insert("kind".into(), Value::String("Kustomization".into()));
    if !resources.is_empty() {
        raw.insert(
            "resources".into(),
            Value::Array(resources.into_iter().map(Value::String).collect()),
        );
    }
    Ok(raw)
}

fn scan(base: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::file(dir, crate::fs::io_reason(&e)))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::file(dir, crate::fs::io_reason(&e)))?;
        names.push(entry.file_name());
    }
    // Go's filepath.Walk visits names in byte order.
    names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
    for name in names {
        let path = dir.join(&name);
        let meta = std::fs::symlink_metadata(&path).map_err(|e| Error::file(&path, crate::fs::io_reason(&e)))?;
        let rel = || {
            let r = path.strip_prefix(base).unwrap_or(&path);
            format!("./{}", r.to_string_lossy())
        };
        if meta.is_dir() {
            match find_kustomization(&path) {
                Ok(Some(_)) | Err(_) => out.push(rel()),
                Ok(None) => scan(base, &path, out)?,
            }
            continue;
        }
        let ext = Path::new(&name).extension().and_then(|e| e.to_str());
        let is_yaml = matches!(ext, Some("yaml" | "yml")) || matches!(name.to_str(), Some(".yaml" | ".yml"));
        if !is_yaml {
            continue;
        }
        check_manifest(&path)?;
        out.push(rel());
    }
    Ok(())
}

/// Flux refuses a YAML file that does not decode as Kubernetes objects.
fn check_manifest(path: &Path) -> Result<(), Error> {
    let fail = |reason: String| {
        Error::file(
            path,
            format!("failed to decode Kubernetes YAML from {}: {reason}", path.display()),
        )
    };
    let bytes = std::fs::read(path).map_err(|e| fail(crate::fs::io_reason(&e)))?;
    let text = String::from_utf8(bytes).map_err(|_| fail("not UTF-8".to_string()))?;
    let docs = crate::yaml::parse_resources(&text).map_err(|e| fail(e.to_string()))?;
    for doc in docs {
        let obj = match doc {
            Value::Null => continue,
            Value::Object(m) => m,
            other => return Err(fail(format!("a document is not a mapping: {other}"))),
        };
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind.is_empty() {
            return Err(fail("missing Resource metadata: Object 'Kind' is missing".to_string()));
        }
        if kind.ends_with("List") {
            continue;
        }
        let name = obj
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if name.is_empty() {
            return Err(fail(format!("missing metadata.name in a {kind} object")));
        }
    }
    Ok(())
}
