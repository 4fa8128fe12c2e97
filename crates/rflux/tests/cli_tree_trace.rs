//! `rflux tree kustomization` and `rflux trace` against a real `rflux apiserver` process, with
//! Kustomizations, sources and managed objects written directly through the API (inventory
//! and status included), so no controller is involved.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod cluster;

use cluster::{ApiServerProcess, CliRun};
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

fn ok(run: &CliRun) {
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
}

/// A server with the Flux CRDs installed.
fn installed() -> (tempfile::TempDir, ApiServerProcess) {
    let dir = tempfile::tempdir().unwrap();
    let server = ApiServerProcess::start(dir.path(), 0);
    ok(&server.rflux(&["install"]));
    (dir, server)
}

fn resource(api_version: &str, kind: &str, plural: &str) -> ApiResource {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    ApiResource {
        group: group.into(),
        version: version.into(),
        api_version: api_version.into(),
        kind: kind.into(),
        plural: plural.into(),
    }
}

/// Creates `object` (namespaced) and writes its `status` through the status subresource.
async fn create(client: &kube::Client, plural: &str, mut object: Value) {
    let ar = resource(
        object["apiVersion"].as_str().unwrap(),
        object["kind"].as_str().unwrap(),
        plural,
    );
    let namespace = object["metadata"]["namespace"].as_str().unwrap().to_string();
    let name = object["metadata"]["name"].as_str().unwrap().to_string();
    let status = object.as_object_mut().unwrap().remove("status");
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), &namespace, &ar);
    let body: DynamicObject = serde_json::from_value(object).unwrap();
    api.create(&PostParams::default(), &body).await.expect("create");
    if let Some(status) = status {
        api.patch_status(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": status })),
        )
        .await
        .expect("status");
    }
}

fn ready(message: &str) -> Value {
    json!([{
        "type": "Ready", "status": "True", "reason": "ReconciliationSucceeded",
        "message": message, "lastTransitionTime": "2026-01-02T03:04:05Z"
    }])
}

fn kustomization(name: &str, path: &str, inventory: &[&str]) -> Value {
    json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "flux-system"},
        "spec": {
            "interval": "10m", "path": path, "prune": true,
            "sourceRef": {"kind": "GitRepository", "name": "flux-system"}
        },
        "status": {
            "inventory": {"entries": inventory.iter().map(|id| json!({"id": id, "v": "v1"})).collect::<Vec<_>>()},
            "lastAppliedRevision": "main@sha1:0123456789abcdef0123456789abcdef01234567",
            "conditions": ready("Applied revision: main@sha1:0123456789abcdef0123456789abcdef01234567")
        }
    })
}

/// flux-system (→ apps, a Namespace, its GitRepository) and apps (→ a Deployment, a Service).
async fn seed(client: &kube::Client) {
    create(
        client,
        "gitrepositories",
        json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": {"name": "flux-system", "namespace": "flux-system"},
            "spec": {"interval": "1m", "url": "https://example.com/org/fleet.git", "ref": {"branch": "main"}},
            "status": {
                "artifact": {
                    "digest": "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
                    "lastUpdateTime": "2026-01-02T03:00:00Z",
                    "path": "gitrepository/flux-system/flux-system/0123.tar.gz",
                    "revision": "main@sha1:0123456789abcdef0123456789abcdef01234567",
                    "url": "http://source-controller/gitrepository/flux-system/flux-system/0123.tar.gz"
                },
                "conditions": ready("stored artifact for revision 'main@sha1:0123456789abcdef0123456789abcdef01234567'")
            }
        }),
    )
    .await;
    create(
        client,
        "kustomizations",
        kustomization(
            "flux-system",
            "./clusters/dev",
            &[
                "flux-system_apps_kustomize.toolkit.fluxcd.io_Kustomization",
                "_default__Namespace",
                "flux-system_flux-system_kustomize.toolkit.fluxcd.io_Kustomization",
                "flux-system_flux-system_source.toolkit.fluxcd.io_GitRepository",
            ],
        ),
    )
    .await;
    create(
        client,
        "kustomizations",
        kustomization(
            "apps",
            "./apps/dev",
            &["default_app_apps_Deployment", "default_app__Service"],
        ),
    )
    .await;
}

