#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Kustomizations whose apply, prune or deletion cannot simply go through, seen as a user
//! sees them: an immutable field changed in git (refused and named without `force`, the
//! object recreated with `spec.force` or the `kustomize.toolkit.fluxcd.io/force: enabled`
//! annotation, and nothing of the refused revision applied), a prune the API server refuses
//! (`PruneFailed` naming the object, the other stale objects still deleted), and
//! `deletionPolicy: WaitForTermination` against the default on deletion.

mod common;

use std::time::{Duration, Instant};

use common::{GitRepo, NS, WAIT, config_map_yaml, kustomization, namespace_yaml, wait_for};
use serde_json::{Value, json};

const KUSTOMIZE_API: &str = "kustomize.toolkit.fluxcd.io/v1";

/// A Deployment `web` in `default` selecting `app: <app>`, with `annotations` (YAML lines
/// indented under `metadata.annotations`, or empty).
fn web_deployment(app: &str, annotations: &str) -> String {
    let annotations = if annotations.is_empty() {
        String::new()
    } else {
        format!("  annotations:\n    {annotations}\n")
    };
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\n{annotations}spec:\n  \
         replicas: 1\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:\n        \
         app: {app}\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/example/web:1.0.0\n"
    )
}

async fn web(env: &common::Env) -> Value {
    env.get("apps/v1", "Deployment", Some("default"), "web")
        .await
        .expect("Deployment default/web exists")
}

