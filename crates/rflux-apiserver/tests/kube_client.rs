//! kube-rs against the embedded API server over real TLS on 127.0.0.1.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use serde_json::json;

fn cm(name: &str, data: serde_json::Value) -> ConfigMap {
    serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}))
        .unwrap()
}

#[tokio::test]
async fn typed_crud_with_conflicts_and_preconditions() {
    let (_dir, _server, client) = common::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let created = cms
        .create(&PostParams::default(), &cm("a", json!({"k": "v"})))
        .await
        .unwrap();
    let meta = &created.metadata;
    assert!(meta.uid.is_some());
    assert!(meta.creation_timestamp.is_some());
    let rv1 = meta.resource_version.clone().unwrap();

    let again = cms
        .create(&PostParams::default(), &cm("a", json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(again, kube::Error::Api(ref s) if s.code == 409 && s.reason == "AlreadyExists"),
        "{again:?}"
    );

    let mut updated = created.clone();
    updated.data = Some([("k".to_string(), "w".to_string())].into());
    let after = cms.replace("a", &PostParams::default(), &updated).await.unwrap();
    assert_ne!(after.metadata.resource_version.as_deref(), Some(rv1.as_str()));

    // The same update again carries a stale resourceVersion.
    let stale = cms.replace("a", &PostParams::default(), &updated).await.unwrap_err();
    assert!(
        matches!(stale, kube::Error::Api(ref s) if s.code == 409 && s.reason == "Conflict"),
        "{stale:?}"
    );

    let got = cms.get("a").await.unwrap();
    assert_eq!(got.data.unwrap()["k"], "w");

    let list = cms.list(&ListParams::default()).await.unwrap();
    assert_eq!(list.items.len(), 1);
    assert!(list.metadata.resource_version.is_some());

    cms.delete("a", &DeleteParams::default()).await.unwrap();
    let gone = cms.get("a").await.unwrap_err();
    assert!(
        matches!(gone, kube::Error::Api(ref s) if s.code == 404 && s.reason == "NotFound"),
        "{gone:?}"
    );

    // A missing namespace is a 404 naming it.
    let nowhere: Api<ConfigMap> = Api::namespaced(client.clone(), "missing");
    let err = nowhere
        .create(&PostParams::default(), &cm("x", json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 404 && s.message.contains("missing")),
        "{err:?}"
    );
}

#[tokio::test]
async fn generate_name_selectors_and_paging() {
    let (_dir, _server, client) = common::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    for i in 0..7 {
        let mut c = cm("", json!({}));
        c.metadata.name = None;
        c.metadata.generate_name = Some("gen-".into());
        c.metadata.labels = Some([("tier".to_string(), if i % 2 == 0 { "a" } else { "b" }.to_string())].into());
        let made = cms.create(&PostParams::default(), &c).await.unwrap();
        let name = made.metadata.name.unwrap();
        assert!(name.starts_with("gen-") && name.len() == 9, "{name}");
    }
    let a = cms.list(&ListParams::default().labels("tier=a")).await.unwrap();
    assert_eq!(a.items.len(), 4);
    let not_b = cms.list(&ListParams::default().labels("tier notin (b)")).await.unwrap();
    assert_eq!(not_b.items.len(), 4);

    let mut seen = 0;
    let mut params = ListParams::default().limit(3);
    loop {
        let page = cms.list(&params).await.unwrap();
        seen += page.items.len();
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    assert_eq!(seen, 7);

    let by_name = cms
        .list(&ListParams::default().fields("metadata.name=nope"))
        .await
        .unwrap();
    assert!(by_name.items.is_empty());
    let err = cms
        .list(&ListParams::default().fields("spec.unknown=1"))
        .await
        .unwrap_err();
    assert!(matches!(err, kube::Error::Api(ref s) if s.code == 400), "{err:?}");
}

#[tokio::test]
async fn server_side_apply_conflicts_then_force() {
    let (_dir, _server, client) = common::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let first =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"a": "1", "b": "2"}});
    let created = cms
        .patch("ssa", &PatchParams::apply("alice"), &Patch::Apply(&first))
        .await
        .unwrap();
    let fields = created.metadata.managed_fields.unwrap();
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].manager.as_deref(), Some("alice"));
    assert_eq!(fields[0].operation.as_deref(), Some("Apply"));

    let second = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"a": "other"}});
    let err = cms
        .patch("ssa", &PatchParams::apply("bob"), &Patch::Apply(&second))
        .await
        .unwrap_err();
    match err {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 409);
            assert!(
                s.message.contains("alice") && s.message.contains(".data.a"),
                "{}",
                s.message
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // The same value is shared ownership, not a conflict.
    let same = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"a": "1"}});
    cms.patch("ssa", &PatchParams::apply("carol"), &Patch::Apply(&same))
        .await
        .unwrap();

    let forced = cms
        .patch("ssa", &PatchParams::apply("bob").force(), &Patch::Apply(&second))
        .await
        .unwrap();
    assert_eq!(forced.data.as_ref().unwrap()["a"], "other");

    // alice stops applying b: it goes, since nobody else owns it.
    let only_a = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {}});
    let after = cms
        .patch("ssa", &PatchParams::apply("alice"), &Patch::Apply(&only_a))
        .await
        .unwrap();
    let data = after.data.unwrap_or_default();
    assert!(!data.contains_key("b"), "{data:?}");
    assert_eq!(data["a"], "other");

    // Applying the same configuration again changes nothing, not even the resourceVersion.
    let rv = after.metadata.resource_version.clone();
    let again = cms
        .patch("ssa", &PatchParams::apply("alice"), &Patch::Apply(&only_a))
        .await
        .unwrap();
    assert_eq!(again.metadata.resource_version, rv);
}

