//! `rflux apiserver`: start the embedded API server alone and serve until Ctrl-C.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use rflux_apiserver::ServerConfig;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Where the cluster state, certificates and kubeconfig live.
    #[arg(long, default_value = ".rflux")]
    data_dir: PathBuf,
    /// Port on 127.0.0.1 (0 picks a free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Do not simulate workload status (Deployments stay unavailable, Jobs never complete).
    #[arg(long)]
    no_simulate: bool,
}

/// The embedded API server on `data_dir` and `port` (0: any free port).
pub(crate) async fn start(
    data_dir: &std::path::Path,
    port: u16,
    simulate: bool,
) -> anyhow::Result<rflux_apiserver::Server> {
    let mut config = ServerConfig::new(data_dir);
    config.port = port;
    config.simulate = simulate;
    rflux_apiserver::start(config)
        .await
        .with_context(|| format!("starting the API server in {}", data_dir.display()))
}

async fn serve_until_interrupted(server: rflux_apiserver::Server) -> anyhow::Result<()> {
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    eprintln!("stopping");
    server.shutdown().await;
    Ok(())
}

pub async fn apiserver(args: ServeArgs) -> anyhow::Result<()> {
    let server = start(&args.data_dir, args.port, !args.no_simulate).await?;
    println!("API server listening on {}", server.url());
    println!("kubeconfig: {}", server.kubeconfig.display());
    serve_until_interrupted(server).await
}
