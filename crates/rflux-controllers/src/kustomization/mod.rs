//! The Kustomization reconciler (kustomize-controller): fetch the source artifact, check
//! `dependsOn`, build, decrypt, substitute, apply in stages, record the inventory, prune what
//! left Git, wait for health, and report as Flux does. A new source revision interrupts a
//! health-check wait at once.

pub mod build;
pub mod dependencies;
pub mod source;
pub mod triggers;
pub mod variables;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Secret;
use kube::{Api, Client, ResourceExt};
use rflux_api::conditions::{self, reason};
use rflux_api::duration::{format_duration, parse_duration};
use rflux_api::object::FluxObject;
use rflux_api::types::{DeletionPolicy, Kustomization, KustomizationStatus};
use rflux_ssa::{Action, Applier, ApplyOptions, ChangeSet, ChangeSetEntry, ObjectRef, PruneOptions};

use crate::events::Events;
use crate::metrics::{Metrics, ResourceInfo};
use crate::runner::{Reconciler, Requeue, jitter};
use crate::status;
use build::BuildInputs;
use dependencies::Blocked;
use rflux_ssa::error::message_of as kube_message;
use source::{SourceArtifact, SourceProblem};

/// Name of the controller in events, status writes and the default field manager.
pub const CONTROLLER: &str = rflux_api::annotations::KUSTOMIZE_FIELD_MANAGER;

/// Reasons rflux adds where Flux has none.
const CIRCULAR_DEPENDENCY: &str = "CircularDependency";

pub struct KustomizationReconciler {
    pub client: Client,
    pub applier: Applier,
    pub http: reqwest::Client,
    pub events: Events,
    pub metrics: Metrics,
}

/// A failed step, with Flux's reason.
struct Failure {
    reason: &'static str,
    message: String,
    /// Worth retrying within seconds rather than at the retry interval (a download that
    /// failed because the artifact server moved or was restarting).
    transient: bool,
}

impl Failure {
    fn new(reason: &'static str, message: impl Into<String>) -> Self {
        Failure {
            reason,
            message: message.into(),
            transient: false,
        }
    }
}

/// How soon a transient failure is retried.
const TRANSIENT_RETRY: Duration = Duration::from_secs(5);

/// How a reconcile ended, before it is written to the status.
enum Outcome {
    Applied {
        revision: String,
        health_checked: bool,
    },
    Failed {
        revision: Option<String>,
        failure: Failure,
    },
    /// Dependencies or the source's artifact not ready: no attempt was made; a trigger
    /// brings the object back when they are.
    Waiting {
        reason: &'static str,
        message: String,
    },
    Stalled {
        reason: &'static str,
        message: String,
    },
}

impl Reconciler for KustomizationReconciler {
    type Object = Kustomization;
    const KIND: &'static str = "Kustomization";

