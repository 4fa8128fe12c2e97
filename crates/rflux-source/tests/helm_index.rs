#![allow(clippy::expect_used, clippy::unwrap_used)]
//! HelmRepository index fetching against a real HTTP server on 127.0.0.1.

mod helm_common;

use std::collections::BTreeMap;

use helm_common::{Entry, index_yaml, serve_dir, sha256_hex, write};
use rflux_source::helm_index::{
    DEFAULT_MAX_INDEX_SIZE, HttpClient, IndexError, RepositoryAccess, fetch_index, load_index, store_index,
};

fn entries(order: &[(&'static str, &'static str)]) -> Vec<Entry<'static>> {
    order
        .iter()
        .map(|(name, version)| Entry {
            name,
            version,
            url: format!("{name}-{version}.tgz"),
            digest: None,
        })
        .collect()
}

#[tokio::test]
async fn index_fetch_sorts_and_revision_is_the_served_digest() {
    let site = tempfile::tempdir().unwrap();
    let ordered = index_yaml(&entries(&[
        ("alpha", "1.0.0"),
        ("alpha", "1.10.0"),
        ("alpha", "1.2.0"),
        ("zeta", "0.1.0"),
        ("beta", "2.0.0-rc.1"),
        ("beta", "2.0.0"),
    ]));
    write(site.path(), "index.yaml", ordered.as_bytes());
    let server = serve_dir(site.path(), None).await;
    let client = HttpClient::new(&server.url, RepositoryAccess::default()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let fetched = fetch_index(&client, DEFAULT_MAX_INDEX_SIZE, work.path()).await.unwrap();

    assert_eq!(fetched.revision, format!("sha256:{}", sha256_hex(ordered.as_bytes())));
    let names: Vec<&str> = fetched.index.charts().iter().map(|c| &*c.name).collect();
    assert_eq!(names, ["alpha", "beta", "zeta"]);
    let alpha: Vec<&str> = fetched
        .index
        .chart("alpha")
        .unwrap()
        .versions
        .iter()
        .map(|v| &*v.version)
        .collect();
    assert_eq!(alpha, ["1.10.0", "1.2.0", "1.0.0"]);
    let beta: Vec<&str> = fetched
        .index
        .chart("beta")
        .unwrap()
        .versions
        .iter()
        .map(|v| &*v.version)
        .collect();
    assert_eq!(beta, ["2.0.0", "2.0.0-rc.1"]);

    let out = tempfile::tempdir().unwrap();
    let stored = store_index(&fetched.index, &fetched.revision, out.path()).unwrap();
    let hex = fetched.revision.trim_start_matches("sha256:");
    assert_eq!(stored.file_name, format!("index-{hex}.yaml"));
    let bytes = std::fs::read(&stored.path).unwrap();
    assert_eq!(stored.digest, format!("sha256:{}", sha256_hex(&bytes)));
    // The stored index is JSON (also YAML) and loads back to the same index.
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(json["entries"]["alpha"][0]["version"], "1.10.0");
    assert_eq!(json["entries"]["alpha"][0]["urls"][0], "alpha-1.10.0.tgz");
    assert_eq!(load_index(&stored.path).unwrap(), fetched.index);

    // The same charts served in another order: the served bytes (revision) differ, as in
    // Flux; the stored sorted index is identical.
    let reordered = index_yaml(&entries(&[
        ("zeta", "0.1.0"),
        ("beta", "2.0.0"),
        ("alpha", "1.2.0"),
        ("beta", "2.0.0-rc.1"),
        ("alpha", "1.10.0"),
        ("alpha", "1.0.0"),
    ]));
    write(site.path(), "index.yaml", reordered.as_bytes());
    let again = fetch_index(&client, DEFAULT_MAX_INDEX_SIZE, work.path()).await.unwrap();
    assert_ne!(again.revision, fetched.revision);
    assert_eq!(again.index, fetched.index);
    let out2 = tempfile::tempdir().unwrap();
    let stored2 = store_index(&again.index, &again.revision, out2.path()).unwrap();
    assert_eq!(stored2.digest, stored.digest);
    assert_eq!(std::fs::read(&stored2.path).unwrap(), bytes);

    // Same bytes again: same revision.
    let third = fetch_index(&client, DEFAULT_MAX_INDEX_SIZE, work.path()).await.unwrap();
    assert_eq!(third.revision, again.revision);
    // No temporary files are left behind.
    assert_eq!(std::fs::read_dir(work.path()).unwrap().count(), 0);
}

fn auth_secret(user: &str, pass: &str) -> BTreeMap<String, Vec<u8>> {
    BTreeMap::from([
        ("username".to_string(), user.as_bytes().to_vec()),
        ("password".to_string(), pass.as_bytes().to_vec()),
    ])
}

#[tokio::test]
async fn basic_auth_right_and_wrong_password() {
    let site = tempfile::tempdir().unwrap();
    write(
        site.path(),
        "index.yaml",
        index_yaml(&entries(&[("app", "1.0.0")])).as_bytes(),
    );
    let server = serve_dir(site.path(), Some(("flux", "s3cret"))).await;
    let work = tempfile::tempdir().unwrap();

    let good = RepositoryAccess::from_secret_data(Some(&auth_secret("flux", "s3cret")), None).unwrap();
    let client = HttpClient::new(&server.url, good).unwrap();
    let fetched = fetch_index(&client, DEFAULT_MAX_INDEX_SIZE, work.path()).await.unwrap();
    assert!(fetched.index.chart("app").is_some());

    let bad = RepositoryAccess::from_secret_data(Some(&auth_secret("flux", "wrong-password")), None).unwrap();
    let client = HttpClient::new(&server.url, bad).unwrap();
    let err = fetch_index(&client, DEFAULT_MAX_INDEX_SIZE, work.path())
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("401"), "{message}");
    assert!(message.contains("credentials"), "{message}");
    assert!(message.contains("/index.yaml"), "{message}");
    assert!(!message.contains("wrong-password"), "{message}");
    assert!(!format!("{client:?}").contains("wrong-password"));

    let anonymous = HttpClient::new(&server.url, RepositoryAccess::default()).unwrap();
    let err = fetch_index(&anonymous, DEFAULT_MAX_INDEX_SIZE, work.path())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("secretRef"), "{err}");

    let half = BTreeMap::from([("username".to_string(), b"flux".to_vec())]);
    let err = RepositoryAccess::from_secret_data(Some(&half), None).unwrap_err();
    assert!(err.to_string().contains("password"), "{err}");
}

