//! Schema pieces the derive cannot express: fields that keep arbitrary JSON.

use schemars::{Schema, SchemaGenerator, json_schema};

/// The schema of a field that holds any JSON (Helm values): no type, unknown fields kept.
pub fn preserve_unknown_fields(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "x-kubernetes-preserve-unknown-fields": true })
}
