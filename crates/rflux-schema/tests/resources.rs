//! Plurals and scopes of built-in resources, as `kubectl api-resources` reports them for 1.32.

use rflux_schema::{Scope, kinds, resource, resource_by_plural, resources, scope};

#[test]
fn well_known_scopes() {
    for (group, kind) in [
        ("", "ConfigMap"),
        ("", "Secret"),
        ("", "Service"),
        ("", "ServiceAccount"),
        ("apps", "Deployment"),
        ("batch", "CronJob"),
        ("networking.k8s.io", "Ingress"),
        ("policy", "PodDisruptionBudget"),
        ("rbac.authorization.k8s.io", "RoleBinding"),
        ("coordination.k8s.io", "Lease"),
        ("authorization.k8s.io", "LocalSubjectAccessReview"),
    ] {
        assert_eq!(scope(group, kind), Some(Scope::Namespaced), "{group} {kind}");
    }
    for (group, kind) in [
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("storage.k8s.io", "StorageClass"),
        ("networking.k8s.io", "IngressClass"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("apiregistration.k8s.io", "APIService"),
    ] {
        assert_eq!(scope(group, kind), Some(Scope::Cluster), "{group} {kind}");
    }
}

#[test]
fn plurals_both_ways() {
    let ingress = resource("networking.k8s.io", "Ingress").expect("Ingress");
    assert_eq!(ingress.plural, "ingresses");
    assert_eq!(resource_by_plural("networking.k8s.io", "ingresses"), Some(ingress));
    assert_eq!(resource("", "Endpoints").map(|r| r.plural), Some("endpoints"));
    assert_eq!(
        resource("policy", "PodDisruptionBudget").map(|r| r.plural),
        Some("poddisruptionbudgets")
    );
    assert_eq!(
        resource_by_plural("", "pods").map(|r| (r.kind, r.scope)),
        Some(("Pod", Scope::Namespaced))
    );
    // Same kind name in two groups.
    assert_eq!(
        resource_by_plural("events.k8s.io", "events").map(|r| r.group),
        Some("events.k8s.io")
    );
    assert_eq!(resource_by_plural("", "events").map(|r| r.group), Some(""));
}

#[test]
fn non_resources_are_unknown() {
    assert_eq!(resource("apps", "DeploymentList"), None);
    assert_eq!(resource("autoscaling", "Scale"), None);
    assert_eq!(resource("policy", "Eviction"), None);
    assert_eq!(resource("", "Status"), None);
    assert_eq!(resource("source.toolkit.fluxcd.io", "GitRepository"), None);
    assert_eq!(resource_by_plural("apps", "pods"), None);
    assert_eq!(scope("", "Deployment"), None);
}

#[test]
fn every_resource_has_a_kind_and_lookups_agree() {
    let all: Vec<_> = resources().collect();
    assert!(all.len() > 60);
    for r in &all {
        assert!(
            kinds().any(|(gvk, _)| gvk.group == r.group && gvk.kind == r.kind),
            "{r:?} has no schema"
        );
        assert_eq!(resource(r.group, r.kind), Some(*r));
        assert_eq!(resource_by_plural(r.group, r.plural), Some(*r));
        assert_eq!(r.plural, r.plural.to_ascii_lowercase());
    }
}
