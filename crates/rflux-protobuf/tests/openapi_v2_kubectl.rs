//! Acceptance against a real kubectl 1.27, opt-in with `RFLUX_ACCEPTANCE=1`
//! (kubectl from `RFLUX_KUBECTL_127`, default the Cloud SDK's `kubectl.1.27`).
//!
//! A small HTTP server on 127.0.0.1 serves discovery for ConfigMap and Deployment,
//! `/openapi/v2` as the protobuf from `encode_swagger`, and 404 for `/openapi/v3`;
//! kubectl 1.27 then has only the protobuf to go on:
//! - `kubectl explain` finds each kind through `x-kubernetes-group-version-kind`
//!   and prints its fields, types (maps, arrays, refs) and required markers;
//! - client-side `kubectl apply` of a changed Deployment computes its strategic
//!   merge patch with the merge key read from `x-kubernetes-patch-merge-key` (the
//!   test serves `image` instead of `name` so the baked-in Go types cannot be what
//!   answered), after finding the PATCH operation's `consumes` through its
//!   `x-kubernetes-group-version-kind`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

fn kubectl() -> Option<PathBuf> {
    if std::env::var("RFLUX_ACCEPTANCE").ok().as_deref() != Some("1") {
        eprintln!("skipped: set RFLUX_ACCEPTANCE=1 to run against kubectl 1.27");
        return None;
    }
    let path =
        std::env::var("RFLUX_KUBECTL_127").unwrap_or_else(|_| "/usr/lib/google-cloud-sdk/bin/kubectl.1.27".to_string());
    let path = PathBuf::from(path);
    assert!(path.exists(), "{} does not exist", path.display());
    Some(path)
}

const DEPLOYMENT_PATH: &str = "/apis/apps/v1/namespaces/default/deployments/web";

fn resource(name: &str, kind: &str) -> Value {
    json!({"name": name, "singularName": kind.to_lowercase(), "namespaced": true, "kind": kind,
           "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]})
}

fn deployment(args: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "web", "namespace": "default"},
           "spec": {"template": {"spec": {"containers": [
               {"name": "a", "image": "nginx:1", "args": [args]},
               {"name": "b", "image": "redis:1"}]}}}})
}

/// What the server answers for `path`: (status, content type, body).
fn route(path: &str, openapi: &[u8]) -> (u16, &'static str, Vec<u8>) {
    let json_reply = |v: Value| (200, "application/json", v.to_string().into_bytes());
    match path {
        "/openapi/v2" => (
            200,
            "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
            openapi.to_vec(),
        ),
        "/api" => json_reply(json!({"kind": "APIVersions", "versions": ["v1"]})),
        "/apis" => json_reply(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [{
            "name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
            "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}]})),
        "/api/v1" => json_reply(json!({"kind": "APIResourceList", "groupVersion": "v1",
            "resources": [resource("configmaps", "ConfigMap")]})),
        "/apis/apps/v1" => json_reply(json!({"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": "apps/v1", "resources": [resource("deployments", "Deployment")]})),
        DEPLOYMENT_PATH => {
            let mut live = deployment("x");
            live["metadata"]["annotations"] = json!({
                "kubectl.kubernetes.io/last-applied-configuration": deployment("x").to_string()});
            live["metadata"]["resourceVersion"] = json!("1");
            json_reply(live)
        }
        _ => (
            404,
            "application/json",
            json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                   "reason": "NotFound", "code": 404, "message": "not found"})
            .to_string()
            .into_bytes(),
        ),
    }
}

/// Serves `openapi` on a fresh port; returns the port and the log of requests
/// ("METHOD path body").
fn serve(openapi: Vec<u8>) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&log);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or("").to_string();
            let target = parts.next().unwrap_or("").to_string();
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
                if let Some((name, value)) = header.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let path = target.split('?').next().unwrap_or("").to_string();
            seen.lock()
                .unwrap()
                .push(format!("{method} {path} {}", String::from_utf8_lossy(&body)));
            let (status, content_type, reply) = route(&path, &openapi);
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                reply.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&reply);
        }
    });
    (port, log)
}

/// The test document plus a Deployment path whose PATCH consumes strategic merge
/// patches, with the containers' merge key set to `merge_key`.
fn openapi(merge_key: &str) -> Vec<u8> {
    let mut doc: Value = serde_json::from_str(include_str!("fixtures/openapi_v2/small.json")).unwrap();
    doc["definitions"]["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]["x-kubernetes-patch-merge-key"] =
        json!(merge_key);
    let mut item = doc["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"].clone();
    for op in ["get", "patch"] {
        item[op]["x-kubernetes-group-version-kind"] = json!({"group": "apps", "kind": "Deployment", "version": "v1"});
    }
    doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"] = item;
    rflux_protobuf::openapi_v2::encode_swagger(&doc).unwrap()
}

fn run(kubectl: &PathBuf, port: u16, args: &[&str], home: &str) -> String {
    let home = std::env::temp_dir().join(format!("rflux-openapi-v2-{}-{home}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let out = Command::new(kubectl)
        .env("HOME", &home)
        .env_remove("KUBECONFIG")
        .arg("--server")
        .arg(format!("http://127.0.0.1:{port}"))
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "kubectl {args:?} failed:\n{text}");
    text
}

#[test]
fn kubectl_127_explain_reads_the_protobuf() {
    let Some(kubectl) = kubectl() else { return };
    let (port, log) = serve(openapi("name"));
    let cm = run(&kubectl, port, &["explain", "configmap"], "explain");
    for want in [
        "KIND:     ConfigMap",
        "ConfigMap holds configuration data for pods to consume.",
        "binaryData\t<map[string]string>",
        "immutable\t<boolean>",
        "metadata\t<Object>",
    ] {
        assert!(cm.contains(want), "{want:?} missing from:\n{cm}");
    }
    let ports = run(
        &kubectl,
        port,
        &["explain", "deployment.spec.template.spec.containers.ports"],
        "explain",
    );
    for want in [
        "RESOURCE: ports <[]Object>",
        "containerPort\t<integer> -required-",
        "protocol\t<string>",
    ] {
        assert!(ports.contains(want), "{want:?} missing from:\n{ports}");
    }
    let requests = log.lock().unwrap().clone();
    assert!(
        requests.iter().any(|r| r.starts_with("GET /openapi/v2")),
        "{requests:?}"
    );
}

#[test]
fn kubectl_127_apply_uses_the_served_merge_key() {
    let Some(kubectl) = kubectl() else { return };
    let dir = std::env::temp_dir().join(format!("rflux-openapi-v2-{}-apply", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("web.json");
    std::fs::write(&manifest, deployment("y").to_string()).unwrap();
    let manifest = manifest.to_string_lossy().to_string();

    for (key, order) in [
        (
            "image",
            r#""$setElementOrder/containers":[{"image":"nginx:1"},{"image":"redis:1"}]"#,
        ),
        ("name", r#""$setElementOrder/containers":[{"name":"a"},{"name":"b"}]"#),
    ] {
        let (port, log) = serve(openapi(key));
        let out = run(&kubectl, port, &["apply", "-f", &manifest, "--validate=false"], key);
        assert!(out.contains("deployment.apps/web configured"), "{out}");
        assert!(!out.contains("warning"), "{out}");
        let requests = log.lock().unwrap().clone();
        let patch = requests
            .iter()
            .find(|r| r.starts_with(&format!("PATCH {DEPLOYMENT_PATH}")))
            .unwrap_or_else(|| panic!("no PATCH in {requests:?}"));
        assert!(patch.contains(order), "merge key {key}: {patch}");
    }
}
