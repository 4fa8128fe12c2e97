//! Health checks: `wait: true` waits for workloads to become Ready, a check that cannot pass
//! fails with HealthCheckFailed after `timeout`, and a new revision interrupts a long wait
//! instead of sitting it out.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{GitRepo, NS, condition, config_map_yaml, kustomization, wait_for};
use serde_json::json;

fn deployment_yaml(name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n  replicas: 1\n  \
         selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    \
         spec:\n      containers:\n        - name: app\n          image: ghcr.io/example/{name}:1.0.0\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_true_reports_healthy_workloads() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write("app/deploy.yaml", &deployment_yaml("web"));
    let revision = git.commit("web");
    env.apply(vec![
        common::git_repository("app", &git.url()),
        kustomization("app", "app", "./app", json!({"wait": true, "timeout": "20s"})),
    ])
    .await;
    let ks = env.kustomization_applied("app", &revision).await;
    let healthy = condition(&ks, "Healthy").expect("Healthy condition");
    assert_eq!(healthy["status"], "True");
    assert_eq!(healthy["reason"], "Succeeded");
    assert!(
        healthy["message"]
            .as_str()
            .unwrap()
            .starts_with("Health check passed in "),
        "{healthy}"
    );
    let deployment = env
        .get("apps/v1", "Deployment", Some("default"), "web")
        .await
        .expect("Deployment applied");
    assert_eq!(deployment["status"]["readyReplicas"], 1, "{}", deployment["status"]);
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_health_check_and_a_new_revision_interrupting_a_long_wait() {
    // No workload simulation: a Deployment never becomes Ready.
    let env = common::start_with(false, |_| {}).await;
    let git = GitRepo::new();
    git.write("app/deploy.yaml", &deployment_yaml("stuck"));
    let stuck = git.commit("a deployment that never becomes ready");
    env.apply(vec![
        common::git_repository("app", &git.url()),
        kustomization("app", "app", "./app", json!({"wait": true, "timeout": "2s"})),
    ])
    .await;
    let ready = env
        .kustomization_condition("app", "Ready", "False", "HealthCheckFailed")
        .await;
    assert!(
        ready["message"]
            .as_str()
            .unwrap()
            .starts_with("Health check failed after 2s"),
        "{ready}"
    );
    let ks = env.kustomization("app").await.unwrap();
    let healthy = condition(&ks, "Healthy").expect("Healthy condition");
    assert_eq!(healthy["status"], "False");
    assert_eq!(healthy["reason"], "HealthCheckFailed");
    assert_eq!(ks["status"]["lastAttemptedRevision"], stuck);
    assert!(ks["status"]["lastAppliedRevision"].is_null(), "{}", ks["status"]);
    assert!(
        ks["status"]["inventory"]["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == "default_stuck_apps_Deployment"),
        "the inventory is kept although the wait failed: {}",
        ks["status"]
    );

    // A long wait now: only an interruption can end it within the test.
    env.merge_patch(
        "kustomize.toolkit.fluxcd.io/v1",
        "Kustomization",
        Some(NS),
        "app",
        json!({"spec": {"timeout": "1h"}}),
    )
    .await;
    wait_for("the health check of generation 2 is running", common::WAIT, || async {
        let ks = env.kustomization("app").await.ok_or("not found".to_string())?;
        match condition(&ks, "Reconciling") {
            Some(c)
                if c["observedGeneration"] == 2
                    && c["message"].as_str().unwrap_or("").starts_with("Checking health of") =>
            {
                Ok(())
            }
            _ => Err(format!("status: {}", ks["status"])),
        }
    })
    .await;

    git.remove("app/deploy.yaml");
    git.write("app/cm.yaml", &config_map_yaml("default", "fixed", &[("k", "v")]));
    let fixed = git.commit("replace the deployment");
    env.request_reconcile("GitRepository", "app").await;
    let ks = env.kustomization_applied("app", &fixed).await;
    assert_eq!(condition(&ks, "Healthy").unwrap()["status"], "True");
    assert!(env.config_map("default", "fixed").await.is_some());
    assert!(
        env.get("apps/v1", "Deployment", Some("default"), "stuck")
            .await
            .is_none(),
        "the deployment left Git and was pruned"
    );
    let events = env.events_for("Kustomization", "app").await;
    assert!(
        events
            .iter()
            .any(|(t, r, m)| t == "Warning" && r == "HealthCheckFailed" && m.starts_with("Health check cancelled")),
        "{events:?}"
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explicit_health_checks_are_waited_for() {
    let env = common::start().await;
    let git = GitRepo::new();
    git.write("app/deploy.yaml", &deployment_yaml("api"));
    let revision = git.commit("api");
    env.apply(vec![
        common::git_repository("app", &git.url()),
        kustomization(
            "app",
            "app",
            "./app",
            json!({"timeout": "20s", "healthChecks": [
                {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api", "namespace": "default"}
            ]}),
        ),
    ])
    .await;
    let ks = env.kustomization_applied("app", &revision).await;
    assert_eq!(condition(&ks, "Healthy").expect("Healthy condition")["status"], "True");
    env.stop().await;
}

/// Waits until the Kustomization's health check of its current generation runs.
async fn health_check_running(env: &common::Env, name: &str) {
    wait_for(
        &format!("the health check of {name} is running"),
        common::WAIT,
        || async {
            let ks = env.kustomization(name).await.ok_or("not found".to_string())?;
            match condition(&ks, "Reconciling") {
                Some(c)
                    if c["observedGeneration"] == ks["metadata"]["generation"]
                        && c["message"].as_str().unwrap_or("").starts_with("Checking health of") =>
                {
                    Ok(())
                }
                _ => Err(format!("status: {}", ks["status"])),
            }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spec_change_or_a_deletion_interrupts_a_long_wait() {
    let env = common::start_with(false, |_| {}).await;
    let git = GitRepo::new();
    git.write("app/deploy.yaml", &deployment_yaml("stuck"));
    git.write("other/deploy.yaml", &deployment_yaml("other"));
    let revision = git.commit("deployments that never become ready");
    env.apply(vec![
        common::git_repository("app", &git.url()),
        kustomization("app", "app", "./app", json!({"wait": true, "timeout": "1h"})),
        kustomization("other", "app", "./other", json!({"wait": true, "timeout": "1h"})),
    ])
    .await;

    // Turning the wait off takes effect at once, not after the hour.
    health_check_running(&env, "app").await;
    env.merge_patch(
        "kustomize.toolkit.fluxcd.io/v1",
        "Kustomization",
        Some(NS),
        "app",
        json!({"spec": {"wait": false}}),
    )
    .await;
    let ks = env.kustomization_applied("app", &revision).await;
    assert!(condition(&ks, "Healthy").is_none(), "{}", ks["status"]);

    // Deleting a Kustomization in the middle of its wait garbage-collects at once.
    health_check_running(&env, "other").await;
    env.delete("kustomize.toolkit.fluxcd.io/v1", "Kustomization", Some(NS), "other")
        .await;
    wait_for("Kustomization other gone", common::WAIT, || async {
        match env.kustomization("other").await {
            None => Ok(()),
            Some(ks) => Err(format!("{}", ks["status"])),
        }
    })
    .await;
    assert!(
        env.get("apps/v1", "Deployment", Some("default"), "other")
            .await
            .is_none(),
        "its Deployment was pruned"
    );
    env.stop().await;
}
