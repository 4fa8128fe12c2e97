//! `dependsOn`: a chain completes through events alone (no interval or retry interval is
//! waited per level), and a cycle stalls every member with a message naming the cycle.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{GitRepo, NS, condition, config_map_yaml, kustomization};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_of_three_completes_without_waiting_an_interval() {
    let env = common::start().await;
    let git = GitRepo::new();
    for name in ["a", "b", "c"] {
        git.write(
            &format!("{name}/cm.yaml"),
            &config_map_yaml("default", name, &[("k", name)]),
        );
    }
    let revision = git.commit("a, b and c");
    env.apply_git_repository("app", &git.url()).await;
    // Dependents first, so they find their dependencies missing or not Ready and must be
    // woken by events: interval and retryInterval are 1h.
    env.apply(vec![kustomization(
        "c",
        "app",
        "./c",
        json!({"dependsOn": [{"name": "b"}]}),
    )])
    .await;
    env.apply(vec![kustomization(
        "b",
        "app",
        "./b",
        json!({"dependsOn": [{"name": "a", "namespace": NS}]}),
    )])
    .await;
    let waiting = env
        .kustomization_condition("c", "Ready", "False", "DependencyNotReady")
        .await;
    assert!(
        waiting["message"].as_str().unwrap().contains("flux-system/b"),
        "{waiting}"
    );

    env.apply(vec![kustomization("a", "app", "./a", json!({}))]).await;
    let c = env.kustomization_applied("c", &revision).await;
    env.kustomization_applied("b", &revision).await;
    env.kustomization_applied("a", &revision).await;
    assert_eq!(condition(&c, "Ready").unwrap()["reason"], "ReconciliationSucceeded");
    for name in ["a", "b", "c"] {
        assert!(env.config_map("default", name).await.is_some(), "ConfigMap {name}");
    }
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cycle_stalls_with_a_message_naming_it() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write("x/cm.yaml", &config_map_yaml("default", "x", &[("k", "x")]));
    git.write("y/cm.yaml", &config_map_yaml("default", "y", &[("k", "y")]));
    git.commit("x and y");
    env.apply_git_repository("app", &git.url()).await;
    env.apply(vec![
        kustomization("x", "app", "./x", json!({"dependsOn": [{"name": "y"}]})),
        kustomization("y", "app", "./y", json!({"dependsOn": [{"name": "x"}]})),
    ])
    .await;
    for (name, other) in [("x", "y"), ("y", "x")] {
        let stalled = env
            .kustomization_condition(name, "Stalled", "True", "CircularDependency")
            .await;
        let message = stalled["message"].as_str().unwrap();
        assert_eq!(
            message,
            format!("circular dependency detected: {NS}/{name} -> {NS}/{other} -> {NS}/{name}")
        );
        let ks = env.kustomization(name).await.unwrap();
        let ready = condition(&ks, "Ready").unwrap();
        assert_eq!(ready["status"], "False");
        assert_eq!(ready["reason"], "CircularDependency");
    }
    assert!(env.config_map("default", "x").await.is_none());
    assert!(env.config_map("default", "y").await.is_none());
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cycle_closed_later_stalls_the_member_that_was_waiting() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write("x/cm.yaml", &config_map_yaml("default", "x", &[("k", "x")]));
    git.write("y/cm.yaml", &config_map_yaml("default", "y", &[("k", "y")]));
    git.commit("x and y");
    env.apply_git_repository("app", &git.url()).await;
    env.git_repository_ready("app").await;
    // x first: its dependency y does not exist yet, so x waits for it.
    env.apply(vec![kustomization(
        "x",
        "app",
        "./x",
        json!({"dependsOn": [{"name": "y"}]}),
    )])
    .await;
    env.kustomization_condition("x", "Ready", "False", "DependencyNotReady")
        .await;
    // y closes the cycle; x must learn about it without waiting its 1h retry interval.
    env.apply(vec![kustomization(
        "y",
        "app",
        "./y",
        json!({"dependsOn": [{"name": "x"}]}),
    )])
    .await;
    env.kustomization_condition("y", "Stalled", "True", "CircularDependency")
        .await;
    let stalled = env
        .kustomization_condition("x", "Stalled", "True", "CircularDependency")
        .await;
    assert_eq!(
        stalled["message"],
        format!("circular dependency detected: {NS}/x -> {NS}/y -> {NS}/x")
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_revision_flows_down_the_chain_in_order() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write("a/cm.yaml", &config_map_yaml("default", "a", &[("k", "1")]));
    git.write("b/cm.yaml", &config_map_yaml("default", "b", &[("k", "1")]));
    let first = git.commit("one");
    env.apply_git_repository("app", &git.url()).await;
    env.apply(vec![
        kustomization("a", "app", "./a", json!({})),
        kustomization("b", "app", "./b", json!({"dependsOn": [{"name": "a"}]})),
    ])
    .await;
    env.kustomization_applied("b", &first).await;

    git.write("a/cm.yaml", &config_map_yaml("default", "a", &[("k", "2")]));
    git.write("b/cm.yaml", &config_map_yaml("default", "b", &[("k", "2")]));
    let second = git.commit("two");
    env.request_reconcile("GitRepository", "app").await;
    env.kustomization_applied("b", &second).await;
    let a = env.kustomization_applied("a", &second).await;
    assert_eq!(env.config_map("default", "b").await.unwrap()["data"]["k"], "2");
    // b applied the second revision only after a had applied it.
    let a_ready = condition(&a, "Ready").unwrap();
    let b = env.kustomization("b").await.unwrap();
    let b_ready = condition(&b, "Ready").unwrap();
    assert!(
        a_ready["lastTransitionTime"].as_str().unwrap() <= b_ready["lastTransitionTime"].as_str().unwrap(),
        "a: {a_ready}, b: {b_ready}"
    );
    env.stop().await;
}
