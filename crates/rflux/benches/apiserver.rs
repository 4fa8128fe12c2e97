//! Benchmark of the embedded API server through kube-rs on loopback, with the server as its own
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::zombie_processes)]
//! process: durable creates per second, list time, updates, write-to-watch delivery latency and
//! the server's peak RSS. Run: `cargo bench -p rflux --bench apiserver [-- N_OBJECTS]`.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};

fn start_server(dir: &Path) -> (Child, std::path::PathBuf) {
    let kubeconfig = dir.join("kubeconfig");
    let child = Command::new(env!("CARGO_BIN_EXE_rflux"))
        .args(["apiserver", "--data-dir"])
        .arg(dir)
        .args(["--log-level", "warn", "--no-simulate"])
        .stdout(Stdio::null())
        .spawn()
        .expect("start rflux apiserver");
    for _ in 0..500 {
        if kubeconfig.exists() {
            std::thread::sleep(Duration::from_millis(100));
            return (child, kubeconfig);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no kubeconfig written");
}

fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn current_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

fn configmap(name: &str, i: usize) -> ConfigMap {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"bench": "yes", "shard": (i % 10).to_string()}},
        "data": {"index": i.to_string(), "payload": "x".repeat(200)},
    }))
    .expect("configmap")
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, kubeconfig) = start_server(dir.path());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::read_from(&kubeconfig).expect("kubeconfig"),
        &Default::default(),
    )
    .await
    .expect("config");
    let client = kube::Client::try_from(config).expect("client");
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");

    // Creates, 32 in flight.
    let started = Instant::now();
    futures::stream::iter(0..n)
        .map(|i| {
            let cms = cms.clone();
            async move {
                cms.create(&PostParams::default(), &configmap(&format!("cm-{i:05}"), i))
                    .await
                    .expect("create")
            }
        })
        .buffer_unordered(32)
        .for_each(|_| async {})
        .await;
    let create_secs = started.elapsed().as_secs_f64();
    let rss_after_creates = current_rss_mib(child.id());

    // List all as raw JSON (server time and transfer, no client-side decoding), best of 5.
    let mut raw_times = Vec::new();
    for _ in 0..5 {
        let req = http::Request::get("/api/v1/namespaces/default/configmaps")
            .body(Vec::new())
            .expect("request");
        let t = Instant::now();
        let text = client.request_text(req).await.expect("raw list");
        raw_times.push(t.elapsed());
        assert!(text.len() > n * 100);
    }
    raw_times.sort();

    // List all (best of 5).
    let mut list_times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let list = cms.list(&ListParams::default()).await.expect("list");
        list_times.push(t.elapsed());
        assert_eq!(list.items.len(), n);
    }
    list_times.sort();
    let t = Instant::now();
    let selected = cms
        .list(&ListParams::default().labels("shard=3"))
        .await
        .expect("list")
        .items
        .len();
    let selector_time = t.elapsed();

    // Updates with a watch open: write-to-event latency.
    let rv = cms
        .list(&ListParams::default().limit(1))
        .await
        .expect("list")
        .metadata
        .resource_version
        .expect("rv");
    let mut stream = cms
        .watch(&WatchParams::default().labels("shard=0"), &rv)
        .await
        .expect("watch")
        .boxed();
    let updates = 1_000.min(n);
    let sent: Arc<std::sync::Mutex<std::collections::HashMap<String, Instant>>> = Arc::default();
    let receiver = {
        let sent = sent.clone();
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let want = (0..updates).filter(|i| i % 10 == 0).count();
            while latencies.len() < want {
                match tokio::time::timeout(Duration::from_secs(10), stream.try_next()).await {
                    Ok(Ok(Some(WatchEvent::Modified(cm)))) => {
                        let name = cm.metadata.name.unwrap_or_default();
                        if let Some(t0) = sent.lock().expect("lock").get(&name) {
                            latencies.push(t0.elapsed());
                        }
                    }
                    Ok(Ok(Some(_))) => {}
                    _ => break,
                }
            }
            latencies
        })
    };
    let started = Instant::now();
    for i in 0..updates {
        let name = format!("cm-{i:05}");
        sent.lock().expect("lock").insert(name.clone(), Instant::now());
        let patch = serde_json::json!({"data": {"updated": "yes"}});
        cms.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .expect("update");
    }
    let update_secs = started.elapsed().as_secs_f64();
    let mut latencies = receiver.await.expect("watch task");
    latencies.sort();

    let rss = peak_rss_mib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("objects: {n} ConfigMaps (~250 bytes of data each)");
    println!(
        "creates: {:.0}/s ({create_secs:.2} s, 32 concurrent, each committed to SQLite before the reply)",
        n as f64 / create_secs
    );
    println!(
        "list all, raw JSON: best {:.1} ms, median {:.1} ms",
        ms(raw_times[0]),
        ms(raw_times[2])
    );
    println!(
        "list all, typed through kube-rs: best {:.1} ms, median {:.1} ms",
        ms(list_times[0]),
        ms(list_times[2])
    );
    println!(
        "list with label selector ({selected} of {n}): {:.1} ms",
        ms(selector_time)
    );
    println!(
        "updates: {:.0}/s ({updates} sequential merge patches)",
        updates as f64 / update_secs
    );
    println!(
        "write-to-watch latency ({} events): p50 {:.2} ms, p99 {:.2} ms (from sending the patch to receiving the event)",
        latencies.len(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99))
    );
    println!("server RSS after the creates: {rss_after_creates:.1} MiB; peak over the run: {rss:.1} MiB");
}
