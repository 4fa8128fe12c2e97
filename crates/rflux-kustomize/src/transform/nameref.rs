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

/// Pod-spec locations per workload kind, and whether the kind takes ConfigMap/Secret
/// references (`cm`) and service account / claim / priority class references (`other`)
/// in kustomize's default name-reference configuration.
const POD_KINDS: &[(&str, &str, bool, bool)] = &[
    ("Pod", "spec", true, true),
    ("Deployment", "spec/template/spec", true, true),
    ("ReplicaSet", "spec/template/spec", true, false),
    ("DaemonSet", "spec/template/spec", true, true),
    ("StatefulSet", "spec/template/spec", true, true),
    ("Job", "spec/template/spec", true, true),
    ("ReplicationController", "spec/template/spec", false, true),
    ("CronJob", "spec/jobTemplate/spec/template/spec", true, true),
];

/// ConfigMap and Secret references inside a pod spec: (referral, parent, field).
const POD_CM_REFS: &[(&str, &str, &str)] = &[
    ("ConfigMap", "volumes/configMap", "name"),
    ("ConfigMap", "containers/env/valueFrom/configMapKeyRef", "name"),
    ("ConfigMap", "initContainers/env/valueFrom/configMapKeyRef", "name"),
    ("ConfigMap", "containers/envFrom/configMapRef", "name"),
    ("ConfigMap", "initContainers/envFrom/configMapRef", "name"),
    ("ConfigMap", "volumes/projected/sources/configMap", "name"),
    ("Secret", "volumes/secret", "secretName"),
    ("Secret", "containers/env/valueFrom/secretKeyRef", "name"),
    ("Secret", "initContainers/env/valueFrom/secretKeyRef", "name"),
    ("Secret", "containers/envFrom/secretRef", "name"),
    ("Secret", "initContainers/envFrom/secretRef", "name"),
    ("Secret", "imagePullSecrets", "name"),
    ("Secret", "volumes/projected/sources/secret", "name"),
];

/// Other references inside a pod spec.
const POD_OTHER_REFS: &[(&str, &str, &str)] = &[
    ("ServiceAccount", "", "serviceAccountName"),
    ("PersistentVolumeClaim", "volumes/persistentVolumeClaim", "claimName"),
    ("PriorityClass", "", "priorityClassName"),
];

const fn site(referrer: &'static [&'static str], parent: &'static str, field: &'static str, check_kind: bool) -> Site {
    Site {
        referrer,
        parent,
        field,
        check_kind,
    }
}

const INGRESS: &[&str] = &["Ingress"];
const ROLES: &[&str] = &["Role", "ClusterRole"];
const BINDINGS: &[&str] = &["RoleBinding", "ClusterRoleBinding"];
const WEBHOOKS: &[&str] = &["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"];
const HPA: &[&str] = &["HorizontalPodAutoscaler"];

