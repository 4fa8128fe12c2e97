//! `.Capabilities`: the Kubernetes version and API versions templates see, with Helm v4's
//! defaults when no cluster is given.
//!
//! In templates it is a host object shaped as Helm v4's `*common.Capabilities`:
//! `KubeVersion` (`common.KubeVersion`: fields `Version`, `Major`, `Minor`, methods
//! `GitVersion` and `String`, printed by `{{ }}` through `String()`, by `%v` as a struct),
//! `APIVersions` (`common.VersionSet`, a `[]string` that list functions see as a list, with
//! method `Has`) and `HelmVersion` (`version.BuildInfo`). Printing, `toJson` and `toYaml`
//! give what Go gives for those types. Not reproduced: Go's "unexported field" message for
//! `.Capabilities.KubeVersion.normalizedVersion` (we say it has no such field).

use std::sync::Arc;

use rflux_gotmpl::{Map, Object, Ty, Value};

/// `.Capabilities.HelmVersion.Version` of the Helm v4 release rflux follows.
const HELM_VERSION: &str = "v4.2";
/// `.Capabilities.HelmVersion.GoVersion` of that release.
const HELM_GO_VERSION: &str = "go1.26.6";
/// `.Capabilities.HelmVersion.KubeClientVersion` of that release.
const HELM_KUBE_CLIENT_VERSION: &str = "v1.36";

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

    /// The `.Capabilities` object (see the module docs).
    pub fn to_value(&self) -> Value {
        Value::Object(Arc::new(CapabilitiesObject {
            kube_version: Value::Object(Arc::new(KubeVersion::parse(&self.kube_version))),
            api_versions: Value::Object(Arc::new(VersionSet(Arc::new(
                self.api_versions.iter().map(|s| Value::str(s.as_str())).collect(),
            )))),
            helm_version: Value::Object(Arc::new(BuildInfo)),
        }))
    }
}

/// Go's `%v` of a value, as a struct field inside `{…}`.
fn field_text(v: &Value) -> String {
    rflux_gotmpl::sprint(std::slice::from_ref(v))
}

/// `*common.Capabilities`.
#[derive(Debug)]
struct CapabilitiesObject {
    kube_version: Value,
    api_versions: Value,
    helm_version: Value,
}

impl CapabilitiesObject {
    fn struct_text(&self) -> String {
        format!(
            "{{{} {} {}}}",
            field_text(&self.kube_version),
            field_text(&self.api_versions),
            field_text(&self.helm_version)
        )
    }
}

impl Object for CapabilitiesObject {
    fn type_name(&self) -> &str {
        "*common.Capabilities"
    }
    fn kind_name(&self) -> &str {
        "ptr"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(self.kube_version.clone()),
            "APIVersions" => Some(self.api_versions.clone()),
            "HelmVersion" => Some(self.helm_version.clone()),
            _ => None,
        }
    }
    fn method_sig(&self, name: &str) -> Option<(Vec<Ty>, Option<Ty>)> {
        (name == "Copy").then(|| (Vec::new(), None))
    }
    fn call(&self, name: &str, _args: Vec<Value>) -> Result<Value, String> {
        match name {
            "Copy" => Ok(Value::Object(Arc::new(CapabilitiesObject {
                kube_version: self.kube_version.clone(),
                api_versions: self.api_versions.clone(),
                helm_version: self.helm_version.clone(),
            }))),
            _ => Err(format!("no method {name}")),
        }
    }
    fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("KubeVersion".into(), self.kube_version.clone());
        m.insert("APIVersions".into(), self.api_versions.clone());
        m.insert("HelmVersion".into(), self.helm_version.clone());
        Value::map(m)
    }
    fn format(&self) -> Option<String> {
        Some(format!("&{}", self.struct_text()))
    }
    fn display(&self) -> Option<String> {
        Some(self.struct_text())
    }
    fn json_fields(&self) -> Option<Vec<(String, Value)>> {
        Some(vec![
            ("KubeVersion".into(), self.kube_version.clone()),
            ("APIVersions".into(), self.api_versions.clone()),
            ("HelmVersion".into(), self.helm_version.clone()),
        ])
    }
}

/// `common.KubeVersion`: `Version` as given (with a leading `v`), `Major`, `Minor`, and the
/// normalized version (`v1.33.4` for `v1.33.4-gke.1`) that `String()` returns.
#[derive(Debug)]
struct KubeVersion {
    version: String,
    normalized: String,
    major: String,
    minor: String,
}

