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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_a_tag_honours_ignore_and_cleans_up_on_deletion() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write("deploy/cm.yaml", &config_map_yaml("default", "one", &[("k", "v1")]));
    git.write("docs/README.md", "not for the cluster\n");
    git.commit("v1");
    git.git(&["tag", "v1.0.0"]);
    let tagged = format!("v1.0.0@sha1:{}", git.git(&["rev-parse", "HEAD"]).trim());
    git.write("deploy/cm.yaml", &config_map_yaml("default", "one", &[("k", "v2")]));
    git.commit("after the tag");

    let mut repo = common::git_repository("tagged", &git.url());
    repo["spec"]["ref"] = json!({"tag": "v1.0.0"});
    repo["spec"]["ignore"] = json!("/docs/\n");
    env.apply(vec![repo]).await;
    let repo = env.git_repository_ready("tagged").await;
    assert_eq!(repo["status"]["artifact"]["revision"], tagged);
    assert_eq!(repo["status"]["observedIgnore"], "/docs/\n");

    // The archive holds the tagged tree without the ignored directory.
    let url = repo["status"]["artifact"]["url"].as_str().unwrap().to_string();
    let body = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    let unpacked = tempfile::tempdir().unwrap();
    let archive = unpacked.path().join("a.tar.gz");
    std::fs::write(&archive, &body).unwrap();
    let out = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(unpacked.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cm = std::fs::read_to_string(unpacked.path().join("deploy/cm.yaml")).unwrap();
    assert!(cm.contains("\"v1\""), "{cm}");
    assert!(
        !unpacked.path().join("docs").exists(),
        "ignored paths stay out of the artifact"
    );

    env.delete("source.toolkit.fluxcd.io/v1", "GitRepository", Some(NS), "tagged")
        .await;
    wait_for("GitRepository tagged gone", common::WAIT, || async {
        match env.git_repository("tagged").await {
            None => Ok(()),
            Some(repo) => Err(format!("{}", repo["metadata"])),
        }
    })
    .await;
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(
        response.status().as_u16(),
        404,
        "the artifact is removed with its source"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pins_a_commit_and_suspend_stops_fetching() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write("cm.yaml", &config_map_yaml("default", "one", &[("k", "v1")]));
    let first = git.commit("first");
    let sha = first.trim_start_matches("main@sha1:").to_string();
    git.write("cm.yaml", &config_map_yaml("default", "one", &[("k", "v2")]));
    let second = git.commit("second");

    let mut pinned = common::git_repository("pinned", &git.url());
    pinned["spec"]["ref"] = json!({"commit": sha});
    env.apply(vec![pinned, common::git_repository("suspended", &git.url())])
        .await;
    let repo = env.git_repository_ready("pinned").await;
    assert_eq!(repo["status"]["artifact"]["revision"], format!("sha1:{sha}"));
    env.git_repository_at("suspended", &second).await;

    env.merge_patch(
        "source.toolkit.fluxcd.io/v1",
        "GitRepository",
        Some(NS),
        "suspended",
        json!({"spec": {"suspend": true}}),
    )
    .await;
    git.write("cm.yaml", &config_map_yaml("default", "one", &[("k", "v3")]));
    let third = git.commit("third");
    env.request_reconcile("GitRepository", "suspended").await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let repo = env.git_repository("suspended").await.unwrap();
    assert_eq!(repo["status"]["artifact"]["revision"], second, "{}", repo["status"]);

    env.merge_patch(
        "source.toolkit.fluxcd.io/v1",
        "GitRepository",
        Some(NS),
        "suspended",
        json!({"spec": {"suspend": false}}),
    )
    .await;
    env.git_repository_at("suspended", &third).await;
    env.stop().await;
}
