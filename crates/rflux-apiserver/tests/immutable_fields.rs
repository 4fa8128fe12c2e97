//! Immutable fields over the wire: updates, patches and server-side applies (dry runs too) that
//! change them are refused with 422 Invalid and kube-apiserver's wording.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Service};
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;

fn deployment(app: &str, image: &str) -> serde_json::Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": app}},
            "template": {"metadata": {"labels": {"app": app}},
                "spec": {"containers": [{"name": "web", "image": image}]}}}})
}

fn invalid(err: kube::Error) -> Box<kube::core::Status> {
    match err {
        kube::Error::Api(status) if status.code == 422 && status.reason == "Invalid" => status,
        other => panic!("expected 422 Invalid, got {other:?}"),
    }
}

#[tokio::test]
async fn selector_change_is_refused_by_apply_patch_and_dry_run() {
    let (_dir, _server, client) = common::start().await;
    let deps: Api<Deployment> = Api::namespaced(client, "default");
    let apply = PatchParams::apply("test").force();
    deps.patch("web", &apply, &Patch::Apply(deployment("a", "nginx:1")))
        .await
        .unwrap();
    // Mutable fields still change.
    deps.patch("web", &apply, &Patch::Apply(deployment("a", "nginx:2")))
        .await
        .unwrap();

    let err = deps
        .patch(
            "web",
            &apply.clone().dry_run(),
            &Patch::Apply(deployment("b", "nginx:2")),
        )
        .await
        .unwrap_err();
    let status = invalid(err);
    assert!(
        status
            .message
            .starts_with("Deployment.apps \"web\" is invalid: spec.selector: Invalid value: ")
    );
    assert!(status.message.ends_with(": field is immutable"), "{}", status.message);
    let causes = status.details.unwrap().causes;
    assert_eq!(causes[0].field, "spec.selector");

    let merge = json!({"spec": {"selector": {"matchLabels": {"app": "c"}}}});
    let err = deps
        .patch("web", &PatchParams::default(), &Patch::Merge(&merge))
        .await
        .unwrap_err();
    assert!(invalid(err).message.contains("field is immutable"));
    let live = deps.get("web").await.unwrap();
    assert_eq!(live.spec.selector.match_labels.unwrap()["app"], "a");
}

#[tokio::test]
async fn immutable_config_map_keeps_its_data() {
    let (_dir, _server, client) = common::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    let frozen: ConfigMap = serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "frozen"}, "immutable": true, "data": {"a": "1"}}))
    .unwrap();
    cms.create(&PostParams::default(), &frozen).await.unwrap();
    let mut changed = cms.get("frozen").await.unwrap();
    changed.data = Some([("a".to_string(), "2".to_string())].into());
    let err = cms
        .replace("frozen", &PostParams::default(), &changed)
        .await
        .unwrap_err();
    assert_eq!(
        invalid(err).message,
        "ConfigMap \"frozen\" is invalid: data: Forbidden: field is immutable when `immutable` is set"
    );
    // Labels may still change.
    let labels = json!({"metadata": {"labels": {"team": "a"}}});
    cms.patch("frozen", &PatchParams::default(), &Patch::Merge(&labels))
        .await
        .unwrap();
}

#[tokio::test]
async fn service_replaced_without_cluster_ip_keeps_the_allocated_one() {
    let (_dir, _server, client) = common::start().await;
    let services: Api<Service> = Api::namespaced(client, "default");
    let service = |port: u16| -> Service {
        serde_json::from_value(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": port}]}}))
        .unwrap()
    };
    let created = services.create(&PostParams::default(), &service(80)).await.unwrap();
    let allocated = created.spec.unwrap().cluster_ip.unwrap();

    // The body carries neither clusterIP nor clusterIPs, as `kubectl replace -f` sends it.
    let replaced = services
        .replace("web", &PostParams::default(), &service(8080))
        .await
        .unwrap();
    let spec = replaced.spec.unwrap();
    assert_eq!(spec.cluster_ip.as_deref(), Some(allocated.as_str()));
    assert_eq!(spec.cluster_ips, Some(vec![allocated.clone()]));
    assert_eq!(spec.ports.unwrap()[0].port, 8080);

    // Naming another address is still refused.
    let mut moved = service(8080);
    moved.spec.as_mut().unwrap().cluster_ip = Some("10.96.0.250".into());
    if allocated != "10.96.0.250" {
        let err = services
            .replace("web", &PostParams::default(), &moved)
            .await
            .unwrap_err();
        assert!(invalid(err).message.contains("may not change once set"));
    }
}
