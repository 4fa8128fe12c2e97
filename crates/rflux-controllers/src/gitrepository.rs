//! The GitRepository reconciler (source-controller): resolve `spec.ref`, fetch the commit when
//! it is new, package the tree as an artifact, store it where the kustomize controller can
//! download it, and report as Flux does (`Ready`, `ArtifactInStorage`, `FetchFailed`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;
use kube::{Api, Client, ResourceExt};
use rflux_api::conditions::{self, reason};
use rflux_api::types::{GitRepository, GitRepositoryStatus};
use rflux_source::git::{self, GitAuth, GitError, GitRef};
use rflux_source::ignore::IgnoreRules;
use rflux_source::storage::Storage;

use crate::events::Events;
use crate::metrics::{Metrics, ResourceInfo};
use crate::runner::{Reconciler, Requeue, jitter};
use crate::status;

/// Name of the controller in events and field managers.
pub const CONTROLLER: &str = "source-controller";
/// Kind as stored in artifact paths.
const STORAGE_KIND: &str = "gitrepository";

pub struct GitRepositoryReconciler {
    pub client: Client,
    pub storage: Storage,
    pub events: Events,
    pub metrics: Metrics,
}

/// A failure, with the reason Flux gives it.
struct Failure {
    reason: &'static str,
    message: String,
}

impl Failure {
    fn new(reason: &'static str, message: impl Into<String>) -> Self {
        Failure {
            reason,
            message: message.into(),
        }
    }
}

impl Reconciler for GitRepositoryReconciler {
    type Object = GitRepository;
    const KIND: &'static str = "GitRepository";

    async fn reconcile(&self, repo: Arc<GitRepository>) -> Requeue {
        let namespace = repo.namespace().unwrap_or_default();
        let name = repo.name_any();
        let api: Api<GitRepository> = Api::namespaced(self.client.clone(), &namespace);
        if repo.metadata.deletion_timestamp.is_some() {
            if let Err(e) = self.storage.remove(STORAGE_KIND, &namespace, &name) {
                tracing::warn!(kind = "GitRepository", namespace = %namespace, name = %name, error = %e, "could not remove artifacts");
            }
            self.metrics.forget_info("GitRepository", &namespace, &name);
            if let Err(e) = status::remove_finalizer(&api, &repo, CONTROLLER).await {
                tracing::warn!(kind = "GitRepository", namespace = %namespace, name = %name, error = %e, "could not remove the finalizer");
                return Requeue::After(Duration::from_secs(5));
            }
            return Requeue::Never;
        }
        let suspended = repo.spec.suspend.unwrap_or(false);
        if suspended {
            tracing::info!(kind = "GitRepository", namespace = %namespace, name = %name, "reconciliation is suspended for this object");
            self.record_info(&repo, suspended);
            return Requeue::Never;
        }
        match status::ensure_finalizer(&api, &repo, CONTROLLER).await {
            // The update comes back through the watch with a new resourceVersion; carry on.
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(kind = "GitRepository", namespace = %namespace, name = %name, error = %e, "could not add the finalizer");
                return Requeue::After(Duration::from_secs(5));
            }
        }
        let interval = rflux_api::duration::parse_duration(&repo.spec.interval).unwrap_or(Duration::from_secs(60));

        let mut status = repo.status.clone().unwrap_or_default();
        let generation = repo.metadata.generation;
        let outcome = self.fetch(&repo, &namespace, &name, &mut status).await;
        status.observed_generation = generation;
        if let Some(requested) = status::requested_at(repo.as_ref()) {
            status.last_handled_reconcile_at = Some(requested);
        }
        conditions::delete(&mut status.conditions, conditions::RECONCILING);
        let requeue = match &outcome {
            Ok(new_artifact) => {
                let revision = status.artifact.as_ref().map(|a| a.revision.clone()).unwrap_or_default();
                let message = format!("stored artifact for revision '{revision}'");
                conditions::delete(&mut status.conditions, conditions::FETCH_FAILED);
                conditions::delete(&mut status.conditions, conditions::STALLED);
                conditions::mark_true(
                    &mut status.conditions,
                    conditions::ARTIFACT_IN_STORAGE,
                    reason::SUCCEEDED,
                    &message,
                    generation,
                );
                conditions::mark_ready(&mut status.conditions, reason::SUCCEEDED, &message, generation);
                if let Some(commit_message) = new_artifact {
                    let subject = commit_message.lines().next().unwrap_or_default();
                    tracing::info!(kind = "GitRepository", namespace = %namespace, name = %name, revision = %revision, "stored artifact for commit '{subject}'");
                    self.events
                        .normal(repo.as_ref(), reason::NEW_ARTIFACT, &format!("stored artifact for commit '{subject}'"))
                        .await;
                }
                Requeue::After(jitter(interval))
            }
            Err(failure) => {
                conditions::mark_true(
                    &mut status.conditions,
                    conditions::FETCH_FAILED,
                    failure.reason,
                    &failure.message,
                    generation,
                );
                conditions::mark_failed(&mut status.conditions, failure.reason, &failure.message, generation);
                tracing::error!(kind = "GitRepository", namespace = %namespace, name = %name, reason = failure.reason, "{}", failure.message);
                self.events.warning(repo.as_ref(), failure.reason, &failure.message).await;
                Requeue::After(jitter(interval))
            }
        };
        if let Err(e) = status::write_status(&api, repo.as_ref(), CONTROLLER, &status).await {
            tracing::warn!(kind = "GitRepository", namespace = %namespace, name = %name, error = %e, "could not write status");
            return Requeue::After(Duration::from_secs(2));
        }
        let mut updated = (*repo).clone();
        updated.status = Some(status);
        self.record_info(&updated, suspended);
        requeue
    }
}

