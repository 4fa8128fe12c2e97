//! `.Capabilities`: the Kubernetes version and API versions templates see, with Helm v4's
//! defaults when no cluster is given.

use rflux_gotmpl::{Map, Value};

/// Helm v4's default Kubernetes version.
pub const DEFAULT_KUBE_VERSION: &str = "v1.36.0";

/// Helm v4's default API versions (`chartutil.DefaultVersionSet`), in Helm's order.
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha2",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// What the cluster (or Helm's defaults) offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// Kubernetes version, `vMAJOR.MINOR.PATCH`.
    pub kube_version: String,
    /// API group versions (`apps/v1`) and optionally `group/version/Kind` entries.
    pub api_versions: Vec<String>,
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities {
            kube_version: DEFAULT_KUBE_VERSION.to_string(),
            api_versions: DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl Capabilities {
    /// Helm's defaults plus extra API versions (`--api-versions`).
    pub fn with_extra_api_versions(mut self, extra: &[String]) -> Self {
        for e in extra {
            if !self.api_versions.contains(e) {
                self.api_versions.push(e.clone());
            }
        }
        self
    }

    /// The `.Capabilities` object.
    pub fn to_value(&self) -> Value {
        let v = if self.kube_version.starts_with('v') {
            self.kube_version.clone()
        } else {
            format!("v{}", self.kube_version)
        };
        let mut parts = v.trim_start_matches('v').split('.');
        let major = parts.next().unwrap_or("").to_string();
        let minor = parts.next().unwrap_or("").to_string();
        let mut kv = Map::new();
        kv.insert("Version".into(), Value::str(v.as_str()));
        kv.insert("GitVersion".into(), Value::str(v.as_str()));
        kv.insert("Major".into(), Value::str(major));
        kv.insert("Minor".into(), Value::str(minor));
        let mut hv = Map::new();
        hv.insert("Version".into(), Value::str("v4.2"));
        hv.insert("GitCommit".into(), Value::str(""));
        hv.insert("GitTreeState".into(), Value::str(""));
        hv.insert("GoVersion".into(), Value::str("go1.26.6"));
        hv.insert("KubeClientVersion".into(), Value::str("v1.36"));
        let mut m = Map::new();
        m.insert("KubeVersion".into(), Value::map(kv));
        m.insert("APIVersions".into(), Value::str_list(self.api_versions.clone()));
        m.insert("HelmVersion".into(), Value::map(hv));
        Value::map(m)
    }
}