#[tokio::test]
async fn apply_merges_lists_by_key_and_tracks_generation() {
    let (_dir, _server, client) = common::start().await;
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let base = |image: &str| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": image}]}}}})
    };
    let d = deploys
        .patch("web", &PatchParams::apply("flux"), &Patch::Apply(&base("app:1")))
        .await
        .unwrap();
    assert_eq!(d.metadata.generation, Some(1));
    let sidecar = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {
        "template": {"spec": {"containers": [{"name": "sidecar", "image": "proxy:1"}]}}}});
    deploys
        .patch("web", &PatchParams::apply("mesh"), &Patch::Apply(&sidecar))
        .await
        .unwrap();
    let d = deploys
        .patch("web", &PatchParams::apply("flux"), &Patch::Apply(&base("app:2")))
        .await
        .unwrap();
    let v = serde_json::to_value(&d).unwrap();
    let containers: Vec<(String, String)> = v["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["image"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        containers,
        vec![("app".into(), "app:2".into()), ("sidecar".into(), "proxy:1".into())]
    );
    // Defaults are filled in as kube-apiserver does.
    assert_eq!(v["spec"]["replicas"], 1);
    assert_eq!(
        v["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
        "IfNotPresent"
    );
    assert_eq!(d.metadata.generation, Some(3));
}

#[tokio::test]
async fn status_subresource_and_simulated_workloads() {
    let (_dir, _server, client) = common::start().await;
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let d: Deployment = serde_json::from_value(
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {
        "replicas": 3, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "x"}]}}},
        "status": {"replicas": 99}}),
    )
    .unwrap();
    deploys.create(&PostParams::default(), &d).await.unwrap();
    // The simulator reports it available at its generation.
    let mut available = None;
    for _ in 0..50 {
        let d = deploys.get("web").await.unwrap();
        if let Some(s) = d
            .status
            .filter(|s| s.observed_generation == Some(1) && s.available_replicas == Some(3))
        {
            available = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = available.expect("deployment becomes available");
    let conditions = serde_json::to_value(&status).unwrap()["conditions"].clone();
    assert!(
        conditions
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "Available" && c["status"] == "True")
    );
    // A main-endpoint write cannot change status.
    let p = json!({"status": {"replicas": 42}, "metadata": {"labels": {"x": "y"}}});
    let after = deploys
        .patch("web", &PatchParams::default(), &Patch::Merge(&p))
        .await
        .unwrap();
    assert_eq!(after.status.unwrap().replicas, Some(3));
    // A /status write changes only status.
    let s = json!({"status": {"replicas": 7}, "metadata": {"labels": {"z": "w"}}});
    let after = deploys
        .patch_status("web", &PatchParams::default(), &Patch::Merge(&s))
        .await
        .unwrap();
    assert_eq!(after.status.unwrap().replicas, Some(7));
    assert!(!after.metadata.labels.unwrap().contains_key("z"));
}

