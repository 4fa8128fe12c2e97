//! YAML in and out: reading like kyaml (go-yaml v3 scalars) and printing like
//! `kustomize build` (JSON through go-yaml v2).

mod emit;
mod parse;
mod resolve;

pub use emit::{to_yaml, to_yaml_document};
pub use parse::{YamlError, parse_stream};
