//! The Flux-shaped CLI against a real `rflux apiserver` process: install, get tables, export
//! round trips through `kubectl apply --server-side`, suspend/resume, reconcile against a fake
//! controller task (and without one), and bad input.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod cluster;

use std::time::Duration;

use cluster::{ApiServerProcess, CliRun};
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams};
use serde_json::json;

/// Flux manifests in the openCenter layout's shape (written for these tests).
const MANIFESTS: &str = r#"
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  secretRef:
    name: flux-system
  url: ssh://git@github.com/example-org/cluster-config.git
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infrastructure
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./infrastructure/overlays/dev
  prune: true
  wait: true
  timeout: 5m
  sourceRef:
    kind: GitRepository
    name: flux-system
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m0s
  dependsOn:
    - name: infrastructure
  path: ./applications/overlays/dev
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  postBuild:
    substitute:
      cluster_name: dev-1
    substituteFrom:
      - kind: ConfigMap
        name: cluster-vars
  decryption:
    provider: sops
    secretRef:
      name: sops-age
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: jetstack
  namespace: flux-system
spec:
  interval: 1h
  url: https://charts.jetstack.io
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: cert-manager
  namespace: flux-system
spec:
  interval: 30m
  releaseName: cert-manager
  targetNamespace: cert-manager
  install:
    createNamespace: true
    crds: CreateReplace
    remediation:
      retries: 3
  upgrade:
    remediation:
      retries: 3
      remediateLastFailure: true
  chart:
    spec:
      chart: cert-manager
      version: "v1.14.x"
      sourceRef:
        kind: HelmRepository
        name: jetstack
  values:
    installCRDs: true
    replicaCount: 2
    prometheus:
      enabled: false
  valuesFrom:
    - kind: Secret
      name: cert-manager-values
      valuesKey: values.yaml
      optional: true
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 5m
  url: oci://ghcr.io/stefanprodan/manifests/podinfo
  ref:
    tag: latest
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmChart
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 5m
  chart: podinfo
  sourceRef:
    kind: HelmRepository
    name: jetstack
"#;

fn ok(run: &CliRun) {
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
}

fn failed_with(run: &CliRun, needle: &str) {
    assert_eq!(run.code, 1, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with('✗')).collect();
    assert_eq!(lines.len(), 1, "one failure line expected:\n{}", run.stderr);
    assert!(lines[0].contains(needle), "{:?} does not mention {needle:?}", lines[0]);
}

/// A server with rflux installed and the manifests applied.
fn installed() -> (tempfile::TempDir, ApiServerProcess) {
    let dir = tempfile::tempdir().unwrap();
    let server = ApiServerProcess::start(dir.path(), 0);
    let run = server.rflux(&["install"]);
    ok(&run);
    assert!(run.stderr.contains("install finished"), "{}", run.stderr);
    let (applied, out, err) = server.run(&["apply", "--server-side", "-f", "-"], Some(MANIFESTS));
    assert!(applied, "{out}{err}");
    (dir, server)
}

fn jsonpath(server: &ApiServerProcess, kind: &str, name: &str, path: &str) -> String {
    let (okk, out, err) = server.run(
        &[
            "get",
            kind,
            name,
            "-n",
            "flux-system",
            "-o",
            &format!("jsonpath={path}"),
        ],
        None,
    );
    assert!(okk, "{err}");
    out
}