/// Requests a reconcile of GitRepository `source` and waits until it has `revision`.
async fn fetch(env: &common::Env, source: &str, revision: &str) {
    env.request_reconcile("GitRepository", source).await;
    env.git_repository_at(source, revision).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_immutable_field_change_is_refused_without_force_and_recreated_with_it() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write("apps/web.yaml", &web_deployment("a", ""))
        .write("apps/cm.yaml", &config_map_yaml("default", "settings", &[("v", "one")]));
    let first = git.commit("web selects a");
    env.apply(vec![
        common::git_repository("apps", &git.url()),
        kustomization("apps", "apps", "./apps", json!({})),
    ])
    .await;
    env.kustomization_applied("apps", &first).await;
    let uid_a = web(&env).await["metadata"]["uid"].clone();

    // The selector changes in git, and so does the ConfigMap next to it.
    git.write("apps/web.yaml", &web_deployment("b", ""))
        .write("apps/cm.yaml", &config_map_yaml("default", "settings", &[("v", "two")]));
    let second = git.commit("web selects b");
    fetch(&env, "apps", &second).await;
    let ready = env
        .kustomization_condition("apps", "Ready", "False", "ReconciliationFailed")
        .await;
    let message = ready["message"].as_str().unwrap();
    assert!(
        message.contains("Deployment/default/web")
            && message.contains("spec.selector")
            && message.contains("field is immutable"),
        "the message names the object and the field: {message}"
    );
    let ks = env.kustomization("apps").await.unwrap();
    assert_eq!(ks["status"]["lastAttemptedRevision"], second.as_str());
    assert_eq!(ks["status"]["lastAppliedRevision"], first.as_str());
    // Nothing of the refused revision was applied: the apply is dry-run first as a whole.
    let live = web(&env).await;
    assert_eq!(live["metadata"]["uid"], uid_a);
    assert_eq!(live["spec"]["selector"]["matchLabels"]["app"], "a");
    assert_eq!(
        env.config_map("default", "settings").await.unwrap()["data"]["v"],
        "one",
        "the ConfigMap of the refused revision was applied"
    );
    let events = env.events_for("Kustomization", "apps").await;
    assert!(
        events
            .iter()
            .any(|(t, r, m)| t == "Warning" && r == "ReconciliationFailed" && m.contains("spec.selector")),
        "{events:?}"
    );

    // spec.force: the Deployment is deleted and created anew, and the revision applies.
    env.merge_patch(
        KUSTOMIZE_API,
        "Kustomization",
        Some(NS),
        "apps",
        json!({"spec": {"force": true}}),
    )
    .await;
    env.kustomization_applied("apps", &second).await;
    let live = web(&env).await;
    assert_ne!(live["metadata"]["uid"], uid_a, "the Deployment was recreated");
    assert_eq!(live["spec"]["selector"]["matchLabels"]["app"], "b");
    assert_eq!(env.config_map("default", "settings").await.unwrap()["data"]["v"], "two");
    let uid_b = live["metadata"]["uid"].clone();

    // Without spec.force, the object's own annotation does the same.
    env.merge_patch(
        KUSTOMIZE_API,
        "Kustomization",
        Some(NS),
        "apps",
        json!({"spec": {"force": false}}),
    )
    .await;
    env.kustomization_applied("apps", &second).await;
    git.write(
        "apps/web.yaml",
        &web_deployment("c", "kustomize.toolkit.fluxcd.io/force: enabled"),
    );
    let third = git.commit("web selects c, forced by annotation");
    fetch(&env, "apps", &third).await;
    env.kustomization_applied("apps", &third).await;
    let live = web(&env).await;
    assert_ne!(live["metadata"]["uid"], uid_b, "the Deployment was recreated");
    assert_eq!(live["spec"]["selector"]["matchLabels"]["app"], "c");
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prune_the_api_server_refuses_names_the_object_and_still_prunes_the_rest() {
    let env = common::start().await;
    let git = GitRepo::new();
    // The `default` namespace in git (as many repositories have it), next to two ConfigMaps.
    git.write("apps/ns.yaml", &namespace_yaml("default"))
        .write("apps/old.yaml", &config_map_yaml("default", "old", &[("k", "v")]))
        .write("apps/kept.yaml", &config_map_yaml("default", "kept", &[("k", "v")]));
    let first = git.commit("namespace and two ConfigMaps");
    env.apply(vec![
        common::git_repository("apps", &git.url()),
        kustomization("apps", "apps", "./apps", json!({"prune": true})),
    ])
    .await;
    env.kustomization_applied("apps", &first).await;

    // Both the namespace and one ConfigMap leave git: kube-apiserver never deletes `default`.
    git.remove("apps/ns.yaml").remove("apps/old.yaml");
    let second = git.commit("drop the namespace and a ConfigMap");
    fetch(&env, "apps", &second).await;
    let ready = env
        .kustomization_condition("apps", "Ready", "False", "PruneFailed")
        .await;
    let message = ready["message"].as_str().unwrap();
    assert!(
        message.contains("Namespace/default delete failed")
            && message.contains("namespaces \"default\" is forbidden: this namespace may not be deleted"),
        "the message names the object and the API server's refusal: {message}"
    );
    assert!(
        !message.contains("ConfigMap"),
        "only the refused object is reported: {message}"
    );
    wait_for("ConfigMap default/old pruned", WAIT, || async {
        match env.config_map("default", "old").await {
            None => Ok(()),
            Some(cm) => Err(format!("{}", cm["metadata"])),
        }
    })
    .await;
    assert!(env.config_map("default", "kept").await.is_some());
    let namespace = env.get("v1", "Namespace", None, "default").await.unwrap();
    assert!(
        namespace["metadata"].get("deletionTimestamp").is_none(),
        "{}",
        namespace["metadata"]
    );
    // The inventory already holds the new revision's objects (written before pruning), so a
    // next reconcile does not try again: as in Flux, the namespace is left alone from then on.
    let ks = env.kustomization("apps").await.unwrap();
    let ids: Vec<&str> = ks["status"]["inventory"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["default_kept__ConfigMap"], "{}", ks["status"]);
    let events = env.events_for("Kustomization", "apps").await;
    assert!(
        events
            .iter()
            .any(|(t, r, m)| t == "Warning" && r == "PruneFailed" && m == message),
        "{events:?}"
    );
    env.stop().await;
}

/// A ConfigMap manifest held by the finalizer `example.com/hold`.
fn held_config_map(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\n  finalizers:\n    \
         - example.com/hold\ndata:\n  k: v\n"
    )
}

