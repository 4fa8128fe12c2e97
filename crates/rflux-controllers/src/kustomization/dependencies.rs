//! `spec.dependsOn`: whether every dependency is Ready at its current generation (and, when
//! it reads the same source, has applied the same revision), and dependency cycles.

use std::collections::{BTreeMap, BTreeSet};

use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use kube::{Api, Client, ResourceExt};
use rflux_api::conditions;
use rflux_api::types::{DependencyReferenceKind, Kustomization};

use crate::kustomization::source::source_location;
use crate::queue::ObjectKey;

/// Why the dependencies do not allow a reconcile now.
#[derive(Debug, PartialEq, Eq)]
pub enum Blocked {
    /// A dependency is missing or not Ready yet; it will trigger us when it is.
    NotReady(String),
    /// The dependencies form a cycle through this object; only a spec change can help.
    Cycle(String),
}

/// The Kustomizations `kustomization` depends on (namespace defaults to its own).
pub fn dependency_keys(kustomization: &Kustomization) -> Vec<ObjectKey> {
    keys_of_kind(kustomization, DependencyReferenceKind::Kustomization)
}

/// The HelmReleases `kustomization` depends on (`kind: HelmRelease`, an rflux addition).
fn helm_release_keys(kustomization: &Kustomization) -> Vec<ObjectKey> {
    keys_of_kind(kustomization, DependencyReferenceKind::HelmRelease)
}

/// The dependencies of one kind (an absent kind is a Kustomization).
fn keys_of_kind(kustomization: &Kustomization, kind: DependencyReferenceKind) -> Vec<ObjectKey> {
    let own = kustomization.namespace().unwrap_or_default();
    kustomization
        .spec
        .depends_on
        .iter()
        .filter(|d| d.kind.unwrap_or_default() == kind)
        .map(|d| ObjectKey::new(d.namespace.clone().unwrap_or_else(|| own.clone()), d.name.clone()))
        .collect()
}

/// True when the HelmRelease JSON is Ready at its current generation.
fn helm_release_ready(release: &serde_json::Value) -> bool {
    let status = &release["status"];
    let ready = status["conditions"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"));
    ready && status["observedGeneration"] == release["metadata"]["generation"]
}

/// True when `dependency` counts as ready for a dependent that applies `source_revision` from
/// the same source (None when the sources differ).
pub fn is_ready(dependency: &Kustomization, same_source_revision: Option<&str>) -> bool {
    let Some(status) = &dependency.status else {
        return false;
    };
    if !conditions::is_true(&status.conditions, conditions::READY) {
        return false;
    }
    if status.observed_generation != dependency.metadata.generation {
        return false;
    }
    match same_source_revision {
        Some(revision) => status.last_applied_revision.as_deref() == Some(revision),
        None => true,
    }
}

/// Checks every dependency of `kustomization`, which is about to apply `revision` of its
/// source.
pub async fn check(client: &Client, kustomization: &Kustomization, revision: &str) -> Result<(), Blocked> {
    let own_key = ObjectKey::new(kustomization.namespace().unwrap_or_default(), kustomization.name_any());
    // The cycle walk reads the dependencies; what it read is checked here without a second GET.
    let mut read = BTreeMap::new();
    if let Some(cycle) = find_cycle(client, &own_key, kustomization, &mut read).await {
        return Err(Blocked::Cycle(cycle));
    }
    for key in dependency_keys(kustomization) {
        let api: Api<Kustomization> = Api::namespaced(client.clone(), &key.namespace);
        let fetched = match read.remove(&key) {
            Some(d) => Ok(Some(d)),
            None => api.get_opt(&key.name).await,
        };
        let dependency = match fetched {
            Ok(Some(d)) => d,
            Ok(None) => return Err(Blocked::NotReady(format!("dependency '{key}' not found"))),
            Err(e) => {
                return Err(Blocked::NotReady(format!(
                    "unable to get '{key}' dependency: {}",
                    rflux_ssa::error::message_of(&e)
                )));
            }
        };
        let same_source = same_source(kustomization, &dependency).then_some(revision);
        if !is_ready(&dependency, same_source) {
            return Err(Blocked::NotReady(format!("dependency '{key}' is not ready")));
        }
    }
    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("helm.toolkit.fluxcd.io", "v2", "HelmRelease"),
        "helmreleases",
    );
    for key in helm_release_keys(kustomization) {
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), &key.namespace, &resource);
        match api.get_opt(&key.name).await {
            Ok(Some(release)) if helm_release_ready(&serde_json::to_value(&release).unwrap_or_default()) => {}
            Ok(Some(_)) => {
                return Err(Blocked::NotReady(format!(
                    "dependency HelmRelease '{key}' is not ready"
                )));
            }
            Ok(None) => return Err(Blocked::NotReady(format!("dependency HelmRelease '{key}' not found"))),
            Err(e) => {
                return Err(Blocked::NotReady(format!(
                    "unable to get HelmRelease '{key}' dependency: {}",
                    rflux_ssa::error::message_of(&e)
                )));
            }
        }
    }
    Ok(())
}

