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

    // Not protobuf at all, though it says so.
    let (code, _) = common::raw(
        &server,
        "POST",
        path,
        "application/vnd.kubernetes.protobuf",
        cm_body("p"),
    )
    .await;
    assert_eq!(code, 400);
    let (code, _) = common::raw(&server, "POST", path, "application/cbor", cm_body("p")).await;
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

#[tokio::test]
async fn field_validation_strict_warn_and_ignore() {
    let (_dir, server, _client) = common::start().await;
    let body = |name: &str| {
        serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "colour": "red"}, "data": {"a": "b"}, "extra": 1}))
            .unwrap()
    };
    let path = "/api/v1/namespaces/default/configmaps";
    let (code, status) = common::raw(
        &server,
        "POST",
        &format!("{path}?fieldValidation=Strict"),
        "application/json",
        body("s"),
    )
    .await;
    assert_eq!(code, 400, "{status}");
    let message = status["message"].as_str().unwrap();
    assert!(
        message.contains("unknown field \"metadata.colour\"") && message.contains("unknown field \"extra\""),
        "{message}"
    );

    // Warn (the default) stores the object without the unknown fields.
    let (code, created) = common::raw(&server, "POST", path, "application/json", body("w")).await;
    assert_eq!(code, 201, "{created}");
    assert!(created.get("extra").is_none());
    assert!(created["metadata"].get("colour").is_none());

    let (code, _) = common::raw(
        &server,
        "POST",
        &format!("{path}?fieldValidation=Ignore"),
        "application/json",
        body("i"),
    )
    .await;
    assert_eq!(code, 201);
    let (code, _) = common::raw(
        &server,
        "POST",
        &format!("{path}?fieldValidation=Sloppy"),
        "application/json",
        body("x"),
    )
    .await;
    assert_eq!(code, 400);

    let dup = br#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d"}, "data": {"a": "1", "a": "2"}}"#
        .to_vec();
    let (code, status) = common::raw(
        &server,
        "POST",
        &format!("{path}?fieldValidation=Strict"),
        "application/json",
        dup,
    )
    .await;
    assert_eq!(code, 400, "{status}");
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains("duplicate field \"data.a\""),
        "{status}"
    );
}

#[tokio::test]
async fn strategic_merge_patch_rules() {
    let (_dir, server, _client) = common::start().await;
    let crd = serde_json::to_vec(
        &json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "things.example.com"}, "spec": {"group": "example.com", "scope": "Namespaced",
        "names": {"plural": "things", "kind": "Thing"}, "versions": [{"name": "v1", "served": true, "storage": true,
        "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}}),
    )
    .unwrap();
    assert_eq!(
        common::raw(
            &server,
            "POST",
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            "application/json",
            crd
        )
        .await
        .0,
        201
    );
    let thing =
        serde_json::to_vec(&json!({"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}}))
            .unwrap();
    assert_eq!(
        common::raw(
            &server,
            "POST",
            "/apis/example.com/v1/namespaces/default/things",
            "application/json",
            thing
        )
        .await
        .0,
        201
    );
    let (code, status) = common::raw(
        &server,
        "PATCH",
        "/apis/example.com/v1/namespaces/default/things/t",
        "application/strategic-merge-patch+json",
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(code, 415, "{status}");
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains("application/merge-patch+json")
    );

    let deploy = serde_json::to_vec(&json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {
        "selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [
            {"name": "one", "image": "x"}, {"name": "two", "image": "y"}]}}}})).unwrap();
    assert_eq!(
        common::raw(
            &server,
            "POST",
            "/apis/apps/v1/namespaces/default/deployments",
            "application/json",
            deploy
        )
        .await
        .0,
        201
    );
    let item = "/apis/apps/v1/namespaces/default/deployments/d";
    let patch = br#"{"spec":{"template":{"spec":{"containers":[{"name":"two","image":"z"},{"name":"one","$patch":"delete"}]}}}}"#.to_vec();
    let (code, patched) = common::raw(&server, "PATCH", item, "application/strategic-merge-patch+json", patch).await;
    assert_eq!(code, 200, "{patched}");
    let containers = patched["spec"]["template"]["spec"]["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    assert_eq!(containers[0]["image"], "z");
    let bad = br#"{"spec":{"template":{"spec":{"containers":[{"name":"two","$patch":"explode"}]}}}}"#.to_vec();
    let (code, status) = common::raw(&server, "PATCH", item, "application/strategic-merge-patch+json", bad).await;
    assert_eq!(code, 422, "{status}");
}

#[tokio::test]
async fn the_system_namespaces_may_not_be_deleted() {
    let (_dir, server, _client) = common::start().await;
    for name in ["default", "kube-system", "kube-public"] {
        let path = format!("/api/v1/namespaces/{name}");
        let (code, status) = common::raw(&server, "DELETE", &path, "application/json", Vec::new()).await;
        assert_eq!(code, 403, "{status}");
        assert_eq!(status["reason"], "Forbidden", "{status}");
        assert_eq!(
            status["message"],
            format!("namespaces \"{name}\" is forbidden: this namespace may not be deleted"),
            "kube-apiserver's wording: {status}"
        );
        let (code, namespace) = common::raw(&server, "GET", &path, "application/json", Vec::new()).await;
        assert_eq!(code, 200, "{namespace}");
        assert!(namespace["metadata"].get("deletionTimestamp").is_none(), "{namespace}");
    }
    // Other namespaces still go, and deleting them all leaves the system ones.
    let body =
        serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})).unwrap();
    let (code, _) = common::raw(&server, "POST", "/api/v1/namespaces", "application/json", body).await;
    assert_eq!(code, 201);
    let (code, status) = common::raw(&server, "DELETE", "/api/v1/namespaces", "application/json", Vec::new()).await;
    assert_eq!(code, 200, "{status}");
    let (code, team) = common::raw(
        &server,
        "GET",
        "/api/v1/namespaces/team",
        "application/json",
        Vec::new(),
    )
    .await;
    // Gone, or terminating while the namespace controller empties it.
    assert!(
        code == 404 || team["metadata"].get("deletionTimestamp").is_some(),
        "{code}: {team}"
    );
    let (code, _) = common::raw(
        &server,
        "GET",
        "/api/v1/namespaces/default",
        "application/json",
        Vec::new(),
    )
    .await;
    assert_eq!(code, 200);
}
