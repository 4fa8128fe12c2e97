//! Which objects kustomize treats as cluster-scoped. kustomize decides from the OpenAPI
//! document it embeds (Kubernetes 1.21), by apiVersion and kind: kinds or versions added
//! later (ValidatingAdmissionPolicy, `flowcontrol.apiserver.k8s.io/v1`, ...) and custom
//! resources count as namespaced. Reproducing that is what makes output identical, so this
//! table deliberately differs from the current cluster facts in `rflux-schema` (which the
//! table is cross-checked against in the tests below).

/// (group, versions, kinds) that kustomize v5 knows as cluster-scoped.
const CLUSTER_SCOPED: &[(&str, &[&str], &[&str])] = &[
    (
        "",
        &["v1"],
        &["Namespace", "Node", "PersistentVolume", "ComponentStatus"],
    ),
    (
        "admissionregistration.k8s.io",
        &["v1", "v1beta1"],
        &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"],
    ),
    (
        "apiextensions.k8s.io",
        &["v1", "v1beta1"],
        &["CustomResourceDefinition"],
    ),
    ("apiregistration.k8s.io", &["v1", "v1beta1"], &["APIService"]),
    ("authentication.k8s.io", &["v1", "v1beta1"], &["TokenReview"]),
    (
        "authorization.k8s.io",
        &["v1", "v1beta1"],
        &[
            "SelfSubjectAccessReview",
            "SelfSubjectRulesReview",
            "SubjectAccessReview",
        ],
    ),
    (
        "certificates.k8s.io",
        &["v1", "v1beta1"],
        &["CertificateSigningRequest"],
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        &["v1alpha1", "v1beta1"],
        &["FlowSchema", "PriorityLevelConfiguration"],
    ),
    ("internal.apiserver.k8s.io", &["v1alpha1"], &["StorageVersion"]),
    ("networking.k8s.io", &["v1", "v1beta1"], &["IngressClass"]),
    ("node.k8s.io", &["v1", "v1alpha1", "v1beta1"], &["RuntimeClass"]),
    ("policy", &["v1beta1"], &["PodSecurityPolicy"]),
    (
        "rbac.authorization.k8s.io",
        &["v1", "v1alpha1", "v1beta1"],
        &["ClusterRole", "ClusterRoleBinding"],
    ),
    ("scheduling.k8s.io", &["v1", "v1alpha1", "v1beta1"], &["PriorityClass"]),
    (
        "storage.k8s.io",
        &["v1", "v1alpha1", "v1beta1"],
        &["StorageClass", "VolumeAttachment", "CSIDriver", "CSINode"],
    ),
];

/// True when kustomize treats `group/version` `kind` as cluster-scoped.
pub(crate) fn is_cluster_scoped(group: &str, version: &str, kind: &str) -> bool {
    CLUSTER_SCOPED
        .iter()
        .any(|(g, versions, kinds)| *g == group && versions.contains(&version) && kinds.contains(&kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_cluster_scoped_in_kubernetes_too() {
        for (group, _, kinds) in CLUSTER_SCOPED {
            for kind in *kinds {
                let scope = rflux_schema::scope(group, kind);
                // Kinds removed from Kubernetes since 1.21 are unknown to the schema.
                assert!(
                    scope.is_none() || scope == Some(rflux_schema::Scope::Cluster),
                    "{group} {kind}"
                );
            }
        }
        assert!(is_cluster_scoped("", "v1", "Namespace"));
        assert!(!is_cluster_scoped(
            "admissionregistration.k8s.io",
            "v1",
            "ValidatingAdmissionPolicy"
        ));
        assert!(!is_cluster_scoped("flowcontrol.apiserver.k8s.io", "v1", "FlowSchema"));
    }
}