#[test]
fn install_get_export_suspend_resume() {
    let (_dir, server) = installed();

    let export = server.rflux(&["install", "--export"]);
    ok(&export);
    for kind in [
        "CustomResourceDefinition",
        "Namespace",
        "ServiceAccount",
        "ClusterRole",
        "Deployment",
        "Service",
    ] {
        assert!(
            export.stdout.contains(&format!("kind: {kind}")),
            "{kind} missing from install --export"
        );
    }
    assert!(export.stdout.contains("- controller"));

    let check = server.rflux(&["check", "--pre"]);
    ok(&check);

    // Tables with flux's columns and wording.
    let git = server.rflux(&["get", "sources", "git"]);
    ok(&git);
    let lines: Vec<&str> = git.stdout.lines().collect();
    assert_eq!(lines[0], "NAME       \tREVISION\tSUSPENDED\tREADY\tMESSAGE");
    assert_eq!(
        lines[1],
        "flux-system\t        \tFalse    \tFalse\twaiting to be reconciled"
    );
    let ks = server.rflux(&["get", "ks"]);
    ok(&ks);
    assert_eq!(ks.stdout.lines().count(), 3, "{}", ks.stdout);
    assert!(ks.stdout.contains("apps") && ks.stdout.contains("infrastructure"));
    let hr = server.rflux(&["get", "helmreleases", "-A"]);
    ok(&hr);
    assert!(
        hr.stdout.starts_with("NAMESPACE  \tNAME        \tREVISION"),
        "{}",
        hr.stdout
    );
    let all = server.rflux(&["get", "all"]);
    ok(&all);
    for row in [
        "gitrepository/flux-system",
        "helmrepository/jetstack",
        "ocirepository/podinfo",
        "helmchart/podinfo",
        "kustomization/apps",
        "helmrelease/cert-manager",
    ] {
        assert!(all.stdout.contains(row), "{row} missing from get all:\n{}", all.stdout);
    }
    let none = server.rflux(&["get", "ks", "--status-selector", "ready=true"]);
    ok(&none);
    assert!(
        none.stdout.is_empty() && none.stderr.contains("no Kustomization objects found"),
        "{}",
        none.stderr
    );
    let not_ready = server.rflux(&["get", "ks", "--status-selector", "ready=false", "--no-header"]);
    ok(&not_ready);
    assert_eq!(not_ready.stdout.lines().count(), 2);
    let empty_ns = server.rflux(&["get", "sources", "oci", "-n", "default"]);
    ok(&empty_ns);
    assert!(
        empty_ns
            .stderr
            .contains("no OCIRepository objects found in \"default\" namespace")
    );

    // -w prints the current rows, then a row for each change, and ends at --timeout.
    let watch = {
        let kubeconfig = server.kubeconfig.clone();
        std::thread::spawn(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_rflux"))
                .args(["get", "ks", "infrastructure", "-w", "--timeout", "4s", "--kubeconfig"])
                .arg(kubeconfig)
                .output()
                .unwrap()
        })
    };
    std::thread::sleep(Duration::from_millis(1500));
    ok(&server.rflux(&["suspend", "ks", "infrastructure"]));
    let watched = watch.join().unwrap();
    let watched = String::from_utf8_lossy(&watched.stdout).into_owned();
    let lines: Vec<&str> = watched.lines().collect();
    assert!(lines[0].starts_with("NAME"), "{watched}");
    assert!(
        lines[1].starts_with("infrastructure\t") && lines[1].contains("\tFalse"),
        "{watched}"
    );
    assert!(
        lines.iter().skip(2).any(|l| l.contains("\tTrue ")),
        "no row after suspend:\n{watched}"
    );
    ok(&server.rflux(&["resume", "ks", "infrastructure", "--wait=false"]));

    // install again: server-side apply is idempotent.
    ok(&server.rflux(&["install"]));

    // events, filtered by object.
    let events = "apiVersion: v1\nkind: Event\nmetadata:\n  name: apps.1\n  namespace: flux-system\ninvolvedObject:\n  apiVersion: kustomize.toolkit.fluxcd.io/v1\n  kind: Kustomization\n  name: apps\n  namespace: flux-system\nreason: ReconciliationSucceeded\nmessage: Reconciliation finished in 1s\ntype: Normal\nlastTimestamp: \"2025-01-01T00:00:00Z\"\n---\napiVersion: v1\nkind: Event\nmetadata:\n  name: other.1\n  namespace: flux-system\ninvolvedObject:\n  kind: GitRepository\n  name: flux-system\nreason: NewArtifact\nmessage: stored artifact\ntype: Normal\n";
    let (created, out, err) = server.run(&["create", "-f", "-"], Some(events));
    assert!(created, "{out}{err}");
    let listed = server.rflux(&["events", "--for", "Kustomization/apps"]);
    ok(&listed);
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", listed.stdout);
    assert!(lines[0].starts_with("LAST SEEN\tTYPE  \tREASON"), "{}", listed.stdout);
    assert!(
        lines[1].contains("Normal\tReconciliationSucceeded\tKustomization/apps\tReconciliation finished in 1s"),
        "{}",
        listed.stdout
    );
    let all_events = server.rflux(&["events"]);
    ok(&all_events);
    assert!(all_events.stdout.contains("GitRepository/flux-system"));

    // export round-trips through kubectl apply --server-side.
    let exported = server.rflux(&["export", "hr", "cert-manager"]);
    ok(&exported);
    assert!(
        exported
            .stdout
            .starts_with("---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"),
        "{}",
        exported.stdout
    );
    assert!(
        !exported.stdout.contains("status:")
            && !exported.stdout.contains("resourceVersion")
            && !exported.stdout.contains("managedFields")
    );
    assert!(exported.stdout.contains("installCRDs: true"));
    let (deleted, _, err) = server.run(&["delete", "helmrelease", "cert-manager", "-n", "flux-system"], None);
    assert!(deleted, "{err}");
    let (applied, out, err) = server.run(&["apply", "--server-side", "-f", "-"], Some(&exported.stdout));
    assert!(applied, "{out}{err}");
    let again = server.rflux(&["export", "hr", "cert-manager"]);
    ok(&again);
    let docs = |text: &str| serde_saphyr::from_multiple::<serde_json::Value>(text).unwrap();
    assert_eq!(docs(&again.stdout), docs(&exported.stdout));
    let all_sources = server.rflux(&["export", "source", "git", "--all"]);
    ok(&all_sources);
    assert_eq!(all_sources.stdout.matches("---\n").count(), 1);
    let (applied, out, err) = server.run(&["apply", "--server-side", "-f", "-"], Some(&all_sources.stdout));
    assert!(applied, "{out}{err}");

    // suspend / resume flip spec.suspend.
    ok(&server.rflux(&["suspend", "ks", "apps"]));
    assert_eq!(jsonpath(&server, "kustomization", "apps", "{.spec.suspend}"), "true");
    let suspended = server.rflux(&["get", "ks", "apps"]);
    assert!(
        suspended.stdout.lines().nth(1).unwrap().contains("\tTrue "),
        "{}",
        suspended.stdout
    );
    let refused = server.rflux(&["reconcile", "ks", "apps"]);
    failed_with(&refused, "Kustomization flux-system/apps is suspended");
    let resumed = server.rflux(&["resume", "ks", "apps", "--wait=false"]);
    ok(&resumed);
    assert!(resumed.stderr.contains("resumed"));
    assert_eq!(jsonpath(&server, "kustomization", "apps", "{.spec.suspend}"), "false");
    ok(&server.rflux(&["suspend", "source", "git", "--all"]));
    assert_eq!(
        jsonpath(&server, "gitrepository", "flux-system", "{.spec.suspend}"),
        "true"
    );

    let version = server.rflux(&["version"]);
    ok(&version);
    assert!(version.stdout.starts_with("rflux: v"), "{}", version.stdout);
    assert!(version.stdout.contains("rflux-controller: v"), "{}", version.stdout);

    // uninstall removes the CRDs (and the objects with them).
    let uninstall = server.rflux(&["uninstall", "--silent"]);
    ok(&uninstall);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while server
        .run(&["get", "crd", "kustomizations.kustomize.toolkit.fluxcd.io"], None)
        .0
    {
        assert!(std::time::Instant::now() < deadline, "CRD not deleted");
        std::thread::sleep(Duration::from_millis(200));
    }
    let check = server.rflux(&["check"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert!(check.stderr.ends_with("✗ check failed\n"), "{}", check.stderr);
    assert!(
        check
            .stderr
            .contains("✗ kustomizations.kustomize.toolkit.fluxcd.io: not installed"),
        "{}",
        check.stderr
    );
}

#[test]
fn bad_input_is_one_line_and_exit_1() {
    {
        let dir = tempfile::tempdir().unwrap();
        let bare = ApiServerProcess::start(dir.path(), 0);
        failed_with(
            &bare.rflux(&["get", "ks"]),
            "not installed in the cluster; run `rflux install`",
        );
    }
    let (_dir, server) = installed();
    failed_with(&server.rflux(&["get", "widgets"]), "\"widgets\"");
    failed_with(&server.rflux(&["get", "sources", "svn"]), "\"svn\"");
    failed_with(
        &server.rflux(&["reconcile", "ks", "nope"]),
        "Kustomization flux-system/nope not found",
    );
    failed_with(
        &server.rflux(&["reconcile", "source", "git", "nope"]),
        "GitRepository flux-system/nope not found",
    );
    failed_with(
        &server.rflux(&["export", "hr", "nope"]),
        "HelmRelease flux-system/nope not found",
    );
    failed_with(&server.rflux(&["suspend", "hr"]), "missing name");
    failed_with(&server.rflux(&["get", "ks", "--timeout", "10x"]), "--timeout");
    failed_with(&server.rflux(&["frobnicate"]), "frobnicate");
    failed_with(
        &server.rflux(&["reconcile", "ks", "apps", "--force"]),
        "helmreleases only",
    );

    // The API server rejects invalid intervals and unknown enum values, naming the field.
    let bad_interval = MANIFESTS
        .split("---")
        .next()
        .unwrap()
        .replace("interval: 1m0s", "interval: 1 minute")
        .replace("name: flux-system\n  namespace", "name: bad-interval\n  namespace");
    let (applied, _, err) = server.run(&["apply", "--server-side", "-f", "-"], Some(&bad_interval));
    assert!(!applied);
    assert!(err.contains("spec.interval"), "{err}");
    let bad_enum = MANIFESTS
        .split("---")
        .nth(3)
        .unwrap()
        .replace("interval: 1h", "interval: 1h\n  provider: dropbox");
    let (applied, _, err) = server.run(&["apply", "--server-side", "-f", "-"], Some(&bad_enum));
    assert!(!applied);
    assert!(err.contains("spec.provider") && err.contains("dropbox"), "{err}");
}

fn resource(kind: &str) -> ApiResource {
    let (group, version, plural) = match kind {
        "GitRepository" => ("source.toolkit.fluxcd.io", "v1", "gitrepositories"),
        "HelmChart" => ("source.toolkit.fluxcd.io", "v1", "helmcharts"),
        "HelmRepository" => ("source.toolkit.fluxcd.io", "v1", "helmrepositories"),
        "Kustomization" => ("kustomize.toolkit.fluxcd.io", "v1", "kustomizations"),
        "HelmRelease" => ("helm.toolkit.fluxcd.io", "v2", "helmreleases"),
        other => panic!("{other}"),
    };
    ApiResource::from_gvk_with_plural(&kube::api::GroupVersionKind::gvk(group, version, kind), plural)
}

/// Answers reconcile requests like a controller would: objects named `broken` fail.
async fn fake_controller(client: kube::Client) {
    let kinds = [
        "GitRepository",
        "HelmRepository",
        "HelmChart",
        "Kustomization",
        "HelmRelease",
    ];
    loop {
        for kind in kinds {
            let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "flux-system", &resource(kind));
            let Ok(list) = api.list(&Default::default()).await else {
                continue;
            };
            for obj in list.items {
                let name = obj.metadata.name.clone().unwrap();
                let Some(token) = obj
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get("reconcile.fluxcd.io/requestedAt"))
                    .cloned()
                else {
                    continue;
                };
                let handled = obj
                    .data
                    .pointer("/status/lastHandledReconcileAt")
                    .and_then(|v| v.as_str());
                if handled == Some(token.as_str()) {
                    continue;
                }
                let (status, reason, message) = if name == "broken" {
                    ("False", "BuildFailed", "kustomize build failed: missing resource")
                } else {
                    (
                        "True",
                        "Succeeded",
                        "stored artifact for revision 'main@sha1:0123456789abcdef'",
                    )
                };
                let mut new_status = json!({
                    "observedGeneration": obj.metadata.generation,
                    "lastHandledReconcileAt": token,
                    "conditions": [{
                        "type": "Ready", "status": status, "reason": reason, "message": message,
                        "lastTransitionTime": "2025-01-01T00:00:00Z",
                        "observedGeneration": obj.metadata.generation,
                    }],
                });
                if kind == "Kustomization" {
                    new_status["lastAppliedRevision"] = json!("main@sha1:0123456789abcdef");
                } else if kind != "HelmRelease" {
                    new_status["artifact"] = json!({
                        "digest": "sha256:abc", "lastUpdateTime": "2025-01-01T00:00:00Z",
                        "path": "x.tar.gz", "revision": "main@sha1:0123456789abcdef", "url": "http://x/x.tar.gz"
                    });
                }
                let _ = api
                    .patch_status(
                        &name,
                        &PatchParams::default(),
                        &Patch::Merge(&json!({ "status": new_status })),
                    )
                    .await;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_answered_by_a_fake_controller() {
    let (_dir, server) = installed();
    let broken = MANIFESTS
        .split("---")
        .nth(2)
        .unwrap()
        .replace("name: apps", "name: broken");
    assert!(server.run(&["apply", "--server-side", "-f", "-"], Some(&broken)).0);
    let client = server.client().await;
    let controller = tokio::spawn(fake_controller(client));
    let server = std::sync::Arc::new(server);
    let run = |args: &'static [&'static str]| {
        let server = server.clone();
        tokio::task::spawn_blocking(move || server.rflux(args))
    };

    let git = run(&["reconcile", "source", "git", "flux-system"]).await.unwrap();
    ok(&git);
    for line in [
        "► annotating GitRepository flux-system in flux-system namespace",
        "✔ GitRepository annotated",
        "◎ waiting for GitRepository reconciliation",
        "✔ fetched revision main@sha1:0123456789abcdef",
    ] {
        assert!(git.stderr.contains(line), "{line:?} missing:\n{}", git.stderr);
    }
    let ks = run(&["reconcile", "kustomization", "apps", "--with-source"])
        .await
        .unwrap();
    ok(&ks);
    assert!(
        ks.stderr.contains("annotating GitRepository flux-system")
            && ks.stderr.contains("✔ applied revision main@sha1:"),
        "{}",
        ks.stderr
    );

    let hr = run(&["reconcile", "hr", "cert-manager", "--force"]).await.unwrap();
    assert!(
        hr.stderr.contains("annotating HelmRelease cert-manager"),
        "{}",
        hr.stderr
    );
    ok(&hr);
    let requested = jsonpath(
        &server,
        "helmrelease",
        "cert-manager",
        "{.metadata.annotations.reconcile\\.fluxcd\\.io/requestedAt}",
    );
    let forced = jsonpath(
        &server,
        "helmrelease",
        "cert-manager",
        "{.metadata.annotations.reconcile\\.fluxcd\\.io/forceAt}",
    );
    assert!(!requested.is_empty());
    assert_eq!(requested, forced);

    let reset = run(&["reconcile", "hr", "cert-manager", "--reset"]).await.unwrap();
    ok(&reset);
    let requested = jsonpath(
        &server,
        "helmrelease",
        "cert-manager",
        "{.metadata.annotations.reconcile\\.fluxcd\\.io/requestedAt}",
    );
    let reset_at = jsonpath(
        &server,
        "helmrelease",
        "cert-manager",
        "{.metadata.annotations.reconcile\\.fluxcd\\.io/resetAt}",
    );
    assert_eq!(requested, reset_at);

    let chart = run(&["reconcile", "source", "chart", "podinfo"]).await.unwrap();
    ok(&chart);
    assert!(
        chart.stderr.contains("✔ HelmChart reconciliation completed"),
        "{}",
        chart.stderr
    );

    let failed = run(&["reconcile", "ks", "broken"]).await.unwrap();
    failed_with(&failed, "kustomize build failed: missing resource");

    let resumed = run(&["resume", "source", "helm", "jetstack"]).await.unwrap();
    ok(&resumed);
    assert!(
        resumed.stderr.contains("HelmRepository reconciliation completed"),
        "{}",
        resumed.stderr
    );

    let listed = run(&["get", "sources", "git"]).await.unwrap();
    ok(&listed);
    assert!(
        listed
            .stdout
            .contains("flux-system\tmain@sha1:0123456789abcdef\tFalse    \tTrue \tstored artifact"),
        "{}",
        listed.stdout
    );
    controller.abort();
}

#[test]
fn reconcile_without_a_controller_says_so_and_times_out_when_one_is_silent() {
    let (_dir, server) = installed();
    // Nothing answers and nothing runs (the simulated Deployment removed): a clear line after
    // the grace period.
    let (deleted, _, err) = server.run(&["delete", "deployment", "rflux-controller", "-n", "flux-system"], None);
    assert!(deleted, "{err}");
    let run = server.rflux_env(
        &["reconcile", "ks", "apps", "--timeout", "1m"],
        &[("RFLUX_CONTROLLER_GRACE", "1s")],
    );
    failed_with(&run, "no rflux controller is running");

    // A controller holds its Lease but never answers: the timeout path.
    let renew = rflux_api::time::now_rfc3339().replace('Z', ".000000Z");
    let lease = format!(
        "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: rflux-controller\n  namespace: flux-system\nspec:\n  holderIdentity: test\n  leaseDurationSeconds: 60\n  renewTime: \"{renew}\"\n"
    );
    let (applied, out, err) = server.run(&["apply", "--server-side", "-f", "-"], Some(&lease));
    assert!(applied, "{out}{err}");
    let run = server.rflux_env(
        &["reconcile", "ks", "apps", "--timeout", "2s"],
        &[("RFLUX_CONTROLLER_GRACE", "1s")],
    );
    failed_with(
        &run,
        "timeout waiting for Kustomization flux-system/apps reconciliation after 2s",
    );
}
