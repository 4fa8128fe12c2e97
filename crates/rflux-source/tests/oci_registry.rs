#![allow(clippy::expect_used, clippy::unwrap_used)]
//! OCIRepository and OCI Helm charts against Debian's docker-registry on 127.0.0.1.

mod helm_common;

use helm_common::{chart_tgz, sha256_hex, start_registry, tgz};
use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use rflux_source::helm_chart::ValuesFilesOptions;
use rflux_source::oci::{
    FLUX_CONFIG_MEDIA_TYPE, FLUX_CONTENT_MEDIA_TYPE, HELM_CHART_MEDIA_TYPE, HELM_CONFIG_MEDIA_TYPE, LayerOperation,
    OciReference, OciSource, OciUrl, RegistryAccess,
};

fn test_client(registry: &str) -> Client {
    rflux_source::helm_index::transport::ensure_crypto_provider();
    Client::new(ClientConfig {
        protocol: ClientProtocol::HttpsExcept(vec![registry.to_string()]),
        ..ClientConfig::default()
    })
}

/// Push one layer under `repo:tag`; returns the manifest digest.
async fn push(client: &Client, registry: &str, repo: &str, tag: &str, layer: ImageLayer, config: Config) -> String {
    let reference = Reference::with_tag(registry.to_string(), repo.to_string(), tag.to_string());
    client
        .push(&reference, &[layer], config, &RegistryAuth::Anonymous, None)
        .await
        .unwrap();
    client
        .fetch_manifest_digest(&reference, &RegistryAuth::Anonymous)
        .await
        .unwrap()
}

fn flux_layer(content: &str) -> ImageLayer {
    let data = tgz(&[("manifests/cm.yaml", content.as_bytes())]);
    ImageLayer::new(data, FLUX_CONTENT_MEDIA_TYPE.to_string(), None)
}

fn flux_config() -> Config {
    Config::new(b"{}".to_vec(), FLUX_CONFIG_MEDIA_TYPE.to_string(), None)
}

fn insecure() -> RegistryAccess {
    RegistryAccess {
        insecure: true,
        ..RegistryAccess::default()
    }
}

