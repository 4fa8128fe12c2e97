//! Writing what a reconcile found: status subresource patches, finalizers, and the condition
//! summary the CLI and metrics read.

use kube::api::{Patch, PatchParams};
use kube::{Api, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

/// Flux's finalizer on every object it reconciles.
pub const FINALIZER: &str = rflux_api::annotations::SOURCE_FINALIZER;

/// Field manager of status writes, per controller.
pub fn patch_params(controller: &str) -> PatchParams {
    PatchParams {
        field_manager: Some(controller.to_string()),
        ..PatchParams::default()
    }
}

/// Replaces the object's status with `status` (a JSON merge patch of `{"status": …}`).
pub async fn write_status<K, S>(api: &Api<K>, object: &K, controller: &str, status: &S) -> Result<(), kube::Error>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
    S: Serialize,
{
    let patch = json!({ "status": status });
    api.patch_status(&object.name_any(), &patch_params(controller), &Patch::Merge(&patch))
        .await
        .map(|_| ())
}

/// Adds Flux's finalizer when missing. Returns true when it was added.
pub async fn ensure_finalizer<K>(api: &Api<K>, object: &K, controller: &str) -> Result<bool, kube::Error>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    if object.finalizers().iter().any(|f| f == FINALIZER) {
        return Ok(false);
    }
    let mut finalizers = object.finalizers().to_vec();
    finalizers.push(FINALIZER.to_string());
    let patch = json!({ "metadata": { "finalizers": finalizers, "resourceVersion": object.resource_version() } });
    api.patch(&object.name_any(), &patch_params(controller), &Patch::Merge(&patch))
        .await
        .map(|_| true)
}

/// Removes Flux's finalizer so a deleted object can go.
pub async fn remove_finalizer<K>(api: &Api<K>, object: &K, controller: &str) -> Result<(), kube::Error>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    if !object.finalizers().iter().any(|f| f == FINALIZER) {
        return Ok(());
    }
    let finalizers: Vec<&String> = object.finalizers().iter().filter(|f| *f != FINALIZER).collect();
    let patch = json!({ "metadata": { "finalizers": finalizers, "resourceVersion": object.resource_version() } });
    match api
        .patch(&object.name_any(), &patch_params(controller), &Patch::Merge(&patch))
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(e)) if e.code == 404 => Ok(()),
        Err(e) => Err(e),
    }
}

/// The `reconcile.fluxcd.io/requestedAt` value to record as `lastHandledReconcileAt`.
pub fn requested_at<K: Resource>(object: &K) -> Option<String> {
    object
        .meta()
        .annotations
        .as_ref()
        .and_then(|a| a.get(rflux_api::annotations::RECONCILE_REQUESTED_AT).cloned())
}
