//! Release actions against the embedded API server (workload simulation on): install,
//! upgrade, rollback, uninstall with and without history, hooks in weight order with their
//! delete policies, CRDs first, waits, recovery of a pending release, and failures that
//! leave a failed release with a clear error.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use kube::api::{Api, ApiResource, DynamicObject, ListParams, PostParams};
use rflux_helm::action::{
    Actions, ApplyMethod, InstallOptions, RollbackOptions, Settings, UninstallOptions, UpgradeOptions,
};
use rflux_helm::{Chart, Values, parse_set, status};
use serde_json::Value;

struct Env {
    _dir: tempfile::TempDir,
    server: rflux_apiserver::Server,
    client: kube::Client,
}

async fn start() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let server = rflux_apiserver::start(rflux_apiserver::ServerConfig::new(dir.path()))
        .await
        .expect("server starts");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let kubeconfig = kube::config::Kubeconfig::read_from(&server.kubeconfig).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    let client = kube::Client::try_from(config).unwrap();
    Env {
        _dir: dir,
        server,
        client,
    }
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A chart with a ConfigMap, a Deployment and an optional second ConfigMap.
fn app_chart(dir: &Path) -> PathBuf {
    let c = dir.join("app");
    write(&c, "Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\n");
    write(&c, "values.yaml", "greeting: hello\nextra: true\nreplicas: 1\n");
    write(
        &c,
        "templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  revision: {{ .Release.Revision | quote }}\n",
    );
    write(
        &c,
        "templates/extra.yaml",
        "{{- if .Values.extra }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\ndata: {a: b}\n{{- end }}\n",
    );
    write(
        &c,
        "templates/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: {{ .Release.Name }}}\n  template:\n    metadata:\n      labels: {app: {{ .Release.Name }}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
    );
    write(&c, "templates/NOTES.txt", "Installed {{ .Release.Name }}.\n");
    c
}

fn resource(kind: &str) -> ApiResource {
    let (group, version, plural) = match kind {
        "ConfigMap" => ("", "v1", "configmaps"),
        "Secret" => ("", "v1", "secrets"),
        "Deployment" => ("apps", "v1", "deployments"),
        "Job" => ("batch", "v1", "jobs"),
        other => panic!("kind {other}"),
    };
    ApiResource {
        group: group.into(),
        version: version.into(),
        api_version: if group.is_empty() {
            version.into()
        } else {
            format!("{group}/{version}")
        },
        kind: kind.into(),
        plural: plural.into(),
    }
}

async fn get(client: &kube::Client, kind: &str, ns: &str, name: &str) -> Option<Value> {
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &resource(kind));
    api.get_opt(name)
        .await
        .unwrap()
        .map(|o| serde_json::to_value(o).unwrap())
}