#[tokio::test]
async fn finalizers_hold_deletion_until_removed() {
    let (_dir, _server, client) = common::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let mut c = cm("held", json!({}));
    c.metadata.finalizers = Some(vec!["example.com/hold".into()]);
    cms.create(&PostParams::default(), &c).await.unwrap();
    cms.delete("held", &DeleteParams::default()).await.unwrap();
    let still = cms.get("held").await.unwrap();
    assert!(still.metadata.deletion_timestamp.is_some());
    // No new finalizers while deleting.
    let add = json!({"metadata": {"finalizers": ["example.com/hold", "example.com/other"]}});
    assert!(
        cms.patch("held", &PatchParams::default(), &Patch::Merge(&add))
            .await
            .is_err()
    );
    let clear = json!({"metadata": {"finalizers": null}});
    cms.patch("held", &PatchParams::default(), &Patch::Merge(&clear))
        .await
        .unwrap();
    assert!(cms.get_opt("held").await.unwrap().is_none());
}

#[tokio::test]
async fn kube_runtime_finalizer_helper_works() {
    use kube::runtime::finalizer::{Event, finalizer};
    let (_dir, _server, client) = common::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    cms.create(&PostParams::default(), &cm("fin", json!({}))).await.unwrap();
    let obj = std::sync::Arc::new(cms.get("fin").await.unwrap());
    // First pass adds the finalizer (a JSON patch with a `test` against null).
    let r = finalizer(&cms, "rflux.test/cleanup", obj, |_e: Event<ConfigMap>| async {
        Ok::<_, std::convert::Infallible>(kube::runtime::controller::Action::await_change())
    })
    .await;
    assert!(r.is_ok(), "{r:?}");
    let obj = cms.get("fin").await.unwrap();
    assert_eq!(
        obj.metadata.finalizers.clone().unwrap(),
        vec!["rflux.test/cleanup".to_string()]
    );
    cms.delete("fin", &DeleteParams::default()).await.unwrap();
    let obj = std::sync::Arc::new(cms.get("fin").await.unwrap());
    let r = finalizer(&cms, "rflux.test/cleanup", obj, |e: Event<ConfigMap>| async move {
        assert!(matches!(e, Event::Cleanup(_)));
        Ok::<_, std::convert::Infallible>(kube::runtime::controller::Action::await_change())
    })
    .await;
    assert!(r.is_ok(), "{r:?}");
    assert!(cms.get_opt("fin").await.unwrap().is_none());
}

fn widget_crd() -> serde_json::Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "required": ["size"], "properties": {
                        "size": {"type": "integer", "minimum": 1},
                        "color": {"type": "string", "enum": ["red", "blue"], "default": "red"}}},
                    "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]}
    })
}

