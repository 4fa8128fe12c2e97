//! The Kustomization reconciler end to end: a plain directory applied with ownership labels and
//! an inventory in Flux's format, pruning as `prune` and the prune annotation decide, suspend,
//! garbage collection on deletion, and the failures users see for bad paths and bad builds.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{GitRepo, NS, condition, config_map_yaml, kustomization, namespace_yaml, wait_for};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applies_a_plain_directory_and_prunes_what_left_git() {
    let env = common::start().await;
    let git = GitRepo::new();
    for dir in ["prune", "keep"] {
        git.write(&format!("{dir}/ns.yaml"), &namespace_yaml(dir));
        git.write(&format!("{dir}/a.yaml"), &config_map_yaml(dir, "a", &[("k", "a")]));
        git.write(&format!("{dir}/b.yaml"), &config_map_yaml(dir, "b", &[("k", "b")]));
        git.write(
            &format!("{dir}/c.yaml"),
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: {dir}\n  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\ndata:\n  k: c\n"
            ),
        );
    }
    let first = git.commit("three config maps");
    env.apply_git_repository("app", &git.url()).await;
    env.apply(vec![
        kustomization("prune", "app", "./prune", json!({"prune": true})),
        kustomization("keep", "app", "./keep", json!({"prune": false})),
    ])
    .await;

    let ks = env.kustomization_applied("prune", &first).await;
    let ready = condition(&ks, "Ready").unwrap();
    assert_eq!(ready["reason"], "ReconciliationSucceeded");
    assert_eq!(ready["message"], format!("Applied revision: {first}"));
    assert_eq!(ks["status"]["lastAttemptedRevision"], first);
    let mut entries: Vec<(String, String)> = ks["status"]["inventory"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().to_string(),
                e["v"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    entries.sort();
    let expected: Vec<(String, String)> = [
        ("_prune__Namespace", "v1"),
        ("prune_a__ConfigMap", "v1"),
        ("prune_b__ConfigMap", "v1"),
        ("prune_c__ConfigMap", "v1"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(entries, expected);
    assert!(
        ks["metadata"]["finalizers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "finalizers.fluxcd.io")
    );

    let a = env.config_map("prune", "a").await.expect("ConfigMap prune/a applied");
    assert_eq!(a["data"]["k"], "a");
    assert_eq!(a["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"], "prune");
    assert_eq!(a["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/namespace"], NS);
    let managers: Vec<&str> = a["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert!(managers.contains(&"kustomize-controller"), "{managers:?}");
    let ns = env
        .get("v1", "Namespace", None, "prune")
        .await
        .expect("namespace applied");
    assert_eq!(ns["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"], "prune");
    env.kustomization_applied("keep", &first).await;

    let events = env.events_for("Kustomization", "prune").await;
    assert!(
        events
            .iter()
            .any(|(t, r, m)| t == "Normal" && r == "Progressing" && m.contains("ConfigMap/prune/a created")),
        "{events:?}"
    );

    // b and c leave Git.
    for dir in ["prune", "keep"] {
        git.remove(&format!("{dir}/b.yaml"));
        git.remove(&format!("{dir}/c.yaml"));
    }
    let second = git.commit("remove b and c");
    env.request_reconcile("GitRepository", "app").await;
    let ks = env.kustomization_applied("prune", &second).await;
    env.kustomization_applied("keep", &second).await;

    assert!(env.config_map("prune", "a").await.is_some());
    assert!(env.config_map("prune", "b").await.is_none(), "prune: true deletes b");
    assert!(
        env.config_map("prune", "c").await.is_some(),
        "kustomize.toolkit.fluxcd.io/prune: disabled keeps c"
    );
    assert!(env.config_map("keep", "b").await.is_some(), "prune: false keeps b");
    assert!(env.config_map("keep", "c").await.is_some());
    let ids: Vec<&str> = ks["status"]["inventory"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&"prune_b__ConfigMap"), "{ids:?}");
    let events = env.events_for("Kustomization", "prune").await;
    assert!(
        events.iter().any(|(_, _, m)| m.contains("ConfigMap/prune/b deleted")),
        "{events:?}"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspended_kustomization_applies_nothing_new() {
    let env = common::start().await;
    let git = GitRepo::new();
    for dir in ["held", "live"] {
        git.write(
            &format!("{dir}/cm.yaml"),
            &config_map_yaml("default", dir, &[("k", "one")]),
        );
    }
    let first = git.commit("one");
    env.apply_git_repository("app", &git.url()).await;
    env.apply(vec![
        kustomization("held", "app", "./held", json!({})),
        kustomization("live", "app", "./live", json!({})),
    ])
    .await;
    env.kustomization_applied("held", &first).await;
    env.kustomization_applied("live", &first).await;

    env.merge_patch(
        "kustomize.toolkit.fluxcd.io/v1",
        "Kustomization",
        Some(NS),
        "held",
        json!({"spec": {"suspend": true}}),
    )
    .await;
    for dir in ["held", "live"] {
        git.write(
            &format!("{dir}/cm.yaml"),
            &config_map_yaml("default", dir, &[("k", "two")]),
        );
    }
    let second = git.commit("two");
    env.request_reconcile("GitRepository", "app").await;
    // The same artifact reaches both; once the live one applied it, the held one has been
    // offered it too.
    env.kustomization_applied("live", &second).await;
    assert_eq!(env.config_map("default", "live").await.unwrap()["data"]["k"], "two");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let held = env.kustomization("held").await.unwrap();
    assert_eq!(held["status"]["lastAppliedRevision"], first, "{}", held["status"]);
    assert_eq!(env.config_map("default", "held").await.unwrap()["data"]["k"], "one");

    // Resuming applies the new revision.
    env.merge_patch(
        "kustomize.toolkit.fluxcd.io/v1",
        "Kustomization",
        Some(NS),
        "held",
        json!({"spec": {"suspend": false}}),
    )
    .await;
    env.kustomization_applied("held", &second).await;
    assert_eq!(env.config_map("default", "held").await.unwrap()["data"]["k"], "two");
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_kustomization_garbage_collects_its_objects() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write("apps/ns.yaml", &namespace_yaml("apps"));
    git.write("apps/cm.yaml", &config_map_yaml("apps", "settings", &[("k", "v")]));
    git.write("kept/cm.yaml", &config_map_yaml("default", "kept", &[("k", "v")]));
    let revision = git.commit("apps");
    env.apply_git_repository("app", &git.url()).await;
    env.apply(vec![
        kustomization("apps", "app", "./apps", json!({"prune": true})),
        kustomization("kept", "app", "./kept", json!({"prune": false})),
    ])
    .await;
    env.kustomization_applied("apps", &revision).await;
    env.kustomization_applied("kept", &revision).await;
    assert!(env.config_map("apps", "settings").await.is_some());

    env.delete("kustomize.toolkit.fluxcd.io/v1", "Kustomization", Some(NS), "apps")
        .await;
    env.delete("kustomize.toolkit.fluxcd.io/v1", "Kustomization", Some(NS), "kept")
        .await;
    wait_for("Kustomizations gone", common::WAIT, || async {
        match (env.kustomization("apps").await, env.kustomization("kept").await) {
            (None, None) => Ok(()),
            (a, k) => Err(format!(
                "still there: apps={:?} kept={:?}",
                a.map(|a| a["metadata"]["finalizers"].clone()),
                k.map(|k| k["metadata"]["finalizers"].clone())
            )),
        }
    })
    .await;
    wait_for("ConfigMap apps/settings deleted", common::WAIT, || async {
        match env.config_map("apps", "settings").await {
            None => Ok(()),
            Some(cm) => Err(format!("{}", cm["metadata"])),
        }
    })
    .await;
    assert!(
        env.config_map("default", "kept").await.is_some(),
        "prune: false orphans the objects"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_path_and_bad_build_are_reported() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write(
        "broken/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - missing.yaml\n",
    );
    git.commit("broken overlay");
    env.apply_git_repository("app", &git.url()).await;
    // With the artifact stored, ArtifactFailed can only be about the path.
    env.git_repository_ready("app").await;
    env.apply(vec![
        kustomization("nowhere", "app", "./does/not/exist", json!({})),
        kustomization("broken", "app", "./broken", json!({})),
    ])
    .await;

    let ready = env
        .kustomization_condition("nowhere", "Ready", "False", "ArtifactFailed")
        .await;
    let message = ready["message"].as_str().unwrap();
    assert!(message.contains("./does/not/exist"), "{message}");
    assert!(message.contains("not found"), "{message}");

    let ready = env
        .kustomization_condition("broken", "Ready", "False", "BuildFailed")
        .await;
    let message = ready["message"].as_str().unwrap();
    assert!(message.contains("missing.yaml"), "{message}");
    let events = env.events_for("Kustomization", "broken").await;
    assert!(
        events.iter().any(|(t, r, _)| t == "Warning" && r == "BuildFailed"),
        "{events:?}"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requested_reconcile_corrects_drift() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write(
        "app/cm.yaml",
        &config_map_yaml("default", "settings", &[("mode", "git")]),
    );
    let revision = git.commit("settings");
    env.apply_git_repository("app", &git.url()).await;
    env.apply(vec![kustomization("app", "app", "./app", json!({}))]).await;
    env.kustomization_applied("app", &revision).await;

    // Someone edits the object in the cluster.
    env.merge_patch(
        "v1",
        "ConfigMap",
        Some("default"),
        "settings",
        json!({"data": {"mode": "edited by hand"}}),
    )
    .await;
    let requested = env.request_reconcile("Kustomization", "app").await;
    let ks = wait_for("Kustomization app handled the request", common::WAIT, || async {
        let ks = env.kustomization("app").await.ok_or("not found".to_string())?;
        if ks["status"]["lastHandledReconcileAt"] == requested.as_str() {
            Ok(ks)
        } else {
            Err(format!("status: {}", ks["status"]))
        }
    })
    .await;
    assert_eq!(condition(&ks, "Ready").unwrap()["status"], "True");
    assert_eq!(
        env.config_map("default", "settings").await.unwrap()["data"]["mode"],
        "git"
    );
    let events = env.events_for("Kustomization", "app").await;
    assert!(
        events
            .iter()
            .any(|(_, r, m)| r == "Progressing" && m.contains("ConfigMap/default/settings configured")),
        "{events:?}"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_namespace_source_target_namespace_and_deletion_policy() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write(
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  k: v\n",
    );
    let revision = git.commit("settings without a namespace");
    env.apply_git_repository("shared", &git.url()).await;
    let mut ks = kustomization(
        "team-app",
        "shared",
        "./app",
        json!({"prune": false, "deletionPolicy": "Delete", "targetNamespace": "team"}),
    );
    ks["metadata"]["namespace"] = json!("team");
    ks["spec"]["sourceRef"]["namespace"] = json!(NS);
    env.apply(vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}),
        ks,
    ])
    .await;
    let ks = wait_for("Kustomization team/team-app applied", common::WAIT, || async {
        let ks = env
            .get(
                "kustomize.toolkit.fluxcd.io/v1",
                "Kustomization",
                Some("team"),
                "team-app",
            )
            .await
            .ok_or("not found".to_string())?;
        common::ready_at_generation(&ks)?;
        if ks["status"]["lastAppliedRevision"] == revision.as_str() {
            Ok(ks)
        } else {
            Err(format!("status: {}", ks["status"]))
        }
    })
    .await;
    assert_eq!(
        ks["status"]["inventory"]["entries"][0]["id"],
        "team_settings__ConfigMap"
    );
    let cm = env
        .config_map("team", "settings")
        .await
        .expect("applied in the target namespace");
    assert_eq!(
        cm["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/namespace"],
        "team"
    );

    // deletionPolicy Delete garbage-collects although prune is false.
    env.delete(
        "kustomize.toolkit.fluxcd.io/v1",
        "Kustomization",
        Some("team"),
        "team-app",
    )
    .await;
    wait_for("ConfigMap team/settings deleted", common::WAIT, || async {
        match env.config_map("team", "settings").await {
            None => Ok(()),
            Some(cm) => Err(format!("{}", cm["metadata"])),
        }
    })
    .await;
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeps_working_after_a_controller_restart() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write("app/cm.yaml", &config_map_yaml("default", "settings", &[("k", "v")]));
    let revision = git.commit("settings");
    env.apply_git_repository("app", &git.url()).await;
    env.apply(vec![kustomization("app", "app", "./app", json!({}))]).await;
    env.kustomization_applied("app", &revision).await;
    let old_url = env.manager.storage_url.clone();

    let env = env.restart_manager().await;
    assert_ne!(
        env.manager.storage_url, old_url,
        "the artifact server moved to another port"
    );
    let requested = env.request_reconcile("Kustomization", "app").await;
    let ks = wait_for(
        "Kustomization app reconciled after the restart",
        common::WAIT,
        || async {
            let ks = env.kustomization("app").await.ok_or("not found".to_string())?;
            common::ready_at_generation(&ks)?;
            if ks["status"]["lastHandledReconcileAt"] == requested.as_str() {
                Ok(ks)
            } else {
                Err(format!("status: {}", ks["status"]))
            }
        },
    )
    .await;
    assert_eq!(ks["status"]["lastAppliedRevision"], revision);
    let repo = env.git_repository("app").await.unwrap();
    let url = repo["status"]["artifact"]["url"].as_str().unwrap();
    assert!(
        url.starts_with(&env.manager.storage_url),
        "artifact URL follows the server: {url}"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_the_cluster_rejects_fails_the_reconcile_and_names_it() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write("app/cm.yaml", &config_map_yaml("default", "fine", &[("k", "v")]));
    git.write(
        "app/widget.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: default\nspec:\n  size: 1\n",
    );
    git.commit("a kind the cluster does not serve");
    env.apply_git_repository("app", &git.url()).await;
    env.git_repository_ready("app").await;
    env.apply(vec![kustomization("app", "app", "./app", json!({}))]).await;
    let ready = env
        .kustomization_condition("app", "Ready", "False", "ReconciliationFailed")
        .await;
    let message = ready["message"].as_str().unwrap();
    assert!(message.contains("Widget"), "{message}");
    let ks = env.kustomization("app").await.unwrap();
    assert!(ks["status"]["lastAppliedRevision"].is_null(), "{}", ks["status"]);
    env.stop().await;
}
