//! What Flux's kustomize-controller does around `kustomize build` (`fluxcd/pkg/kustomize`):
//! generate a kustomization for a plain directory of manifests, write the Kustomization
//! spec's overlay fields into it, and build with no load restrictions inside the source
//! root, decrypting `secretGenerator` sources on the way. The source directory is never
//! written to: the (generated or rewritten) kustomization is held in memory.

mod generate;
mod overlay;

use std::path::Path;

use serde_json::Value;

pub use overlay::{CommonMetadata, FluxImage, FluxOverlay, FluxPatch, PatchSelector};

use crate::error::Error;
use crate::fs::{FileFilter, find_kustomization};
use crate::kustomization::Kustomization;

/// Builds `path` (a directory inside `source_root`) as Flux's kustomize-controller does:
///
/// * without a `kustomization.yaml`/`.yml`/`Kustomization`, one is generated listing every
///   manifest below `path` (see the `generate` rules; a YAML file that is not Kubernetes
///   objects is an error, as in Flux);
/// * `overlay` is written into it (`targetNamespace`, `namePrefix`, `nameSuffix`,
///   `patches`, `images`, `components`); `commonMetadata` is *not* applied here, because
///   Flux sets it after post-build substitution: call [`CommonMetadata::apply`] then;
/// * `filter` (e.g. SOPS decryption) sees every file a `secretGenerator` reads;
/// * every built object must have an `apiVersion`, a `kind` and a name.
///
/// Unknown fields of an existing kustomization file are dropped, as Flux's round trip
/// through kustomize's Go types drops them.
pub fn build_flux(
    source_root: &Path,
    path: &Path,
    overlay: &FluxOverlay,
    filter: Option<&dyn FileFilter>,
) -> Result<Vec<Value>, Error> {
    let root = source_root.canonicalize().map_err(|e| {
        Error::file(
            source_root,
            format!("cannot open source root: {}", crate::fs::io_reason(&e)),
        )
    })?;
    let dir = path.canonicalize().map_err(|e| {
        Error::file(
            path,
            format!("kustomization path not found: {}", crate::fs::io_reason(&e)),
        )
    })?;
    if !dir.starts_with(&root) {
        return Err(Error::file(
            path,
            format!("kustomization path is outside the source root {}", root.display()),
        ));
    }
    if !dir.is_dir() {
        return Err(Error::file(path, "kustomization path is not a directory"));
    }
    let (file, mut raw) = match find_kustomization(&dir).map_err(|m| Error::file(&dir, m))? {
        Some(file) => {
            let mut raw = Kustomization::read_raw(&file)?;
            raw.retain(|key, _| {
                let known = Kustomization::is_known_field(key);
                if !known {
                    tracing::warn!(file = %file.display(), field = %key, "dropping an unknown kustomization field, as Flux does");
                }
                known
            });
            (file, raw)
        }
        None => (dir.join("kustomization.yaml"), generate::generated_kustomization(&dir)?),
    };
    overlay.write_into(&dir, &file, &mut raw)?;
    let top = Kustomization::from_raw(&file, raw)?;
    let objects = crate::build::build_from(&root, &dir, Some(top), filter)?;
    // kustomize-controller refuses objects that lack an identity after the build.
    for object in &objects {
        let has = |v: Option<&Value>| v.and_then(Value::as_str).is_some_and(|s| !s.is_empty());
        if !has(object.get("apiVersion"))
            || !has(object.get("kind"))
            || !has(object.get("metadata").and_then(|m| m.get("name")))
        {
            return Err(Error::file(
                &file,
                format!("failed to decode Kubernetes apiVersion, kind and name from: {object}"),
            ));
        }
    }
    Ok(objects)
}
