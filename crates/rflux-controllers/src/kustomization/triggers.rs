//! What makes a Kustomization reconcile besides its own changes: a new artifact of its source,
//! a dependency turning Ready (at once — no polling interval per level of a dependsOn chain),
//! and what interrupts a health-check wait (a newer revision or spec).

use std::sync::Arc;
use std::time::Duration;

use kube::runtime::reflector::Store;
use kube::{Api, Client, ResourceExt};
use rflux_api::conditions::{self, reason};
use rflux_api::types::{Kustomization, KustomizationSourceKind};
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
    mut changes: broadcast::Receiver<Arc<S>>,
    kind: KustomizationSourceKind,
    kustomizations: Store<Kustomization>,
    queue: WorkQueue,
    revision_of: impl Fn(&S) -> Option<String>,
) where
    S: kube::Resource + Clone,
{
    loop {
        match changes.recv().await {
            Ok(source) => {
                let Some(revision) = revision_of(&source) else {
                    continue;
                };
                let namespace = source.namespace().unwrap_or_default();
                for key in readers_of_source(&kustomizations, kind, &namespace, &source.name_any(), &revision) {
                    tracing::debug!(kustomization = %key, revision = %revision, "new source revision");
                    queue.enqueue(key);
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => {
                for k in kustomizations.state() {
                    queue.enqueue(key_of(k.as_ref()));
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Enqueues dependents when a Kustomization turns Ready.
pub async fn follow_dependencies(
    mut changes: broadcast::Receiver<Arc<Kustomization>>,
    kustomizations: Store<Kustomization>,
    queue: WorkQueue,
) {
    loop {
        match changes.recv().await {
            Ok(changed) => {
                // Ready lets dependents proceed; Stalled (a dependency cycle closed by this
                // object) lets the members that were waiting find the cycle at once.
                let settled = changed.status.as_ref().is_some_and(|s| {
                    conditions::is_true(&s.conditions, conditions::READY)
                        || conditions::is_true(&s.conditions, conditions::STALLED)
                });
                if !settled {
                    continue;
                }
                for key in waiting_dependents(&kustomizations, &key_of(changed.as_ref())) {
                    tracing::debug!(kustomization = %key, dependency = %key_of(changed.as_ref()), "dependency ready");
                    queue.enqueue(key);
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => {
                for k in kustomizations.state() {
                    queue.enqueue(key_of(k.as_ref()));
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
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
