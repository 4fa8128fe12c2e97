#![allow(clippy::expect_used, clippy::unwrap_used)]
//! HelmRepository index fetching against a real HTTP server on 127.0.0.1.

mod helm_common;

use std::collections::BTreeMap;

use helm_common::{Entry, index_yaml, serve_dir, sha256_hex, write};
use rflux_source::helm_chart::{ChartError, select_chart_version};
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
    let text = "apiVersion: v1\nentries:\n  app:\n  - name: app\n    version: not-semver\n    urls: [a.tgz]\n  - name: app\n    description: ~\n    deprecated: true\n    digest: 000000000000000000000000000000000000000000000000000000000001e460\n    version: 1.0\n    urls: [b.tgz]\n  - version: 2.0.0\n    urls: [c.tgz]\n";
    write(site.path(), "index.yaml", text.as_bytes());
    let server = serve_dir(site.path(), None).await;
    let client = HttpClient::new(&server.url, RepositoryAccess::default()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let fetched = fetch_index(&client, DEFAULT_MAX_INDEX_SIZE, work.path()).await.unwrap();
    // Entries Helm rejects are dropped; a plain `1.0` keeps its text.
    let versions: Vec<&str> = fetched
        .index
        .chart("app")
        .unwrap()
        .versions
        .iter()
        .map(|v| &*v.version)
        .collect();
    assert_eq!(versions, ["1.0"]);
    let entry = &fetched.index.chart("app").unwrap().versions[0];
    assert_eq!(
        &*entry.digest,
        "000000000000000000000000000000000000000000000000000000000001e460"
    );
    assert!(entry.deprecated);
    // Flux reads chart versions strictly: `1.0` is only reachable by its exact text.
    let chosen = select_chart_version(&fetched.index, "app", "1.0").unwrap();
    assert_eq!(&*chosen.version, "1.0");
    for range in ["", "*", ">=1"] {
        let err = select_chart_version(&fetched.index, "app", range).unwrap_err();
        assert!(matches!(err, ChartError::Version { .. }), "{err}");
    }

    let err = fetch_index(&client, 10, work.path()).await.unwrap_err();
    assert!(err.to_string().contains("maximum size"), "{err}");
}

/// An index in Helm's block layout with the constructs real indexes use.
const BLOCK_INDEX: &str = r#"apiVersion: v1
entries:
  # a comment between charts
  web:
  - annotations:
      artifacthub.io/changes: |
        - kind: changed
          description: "Bump: things"

        - kind: fixed
      artifacthub.io/license: Apache-2.0
      category: 'Web ''apps'''
    apiVersion: v2
    appVersion: "1.0"
    created: "2024-03-01T10:00:00.123456789Z"
    dependencies:
    - condition: redis.enabled
      name: redis
      repository: oci://registry-1.docker.io/bitnamicharts
      version: 18.x.x
      tags:
      - cache
    deprecated: false
    description: A long description that go-yaml wraps onto a second line because it is
      longer than eighty columns
    digest: 000000000000000000000000000000000000000000000000000000000001e460
    home: https://example.com
    keywords:
    - web
    - "http"
    maintainers:
    - email: team@example.com
      name: Team
    name: web
    sources: []
    type: application
    urls:
    - https://charts.example.com/web-1.2.0.tgz
    version: 1.2.0
  - apiVersion: v2
    created: 2024-02-01T10:00:00Z
    description: "Quoted \"escapes\" and unicode \u00e9"
    name: web
    urls:
    - web-1.10.0.tgz
    version: 1.10.0 # trailing comment
  redis:
    - name: redis
      version: v7.0.0
      urls:
        - redis-7.0.0.tgz
      kubeVersion: '>=1.21.0-0'
generated: "2024-03-01T00:00:00Z"
"#;

#[test]
fn block_layout_reader_matches_the_yaml_parser() {
    use rflux_source::helm_index::{parse_index, parse_index_seekable};
    let full = parse_index(BLOCK_INDEX.as_bytes(), BLOCK_INDEX.len() as u64).unwrap();
    let fast = parse_index_seekable(std::io::Cursor::new(BLOCK_INDEX.as_bytes()), BLOCK_INDEX.len() as u64).unwrap();
    assert_eq!(fast, full);
    let web = fast.chart("web").unwrap();
    assert_eq!(&*web.versions[0].version, "1.10.0");
    let entry: serde_json::Value = serde_json::from_str(fast.entry_json(&web.versions[1])).unwrap();
    assert_eq!(
        entry["annotations"]["artifacthub.io/changes"],
        "- kind: changed\n  description: \"Bump: things\"\n\n- kind: fixed\n"
    );
    assert_eq!(entry["annotations"]["category"], "Web 'apps'");
    assert_eq!(
        entry["description"],
        "A long description that go-yaml wraps onto a second line because it is longer than eighty columns"
    );
    assert_eq!(entry["dependencies"][0]["tags"][0], "cache");
    assert_eq!(
        &*web.versions[1].digest,
        "000000000000000000000000000000000000000000000000000000000001e460"
    );
    let newer: serde_json::Value = serde_json::from_str(fast.entry_json(&web.versions[0])).unwrap();
    assert_eq!(newer["description"], "Quoted \"escapes\" and unicode é");
    assert_eq!(&*fast.chart("redis").unwrap().versions[0].version, "v7.0.0");

    // Variants: readers agree, and constructs beyond the block layout fall back to the full
    // parser with the same result.
    for variant in [
        // Charts left without valid versions stay listed, empty, in both readers.
        BLOCK_INDEX.replace(
            "generated:",
            "  empty: []\n  invalid:\n  - name: invalid\n    version: nope\ngenerated:",
        ),
        BLOCK_INDEX.replace("    urls:\n    - web-1.10.0.tgz\n", "    urls: [web-1.10.0.tgz]\n"),
        BLOCK_INDEX.replace(
            "    home: https://example.com\n",
            "    home: &h https://example.com\n    icon: *h\n",
        ),
        BLOCK_INDEX.replace(
            "      artifacthub.io/license: Apache-2.0\n",
            "      artifacthub.io/license: >-\n        Apache\n        2.0\n",
        ),
    ] {
        let full = parse_index(variant.as_bytes(), variant.len() as u64).unwrap();
        let fast = parse_index_seekable(std::io::Cursor::new(variant.as_bytes()), variant.len() as u64).unwrap();
        assert_eq!(fast, full);
    }
}

#[test]
fn access_from_helm_repository_spec() {
    use rflux_api::types::HelmRepositorySpec;
    let spec = HelmRepositorySpec {
        url: "https://charts.example.com".into(),
        pass_credentials: Some(true),
        timeout: Some("90s".into()),
        ..HelmRepositorySpec::default()
    };
    let access = RepositoryAccess::for_helm_repository(&spec, Some(&auth_secret("u", "p")), None).unwrap();
    assert!(access.pass_credentials);
    assert_eq!(access.timeout, std::time::Duration::from_secs(90));
    assert_eq!(access.credentials.unwrap().username, "u");
    let bad = HelmRepositorySpec {
        timeout: Some("soon".into()),
        ..spec
    };
    let err = RepositoryAccess::for_helm_repository(&bad, None, None).unwrap_err();
    assert!(err.to_string().contains("soon"), "{err}");
}
