#![allow(clippy::expect_used, clippy::unwrap_used, clippy::zombie_processes)]
//! OCIRepository through the controllers: an artifact pushed to Debian's `docker-registry` on
//! loopback is pulled, stored and applied by a Kustomization; a newer tag in the semver range
//! is picked up and applied.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{NS, WAIT, kustomization, wait_for};
use rflux_source::ignore::IgnoreRules;
use rflux_source::oci::{FLUX_CONFIG_MEDIA_TYPE, FLUX_CONTENT_MEDIA_TYPE, OciSource, OciUrl, RegistryAccess};
use serde_json::json;

/// Debian's `docker-registry` on a free loopback port; killed when dropped.
struct Registry {
    addr: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn registry() -> Registry {
    let binary = "/usr/bin/docker-registry";
    assert!(
        Path::new(binary).exists(),
        "docker-registry is not installed: apt-get install -y docker-registry"
    );
    let dir = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", common::unused_port());
    let config = dir.path().join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let child = Command::new(binary)
        .arg("serve")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker-registry starts");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&addr).await.is_ok() {
            return Registry { addr, child, _dir: dir };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("docker-registry did not listen on {addr}");
}

/// Pushes a Flux artifact (a tar.gz of one ConfigMap manifest) as `app:<tag>`.
async fn push_config_map(url: &OciUrl, tag: &str, value: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tree/manifests")).unwrap();
    std::fs::write(
        dir.path().join("tree/manifests/cm.yaml"),
        common::config_map_yaml("default", "from-oci", &[("value", value)]),
    )
    .unwrap();
    let archive = dir.path().join("artifact.tar.gz");
    rflux_source::artifact::package_dir(&dir.path().join("tree"), &IgnoreRules::flux_defaults(), &archive).unwrap();
    let access = RegistryAccess {
        insecure: true,
        ..RegistryAccess::default()
    };
    let source = OciSource::new(url, &access).unwrap();
    let layer = oci_client::client::ImageLayer::new(
        std::fs::read(&archive).unwrap(),
        FLUX_CONTENT_MEDIA_TYPE.to_string(),
        None,
    );
    let config = oci_client::client::Config::new(b"{}".to_vec(), FLUX_CONFIG_MEDIA_TYPE.to_string(), None);
    source.push(url, tag, vec![layer], config).await.expect("push");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oci_artifact_is_pulled_stored_and_applied_and_newer_tags_follow() {
    let registry = registry().await;
    let env = common::start().await;
    let url = OciUrl::parse(&format!("oci://{}/app", registry.addr)).unwrap();
    push_config_map(&url, "1.0.0", "one").await;

    env.apply(vec![
        json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "OCIRepository",
            "metadata": {"name": "app", "namespace": NS},
            "spec": {
                "interval": "1h",
                "url": format!("oci://{}/app", registry.addr),
                "insecure": true,
                "ref": {"semver": ">=1.0.0"}
            }
        }),
        {
            let mut k = kustomization("app", "app", "./manifests", json!({}));
            k["spec"]["sourceRef"] = json!({"kind": "OCIRepository", "name": "app"});
            k
        },
    ])
    .await;
    let repo = wait_for("OCIRepository app Ready at 1.0.0", WAIT, || async {
        let repo = env
            .get("source.toolkit.fluxcd.io/v1", "OCIRepository", Some(NS), "app")
            .await
            .ok_or("not found".to_string())?;
        common::ready_at_generation(&repo)?;
        let revision = repo["status"]["artifact"]["revision"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if revision.starts_with("1.0.0@sha256:") {
            Ok(repo)
        } else {
            Err(format!("revision {revision}"))
        }
    })
    .await;
    let message = common::condition(&repo, "Ready").unwrap()["message"].clone();
    assert!(
        message
            .as_str()
            .unwrap()
            .starts_with("stored artifact for revision '1.0.0@sha256:"),
        "{message}"
    );
    wait_for("ConfigMap from the OCI artifact", WAIT, || async {
        match env.config_map("default", "from-oci").await {
            Some(cm) if cm["data"]["value"] == "one" => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;

    // A newer tag in the range: the repository moves to it, and its Kustomization follows.
    push_config_map(&url, "1.1.0", "two").await;
    env.merge_patch(
        "source.toolkit.fluxcd.io/v1",
        "OCIRepository",
        Some(NS),
        "app",
        json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "newer-tag"}}}),
    )
    .await;
    wait_for("ConfigMap from the 1.1.0 artifact", WAIT, || async {
        match env.config_map("default", "from-oci").await {
            Some(cm) if cm["data"]["value"] == "two" => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let k = env.kustomization("app").await.unwrap();
    assert!(
        k["status"]["lastAppliedRevision"]
            .as_str()
            .unwrap()
            .starts_with("1.1.0@sha256:"),
        "{}",
        k["status"]
    );
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chart_from_an_oci_helm_repository() {
    let registry = registry().await;
    let env = common::start().await;
    // A chart archive (`hello/Chart.yaml`, …) pushed as `charts/hello:0.1.0`.
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("tree/hello");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: hello\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(chart.join("values.yaml"), "greeting: hi\n").unwrap();
    std::fs::write(
        chart.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\ndata:\n  greeting: {{ .Values.greeting }}\n",
    )
    .unwrap();
    let archive = dir.path().join("hello-0.1.0.tgz");
    rflux_source::artifact::package_dir(&dir.path().join("tree"), &IgnoreRules::flux_defaults(), &archive).unwrap();
    let url = OciUrl::parse(&format!("oci://{}/charts/hello", registry.addr)).unwrap();
    let access = RegistryAccess {
        insecure: true,
        ..RegistryAccess::default()
    };
    let layer = oci_client::client::ImageLayer::new(
        std::fs::read(&archive).unwrap(),
        rflux_source::oci::HELM_CHART_MEDIA_TYPE.to_string(),
        None,
    );
    let config = oci_client::client::Config::new(
        br#"{"name":"hello","version":"0.1.0","apiVersion":"v2"}"#.to_vec(),
        rflux_source::oci::HELM_CONFIG_MEDIA_TYPE.to_string(),
        None,
    );
    OciSource::new(&url, &access)
        .unwrap()
        .push(&url, "0.1.0", vec![layer], config)
        .await
        .expect("push chart");

    env.apply(vec![
        json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "HelmRepository",
            "metadata": {"name": "oci-charts", "namespace": NS},
            "spec": {"type": "oci", "interval": "1h", "insecure": true,
                "url": format!("oci://{}/charts", registry.addr)}
        }),
        json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "HelmChart",
            "metadata": {"name": "hello", "namespace": NS},
            "spec": {"interval": "1h", "chart": "hello", "version": ">=0.1.0",
                "sourceRef": {"kind": "HelmRepository", "name": "oci-charts"}}
        }),
    ])
    .await;
    let chart = wait_for("HelmChart hello stored from the OCI repository", WAIT, || async {
        let chart = env
            .get("source.toolkit.fluxcd.io/v1", "HelmChart", Some(NS), "hello")
            .await
            .ok_or("not found".to_string())?;
        common::ready_at_generation(&chart)?;
        Ok(chart)
    })
    .await;
    assert_eq!(chart["status"]["artifact"]["revision"], "0.1.0");
    assert!(
        chart["status"]["artifact"]["path"]
            .as_str()
            .unwrap()
            .ends_with("/hello-0.1.0.tgz"),
        "{}",
        chart["status"]
    );
    env.stop().await;
}

