//! Test harness: the embedded API server in-process on a temporary directory and free port,
//! a kube client for it, and an applier.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use rflux_apiserver::{Server, ServerConfig};
use rflux_ssa::Applier;
use serde_json::{Value, json};

pub struct Cluster {
    pub dir: tempfile::TempDir,
    pub server: Server,
    pub client: kube::Client,
}

pub async fn start() -> Cluster {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("tempdir");
    let server = rflux_apiserver::start(ServerConfig::new(dir.path()))
        .await
        .expect("server starts");
    let kubeconfig = Kubeconfig::read_from(&server.kubeconfig).expect("kubeconfig readable");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("kubeconfig valid");
    let client = kube::Client::try_from(config).expect("client");
    Cluster { dir, server, client }
}

impl Cluster {
    pub fn applier(&self) -> Applier {
        Applier::new(self.client.clone(), "kustomize-controller").with_poll_interval(Duration::from_millis(50))
    }

    /// GET of a path as JSON (`None` on 404).
    pub async fn get(&self, path: &str) -> Option<Value> {
        let req = http::Request::get(path).body(Vec::new()).unwrap();
        match self.client.request::<Value>(req).await {
            Ok(v) => Some(v),
            Err(kube::Error::Api(s)) if s.code == 404 => None,
            Err(e) => panic!("GET {path}: {e}"),
        }
    }

    pub async fn resource_version(&self, path: &str) -> String {
        let obj = self.get(path).await.expect("object exists");
        obj["metadata"]["resourceVersion"].as_str().unwrap().to_string()
    }
}

pub fn config_map(ns: &str, name: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": data})
}

pub fn namespace(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
}

pub fn deployment(ns: &str, name: &str, app: &str, image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": app}},
            "template": {"metadata": {"labels": {"app": app}},
                "spec": {"containers": [{"name": "app", "image": image}]}}}})
}

pub fn widget_crd() -> Value {
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}}}]}})
}

pub fn widget(ns: &str, name: &str, size: i64) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name, "namespace": ns},
        "spec": {"size": size}})
}
