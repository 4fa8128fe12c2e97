//! `rflux build kustomization` (locally with --dry-run, and against a real `rflux apiserver`
//! for substituteFrom) and `rflux diff kustomization` (server-side dry run against objects
//! applied beforehand, then changed), with Flux's output and exit codes.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod cluster;

use std::path::Path;
use std::process::{Command, Stdio};

use cluster::{ApiServerProcess, CliRun};
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::json;

fn ok(run: &CliRun) {
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Runs the binary without any cluster.
fn rflux_offline(args: &[&str]) -> CliRun {
    let out = Command::new(env!("CARGO_BIN_EXE_rflux"))
        .args(args)
        .env_remove("FLUX_SYSTEM_NAMESPACE")
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    CliRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const CONFIGMAP: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
data:
  cluster: ${cluster_name}
  region: ${region:=eu-west-1}
";

/// A Secret as sops writes it (values and MAC are ENC[…] strings).
const SOPS_SECRET: &str = "apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: default
stringData:
  password: ENC[AES256_GCM,data:c2VjcmV0,iv:aXY=,tag:dGFn,type:str]
sops:
  mac: ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]
  version: 3.9.0
";

const KS_FILE: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  commonMetadata:
    labels:
      team: blue
  postBuild:
    substitute:
      cluster_name: dev-1
    substituteFrom:
      - kind: ConfigMap
        name: cluster-vars
";

#[test]
fn build_dry_run_needs_no_cluster() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "apps/settings.yaml", CONFIGMAP);
    write(dir.path(), "apps/secret.yaml", SOPS_SECRET);
    write(dir.path(), "ks.yaml", KS_FILE);
    let path = dir.path().join("apps");
    let file = dir.path().join("ks.yaml");
    let run = rflux_offline(&[
        "build",
        "kustomization",
        "apps",
        "--path",
        path.to_str().unwrap(),
        "--kustomization-file",
        file.to_str().unwrap(),
        "--dry-run",
    ]);
    ok(&run);
    let docs: Vec<&str> = run.stdout.split("---\n").collect();
    assert_eq!(docs.len(), 3, "two documents, each followed by ---:\n{}", run.stdout);
    assert_eq!(docs[2], "");
    let settings = docs.iter().find(|d| d.contains("kind: ConfigMap")).unwrap();
    assert!(settings.contains("cluster: dev-1\n"), "{settings}");
    assert!(settings.contains("region: eu-west-1\n"), "{settings}");
    assert!(
        settings.contains("kustomize.toolkit.fluxcd.io/name: apps\n"),
        "{settings}"
    );
    assert!(
        settings.contains("kustomize.toolkit.fluxcd.io/namespace: flux-system\n"),
        "{settings}"
    );
    assert!(settings.contains("team: blue\n"), "{settings}");
    let secret = docs.iter().find(|d| d.contains("kind: Secret")).unwrap();
    assert!(
        secret.contains("password: '**SOPS**'\n"),
        "SOPS values are masked:\n{secret}"
    );
    assert!(!secret.contains("sops:") && !secret.contains("ENC["), "{secret}");

    let run = rflux_offline(&["build", "ks", "apps", "--path", path.to_str().unwrap(), "--dry-run"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("✗ kustomization file is required for dry-run"),
        "{}",
        run.stderr
    );

    let run = rflux_offline(&[
        "build",
        "ks",
        "other",
        "--path",
        path.to_str().unwrap(),
        "--kustomization-file",
        file.to_str().unwrap(),
        "--dry-run",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("failed find kustomization with name 'other'"),
        "{}",
        run.stderr
    );
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

/// A server with the CRDs, the Kustomization `apps` (inventory: `live` and `old`), the
/// ConfigMap `cluster-vars`, and the ConfigMaps `live` and `old` applied as Flux would.
async fn seeded() -> (tempfile::TempDir, ApiServerProcess) {
    let dir = tempfile::tempdir().unwrap();
    let server = ApiServerProcess::start(dir.path(), 0);
    ok(&server.rflux(&["install"]));
    let client = server.client().await;

    let mut ks: serde_json::Value = rflux_kustomize::yaml::parse_stream(KS_FILE).unwrap().remove(0);
    ks["spec"].as_object_mut().unwrap().remove("commonMetadata");
    let ks_api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "flux-system",
        &resource("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "kustomizations"),
    );
    ks_api
        .create(&PostParams::default(), &serde_json::from_value(ks).unwrap())
        .await
        .unwrap();
    let inventory = json!({"status": {"inventory": {"entries": [
        {"id": "default_live__ConfigMap", "v": "v1"},
        {"id": "default_old__ConfigMap", "v": "v1"},
    ]}}});
    ks_api
        .patch_status("apps", &PatchParams::default(), &Patch::Merge(inventory))
        .await
        .unwrap();

    let configmaps = |ns: &str| -> Api<DynamicObject> {
        Api::namespaced_with(client.clone(), ns, &resource("v1", "ConfigMap", "configmaps"))
    };
    let vars = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "cluster-vars", "namespace": "flux-system"},
        "data": {"cluster_name": "from-cluster", "region": "us-east-2"}});
    configmaps("flux-system")
        .create(&PostParams::default(), &serde_json::from_value(vars).unwrap())
        .await
        .unwrap();
    let labels =
        json!({"kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"});
    let ssa = PatchParams::apply("kustomize-controller").force();
    for (name, data) in [("live", json!({"a": "0", "b": "same"})), ("old", json!({"x": "1"}))] {
        let body = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "default", "labels": labels}, "data": data});
        configmaps("default")
            .patch(name, &ssa, &Patch::Apply(body))
            .await
            .unwrap();
    }
    (dir, server)
}

