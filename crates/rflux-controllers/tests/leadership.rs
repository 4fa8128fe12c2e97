#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Lost leadership: another holder takes the Lease `flux-system/rflux-controller` while this
//! manager leads. The manager must notice at its next renewal, say so (`lost_leadership`,
//! which makes `rflux controller` exit with "leader election lost", and `/readyz` answering
//! 503), stop reconciling, and leave the Lease to its new holder.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{GitRepo, NS, config_map_yaml, wait_for};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_whose_lease_is_taken_stops_reconciling_and_says_so() {
    let env = common::start_with(true, |options| {
        options.metrics_addr = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    })
    .await;
    let addr = env.manager.metrics_addr.expect("metrics address");
    let readyz = || async move {
        reqwest::get(format!("http://{addr}/readyz"))
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(readyz().await, 200, "the leader is ready");

    let git = GitRepo::new();
    git.write("cm.yaml", &config_map_yaml("default", "one", &[("k", "v")]));
    let first = git.commit("first");
    env.apply_git_repository("app", &git.url()).await;
    env.git_repository_at("app", &first).await;
    assert!(!*env.manager.lost_leadership.borrow());

    // Another process takes the Lease, as one whose own lease is current would.
    let lease = env
        .get("coordination.k8s.io/v1", "Lease", Some(NS), "rflux-controller")
        .await
        .expect("the Lease exists");
    let transitions = lease["spec"]["leaseTransitions"].as_i64().unwrap_or(0);
    let now = serde_json::to_value(MicroTime(Timestamp::now())).unwrap();
    env.merge_patch(
        "coordination.k8s.io/v1",
        "Lease",
        Some(NS),
        "rflux-controller",
        json!({"spec": {
            "holderIdentity": "usurper",
            "acquireTime": now,
            "renewTime": now,
            "leaseDurationSeconds": 3600,
            "leaseTransitions": transitions + 1
        }}),
    )
    .await;

    // Noticed at the next renewal (the Lease lasts 15 s and is renewed 5 s before it ends).
    let mut lost = env.manager.lost_leadership.clone();
    tokio::time::timeout(Duration::from_secs(40), lost.wait_for(|l| *l))
        .await
        .expect("the manager noticed the lost Lease in time")
        .expect("the manager still reports");
    wait_for("/readyz says not ready", common::WAIT, || async {
        match readyz().await {
            503 => Ok(()),
            other => Err(format!("{other}")),
        }
    })
    .await;

    // Nothing is reconciled any more: neither a requested reconcile nor a new object.
    git.write("cm.yaml", &config_map_yaml("default", "one", &[("k", "w")]));
    git.commit("second");
    let stamp = env.request_reconcile("GitRepository", "app").await;
    env.apply_git_repository("newcomer", &git.url()).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let app = env.git_repository("app").await.unwrap();
    assert_ne!(
        app["status"]["lastHandledReconcileAt"],
        stamp.as_str(),
        "{}",
        app["status"]
    );
    assert_eq!(app["status"]["artifact"]["revision"], first.as_str());
    let newcomer = env.git_repository("newcomer").await.unwrap();
    assert!(
        newcomer.get("status").is_none_or(|s| s.get("artifact").is_none()),
        "{newcomer}"
    );

    // The Lease stays with its new holder: the manager did not take it back on its way out.
    let lease = env
        .get("coordination.k8s.io/v1", "Lease", Some(NS), "rflux-controller")
        .await
        .unwrap();
    assert_eq!(lease["spec"]["holderIdentity"], "usurper", "{}", lease["spec"]);
    env.stop().await;
}
