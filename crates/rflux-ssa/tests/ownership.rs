//! Field ownership: kubectl's fields taken over (or kept with `ssa: Merge`), conflicts with
//! other appliers forced, and immutable fields refused or the object recreated.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{config_map, deployment, start};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams, PostParams};
use rflux_ssa::{Action, ApplyError, ApplyOptions};
use serde_json::{Value, json};

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Creates a ConfigMap as `kubectl apply` (client-side) does: an Update by
/// `kubectl-client-side-apply` carrying the last-applied annotation.
async fn kubectl_create(client: &kube::Client, name: &str, annotations: Value) {
    let mut cm = config_map("default", name, json!({"a": "1", "b": "2"}));
    let mut all = json!({LAST_APPLIED: cm.to_string()});
    for (k, v) in annotations.as_object().unwrap() {
        all[k] = v.clone();
    }
    cm["metadata"]["annotations"] = all;
    let cm: ConfigMap = serde_json::from_value(cm).unwrap();
    let pp = PostParams {
        field_manager: Some("kubectl-client-side-apply".into()),
        ..Default::default()
    };
    Api::<ConfigMap>::namespaced(client.clone(), "default")
        .create(&pp, &cm)
        .await
        .unwrap();
}

fn managers(obj: &Value) -> Vec<String> {
    obj["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}/{}",
                e["manager"].as_str().unwrap(),
                e["operation"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn kubectl_fields_are_taken_over_unless_merge() {
    let cluster = start().await;
    let applier = cluster.applier();
    kubectl_create(&cluster.client, "taken", json!({})).await;
    kubectl_create(
        &cluster.client,
        "merged",
        json!({"kustomize.toolkit.fluxcd.io/ssa": "Merge"}),
    )
    .await;

    let mut merged = config_map("default", "merged", json!({"a": "1"}));
    merged["metadata"]["annotations"] = json!({"kustomize.toolkit.fluxcd.io/ssa": "Merge"});
    let changes = applier
        .apply_all(
            vec![config_map("default", "taken", json!({"a": "1"})), merged],
            &ApplyOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(changes.to_map()["ConfigMap/default/taken"], Action::Configured);

    // Taken over: the field only kubectl set is gone, and so are kubectl's record and entry.
    let taken = cluster
        .get("/api/v1/namespaces/default/configmaps/taken")
        .await
        .unwrap();
    assert_eq!(taken["data"], json!({"a": "1"}));
    assert!(taken["metadata"]["annotations"].get(LAST_APPLIED).is_none(), "{taken}");
    assert_eq!(managers(&taken), ["kustomize-controller/Apply"]);

    // Merge: kubectl keeps its fields.
    let kept = cluster
        .get("/api/v1/namespaces/default/configmaps/merged")
        .await
        .unwrap();
    assert_eq!(kept["data"], json!({"a": "1", "b": "2"}));
    assert!(kept["metadata"]["annotations"].get(LAST_APPLIED).is_some());
    assert!(managers(&kept).contains(&"kubectl-client-side-apply/Update".to_string()));

    // Taking over is a one-time change: the next apply leaves the object alone.
    let rv = cluster
        .resource_version("/api/v1/namespaces/default/configmaps/taken")
        .await;
    let again = applier
        .apply_all(
            vec![config_map("default", "taken", json!({"a": "1"}))],
            &ApplyOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(again.entries[0].action, Action::Unchanged);
    assert_eq!(
        cluster
            .resource_version("/api/v1/namespaces/default/configmaps/taken")
            .await,
        rv
    );
    cluster.server.shutdown().await;
}

#[tokio::test]
async fn fields_of_other_appliers_are_forced_and_their_other_fields_kept() {
    let cluster = start().await;
    let applier = cluster.applier();
    let cms = Api::<ConfigMap>::namespaced(cluster.client.clone(), "default");
    let theirs: ConfigMap =
        serde_json::from_value(config_map("default", "shared", json!({"a": "x", "extra": "e"}))).unwrap();
    cms.patch("shared", &PatchParams::apply("other-tool"), &Patch::Apply(&theirs))
        .await
        .unwrap();
    let changes = applier
        .apply_all(
            vec![config_map("default", "shared", json!({"a": "y"}))],
            &ApplyOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(changes.entries[0].action, Action::Configured);
    let live = cluster
        .get("/api/v1/namespaces/default/configmaps/shared")
        .await
        .unwrap();
    assert_eq!(live["data"], json!({"a": "y", "extra": "e"}));
    assert!(managers(&live).contains(&"other-tool/Apply".to_string()));
    cluster.server.shutdown().await;
}

#[tokio::test]
async fn immutable_field_changes_fail_without_force_and_recreate_with_it() {
    let cluster = start().await;
    let applier = cluster.applier();
    let path = "/apis/apps/v1/namespaces/default/deployments/web";
    let opts = ApplyOptions::default();
    applier
        .apply_all(vec![deployment("default", "web", "a", "nginx:1")], &opts)
        .await
        .unwrap();
    let uid = cluster.get(path).await.unwrap()["metadata"]["uid"].clone();

    let err = applier
        .apply_all(vec![deployment("default", "web", "b", "nginx:1")], &opts)
        .await
        .unwrap_err();
    let ApplyError::Immutable { subject, fields, .. } = &err else {
        panic!("expected an immutable-field error, got {err}");
    };
    assert_eq!(subject, "Deployment/default/web");
    assert_eq!(fields, &["spec.selector"]);
    let text = err.to_string();
    assert!(
        text.starts_with("Deployment/default/web dry-run failed, immutable field(s) spec.selector: "),
        "{text}"
    );
    assert!(text.contains("field is immutable"), "{text}");
    assert_eq!(cluster.get(path).await.unwrap()["metadata"]["uid"], uid);

    let forced = ApplyOptions {
        force: true,
        ..ApplyOptions::default()
    };
    let changes = applier
        .apply_all(vec![deployment("default", "web", "b", "nginx:1")], &forced)
        .await
        .unwrap();
    assert_eq!(changes.to_string(), "Deployment/default/web created");
    let live = cluster.get(path).await.unwrap();
    assert_ne!(live["metadata"]["uid"], uid);
    assert_eq!(live["spec"]["selector"]["matchLabels"]["app"], "b");

    // The per-object annotation allows it too.
    let mut annotated = deployment("default", "web", "c", "nginx:1");
    annotated["metadata"]["annotations"] = json!({"kustomize.toolkit.fluxcd.io/force": "enabled"});
    let changes = applier.apply_all(vec![annotated], &opts).await.unwrap();
    assert_eq!(changes.entries[0].action, Action::Created);
    assert_eq!(
        cluster.get(path).await.unwrap()["spec"]["selector"]["matchLabels"]["app"],
        "c"
    );
    cluster.server.shutdown().await;
}

/// Runs the real `kubectl` against the cluster with `stdin`.
async fn kubectl(kubeconfig: std::path::PathBuf, args: &[&str], stdin: String) -> String {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl must be installed for this test (Debian/Ubuntu: install kubectl)");
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn objects_applied_with_real_kubectl_are_taken_over() {
    let cluster = start().await;
    let applier = cluster.applier();
    let manifest = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"legacy": "yes"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1"}]}}}});
    kubectl(
        cluster.server.kubeconfig.clone(),
        &["apply", "-f", "-"],
        manifest.to_string(),
    )
    .await;
    let path = "/apis/apps/v1/namespaces/default/deployments/web";
    let before = cluster.get(path).await.unwrap();
    assert!(before["metadata"]["annotations"].get(LAST_APPLIED).is_some());
    assert!(managers(&before).contains(&"kubectl-client-side-apply/Update".to_string()));

    // The same Deployment without the label kubectl set.
    let changes = applier
        .apply_all(
            vec![deployment("default", "web", "web", "nginx:1")],
            &ApplyOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(changes.to_string(), "Deployment/default/web configured");
    let after = cluster.get(path).await.unwrap();
    assert!(
        after["metadata"]
            .get("labels")
            .is_none_or(|l| l.get("legacy").is_none()),
        "{after}"
    );
    assert!(after["metadata"]["annotations"].get(LAST_APPLIED).is_none());
    assert!(
        !managers(&after).iter().any(|m| m.starts_with("kubectl")),
        "{:?}",
        managers(&after)
    );

    // kubectl sees what rflux applied as the live state.
    let shown = kubectl(
        cluster.server.kubeconfig.clone(),
        &[
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}",
        ],
        String::new(),
    )
    .await;
    assert_eq!(shown, "nginx:1");
    cluster.server.shutdown().await;
}
