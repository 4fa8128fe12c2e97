//! Benchmark of `apply_all` against the embedded API server (in-process, loopback TLS): the
//! first apply of N objects (all created), a second one (all unchanged, dry runs only), and
//! one with a tenth of the objects changed.
//! Run: `cargo bench -p rflux-ssa --bench apply [-- N_OBJECTS [CONCURRENCY]]`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Instant;

use kube::config::{KubeConfigOptions, Kubeconfig};
use rflux_ssa::{Action, Applier, ApplyOptions};
use serde_json::{Value, json};

fn objects(n: usize, generation: usize) -> Vec<Value> {
    let mut out = vec![json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}})];
    for i in 0..n {
        let value = if i % 10 == 0 { generation } else { 0 };
        out.push(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("cm-{i}"), "namespace": "bench"},
            "data": {"index": i.to_string(), "value": value.to_string()}}));
    }
    out
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let n = args.first().copied().unwrap_or(500);
    let concurrency = args.get(1).copied().unwrap_or(4);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let mut config = rflux_apiserver::ServerConfig::new(dir.path());
    config.simulate = false;
    let server = rflux_apiserver::start(config).await.unwrap();
    let kubeconfig = Kubeconfig::read_from(&server.kubeconfig).unwrap();
    let client = kube::Client::try_from(
        kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
            .await
            .unwrap(),
    )
    .unwrap();
    let applier = Applier::new(client, "kustomize-controller").with_concurrency(concurrency);
    println!("{n} ConfigMaps and a Namespace, {concurrency} dry runs at once");
    let opts = ApplyOptions::default();
    for (label, generation) in [
        ("first apply (created)", 0),
        ("second apply (unchanged)", 0),
        ("10% changed", 1),
    ] {
        let start = Instant::now();
        let changes = applier.apply_all(objects(n, generation), &opts).await.unwrap();
        let elapsed = start.elapsed();
        let changed = changes.entries.iter().filter(|e| e.action != Action::Unchanged).count();
        println!(
            "{label:<26} {} objects, {changed} written: {:>8.1} ms ({:.0} objects/s)",
            n + 1,
            elapsed.as_secs_f64() * 1000.0,
            (n + 1) as f64 / elapsed.as_secs_f64()
        );
    }
    server.shutdown().await;
}
