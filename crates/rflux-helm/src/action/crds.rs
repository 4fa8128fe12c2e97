//! CustomResourceDefinitions from the `crds/` directories of a chart and its subcharts,
//! installed before anything else under a policy (skip, create if absent, create or
//! replace), then waited for until established so the chart's custom resources resolve.

use std::time::Duration;

use serde_json::Value;

use super::cluster::Cluster;
use crate::error::Error;
use crate::manifest::{CrdFile, split_manifests};

/// What to do with the chart's CRDs (Flux's `crds` policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CrdPolicy {
    /// Leave CRDs alone.
    Skip,
    /// Create CRDs that do not exist; leave existing ones unchanged (Helm's behaviour on
    /// install).
    #[default]
    Create,
    /// Create missing CRDs and replace existing ones with the chart's version.
    CreateReplace,
}

/// Install the CRDs under `policy`; returns how many were created or replaced.
pub(crate) async fn install(
    cluster: &Cluster,
    files: &[CrdFile],
    policy: CrdPolicy,
    timeout: Duration,
) -> Result<usize, Error> {
    if policy == CrdPolicy::Skip || files.is_empty() {
        return Ok(0);
    }
    let mut docs = Vec::new();
    for f in files {
        for d in split_manifests(&f.content()) {
            docs.push(d);
        }
    }
    let objects = cluster
        .build(&docs, "", None)
        .await
        .map_err(|e| Error::Action(format!("failed to install CRD: {e}")))?;
    let mut changed = Vec::new();
    for o in &objects {
        match cluster.get(o).await? {
            None => {
                cluster.create(o).await?;
                changed.push(o.clone());
            }
            Some(live) if policy == CrdPolicy::CreateReplace => {
                let rv = live
                    .pointer("/metadata/resourceVersion")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                cluster.replace(o, &rv).await?;
                changed.push(o.clone());
            }
            Some(_) => tracing::debug!(crd = %o.name, "CRD exists, left unchanged"),
        }
    }
    let deadline = tokio::time::Instant::now() + timeout;
    for o in &changed {
        loop {
            let established = cluster.get(o).await?.is_some_and(|live| {
                super::wait::condition_entry(&live, "Established")
                    .is_some_and(|c| c.get("status").and_then(Value::as_str) == Some("True"))
            });
            if established {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::Action(format!(
                    "timed out waiting for CRD {} to be established",
                    o.name
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    cluster.forget();
    Ok(changed.len())
}
