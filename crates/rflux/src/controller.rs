//! `rflux controller`: every controller in one process, against the kubeconfig's cluster or
//! the in-cluster service account, until SIGINT/SIGTERM or a lost leader election.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use rflux_controllers::manager::{Manager, ManagerOptions};

#[derive(Args, Debug)]
pub struct ControllerArgs {
    /// Path to a kubeconfig; without it, the in-cluster configuration (or $KUBECONFIG).
    #[arg(long, env = "KUBECONFIG")]
    kubeconfig: Option<PathBuf>,
    /// Address of /metrics (and the probes), e.g. `:8080`.
    #[arg(long, default_value = ":8080")]
    metrics_addr: String,
    /// Address of /healthz and /readyz.
    #[arg(long, default_value = ":9440")]
    health_addr: String,
    /// Address the artifact server listens on.
    #[arg(long, default_value = ":9090")]
    storage_addr: String,
    /// Directory of the artifacts.
    #[arg(long, default_value = "/data")]
    storage_path: PathBuf,
    /// Host[:port] the artifact URLs name (default: the controller's Service when
    /// RUNTIME_NAMESPACE is set, else the bound address).
    #[arg(long)]
    storage_adv_addr: Option<String>,
    /// Reconciles at once per kind.
    #[arg(long, default_value_t = 4)]
    concurrent: usize,
}

/// `:8080` → `0.0.0.0:8080`, `127.0.0.1:0` as is; an empty string turns the server off.
pub fn parse_addr(flag: &str, value: &str) -> Result<Option<SocketAddr>> {
    if value.is_empty() || value == "0" {
        return Ok(None);
    }
    let full = if value.starts_with(':') {
        format!("0.0.0.0{value}")
    } else {
        value.to_string()
    };
    full.parse()
        .map(Some)
        .map_err(|e| anyhow!("invalid --{flag} '{value}': {e} (expected ip:port or :port)"))
}

/// A client from `kubeconfig`, or the in-cluster configuration without one.
pub(crate) async fn client(kubeconfig: Option<&PathBuf>) -> Result<kube::Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = match kubeconfig {
        Some(path) if !path.as_os_str().is_empty() => {
            let kubeconfig = kube::config::Kubeconfig::read_from(path)
                .with_context(|| format!("cannot read kubeconfig {}", path.display()))?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
                .await
                .with_context(|| format!("kubeconfig {}", path.display()))?
        }
        _ => kube::Config::infer()
            .await
            .context("no in-cluster configuration and no kubeconfig")?,
    };
    kube::Client::try_from(config).context("cannot create a client for the cluster")
}

pub async fn run(args: ControllerArgs) -> Result<()> {
    // Flags first: a typo in an address is reported as such, before any cluster configuration
    // is looked for.
    let metrics_addr = parse_addr("metrics-addr", &args.metrics_addr)?;
    let health_addr = parse_addr("health-addr", &args.health_addr)?;
    let Some(storage_addr) = parse_addr("storage-addr", &args.storage_addr)? else {
        bail!("--storage-addr is required");
    };
    let client = client(args.kubeconfig.as_ref()).await?;
    let storage_adv_addr = args.storage_adv_addr.clone().or_else(|| {
        std::env::var("RUNTIME_NAMESPACE")
            .ok()
            .map(|ns| format!("{}.{ns}.svc.cluster.local.", crate::cli::install::CONTROLLER_NAME))
    });
    let options = ManagerOptions {
        metrics_addr,
        health_addr,
        storage_addr,
        storage_adv_addr,
        concurrent: args.concurrent.max(1),
        ..ManagerOptions::local(args.storage_path.clone())
    };
    let manager = Manager::start(client, options).await?;
    tracing::info!(storage = %manager.storage_url, "controller started; waiting for leadership");
    let mut lost = manager.lost_leadership.clone();
    tokio::select! {
        _ = shutdown_signal() => tracing::info!("shutting down"),
        _ = lost.wait_for(|l| *l) => {
            manager.shutdown().await;
            bail!("leader election lost");
        }
    }
    manager.shutdown().await;
    Ok(())
}

/// SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
