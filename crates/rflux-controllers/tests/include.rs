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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn include_paths_that_climb_out_are_refused_and_nothing_is_written() {
    let env = common::start().await;
    let shared = GitRepo::new();
    shared.write(
        "manifests/cm.yaml",
        &common::config_map_yaml("default", "shared", &[("v", "one")]),
    );
    shared.commit("shared");
    let app = GitRepo::new();
    app.write(
        "app/cm.yaml",
        &common::config_map_yaml("default", "app", &[("v", "app")]),
    );
    let revision = app.commit("app");
    env.apply(vec![
        common::git_repository("shared", &shared.url()),
        common::git_repository("app", &app.url()),
    ])
    .await;
    env.git_repository_ready("shared").await;
    let good = env.git_repository_ready("app").await;
    assert_eq!(good["status"]["artifact"]["revision"], revision.as_str());

    // Where a toPath of `../../<escape>` from the checkout in the temporary directory lands.
    let escape = format!("rflux-include-escape-{}", std::process::id());
    let outside = std::env::temp_dir().join(&escape);
    let cases = [
        (
            json!({"repository": {"name": "shared"}, "toPath": format!("../../{escape}")}),
            format!("toPath '../../{escape}' must be a relative path inside the repository"),
        ),
        (
            json!({"repository": {"name": "shared"}, "toPath": "/etc/rflux"}),
            "toPath '/etc/rflux' must be a relative path inside the repository".to_string(),
        ),
        (
            json!({"repository": {"name": "shared"}, "fromPath": "../../../etc", "toPath": "vendor"}),
            "fromPath '../../../etc' must be a relative path inside the included artifact".to_string(),
        ),
    ];
    for (include, expected) in cases {
        env.merge_patch(
            "source.toolkit.fluxcd.io/v1",
            "GitRepository",
            Some(common::NS),
            "app",
            json!({"spec": {"include": [include]}}),
        )
        .await;
        let repo = wait_for("GitRepository app refuses the include", WAIT, || async {
            let repo = env.git_repository("app").await.ok_or("not found".to_string())?;
            let ready = common::condition(&repo, "Ready").ok_or("no Ready".to_string())?;
            if ready["status"] == "False"
                && ready["observedGeneration"] == repo["metadata"]["generation"]
                && ready["message"].as_str().is_some_and(|m| m.contains(&expected))
            {
                Ok(repo)
            } else {
                Err(format!("status: {}", repo["status"]))
            }
        })
        .await;
        let ready = common::condition(&repo, "Ready").unwrap();
        assert_eq!(ready["reason"], "IllegalPath", "{ready}");
        assert_eq!(
            ready["message"],
            format!("path calculation for include 'shared' failed: {expected}"),
            "{ready}"
        );
        // The artifact stays the one built before the include was asked for.
        assert_eq!(repo["status"]["artifact"], good["status"]["artifact"]);
        assert!(!outside.exists(), "the include was copied to {}", outside.display());
    }
    env.stop().await;
}