#[tokio::test]
async fn crds_are_served_validated_and_deleted_with_their_objects() {
    let (_dir, _server, client) = common::start().await;
    let crds: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk(&GroupVersionKind::gvk(
            "apiextensions.k8s.io",
            "v1",
            "CustomResourceDefinition",
        )),
    );
    let crd: DynamicObject = serde_json::from_value(widget_crd()).unwrap();
    let created = crds.create(&PostParams::default(), &crd).await.unwrap();
    let conditions = created.data["status"]["conditions"].as_array().unwrap().clone();
    assert!(
        conditions
            .iter()
            .any(|c| c["type"] == "Established" && c["status"] == "True")
    );

    let discovery = kube::Discovery::new(client.clone()).run().await.unwrap();
    let (ar, _caps) = discovery
        .resolve_gvk(&GroupVersionKind::gvk("example.com", "v1", "Widget"))
        .expect("widgets discovered");
    let widgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);
    let w: DynamicObject = serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w1"}, "spec": {"size": 2, "junk": true}}))
    .unwrap();
    let made = widgets.create(&PostParams::default(), &w).await.unwrap();
    assert_eq!(made.data["spec"]["color"], "red", "default applied");
    assert!(made.data["spec"].get("junk").is_none(), "unknown field pruned");
    assert_eq!(made.metadata.generation, Some(1));

    let bad: DynamicObject = serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w2"}, "spec": {"size": 0, "color": "green"}}))
    .unwrap();
    match widgets.create(&PostParams::default(), &bad).await.unwrap_err() {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 422);
            assert!(
                s.message.contains("spec.size") && s.message.contains("spec.color"),
                "{}",
                s.message
            );
        }
        other => panic!("{other:?}"),
    }

    crds.delete("widgets.example.com", &DeleteParams::default())
        .await
        .unwrap();
    for _ in 0..50 {
        if crds.get_opt("widgets.example.com").await.unwrap().is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(crds.get_opt("widgets.example.com").await.unwrap().is_none());
    assert!(widgets.list(&ListParams::default()).await.is_err(), "no longer served");
}

#[tokio::test]
async fn namespaces_get_label_and_terminate_with_their_contents() {
    let (_dir, _server, client) = common::start().await;
    let nss: Api<Namespace> = Api::all(client.clone());
    let ns: Namespace =
        serde_json::from_value(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})).unwrap();
    let made = nss.create(&PostParams::default(), &ns).await.unwrap();
    assert_eq!(made.metadata.labels.unwrap()["kubernetes.io/metadata.name"], "team");
    assert_eq!(made.status.unwrap().phase.as_deref(), Some("Active"));
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "team");
    cms.create(&PostParams::default(), &cm("c", json!({}))).await.unwrap();
    nss.delete("team", &DeleteParams::default()).await.unwrap();
    for _ in 0..50 {
        if nss.get_opt("team").await.unwrap().is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(nss.get_opt("team").await.unwrap().is_none());
}

#[tokio::test]
async fn watch_sees_changes_and_selector_transitions() {
    let (_dir, _server, client) = common::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let list = cms.list(&ListParams::default()).await.unwrap();
    let rv = list.metadata.resource_version.unwrap();
    let params = kube::api::WatchParams::default().labels("app=web").timeout(10);
    let mut stream = cms.watch(&params, &rv).await.unwrap().boxed();
    let mut c = cm("w", json!({}));
    cms.create(&PostParams::default(), &c).await.unwrap();
    c.metadata.labels = Some([("app".to_string(), "web".to_string())].into());
    cms.patch(
        "w",
        &PatchParams::default(),
        &Patch::Merge(&json!({"metadata": {"labels": {"app": "web"}}})),
    )
    .await
    .unwrap();
    cms.patch(
        "w",
        &PatchParams::default(),
        &Patch::Merge(&json!({"data": {"x": "1"}})),
    )
    .await
    .unwrap();
    cms.patch(
        "w",
        &PatchParams::default(),
        &Patch::Merge(&json!({"metadata": {"labels": {"app": "db"}}})),
    )
    .await
    .unwrap();
    let mut kinds = Vec::new();
    while kinds.len() < 3 {
        match tokio::time::timeout(Duration::from_secs(5), stream.try_next()).await {
            Ok(Ok(Some(kube::api::WatchEvent::Added(_)))) => kinds.push("ADDED"),
            Ok(Ok(Some(kube::api::WatchEvent::Modified(_)))) => kinds.push("MODIFIED"),
            Ok(Ok(Some(kube::api::WatchEvent::Deleted(_)))) => kinds.push("DELETED"),
            Ok(Ok(Some(_))) => {}
            other => panic!("watch ended early: {other:?} after {kinds:?}"),
        }
    }
    assert_eq!(kinds, vec!["ADDED", "MODIFIED", "DELETED"]);
}