    async fn reconcile(&self, object: Arc<Kustomization>) -> Requeue {
        let namespace = object.namespace().unwrap_or_default();
        let name = object.name_any();
        let api: Api<Kustomization> = Api::namespaced(self.client.clone(), &namespace);

        if object.metadata.deletion_timestamp.is_some() {
            return self.finalize(&api, &object).await;
        }
        let suspended = object.spec.suspend.unwrap_or(false);
        if suspended {
            tracing::info!(kind = "Kustomization", namespace = %namespace, name = %name, "reconciliation is suspended for this object");
            self.record_info(&object, None);
            return Requeue::Never;
        }
        if let Err(e) = status::ensure_finalizer(&api, &object, CONTROLLER).await {
            tracing::warn!(kind = "Kustomization", namespace = %namespace, name = %name, error = %e, "could not add the finalizer");
            return Requeue::After(Duration::from_secs(5));
        }
        let interval = parse_duration(&object.spec.interval).unwrap_or(Duration::from_secs(600));
        let retry = object
            .spec
            .retry_interval
            .as_deref()
            .and_then(|r| parse_duration(r).ok())
            .unwrap_or(interval);
        let started = Instant::now();
        let mut status = object.status.clone().unwrap_or_default();
        let outcome = self.run(&api, &object, &mut status).await;
        let generation = object.metadata.generation;
        if let Some(requested) = status::requested_at(object.as_ref()) {
            status.last_handled_reconcile_at = Some(requested);
        }
        conditions::delete(&mut status.conditions, conditions::RECONCILING);
        let requeue = match outcome {
            Outcome::Applied {
                revision,
                health_checked,
            } => {
                let message = format!("Applied revision: {revision}");
                conditions::delete(&mut status.conditions, conditions::STALLED);
                conditions::mark_ready(
                    &mut status.conditions,
                    reason::RECONCILIATION_SUCCEEDED,
                    &message,
                    generation,
                );
                if health_checked {
                    conditions::mark_true(
                        &mut status.conditions,
                        conditions::HEALTHY,
                        reason::SUCCEEDED,
                        &format!("Health check passed in {}", format_duration(started.elapsed())),
                        generation,
                    );
                } else {
                    conditions::delete(&mut status.conditions, conditions::HEALTHY);
                }
                status.last_applied_revision = Some(revision.clone());
                status.last_attempted_revision = Some(revision.clone());
                status.observed_generation = generation;
                let next = jitter(interval);
                let summary = format!(
                    "Reconciliation finished in {}, next run in {}",
                    format_duration(started.elapsed()),
                    format_duration(interval)
                );
                tracing::info!(kind = "Kustomization", namespace = %namespace, name = %name, revision = %revision, "{summary}");
                self.events
                    .normal(object.as_ref(), reason::RECONCILIATION_SUCCEEDED, &summary)
                    .await;
                Requeue::After(next)
            }
            Outcome::Failed { revision, failure } => {
                conditions::mark_failed(&mut status.conditions, failure.reason, &failure.message, generation);
                if failure.reason == reason::HEALTH_CHECK_FAILED {
                    conditions::mark_false(
                        &mut status.conditions,
                        conditions::HEALTHY,
                        failure.reason,
                        &failure.message,
                        generation,
                    );
                }
                if let Some(revision) = revision {
                    status.last_attempted_revision = Some(revision);
                }
                status.observed_generation = generation;
                tracing::error!(kind = "Kustomization", namespace = %namespace, name = %name, reason = failure.reason, "{}", failure.message);
                self.events
                    .warning(object.as_ref(), failure.reason, &failure.message)
                    .await;
                if failure.transient {
                    Requeue::After(jitter(retry.min(TRANSIENT_RETRY)))
                } else {
                    Requeue::After(jitter(retry))
                }
            }
            Outcome::Waiting { reason, message } => {
                conditions::mark_failed(&mut status.conditions, reason, &message, generation);
                tracing::info!(kind = "Kustomization", namespace = %namespace, name = %name, "{message}");
                // The dependency triggers this object when it turns Ready; the retry interval
                // is only a safety net.
                Requeue::After(jitter(retry))
            }
            Outcome::Stalled { reason, message } => {
                conditions::mark_failed(&mut status.conditions, reason, &message, generation);
                conditions::mark_stalled(&mut status.conditions, reason, &message, generation);
                status.observed_generation = generation;
                self.events.warning(object.as_ref(), reason, &message).await;
                Requeue::Never
            }
        };
        if let Err(e) = status::write_status(&api, object.as_ref(), CONTROLLER, &status).await {
            tracing::warn!(kind = "Kustomization", namespace = %namespace, name = %name, error = %e, "could not write status");
            return Requeue::After(Duration::from_secs(2));
        }
        self.record_info(&object, Some(&status));
        requeue
    }
}

impl KustomizationReconciler {
    fn record_info(&self, object: &Kustomization, status: Option<&KustomizationStatus>) {
        let status = status.or(object.status.as_ref());
        self.metrics.record_info(
            "Kustomization",
            &object.namespace().unwrap_or_default(),
            &object.name_any(),
            &ResourceInfo::of(
                status.map(|s| s.conditions.as_slice()).unwrap_or_default(),
                object.spec.suspend.unwrap_or(false),
                status.and_then(|s| s.last_applied_revision.clone()).unwrap_or_default(),
            ),
        );
    }