/// A tar.gz holding `manifests/cm.yaml`, a ConfigMap `from-oci` with `value`.
fn config_map_archive(value: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tree/manifests")).unwrap();
    std::fs::write(
        dir.path().join("tree/manifests/cm.yaml"),
        common::config_map_yaml("default", "from-oci", &[("value", value)]),
    )
    .unwrap();
    let archive = dir.path().join("artifact.tar.gz");
    rflux_source::artifact::package_dir(&dir.path().join("tree"), &IgnoreRules::flux_defaults(), &archive).unwrap();
    std::fs::read(&archive).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layer_selector_copy_stores_the_layer_as_is_and_a_missing_layer_is_named() {
    const OTHER_MEDIA_TYPE: &str = "application/vnd.example.manifests.v1.tar+gzip";
    let registry = registry().await;
    let url = OciUrl::parse(&format!("oci://{}/layers", registry.addr)).unwrap();
    // Two layers: Flux's content (first, what no selector picks) and another media type.
    let first = config_map_archive("first-layer");
    let second = config_map_archive("second-layer");
    let access = RegistryAccess {
        insecure: true,
        ..RegistryAccess::default()
    };
    let layers = vec![
        oci_client::client::ImageLayer::new(first, FLUX_CONTENT_MEDIA_TYPE.to_string(), None),
        oci_client::client::ImageLayer::new(second.clone(), OTHER_MEDIA_TYPE.to_string(), None),
    ];
    let config = oci_client::client::Config::new(b"{}".to_vec(), FLUX_CONFIG_MEDIA_TYPE.to_string(), None);
    OciSource::new(&url, &access)
        .unwrap()
        .push(&url, "1.0.0", layers, config)
        .await
        .expect("push");

    let env = common::start().await;
    let oci_repository = |name: &str, selector: serde_json::Value| {
        json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "OCIRepository",
            "metadata": {"name": name, "namespace": NS},
            "spec": {
                "interval": "1h",
                "url": format!("oci://{}/layers", registry.addr),
                "insecure": true,
                "ref": {"tag": "1.0.0"},
                "layerSelector": selector
            }
        })
    };
    let mut from_copy = kustomization("copied", "copied", "./manifests", json!({}));
    from_copy["spec"]["sourceRef"] = json!({"kind": "OCIRepository", "name": "copied"});
    env.apply(vec![
        oci_repository("copied", json!({"mediaType": OTHER_MEDIA_TYPE, "operation": "copy"})),
        oci_repository(
            "no-such-layer",
            json!({"mediaType": "application/vnd.example.absent.v1", "operation": "extract"}),
        ),
        from_copy,
    ])
    .await;

    let get = |name: &'static str| {
        let env = &env;
        async move {
            env.get("source.toolkit.fluxcd.io/v1", "OCIRepository", Some(NS), name)
                .await
                .ok_or("not found".to_string())
        }
    };
    // copy: the artifact is the selected layer byte for byte (its digest is the layer's).
    let copied = wait_for("OCIRepository copied Ready", WAIT, || async {
        let repo = get("copied").await?;
        common::ready_at_generation(&repo)?;
        Ok(repo)
    })
    .await;
    let layer_digest = format!("sha256:{}", hex_sha256(&second));
    assert_eq!(
        copied["status"]["artifact"]["digest"],
        layer_digest.as_str(),
        "{}",
        copied["status"]
    );
    let stored = reqwest::get(copied["status"]["artifact"]["url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        stored.as_ref(),
        second.as_slice(),
        "the stored artifact is the layer as pushed"
    );
    // And the Kustomization applies what that layer holds, not the first layer.
    wait_for("ConfigMap from the selected layer", WAIT, || async {
        match env.config_map("default", "from-oci").await {
            Some(cm) if cm["data"]["value"] == "second-layer" => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;

    // A media type the artifact does not have: Flux's reason and wording, no artifact.
    let missing = wait_for("OCIRepository no-such-layer fails", WAIT, || async {
        let repo = get("no-such-layer").await?;
        match common::condition(&repo, "Ready") {
            Some(ready) if ready["status"] == "False" => Ok(repo),
            _ => Err(format!("status: {}", repo["status"])),
        }
    })
    .await;
    let ready = common::condition(&missing, "Ready").unwrap();
    assert_eq!(ready["reason"], "OCIArtifactLayerOperationFailed", "{ready}");
    let message = ready["message"].as_str().unwrap();
    assert!(
        message.contains("failed to find layer with media type 'application/vnd.example.absent.v1' in artifact")
            && message.contains(&format!("{}/layers", registry.addr)),
        "{message}"
    );
    assert!(missing["status"]["artifact"].is_null(), "{}", missing["status"]);
    env.stop().await;
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