#[tokio::test]
async fn too_old_resource_version_is_an_in_stream_410() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start_in(dir.path(), 0).await;
    let client = common::client_for(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    for i in 0..5 {
        cms.create(&PostParams::default(), &cm(&format!("c{i}"), json!({})))
            .await
            .unwrap();
    }
    server.api.store.compact(1).unwrap();
    let mut stream = cms
        .watch(&kube::api::WatchParams::default(), "2")
        .await
        .unwrap()
        .boxed();
    match tokio::time::timeout(Duration::from_secs(5), stream.try_next()).await {
        Ok(Ok(Some(kube::api::WatchEvent::Error(e)))) => {
            assert_eq!(e.code, 410);
            assert_eq!(e.reason, "Expired");
        }
        other => panic!("expected an in-stream 410, got {other:?}"),
    }
}

#[tokio::test]
async fn reflector_survives_restart_and_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start_in(dir.path(), 0).await;
    let port = server.address.port();
    let client = common::client_for(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    cms.create(&PostParams::default(), &cm("before", json!({})))
        .await
        .unwrap();

    let (reader, writer) = reflector::store::<ConfigMap>();
    let config = watcher::Config::default().timeout(2);
    let stream = reflector(writer, watcher(cms.clone(), config))
        .default_backoff()
        .applied_objects();
    let task = tokio::spawn(async move {
        futures::pin_mut!(stream);
        while stream.next().await.is_some() {}
    });
    let wait_for = |name: &'static str| {
        let reader = reader.clone();
        async move {
            for _ in 0..200 {
                if reader.state().iter().any(|c| c.metadata.name.as_deref() == Some(name)) {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            false
        }
    };
    assert!(wait_for("before").await);

    // Restart on the same port with the same data; compact so the watcher's version is too old.
    server.shutdown().await;
    let server = common::start_in(dir.path(), port).await;
    let cms2: Api<ConfigMap> = Api::namespaced(common::client_for(&server).await, "default");
    for i in 0..3 {
        cms2.create(&PostParams::default(), &cm(&format!("after{i}"), json!({})))
            .await
            .unwrap();
    }
    server.api.store.compact(1).unwrap();
    cms2.create(&PostParams::default(), &cm("last", json!({})))
        .await
        .unwrap();
    assert!(wait_for("last").await, "reflector recovered");
    assert!(wait_for("after0").await);
    task.abort();
}

#[tokio::test]
async fn streaming_list_sends_initial_events_then_a_marked_bookmark() {
    let (_dir, _server, client) = common::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    for name in ["one", "two"] {
        cms.create(&PostParams::default(), &cm(name, json!({}))).await.unwrap();
    }
    let mut stream = cms
        .watch(&kube::api::WatchParams::streaming_lists(), "")
        .await
        .unwrap()
        .boxed();
    let mut added = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.try_next()).await {
            Ok(Ok(Some(kube::api::WatchEvent::Added(c)))) => added.push(c.metadata.name.unwrap()),
            Ok(Ok(Some(kube::api::WatchEvent::Bookmark(b)))) => {
                assert_eq!(
                    b.metadata
                        .annotations
                        .get("k8s.io/initial-events-end")
                        .map(String::as_str),
                    Some("true")
                );
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    added.sort();
    assert_eq!(added, vec!["one", "two"]);
}

#[tokio::test]
async fn several_conflicts_are_grouped_by_manager_as_kube_apiserver_words_them() {
    let (_dir, _server, client) = common::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let mine =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "g"}, "data": {"a": "1", "b": "2"}});
    cms.patch("g", &PatchParams::apply("alice"), &Patch::Apply(&mine))
        .await
        .unwrap();
    let theirs =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "g"}, "data": {"a": "x", "b": "y"}});
    match cms
        .patch("g", &PatchParams::apply("bob"), &Patch::Apply(&theirs))
        .await
        .unwrap_err()
    {
        kube::Error::Api(s) => {
            assert_eq!(
                s.message,
                "Apply failed with 2 conflicts: conflicts with \"alice\":\n- .data.a\n- .data.b"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn events_are_one_store_in_two_versions() {
    let (_dir, _server, client) = common::start().await;
    let new_api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "default",
        &ApiResource::from_gvk(&GroupVersionKind::gvk("events.k8s.io", "v1", "Event")),
    );
    let ev: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "apps.1"},
        "eventTime": "2026-11-25T10:00:00.000000Z", "reportingController": "kustomize-controller", "reportingInstance": "rflux",
        "action": "Reconcile", "reason": "ReconciliationSucceeded", "type": "Normal", "note": "Applied revision main@sha1:abc",
        "regarding": {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "name": "apps", "namespace": "default"}
    }))
    .unwrap();
    new_api.create(&PostParams::default(), &ev).await.unwrap();
    let core: Api<k8s_openapi::api::core::v1::Event> = Api::namespaced(client.clone(), "default");
    let listed = core
        .list(&ListParams::default().fields("involvedObject.kind=Kustomization,involvedObject.name=apps"))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(
        listed.items[0].message.as_deref(),
        Some("Applied revision main@sha1:abc")
    );
    let none = core
        .list(&ListParams::default().fields("involvedObject.name=other"))
        .await
        .unwrap();
    assert!(none.items.is_empty());
    let again = new_api
        .list(&ListParams::default().fields("regarding.name=apps"))
        .await
        .unwrap();
    assert_eq!(again.items.len(), 1);
    assert_eq!(again.items[0].data["note"], "Applied revision main@sha1:abc");
}

