//! Staged server-side apply against the embedded API server.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{config_map, deployment, namespace, start, widget, widget_crd};
use rflux_ssa::{Action, ApplyError, ApplyOptions};
use serde_json::json;

const CM: &str = "/api/v1/namespaces/shop/configmaps/settings";
const DEP: &str = "/apis/apps/v1/namespaces/shop/deployments/web";
const WIDGET: &str = "/apis/example.com/v1/namespaces/shop/widgets/big";
const NS: &str = "/api/v1/namespaces/shop";
const CRD: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com";

fn shop(size: i64, setting: &str) -> Vec<serde_json::Value> {
    // Deliberately out of order: custom resource first, its CRD last.
    vec![
        widget("shop", "big", size),
        config_map("shop", "settings", json!({"mode": setting})),
        deployment("shop", "web", "web", "nginx:1"),
        namespace("shop"),
        widget_crd(),
    ]
}

#[tokio::test]
async fn crd_custom_resource_namespace_and_contents_in_one_call() {
    let cluster = start().await;
    let applier = cluster.applier();
    let opts = ApplyOptions::default();

    // Without its CRD the custom resource's kind is unknown.
    let err = applier
        .apply_all(vec![namespace("early"), widget("early", "w", 1)], &opts)
        .await
        .unwrap_err();
    assert!(matches!(err, ApplyError::Discovery { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "Widget/early/w no matches for kind \"Widget\" in version \"example.com/v1\""
    );

    let changes = applier.apply_all(shop(3, "fast"), &opts).await.unwrap();
    assert_eq!(
        changes.to_string(),
        "CustomResourceDefinition/widgets.example.com created\n\
         Namespace/shop created\n\
         ConfigMap/shop/settings created\n\
         Deployment/shop/web created\n\
         Widget/shop/big created"
    );
    assert_eq!(cluster.get(WIDGET).await.unwrap()["spec"]["size"], 3);

    let paths = [CRD, NS, CM, DEP, WIDGET];
    let mut before = Vec::new();
    for p in paths {
        before.push(cluster.resource_version(p).await);
    }
    let again = applier.apply_all(shop(3, "fast"), &opts).await.unwrap();
    assert!(again.entries.iter().all(|e| e.action == Action::Unchanged), "{again}");
    for (p, rv) in paths.iter().zip(&before) {
        assert_eq!(&cluster.resource_version(p).await, rv, "{p} was rewritten");
    }

    let changed = applier.apply_all(shop(5, "fast"), &opts).await.unwrap();
    let map = changed.to_map();
    assert_eq!(map["Widget/shop/big"], Action::Configured);
    assert_eq!(map["ConfigMap/shop/settings"], Action::Unchanged);
    assert_eq!(map["Deployment/shop/web"], Action::Unchanged);
    assert_eq!(cluster.get(WIDGET).await.unwrap()["spec"]["size"], 5);
    assert_eq!(cluster.resource_version(CM).await, before[2]);

    let inventory = rflux_ssa::inventory::inventory_of(&changed);
    let ids: Vec<&str> = inventory.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "_shop__Namespace",
            "_widgets.example.com_apiextensions.k8s.io_CustomResourceDefinition",
            "shop_big_example.com_Widget",
            "shop_settings__ConfigMap",
            "shop_web_apps_Deployment",
        ]
    );
    let stale = rflux_ssa::inventory::stale(&inventory, &rflux_ssa::inventory::inventory_of(&again)).unwrap();
    assert!(stale.is_empty());
    cluster.server.shutdown().await;
}

#[tokio::test]
async fn owner_labels_are_written_and_namespace_is_required() {
    let cluster = start().await;
    let applier = cluster.applier();
    let opts = ApplyOptions::for_kustomization("apps", "flux-system");
    applier
        .apply_all(vec![config_map("default", "labelled", json!({}))], &opts)
        .await
        .unwrap();
    let live = cluster
        .get("/api/v1/namespaces/default/configmaps/labelled")
        .await
        .unwrap();
    assert_eq!(live["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"], "apps");
    assert_eq!(
        live["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/namespace"],
        "flux-system"
    );

    let mut no_ns = config_map("x", "orphan", json!({}));
    no_ns["metadata"].as_object_mut().unwrap().remove("namespace");
    let err = applier.apply_all(vec![no_ns], &opts).await.unwrap_err();
    assert_eq!(err.to_string(), "ConfigMap/orphan namespace not specified");
    cluster.server.shutdown().await;
}

