//! Waiting for objects to be ready. The caller supplies the readiness check (the
//! controller plugs in its kstatus engine); the default polls the live objects: Deployments
//! available at their generation, StatefulSets and DaemonSets ready, Jobs complete, Pods
//! ready, PersistentVolumeClaims bound; other kinds are ready once they exist.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::cluster::{Cluster, Object};

/// The future a readiness check returns: `Err` names what is not ready.
pub type ReadyFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// A readiness check: given a client, the applied objects (JSON with `apiVersion`, `kind`,
/// `metadata.name` and `metadata.namespace`) and a timeout, resolve when all are ready.
pub type ReadinessFn = Arc<dyn Fn(kube::Client, Vec<Value>, Duration) -> ReadyFuture + Send + Sync>;

/// The default readiness check (see the module documentation).
pub fn default_readiness() -> ReadinessFn {
    Arc::new(|client, objects, timeout| Box::pin(wait_ready(client, objects, timeout)))
}

async fn wait_ready(client: kube::Client, objects: Vec<Value>, timeout: Duration) -> Result<(), String> {
    let cluster = Cluster::new(client);
    let built = cluster
        .build(
            &objects.iter().map(|o| o.to_string()).collect::<Vec<_>>(),
            "default",
            None,
        )
        .await
        .map_err(|e| e.to_string())?;
    let deadline = tokio::time::Instant::now() + timeout;
    let mut pending: Vec<Object> = built;
    loop {
        let mut still = Vec::new();
        let mut last_reason = String::new();
        for o in pending {
            let live = cluster.get(&o).await.map_err(|e| e.to_string())?;
            match live.as_ref().map(|l| not_ready_reason(&o.kind, l)) {
                Some(None) => {}
                Some(Some(reason)) => {
                    last_reason = format!("{}: {reason}", o.describe());
                    still.push(o);
                }
                None => {
                    last_reason = format!("{}: not found", o.describe());
                    still.push(o);
                }
            }
        }
        if still.is_empty() {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("context deadline exceeded: {last_reason}"));
        }
        pending = still;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn int(v: &Value, pointer: &str) -> Option<i64> {
    v.pointer(pointer).and_then(Value::as_i64)
}

/// The status condition of type `ty`.
pub(crate) fn condition_entry<'a>(v: &'a Value, ty: &str) -> Option<&'a Value> {
    v.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(ty))
}

fn condition(v: &Value, ty: &str) -> Option<String> {
    condition_entry(v, ty).and_then(|c| c.get("status").and_then(Value::as_str).map(str::to_string))
}

fn generation_observed(live: &Value) -> bool {
    match (
        int(live, "/metadata/generation"),
        int(live, "/status/observedGeneration"),
    ) {
        (Some(g), Some(o)) => o >= g,
        (Some(_), None) => false,
        _ => true,
    }
}

/// Why a live object is not ready yet; `None` when it is.
pub(crate) fn not_ready_reason(kind: &str, live: &Value) -> Option<String> {
    let replicas = int(live, "/spec/replicas").unwrap_or(1);
    match kind {
        "Deployment" => {
            let available = int(live, "/status/availableReplicas").unwrap_or(0);
            let updated = int(live, "/status/updatedReplicas").unwrap_or(0);
            (!generation_observed(live) || available < replicas || updated < replicas)
                .then(|| format!("{available}/{replicas} replicas available"))
        }
        "StatefulSet" => {
            let ready = int(live, "/status/readyReplicas").unwrap_or(0);
            (!generation_observed(live) || ready < replicas).then(|| format!("{ready}/{replicas} replicas ready"))
        }
        "DaemonSet" => {
            let want = int(live, "/status/desiredNumberScheduled").unwrap_or(0);
            let ready = int(live, "/status/numberReady").unwrap_or(0);
            (!generation_observed(live) || ready < want).then(|| format!("{ready}/{want} pods ready"))
        }
        "Job" => match job_state(live) {
            Err(e) => Some(e),
            Ok(true) => None,
            Ok(false) => Some("not complete".into()),
        },
        "Pod" => (condition(live, "Ready").as_deref() != Some("True")
            && live.pointer("/status/phase").and_then(Value::as_str) != Some("Succeeded"))
        .then(|| "not ready".into()),
        "PersistentVolumeClaim" => {
            (live.pointer("/status/phase").and_then(Value::as_str) != Some("Bound")).then(|| "not bound".into())
        }
        _ => None,
    }
}

/// A Job: `Ok(true)` complete, `Ok(false)` running, `Err` failed.
pub(crate) fn job_state(live: &Value) -> Result<bool, String> {
    if condition(live, "Failed").as_deref() == Some("True") {
        let reason = condition_entry(live, "Failed")
            .and_then(|c| c.get("reason").and_then(Value::as_str))
            .unwrap_or("failed");
        return Err(format!("job failed: {reason}"));
    }
    Ok(condition(live, "Complete").as_deref() == Some("True") || int(live, "/status/succeeded").unwrap_or(0) > 0)
}

/// A Pod run as a hook: `Ok(true)` succeeded, `Ok(false)` running, `Err` failed.
pub(crate) fn pod_state(live: &Value) -> Result<bool, String> {
    match live.pointer("/status/phase").and_then(Value::as_str) {
        Some("Succeeded") => Ok(true),
        Some("Failed") => Err("pod failed".into()),
        _ => Ok(false),
    }
}
