//! Name references: after prefixes, suffixes, namespaces and hashes changed names, every
//! field that names another object of the build (ConfigMaps and Secrets in pod specs,
//! service accounts in bindings, services in ingresses, ...) is pointed at its new name.

use std::collections::HashMap;

use serde_json::Value;

use crate::fieldpath;
use crate::resource::Resource;

/// Where a referrer names a referral: the object holding the name field (`parent`), the
/// field, and whether the parent's `kind` must equal the referral's kind.
struct Site {
    referrer: &'static [&'static str],
    parent: &'static str,
    field: &'static str,
    check_kind: bool,
}

const POD_KINDS: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicaSet", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("ReplicationController", "spec/template/spec"),
    ("PodTemplate", "template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
];

/// Paths inside a pod spec: (referral kind, parent path below the pod spec, field).
const POD_REFS: &[(&str, &str, &str)] = &[
    ("ConfigMap", "volumes/configMap", "name"),
    ("ConfigMap", "containers/env/valueFrom/configMapKeyRef", "name"),
    ("ConfigMap", "initContainers/env/valueFrom/configMapKeyRef", "name"),
    ("ConfigMap", "ephemeralContainers/env/valueFrom/configMapKeyRef", "name"),
    ("ConfigMap", "containers/envFrom/configMapRef", "name"),
    ("ConfigMap", "initContainers/envFrom/configMapRef", "name"),
    ("ConfigMap", "ephemeralContainers/envFrom/configMapRef", "name"),
    ("ConfigMap", "volumes/projected/sources/configMap", "name"),
    ("Secret", "volumes/secret", "secretName"),
    ("Secret", "containers/env/valueFrom/secretKeyRef", "name"),
    ("Secret", "initContainers/env/valueFrom/secretKeyRef", "name"),
    ("Secret", "ephemeralContainers/env/valueFrom/secretKeyRef", "name"),
    ("Secret", "containers/envFrom/secretRef", "name"),
    ("Secret", "initContainers/envFrom/secretRef", "name"),
    ("Secret", "ephemeralContainers/envFrom/secretRef", "name"),
    ("Secret", "imagePullSecrets", "name"),
    ("Secret", "volumes/projected/sources/secret", "name"),
    ("Secret", "volumes/csi/nodePublishSecretRef", "name"),
    ("ServiceAccount", "", "serviceAccountName"),
    ("ServiceAccount", "", "serviceAccount"),
    ("PersistentVolumeClaim", "volumes/persistentVolumeClaim", "claimName"),
    ("PriorityClass", "", "priorityClassName"),
];

