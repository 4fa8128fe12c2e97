//! Pruning stale objects by ownership labels, and waiting for health with timeouts and
//! cancellation.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{config_map, deployment, namespace, start};
use rflux_api::ObjectId;
use rflux_ssa::inventory::{inventory_of, stale};
use rflux_ssa::{Action, ApplyOptions, ObjectRef, PruneOptions, Status, WaitError};
use serde_json::json;

fn cm_ref(name: &str) -> ObjectRef {
    ObjectRef::new(ObjectId::new("team", name, "", "ConfigMap"), "v1")
}

#[tokio::test]
async fn prune_deletes_only_owned_objects_in_reverse_order() {
    let cluster = start().await;
    let applier = cluster.applier();
    let owned = ApplyOptions::for_kustomization("apps", "flux-system");
    let mut keep = config_map("team", "keep", json!({}));
    keep["metadata"]["annotations"] = json!({"kustomize.toolkit.fluxcd.io/prune": "disabled"});
    let first = applier
        .apply_all(
            vec![
                namespace("team"),
                config_map("team", "old", json!({})),
                keep,
                config_map("team", "stays", json!({})),
                deployment("team", "web", "web", "nginx:1"),
            ],
            &owned,
        )
        .await
        .unwrap();
    // Applied by someone else: no ownership labels.
    applier
        .apply_all(vec![config_map("team", "foreign", json!({}))], &ApplyOptions::default())
        .await
        .unwrap();

    let second = applier
        .apply_all(vec![namespace("team"), config_map("team", "stays", json!({}))], &owned)
        .await
        .unwrap();
    let mut stale_objects = stale(&inventory_of(&first), &inventory_of(&second)).unwrap();
    stale_objects.push(cm_ref("foreign"));
    stale_objects.push(cm_ref("already-gone"));
    let pruned = applier
        .prune(&stale_objects, &PruneOptions::for_kustomization("apps", "flux-system"))
        .await
        .unwrap();
    assert_eq!(
        pruned.to_string(),
        "Deployment/team/web deleted\n\
         ConfigMap/team/old deleted\n\
         ConfigMap/team/keep skipped\n\
         ConfigMap/team/foreign skipped\n\
         ConfigMap/team/already-gone deleted"
    );
    let path = |name: &str| format!("/api/v1/namespaces/team/configmaps/{name}");
    assert!(cluster.get(&path("old")).await.is_none());
    assert!(cluster.get(&path("keep")).await.is_some());
    assert!(cluster.get(&path("foreign")).await.is_some());
    assert!(cluster.get(&path("stays")).await.is_some());
    assert!(
        cluster
            .get("/apis/apps/v1/namespaces/team/deployments/web")
            .await
            .is_none()
    );
    cluster.server.shutdown().await;
}

#[tokio::test]
async fn wait_succeeds_for_a_simulated_deployment() {
    let cluster = start().await;
    let applier = cluster.applier();
    let changes = applier
        .apply_all(
            vec![deployment("default", "web", "web", "nginx:1")],
            &ApplyOptions::default(),
        )
        .await
        .unwrap();
    applier
        .wait(&changes.objects(), Duration::from_secs(20), std::future::pending())
        .await
        .unwrap();
    assert_eq!(applier.status_of(&changes.objects()[0]).await, Status::Current);
    cluster.server.shutdown().await;
}

/// A custom resource reporting `Ready: Unknown` forever.
fn never_ready() -> Vec<serde_json::Value> {
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget", "listKind": "GadgetList"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]}});
    let gadget = json!({"apiVersion": "example.com/v1", "kind": "Gadget",
        "metadata": {"name": "stuck", "namespace": "default"}, "spec": {},
        "status": {"conditions": [{"type": "Ready", "status": "Unknown", "message": "waiting for a part"}]}});
    vec![crd, gadget]
}

#[tokio::test]
async fn wait_times_out_naming_what_is_not_ready() {
    let cluster = start().await;
    let applier = cluster.applier();
    let changes = applier
        .apply_all(never_ready(), &ApplyOptions::default())
        .await
        .unwrap();
    let mut objects = changes.objects();
    objects.push(ObjectRef::new(
        ObjectId::new("default", "missing", "", "ConfigMap"),
        "v1",
    ));
    let err = applier
        .wait(&objects, Duration::from_millis(300), std::future::pending())
        .await
        .unwrap_err();
    assert!(matches!(err, WaitError::Timeout { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "timeout waiting for: [Gadget/default/stuck status: 'InProgress', ConfigMap/default/missing status: 'NotFound']"
    );
    assert_eq!(
        err.details(),
        "Gadget/default/stuck: InProgress: waiting for a part\nConfigMap/default/missing: NotFound"
    );
    cluster.server.shutdown().await;
}

#[tokio::test]
async fn wait_is_cancelled_by_the_cancel_future() {
    let cluster = start().await;
    let applier = cluster.applier();
    let changes = applier
        .apply_all(never_ready(), &ApplyOptions::default())
        .await
        .unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let cancel = async move {
        let _ = rx.await;
    };
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = tx.send(());
    });
    let err = applier
        .wait(&changes.objects(), Duration::from_secs(600), cancel)
        .await
        .unwrap_err();
    let WaitError::Cancelled { pending } = &err else {
        panic!("expected a cancellation, got {err}");
    };
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].object.subject(), "Gadget/default/stuck");
    assert_eq!(pending[0].status, Status::InProgress("waiting for a part".into()));
    assert_eq!(changes.entries.last().unwrap().action, Action::Created);
    cluster.server.shutdown().await;
}

#[tokio::test]
async fn a_delete_the_api_server_refuses_is_a_prune_error_naming_the_object() {
    let cluster = start().await;
    let applier = cluster.applier();
    let owned = ApplyOptions::for_kustomization("apps", "flux-system");
    // kube-apiserver never deletes `default`; the ConfigMap next to it goes as usual.
    applier
        .apply_all(
            vec![namespace("default"), config_map("default", "stale", json!({}))],
            &owned,
        )
        .await
        .unwrap();
    let stale = vec![
        ObjectRef::new(ObjectId::new("", "default", "", "Namespace"), "v1"),
        ObjectRef::new(ObjectId::new("default", "stale", "", "ConfigMap"), "v1"),
    ];
    let err = applier
        .prune(&stale, &PruneOptions::for_kustomization("apps", "flux-system"))
        .await
        .unwrap_err();
    assert_eq!(
        err.errors,
        vec!["Namespace/default delete failed: namespaces \"default\" is forbidden: this namespace may not be deleted"]
    );
    assert_eq!(
        err.to_string(),
        "delete failed, errors: Namespace/default delete failed: namespaces \"default\" is forbidden: this namespace may not be deleted"
    );
    // The other deletion was done and is reported with the error.
    assert_eq!(err.changes.to_string(), "ConfigMap/default/stale deleted");
    assert!(
        cluster
            .get("/api/v1/namespaces/default/configmaps/stale")
            .await
            .is_none()
    );
    let ns = cluster.get("/api/v1/namespaces/default").await.expect("default stays");
    assert!(ns["metadata"].get("deletionTimestamp").is_none(), "{}", ns["metadata"]);
    cluster.server.shutdown().await;
}
