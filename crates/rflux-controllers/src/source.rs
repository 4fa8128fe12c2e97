//! What every source reconciler (GitRepository, OCIRepository, HelmRepository) shares: the
//! finalizer that removes stored artifacts, `suspend`, the status Flux's source-controller
//! writes (`Ready`, `ArtifactInStorage`, `FetchFailed`, `observedGeneration`,
//! `lastHandledReconcileAt`), events and metrics. Each kind supplies only its fetch.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;
use kube::{Api, Client, Resource, ResourceExt};
use rflux_api::conditions::{self, reason};
use rflux_api::types::{Artifact, Condition, LocalObjectReference};
use rflux_source::storage::Storage;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::events::Events;
use crate::metrics::{Metrics, ResourceInfo};
use crate::runner::{Reconciler, Requeue, jitter};
use crate::status;

/// Name of the controller in events and field managers.
pub const CONTROLLER: &str = rflux_api::annotations::SOURCE_FIELD_MANAGER;

/// The status fields all source kinds share; kind-specific fields ride in `extra`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceStatus {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<Artifact>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_handled_reconcile_at: Option<String>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A failure, with the reason Flux gives it.
#[derive(Debug)]
pub struct Failure {
    pub reason: &'static str,
    pub message: String,
}

impl Failure {
    pub fn new(reason: &'static str, message: impl Into<String>) -> Self {
        Failure {
            reason,
            message: message.into(),
        }
    }
}

/// What a fetch did.
pub enum Fetched {
    /// The stored artifact is current; nothing was written.
    Unchanged,
    /// A new artifact was stored; the event message says what it holds.
    NewArtifact { event: String },
    /// The kind keeps no artifact (a HelmRepository of type oci); Ready says `message`.
    NoArtifact { message: String },
}

/// The kind-specific half of a source reconciler.
pub trait SourceFetcher: Send + Sync + 'static {
    type Object: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + Serialize
        + std::fmt::Debug
        + Send
        + Sync
        + 'static;
    const KIND: &'static str;
    /// Directory name of the kind in the artifact storage.
    const STORAGE_KIND: &'static str;

    fn interval(object: &Self::Object) -> &str;
    fn suspended(object: &Self::Object) -> bool;

    /// Brings `status.artifact` (and the kind's own status fields) up to date.
    fn fetch(
        &self,
        ctx: &SourceContext,
        object: &Self::Object,
        status: &mut SourceStatus,
    ) -> impl Future<Output = Result<Fetched, Failure>> + Send;
}

/// A source's authentication Secret data and TLS Secret data, each when referenced.
pub type SecretPair = (Option<BTreeMap<String, Vec<u8>>>, Option<BTreeMap<String, Vec<u8>>>);

/// What a fetch may use.
pub struct SourceContext {
    pub client: Client,
    pub storage: Storage,
}

impl SourceContext {
    /// The data of Secret `namespace/name` (data and stringData), for credentials.
    pub async fn secret_data(&self, namespace: &str, name: &str) -> Result<BTreeMap<String, Vec<u8>>, Failure> {
        let secrets: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
        let secret = secrets.get(name).await.map_err(|e| {
            Failure::new(
                reason::AUTHENTICATION_FAILED,
                format!("failed to get secret '{namespace}/{name}': {}", kube_message(&e)),
            )
        })?;
        Ok(secret
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
            .collect())
    }

    /// [`SourceContext::secret_data`] of an optional reference (`secretRef`, `certSecretRef`).
    pub async fn optional_secret_data(
        &self,
        namespace: &str,
        reference: Option<&LocalObjectReference>,
    ) -> Result<Option<BTreeMap<String, Vec<u8>>>, Failure> {
        match reference {
            Some(r) => self.secret_data(namespace, &r.name).await.map(Some),
            None => Ok(None),
        }
    }

    /// The data of a source's `secretRef` and `certSecretRef`, each when set.
    pub async fn secret_pair(
        &self,
        namespace: &str,
        secret_ref: Option<&LocalObjectReference>,
        cert_secret_ref: Option<&LocalObjectReference>,
    ) -> Result<SecretPair, Failure> {
        Ok((
            self.optional_secret_data(namespace, secret_ref).await?,
            self.optional_secret_data(namespace, cert_secret_ref).await?,
        ))
    }

    /// Packs `dir` (minus the ignore rules: `spec.ignore` over `.sourceignore` and Flux's
    /// defaults) into `archive`, off the async threads.
    pub async fn package(
        dir: std::path::PathBuf,
        ignore: Option<String>,
        archive: std::path::PathBuf,
    ) -> Result<rflux_source::artifact::Packed, Failure> {
        tokio::task::spawn_blocking(move || {
            let rules =
                rflux_source::ignore::IgnoreRules::for_source(&dir, ignore.as_deref()).map_err(|e| e.to_string())?;
            rflux_source::artifact::package_dir(&dir, &rules, &archive).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| Failure::new(reason::STORAGE_OPERATION_FAILED, format!("archive worker failed: {e}")))?
        .map_err(|e| {
            Failure::new(
                reason::STORAGE_OPERATION_FAILED,
                format!("failed to package the artifact: {e}"),
            )
        })
    }
}

/// The failure of storing an artifact.
pub fn storage_failure(e: rflux_source::storage::StorageError) -> Failure {
    Failure::new(
        reason::STORAGE_OPERATION_FAILED,
        format!("failed to store the artifact: {e}"),
    )
}

/// A source reconciler for the kind `F` fetches.
pub struct SourceReconciler<F: SourceFetcher> {
    pub ctx: SourceContext,
    pub events: Events,
    pub metrics: Metrics,
    pub fetcher: F,
}

impl<F: SourceFetcher> SourceReconciler<F> {
    pub fn new(client: Client, storage: Storage, metrics: Metrics, fetcher: F) -> Self {
        SourceReconciler {
            events: Events::new(client.clone(), CONTROLLER),
            ctx: SourceContext { client, storage },
            metrics,
            fetcher,
        }
    }

