//! Leader election through the coordination.k8s.io Lease `flux-system/rflux-controller`: only
//! the holder reconciles; `rflux reconcile` also reads this Lease to know a controller runs.

use kube::Client;
use kube_lease_manager::{LeaseCreateMode, LeaseManagerBuilder};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Namespace of the Lease (and of the controller when installed).
pub const LEASE_NAMESPACE: &str = "flux-system";
/// Name of the Lease.
pub const LEASE_NAME: &str = "rflux-controller";

#[derive(Debug, thiserror::Error)]
pub enum LeaderError {
    #[error("leader election through Lease {LEASE_NAMESPACE}/{LEASE_NAME}: {0}")]
    Lease(#[from] kube_lease_manager::LeaseManagerError),
}

/// A running election: `is_leader` changes as the Lease is won or lost.
pub struct Election {
    pub is_leader: watch::Receiver<bool>,
    pub task: JoinHandle<Result<kube_lease_manager::LeaseManager, kube_lease_manager::LeaseManagerError>>,
}

impl Election {
    /// Waits until this process holds the Lease.
    pub async fn leading(&mut self) -> bool {
        self.is_leader.wait_for(|leader| *leader).await.is_ok()
    }
}

/// Joins the election under `identity` (the pod name, or host and pid).
pub async fn elect(client: Client, identity: &str) -> Result<Election, LeaderError> {
    let manager = LeaseManagerBuilder::new(client, LEASE_NAME)
        .with_namespace(LEASE_NAMESPACE)
        .with_identity(identity)
        .with_create_mode(LeaseCreateMode::AutoCreate)
        .with_duration(15)
        .with_grace(5)
        .with_field_manager("rflux-controller")
        .build()
        .await?;
    let (is_leader, task) = manager.watch().await;
    Ok(Election { is_leader, task })
}

/// An identity for this process: `$POD_NAME`, else host name and process id.
pub fn identity() -> String {
    if let Ok(pod) = std::env::var("POD_NAME") {
        return pod;
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".to_string());
    format!("{host}_{}", std::process::id())
}
