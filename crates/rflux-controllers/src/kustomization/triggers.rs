//! What makes a Kustomization reconcile besides its own changes: a new artifact of its source,
//! a dependency turning Ready (at once — no polling interval per level of a dependsOn chain),
//! and what interrupts a health-check wait (a newer revision or spec).

use std::sync::Arc;
use std::time::Duration;

use kube::runtime::reflector::Store;
use kube::{Api, Client, ResourceExt};
use rflux_api::conditions::{self, reason};
use rflux_api::types::{Kustomization, KustomizationSourceKind, ValuesReferenceKind};
use tokio::sync::broadcast;

use super::dependencies::dependency_keys;
use super::source;
use crate::queue::{ObjectKey, WorkQueue};
use crate::runner::key_of;

/// Kustomizations reading the source `kind`/`namespace`/`name` whose last attempt was at
/// another revision than `revision` or could not get the artifact.
pub fn readers_of_source(
    kustomizations: &Store<Kustomization>,
    kind: KustomizationSourceKind,
    namespace: &str,
    name: &str,
    revision: &str,
) -> Vec<ObjectKey> {
    kustomizations
        .state()
        .iter()
        .filter(|k| {
            k.spec.source_ref.kind == kind && source::source_location(k) == (namespace.to_string(), name.to_string())
        })
        .filter(|k| {
            let status = k.status.as_ref();
            let other_revision = status.and_then(|s| s.last_attempted_revision.as_deref()) != Some(revision);
            // A reader that could not download the artifact tries again on any change of its
            // source (the artifact server moved after a restart, the archive was stored anew).
            let artifact_failed = status
                .and_then(|s| conditions::get(&s.conditions, conditions::READY))
                .is_some_and(|c| c.reason == reason::ARTIFACT_FAILED);
            other_revision || artifact_failed
        })
        .map(|k| key_of(k.as_ref()))
        .collect()
}

/// Every Kustomization that depends on `dependency`.
pub fn all_dependents(kustomizations: &Store<Kustomization>, dependency: &ObjectKey) -> Vec<ObjectKey> {
    kustomizations
        .state()
        .iter()
        .filter(|k| dependency_keys(k).contains(dependency))
        .map(|k| key_of(k.as_ref()))
        .collect()
}

/// Kustomizations waiting for `dependency` (their Ready reason is DependencyNotReady).
pub fn waiting_dependents(kustomizations: &Store<Kustomization>, dependency: &ObjectKey) -> Vec<ObjectKey> {
    kustomizations
        .state()
        .iter()
        .filter(|k| dependency_keys(k).contains(dependency))
        .filter(|k| {
            let ready = k
                .status
                .as_ref()
                .and_then(|s| conditions::get(&s.conditions, conditions::READY).cloned());
            // Never reconciled yet, or blocked on a dependency.
            ready.is_none_or(|c| c.reason == reason::DEPENDENCY_NOT_READY)
        })
        .map(|k| key_of(k.as_ref()))
        .collect()
}

/// Enqueues readers of each changed source artifact. `changes` carries GitRepositories (or
/// any source kind) as they change.
pub async fn follow_sources<S>(
    changes: broadcast::Receiver<Arc<S>>,
    kind: KustomizationSourceKind,
    kustomizations: Store<Kustomization>,
    queue: WorkQueue,
    artifact_of: impl Fn(&S) -> Option<(String, String)>,
) where
    S: kube::Resource + Clone,
{
    // The digest each source was last seen with: a new archive at the same revision (a
    // GitRepository whose included repository moved) is news for every reader too.
    let mut digests: std::collections::HashMap<(String, String), String> = std::collections::HashMap::new();
    let readers = |source: &S| {
        let Some((revision, digest)) = artifact_of(source) else {
            return Vec::new();
        };
        let namespace = source.namespace().unwrap_or_default();
        let name = source.name_any();
        let previous = digests.insert((namespace.clone(), name.clone()), digest.clone());
        let repacked = previous.is_some_and(|p| p != digest);
        let readers = if repacked {
            readers_of_source(&kustomizations, kind, &namespace, &name, "")
        } else {
            readers_of_source(&kustomizations, kind, &namespace, &name, &revision)
        };
        for key in &readers {
            tracing::debug!(kustomization = %key, revision = %revision, "new source revision");
        }
        readers
    };
    crate::runner::follow(changes, queue, readers, || all_of(&kustomizations)).await;
}

/// Every Kustomization (after missed changes).
fn all_of(kustomizations: &Store<Kustomization>) -> Vec<ObjectKey> {
    kustomizations.state().iter().map(|k| key_of(k.as_ref())).collect()
}

