//! `commonLabels` and `labels`: metadata labels everywhere, and (when selectors are
//! included) the selectors and pod-template labels of workloads, per kustomize's default
//! field specs.

use serde_json::Value;

use super::{FieldSpec, fs};
use crate::fieldpath;
use crate::resource::Resource;

const APPS: Option<&str> = Some("apps");

const AFFINITY: &[&str] = &[
    "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
];

/// Selector field specs (commonLabels / includeSelectors), metadata excluded.
const SELECTORS: &[FieldSpec] = &[
    fs(Some(""), "Service", "spec/selector", true),
    fs(Some(""), "ReplicationController", "spec/selector", true),
    fs(Some(""), "ReplicationController", "spec/template/metadata/labels", true),
    fs(None, "Deployment", "spec/selector/matchLabels", true),
    fs(None, "Deployment", "spec/template/metadata/labels", true),
    fs(None, "ReplicaSet", "spec/selector/matchLabels", true),
    fs(None, "ReplicaSet", "spec/template/metadata/labels", true),
    fs(None, "DaemonSet", "spec/selector/matchLabels", true),
    fs(None, "DaemonSet", "spec/template/metadata/labels", true),
    fs(APPS, "StatefulSet", "spec/selector/matchLabels", true),
    fs(APPS, "StatefulSet", "spec/template/metadata/labels", true),
    fs(APPS, "StatefulSet", "spec/volumeClaimTemplates/metadata/labels", true),
    fs(Some("batch"), "Job", "spec/selector/matchLabels", false),
    fs(Some("batch"), "Job", "spec/template/metadata/labels", true),
    fs(
        Some("batch"),
        "CronJob",
        "spec/jobTemplate/spec/selector/matchLabels",
        false,
    ),
    fs(Some("batch"), "CronJob", "spec/jobTemplate/metadata/labels", true),
    fs(
        Some("batch"),
        "CronJob",
        "spec/jobTemplate/spec/template/metadata/labels",
        true,
    ),
    fs(
        Some("policy"),
        "PodDisruptionBudget",
        "spec/selector/matchLabels",
        false,
    ),
    fs(
        Some("networking.k8s.io"),
        "NetworkPolicy",
        "spec/podSelector/matchLabels",
        false,
    ),
    fs(
        Some("networking.k8s.io"),
        "NetworkPolicy",
        "spec/ingress/from/podSelector/matchLabels",
        false,
    ),
    fs(
        Some("networking.k8s.io"),
        "NetworkPolicy",
        "spec/egress/to/podSelector/matchLabels",
        false,
    ),
];

/// Pod-template label field specs (`labels` with `includeTemplates`).
const TEMPLATES: &[FieldSpec] = &[
    fs(Some(""), "ReplicationController", "spec/template/metadata/labels", true),
    fs(None, "Deployment", "spec/template/metadata/labels", true),
    fs(None, "ReplicaSet", "spec/template/metadata/labels", true),
    fs(None, "DaemonSet", "spec/template/metadata/labels", true),
    fs(APPS, "StatefulSet", "spec/template/metadata/labels", true),
    fs(APPS, "StatefulSet", "spec/volumeClaimTemplates/metadata/labels", true),
    fs(Some("batch"), "Job", "spec/template/metadata/labels", true),
    fs(Some("batch"), "CronJob", "spec/jobTemplate/metadata/labels", true),
    fs(
        Some("batch"),
        "CronJob",
        "spec/jobTemplate/spec/template/metadata/labels",
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

fn apply_spec(r: &mut Resource, path: &str, create: bool, pairs: &[(String, String)]) {
    fieldpath::visit_str(&mut r.obj, path, create, &mut |v| set_all(v, pairs));
}

/// Applies labels: always to `metadata/labels`; selectors and templates as asked.
pub(crate) fn apply(resources: &mut [Resource], pairs: &[(String, String)], selectors: bool, templates: bool) {
    if pairs.is_empty() {
        return;
    }
    for r in resources.iter_mut() {
        apply_spec(r, "metadata/labels", true, pairs);
        let gvk = r.gvk();
        if selectors {
            for spec in SELECTORS.iter().filter(|s| s.applies(&gvk)) {
                apply_spec(r, spec.path, spec.create, pairs);
            }
            let workload = matches!(gvk.kind.as_str(), "Deployment" | "StatefulSet") && gvk.group == "apps";
            if workload {
                for path in AFFINITY {
                    apply_spec(r, path, false, pairs);
                }
            }
        } else if templates {
            for spec in TEMPLATES.iter().filter(|s| s.applies(&gvk)) {
                apply_spec(r, spec.path, spec.create, pairs);
            }
        }
    }
}

pub(crate) use crate::config::FieldSpec as CustomField;

/// Applies labels at user field specs.
pub(crate) fn apply_custom(resources: &mut [Resource], pairs: &[(String, String)], fields: &[CustomField]) {
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        for f in fields {
            if f.applies(&gvk) {
                apply_spec(r, &f.path.replace("[]", ""), f.create, pairs);
            }
        }
    }
}