    /// Everything between "the object exists" and "write the outcome".
    async fn run(&self, api: &Api<Kustomization>, object: &Kustomization, status: &mut KustomizationStatus) -> Outcome {
        let namespace = object.namespace().unwrap_or_default();
        let name = object.name_any();
        let artifact = match source::artifact_of(&self.client, object).await {
            Ok(artifact) => artifact,
            // The source has not stored an artifact yet: its change will trigger this object.
            Err(SourceProblem::NoArtifact(message)) => {
                return Outcome::Waiting {
                    reason: reason::ARTIFACT_FAILED,
                    message,
                };
            }
            Err(problem) => {
                return Outcome::Failed {
                    revision: None,
                    failure: Failure::new(reason::ARTIFACT_FAILED, problem.message()),
                };
            }
        };
        match dependencies::check(&self.client, object, &artifact.revision).await {
            Ok(()) => {}
            Err(Blocked::NotReady(message)) => {
                return Outcome::Waiting {
                    reason: reason::DEPENDENCY_NOT_READY,
                    message,
                };
            }
            Err(Blocked::Cycle(cycle)) => {
                return Outcome::Stalled {
                    reason: CIRCULAR_DEPENDENCY,
                    message: format!("circular dependency detected: {cycle}"),
                };
            }
        }
        let timeout = timeout_of(object);
        conditions::mark_reconciling(
            &mut status.conditions,
            reason::PROGRESSING,
            &format!(
                "Fetching manifests for revision {} with a timeout of {}",
                artifact.revision,
                format_duration(timeout)
            ),
            object.metadata.generation,
        );
        conditions::mark_unknown(
            &mut status.conditions,
            conditions::READY,
            reason::PROGRESSING,
            "Reconciliation in progress",
            object.metadata.generation,
        );
        if let Err(e) = status::write_status(api, object, CONTROLLER, &*status).await {
            tracing::debug!(error = %e, "could not write progress");
        }

        let failed = |failure: Failure| Outcome::Failed {
            revision: Some(artifact.revision.clone()),
            failure,
        };
        let objects = match self.fetch_and_build(object, &artifact).await {
            Ok(objects) => objects,
            Err(failure) => return failed(failure),
        };

        let mut options = ApplyOptions::for_kustomization(&name, &namespace);
        options.force = object.spec.force;
        let changes = match self.applier.apply_all(objects, &options).await {
            Ok(changes) => changes,
            Err(e) => return failed(Failure::new(reason::RECONCILIATION_FAILED, e.to_string())),
        };
        self.announce(object, &artifact.revision, &changes).await;

        // The inventory is written before pruning and health checks, as Flux does, so a
        // failing wait does not forget what was applied.
        let inventory = rflux_ssa::inventory::inventory_of(&changes);
        let old_inventory = status.inventory.clone().unwrap_or_default();
        status.inventory = Some(inventory.clone());
        status.last_attempted_revision = Some(artifact.revision.clone());
        if let Err(e) = status::write_status(api, object, CONTROLLER, &*status).await {
            tracing::debug!(error = %e, "could not write the inventory");
        }
        if object.spec.prune {
            match rflux_ssa::inventory::stale(&old_inventory, &inventory) {
                Ok(stale) if !stale.is_empty() => {
                    let opts = PruneOptions::for_kustomization(&name, &namespace);
                    match self.applier.prune(&stale, &opts).await {
                        Ok(pruned) => self.announce(object, &artifact.revision, &pruned).await,
                        Err(e) => return failed(Failure::new(reason::PRUNE_FAILED, e.to_string())),
                    }
                }
                Ok(_) => {}
                Err(e) => return failed(Failure::new(reason::PRUNE_FAILED, format!("invalid inventory: {e}"))),
            }
        }

        let to_check: Vec<ObjectRef> = if object.spec.wait.unwrap_or(false) {
            changes.objects()
        } else {
            object
                .spec
                .health_checks
                .iter()
                .map(|h| {
                    let (group, version) = rflux_ssa::object::split_api_version(h.api_version.as_deref().unwrap_or(""));
                    let ns = h.namespace.clone().unwrap_or_default();
                    ObjectRef::new(
                        rflux_api::inventory::ObjectId::new(&ns, &h.name, group, &h.kind),
                        version,
                    )
                })
                .collect()
        };
        if to_check.is_empty() {
            return Outcome::Applied {
                revision: artifact.revision,
                health_checked: false,
            };
        }
        conditions::mark_reconciling(
            &mut status.conditions,
            reason::PROGRESSING,
            &format!(
                "Checking health of {} objects with a timeout of {}",
                to_check.len(),
                format_duration(timeout)
            ),
            object.metadata.generation,
        );
        if let Err(e) = status::write_status(api, object, CONTROLLER, &*status).await {
            tracing::debug!(error = %e, "could not write progress");
        }
        let cancel = triggers::superseded(self.client.clone(), object.clone(), artifact.revision.clone());
        match self.applier.wait(&to_check, timeout, cancel).await {
            Ok(()) => Outcome::Applied {
                revision: artifact.revision,
                health_checked: true,
            },
            Err(rflux_ssa::WaitError::Cancelled { .. }) => failed(Failure::new(
                reason::HEALTH_CHECK_FAILED,
                "Health check cancelled: a new revision or spec arrived; reconciling it now",
            )),
            Err(e) => failed(Failure::new(
                reason::HEALTH_CHECK_FAILED,
                format!("Health check failed after {}: {e}", format_duration(timeout)),
            )),
        }
    }