/// Enqueues dependents when a Kustomization turns Ready.
pub async fn follow_dependencies(
    changes: broadcast::Receiver<Arc<Kustomization>>,
    kustomizations: Store<Kustomization>,
    queue: WorkQueue,
) {
    // The revision each Kustomization was last seen Ready at: when it moves, every dependent
    // is enqueued, not only those already marked as waiting — a dependent may be in the middle
    // of finding out that it has to wait, its status not yet written.
    let mut ready_at: std::collections::HashMap<ObjectKey, Option<String>> = std::collections::HashMap::new();
    let dependents = |changed: &Kustomization| {
        let key = key_of(changed);
        // Ready lets dependents proceed; Stalled (a dependency cycle closed by this
        // object) lets the members that were waiting find the cycle at once.
        let ready = changed
            .status
            .as_ref()
            .is_some_and(|s| conditions::is_true(&s.conditions, conditions::READY));
        let stalled = changed
            .status
            .as_ref()
            .is_some_and(|s| conditions::is_true(&s.conditions, conditions::STALLED));
        if !ready && !stalled {
            return Vec::new();
        }
        let revision = changed.status.as_ref().and_then(|s| s.last_applied_revision.clone());
        let moved = ready && ready_at.insert(key.clone(), revision.clone()) != Some(revision);
        let dependents = if moved {
            all_dependents(&kustomizations, &key)
        } else {
            waiting_dependents(&kustomizations, &key)
        };
        for dependent in &dependents {
            tracing::debug!(kustomization = %dependent, dependency = %key, "dependency ready");
        }
        dependents
    };
    crate::runner::follow(changes, queue, dependents, || all_of(&kustomizations)).await;
}

/// Resolves when the work on `revision` of `object` became pointless: its source moved to
/// another revision, or its spec changed (a new generation), or it was deleted.
pub async fn superseded(client: Client, object: Kustomization, revision: String) {
    let namespace = object.namespace().unwrap_or_default();
    let api: Api<Kustomization> = Api::namespaced(client.clone(), &namespace);
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        match api.get_opt(&object.name_any()).await {
            Ok(Some(current)) => {
                if current.metadata.generation != object.metadata.generation
                    || current.metadata.deletion_timestamp.is_some()
                {
                    return;
                }
                if let Ok(artifact) = source::artifact_of(&client, &current).await
                    && artifact.revision != revision
                {
                    tracing::info!(kind = "Kustomization", namespace = %namespace, name = %object.name_any(), revision = %artifact.revision, "new revision; stopping the health check of {revision}");
                    return;
                }
            }
            Ok(None) => return,
            Err(_) => {}
        }
    }
}

/// Kustomizations in `namespace` that read the ConfigMap or Secret `name`: through
/// `postBuild.substituteFrom`, or (a Secret) as their decryption keys.
pub fn readers_of_data(
    kustomizations: &Store<Kustomization>,
    kind: ValuesReferenceKind,
    namespace: &str,
    name: &str,
) -> Vec<ObjectKey> {
    kustomizations
        .state()
        .iter()
        .filter(|k| k.namespace().as_deref() == Some(namespace))
        .filter(|k| {
            let substitutes = k
                .spec
                .post_build
                .as_ref()
                .is_some_and(|p| p.substitute_from.iter().any(|r| r.kind == kind && r.name == name));
            let decrypts = kind == ValuesReferenceKind::Secret
                && k.spec
                    .decryption
                    .as_ref()
                    .and_then(|d| d.secret_ref.as_ref())
                    .is_some_and(|r| r.name == name);
            substitutes || decrypts
        })
        .map(|k| key_of(k.as_ref()))
        .collect()
}

/// Watches ConfigMaps or Secrets labelled `reconcile.fluxcd.io/watch: Enabled` (as Flux
/// does) and enqueues the Kustomizations that read one when it changes or goes.
pub async fn follow_watched_data<K>(
    client: Client,
    kind: ValuesReferenceKind,
    kustomizations: Store<Kustomization>,
    queue: WorkQueue,
) where
    K: kube::Resource<DynamicType = ()> + Clone + serde::de::DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    use futures::StreamExt;
    use kube::runtime::watcher::{self, Event};
    let api: Api<K> = Api::all(client);
    let selector = format!(
        "{}={}",
        rflux_api::annotations::WATCH_LABEL,
        rflux_api::annotations::WATCH_ENABLED
    );
    let stream = watcher::watcher(api, watcher::Config::default().labels(&selector));
    futures::pin_mut!(stream);
    while let Some(event) = stream.next().await {
        match event {
            Ok(Event::Apply(object)) | Ok(Event::Delete(object)) => {
                let namespace = object.namespace().unwrap_or_default();
                let name = object.name_any();
                for key in readers_of_data(&kustomizations, kind, &namespace, &name) {
                    tracing::debug!(kustomization = %key, "{kind} '{namespace}/{name}' changed");
                    queue.enqueue(key);
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "watch of labelled {kind}s failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
