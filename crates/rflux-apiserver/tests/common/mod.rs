//! Shared test harness: an embedded API server on a free loopback port, and a kube client for it.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;

use kube::config::{KubeConfigOptions, Kubeconfig};
use rflux_apiserver::{Server, ServerConfig};

pub async fn start_in(dir: &Path, port: u16) -> Server {
    let mut config = ServerConfig::new(dir);
    config.port = port;
    rflux_apiserver::start(config).await.expect("server starts")
}

pub async fn client_for(server: &Server) -> kube::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let kubeconfig = Kubeconfig::read_from(&server.kubeconfig).expect("kubeconfig readable");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("kubeconfig valid");
    kube::Client::try_from(config).expect("client")
}

/// A server in a fresh temporary directory and a client for it.
pub async fn start() -> (tempfile::TempDir, Server, kube::Client) {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start_in(dir.path(), 0).await;
    let client = client_for(&server).await;
    (dir, server, client)
}

/// A raw HTTPS request to the server with its token; returns status and JSON body.
pub async fn raw(
    server: &Server,
    method: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, serde_json::Value) {
    let client = client_for(server).await;
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", content_type)
        .body(body)
        .expect("request");
    let resp = client.send(req.map(kube::client::Body::from)).await.expect("response");
    let status = resp.status().as_u16();
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .expect("body")
        .to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, value)
}