#[tokio::test]
async fn per_object_annotations() {
    let cluster = start().await;
    let applier = cluster.applier();
    let opts = ApplyOptions::default();
    let annotated = |name: &str, key: &str, value: &str, data: &str| {
        let mut cm = config_map("default", name, json!({"v": data}));
        cm["metadata"]["annotations"] = json!({key: value});
        cm
    };
    const SSA: &str = "kustomize.toolkit.fluxcd.io/ssa";
    let path = |name: &str| format!("/api/v1/namespaces/default/configmaps/{name}");

    let first = applier
        .apply_all(
            vec![
                annotated("ignored", SSA, "Ignore", "1"),
                annotated("once", SSA, "IfNotPresent", "1"),
                config_map("default", "frozen", json!({"v": "1"})),
            ],
            &opts,
        )
        .await
        .unwrap();
    assert_eq!(
        first.to_string(),
        "ConfigMap/default/frozen created\nConfigMap/default/ignored skipped\nConfigMap/default/once created"
    );
    assert!(cluster.get(&path("ignored")).await.is_none());

    // The live object turns reconciliation off; IfNotPresent never updates.
    let off = json!({"metadata": {"labels": {"kustomize.toolkit.fluxcd.io/reconcile": "disabled"}}});
    kube::Api::<k8s_openapi::api::core::v1::ConfigMap>::namespaced(cluster.client.clone(), "default")
        .patch(
            "frozen",
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(&off),
        )
        .await
        .unwrap();
    let second = applier
        .apply_all(
            vec![
                annotated("once", SSA, "IfNotPresent", "2"),
                config_map("default", "frozen", json!({"v": "2"})),
            ],
            &opts,
        )
        .await
        .unwrap();
    assert_eq!(
        second.to_string(),
        "ConfigMap/default/frozen skipped\nConfigMap/default/once skipped"
    );
    assert_eq!(cluster.get(&path("once")).await.unwrap()["data"]["v"], "1");
    assert_eq!(cluster.get(&path("frozen")).await.unwrap()["data"]["v"], "1");

    // The desired object can turn reconciliation off too.
    let disabled = annotated("frozen", "kustomize.toolkit.fluxcd.io/reconcile", "disabled", "3");
    let third = applier.apply_all(vec![disabled], &opts).await.unwrap();
    assert_eq!(third.entries[0].action, Action::Skipped);
    cluster.server.shutdown().await;
}

#[tokio::test]
async fn diff_previews_without_writing_and_masks_secrets() {
    let cluster = start().await;
    let applier = cluster.applier();
    let opts = ApplyOptions::default();
    let secret = |value: &str| {
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "default"},
            "stringData": {"password": value}})
    };
    applier
        .apply_all(
            vec![
                config_map("default", "settings", json!({"mode": "slow"})),
                secret("hunter2"),
            ],
            &opts,
        )
        .await
        .unwrap();
    let rv = cluster
        .resource_version("/api/v1/namespaces/default/configmaps/settings")
        .await;

    let diff = applier
        .diff_all(
            vec![
                config_map("default", "settings", json!({"mode": "fast"})),
                secret("correct-horse"),
                config_map("default", "new", json!({})),
                widget_crd(),
                widget("default", "w", 1),
            ],
            &opts,
        )
        .await
        .unwrap();
    let lines: Vec<String> = diff.iter().map(|d| d.entry.to_string()).collect();
    assert_eq!(
        lines,
        [
            "CustomResourceDefinition/widgets.example.com created",
            "ConfigMap/default/new created",
            "ConfigMap/default/settings configured",
            "Secret/default/creds configured",
            "Widget/default/w created",
        ]
    );
    let settings = &diff[2];
    assert_eq!(settings.live.as_ref().unwrap()["data"]["mode"], "slow");
    assert_eq!(settings.desired.as_ref().unwrap()["data"]["mode"], "fast");
    assert!(
        settings.desired.as_ref().unwrap()["metadata"]
            .get("managedFields")
            .is_none()
    );
    let creds = &diff[3];
    assert_eq!(creds.live.as_ref().unwrap()["data"]["password"], "*****");
    assert_eq!(creds.desired.as_ref().unwrap()["data"]["password"], "******");
    let printed = format!("{diff:?}");
    assert!(
        !printed.contains("hunter2") && !printed.contains("aHVudGVyMg"),
        "{printed}"
    );

    // Nothing was written.
    assert_eq!(
        cluster
            .resource_version("/api/v1/namespaces/default/configmaps/settings")
            .await,
        rv
    );
    assert!(cluster.get("/api/v1/namespaces/default/configmaps/new").await.is_none());
    assert!(cluster.get(CRD).await.is_none());
    cluster.server.shutdown().await;
}

#[tokio::test]
async fn skipped_cluster_definitions_are_not_waited_for() {
    let cluster = start().await;
    let applier = cluster.applier();
    let opts = ApplyOptions {
        wait_timeout: std::time::Duration::from_secs(5),
        ..ApplyOptions::default()
    };
    let mut ignored = namespace("never");
    ignored["metadata"]["annotations"] = json!({"kustomize.toolkit.fluxcd.io/ssa": "Ignore"});
    let changes = applier
        .apply_all(vec![ignored, config_map("default", "c", json!({}))], &opts)
        .await
        .unwrap();
    assert_eq!(
        changes.to_string(),
        "Namespace/never skipped\nConfigMap/default/c created"
    );
    cluster.server.shutdown().await;
}
