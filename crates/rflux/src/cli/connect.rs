//! kubectl-style connection flags and the client built from them.

use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use clap::Args;
use kube::config::{KubeConfigOptions, Kubeconfig};

/// `--kubeconfig`, `--context`, `-n/--namespace`, `-A`, `--timeout`.
#[derive(Args, Debug, Clone)]
pub struct ConnectionArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, env = "KUBECONFIG")]
    pub kubeconfig: Option<std::path::PathBuf>,
    /// Kubeconfig context to use.
    #[arg(long)]
    pub context: Option<String>,
    /// Namespace of the objects (flux's default: flux-system).
    #[arg(short = 'n', long, default_value = "flux-system", env = "FLUX_SYSTEM_NAMESPACE")]
    pub namespace: String,
    /// All namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// How long to wait for operations (Go duration: 30s, 5m, 1h).
    #[arg(long, default_value = "5m0s")]
    pub timeout: String,
}

impl ConnectionArgs {
    /// `--timeout` as a duration.
    pub fn timeout(&self) -> Result<Duration> {
        rflux_api::parse_duration(&self.timeout).map_err(|e| anyhow!("--timeout: {e}"))
    }

    /// A client for the selected cluster and context.
    pub async fn client(&self) -> Result<kube::Client> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let options = KubeConfigOptions {
            context: self.context.clone(),
            ..Default::default()
        };
        let mut config = match &self.kubeconfig {
            Some(path) if !path.as_os_str().is_empty() => {
                let kubeconfig = Kubeconfig::read_from(path)
                    .with_context(|| format!("cannot read kubeconfig {}", path.display()))?;
                kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                    .await
                    .with_context(|| format!("kubeconfig {}", path.display()))?
            }
            _ => kube::Config::from_kubeconfig(&options)
                .await
                .context("no usable kubeconfig (set --kubeconfig or KUBECONFIG)")?,
        };
        config.connect_timeout = Some(Duration::from_secs(10));
        kube::Client::try_from(config).context("cannot create a client for the cluster")
    }

    /// The namespace to list in: None for `-A`.
    pub fn list_namespace(&self) -> Option<&str> {
        (!self.all_namespaces).then_some(self.namespace.as_str())
    }
}

/// One line for a Kubernetes API error.
pub fn describe(err: &kube::Error) -> String {
    match err {
        kube::Error::Api(status) => status.message.clone(),
        other => other.to_string(),
    }
}

/// The HTTP status of an API error, if it is one.
pub fn status_code(err: &kube::Error) -> Option<u16> {
    match err {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}