#[tokio::test]
async fn tree_prints_the_inventory_recursively() {
    let (_dir, server) = installed();
    let client = server.client().await;
    seed(&client).await;

    let run = server.rflux(&["tree", "kustomization", "flux-system"]);
    ok(&run);
    assert_eq!(
        run.stdout,
        "Kustomization/flux-system/flux-system\n\
         ├── Kustomization/flux-system/apps\n\
         │   ├── Deployment/default/app\n\
         │   └── Service/default/app\n\
         ├── Namespace/default\n\
         └── GitRepository/flux-system/flux-system\n\n"
    );

    let run = server.rflux(&["tree", "ks", "flux-system", "--compact"]);
    ok(&run);
    assert_eq!(
        run.stdout,
        "Kustomization/flux-system/flux-system\n\
         ├── Kustomization/flux-system/apps\n\
         └── GitRepository/flux-system/flux-system\n\n"
    );

    let run = server.rflux(&["tree", "ks", "apps", "-o", "json"]);
    ok(&run);
    let tree: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(tree["resource"]["Name"], "apps");
    assert_eq!(tree["resources"][0]["resource"]["GroupKind"]["Kind"], "Deployment");
    assert_eq!(tree["resources"][1]["resource"]["Namespace"], "default");

    let run = server.rflux(&["tree", "ks", "missing"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("✗ Kustomization flux-system/missing not found"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn trace_finds_the_kustomization_and_its_source() {
    let (_dir, server) = installed();
    let client = server.client().await;
    seed(&client).await;
    let configmaps: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), "default", &resource("v1", "ConfigMap", "configmaps"));
    let labelled: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "app-config", "namespace": "default", "labels": {
            "kustomize.toolkit.fluxcd.io/name": "apps",
            "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}},
        "data": {"a": "1"}
    }))
    .unwrap();
    let created = configmaps.create(&PostParams::default(), &labelled).await.unwrap();
    let owned: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "derived", "namespace": "default", "ownerReferences": [{
            "apiVersion": "v1", "kind": "ConfigMap", "name": "app-config",
            "uid": created.metadata.uid.clone().unwrap(), "controller": true}]}
    }))
    .unwrap();
    configmaps.create(&PostParams::default(), &owned).await.unwrap();
    let stray: DynamicObject =
        serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "stray"}}))
            .unwrap();
    configmaps.create(&PostParams::default(), &stray).await.unwrap();

    let expected = "\n\
Object:          ConfigMap/app-config\n\
Namespace:       default\n\
Status:          Managed by Flux\n\
---\n\
Kustomization:   apps\n\
Namespace:       flux-system\n\
Path:            ./apps/dev\n\
Revision:        main@sha1:0123456789abcdef0123456789abcdef01234567\n\
Status:          Last reconciled at 2026-01-02 03:04:05 +0000 UTC\n\
Message:         Applied revision: main@sha1:0123456789abcdef0123456789abcdef01234567\n\
---\n\
GitRepository:   flux-system\n\
Namespace:       flux-system\n\
URL:             https://example.com/org/fleet.git\n\
Branch:          main\n\
Revision:        main@sha1:0123456789abcdef0123456789abcdef01234567\n\
Status:          Last reconciled at 2026-01-02 03:04:05 +0000 UTC\n\
Message:         stored artifact for revision 'main@sha1:0123456789abcdef0123456789abcdef01234567'\n";

    let run = server.rflux(&[
        "trace",
        "app-config",
        "--kind",
        "ConfigMap",
        "--api-version",
        "v1",
        "-n",
        "default",
    ]);
    ok(&run);
    assert_eq!(run.stdout, expected);

    let run = server.rflux(&["trace", "configmap/app-config", "-n", "default"]);
    ok(&run);
    assert_eq!(run.stdout, expected);

    // Found through the ownerReference.
    let run = server.rflux(&["trace", "cm", "derived", "-n", "default"]);
    ok(&run);
    assert!(
        run.stdout.starts_with("\nObject:          ConfigMap/derived\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Kustomization:   apps\n"), "{}", run.stdout);

    let run = server.rflux(&[
        "trace",
        "stray",
        "--kind",
        "ConfigMap",
        "--api-version",
        "v1",
        "-n",
        "default",
    ]);
    assert!(
        run.stderr
            .contains("failed to trace ConfigMap/stray in namespace default: object not managed by Flux"),
        "{}",
        run.stderr
    );

    let run = server.rflux(&[
        "trace",
        "nope",
        "--kind",
        "ConfigMap",
        "--api-version",
        "v1",
        "-n",
        "default",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("failed to find object"), "{}", run.stderr);

    let run = server.rflux(&["trace", "app-config", "--kind", "ConfigMap", "-n", "default"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("--api-version"), "{}", run.stderr);
}

#[tokio::test]
async fn trace_finds_the_helm_release_its_chart_and_repository() {
    let (_dir, server) = installed();
    let client = server.client().await;
    let artifact = |revision: &str| {
        json!({
            "digest": "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
            "lastUpdateTime": "2026-01-02T03:00:00Z",
            "path": "x.tgz", "revision": revision, "url": "http://source-controller/x.tgz"
        })
    };
    create(
        &client,
        "helmrepositories",
        json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmRepository",
            "metadata": {"name": "charts", "namespace": "flux-system"},
            "spec": {"interval": "1h", "url": "https://charts.example.com"},
            "status": {"artifact": artifact("sha256:abc123"), "conditions": ready("stored artifact: revision 'sha256:abc123'")}
        }),
    )
    .await;
    create(
        &client,
        "helmcharts",
        json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmChart",
            "metadata": {"name": "flux-system-web", "namespace": "flux-system"},
            "spec": {"interval": "1h", "chart": "web", "version": "1.x",
                     "sourceRef": {"kind": "HelmRepository", "name": "charts"}},
            "status": {"artifact": artifact("1.2.3"), "conditions": ready("pulled 'web' chart with version '1.2.3'")}
        }),
    )
    .await;
    create(
        &client,
        "helmreleases",
        json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "web", "namespace": "flux-system"},
            "spec": {"interval": "10m", "targetNamespace": "default",
                     "chart": {"spec": {"chart": "web", "version": "1.x",
                                        "sourceRef": {"kind": "HelmRepository", "name": "charts"}}}},
            "status": {
                "helmChart": "flux-system/flux-system-web",
                "history": [{"chartName": "web", "chartVersion": "1.2.3", "configDigest": "sha256:c0ffee",
                             "digest": "sha256:beef", "firstDeployed": "2026-01-02T03:00:00Z",
                             "lastDeployed": "2026-01-02T03:00:00Z", "name": "default-web",
                             "namespace": "default", "status": "deployed", "version": 1}],
                "conditions": ready("Helm install succeeded for release default/default-web.v1 with chart web@1.2.3")
            }
        }),
    )
    .await;
    let configmaps: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), "default", &resource("v1", "ConfigMap", "configmaps"));
    let rendered: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "web", "namespace": "default", "labels": {
            "helm.toolkit.fluxcd.io/name": "web",
            "helm.toolkit.fluxcd.io/namespace": "flux-system"}}
    }))
    .unwrap();
    configmaps.create(&PostParams::default(), &rendered).await.unwrap();

    let run = server.rflux(&[
        "trace",
        "web",
        "--kind",
        "ConfigMap",
        "--api-version",
        "v1",
        "-n",
        "default",
    ]);
    ok(&run);
    assert_eq!(
        run.stdout,
        "\n\
Object:         ConfigMap/web\n\
Namespace:      default\n\
Status:         Managed by Flux\n\
---\n\
HelmRelease:    web\n\
Namespace:      flux-system\n\
Target:         default\n\
Revision:       1.2.3\n\
Status:         Last reconciled at 2026-01-02 03:04:05 +0000 UTC\n\
Message:        Helm install succeeded for release default/default-web.v1 with chart web@1.2.3\n\
---\n\
HelmChart:      flux-system-web\n\
Namespace:      flux-system\n\
Chart:          web\n\
Version:        1.x\n\
Revision:       1.2.3\n\
Status:         Last reconciled at 2026-01-02 03:04:05 +0000 UTC\n\
Message:        pulled 'web' chart with version '1.2.3'\n\
---\n\
HelmRepository: charts\n\
Namespace:      flux-system\n\
URL:            https://charts.example.com\n\
Revision:       sha256:abc123\n\
Status:         Last reconciled at 2026-01-02 03:04:05 +0000 UTC\n\
Message:        stored artifact: revision 'sha256:abc123'\n"
    );
}
