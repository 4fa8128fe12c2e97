//! `spec.include`: the artifact of another GitRepository copied into a path of this one, and
//! kept up to date when the included repository moves.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{GitRepo, WAIT, kustomization, wait_for};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_included_repository_is_copied_in_and_followed() {
    let env = common::start().await;
    let shared = GitRepo::new();
    shared.write(
        "manifests/cm.yaml",
        &common::config_map_yaml("default", "shared", &[("v", "one")]),
    );
    shared.commit("shared one");
    let app = GitRepo::new();
    app.write(
        "app/cm.yaml",
        &common::config_map_yaml("default", "app", &[("v", "app")]),
    );
    app.commit("app");
    let mut including = common::git_repository("app", &app.url());
    including["spec"]["include"] =
        json!([{"repository": {"name": "shared"}, "fromPath": "manifests", "toPath": "app/shared"}]);
    env.apply(vec![
        common::git_repository("shared", &shared.url()),
        including,
        kustomization("app", "app", "./app", json!({})),
    ])
    .await;
    wait_for("the included ConfigMap applied", WAIT, || async {
        match env.config_map("default", "shared").await {
            Some(cm) if cm["data"]["v"] == "one" => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let repo = env.git_repository("app").await.unwrap();
    assert_eq!(
        repo["status"]["includedArtifacts"][0]["revision"],
        env.git_repository("shared").await.unwrap()["status"]["artifact"]["revision"]
    );

    // The included repository moves: the including one copies the new content in.
    shared.write(
        "manifests/cm.yaml",
        &common::config_map_yaml("default", "shared", &[("v", "two")]),
    );
    shared.commit("shared two");
    env.request_reconcile("GitRepository", "shared").await;
    wait_for("the new included content applied", WAIT, || async {
        match env.config_map("default", "shared").await {
            Some(cm) if cm["data"]["v"] == "two" => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    env.stop().await;
}