const OTHER_REFS: &[(&str, Site)] = &[
    (
        "Secret",
        Site {
            referrer: &["ServiceAccount"],
            parent: "secrets",
            field: "name",
            check_kind: false,
        },
    ),
    (
        "Secret",
        Site {
            referrer: &["ServiceAccount"],
            parent: "imagePullSecrets",
            field: "name",
            check_kind: false,
        },
    ),
    (
        "Secret",
        Site {
            referrer: &["Ingress"],
            parent: "spec/tls",
            field: "secretName",
            check_kind: false,
        },
    ),
    (
        "ServiceAccount",
        Site {
            referrer: &["RoleBinding", "ClusterRoleBinding"],
            parent: "subjects",
            field: "name",
            check_kind: false,
        },
    ),
    (
        "Role",
        Site {
            referrer: &["RoleBinding"],
            parent: "roleRef",
            field: "name",
            check_kind: true,
        },
    ),
    (
        "ClusterRole",
        Site {
            referrer: &["RoleBinding", "ClusterRoleBinding"],
            parent: "roleRef",
            field: "name",
            check_kind: true,
        },
    ),
    (
        "ClusterRole",
        Site {
            referrer: &["ClusterRole"],
            parent: "aggregationRule/clusterRoleSelectors",
            field: "name",
            check_kind: true,
        },
    ),
    (
        "Service",
        Site {
            referrer: &["Ingress"],
            parent: "spec/rules/http/paths/backend/service",
            field: "name",
            check_kind: false,
        },
    ),
    (
        "Service",
        Site {
            referrer: &["Ingress"],
            parent: "spec/defaultBackend/service",
            field: "name",
            check_kind: false,
        },
    ),
    (
        "Service",
        Site {
            referrer: &["Ingress"],
            parent: "spec/rules/http/paths/backend",
            field: "serviceName",
            check_kind: false,
        },
    ),
    (
        "Service",
        Site {
            referrer: &["Ingress"],
            parent: "spec/backend",
            field: "serviceName",
            check_kind: false,
        },
    ),
    (
        "Service",
        Site {
            referrer: &["StatefulSet"],
            parent: "spec",
            field: "serviceName",
            check_kind: false,
        },
    ),
    (
        "Service",
        Site {
            referrer: &["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"],
            parent: "webhooks/clientConfig/service",
            field: "name",
            check_kind: false,
        },
    ),
    (
        "Service",
        Site {
            referrer: &["APIService"],
            parent: "spec/service",
            field: "name",
            check_kind: false,
        },
    ),
    (
        "PersistentVolume",
        Site {
            referrer: &["PersistentVolumeClaim"],
            parent: "spec",
            field: "volumeName",
            check_kind: false,
        },
    ),
    (
        "StorageClass",
        Site {
            referrer: &["PersistentVolumeClaim", "PersistentVolume"],
            parent: "spec",
            field: "storageClassName",
            check_kind: false,
        },
    ),
    (
        "StorageClass",
        Site {
            referrer: &["StatefulSet"],
            parent: "spec/volumeClaimTemplates/spec",
            field: "storageClassName",
            check_kind: false,
        },
    ),
    (
        "Deployment",
        Site {
            referrer: &["HorizontalPodAutoscaler"],
            parent: "spec/scaleTargetRef",
            field: "name",
            check_kind: true,
        },
    ),
    (
        "StatefulSet",
        Site {
            referrer: &["HorizontalPodAutoscaler"],
            parent: "spec/scaleTargetRef",
            field: "name",
            check_kind: true,
        },
    ),
    (
        "ReplicaSet",
        Site {
            referrer: &["HorizontalPodAutoscaler"],
            parent: "spec/scaleTargetRef",
            field: "name",
            check_kind: true,
        },
    ),
];

/// Every object of the build, indexed by (kind, any name it had).
struct Candidates {
    list: Vec<Candidate>,
    by_key: HashMap<(String, String), Vec<usize>>,
}

