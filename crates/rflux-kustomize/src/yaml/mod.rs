//! YAML in and out: reading like kyaml (go-yaml v3 scalars) and printing like
//! `kustomize build` (JSON through go-yaml v2).

mod emit;
mod parse;
mod resolve;

pub(crate) use emit::go_json_number;
pub use emit::{to_yaml, to_yaml_document};
pub use parse::{YamlError, parse_stream};
pub(crate) use parse::{parse_kustomization, parse_resources};

/// The value a plain scalar written as `text` has for kyaml.
pub(crate) fn plain_value(text: &str) -> serde_json::Value {
    resolve::to_value(text, resolve::resolve_plain(text, resolve::Rules::V3))
}