impl KubeVersion {
    /// Helm's `ParseKubeVersion` (Kubernetes' generic version: at least `MAJOR.MINOR`,
    /// numeric components, anything after them dropped from the normalized form).
    fn parse(v: &str) -> KubeVersion {
        let version = if v.starts_with('v') {
            v.to_string()
        } else {
            format!("v{v}")
        };
        let body = version.trim().trim_start_matches('v');
        let numeric: Vec<&str> = body
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .next()
            .unwrap_or("")
            .split('.')
            .filter(|p| !p.is_empty())
            .collect();
        let strip = |p: &str| p.parse::<u64>().map(|n| n.to_string()).unwrap_or_default();
        let major = numeric.first().map(|p| strip(p)).unwrap_or_default();
        let minor = numeric.get(1).map(|p| strip(p)).unwrap_or_default();
        let normalized = format!("v{}", numeric.iter().map(|p| strip(p)).collect::<Vec<_>>().join("."));
        KubeVersion {
            version,
            normalized,
            major,
            minor,
        }
    }
}

impl Object for KubeVersion {
    fn type_name(&self) -> &str {
        "common.KubeVersion"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" => Some(Value::str(self.version.as_str())),
            "Major" => Some(Value::str(self.major.as_str())),
            "Minor" => Some(Value::str(self.minor.as_str())),
            _ => None,
        }
    }
    fn method_sig(&self, name: &str) -> Option<(Vec<Ty>, Option<Ty>)> {
        matches!(name, "GitVersion" | "String").then(|| (Vec::new(), None))
    }
    fn call(&self, name: &str, _args: Vec<Value>) -> Result<Value, String> {
        match name {
            "GitVersion" => Ok(Value::str(self.version.as_str())),
            "String" => Ok(Value::str(self.normalized.as_str())),
            _ => Err(format!("no method {name}")),
        }
    }
    fn to_value(&self) -> Value {
        Value::map(self.json_fields().unwrap_or_default().into_iter().collect())
    }
    fn format(&self) -> Option<String> {
        Some(format!(
            "{{{} {} {} {}}}",
            self.version, self.normalized, self.major, self.minor
        ))
    }
    fn display(&self) -> Option<String> {
        Some(self.normalized.clone())
    }
    fn json_fields(&self) -> Option<Vec<(String, Value)>> {
        Some(vec![
            ("Version".into(), Value::str(self.version.as_str())),
            ("Major".into(), Value::str(self.major.as_str())),
            ("Minor".into(), Value::str(self.minor.as_str())),
        ])
    }
}

/// `common.VersionSet`: a `[]string` with `Has`.
#[derive(Debug)]
struct VersionSet(Arc<Vec<Value>>);

impl Object for VersionSet {
    fn type_name(&self) -> &str {
        "common.VersionSet"
    }
    fn kind_name(&self) -> &str {
        "slice"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn method_sig(&self, name: &str) -> Option<(Vec<Ty>, Option<Ty>)> {
        (name == "Has").then(|| (vec![Ty::Str], None))
    }
    fn call(&self, name: &str, args: Vec<Value>) -> Result<Value, String> {
        match name {
            "Has" => {
                let want = args.first().and_then(Value::as_str).unwrap_or_default();
                Ok(Value::Bool(self.0.iter().any(|v| v.as_str() == Some(want))))
            }
            _ => Err(format!("no method {name}")),
        }
    }
    fn to_value(&self) -> Value {
        Value::TypedList(self.0.clone(), "common.VersionSet")
    }
    fn items(&self) -> Option<&[Value]> {
        Some(&self.0)
    }
}

/// Helm's `version.BuildInfo` as Helm v4 reports it.
#[derive(Debug)]
struct BuildInfo;

impl BuildInfo {
    const FIELDS: [(&'static str, &'static str, &'static str); 5] = [
        ("Version", "version", HELM_VERSION),
        ("GitCommit", "git_commit", ""),
        ("GitTreeState", "git_tree_state", ""),
        ("GoVersion", "go_version", HELM_GO_VERSION),
        ("KubeClientVersion", "kube_client_version", HELM_KUBE_CLIENT_VERSION),
    ];
}

impl Object for BuildInfo {
    fn type_name(&self) -> &str {
        "version.BuildInfo"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Self::FIELDS.iter().find(|f| f.0 == name).map(|f| Value::str(f.2))
    }
    fn to_value(&self) -> Value {
        Value::map(
            Self::FIELDS
                .iter()
                .map(|f| (f.0.to_string(), Value::str(f.2)))
                .collect(),
        )
    }
    fn format(&self) -> Option<String> {
        Some(format!(
            "{{{}}}",
            Self::FIELDS.iter().map(|f| f.2).collect::<Vec<_>>().join(" ")
        ))
    }
    fn json_fields(&self) -> Option<Vec<(String, Value)>> {
        // Every field but the last is `omitempty`.
        Some(
            Self::FIELDS
                .iter()
                .filter(|f| !f.2.is_empty() || f.1 == "kube_client_version")
                .map(|f| (f.1.to_string(), Value::str(f.2)))
                .collect(),
        )
    }
}
