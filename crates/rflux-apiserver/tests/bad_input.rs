//! Bad requests get the right Status and never bring the server down.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use serde_json::json;

fn cm_body(name: &str) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"a": "b"}}),
    )
    .unwrap()
}

#[tokio::test]
async fn requests_without_the_token_are_unauthorized() {
    let (_dir, server, _client) = common::start().await;
    let kubeconfig = kube::config::Kubeconfig::read_from(&server.kubeconfig).unwrap();
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    config.auth_info.token = None;
    let anonymous = kube::Client::try_from(config).unwrap();
    let req = http::Request::builder()
        .uri("/api/v1/namespaces")
        .body(Vec::new())
        .unwrap();
    let resp = anonymous.send(req.map(kube::client::Body::from)).await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
}

#[tokio::test]
async fn malformed_and_mismatched_bodies() {
    let (_dir, server, _client) = common::start().await;
    let path = "/api/v1/namespaces/default/configmaps";
    let (code, status) = common::raw(&server, "POST", path, "application/json", b"{\"apiVersion\": ".to_vec()).await;
    assert_eq!(code, 400, "{status}");
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["reason"], "BadRequest");

    let (code, _) = common::raw(&server, "POST", path, "application/yaml", b"a: [1, 2\n b".to_vec()).await;
    assert_eq!(code, 400);

    let secret = serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}})).unwrap();
    let (code, status) = common::raw(&server, "POST", path, "application/json", secret).await;
    assert_eq!(code, 400);
    assert!(status["message"].as_str().unwrap().contains("kind"), "{status}");

    let wrong_version =
        serde_json::to_vec(&json!({"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "s"}})).unwrap();
    let (code, _) = common::raw(&server, "POST", path, "application/json", wrong_version).await;
    assert_eq!(code, 400);

    let (code, _) = common::raw(
        &server,
        "POST",
        path,
        "application/vnd.kubernetes.protobuf",
        cm_body("p"),
    )
    .await;
    assert_eq!(code, 415);

    // The server still answers.
    let (code, _) = common::raw(&server, "POST", path, "application/json", cm_body("ok")).await;
    assert_eq!(code, 201);
}

#[tokio::test]
async fn invalid_names_are_422_naming_the_field() {
    let (_dir, server, _client) = common::start().await;
    for name in ["Upper", "under_score", "-lead", &"x".repeat(254)] {
        let (code, status) = common::raw(
            &server,
            "POST",
            "/api/v1/namespaces/default/configmaps",
            "application/json",
            cm_body(name),
        )
        .await;
        assert_eq!(code, 422, "{name}: {status}");
        assert_eq!(status["reason"], "Invalid");
        assert_eq!(status["details"]["causes"][0]["field"], "metadata.name");
    }
    let ns =
        serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a.b"}})).unwrap();
    let (code, _) = common::raw(&server, "POST", "/api/v1/namespaces", "application/json", ns).await;
    assert_eq!(code, 422, "namespace names are DNS labels");
    let labels = serde_json::to_vec(
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "l", "labels": {"a": "not valid!"}}}),
    )
    .unwrap();
    let (code, status) = common::raw(
        &server,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        "application/json",
        labels,
    )
    .await;
    assert_eq!(code, 422, "{status}");
}

#[tokio::test]
async fn unknown_resources_and_paths_are_404() {
    let (_dir, server, _client) = common::start().await;
    for path in [
        "/api/v1/namespaces/default/widgets",
        "/apis/nope.example.com/v1/things",
        "/apis/apps/v9/deployments",
        "/nonsense",
    ] {
        let (code, status) = common::raw(&server, "GET", path, "application/json", Vec::new()).await;
        assert_eq!(code, 404, "{path}: {status}");
        assert_eq!(status["kind"], "Status");
    }
}

#[tokio::test]
async fn oversized_objects_are_413() {
    let (_dir, server, _client) = common::start().await;
    let big = "x".repeat(3 * 1024 * 1024 + 10);
    let body = serde_json::to_vec(
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": {"a": big}}),
    )
    .unwrap();
    let (code, status) = common::raw(
        &server,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        "application/json",
        body,
    )
    .await;
    assert_eq!(code, 413, "{status}");
}

#[tokio::test]
async fn patches_that_do_not_apply() {
    let (_dir, server, _client) = common::start().await;
    let path = "/api/v1/namespaces/default/configmaps";
    assert_eq!(
        common::raw(&server, "POST", path, "application/json", cm_body("p"))
            .await
            .0,
        201
    );
    let item = "/api/v1/namespaces/default/configmaps/p";
    let (code, _) = common::raw(
        &server,
        "PATCH",
        item,
        "application/json-patch+json",
        br#"[{"op":"test","path":"/data/a","value":"zzz"}]"#.to_vec(),
    )
    .await;
    assert_eq!(code, 422);
    let (code, _) = common::raw(
        &server,
        "PATCH",
        item,
        "application/json-patch+json",
        br#"[{"op":"remove","path":"/data/missing"}]"#.to_vec(),
    )
    .await;
    assert_eq!(code, 422);
    let (code, _) = common::raw(
        &server,
        "PATCH",
        item,
        "application/json-patch+json",
        b"{not a patch".to_vec(),
    )
    .await;
    assert_eq!(code, 400);
    let (code, _) = common::raw(&server, "PATCH", item, "text/plain", b"{}".to_vec()).await;
    assert_eq!(code, 415);
    let (code, status) = common::raw(&server, "PATCH", item, "application/apply-patch+yaml", cm_body("p")).await;
    assert_eq!(code, 400, "apply needs a field manager: {status}");
    let (code, _) = common::raw(
        &server,
        "PATCH",
        "/api/v1/namespaces/default/configmaps/missing",
        "application/merge-patch+json",
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn send_initial_events_needs_not_older_than() {
    let (_dir, server, _client) = common::start().await;
    let (code, status) = common::raw(
        &server,
        "GET",
        "/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true",
        "application/json",
        Vec::new(),
    )
    .await;
    assert_eq!(code, 422, "{status}");
}

#[tokio::test]
async fn access_reviews_are_answered_allowed_and_never_stored() {
    let (_dir, server, _client) = common::start().await;
    let review = serde_json::to_vec(&json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"verb": "create", "resource": "deployments", "group": "apps", "namespace": "default"}}})).unwrap();
    let (code, answer) = common::raw(
        &server,
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        "application/json",
        review,
    )
    .await;
    assert_eq!(code, 201, "{answer}");
    assert_eq!(answer["status"]["allowed"], true);
    let (code, _) = common::raw(
        &server,
        "GET",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        "application/json",
        Vec::new(),
    )
    .await;
    assert_eq!(code, 405);
}
