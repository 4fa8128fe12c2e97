//! The order Flux applies objects in: the apply stages (cluster definitions, `*Class` kinds,
//! everything else) and, within a stage, the kind order (webhook configurations last).
//! Pruning walks the same order backwards.

use std::cmp::Ordering;

use crate::object::ObjectRef;

/// Kinds applied first, in this order.
const FIRST: &[&str] = &[
    "CustomResourceDefinition",
    "Namespace",
    "ClusterClass",
    "RuntimeClass",
    "PriorityClass",
    "StorageClass",
    "VolumeSnapshotClass",
    "IngressClass",
    "GatewayClass",
    "ResourceQuota",
    "ServiceAccount",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Service",
    "LimitRange",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// Kinds applied last, in this order (their webhooks may serve objects applied before them).
const LAST: &[&str] = &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

/// Position of a kind: negative for the `FIRST` kinds, 0 for any other, positive for `LAST`.
fn kind_rank(kind: &str) -> i64 {
    if let Some(i) = FIRST.iter().position(|k| *k == kind) {
        return i as i64 - FIRST.len() as i64;
    }
    if let Some(i) = LAST.iter().position(|k| *k == kind) {
        return i as i64 + 1;
    }
    0
}

/// Apply order of two objects: kind rank, then group and kind, then namespace and name.
pub fn apply_order(a: &ObjectRef, b: &ObjectRef) -> Ordering {
    let same_kind = a.id.group == b.id.group && a.id.kind == b.id.kind;
    if !same_kind {
        return kind_rank(&a.id.kind)
            .cmp(&kind_rank(&b.id.kind))
            .then_with(|| a.id.group.cmp(&b.id.group))
            .then_with(|| a.id.kind.cmp(&b.id.kind));
    }
    a.id.namespace
        .cmp(&b.id.namespace)
        .then_with(|| a.id.name.cmp(&b.id.name))
}

/// The apply stage of an object. Each stage is applied, then waited for, before the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// CustomResourceDefinitions, Namespaces and ClusterRoles: what later objects need to exist.
    ClusterDefinitions,
    /// `*Class` kinds (StorageClass, IngressClass, GatewayClass, …) their users refer to.
    Classes,
    /// Everything else.
    Resources,
}

impl Stage {
    /// The stage of an object of `kind` in API `group`.
    pub fn of(group: &str, kind: &str) -> Stage {
        let definition = (kind == "CustomResourceDefinition" && group == "apiextensions.k8s.io")
            || (kind == "Namespace" && group.is_empty())
            || (kind == "ClusterRole" && group == "rbac.authorization.k8s.io");
        if definition {
            Stage::ClusterDefinitions
        } else if kind.ends_with("Class") {
            Stage::Classes
        } else {
            Stage::Resources
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rflux_api::ObjectId;

    fn r(ns: &str, name: &str, group: &str, kind: &str) -> ObjectRef {
        ObjectRef::new(ObjectId::new(ns, name, group, kind), "v1")
    }

    #[test]
    fn sorts_like_flux() {
        let mut objs = [
            r(
                "",
                "hook",
                "admissionregistration.k8s.io",
                "ValidatingWebhookConfiguration",
            ),
            r("apps", "web", "apps", "Deployment"),
            r("apps", "b", "", "ConfigMap"),
            r("apps", "a", "", "ConfigMap"),
            r("", "apps", "", "Namespace"),
            r("apps", "thing", "example.com", "Widget"),
            r(
                "",
                "widgets.example.com",
                "apiextensions.k8s.io",
                "CustomResourceDefinition",
            ),
            r("apps", "svc", "", "Service"),
        ];
        objs.sort_by(apply_order);
        let kinds: Vec<String> = objs.iter().map(|o| format!("{}/{}", o.id.kind, o.id.name)).collect();
        assert_eq!(
            kinds,
            [
                "CustomResourceDefinition/widgets.example.com",
                "Namespace/apps",
                "ConfigMap/a",
                "ConfigMap/b",
                "Service/svc",
                "Deployment/web",
                "Widget/thing",
                "ValidatingWebhookConfiguration/hook",
            ]
        );
    }

    #[test]
    fn stages() {
        assert_eq!(
            Stage::of("apiextensions.k8s.io", "CustomResourceDefinition"),
            Stage::ClusterDefinitions
        );
        assert_eq!(Stage::of("", "Namespace"), Stage::ClusterDefinitions);
        assert_eq!(
            Stage::of("rbac.authorization.k8s.io", "ClusterRole"),
            Stage::ClusterDefinitions
        );
        assert_eq!(Stage::of("storage.k8s.io", "StorageClass"), Stage::Classes);
        assert_eq!(Stage::of("networking.k8s.io", "IngressClass"), Stage::Classes);
        assert_eq!(Stage::of("apps", "Deployment"), Stage::Resources);
        assert_eq!(Stage::of("example.com", "Namespace"), Stage::Resources);
    }
}