fn same_source(a: &Kustomization, b: &Kustomization) -> bool {
    a.spec.source_ref.kind == b.spec.source_ref.kind && source_location(a) == source_location(b)
}

/// Follows dependsOn from `start`; returns the cycle through it, written `a -> b -> a`.
/// Every Kustomization read on the way is left in `read`.
async fn find_cycle(
    client: &Client,
    start: &ObjectKey,
    object: &Kustomization,
    read: &mut BTreeMap<ObjectKey, Kustomization>,
) -> Option<String> {
    // Depth-first over the dependency graph, bounded by the objects seen.
    let mut stack: Vec<(ObjectKey, Vec<ObjectKey>)> = vec![(start.clone(), vec![start.clone()])];
    let mut visited: BTreeSet<ObjectKey> = BTreeSet::new();
    let mut first = true;
    while let Some((key, path)) = stack.pop() {
        let deps = if first {
            first = false;
            dependency_keys(object)
        } else {
            let api: Api<Kustomization> = Api::namespaced(client.clone(), &key.namespace);
            match api.get_opt(&key.name).await {
                Ok(Some(k)) => {
                    let deps = dependency_keys(&k);
                    read.insert(key.clone(), k);
                    deps
                }
                _ => continue,
            }
        };
        for dep in deps {
            if &dep == start {
                let mut names: Vec<String> = path.iter().map(|k| k.to_string()).collect();
                names.push(start.to_string());
                return Some(names.join(" -> "));
            }
            if visited.insert(dep.clone()) {
                let mut next = path.clone();
                next.push(dep.clone());
                stack.push((dep, next));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn helm_releases_count_when_ready_at_their_generation() {
        let ready = json!({"metadata": {"generation": 2}, "status": {"observedGeneration": 2,
            "conditions": [{"type": "Ready", "status": "True"}]}});
        assert!(helm_release_ready(&ready));
        let stale = json!({"metadata": {"generation": 3}, "status": {"observedGeneration": 2,
            "conditions": [{"type": "Ready", "status": "True"}]}});
        assert!(!helm_release_ready(&stale));
        let failed = json!({"metadata": {"generation": 1}, "status": {"observedGeneration": 1,
            "conditions": [{"type": "Ready", "status": "False"}]}});
        assert!(!helm_release_ready(&failed));
    }

    #[test]
    fn dependencies_split_by_kind() {
        let k: Kustomization = serde_json::from_value(json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "spec": {"interval": "1m", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "x"},
                "dependsOn": [{"name": "infra"}, {"name": "db", "namespace": "data", "kind": "HelmRelease"}]}
        }))
        .unwrap();
        assert_eq!(dependency_keys(&k), vec![ObjectKey::new("flux-system", "infra")]);
        assert_eq!(helm_release_keys(&k), vec![ObjectKey::new("data", "db")]);
    }
}
