//! Output order: kustomize's legacy order (kinds in a fixed priority, then by group,
//! version, kind, namespace and name), custom first/last kind lists, or input order (fifo).

use crate::resource::Resource;

const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

const ORDER_LAST: &[&str] = &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

fn rank(kind: &str, first: &[String], last: &[String]) -> i64 {
    if let Some(i) = first.iter().position(|k| k == kind) {
        return i as i64 - first.len() as i64;
    }
    if let Some(i) = last.iter().position(|k| k == kind) {
        return 1 + i as i64;
    }
    0
}

/// Sorts in kustomize's legacy order (stable).
pub(crate) fn legacy(resources: &mut [Resource], first: Option<&[String]>, last: Option<&[String]>) {
    let first: Vec<String> = first
        .map(<[String]>::to_vec)
        .unwrap_or_else(|| ORDER_FIRST.iter().map(|s| (*s).to_string()).collect());
    let last: Vec<String> = last
        .map(<[String]>::to_vec)
        .unwrap_or_else(|| ORDER_LAST.iter().map(|s| (*s).to_string()).collect());
    resources.sort_by_cached_key(|r| {
        let gvk = r.gvk();
        let ns = if r.namespace().is_empty() {
            "~X".to_string()
        } else {
            r.namespace().to_string()
        };
        let name = if r.name().is_empty() {
            "~N".to_string()
        } else {
            r.name().to_string()
        };
        (rank(&gvk.kind, &first, &last), gvk.sort_string(), ns, name)
    });
}