    /// Downloads and unpacks the artifact, then builds the objects.
    async fn fetch_and_build(
        &self,
        object: &Kustomization,
        artifact: &SourceArtifact,
    ) -> Result<Vec<serde_json::Value>, Failure> {
        let work = tempfile::tempdir()
            .map_err(|e| Failure::new(reason::ARTIFACT_FAILED, format!("cannot create a work directory: {e}")))?;
        let root = work.path().join("source");
        rflux_source::artifact::fetch(&self.http, &artifact.url, &artifact.digest, &root)
            .await
            .map_err(|e| Failure {
                transient: true,
                ..Failure::new(
                    reason::ARTIFACT_FAILED,
                    format!("failed to fetch artifact of {}: {e}", artifact.source),
                )
            })?;
        let namespace = object.namespace().unwrap_or_default();
        let inputs = BuildInputs {
            keyring: self.keyring(object, &namespace).await?,
            variables: self.variables(object, &namespace).await?,
            owner: Some((object.name_any(), namespace)),
        };
        let spec = object.spec.clone();
        tokio::task::spawn_blocking(move || {
            let result = build::build(&root, &spec, &inputs);
            drop(work);
            result
        })
        .await
        .map_err(|e| Failure::new(reason::BUILD_FAILED, format!("build worker failed: {e}")))?
        .map_err(|e| {
            let reason = match e {
                build::BuildError::PathNotFound { .. } | build::BuildError::InvalidPath { .. } => {
                    reason::ARTIFACT_FAILED
                }
                _ => reason::BUILD_FAILED,
            };
            Failure::new(reason, e.to_string())
        })
    }

    /// The keys of `spec.decryption.secretRef` (`*.agekey`, `*.asc`, …).
    async fn keyring(&self, object: &Kustomization, namespace: &str) -> Result<Option<rflux_sops::Keyring>, Failure> {
        let Some(decryption) = &object.spec.decryption else {
            return Ok(None);
        };
        let mut keyring = rflux_sops::Keyring::new();
        if let Some(secret_ref) = &decryption.secret_ref {
            let secrets: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
            let secret = secrets.get(&secret_ref.name).await.map_err(|e| {
                Failure::new(
                    reason::BUILD_FAILED,
                    format!(
                        "failed to get decryption secret '{namespace}/{}': {}",
                        secret_ref.name,
                        kube_message(&e)
                    ),
                )
            })?;
            for (key, value) in secret.data.unwrap_or_default() {
                keyring.add_flux_secret_entry(&key, &value.0).map_err(|e| {
                    Failure::new(
                        reason::BUILD_FAILED,
                        format!(
                            "invalid key '{key}' in decryption secret '{namespace}/{}': {e}",
                            secret_ref.name
                        ),
                    )
                })?;
            }
        }
        Ok(Some(keyring))
    }

    /// `postBuild.substituteFrom` merged in order, then `postBuild.substitute` over them.
    async fn variables(
        &self,
        object: &Kustomization,
        namespace: &str,
    ) -> Result<Option<BTreeMap<String, String>>, Failure> {
        let Some(post_build) = &object.spec.post_build else {
            return Ok(None);
        };
        let mut vars = variables::substitute_from(&self.client, &post_build.substitute_from, namespace)
            .await
            .map_err(|m| Failure::new(reason::BUILD_FAILED, m))?;
        vars.extend(post_build.substitute.clone());
        Ok(Some(vars))
    }

