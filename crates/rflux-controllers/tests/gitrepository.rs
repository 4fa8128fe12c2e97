//! The GitRepository reconciler against the embedded API server and real Git repositories:
//! artifacts, revisions, requested reconciles and fetch failures as Flux reports them.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{GitRepo, NS, condition, config_map_yaml, unused_port, wait_for};
use serde_json::json;
use sha2::{Digest, Sha256};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_and_serves_an_artifact_and_follows_requested_reconciles() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write("deploy/cm.yaml", &config_map_yaml("default", "one", &[("k", "v1")]));
    let first = git.commit("first commit");

    env.apply_git_repository("app", &git.url()).await;
    let repo = env.git_repository_ready("app").await;
    let ready = condition(&repo, "Ready").unwrap();
    assert_eq!(ready["reason"], "Succeeded");
    assert_eq!(ready["message"], format!("stored artifact for revision '{first}'"));
    let in_storage = condition(&repo, "ArtifactInStorage").unwrap();
    assert_eq!(in_storage["status"], "True");
    assert!(condition(&repo, "FetchFailed").is_none(), "{}", repo["status"]);
    assert_eq!(repo["status"]["artifact"]["revision"], first);
    assert!(
        repo["metadata"]["finalizers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "finalizers.fluxcd.io"),
        "{}",
        repo["metadata"]
    );

    // The artifact is served over HTTP and its digest is the sha256 of what is served.
    let url = repo["status"]["artifact"]["url"].as_str().unwrap();
    assert!(url.starts_with(&env.manager.storage_url), "{url}");
    let response = reqwest::get(url).await.expect("artifact served");
    assert!(response.status().is_success(), "{}", response.status());
    let body = response.bytes().await.unwrap();
    let digest = format!("sha256:{:x}", Sha256::digest(&body));
    assert_eq!(repo["status"]["artifact"]["digest"], digest);
    assert!(body.starts_with(&[0x1f, 0x8b]), "a gzip archive");

    let events = env.events_for("GitRepository", "app").await;
    assert!(
        events
            .iter()
            .any(|(t, r, m)| t == "Normal" && r == "NewArtifact" && m == "stored artifact for commit 'first commit'"),
        "{events:?}"
    );

    // A new commit is picked up on request, and the request is recorded as handled.
    git.write("deploy/cm.yaml", &config_map_yaml("default", "one", &[("k", "v2")]));
    let second = git.commit("second commit");
    let requested = env.request_reconcile("GitRepository", "app").await;
    let repo = env.git_repository_at("app", &second).await;
    assert_eq!(repo["status"]["lastHandledReconcileAt"], requested);
    assert_eq!(
        condition(&repo, "Ready").unwrap()["message"],
        format!("stored artifact for revision '{second}'")
    );
    assert_ne!(repo["status"]["artifact"]["digest"], digest);
    // Each new artifact has its own event, not a repeat count on the first one.
    let events = env.events_for("GitRepository", "app").await;
    assert!(
        events
            .iter()
            .any(|(t, r, m)| t == "Normal" && r == "NewArtifact" && m == "stored artifact for commit 'second commit'"),
        "{events:?}"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_url_fails_the_fetch() {
    let env = common::start().await;
    let url = format!("https://127.0.0.1:{}/x.git", unused_port());
    env.apply_git_repository("broken", &url).await;
    let repo = wait_for("GitRepository broken FetchFailed", common::WAIT, || async {
        let repo = env.git_repository("broken").await.ok_or("not found".to_string())?;
        match condition(&repo, "FetchFailed") {
            Some(c) if c["status"] == "True" => Ok(repo),
            _ => Err(format!("status: {}", repo["status"])),
        }
    })
    .await;
    let ready = condition(&repo, "Ready").unwrap();
    assert_eq!(ready["status"], "False", "{}", repo["status"]);
    assert_eq!(ready["reason"], "GitOperationFailed");
    let message = ready["message"].as_str().unwrap();
    assert!(
        message.starts_with("failed to checkout and determine revision"),
        "{message}"
    );
    assert!(repo["status"]["artifact"].is_null(), "{}", repo["status"]);
    let events = env.events_for("GitRepository", "broken").await;
    assert!(
        events
            .iter()
            .any(|(t, r, _)| t == "Warning" && r == "GitOperationFailed"),
        "{events:?}"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_fetch_keeps_the_stored_artifact() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write("cm.yaml", &config_map_yaml("default", "one", &[("k", "v")]));
    let revision = git.commit("only commit");
    env.apply_git_repository("app", &git.url()).await;
    let good = env.git_repository_ready("app").await;

    let bad_url = format!("https://127.0.0.1:{}/x.git", unused_port());
    env.merge_patch(
        "source.toolkit.fluxcd.io/v1",
        "GitRepository",
        Some(NS),
        "app",
        json!({"spec": {"url": bad_url}}),
    )
    .await;
    let repo = wait_for(
        "GitRepository app FetchFailed at generation 2",
        common::WAIT,
        || async {
            let repo = env.git_repository("app").await.ok_or("not found".to_string())?;
            let failed = condition(&repo, "FetchFailed").is_some_and(|c| c["status"] == "True");
            if failed && repo["status"]["observedGeneration"] == repo["metadata"]["generation"] {
                Ok(repo)
            } else {
                Err(format!("status: {}", repo["status"]))
            }
        },
    )
    .await;
    assert_eq!(condition(&repo, "Ready").unwrap()["status"], "False");
    assert_eq!(repo["status"]["artifact"]["revision"], revision);
    assert_eq!(
        repo["status"]["artifact"]["digest"],
        good["status"]["artifact"]["digest"]
    );
    // Still downloadable: the kustomize controller keeps working from it.
    let url = repo["status"]["artifact"]["url"].as_str().unwrap();
    let response = reqwest::get(url).await.expect("artifact still served");
    assert!(response.status().is_success(), "{}", response.status());
    env.stop().await;
}
