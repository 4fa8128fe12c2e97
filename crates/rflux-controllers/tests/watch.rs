//! Flux's `reconcile.fluxcd.io/watch: Enabled` label: a change to a labelled ConfigMap that a
//! Kustomization reads through `postBuild.substituteFrom` reconciles it at once, without
//! waiting for its interval (1h here).
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{GitRepo, NS, WAIT, kustomization, wait_for};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_labelled_config_map_change_reconciles_its_readers() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write(
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  region: \"${region}\"\n",
    );
    let revision = git.commit("templated settings");
    env.apply(vec![
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cluster-vars", "namespace": NS,
                "labels": {"reconcile.fluxcd.io/watch": "Enabled"}},
            "data": {"region": "eu-west-1"}}),
        common::git_repository("app", &git.url()),
        kustomization(
            "app",
            "app",
            "./app",
            json!({"postBuild": {"substituteFrom": [{"kind": "ConfigMap", "name": "cluster-vars"}]}}),
        ),
    ])
    .await;
    env.kustomization_applied("app", &revision).await;
    assert_eq!(
        env.config_map("default", "settings").await.unwrap()["data"]["region"],
        "eu-west-1"
    );

    env.merge_patch(
        "v1",
        "ConfigMap",
        Some(NS),
        "cluster-vars",
        json!({"data": {"region": "us-east-2"}}),
    )
    .await;
    wait_for("the new variable applied", WAIT, || async {
        match env.config_map("default", "settings").await {
            Some(cm) if cm["data"]["region"] == "us-east-2" => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    env.stop().await;
}