#[tokio::test]
async fn malformed_index_names_url_and_position() {
    let site = tempfile::tempdir().unwrap();
    write(
        site.path(),
        "index.yaml",
        b"apiVersion: v1\nentries:\n  app:\n  - name: app\n    version: 1.0.0\n   urls: [broken\n",
    );
    let server = serve_dir(site.path(), None).await;
    let client = HttpClient::new(&server.url, RepositoryAccess::default()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let err = fetch_index(&client, DEFAULT_MAX_INDEX_SIZE, work.path())
        .await
        .unwrap_err();
    let IndexError::Parse { url, failure } = &err else {
        panic!("expected a parse error, got {err}");
    };
    assert_eq!(url, &format!("{}/index.yaml", server.url));
    assert!(failure.line.is_some(), "{err}");
    let message = err.to_string();
    assert!(message.contains(&format!("{}/index.yaml", server.url)), "{message}");
    assert!(message.contains("line "), "{message}");

    // Valid YAML that is not an index (no apiVersion).
    write(site.path(), "index.yaml", b"entries: {}\n");
    let err = fetch_index(&client, DEFAULT_MAX_INDEX_SIZE, work.path())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no API version"), "{err}");

    // Missing index: the status and URL.
    std::fs::remove_file(site.path().join("index.yaml")).unwrap();
    let err = fetch_index(&client, DEFAULT_MAX_INDEX_SIZE, work.path())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
}

#[tokio::test]
async fn index_size_limit_and_invalid_entries() {
    let site = tempfile::tempdir().unwrap();
    let text = "apiVersion: v1\nentries:\n  app:\n  - name: app\n    version: not-semver\n    urls: [a.tgz]\n  - name: app\n    version: 1.0\n    urls: [b.tgz]\n  - version: 2.0.0\n    urls: [c.tgz]\n";
    write(site.path(), "index.yaml", text.as_bytes());
    let server = serve_dir(site.path(), None).await;
    let client = HttpClient::new(&server.url, RepositoryAccess::default()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let fetched = fetch_index(&client, DEFAULT_MAX_INDEX_SIZE, work.path()).await.unwrap();
    // Entries Helm rejects are dropped; `1.0` reads as Go reads it into a string.
    let versions: Vec<&str> = fetched
        .index
        .chart("app")
        .unwrap()
        .versions
        .iter()
        .map(|v| &*v.version)
        .collect();
    assert_eq!(versions, ["1"]);

    let err = fetch_index(&client, 10, work.path()).await.unwrap_err();
    assert!(err.to_string().contains("maximum size"), "{err}");
}