    fn record_info(&self, object: &F::Object, status: &SourceStatus) {
        self.metrics.record_info(
            F::KIND,
            &object.namespace().unwrap_or_default(),
            &object.name_any(),
            &ResourceInfo::of(
                &status.conditions,
                F::suspended(object),
                status.artifact.as_ref().map(|a| a.revision.clone()).unwrap_or_default(),
            ),
        );
    }
}

/// The status of `object` as [`SourceStatus`].
fn status_of<K: Serialize>(object: &K) -> SourceStatus {
    serde_json::to_value(object)
        .ok()
        .and_then(|v| v.get("status").cloned())
        .and_then(|s| serde_json::from_value(s).ok())
        .unwrap_or_default()
}

impl<F: SourceFetcher> Reconciler for SourceReconciler<F> {
    type Object = F::Object;
    const KIND: &'static str = F::KIND;

    async fn reconcile(&self, object: Arc<F::Object>) -> Requeue {
        let kind = F::KIND;
        let namespace = object.namespace().unwrap_or_default();
        let name = object.name_any();
        let api: Api<F::Object> = Api::namespaced(self.ctx.client.clone(), &namespace);

        if object.meta().deletion_timestamp.is_some() {
            if let Err(e) = self.ctx.storage.remove(F::STORAGE_KIND, &namespace, &name) {
                tracing::warn!(kind, namespace = %namespace, name = %name, error = %e, "could not remove artifacts");
            }
            self.metrics.forget_info(kind, &namespace, &name);
            if let Err(e) = status::remove_finalizer(&api, object.as_ref(), CONTROLLER).await {
                tracing::warn!(kind, namespace = %namespace, name = %name, error = %e, "could not remove the finalizer");
                return Requeue::After(Duration::from_secs(5));
            }
            return Requeue::Never;
        }
        let mut status = status_of(object.as_ref());
        if F::suspended(&object) {
            tracing::info!(kind, namespace = %namespace, name = %name, "reconciliation is suspended for this object");
            self.record_info(&object, &status);
            return Requeue::Never;
        }
        if let Err(e) = status::ensure_finalizer(&api, object.as_ref(), CONTROLLER).await {
            tracing::warn!(kind, namespace = %namespace, name = %name, error = %e, "could not add the finalizer");
            return Requeue::After(Duration::from_secs(5));
        }
        let interval = rflux_api::parse_duration(F::interval(&object)).unwrap_or(Duration::from_secs(60));
        let generation = object.meta().generation;
        // The artifact server may have moved since the artifact was stored (a restart on another
        // port): its URL names where it is served now, as source-controller rewrites it on every
        // reconcile.
        if let Some(artifact) = status.artifact.as_mut() {
            artifact.url = format!("{}/{}", self.ctx.storage.base_url(), artifact.path);
        }
        let outcome = self.fetcher.fetch(&self.ctx, &object, &mut status).await;
        status.observed_generation = generation;
        if let Some(requested) = status::requested_at(object.as_ref()) {
            status.last_handled_reconcile_at = Some(requested);
        }
        conditions::delete(&mut status.conditions, conditions::RECONCILING);
        match &outcome {
            Ok(fetched) => {
                let revision = status.artifact.as_ref().map(|a| a.revision.clone()).unwrap_or_default();
                conditions::delete(&mut status.conditions, conditions::FETCH_FAILED);
                conditions::delete(&mut status.conditions, conditions::STALLED);
                let message = match fetched {
                    Fetched::NoArtifact { message } => message.clone(),
                    _ => {
                        let message = format!("stored artifact for revision '{revision}'");
                        conditions::mark_true(
                            &mut status.conditions,
                            conditions::ARTIFACT_IN_STORAGE,
                            reason::SUCCEEDED,
                            &message,
                            generation,
                        );
                        message
                    }
                };
                conditions::mark_ready(&mut status.conditions, reason::SUCCEEDED, &message, generation);
                if let Fetched::NewArtifact { event } = fetched {
                    tracing::info!(kind, namespace = %namespace, name = %name, revision = %revision, "{event}");
                    self.events.normal(object.as_ref(), reason::NEW_ARTIFACT, event).await;
                }
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
                tracing::error!(kind, namespace = %namespace, name = %name, reason = failure.reason, "{}", failure.message);
                self.events
                    .warning(object.as_ref(), failure.reason, &failure.message)
                    .await;
            }
        }
        if let Err(e) = status::write_status(&api, object.as_ref(), CONTROLLER, &status).await {
            tracing::warn!(kind, namespace = %namespace, name = %name, error = %e, "could not write status");
            return Requeue::After(Duration::from_secs(2));
        }
        self.record_info(&object, &status);
        Requeue::After(jitter(interval))
    }
}

pub use rflux_ssa::error::message_of as kube_message;

/// A work directory for one fetch.
pub fn work_dir() -> Result<tempfile::TempDir, Failure> {
    tempfile::tempdir().map_err(|e| {
        Failure::new(
            reason::STORAGE_OPERATION_FAILED,
            format!("cannot create a work directory: {e}"),
        )
    })
}
