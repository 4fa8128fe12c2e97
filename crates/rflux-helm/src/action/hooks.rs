//! Running a release's hooks for one event as Helm does: by weight then name, each one
//! deleted first under `before-hook-creation` (the default policy), created, waited for
//! (Jobs until complete, Pods until succeeded), its last run recorded (the record is
//! updated when it starts), deleted on failure under `hook-failed`, and after all
//! succeeded, those with `hook-succeeded` deleted in reverse order.

use std::time::Duration;

use super::Settings;
use super::cluster::{Cluster, Object};
use super::storage::Store;
use super::wait::{job_state, pod_state};
use crate::error::Error;
use crate::release::{Release, ReleaseHook, now_rfc3339};

const BEFORE_HOOK_CREATION: &str = "before-hook-creation";
const HOOK_SUCCEEDED: &str = "hook-succeeded";
const HOOK_FAILED: &str = "hook-failed";

fn policies(h: &ReleaseHook) -> Vec<String> {
    if h.delete_policies.is_empty() {
        vec![BEFORE_HOOK_CREATION.to_string()]
    } else {
        h.delete_policies.clone()
    }
}

async fn hook_object(cluster: &Cluster, rel: &Release, h: &ReleaseHook) -> Result<Object, Error> {
    let mut objs = cluster
        .build(std::slice::from_ref(&h.manifest), &rel.namespace, None)
        .await
        .map_err(|e| {
            Error::Action(format!(
                "unable to build kubernetes object for {} hook {}: {e}",
                h.kind, h.path
            ))
        })?;
    objs.pop()
        .ok_or_else(|| Error::Action(format!("hook {} holds no object", h.path)))
}

async fn wait_hook(cluster: &Cluster, o: &Object, timeout: Duration) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let live = cluster.get(o).await.map_err(|e| e.to_string())?;
        let done = match (o.kind.as_str(), live) {
            (_, None) => Err(format!("{} was deleted", o.describe())),
            ("Job", Some(l)) => job_state(&l),
            ("Pod", Some(l)) => pod_state(&l),
            (_, Some(_)) => Ok(true),
        };
        match done {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e) => return Err(format!("{}: {e}", o.describe())),
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("{}: timed out waiting for the condition", o.describe()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Run the hooks of `rel` for `event`; their last runs are written into `rel.hooks`.
pub(crate) async fn run(
    cluster: &Cluster,
    settings: &Settings,
    store: &Store<'_>,
    rel: &mut Release,
    event: &str,
    timeout: Duration,
) -> Result<(), Error> {
    let mut order: Vec<usize> = (0..rel.hooks.len())
        .filter(|&i| rel.hooks[i].events.iter().any(|e| e == event))
        .collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&rel.hooks[a], &rel.hooks[b]);
        x.weight.cmp(&y.weight).then_with(|| x.name.cmp(&y.name))
    });
    let mut objects: Vec<(Object, Vec<String>)> = Vec::new();
    for &i in &order {
        // As Helm does, the default policy is written into the record.
        rel.hooks[i].delete_policies = policies(&rel.hooks[i]);
        let h = rel.hooks[i].clone();
        let obj = hook_object(cluster, rel, &h).await?;
        let pols = h.delete_policies.clone();
        if pols.iter().any(|p| p == BEFORE_HOOK_CREATION) {
            cluster.delete_and_wait(&obj, timeout).await?;
        }
        tracing::debug!(hook = %h.path, event, "running hook");
        rel.hooks[i].started_at = now_rfc3339();
        rel.hooks[i].completed_at = String::new();
        rel.hooks[i].phase = "Running".into();
        // As Helm does, the record shows the hook running while it runs.
        if let Err(e) = store.update(rel).await {
            tracing::warn!(hook = %h.path, error = %e, "could not record the running hook");
        }
        let created = match settings.apply_method {
            super::ApplyMethod::ServerSide => cluster.apply(&obj, &settings.field_manager, true).await,
            super::ApplyMethod::ClientSide => cluster.create(&obj).await,
        };
        if let Err(e) = created {
            rel.hooks[i].phase = "Failed".into();
            rel.hooks[i].completed_at = now_rfc3339();
            return Err(Error::Action(format!("warning: Hook {event} {} failed: {e}", h.path)));
        }
        let outcome = wait_hook(cluster, &obj, timeout).await;
        rel.hooks[i].completed_at = now_rfc3339();
        if let Err(e) = outcome {
            rel.hooks[i].phase = "Failed".into();
            // The hooks that succeeded before still go under `hook-succeeded`.
            for (done, done_pols) in &objects {
                if done_pols.iter().any(|p| p == HOOK_SUCCEEDED) {
                    cluster.delete_and_wait(done, timeout).await?;
                }
            }
            if pols.iter().any(|p| p == HOOK_FAILED)
                && let Err(de) = cluster.delete_and_wait(&obj, timeout).await
            {
                tracing::warn!(hook = %h.path, error = %de, "error deleting the hook resource on hook failure");
            }
            return Err(Error::Action(e));
        }
        rel.hooks[i].phase = "Succeeded".into();
        objects.push((obj, pols));
    }
    for (obj, pols) in objects.iter().rev() {
        if pols.iter().any(|p| p == HOOK_SUCCEEDED) {
            cluster.delete_and_wait(obj, timeout).await?;
        }
    }
    Ok(())
}
