//! `commonAnnotations`: metadata annotations everywhere and on workload pod templates.

use serde_json::Value;

use super::{FieldSpec, fs};
use crate::fieldpath;
use crate::resource::Resource;

const TEMPLATES: &[FieldSpec] = &[
    fs(
        Some(""),
        "ReplicationController",
        "spec/template/metadata/annotations",
        true,
    ),
    fs(None, "Deployment", "spec/template/metadata/annotations", true),
    fs(None, "ReplicaSet", "spec/template/metadata/annotations", true),
    fs(None, "DaemonSet", "spec/template/metadata/annotations", true),
    fs(None, "StatefulSet", "spec/template/metadata/annotations", true),
    fs(Some("batch"), "Job", "spec/template/metadata/annotations", true),
    fs(Some("batch"), "CronJob", "spec/jobTemplate/metadata/annotations", true),
    fs(
        Some("batch"),
        "CronJob",
        "spec/jobTemplate/spec/template/metadata/annotations",
        true,
    ),
];

fn set_all(target: &mut Value, pairs: &[(String, String)]) {
    if target.is_null() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(m) = target {
        for (k, v) in pairs {
            m.insert(k.clone(), Value::String(v.clone()));
        }
    }
}

pub(crate) fn apply(resources: &mut [Resource], pairs: &[(String, String)]) {
    if pairs.is_empty() {
        return;
    }
    for r in resources.iter_mut() {
        fieldpath::visit_str(&mut r.obj, "metadata/annotations", true, &mut |v| set_all(v, pairs));
        let gvk = r.gvk();
        for spec in TEMPLATES.iter().filter(|s| s.applies(&gvk)) {
            fieldpath::visit_str(&mut r.obj, spec.path, spec.create, &mut |v| set_all(v, pairs));
        }
    }
}

/// Applies annotations at user field specs (`configurations`).
pub(crate) fn apply_custom(
    resources: &mut [Resource],
    pairs: &[(String, String)],
    fields: &[crate::config::FieldSpec],
) {
    if pairs.is_empty() {
        return;
    }
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        for f in fields.iter().filter(|f| f.applies(&gvk)) {
            let path = f.path.replace("[]", "");
            fieldpath::visit_str(&mut r.obj, &path, f.create, &mut |v| set_all(v, pairs));
        }
    }
}
