//! One process, every controller: serves metrics, health and the artifact storage, joins the
//! leader election, and — while leading — runs the GitRepository and Kustomization
//! reconcilers with the triggers between them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::Client;
use kube::runtime::reflector::Store;
use rflux_api::types::{
    GitRepository, HelmChart, HelmChartSourceKind, HelmRepository, Kustomization, KustomizationSourceKind,
    OCIRepository, ValuesReferenceKind,
};
use rflux_source::storage::Storage;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::events::Events;
use crate::gitrepository::{GitFetcher, GitRepositoryReconciler};
use crate::helmchart::{ChartFetcher, HelmChartReconciler};
use crate::helmrepository::{HelmIndexFetcher, HelmRepositoryReconciler};
use crate::kustomization::KustomizationReconciler;
use crate::leader;
use crate::metrics::{Metrics, serve_router};
use crate::ocirepository::{OciFetcher, OciRepositoryReconciler};
use crate::queue::WorkQueue;
use crate::runner;

/// How the controllers run.
#[derive(Debug, Clone)]
pub struct ManagerOptions {
    /// `/metrics`, `/healthz`, `/readyz`.
    pub metrics_addr: Option<SocketAddr>,
    /// `/healthz` and `/readyz` alone (the Deployment's probes).
    pub health_addr: Option<SocketAddr>,
    /// Where artifacts are served.
    pub storage_addr: SocketAddr,
    /// Where artifacts are kept.
    pub storage_path: PathBuf,
    /// Host (and port) artifact URLs name; defaults to the bound storage address.
    pub storage_adv_addr: Option<String>,
    /// Reconciles running at once per kind.
    pub concurrent: usize,
    /// Leader-election identity.
    pub identity: String,
    /// Field manager of applied objects.
    pub field_manager: String,
}