/// A referral candidate: current name, namespace, all names it had, prefixes/suffixes.
struct Candidate {
    kind: String,
    cluster_scoped: bool,
    name: String,
    namespace: String,
    old_names: Vec<(String, String)>,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

/// Fixes every name reference in `resources`.
pub(crate) fn fix(resources: &mut [Resource]) {
    let candidates: Vec<Candidate> = resources
        .iter()
        .map(|r| {
            let gvk = r.gvk();
            Candidate {
                kind: gvk.kind.clone(),
                cluster_scoped: gvk.is_cluster_scoped(),
                name: r.name().to_string(),
                namespace: r.namespace().to_string(),
                old_names: r.all_ids(),
                prefixes: r.prefixes.clone(),
                suffixes: r.suffixes.clone(),
            }
        })
        .collect();
    if candidates.iter().all(|c| c.old_names.len() == 1) {
        return;
    }
    let mut by_key: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (i, c) in candidates.iter().enumerate() {
        for (name, _) in &c.old_names {
            let slot = by_key.entry((c.kind.clone(), name.clone())).or_default();
            if !slot.contains(&i) {
                slot.push(i);
            }
        }
    }
    let candidates = Candidates {
        list: candidates,
        by_key,
    };
    for r in resources.iter_mut() {
        let kind = r.kind().to_string();
        let ns = r.namespace().to_string();
        let ctx = Referrer {
            namespace: ns,
            cluster_scoped: r.gvk().is_cluster_scoped(),
            prefixes: r.prefixes.clone(),
            suffixes: r.suffixes.clone(),
        };
        if let Some((_, pod)) = POD_KINDS.iter().find(|(k, _)| *k == kind) {
            for (referral, parent, field) in POD_REFS {
                let path = if parent.is_empty() {
                    (*pod).to_string()
                } else {
                    format!("{pod}/{parent}")
                };
                update_at(&mut r.obj, &path, field, referral, false, &candidates, &ctx);
            }
        }
        for (referral, site) in OTHER_REFS {
            if site.referrer.contains(&kind.as_str()) {
                update_at(
                    &mut r.obj,
                    site.parent,
                    site.field,
                    referral,
                    site.check_kind,
                    &candidates,
                    &ctx,
                );
            }
        }
    }
}

struct Referrer {
    namespace: String,
    cluster_scoped: bool,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

fn update_at(
    obj: &mut Value,
    parent: &str,
    field: &str,
    referral: &str,
    check_kind: bool,
    candidates: &Candidates,
    referrer: &Referrer,
) {
    fieldpath::visit_str(obj, parent, false, &mut |holder| {
        let Value::Object(map) = holder else { return };
        if check_kind && map.get("kind").and_then(Value::as_str) != Some(referral) {
            return;
        }
        let Some(Value::String(old)) = map.get(field) else {
            return;
        };
        let parent_is_subjects = parent == "subjects";
        // A reference that carries a namespace means that namespace; otherwise the
        // referrer's own (any namespace for cluster-scoped referrers).
        let wanted_ns = match map.get("namespace").and_then(Value::as_str) {
            Some(ns) => Some(ns.to_string()),
            None if referrer.cluster_scoped => None,
            None => Some(referrer.namespace.clone()),
        };
        if let Some(c) = pick(old, referral, wanted_ns.as_deref(), candidates, referrer) {
            let (name, namespace) = (c.name.clone(), c.namespace.clone());
            map.insert(field.to_string(), Value::String(name));
            if parent_is_subjects && !namespace.is_empty() {
                map.insert("namespace".into(), Value::String(namespace));
            }
        }
    });
}

fn ns_eq(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        if s.is_empty() {
            "default".to_string()
        } else {
            s.to_string()
        }
    };
    norm(a) == norm(b)
}

fn pick<'a>(
    old: &str,
    referral: &str,
    wanted_ns: Option<&str>,
    candidates: &'a Candidates,
    referrer: &Referrer,
) -> Option<&'a Candidate> {
    let matching: Vec<&Candidate> = candidates
        .by_key
        .get(&(referral.to_string(), old.to_string()))
        .map(|ids| ids.iter().map(|&i| &candidates.list[i]).collect())
        .unwrap_or_default();
    if matching.is_empty() {
        return None;
    }
    let in_ns: Vec<&Candidate> = matching
        .iter()
        .copied()
        .filter(|c| {
            let Some(wanted) = wanted_ns else { return true };
            c.cluster_scoped
                || c.old_names.iter().any(|(n, ns)| n == old && ns_eq(ns, wanted))
                || ns_eq(&c.namespace, wanted)
        })
        .collect();
    let pool = in_ns;
    if pool.is_empty() {
        return None;
    }
    if pool.len() == 1 {
        return pool.first().copied();
    }
    let same_affixes: Vec<&Candidate> = pool
        .iter()
        .copied()
        .filter(|c| c.prefixes == referrer.prefixes && c.suffixes == referrer.suffixes)
        .collect();
    if same_affixes.len() == 1 {
        return same_affixes.first().copied();
    }
    // Ambiguous: prefer an object that was never renamed away from `old`.
    pool.into_iter().find(|c| c.name == old)
}