/// The release Secrets: (name, status label, type).
async fn secrets(client: &kube::Client, ns: &str, name: &str) -> Vec<(String, String, String)> {
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &resource("Secret"));
    let lp = ListParams::default().labels(&format!("owner=helm,name={name}"));
    let mut out: Vec<(String, String, String)> = api
        .list(&lp)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| {
            let v = serde_json::to_value(s).unwrap();
            (
                v["metadata"]["name"].as_str().unwrap_or_default().to_string(),
                v["metadata"]["labels"]["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                v["type"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn vals(expr: &str) -> Values {
    let mut v = Values::new();
    parse_set(expr, &mut v).unwrap();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_upgrade_rollback_uninstall_with_history() {
    let env = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let chart = Chart::load(app_chart(tmp.path())).unwrap();
    let actions = Actions::new(env.client.clone(), Settings::default());
    let c = &env.client;

    let mut opts = InstallOptions::new("web", "default");
    opts.values = vals("greeting=hi");
    opts.wait = true;
    let rel = actions.install(&chart, &opts).await.unwrap();
    assert_eq!((rel.version, rel.info.status.as_str()), (1, status::DEPLOYED));
    assert_eq!(rel.info.description, "Install complete");
    assert_eq!(rel.info.notes, "Installed web.\n");
    assert_eq!(rel.apply_method, "ssa");
    let cm = get(c, "ConfigMap", "default", "web-cfg").await.unwrap();
    assert_eq!(cm["data"]["greeting"], "hi");
    assert_eq!(cm["metadata"]["labels"]["app.kubernetes.io/managed-by"], "Helm");
    assert_eq!(cm["metadata"]["annotations"]["meta.helm.sh/release-name"], "web");
    assert_eq!(
        cm["metadata"]["annotations"]["meta.helm.sh/release-namespace"],
        "default"
    );
    assert!(
        cm["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["manager"] == "helm")
    );
    assert!(get(c, "ConfigMap", "default", "web-extra").await.is_some());
    let d = get(c, "Deployment", "default", "web").await.unwrap();
    assert_eq!(d["status"]["availableReplicas"], 1);
    assert_eq!(
        secrets(c, "default", "web").await,
        [(
            "sh.helm.release.v1.web.v1".into(),
            "deployed".into(),
            "helm.sh/release.v1".into()
        )]
    );

    // A second install of the same name is refused.
    let again = actions.install(&chart, &opts).await.unwrap_err().to_string();
    assert_eq!(again, "cannot re-use a name that is still in use");

    let mut up = UpgradeOptions::new("web", "default");
    up.values = vals("greeting=bonjour,extra=false");
    let rel = actions.upgrade(&chart, &up).await.unwrap();
    assert_eq!((rel.version, rel.info.status.as_str()), (2, status::DEPLOYED));
    assert_eq!(rel.info.description, "Upgrade complete");
    let cm = get(c, "ConfigMap", "default", "web-cfg").await.unwrap();
    assert_eq!(cm["data"]["greeting"], "bonjour");
    assert_eq!(cm["data"]["revision"], "2");
    assert!(
        get(c, "ConfigMap", "default", "web-extra").await.is_none(),
        "removed template's object deleted"
    );
    let labels: Vec<(String, String)> = secrets(c, "default", "web")
        .await
        .into_iter()
        .map(|(n, s, _)| (n, s))
        .collect();
    assert_eq!(
        labels,
        [
            ("sh.helm.release.v1.web.v1".to_string(), "superseded".to_string()),
            ("sh.helm.release.v1.web.v2".to_string(), "deployed".to_string())
        ]
    );

    let rel = actions
        .rollback("web", "default", &RollbackOptions::default())
        .await
        .unwrap();
    assert_eq!((rel.version, rel.info.status.as_str()), (3, status::DEPLOYED));
    assert_eq!(rel.info.description, "Rollback to 1");
    assert_eq!(
        get(c, "ConfigMap", "default", "web-cfg").await.unwrap()["data"]["greeting"],
        "hi"
    );
    assert!(get(c, "ConfigMap", "default", "web-extra").await.is_some());
    let history = actions.history("web", "default").await.unwrap();
    let states: Vec<(i64, &str)> = history.iter().map(|r| (r.version, r.info.status.as_str())).collect();
    assert_eq!(states, [(1, "superseded"), (2, "superseded"), (3, "deployed")]);
    assert_eq!(history[2].config, history[0].config);

    let status_now = actions.status("web", "default").await.unwrap();
    assert_eq!(status_now.version, 3);

    let keep = UninstallOptions {
        keep_history: true,
        wait: true,
        ..UninstallOptions::default()
    };
    let rel = actions.uninstall("web", "default", &keep).await.unwrap();
    assert_eq!(rel.info.status, status::UNINSTALLED);
    assert_eq!(rel.info.description, "Uninstallation complete");
    assert!(get(c, "ConfigMap", "default", "web-cfg").await.is_none());
    assert!(get(c, "Deployment", "default", "web").await.is_none());
    let left = secrets(c, "default", "web").await;
    assert_eq!(left.len(), 3);
    assert_eq!(left[2].1, "uninstalled");
    let again = actions
        .uninstall("web", "default", &keep)
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(again, "the release named \"web\" is already deleted");

    // The name of an uninstalled release can be re-used with `replace`.
    let mut replace = InstallOptions::new("web", "default");
    replace.replace = true;
    let rel = actions.install(&chart, &replace).await.unwrap();
    assert_eq!((rel.version, rel.info.status.as_str()), (4, status::DEPLOYED));
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uninstall_without_history_purges_records_and_keeps_resource_policy_keep() {
    let env = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = app_chart(tmp.path());
    write(
        &dir,
        "templates/kept.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n  annotations:\n    helm.sh/resource-policy: keep\n",
    );
    let chart = Chart::load(&dir).unwrap();
    let actions = Actions::new(env.client.clone(), Settings::default());
    actions
        .install(&chart, &InstallOptions::new("gone", "default"))
        .await
        .unwrap();
    let rel = actions
        .uninstall("gone", "default", &UninstallOptions::default())
        .await
        .unwrap();
    assert_eq!(rel.info.status, status::UNINSTALLED);
    assert!(secrets(&env.client, "default", "gone").await.is_empty());
    assert!(get(&env.client, "ConfigMap", "default", "gone-cfg").await.is_none());
    assert!(get(&env.client, "ConfigMap", "default", "kept").await.is_some());
    let missing = actions
        .uninstall("gone", "default", &UninstallOptions::default())
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(missing, "uninstall: Release not loaded: gone: release: not found");
    env.server.shutdown().await;
}

fn job(name: &str, events: &str, weight: i64, policy: Option<&str>) -> String {
    let policy = policy
        .map(|p| format!("    helm.sh/hook-delete-policy: {p}\n"))
        .unwrap_or_default();
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: {events}\n    helm.sh/hook-weight: \"{weight}\"\n{policy}spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: busybox\n"
    )
}

/// Go time text to comparable nanoseconds-of-text: the fraction padded to 9 digits.
fn sortable(t: &str) -> String {
    let t = t.trim_end_matches('Z');
    let (secs, frac) = t.split_once('.').unwrap_or((t, ""));
    format!("{secs}.{frac:0<9}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_run_in_weight_order_with_delete_policies() {
    let env = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = app_chart(tmp.path());
    let hooks = [
        job("late", "pre-install", 5, None),
        job("early", "pre-install", -1, Some("hook-succeeded")),
        job("middle", "pre-install,pre-upgrade", 0, Some("before-hook-creation,hook-succeeded")),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after\n  annotations:\n    helm.sh/hook: post-install\ndata: {x: y}\n".to_string(),
    ]
    .join("---\n");
    write(&dir, "templates/hooks.yaml", &hooks);
    let chart = Chart::load(&dir).unwrap();
    let actions = Actions::new(env.client.clone(), Settings::default());
    let rel = actions
        .install(&chart, &InstallOptions::new("hk", "default"))
        .await
        .unwrap();
    let c = &env.client;
    assert!(
        get(c, "Job", "default", "early").await.is_none(),
        "hook-succeeded deletes"
    );
    assert!(
        get(c, "Job", "default", "middle").await.is_none(),
        "hook-succeeded deletes"
    );
    assert!(
        get(c, "Job", "default", "late").await.is_some(),
        "before-hook-creation keeps"
    );
    assert!(get(c, "ConfigMap", "default", "after").await.is_some());
    let by_name = |n: &str| rel.hooks.iter().find(|h| h.name == n).unwrap();
    for n in ["early", "middle", "late", "after"] {
        assert_eq!(by_name(n).phase, "Succeeded", "{n}");
    }
    let (e, m, l) = (by_name("early"), by_name("middle"), by_name("late"));
    assert!(sortable(&e.completed_at) <= sortable(&m.started_at));
    assert!(sortable(&m.completed_at) <= sortable(&l.started_at));
    // Hooks are not part of the manifest; the stored record carries their last runs.
    assert!(!rel.manifest.contains("kind: Job"));
    let stored = actions.status("hk", "default").await.unwrap();
    assert_eq!(stored.hooks.iter().filter(|h| h.phase == "Succeeded").count(), 4);

    // On upgrade only the pre-upgrade hook runs; the kept Job of install is untouched.
    let late_uid = get(c, "Job", "default", "late").await.unwrap()["metadata"]["uid"].clone();
    let rel = actions
        .upgrade(&chart, &UpgradeOptions::new("hk", "default"))
        .await
        .unwrap();
    assert_eq!(rel.hooks.iter().filter(|h| h.phase == "Succeeded").count(), 1);
    assert_eq!(
        get(c, "Job", "default", "late").await.unwrap()["metadata"]["uid"],
        late_uid
    );
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crds_are_installed_first_and_custom_resources_follow() {
    let env = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("crd");
    write(&dir, "Chart.yaml", "apiVersion: v2\nname: crd\nversion: 0.1.0\n");
    write(
        &dir,
        "crds/widgets.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {plural: widgets, singular: widget, kind: Widget}\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        x-kubernetes-preserve-unknown-fields: true\n",
    );
    write(
        &dir,
        "templates/w.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n",
    );
    let chart = Chart::load(&dir).unwrap();
    let actions = Actions::new(env.client.clone(), Settings::default());
    // With CRDs skipped, the custom resource cannot be mapped.
    let mut skip = InstallOptions::new("crd", "default");
    skip.crds = rflux_helm::action::CrdPolicy::Skip;
    let e = actions.install(&chart, &skip).await.unwrap_err().to_string();
    assert!(
        e.contains("no matches for kind \"Widget\" in version \"example.com/v1\""),
        "{e}"
    );
    assert!(e.contains("ensure CRDs are installed first"), "{e}");
    let rel = actions
        .install(&chart, &InstallOptions::new("crd", "default"))
        .await
        .unwrap();
    assert_eq!(rel.info.status, status::DEPLOYED);
    let ar = ApiResource {
        group: "example.com".into(),
        version: "v1".into(),
        api_version: "example.com/v1".into(),
        kind: "Widget".into(),
        plural: "widgets".into(),
    };
    let api: Api<DynamicObject> = Api::namespaced_with(env.client.clone(), "default", &ar);
    let w = api.get("w1").await.unwrap();
    assert_eq!(w.data["spec"]["size"], 3);
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_install_is_recovered() {
    let env = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let chart = Chart::load(app_chart(tmp.path())).unwrap();
    let actions = Actions::new(env.client.clone(), Settings::default());
    // A crash after the record was written: v1 stays pending-install.
    let rendered = rflux_helm::render(&chart, &Values::new(), &rflux_helm::RenderOptions::default()).unwrap();
    let info = rflux_helm::Info {
        status: status::PENDING_INSTALL.into(),
        description: "Initial install underway".into(),
        first_deployed: rflux_helm::now_rfc3339(),
        last_deployed: rflux_helm::now_rfc3339(),
        ..Default::default()
    };
    let stuck = rflux_helm::Release::from_rendered("stuck", "default", 1, &rendered, &Values::new(), info);
    let secret: DynamicObject = serde_json::from_value(rflux_helm::to_secret(&stuck, 1).unwrap()).unwrap();
    let api: Api<DynamicObject> = Api::namespaced_with(env.client.clone(), "default", &resource("Secret"));
    api.create(&PostParams::default(), &secret).await.unwrap();

    let e = actions
        .upgrade(&chart, &UpgradeOptions::new("stuck", "default"))
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(e, "another operation (install/upgrade/rollback) is in progress");
    let fixed = actions.recover_pending("stuck", "default").await.unwrap().unwrap();
    assert_eq!((fixed.version, fixed.info.status.as_str()), (1, status::FAILED));
    assert!(actions.recover_pending("stuck", "default").await.unwrap().is_none());
    let rel = actions
        .upgrade(&chart, &UpgradeOptions::new("stuck", "default"))
        .await
        .unwrap();
    assert_eq!((rel.version, rel.info.status.as_str()), (2, status::DEPLOYED));
    assert!(get(&env.client, "ConfigMap", "default", "stuck-cfg").await.is_some());
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_manifest_leaves_a_failed_release_or_is_uninstalled_when_atomic() {
    let env = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = app_chart(tmp.path());
    write(
        &dir,
        "templates/zbad.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bad\n  labels: {tier: \"-not valid-\"}\n",
    );
    let chart = Chart::load(&dir).unwrap();
    let actions = Actions::new(env.client.clone(), Settings::default());
    let e = actions
        .install(&chart, &InstallOptions::new("broken", "default"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("Release \"broken\" failed: applying Secret \"bad\" in namespace \"default\": "),
        "{e}"
    );
    assert!(e.contains("-not valid-"), "{e}");
    let rel = actions.status("broken", "default").await.unwrap();
    assert_eq!(rel.info.status, status::FAILED);
    assert_eq!(rel.info.description, e);

    let mut atomic = InstallOptions::new("atom", "default");
    atomic.atomic = true;
    let e = actions.install(&chart, &atomic).await.unwrap_err().to_string();
    assert!(
        e.starts_with("release atom failed, and has been uninstalled due to atomic being set: "),
        "{e}"
    );
    assert!(secrets(&env.client, "default", "atom").await.is_empty());
    assert!(get(&env.client, "ConfigMap", "default", "atom-cfg").await.is_none());
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_atomic_upgrade_rolls_back() {
    let env = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = app_chart(tmp.path());
    let good = Chart::load(&dir).unwrap();
    write(
        &dir,
        "templates/zbad.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bad\n  labels: {tier: \"-not valid-\"}\n",
    );
    let bad = Chart::load(&dir).unwrap();
    let actions = Actions::new(env.client.clone(), Settings::default());
    actions
        .install(&good, &InstallOptions::new("up", "default"))
        .await
        .unwrap();
    let mut up = UpgradeOptions::new("up", "default");
    up.atomic = true;
    up.values = vals("greeting=changed");
    let e = actions.upgrade(&bad, &up).await.unwrap_err().to_string();
    assert!(
        e.starts_with("release up failed, and has been rolled back due to atomic being set: "),
        "{e}"
    );
    let history = actions.history("up", "default").await.unwrap();
    let states: Vec<(i64, &str)> = history.iter().map(|r| (r.version, r.info.status.as_str())).collect();
    assert_eq!(states, [(1, "superseded"), (2, "failed"), (3, "deployed")]);
    assert_eq!(
        get(&env.client, "ConfigMap", "default", "up-cfg").await.unwrap()["data"]["greeting"],
        "hello"
    );
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_side_three_way_merge_and_a_custom_readiness_check() {
    let env = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = app_chart(tmp.path());
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let settings = Settings {
        apply_method: ApplyMethod::ClientSide,
        field_manager: "helm-controller".into(),
        readiness: Arc::new(move |_client, objects, _timeout| {
            seen.fetch_add(objects.len(), Ordering::SeqCst);
            Box::pin(async { Ok(()) })
        }),
        ..Settings::default()
    };
    let actions = Actions::new(env.client.clone(), settings);
    let chart = Chart::load(&dir).unwrap();
    let mut opts = InstallOptions::new("csa", "default");
    opts.wait = true;
    let rel = actions.install(&chart, &opts).await.unwrap();
    assert_eq!(rel.apply_method, "csa");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "the readiness check saw the three objects"
    );

    // A field another writer added survives; a key the chart dropped is removed.
    let api: Api<DynamicObject> = Api::namespaced_with(env.client.clone(), "default", &resource("ConfigMap"));
    api.patch(
        "csa-cfg",
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Merge(serde_json::json!({"data": {"other": "kept"}})),
    )
    .await
    .unwrap();
    write(
        &dir,
        "templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  greeting: {{ .Values.greeting | quote }}\n",
    );
    let chart = Chart::load(&dir).unwrap();
    let rel = actions
        .upgrade(&chart, &UpgradeOptions::new("csa", "default"))
        .await
        .unwrap();
    assert_eq!(rel.version, 2);
    let cm = get(&env.client, "ConfigMap", "default", "csa-cfg").await.unwrap();
    assert_eq!(cm["data"], serde_json::json!({"greeting": "hello", "other": "kept"}));
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookup_reads_the_cluster_and_test_hooks_run_on_demand() {
    let env = start().await;
    let api: Api<DynamicObject> = Api::namespaced_with(env.client.clone(), "default", &resource("ConfigMap"));
    let existing: DynamicObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "existing"}, "data": {"token": "abc"}
    }))
    .unwrap();
    api.create(&PostParams::default(), &existing).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("lk");
    write(&dir, "Chart.yaml", "apiVersion: v2\nname: lk\nversion: 0.1.0\n");
    write(
        &dir,
        "templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: looked-up\ndata:\n  token: {{ (lookup \"v1\" \"ConfigMap\" .Release.Namespace \"existing\").data.token | quote }}\n  missing: {{ lookup \"v1\" \"ConfigMap\" .Release.Namespace \"nope\" | len | quote }}\n  listed: {{ (lookup \"v1\" \"ConfigMap\" .Release.Namespace \"\").items | len | quote }}\n",
    );
    write(&dir, "templates/test.yaml", &job("smoke", "test", 0, None));
    let chart = Chart::load(&dir).unwrap();
    let actions = Actions::new(env.client.clone(), Settings::default());
    let rel = actions
        .install(&chart, &InstallOptions::new("lk", "default"))
        .await
        .unwrap();
    assert_eq!(rel.hooks[0].phase, "", "test hooks do not run on install");
    let cm = get(&env.client, "ConfigMap", "default", "looked-up").await.unwrap();
    assert_eq!(cm["data"]["token"], "abc");
    assert_eq!(cm["data"]["missing"], "0");
    assert_eq!(cm["data"]["listed"], "1");

    let rel = actions
        .test("lk", "default", std::time::Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(rel.hooks[0].phase, "Succeeded");
    assert!(get(&env.client, "Job", "default", "smoke").await.is_some());
    assert_eq!(
        actions.status("lk", "default").await.unwrap().hooks[0].phase,
        "Succeeded"
    );
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_hook_fails_the_install_and_its_delete_policies_apply() {
    let env = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = app_chart(tmp.path());
    // A suspended Job never completes: the hook times out.
    let stuck = job("stuck", "pre-install", 0, Some("hook-failed"))
        .replace("spec:\n  template:", "spec:\n  suspend: true\n  template:");
    let hooks = [job("first", "pre-install", -1, Some("hook-succeeded")), stuck].join("---\n");
    write(&dir, "templates/hooks.yaml", &hooks);
    let chart = Chart::load(&dir).unwrap();
    let actions = Actions::new(env.client.clone(), Settings::default());
    let mut opts = InstallOptions::new("hf", "default");
    opts.timeout = std::time::Duration::from_secs(1);
    let e = actions.install(&chart, &opts).await.unwrap_err().to_string();
    assert_eq!(
        e,
        "Release \"hf\" failed: failed pre-install: Job \"stuck\" in namespace \"default\": timed out waiting for the condition"
    );
    let rel = actions.status("hf", "default").await.unwrap();
    assert_eq!(rel.info.status, status::FAILED);
    let phase = |n: &str| rel.hooks.iter().find(|h| h.name == n).unwrap().phase.clone();
    assert_eq!(
        (phase("first"), phase("stuck")),
        ("Succeeded".to_string(), "Failed".to_string())
    );
    assert!(
        get(&env.client, "Job", "default", "first").await.is_none(),
        "hook-succeeded applies after a later failure"
    );
    assert!(
        get(&env.client, "Job", "default", "stuck").await.is_none(),
        "hook-failed deletes"
    );
    assert!(
        get(&env.client, "ConfigMap", "default", "hf-cfg").await.is_none(),
        "no object is created after a failed pre-install hook"
    );
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_history_prunes_the_oldest_revisions_and_create_namespace() {
    let env = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let chart = Chart::load(app_chart(tmp.path())).unwrap();
    let actions = Actions::new(env.client.clone(), Settings::default());
    let mut opts = InstallOptions::new("mh", "fresh");
    opts.create_namespace = true;
    actions.install(&chart, &opts).await.unwrap();
    assert!(get(&env.client, "ConfigMap", "fresh", "mh-cfg").await.is_some());
    let mut up = UpgradeOptions::new("mh", "fresh");
    up.max_history = 2;
    for _ in 0..3 {
        actions.upgrade(&chart, &up).await.unwrap();
    }
    let history = actions.history("mh", "fresh").await.unwrap();
    let states: Vec<(i64, &str)> = history.iter().map(|r| (r.version, r.info.status.as_str())).collect();
    assert_eq!(states, [(3, "superseded"), (4, "deployed")]);
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_error_stores_no_release() {
    let env = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("req");
    write(&dir, "Chart.yaml", "apiVersion: v2\nname: req\nversion: 0.1.0\n");
    write(
        &dir,
        "templates/cm.yaml",
        "a: {{ required \"host is required\" .Values.host }}\n",
    );
    let chart = Chart::load(&dir).unwrap();
    let actions = Actions::new(env.client.clone(), Settings::default());
    let e = actions
        .install(&chart, &InstallOptions::new("req", "default"))
        .await
        .unwrap_err();
    assert!(matches!(e, rflux_helm::Error::Template(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "execution error at (req/templates/cm.yaml:1:6): host is required"
    );
    assert!(secrets(&env.client, "default", "req").await.is_empty());
    let e = actions
        .upgrade(&chart, &UpgradeOptions::new("req", "default"))
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "\"req\" has no deployed releases");
    let e = actions
        .install(&chart, &InstallOptions::new("Bad_Name", "default"))
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("release name \"Bad_Name\": invalid release name"),
        "{e}"
    );
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_map_driver_keeps_records_in_config_maps() {
    let env = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let chart = Chart::load(app_chart(tmp.path())).unwrap();
    let settings = Settings {
        storage: rflux_helm::action::StorageDriver::ConfigMap,
        ..Settings::default()
    };
    let actions = Actions::new(env.client.clone(), settings);
    actions
        .install(&chart, &InstallOptions::new("cmd", "default"))
        .await
        .unwrap();
    actions
        .upgrade(&chart, &UpgradeOptions::new("cmd", "default"))
        .await
        .unwrap();
    assert!(secrets(&env.client, "default", "cmd").await.is_empty());
    let record = get(&env.client, "ConfigMap", "default", "sh.helm.release.v1.cmd.v2")
        .await
        .unwrap();
    assert_eq!(record["metadata"]["labels"]["status"], "deployed");
    assert_eq!(record["metadata"]["labels"]["owner"], "helm");
    let back = rflux_helm::from_storage_object(&record).unwrap();
    assert_eq!((back.name.as_str(), back.version), ("cmd", 2));
    let history = actions.history("cmd", "default").await.unwrap();
    assert_eq!(history.len(), 2);
    actions
        .uninstall("cmd", "default", &UninstallOptions::default())
        .await
        .unwrap();
    assert!(
        get(&env.client, "ConfigMap", "default", "sh.helm.release.v1.cmd.v1")
            .await
            .is_none()
    );
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_upgrade_drops_fields_the_chart_dropped_and_keeps_other_managers_fields() {
    let env = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = app_chart(tmp.path());
    let settings = Settings {
        field_manager: "helm-controller".into(),
        ..Settings::default()
    };
    let actions = Actions::new(env.client.clone(), settings);
    actions
        .install(&Chart::load(&dir).unwrap(), &InstallOptions::new("ssa", "default"))
        .await
        .unwrap();
    let api: Api<DynamicObject> = Api::namespaced_with(env.client.clone(), "default", &resource("ConfigMap"));
    api.patch(
        "ssa-cfg",
        &kube::api::PatchParams::apply("someone-else"),
        &kube::api::Patch::Apply(serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa-cfg"}, "data": {"other": "kept"}
        })),
    )
    .await
    .unwrap();
    write(
        &dir,
        "templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  greeting: {{ .Values.greeting | quote }}\n",
    );
    actions
        .upgrade(&Chart::load(&dir).unwrap(), &UpgradeOptions::new("ssa", "default"))
        .await
        .unwrap();
    let cm = get(&env.client, "ConfigMap", "default", "ssa-cfg").await.unwrap();
    assert_eq!(cm["data"], serde_json::json!({"greeting": "hello", "other": "kept"}));
    let managers: Vec<&str> = cm["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert!(
        managers.contains(&"helm-controller") && managers.contains(&"someone-else"),
        "{managers:?}"
    );
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_side_upgrade_merges_containers_by_name() {
    let env = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("two");
    let deploy = |containers: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: two\nspec:\n  selector:\n    matchLabels: {{app: two}}\n  template:\n    metadata:\n      labels: {{app: two}}\n    spec:\n      containers:\n{containers}"
        )
    };
    write(&dir, "Chart.yaml", "apiVersion: v2\nname: two\nversion: 0.1.0\n");
    write(
        &dir,
        "templates/d.yaml",
        &deploy("      - name: web\n        image: web:1\n      - name: old\n        image: old:1\n"),
    );
    let settings = Settings {
        apply_method: ApplyMethod::ClientSide,
        ..Settings::default()
    };
    let actions = Actions::new(env.client.clone(), settings);
    actions
        .install(&Chart::load(&dir).unwrap(), &InstallOptions::new("two", "default"))
        .await
        .unwrap();
    // Someone injects a sidecar into the live object.
    let api: Api<DynamicObject> = Api::namespaced_with(env.client.clone(), "default", &resource("Deployment"));
    api.patch(
        "two",
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Strategic(serde_json::json!({
            "spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "side:1"}]}}}
        })),
    )
    .await
    .unwrap();
    write(
        &dir,
        "templates/d.yaml",
        &deploy("      - name: web\n        image: web:2\n"),
    );
    actions
        .upgrade(&Chart::load(&dir).unwrap(), &UpgradeOptions::new("two", "default"))
        .await
        .unwrap();
    let d = get(&env.client, "Deployment", "default", "two").await.unwrap();
    let containers: Vec<(String, String)> = d["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["image"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        containers,
        [
            ("web".to_string(), "web:2".to_string()),
            ("sidecar".to_string(), "side:1".to_string())
        ]
    );
    env.server.shutdown().await;
}

/// Compile-time check: every action's future can be spawned on a multi-threaded runtime.
#[allow(dead_code)]
fn action_futures_are_send(a: &Actions, c: &Chart) {
    fn send<T: Send>(_: T) {}
    send(a.install(c, &InstallOptions::new("a", "b")));
    send(a.upgrade(c, &UpgradeOptions::new("a", "b")));
    send(a.rollback("a", "b", &RollbackOptions::default()));
    send(a.uninstall("a", "b", &UninstallOptions::default()));
    send(a.history("a", "b"));
    send(a.status("a", "b"));
    send(a.recover_pending("a", "b"));
    send(a.test("a", "b", std::time::Duration::from_secs(1)));
    fn shared<T: Send + Sync>(_: &T) {}
    shared(a);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_install_over_an_object_helm_does_not_own_is_refused_with_helms_message() {
    let env = start().await;
    let tmp = tempfile::tempdir().unwrap();
    let chart = Chart::load(app_chart(tmp.path())).unwrap();
    // Someone else's ConfigMap with the name the chart renders.
    let api: Api<DynamicObject> = Api::namespaced_with(env.client.clone(), "default", &resource("ConfigMap"));
    let theirs: DynamicObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "taken-cfg", "labels": {"app.kubernetes.io/managed-by": "kubectl"}},
        "data": {"owner": "someone else"}
    }))
    .unwrap();
    api.create(&PostParams::default(), &theirs).await.unwrap();
    let actions = Actions::new(env.client.clone(), Settings::default());
    let err = actions
        .install(&chart, &InstallOptions::new("taken", "default"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "rendered manifests contain a resource that already exists. Unable to continue with install: \
             ConfigMap \"taken-cfg\" in namespace \"default\" exists and cannot be imported into the current release: \
             invalid ownership metadata; label validation error: missing key \"app.kubernetes.io/managed-by\": \
             must be set to \"Helm\" (is \"kubectl\"); annotation validation error: key \"meta.helm.sh/release-name\" \
             must equal \"taken\": current value is \"\""
        ),
        "{err}"
    );
    // Nothing was written: the object is untouched and no Deployment was created.
    let cm = get(&env.client, "ConfigMap", "default", "taken-cfg").await.unwrap();
    assert_eq!(cm["data"]["owner"], "someone else");
    assert!(get(&env.client, "Deployment", "default", "taken").await.is_none());
    env.server.shutdown().await;
}