impl ManagerOptions {
    /// Options for a local run: everything on 127.0.0.1 with free ports.
    pub fn local(storage_path: PathBuf) -> Self {
        ManagerOptions {
            metrics_addr: None,
            health_addr: None,
            storage_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            storage_path,
            storage_adv_addr: None,
            concurrent: 4,
            identity: leader::identity(),
            field_manager: crate::kustomization::CONTROLLER.to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    #[error("cannot serve {what} on {addr}: {source}")]
    Bind {
        what: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot create the artifact storage {path}: {source}")]
    Storage { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Leader(#[from] leader::LeaderError),
    #[error("cannot build the HTTP client for artifacts: {0}")]
    Http(String),
}

/// The stores and queues of the running reconcilers (for progress displays and tests).
#[derive(Clone)]
pub struct Reconcilers {
    pub git_repositories: Store<GitRepository>,
    pub git_queue: WorkQueue,
    pub oci_repositories: Store<OCIRepository>,
    pub helm_repositories: Store<HelmRepository>,
    pub helm_charts: Store<HelmChart>,
    pub kustomizations: Store<Kustomization>,
    pub kustomization_queue: WorkQueue,
}

/// A running controller manager.
pub struct Manager {
    pub metrics: Metrics,
    pub storage_url: String,
    /// Where `/metrics` is served (the bound address, when `metrics_addr` asked for port 0).
    pub metrics_addr: Option<SocketAddr>,
    /// Set once this process leads and the reconcilers run.
    pub reconcilers: watch::Receiver<Option<Reconcilers>>,
    /// Becomes true if leadership is lost after it was held (the process should exit).
    pub lost_leadership: watch::Receiver<bool>,
    tasks: Vec<JoinHandle<()>>,
    leading: JoinHandle<()>,
    stop: watch::Sender<bool>,
}

impl Manager {
    /// Starts serving and joins the election; the reconcilers start when this process leads.
    pub async fn start(client: Client, options: ManagerOptions) -> Result<Manager, ManagerError> {
        let metrics = Metrics::new();
        let mut tasks = Vec::new();
        let mut metrics_addr = None;
        for (what, addr, router) in [
            ("metrics", options.metrics_addr, metrics.router()),
            ("health probes", options.health_addr, metrics.router()),
        ] {
            if let Some(addr) = addr {
                let (bound, task) =
                    serve_router(router, addr)
                        .await
                        .map_err(|source| ManagerError::Bind { what, addr, source })?;
                if what == "metrics" {
                    metrics_addr = Some(bound);
                }
                tasks.push(task);
            }
        }
        std::fs::create_dir_all(&options.storage_path).map_err(|source| ManagerError::Storage {
            path: options.storage_path.clone(),
            source,
        })?;
        // Bound before the storage is made: its URL names the port the listener got.
        let (listener, bound) =
            crate::metrics::bind(options.storage_addr)
                .await
                .map_err(|source| ManagerError::Bind {
                    what: "artifacts",
                    addr: options.storage_addr,
                    source,
                })?;
        let storage_url = format!(
            "http://{}",
            options.storage_adv_addr.clone().unwrap_or_else(|| bound.to_string())
        );
        let storage = Storage::new(options.storage_path.clone(), storage_url.clone());
        tasks.push(crate::metrics::serve(listener, storage.router()));

        // reqwest is built without a default TLS provider: use ring, as the rest of rflux does.
        rflux_source::helm_index::transport::ensure_crypto_provider();
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| ManagerError::Http(e.to_string()))?;
        let mut election = leader::elect(client.clone(), &options.identity).await?;
        let (reconcilers_tx, reconcilers) = watch::channel(None);
        let (lost_tx, lost_leadership) = watch::channel(false);
        let (stop, mut stop_rx) = watch::channel(false);
        let metrics_for_leader = metrics.clone();
        let leading = tokio::spawn(async move {
            let leads = tokio::select! {
                leads = election.leading() => leads,
                _ = until_true(&mut stop_rx) => false,
            };
            if !leads {
                release(election).await;
                return;
            }
            tracing::info!(identity = %options.identity, "leading; starting the controllers");
            let running = start_reconcilers(client, storage, http, &options, metrics_for_leader.clone());
            metrics_for_leader.set_ready(true);
            let _ = reconcilers_tx.send(Some(running.handles.clone()));
            let lost = tokio::select! {
                _ = until_false(&mut election.is_leader) => true,
                _ = until_true(&mut stop_rx) => false,
            };
            if lost {
                tracing::error!("leader election lost");
                let _ = lost_tx.send(true);
            }
            metrics_for_leader.set_ready(false);
            running.abort();
            release(election).await;
        });
        Ok(Manager {
            metrics,
            storage_url,
            metrics_addr,
            reconcilers,
            lost_leadership,
            tasks,
            leading,
            stop,
        })
    }

    /// Waits until the reconcilers run (this process leads).
    pub async fn running(&mut self) -> Option<Reconcilers> {
        self.reconcilers
            .wait_for(|r| r.is_some())
            .await
            .ok()
            .and_then(|r| r.clone())
    }

    /// Stops the reconcilers, releases the Lease and stops serving.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.leading.await;
        for task in self.tasks {
            task.abort();
        }
    }
}

async fn until_true(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|v| *v).await.map(|_| ());
}

async fn until_false(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|v| !*v).await.map(|_| ());
}

async fn release(election: leader::Election) {
    let leader::Election { is_leader, task } = election;
    // Dropping the receiver makes the lease task release the Lease and return.
    drop(is_leader);
    match tokio::time::timeout(std::time::Duration::from_secs(5), task).await {
        Ok(Ok(Ok(_))) => tracing::debug!("Lease released"),
        Ok(Ok(Err(e))) => tracing::warn!(error = %e, "could not release the Lease"),
        Ok(Err(_)) | Err(_) => tracing::warn!("the Lease task did not stop in time"),
    }
}

struct RunningReconcilers {
    handles: Reconcilers,
    tasks: Vec<JoinHandle<()>>,
    git: runner::Running<GitRepository>,
    oci: runner::Running<OCIRepository>,
    helm_repositories: runner::Running<HelmRepository>,
    helm_charts: runner::Running<HelmChart>,
    kustomize: runner::Running<Kustomization>,
}

impl RunningReconcilers {
    fn abort(&self) {
        self.git.abort();
        self.oci.abort();
        self.helm_repositories.abort();
        self.helm_charts.abort();
        self.kustomize.abort();
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn start_reconcilers(
    client: Client,
    storage: Storage,
    http: reqwest::Client,
    options: &ManagerOptions,
    metrics: Metrics,
) -> RunningReconcilers {
    let git = runner::spawn(
        client.clone(),
        Arc::new(GitRepositoryReconciler::new(
            client.clone(),
            storage.clone(),
            metrics.clone(),
            GitFetcher,
        )),
        options.concurrent,
        metrics.clone(),
    );
    let oci = runner::spawn(
        client.clone(),
        Arc::new(OciRepositoryReconciler::new(
            client.clone(),
            storage.clone(),
            metrics.clone(),
            OciFetcher,
        )),
        options.concurrent,
        metrics.clone(),
    );
    let helm_repositories = runner::spawn(
        client.clone(),
        Arc::new(HelmRepositoryReconciler::new(
            client.clone(),
            storage.clone(),
            metrics.clone(),
            HelmIndexFetcher,
        )),
        options.concurrent,
        metrics.clone(),
    );
    let helm_charts = runner::spawn(
        client.clone(),
        Arc::new(HelmChartReconciler::new(
            client.clone(),
            storage,
            metrics.clone(),
            ChartFetcher,
        )),
        options.concurrent,
        metrics.clone(),
    );
    let kustomize = runner::spawn(
        client.clone(),
        Arc::new(KustomizationReconciler {
            client: client.clone(),
            applier: rflux_ssa::Applier::new(client.clone(), options.field_manager.clone()),
            http,
            events: Events::new(client.clone(), crate::kustomization::CONTROLLER),
            metrics: metrics.clone(),
        }),
        options.concurrent,
        metrics,
    );
    let tasks = vec![
        tokio::spawn(crate::kustomization::triggers::follow_sources(
            git.changes.subscribe(),
            KustomizationSourceKind::GitRepository,
            kustomize.store.clone(),
            kustomize.queue.clone(),
            |repo: &GitRepository| {
                repo.status
                    .as_ref()
                    .and_then(|s| s.artifact.as_ref())
                    .map(|a| (a.revision.clone(), a.digest.clone()))
            },
        )),
        tokio::spawn(crate::kustomization::triggers::follow_sources(
            oci.changes.subscribe(),
            KustomizationSourceKind::OCIRepository,
            kustomize.store.clone(),
            kustomize.queue.clone(),
            |repo: &OCIRepository| {
                repo.status
                    .as_ref()
                    .and_then(|s| s.artifact.as_ref())
                    .map(|a| (a.revision.clone(), a.digest.clone()))
            },
        )),
        tokio::spawn(crate::helmchart::follow_sources(
            helm_repositories.changes.subscribe(),
            HelmChartSourceKind::HelmRepository,
            helm_charts.store.clone(),
            helm_charts.queue.clone(),
        )),
        tokio::spawn(crate::helmchart::follow_sources(
            git.changes.subscribe(),
            HelmChartSourceKind::GitRepository,
            helm_charts.store.clone(),
            helm_charts.queue.clone(),
        )),
        tokio::spawn(crate::kustomization::triggers::follow_watched_data::<ConfigMap>(
            client.clone(),
            ValuesReferenceKind::ConfigMap,
            kustomize.store.clone(),
            kustomize.queue.clone(),
        )),
        tokio::spawn(crate::kustomization::triggers::follow_watched_data::<Secret>(
            client.clone(),
            ValuesReferenceKind::Secret,
            kustomize.store.clone(),
            kustomize.queue.clone(),
        )),
        tokio::spawn(crate::gitrepository::follow_includes(
            git.changes.subscribe(),
            git.store.clone(),
            git.queue.clone(),
        )),
        tokio::spawn(crate::kustomization::triggers::follow_dependencies(
            kustomize.changes.subscribe(),
            kustomize.store.clone(),
            kustomize.queue.clone(),
        )),
    ];
    let handles = Reconcilers {
        git_repositories: git.store.clone(),
        git_queue: git.queue.clone(),
        oci_repositories: oci.store.clone(),
        helm_repositories: helm_repositories.store.clone(),
        helm_charts: helm_charts.store.clone(),
        kustomizations: kustomize.store.clone(),
        kustomization_queue: kustomize.queue.clone(),
    };
    RunningReconcilers {
        handles,
        tasks,
        git,
        oci,
        helm_repositories,
        helm_charts,
        kustomize,
    }
}
