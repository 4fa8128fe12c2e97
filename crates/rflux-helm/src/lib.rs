//! Helm charts for rflux: loading (directories and archives), dependencies, values
//! (coalescing, `--set` paths, schema validation) and rendering with the output of
//! Helm v4's `helm template` ([`template()`]); release records in Helm's storage format
//! and the release actions against a cluster ([`action`]).
//!
//! ```no_run
//! use rflux_helm::{Chart, RenderOptions, Values, render};
//! let chart = Chart::load("mychart")?;
//! let out = render(&chart, &Values::new(), &RenderOptions::default())?;
//! print!("{}", out.to_stream(false));
//! # Ok::<(), rflux_helm::Error>(())
//! ```

pub mod action;
mod archive;
mod caps;
mod chart;
mod deps;
mod error;
mod files;
mod glob;
mod gojson;
mod ignore;
mod manifest;
mod release;
mod render;
mod schema;
mod strvals;
mod template;
mod values;
pub mod yaml;

pub use archive::{MAX_CHART_SIZE, MAX_FILE_SIZE, read_archive};
pub use caps::{Capabilities, DEFAULT_API_VERSIONS, DEFAULT_KUBE_VERSION};
pub use chart::{Chart, Dependency, File, Maintainer, Metadata};
pub use deps::{check_dependencies, is_compatible_range, parse_version, process_dependencies};
pub use error::Error;
pub use manifest::{
    CrdFile, Hook, INSTALL_ORDER, Manifest, Rendered, UNINSTALL_ORDER, kind_order, sort_manifests, split_manifests,
};
pub use release::{
    Info, MAX_RELEASE_SIZE, Release, ReleaseChart, ReleaseHook, decode_release, encode_release, from_storage_object,
    manifest_text, now_rfc3339, rfc3339, status, storage_name, to_config_map, to_secret,
};
pub use render::{RenderOptions, check_kube_version, prepare, render, render_templates, to_template_value};
pub use strvals::{parse_set, parse_set_json, parse_set_string};
pub use template::{TemplateOptions, parse_kube_version, template, template_capabilities, user_values};
pub use values::{Values, coalesce_values, merge_user, merge_values};

/// Read a values file (YAML, go-yaml v2 rules) into a values tree.
pub fn read_values_file(path: impl AsRef<std::path::Path>) -> Result<Values, Error> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path.display(), e))?;
    yaml::parse_map(&text).map_err(|e| Error::Yaml {
        file: path.display().to_string(),
        message: e.to_string(),
    })
}
