//! After rendering: NOTES.txt set apart, outputs split into documents, hooks
//! (`helm.sh/hook`) separated with their weights and delete policies, manifests sorted in
//! Helm's install order, and the `helm template` stream (`# Source:` comments).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::chart::Chart;
use crate::error::Error;
use crate::values::Values;

/// Helm's install order of kinds; unknown kinds go last, alphabetically.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Hook events Helm knows.
pub const HOOK_EVENTS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
    "test-success",
];

/// One rendered Kubernetes document.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// Template path it came from (`CHART/templates/x.yaml`).
    pub path: String,
    /// The document text (trimmed).
    pub content: String,
    /// `kind`, empty when absent.
    pub kind: String,
    /// `metadata.name`, empty when absent.
    pub name: String,
}

/// A hook document.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    /// `metadata.name`.
    pub name: String,
    /// `kind`.
    pub kind: String,
    /// Template path.
    pub path: String,
    /// The document text.
    pub manifest: String,
    /// Events (`pre-install`, …), as written (lower-cased).
    pub events: Vec<String>,
    /// `helm.sh/hook-weight` (0 when absent or not a number).
    pub weight: i64,
    /// `helm.sh/hook-delete-policy` entries.
    pub delete_policies: Vec<String>,
}

/// A CRD file from a `crds/` directory.
#[derive(Debug, Clone, PartialEq)]
pub struct CrdFile {
    /// `CHART/crds/x.yaml` (with `charts/SUB/` for subcharts).
    pub path: String,
    /// Content as written (shared with the chart).
    pub data: std::sync::Arc<Vec<u8>>,
}

impl CrdFile {
    /// The content as text.
    pub fn content(&self) -> std::borrow::Cow<'_, str> {
        crate::chart::text_of(&self.data)
    }
}

/// The result of rendering a chart.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Manifests in install order.
    pub manifests: Vec<Manifest>,
    /// Hooks.
    pub hooks: Vec<Hook>,
    /// The rendered NOTES.txt (empty when none).
    pub notes: String,
    /// CRDs from `crds/` of the chart and its enabled subcharts.
    pub crds: Vec<CrdFile>,
    /// Raw output of each template (no partials, no NOTES.txt), by path.
    pub files: BTreeMap<String, String>,
    /// The final values the templates saw.
    pub values: Values,
    /// The chart as rendered: dependencies processed (aliases, enabled flags), values
    /// with imports applied. This is the chart a release record stores.
    pub chart: Chart,
}

fn sep() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"(?:^|\s*\n)---\s*").unwrap_or_else(|_| Regex::new("$^").unwrap_or_else(|_| sep().clone()))
    })
}

/// Helm's `SplitManifests`: documents split on `---` lines, trimmed, empty ones dropped.
pub fn split_manifests(text: &str) -> Vec<String> {
    sep()
        .split(text.trim())
        .filter(|d| !d.is_empty())
        .map(|d| d.trim().to_string())
        .collect()
}

/// Helm's uninstall order of kinds (webhooks first, namespaces last); unknown kinds go
/// last, alphabetically.
pub const UNINSTALL_ORDER: &[&str] = &[
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "Ingress",
    "IngressClass",
    "Service",
    "CronJob",
    "Job",
    "StatefulSet",
    "HorizontalPodAutoscaler",
    "Deployment",
    "ReplicaSet",
    "ReplicationController",
    "Pod",
    "DaemonSet",
    "RoleBindingList",
    "RoleBinding",
    "RoleList",
    "Role",
    "ClusterRoleBindingList",
    "ClusterRoleBinding",
    "ClusterRoleList",
    "ClusterRole",
    "CustomResourceDefinition",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "StorageClass",
    "ConfigMap",
    "SecretList",
    "Secret",
    "ServiceAccount",
    "PodDisruptionBudget",
    "PodSecurityPolicy",
    "LimitRange",
    "ResourceQuota",
    "NetworkPolicy",
    "Namespace",
    "PriorityClass",
];

/// Helm's `lessByKind` comparison under an ordering ([`INSTALL_ORDER`] or
/// [`UNINSTALL_ORDER`]).
pub fn kind_order(order: &[&str], a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let rank = |kind: &str| order.iter().position(|k| *k == kind);
    match (rank(a), rank(b)) {
        (None, None) => a.cmp(b),
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x.cmp(&y),
    }
}

/// Helm's `lessByKind` comparison for installs.
fn kind_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    kind_order(INSTALL_ORDER, a, b)
}

fn crds_of(c: &Chart, full: &str, out: &mut Vec<CrdFile>) {
    for f in c.crd_files() {
        out.push(CrdFile {
            path: format!("{full}/{}", f.name),
            data: f.data.clone(),
        });
    }
    for d in &c.dependencies {
        crds_of(d, &format!("{full}/charts/{}", d.name()), out);
    }
}

