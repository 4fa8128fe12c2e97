//! The metrics endpoint as Prometheus and a Deployment's probes see it: Flux's metric names per
//! reconciled object, `/readyz` once this process leads, `/healthz`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;

use common::{GitRepo, config_map_yaml, kustomization};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_name_the_reconciled_objects_and_readyz_answers_when_leading() {
    let env = common::start_with(true, |options| {
        options.metrics_addr = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    })
    .await;
    let addr = env.manager.metrics_addr.expect("the bound metrics address is exposed");
    assert_ne!(addr.port(), 0);

    let readyz = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(readyz.status().as_u16(), 200, "the manager leads, so /readyz is 200");
    let healthz = reqwest::get(format!("http://{addr}/healthz")).await.unwrap();
    assert_eq!(healthz.status().as_u16(), 200);

    let git = GitRepo::new();
    git.write("app/cm.yaml", &config_map_yaml("default", "one", &[("k", "v")]));
    let revision = git.commit("one");
    env.apply(vec![
        common::git_repository("repo", &git.url()),
        kustomization("apps", "repo", "./app", json!({})),
    ])
    .await;
    env.kustomization_applied("apps", &revision).await;

    let body = common::wait_for("metrics of both objects", common::WAIT, || async {
        let response = reqwest::get(format!("http://{addr}/metrics"))
            .await
            .map_err(|e| e.to_string())?;
        let body = response.text().await.map_err(|e| e.to_string())?;
        let has = |kind: &str, name: &str| {
            body.lines().any(|l| {
                l.starts_with("gotk_reconcile_duration_seconds_count{")
                    && l.contains(&format!("kind=\"{kind}\""))
                    && l.contains(&format!("name=\"{name}\""))
                    && l.contains("namespace=\"flux-system\"")
            })
        };
        if has("GitRepository", "repo") && has("Kustomization", "apps") {
            Ok(body)
        } else {
            Err(body)
        }
    })
    .await;
    let info = body
        .lines()
        .find(|l| l.starts_with("gotk_resource_info{") && l.contains("customresource_kind=\"Kustomization\""))
        .unwrap_or_else(|| panic!("no gotk_resource_info for the Kustomization:\n{body}"));
    assert!(info.contains("name=\"apps\""), "{info}");
    assert!(info.contains("ready=\"True\""), "{info}");
    assert!(info.contains(&format!("revision=\"{revision}\"")), "{info}");
    assert!(info.contains("suspended=\"false\""), "{info}");
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_manager_waits_as_a_follower() {
    let env = common::start().await;
    let mut options = rflux_controllers::manager::ManagerOptions::local(env.dir.path().join("follower-artifacts"));
    options.metrics_addr = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    options.identity = "follower".to_string();
    let follower = rflux_controllers::manager::Manager::start(env.client.clone(), options)
        .await
        .expect("the follower starts");
    let addr = follower.metrics_addr.expect("metrics address");
    let readyz = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(readyz.status().as_u16(), 503, "a follower is not ready");
    assert!(
        follower.reconcilers.borrow().is_none(),
        "a follower runs no reconcilers"
    );
    let lease = env
        .get("coordination.k8s.io/v1", "Lease", Some(common::NS), "rflux-controller")
        .await
        .expect("the Lease exists");
    assert_ne!(lease["spec"]["holderIdentity"], "follower", "{}", lease["spec"]);
    follower.shutdown().await;
    env.stop().await;
}