#[tokio::test]
async fn oci_repository_tag_semver_and_digest_refs() {
    let registry = start_registry().await;
    let client = test_client(&registry.addr);
    let mut digests = std::collections::BTreeMap::new();
    for tag in ["1.0.0", "1.1.0", "2.0.0-rc.1", "latest", "nightly"] {
        let d = push(
            &client,
            &registry.addr,
            "apps/podinfo",
            tag,
            flux_layer(&format!("tag: {tag}\n")),
            flux_config(),
        )
        .await;
        digests.insert(tag, d);
    }
    let url = OciUrl::parse(&format!("oci://{}/apps/podinfo", registry.addr)).unwrap();
    let source = OciSource::new(&url, &insecure()).unwrap();

    let by_tag = source
        .resolve(
            &url,
            &OciReference {
                tag: Some("1.0.0".into()),
                ..OciReference::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(by_tag.revision, format!("1.0.0@{}", digests["1.0.0"]));
    assert!(by_tag.revision.contains("@sha256:"));

    let default = source.resolve(&url, &OciReference::default()).await.unwrap();
    assert_eq!(default.revision, format!("latest@{}", digests["latest"]));

    let semver = source
        .resolve(
            &url,
            &OciReference {
                semver: Some("^1.0".into()),
                tag: Some("nightly".into()),
                ..OciReference::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(semver.revision, format!("1.1.0@{}", digests["1.1.0"]));

    let pre = source
        .resolve(
            &url,
            &OciReference {
                semver: Some(">=1.0.0-0".into()),
                semver_filter: Some(".*-rc.*".into()),
                ..OciReference::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(pre.tag.as_deref(), Some("2.0.0-rc.1"));

    let by_digest = source
        .resolve(
            &url,
            &OciReference {
                digest: Some(digests["1.1.0"].clone()),
                semver: Some("^1.0".into()),
                ..OciReference::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(by_digest.revision, digests["1.1.0"]);
    assert_eq!(by_digest.tag, None);

    let err = source
        .resolve(
            &url,
            &OciReference {
                semver: Some("^5".into()),
                ..OciReference::default()
            },
        )
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("^5") && message.contains("1.1.0") && message.contains("nightly"),
        "{message}"
    );

    // Extract the content layer (selected by media type).
    let work = tempfile::tempdir().unwrap();
    let dest = work.path().join("extract");
    let pulled = source
        .pull_layer(
            &url,
            &semver,
            Some(FLUX_CONTENT_MEDIA_TYPE),
            LayerOperation::Extract,
            1 << 20,
            &dest,
        )
        .await
        .unwrap();
    assert_eq!(pulled.media_type, FLUX_CONTENT_MEDIA_TYPE);
    assert_eq!(
        std::fs::read_to_string(dest.join("manifests/cm.yaml")).unwrap(),
        "tag: 1.1.0\n"
    );

    // Copy keeps the blob as it is.
    let copy = work.path().join("layer.tgz");
    let pulled = source
        .pull_layer(&url, &by_digest, None, LayerOperation::Copy, 1 << 20, &copy)
        .await
        .unwrap();
    let blob = std::fs::read(&copy).unwrap();
    assert_eq!(pulled.digest, format!("sha256:{}", sha256_hex(&blob)));

    let err = source
        .pull_layer(
            &url,
            &by_digest,
            Some("application/x-other"),
            LayerOperation::Copy,
            1 << 20,
            &copy,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("application/x-other"), "{err}");
}

#[tokio::test]
async fn oci_layer_with_parent_path_is_rejected() {
    let registry = start_registry().await;
    let client = test_client(&registry.addr);
    let evil = tgz(&[("../../escape.yaml", b"x: 1\n")]);
    push(
        &client,
        &registry.addr,
        "apps/evil",
        "v1",
        ImageLayer::new(evil, FLUX_CONTENT_MEDIA_TYPE.to_string(), None),
        flux_config(),
    )
    .await;
    let url = OciUrl::parse(&format!("oci://{}/apps/evil", registry.addr)).unwrap();
    let source = OciSource::new(&url, &insecure()).unwrap();
    let resolved = source
        .resolve(
            &url,
            &OciReference {
                tag: Some("v1".into()),
                ..OciReference::default()
            },
        )
        .await
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let err = source
        .pull_layer(
            &url,
            &resolved,
            None,
            LayerOperation::Extract,
            1 << 20,
            &work.path().join("x"),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("illegal path"), "{err}");
}

#[tokio::test]
async fn oci_helm_chart_pull() {
    let registry = start_registry().await;
    let client = test_client(&registry.addr);
    let mut charts = std::collections::BTreeMap::new();
    // Helm's tag listing (what Flux picks from) keeps only strict versions: `v3.0.0` and
    // `1.9` are never listed, though each holds a chart.
    for (tag, version) in [
        ("1.0.0", "1.0.0"),
        ("1.2.0", "1.2.0"),
        ("1.3.0-rc.1", "1.3.0-rc.1"),
        ("2.0.0_build.7", "2.0.0+build.7"),
        ("v3.0.0", "3.0.0"),
        ("1.9", "1.9.0"),
    ] {
        let data = chart_tgz("web", version);
        charts.insert(version, data.clone());
        let config = format!("{{\"name\":\"web\",\"version\":\"{version}\",\"apiVersion\":\"v2\"}}");
        push(
            &client,
            &registry.addr,
            "charts/web",
            tag,
            ImageLayer::new(data, HELM_CHART_MEDIA_TYPE.to_string(), None),
            Config::new(config.into_bytes(), HELM_CONFIG_MEDIA_TYPE.to_string(), None),
        )
        .await;
    }
    let repository = OciUrl::parse(&format!("oci://{}/charts", registry.addr)).unwrap();
    let source = OciSource::new(&repository, &insecure()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let none = ValuesFilesOptions::default();

    let built = source
        .build_chart(&repository, "web", "^1.0", &none, 1 << 20, out.path())
        .await
        .unwrap();
    assert_eq!(built.version, "1.2.0");
    assert_eq!(built.file_name, "web-1.2.0.tgz");
    assert_eq!(std::fs::read(&built.path).unwrap(), charts["1.2.0"]);

    let exact = source
        .build_chart(&repository, "web", "1.0.0", &none, 1 << 20, out.path())
        .await
        .unwrap();
    assert_eq!(exact.version, "1.0.0");

    let latest = source
        .build_chart(&repository, "web", "", &none, 1 << 20, out.path())
        .await
        .unwrap();
    assert_eq!(latest.version, "2.0.0+build.7");

    let err = source
        .build_chart(&repository, "web", "~3.1", &none, 1 << 20, out.path())
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("~3.1") && message.contains("1.3.0-rc.1"), "{message}");
    assert!(!message.contains("v3.0.0") && !message.contains("1.9,"), "{message}");

    // `1.2` is not a version Flux reads, so it is a range (`1.2.x`), not a tag to pull.
    let minor = source
        .build_chart(&repository, "web", "1.2", &none, 1 << 20, out.path())
        .await
        .unwrap();
    assert_eq!(minor.version, "1.2.0");

    // `v3.0.0` is a version Flux reads, so it is pulled as a tag without listing.
    let with_v = source
        .build_chart(&repository, "web", "v3.0.0", &none, 1 << 20, out.path())
        .await
        .unwrap();
    assert_eq!(with_v.version, "3.0.0");
    assert_eq!(std::fs::read(&with_v.path).unwrap(), charts["3.0.0"]);

    // A range never reaches the unlisted tags.
    let err = source
        .build_chart(&repository, "web", ">=3", &none, 1 << 20, out.path())
        .await
        .unwrap_err();
    assert!(err.to_string().contains(">=3"), "{err}");
}

#[test]
fn registry_credentials_from_secret_data() {
    use std::collections::BTreeMap;
    let plain = BTreeMap::from([
        ("username".to_string(), b"bot".to_vec()),
        ("password".to_string(), b"pw".to_vec()),
    ]);
    assert_eq!(
        RegistryAccess::credentials_from_secret(&plain, "ghcr.io").unwrap(),
        Some(("bot".to_string(), "pw".to_string()))
    );
    let docker = BTreeMap::from([(
        ".dockerconfigjson".to_string(),
        br#"{"auths":{"https://ghcr.io":{"auth":"Ym90OnB3"},"other.io":{"username":"u","password":"p"}}}"#.to_vec(),
    )]);
    assert_eq!(
        RegistryAccess::credentials_from_secret(&docker, "ghcr.io").unwrap(),
        Some(("bot".to_string(), "pw".to_string()))
    );
    assert_eq!(
        RegistryAccess::credentials_from_secret(&docker, "other.io").unwrap(),
        Some(("u".to_string(), "p".to_string()))
    );
    assert_eq!(
        RegistryAccess::credentials_from_secret(&docker, "none.io").unwrap(),
        None
    );
    let broken = BTreeMap::from([(".dockerconfigjson".to_string(), b"{".to_vec())]);
    assert!(RegistryAccess::credentials_from_secret(&broken, "ghcr.io").is_err());
    assert!(OciUrl::parse("https://ghcr.io/x").is_err());
    assert!(OciUrl::parse("oci://ghcr.io/x:1.0").is_err());
    assert_eq!(OciUrl::parse("oci://ghcr.io/org/app/").unwrap().repository, "org/app");
}