/// Post-process rendered templates the way Helm's install action does.
pub fn sort_manifests(
    chart: Chart,
    mut files: BTreeMap<String, String>,
    values: Values,
    sub_notes: bool,
) -> Result<Rendered, Error> {
    let root_notes = format!("{}/templates/NOTES.txt", chart.name());
    let mut notes = String::new();
    let note_keys: Vec<String> = files.keys().filter(|k| k.ends_with("NOTES.txt")).cloned().collect();
    for k in note_keys {
        if let Some(v) = files.remove(&k)
            && (sub_notes || k == root_notes)
        {
            if !notes.is_empty() {
                notes.push('\n');
            }
            notes.push_str(&v);
        }
    }
    let mut manifests = Vec::new();
    let mut hooks = Vec::new();
    let docs: Vec<(&String, String)> = files
        .iter()
        .filter(|(_, content)| !content.trim().is_empty())
        .flat_map(|(path, content)| split_manifests(content).into_iter().map(move |d| (path, d)))
        .collect();
    // Parsing the documents is most of this step; they parse independently.
    let heads = rflux_gotmpl::parallel_map(&docs, |(_, doc)| crate::yaml::parse(doc));
    for ((path, doc), head) in docs.into_iter().zip(heads) {
        let head = head.map_err(|e| {
            Error::Manifest(format!(
                "YAML parse error on {path}: error converting YAML to JSON: {e}"
            ))
        })?;
        let kind = head.get("kind").and_then(Value::as_str).unwrap_or_default().to_string();
        let md = head.get("metadata");
        let name = md
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let ann = md.and_then(|m| m.get("annotations"));
        let ann_str = |k: &str| ann.and_then(|a| a.get(k)).and_then(Value::as_str);
        let Some(hook_types) = ann_str("helm.sh/hook") else {
            manifests.push(Manifest {
                path: path.clone(),
                content: doc,
                kind,
                name,
            });
            continue;
        };
        let events: Vec<String> = hook_types.split(',').map(|h| h.trim().to_ascii_lowercase()).collect();
        if events.iter().any(|e| !HOOK_EVENTS.contains(&e.as_str())) {
            tracing::info!(hooks = hook_types, "skipping unknown hook");
            continue;
        }
        let weight = ann_str("helm.sh/hook-weight")
            .and_then(|w| w.trim().parse::<i64>().ok())
            .unwrap_or(0);
        let delete_policies = ann_str("helm.sh/hook-delete-policy")
            .map(|p| {
                p.split(',')
                    .map(|x| x.trim().to_ascii_lowercase())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        hooks.push(Hook {
            name,
            kind,
            path: path.clone(),
            manifest: doc,
            events,
            weight,
            delete_policies,
        });
    }
    // Files are visited in path order; then a stable sort by kind.
    manifests.sort_by(|a, b| kind_cmp(&a.kind, &b.kind));
    hooks.sort_by(|a, b| kind_cmp(&a.kind, &b.kind));
    let mut crds = Vec::new();
    crds_of(&chart, chart.name(), &mut crds);
    Ok(Rendered {
        manifests,
        hooks,
        notes,
        crds,
        files,
        values,
        chart,
    })
}

impl Rendered {
    /// The stream `helm template` prints: CRDs (when asked), manifests, then hooks, each
    /// preceded by `---` and `# Source: PATH`.
    pub fn to_stream(&self, include_crds: bool) -> String {
        self.to_stream_with(include_crds, |_| true)
    }

    /// [`Rendered::to_stream`] with only the hooks `keep_hook` accepts.
    pub fn to_stream_with(&self, include_crds: bool, keep_hook: impl Fn(&Hook) -> bool) -> String {
        let mut b = String::new();
        if include_crds {
            for c in &self.crds {
                b.push_str(&format!("---\n# Source: {}\n{}\n", c.path, c.content()));
            }
        }
        for m in &self.manifests {
            b.push_str(&format!("---\n# Source: {}\n{}\n", m.path, m.content));
        }
        let mut out = b.trim().to_string();
        out.push('\n');
        for h in self.hooks.iter().filter(|h| keep_hook(h)) {
            out.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
        }
        out
    }

    /// The stream `helm-reference-render` prints: every template output in path order,
    /// split on `\n---`, documents holding only comments left out.
    pub fn to_reference_stream(&self) -> String {
        let mut out = String::new();
        for (path, body) in &self.files {
            if body.trim().is_empty() {
                continue;
            }
            for doc in body.split("\n---") {
                let has_content = doc
                    .lines()
                    .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
                if !doc.trim().is_empty() && has_content {
                    out.push_str(&format!("---\n# Source: {path}\n{}\n", doc.trim_matches('\n')));
                }
            }
        }
        out
    }
}