impl GitRepositoryReconciler {
    fn record_info(&self, repo: &GitRepository, suspended: bool) {
        let status = repo.status.as_ref();
        let ready = status
            .and_then(|s| conditions::get(&s.conditions, conditions::READY))
            .map(|c| c.status.to_string())
            .unwrap_or_else(|| "Unknown".to_string());
        let revision = status
            .and_then(|s| s.artifact.as_ref())
            .map(|a| a.revision.clone())
            .unwrap_or_default();
        self.metrics.record_info(
            "GitRepository",
            &repo.namespace().unwrap_or_default(),
            &repo.name_any(),
            &ResourceInfo {
                ready,
                suspended,
                revision,
            },
        );
    }

    /// Brings `status.artifact` to the commit `spec.ref` points at. Returns the commit
    /// message when a new artifact was stored.
    async fn fetch(
        &self,
        repo: &GitRepository,
        namespace: &str,
        name: &str,
        status: &mut GitRepositoryStatus,
    ) -> Result<Option<String>, Failure> {
        let auth = match &repo.spec.secret_ref {
            Some(secret_ref) => self.auth_from_secret(namespace, &secret_ref.name).await?,
            None => GitAuth::none(),
        };
        let reference = GitRef::from_spec(repo.spec.r#ref.as_ref());
        let timeout = rflux_api::duration::parse_duration(&repo.spec.timeout).unwrap_or(Duration::from_secs(60));
        let url = repo.spec.url.clone();

        // A cheap look at the remote first: the same revision with the same ignore rules needs
        // no clone and no new archive.
        let resolved = {
            let (url, reference, auth) = (url.clone(), reference.clone(), auth.clone());
            tokio::task::spawn_blocking(move || git::resolve(&url, &reference, &auth, timeout))
                .await
                .map_err(|e| Failure::new(reason::GIT_OPERATION_FAILED, format!("git worker failed: {e}")))?
                .map_err(git_failure)?
        };
        let unchanged = status.artifact.as_ref().is_some_and(|a| {
            a.revision == resolved.revision && self.storage.exists(a) && status.observed_ignore == repo.spec.ignore
        });
        if unchanged {
            return Ok(None);
        }

        let work = tempfile::tempdir()
            .map_err(|e| Failure::new(reason::STORAGE_OPERATION_FAILED, format!("cannot create a work directory: {e}")))?;
        let tree = work.path().join("tree");
        let checkout = {
            let (url, reference, auth, tree) = (url.clone(), reference.clone(), auth.clone(), tree.clone());
            tokio::task::spawn_blocking(move || git::checkout(&url, &reference, &auth, &tree, timeout))
                .await
                .map_err(|e| Failure::new(reason::GIT_OPERATION_FAILED, format!("git worker failed: {e}")))?
                .map_err(git_failure)?
        };
        let ignore = repo.spec.ignore.clone();
        let archive = work.path().join("artifact.tar.gz");
        let packed = {
            let (tree, archive) = (tree.clone(), archive.clone());
            tokio::task::spawn_blocking(move || {
                let rules = IgnoreRules::for_source(&tree, ignore.as_deref()).map_err(|e| e.to_string())?;
                rflux_source::artifact::package_dir(&tree, &rules, &archive).map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| Failure::new(reason::STORAGE_OPERATION_FAILED, format!("archive worker failed: {e}")))?
            .map_err(|e| Failure::new(reason::STORAGE_OPERATION_FAILED, format!("failed to package the artifact: {e}")))?
        };
        let artifact = self
            .storage
            .store(STORAGE_KIND, namespace, name, &checkout.revision, &archive, &packed.digest)
            .map_err(|e| Failure::new(reason::STORAGE_OPERATION_FAILED, format!("failed to store the artifact: {e}")))?;
        status.artifact = Some(artifact);
        status.observed_ignore = repo.spec.ignore.clone();
        Ok(Some(checkout.message))
    }

    async fn auth_from_secret(&self, namespace: &str, secret_name: &str) -> Result<GitAuth, Failure> {
        let secrets: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
        let secret = secrets.get(secret_name).await.map_err(|e| {
            Failure::new(
                reason::AUTHENTICATION_FAILED,
                format!("failed to get secret '{namespace}/{secret_name}': {}", kube_message(&e)),
            )
        })?;
        let data: BTreeMap<String, Vec<u8>> = secret
            .data
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.0))
            .chain(
                secret
                    .string_data
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.into_bytes())),
            )
            .collect();
        GitAuth::from_secret_data(&data).map_err(|e| {
            Failure::new(
                reason::AUTHENTICATION_FAILED,
                format!("invalid secret '{namespace}/{secret_name}': {e}"),
            )
        })
    }
}

fn git_failure(e: GitError) -> Failure {
    let reason = match e {
        GitError::AuthenticationFailed { .. } | GitError::InvalidCredentials { .. } => reason::AUTHENTICATION_FAILED,
        _ => reason::GIT_OPERATION_FAILED,
    };
    Failure::new(reason, format!("failed to checkout and determine revision: {e}"))
}

/// The API server's message of an error, without kube's wrapping.
pub fn kube_message(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) => status.message.clone(),
        other => other.to_string(),
    }
}