#[tokio::test]
async fn build_reads_the_kustomization_and_substitute_from_in_the_cluster() {
    let (dir, server) = seeded().await;
    write(dir.path(), "src/apps/settings.yaml", CONFIGMAP);
    let path = dir.path().join("src/apps");
    let run = server.rflux(&["build", "ks", "apps", "--path", path.to_str().unwrap()]);
    ok(&run);
    // substituteFrom first, then spec.postBuild.substitute over it.
    assert!(run.stdout.contains("cluster: dev-1\n"), "{}", run.stdout);
    assert!(run.stdout.contains("region: us-east-2\n"), "{}", run.stdout);
    assert!(run.stdout.ends_with("---\n"));

    let run = server.rflux(&["build", "ks", "absent", "--path", path.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("Kustomization flux-system/absent not found"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn diff_reports_created_drifted_and_deleted_with_flux_exit_codes() {
    let (dir, server) = seeded().await;
    write(
        dir.path(),
        "src/apps/live.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: live\n  namespace: default\ndata:\n  a: \"1\"\n  b: same\n",
    );
    write(
        dir.path(),
        "src/apps/new.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\n  namespace: default\ndata:\n  k: v\n",
    );
    let path = dir.path().join("src/apps");
    let run = server.rflux(&["diff", "kustomization", "apps", "--path", path.to_str().unwrap()]);
    assert_eq!(run.code, 1, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        "► ConfigMap/default/live drifted\n\
         \n\
         data.a\n\
         ± value change\n\
         - 0\n\
         + 1\n\
         \n\
         ► ConfigMap/default/new created\n\
         ► ConfigMap/default/old deleted\n"
    );
    assert!(
        run.stderr
            .contains("✗ identified at least one change, exiting with non-zero exit code"),
        "{}",
        run.stderr
    );
    // Nothing was written.
    let client = server.client().await;
    let configmaps: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), "default", &resource("v1", "ConfigMap", "configmaps"));
    assert!(configmaps.get_opt("new").await.unwrap().is_none());
    assert_eq!(configmaps.get("live").await.unwrap().data["data"]["a"], "0");

    // A local Kustomization without prune, and a directory matching the cluster: no diff.
    write(
        dir.path(),
        "same/live.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: live\n  namespace: default\ndata:\n  a: \"0\"\n  b: same\n",
    );
    write(
        dir.path(),
        "ks.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\nspec:\n  interval: 5m\n  prune: false\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    let same = dir.path().join("same");
    let file = dir.path().join("ks.yaml");
    let run = server.rflux(&[
        "diff",
        "ks",
        "apps",
        "--path",
        same.to_str().unwrap(),
        "--kustomization-file",
        file.to_str().unwrap(),
        "--progress-bar=false",
    ]);
    ok(&run);
    assert_eq!(run.stdout, "");

    let run = server.rflux(&["diff", "ks", "apps", "--path", "/nonexistent/dir"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("invalid resource path"), "{}", run.stderr);
}

#[tokio::test]
async fn diff_masks_secret_values_and_reports_only_the_changed_field_of_a_deployment() {
    let (dir, server) = seeded().await;
    let client = server.client().await;
    let labels =
        json!({"kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"});
    let ssa = PatchParams::apply("kustomize-controller").force();
    let secrets: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), "default", &resource("v1", "Secret", "secrets"));
    let secret = json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "default", "labels": labels},
        "data": {"password": "b2xkLXBhc3N3b3Jk", "user": "YWRtaW4="}});
    secrets.patch("creds", &ssa, &Patch::Apply(secret)).await.unwrap();
    let deployments: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "default",
        &resource("apps/v1", "Deployment", "deployments"),
    );
    let deployment = |replicas: u32| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n"
        )
    };
    let mut live: serde_json::Value = rflux_kustomize::yaml::parse_stream(&deployment(1)).unwrap().remove(0);
    live["metadata"]["labels"] = labels.clone();
    deployments.patch("web", &ssa, &Patch::Apply(live)).await.unwrap();

    write(
        dir.path(),
        "src/apps/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: default\ndata:\n  password: bmV3LXBhc3N3b3Jk\n  user: YWRtaW4=\n",
    );
    write(dir.path(), "src/apps/deployment.yaml", &deployment(3));
    write(
        dir.path(),
        "ks.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\nspec:\n  interval: 5m\n  prune: false\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    let path = dir.path().join("src/apps");
    let file = dir.path().join("ks.yaml");
    let run = server.rflux(&[
        "diff",
        "ks",
        "apps",
        "--path",
        path.to_str().unwrap(),
        "--kustomization-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("► Deployment/default/web drifted\n\nspec.replicas\n± value change\n- 1\n+ 3\n\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "► Secret/default/creds drifted\n\ndata.password\n± value change\n- *** (before)\n+ *** (after)\n\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("b2xk") && !run.stdout.contains("bmV3"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("► ").count(), 2, "{}", run.stdout);
}