/// References outside pod specs: (referral kind, where).
const OTHER_REFS: &[(&str, Site)] = &[
    ("ConfigMap", site(ROLES, "rules", "resourceNames", false)),
    (
        "ConfigMap",
        site(
            INGRESS,
            "metadata/annotations",
            "nginx.ingress.kubernetes.io/fastcgi-params-configmap",
            false,
        ),
    ),
    ("Secret", site(&["ServiceAccount"], "imagePullSecrets", "name", false)),
    ("Secret", site(INGRESS, "spec/tls", "secretName", false)),
    (
        "Secret",
        site(
            INGRESS,
            "metadata/annotations",
            "ingress.kubernetes.io/auth-secret",
            false,
        ),
    ),
    (
        "Secret",
        site(
            INGRESS,
            "metadata/annotations",
            "nginx.ingress.kubernetes.io/auth-secret",
            false,
        ),
    ),
    (
        "Secret",
        site(
            INGRESS,
            "metadata/annotations",
            "nginx.ingress.kubernetes.io/auth-tls-secret",
            false,
        ),
    ),
    ("Secret", site(&["StorageClass"], "parameters", "secretName", false)),
    (
        "Secret",
        site(&["StorageClass"], "parameters", "adminSecretName", false),
    ),
    ("Secret", site(&["StorageClass"], "parameters", "userSecretName", false)),
    ("Secret", site(&["StorageClass"], "parameters", "secretRef", false)),
    ("Secret", site(ROLES, "rules", "resourceNames", false)),
    (
        "Secret",
        site(&["PersistentVolume"], "spec/azureFile", "secretName", false),
    ),
    ("Service", site(&["StatefulSet"], "spec", "serviceName", false)),
    (
        "Service",
        site(INGRESS, "spec/rules/http/paths/backend", "serviceName", false),
    ),
    ("Service", site(INGRESS, "spec/backend", "serviceName", false)),
    (
        "Service",
        site(INGRESS, "spec/rules/http/paths/backend/service", "name", false),
    ),
    ("Service", site(INGRESS, "spec/defaultBackend/service", "name", false)),
    ("Service", site(&["APIService"], "spec/service", "name", false)),
    (
        "Service",
        site(WEBHOOKS, "webhooks/clientConfig/service", "name", false),
    ),
    ("Role", site(&["RoleBinding"], "roleRef", "name", true)),
    ("ClusterRole", site(BINDINGS, "roleRef", "name", true)),
    ("ServiceAccount", site(BINDINGS, "subjects", "name", false)),
    (
        "PersistentVolume",
        site(&["PersistentVolumeClaim"], "spec", "volumeName", false),
    ),
    (
        "PersistentVolume",
        site(&["ClusterRole"], "rules", "resourceNames", false),
    ),
    (
        "StorageClass",
        site(
            &["PersistentVolume", "PersistentVolumeClaim"],
            "spec",
            "storageClassName",
            false,
        ),
    ),
    (
        "StorageClass",
        site(
            &["StatefulSet"],
            "spec/volumeClaimTemplates/spec",
            "storageClassName",
            false,
        ),
    ),
    // kustomize's IngressClass entry never matches (its group carries the version).
    ("Deployment", site(HPA, "spec/scaleTargetRef", "name", true)),
    ("ReplicationController", site(HPA, "spec/scaleTargetRef", "name", true)),
    ("ReplicaSet", site(HPA, "spec/scaleTargetRef", "name", true)),
    ("StatefulSet", site(HPA, "spec/scaleTargetRef", "name", true)),
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
pub(crate) fn fix(resources: &mut [Resource], custom: &[crate::config::NameReference]) {
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
        if let Some((_, pod, cm, other)) = POD_KINDS.iter().find(|(k, ..)| *k == kind) {
            let refs = POD_CM_REFS
                .iter()
                .filter(|_| *cm)
                .chain(POD_OTHER_REFS.iter().filter(|_| *other));
            for (referral, parent, field) in refs {
                let path = if parent.is_empty() {
                    (*pod).to_string()
                } else {
                    format!("{pod}/{parent}")
                };
                update_at(&mut r.obj, &path, field, referral, false, &candidates, &ctx);
            }
        }
        let gvk = r.gvk();
        for reference in custom {
            for spec in reference.specs.iter().filter(|s| s.applies(&gvk)) {
                let (parent, field) = spec.parent_and_field();
                update_at(&mut r.obj, &parent, &field, &reference.kind, false, &candidates, &ctx);
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
        // A reference that carries a namespace means that namespace; otherwise the
        // referrer's own (any namespace for cluster-scoped referrers).
        let wanted_ns = match map.get("namespace").and_then(Value::as_str) {
            Some(ns) => Some(ns.to_string()),
            None if referrer.cluster_scoped => None,
            None => Some(referrer.namespace.clone()),
        };
        // A list of names (`rules[].resourceNames`): each element is a reference.
        if let Some(Value::Array(names)) = map.get_mut(field) {
            for n in names.iter_mut() {
                if let Value::String(old) = n
                    && let Some(c) = pick(old, referral, wanted_ns.as_deref(), candidates, referrer)
                {
                    *n = Value::String(c.name.clone());
                }
            }
            return;
        }
        let Some(Value::String(old)) = map.get(field) else {
            return;
        };
        let parent_is_subjects = parent == "subjects";
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