async fn owner_and_dependent(client: &kube::Client, owner: &str) -> (Api<ConfigMap>, String) {
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let made = cms.create(&PostParams::default(), &cm(owner, json!({}))).await.unwrap();
    let uid = made.metadata.uid.unwrap();
    let mut dep = cm(&format!("{owner}-dep"), json!({}));
    dep.metadata.owner_references = Some(vec![
        serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "ConfigMap", "name": owner, "uid": uid, "blockOwnerDeletion": true
        }))
        .unwrap(),
    ]);
    cms.create(&PostParams::default(), &dep).await.unwrap();
    (cms, uid)
}

async fn eventually(mut check: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..100 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    false
}

#[tokio::test]
async fn garbage_collection_background_foreground_and_orphan() {
    let (_dir, _server, client) = common::start().await;
    let (cms, _) = owner_and_dependent(&client, "bg").await;
    cms.delete("bg", &DeleteParams::background()).await.unwrap();
    assert!(
        eventually(async || cms.get_opt("bg-dep").await.unwrap().is_none()).await,
        "background deletes dependents"
    );

    let (cms, _) = owner_and_dependent(&client, "fg").await;
    cms.delete("fg", &DeleteParams::foreground()).await.unwrap();
    assert!(
        eventually(async || cms.get_opt("fg").await.unwrap().is_none()).await,
        "foreground owner goes last"
    );
    assert!(cms.get_opt("fg-dep").await.unwrap().is_none());

    let (cms, _) = owner_and_dependent(&client, "or").await;
    cms.delete("or", &DeleteParams::orphan()).await.unwrap();
    assert!(
        eventually(async || cms.get_opt("or").await.unwrap().is_none()).await,
        "orphaning owner goes"
    );
    let dep = cms.get("or-dep").await.unwrap();
    assert!(
        dep.metadata.owner_references.unwrap_or_default().is_empty(),
        "dependent released"
    );
}
