//! Every create the server acknowledged survives `kill -9`, and the database stays sound.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod cluster;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cluster::ApiServerProcess;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, PostParams};
use rand::Rng;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_creates_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let server = ApiServerProcess::start(dir.path(), 0);
    let client = server.client().await;
    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let mut writers = Vec::new();
    for w in 0..4 {
        let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
        let acked = acked.clone();
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let name = format!("c-{w}-{i}");
                let cm: ConfigMap = serde_json::from_value(serde_json::json!({
                    "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"i": i.to_string()}
                }))
                .unwrap();
                match cms.create(&PostParams::default(), &cm).await {
                    Ok(_) => {
                        acked.lock().unwrap().insert(name);
                    }
                    Err(_) => return,
                }
            }
        }));
    }
    let delay = rand::rng().random_range(300..900);
    tokio::time::sleep(Duration::from_millis(delay)).await;
    server.kill9();
    for w in writers {
        let _ = w.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > 10,
        "the writers made progress before the kill ({} creates)",
        acked.len()
    );

    let db = rusqlite::Connection::open(dir.path().join("state.db")).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    drop(db);

    let server = ApiServerProcess::start(dir.path(), 0);
    let cms: Api<ConfigMap> = Api::namespaced(server.client().await, "default");
    let present: BTreeSet<String> = cms
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|c| c.metadata.name)
        .collect();
    let missing: Vec<&String> = acked.difference(&present).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged creates lost: {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
}