    /// Logs and records an event with the change set's changed lines.
    async fn announce(&self, object: &Kustomization, revision: &str, changes: &ChangeSet) {
        let lines: Vec<String> = changes.changed().map(|entry| entry.to_string()).collect();
        if lines.is_empty() {
            return;
        }
        let message = lines.join("\n");
        tracing::info!(kind = "Kustomization", namespace = %object.namespace().unwrap_or_default(), name = %object.name_any(), revision = %revision, "server-side apply completed:\n{message}");
        self.events.normal(object, reason::PROGRESSING, &message).await;
    }

    /// Waits until none of `objects` exists any more.
    async fn wait_deleted(&self, objects: &[ObjectRef], timeout: Duration) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let mut remaining = Vec::new();
            for object in objects {
                if !matches!(self.applier.status_of(object).await, rflux_ssa::Status::NotFound) {
                    remaining.push(object.subject());
                }
            }
            if remaining.is_empty() {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(format!("still terminating: {}", remaining.join(", ")));
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// The object is being deleted: garbage-collect per `deletionPolicy`, then let it go.
    async fn finalize(&self, api: &Api<Kustomization>, object: &Kustomization) -> Requeue {
        let namespace = object.namespace().unwrap_or_default();
        let name = object.name_any();
        let policy = object.spec.deletion_policy.unwrap_or_default();
        let delete = match policy {
            DeletionPolicy::MirrorPrune => object.spec.prune,
            DeletionPolicy::Delete | DeletionPolicy::WaitForTermination => true,
            DeletionPolicy::Orphan => false,
        };
        let suspended = object.spec.suspend.unwrap_or(false);
        if delete
            && !suspended
            && let Some(inventory) = object.status.as_ref().and_then(|s| s.inventory.as_ref())
        {
            match rflux_ssa::inventory::objects_of(inventory) {
                Ok(objects) => {
                    let opts = PruneOptions::for_kustomization(&name, &namespace);
                    match self.applier.prune(&objects, &opts).await {
                        Ok(pruned) => {
                            self.announce(object, "", &pruned).await;
                            if policy == DeletionPolicy::WaitForTermination {
                                // As Flux: only what was deleted now (not what was skipped) is
                                // waited for, for spec.timeout; then the Kustomization goes.
                                let deleted: Vec<ObjectRef> = pruned
                                    .entries
                                    .iter()
                                    .filter(|e| e.action == Action::Deleted)
                                    .map(ChangeSetEntry::object)
                                    .collect();
                                let gone = self.wait_deleted(&deleted, timeout_of(object)).await;
                                if let Err(e) = gone {
                                    let message = format!("failed to wait for resources termination: {e}");
                                    tracing::warn!(kind = "Kustomization", namespace = %namespace, name = %name, "{message}");
                                    self.events.warning(object, ready_reason(object), &message).await;
                                }
                            }
                        }
                        Err(e) => {
                            tracing::error!(kind = "Kustomization", namespace = %namespace, name = %name, error = %e, "garbage collection failed");
                            self.events.warning(object, reason::PRUNE_FAILED, &e.to_string()).await;
                            return Requeue::After(Duration::from_secs(10));
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(kind = "Kustomization", namespace = %namespace, name = %name, error = %e, "invalid inventory; nothing garbage-collected");
                }
            }
        }
        self.metrics.forget_info("Kustomization", &namespace, &name);
        if let Err(e) = status::remove_finalizer(api, object, CONTROLLER).await {
            tracing::warn!(kind = "Kustomization", namespace = %namespace, name = %name, error = %e, "could not remove the finalizer");
            return Requeue::After(Duration::from_secs(5));
        }
        Requeue::Never
    }
}

/// `spec.timeout`, else `spec.interval` (Flux's `GetTimeout`), else five minutes.
fn timeout_of(object: &Kustomization) -> Duration {
    object
        .spec
        .timeout
        .as_deref()
        .and_then(|t| parse_duration(t).ok())
        .or_else(|| parse_duration(&object.spec.interval).ok())
        .unwrap_or(Duration::from_secs(300))
}

/// The reason of the Ready condition, which Flux gives events that have no reason of their
/// own; `Progressing` when there is none yet.
fn ready_reason(object: &Kustomization) -> &str {
    object
        .ready_condition()
        .map_or(reason::PROGRESSING, |c| c.reason.as_str())
}
