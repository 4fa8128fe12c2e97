#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Artifact storage: Flux's layout, retention of the newest two archives, and serving them
//! over real HTTP without path traversal.

mod common;

use common::HttpServer;
use rflux_source::storage::Storage;
use std::io::{Read, Write};
use std::net::TcpStream;

fn write_archive(dir: &std::path::Path, name: &str, content: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// Sends a raw request line, so paths reach the server exactly as written.
fn raw_get_status(port: u16, path: &str) -> u16 {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn storage_keeps_the_last_two_and_serves_them() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let placeholder = Storage::new(root.path().to_path_buf(), String::new());
    let server = HttpServer::start(placeholder.router());
    let storage = Storage::new(root.path().to_path_buf(), format!("http://127.0.0.1:{}/", server.port));

    let mut artifacts = Vec::new();
    for (i, hex) in ["aaa1", "bbb2", "ccc3"].iter().enumerate() {
        let content = format!("archive {i}");
        let file = write_archive(work.path(), &format!("{i}.tar.gz"), content.as_bytes());
        let artifact = storage
            .store(
                "GitRepository",
                "flux-system",
                "podinfo",
                &format!("main@sha1:{hex}"),
                &file,
                "sha256:00",
            )
            .unwrap();
        assert_eq!(artifact.path, format!("gitrepository/flux-system/podinfo/{hex}.tar.gz"));
        assert_eq!(
            artifact.url,
            format!(
                "http://127.0.0.1:{}/gitrepository/flux-system/podinfo/{hex}.tar.gz",
                server.port
            )
        );
        assert_eq!(artifact.size, Some(content.len() as i64));
        assert_eq!(artifact.revision, format!("main@sha1:{hex}"));
        assert!(rflux_api::time::unix_from_rfc3339(&artifact.last_update_time).is_some());
        artifacts.push((artifact, content));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let dir = root.path().join("gitrepository/flux-system/podinfo");
    let mut kept: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    assert_eq!(kept, vec!["bbb2.tar.gz", "ccc3.tar.gz"]);
    assert!(!storage.exists(&artifacts[0].0));
    assert!(storage.exists(&artifacts[2].0));

    rflux_source::helm_index::transport::ensure_crypto_provider();
    let client = reqwest::Client::new();
    let (latest, content) = &artifacts[2];
    let response = client.get(&latest.url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.content_length(), Some(content.len() as u64));
    assert_eq!(response.headers()["content-type"].to_str().unwrap(), "application/gzip");
    assert_eq!(response.bytes().await.unwrap().as_ref(), content.as_bytes());
    let gone = client.get(&artifacts[0].0.url).send().await.unwrap();
    assert_eq!(gone.status().as_u16(), 404);

    std::fs::write(root.path().join("secret.txt"), "outside any object").unwrap();
    let port = server.port;
    let statuses = tokio::task::spawn_blocking(move || {
        [
            "/gitrepository/../secret.txt",
            "/gitrepository/flux-system/podinfo/../../../secret.txt",
            "/gitrepository/%2e%2e/secret.txt",
            "/gitrepository/flux-system/podinfo",
            "/nope.tar.gz",
        ]
        .map(|p| raw_get_status(port, p))
    })
    .await
    .unwrap();
    assert_eq!(statuses, [404; 5]);

    storage.remove("GitRepository", "flux-system", "podinfo").unwrap();
    assert!(!dir.exists());
    storage.remove("GitRepository", "flux-system", "podinfo").unwrap();
    drop(server);
}

#[test]
fn storing_the_same_revision_twice_keeps_one_file() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let storage = Storage::new(root.path().to_path_buf(), "http://storage.local".into());
    let file = write_archive(work.path(), "a.tar.gz", b"same");
    let a = storage
        .store("GitRepository", "ns", "x", "main@sha1:abc", &file, "sha256:01")
        .unwrap();
    let b = storage
        .store("GitRepository", "ns", "x", "main@sha1:abc", &file, "sha256:01")
        .unwrap();
    assert_eq!(a.path, b.path);
    assert_eq!(a.url, "http://storage.local/gitrepository/ns/x/abc.tar.gz");
    assert_eq!(
        std::fs::read_dir(root.path().join("gitrepository/ns/x"))
            .unwrap()
            .count(),
        1
    );
    assert!(
        storage
            .store("GitRepository", "ns", "../x", "main@sha1:abc", &file, "sha256:01")
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_archive_is_served_whole() {
    let root = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let placeholder = Storage::new(root.path().to_path_buf(), String::new());
    let server = HttpServer::start(placeholder.router());
    let storage = Storage::new(root.path().to_path_buf(), format!("http://127.0.0.1:{}", server.port));
    // Several megabytes that repeat with a period no chunk size divides.
    let content: Vec<u8> = (0..5_000_000u32).map(|i| (i % 251) as u8).collect();
    let file = write_archive(work.path(), "big.tar.gz", &content);
    let artifact = storage
        .store("OCIRepository", "ns", "big", "latest@sha256:abcd", &file, "sha256:abcd")
        .unwrap();
    rflux_source::helm_index::transport::ensure_crypto_provider();
    let response = reqwest::get(&artifact.url).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.content_length(), Some(content.len() as u64));
    let body = response.bytes().await.unwrap();
    assert!(
        body.as_ref() == content.as_slice(),
        "served bytes differ from the archive"
    );
    drop(server);
}