async fn release(env: &common::Env, name: &str) {
    env.merge_patch(
        "v1",
        "ConfigMap",
        Some("default"),
        name,
        json!({"metadata": {"finalizers": null}}),
    )
    .await;
}

async fn gone(env: &common::Env, name: &str) {
    wait_for(&format!("Kustomization {name} gone"), WAIT, || async {
        match env.kustomization(name).await {
            None => Ok(()),
            Some(ks) => Err(format!("{}", ks["metadata"])),
        }
    })
    .await;
}

async fn terminating(env: &common::Env, name: &str) {
    wait_for(&format!("ConfigMap default/{name} terminating"), WAIT, || async {
        match env.config_map("default", name).await {
            Some(cm) if cm["metadata"].get("deletionTimestamp").is_some() => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_termination_holds_the_deletion_until_the_objects_are_gone_or_the_timeout() {
    let env = common::start().await;
    let git = GitRepo::new();
    for dir in ["waits", "times-out", "default-policy"] {
        git.write(&format!("{dir}/cm.yaml"), &held_config_map(dir));
    }
    // Skipped at deletion (prune disabled): nothing to wait for.
    git.write(
        "waits/kept.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n  namespace: default\n  annotations:\n    \
         kustomize.toolkit.fluxcd.io/prune: disabled\n",
    );
    let revision = git.commit("held ConfigMaps");
    env.apply(vec![
        common::git_repository("apps", &git.url()),
        kustomization(
            "waits",
            "apps",
            "./waits",
            json!({"deletionPolicy": "WaitForTermination", "timeout": "1m"}),
        ),
        kustomization(
            "times-out",
            "apps",
            "./times-out",
            json!({"deletionPolicy": "WaitForTermination", "timeout": "3s"}),
        ),
        kustomization("default-policy", "apps", "./default-policy", json!({"prune": true})),
    ])
    .await;
    for name in ["waits", "times-out", "default-policy"] {
        env.kustomization_applied(name, &revision).await;
    }

    // The default policy (MirrorPrune with prune: true) deletes and lets go at once, while the
    // object is still terminating.
    env.delete(KUSTOMIZE_API, "Kustomization", Some(NS), "default-policy")
        .await;
    gone(&env, "default-policy").await;
    terminating(&env, "default-policy").await;

    // WaitForTermination holds the Kustomization while its object terminates...
    let started = Instant::now();
    env.delete(KUSTOMIZE_API, "Kustomization", Some(NS), "waits").await;
    terminating(&env, "waits").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let held = env
        .kustomization("waits")
        .await
        .expect("the Kustomization waits for its objects");
    assert!(
        held["metadata"].get("deletionTimestamp").is_some(),
        "{}",
        held["metadata"]
    );
    // ...and lets go once it is gone, well before its timeout; the skipped ConfigMap is not
    // waited for.
    release(&env, "waits").await;
    gone(&env, "waits").await;
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "waited {:?}: the skipped object was waited for",
        started.elapsed()
    );
    assert!(env.config_map("default", "waits").await.is_none());
    assert!(env.config_map("default", "kept").await.is_some());

    // An object that never goes: the Kustomization waits spec.timeout, warns, and goes.
    let started = Instant::now();
    env.delete(KUSTOMIZE_API, "Kustomization", Some(NS), "times-out").await;
    terminating(&env, "times-out").await;
    gone(&env, "times-out").await;
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(3) && waited < Duration::from_secs(20),
        "waited {waited:?} for a 3s timeout"
    );
    let events = env.events_for("Kustomization", "times-out").await;
    assert!(
        events.iter().any(|(t, _, m)| t == "Warning"
            && m.starts_with("failed to wait for resources termination")
            && m.contains("ConfigMap/default/times-out")),
        "{events:?}"
    );
    terminating(&env, "times-out").await;
    release(&env, "times-out").await;
    release(&env, "default-policy").await;
    env.stop().await;
}
