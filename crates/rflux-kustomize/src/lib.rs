//! `kustomize build` in Rust, with output identical to kustomize v5.5 (`kubectl kustomize
//! --load-restrictor LoadRestrictionsNone`).
//!
//! ```no_run
//! use std::path::Path;
//! let objects = rflux_kustomize::build(Path::new("repo"), Path::new("repo/apps/prod"))?;
//! print!("{}", rflux_kustomize::to_yaml(&objects));
//! # Ok::<(), rflux_kustomize::Error>(())
//! ```
//!
//! Files may be referenced anywhere inside `root` (as Flux builds), never outside it;
//! remote resources and Helm chart inflation are refused with an error naming the entry.

mod build;
mod config;
mod error;
mod fieldpath;
mod fs;
mod generator;
mod kustomization;
mod order;
mod patch;
mod plugins;
mod replacements;
mod resource;
mod transform;
mod vars;
pub mod yaml;

use std::path::Path;

pub use error::Error;
pub use serde_json::Value;
pub use yaml::{to_yaml, to_yaml_document};

/// Builds the kustomization in `dir` (which must be inside `root`) and returns its objects
/// in kustomize's output order.
pub fn build(root: &Path, dir: &Path) -> Result<Vec<Value>, Error> {
    build::build(root, dir)
}

/// Namespace equality as kustomize sees it: empty is `default`.
pub(crate) fn transform_ns_eq(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> &str {
        if s.is_empty() { "default" } else { s }
    }
    norm(a) == norm(b)
}
