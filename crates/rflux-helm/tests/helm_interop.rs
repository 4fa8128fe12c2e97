//! Interoperability with the real Helm v4 library (PyPI `helm-sdkpy`, in a virtualenv made
//! once under CARGO_TARGET_TMPDIR) against the embedded API server: rflux installs, Helm
//! reads the release back (History, GetValues, Status) and upgrades it, rflux rolls back,
//! and Helm reads the result; then Helm installs and rflux upgrades.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use rflux_helm::action::{Actions, InstallOptions, RollbackOptions, Settings};
use rflux_helm::{Chart, Values, parse_set, status};
use serde_json::{Value, json};

fn python_with_helm() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("helm-sdkpy-venv");
    let python = venv.join("bin/python");
    let ready = |p: &Path| {
        Command::new(p)
            .args(["-c", "import helm_sdkpy"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ready(&python) {
        return python;
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 runs (Debian python3-venv)");
    assert!(made.success(), "cannot create a virtualenv at {}", venv.display());
    let installed = Command::new(venv.join("bin/pip"))
        .args(["install", "-q", "--ignore-requires-python", "helm-sdkpy==0.1.32"])
        .status()
        .expect("pip runs");
    assert!(installed.success(), "pip install helm-sdkpy==0.1.32 failed");
    assert!(ready(&python), "helm_sdkpy does not import from {}", venv.display());
    python
}

async fn helm(python: &Path, kubeconfig: &Path, args: &[&str]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/helm_library.py");
    let out = tokio::process::Command::new(python)
        .arg(script)
        .arg(kubeconfig)
        .args(args)
        .output()
        .await
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "helm-sdkpy {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Find a member by any of several spellings (the library's JSON is not documented).
fn field<'a>(v: &'a Value, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| v.get(*n))
}

fn status_of(entry: &Value) -> String {
    let s = field(entry, &["status"])
        .or_else(|| entry.get("info").and_then(|i| i.get("status")))
        .cloned()
        .unwrap_or(Value::Null);
    s.as_str().map(str::to_string).unwrap_or_else(|| s.to_string())
}

fn revision_of(entry: &Value) -> i64 {
    field(entry, &["revision", "version", "Revision", "Version"])
        .and_then(Value::as_i64)
        .unwrap_or(-1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helm_reads_and_upgrades_what_rflux_installed_and_rflux_rolls_back() {
    let python = python_with_helm();
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

    let chart_dir = dir.path().join("demo");
    write(
        &chart_dir,
        "Chart.yaml",
        "apiVersion: v2\nname: demo\nversion: 0.1.0\nappVersion: '1.0'\n",
    );
    write(&chart_dir, "values.yaml", "greeting: hello\nreplicas: 1\n");
    write(
        &chart_dir,
        "templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  greeting: {{ .Values.greeting | quote }}\n",
    );
    write(
        &chart_dir,
        "templates/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: {{ .Release.Name }}}\n  template:\n    metadata:\n      labels: {app: {{ .Release.Name }}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
    );
    let chart = Chart::load(&chart_dir).unwrap();
    // Helm's library applies as `python`; rolling back over its fields needs the takeover
    // that `--force-conflicts` gives the helm CLI.
    let settings = Settings {
        force_conflicts: true,
        ..Settings::default()
    };
    let actions = Actions::new(client.clone(), settings);
    let mut values = Values::new();
    parse_set("greeting=from-rflux,replicas=2", &mut values).unwrap();
    let mut opts = InstallOptions::new("demo", "default");
    opts.values = values;
    actions.install(&chart, &opts).await.unwrap();

    let read = helm(&python, &server.kubeconfig, &["read", "demo"]).await;
    let history = read["history"].as_array().unwrap_or_else(|| panic!("{read}"));
    assert_eq!(history.len(), 1, "{read}");
    assert_eq!(revision_of(&history[0]), 1, "{read}");
    assert_eq!(status_of(&history[0]), "deployed", "{read}");
    assert_eq!(
        read["values"],
        json!({"greeting": "from-rflux", "replicas": 2}),
        "{read}"
    );
    assert_eq!(status_of(&read["status"]), "deployed", "{read}");

    let chart_path = chart_dir.to_string_lossy().into_owned();
    helm(
        &python,
        &server.kubeconfig,
        &["upgrade", "demo", &chart_path, r#"{"greeting": "from-helm"}"#],
    )
    .await;
    let history = actions.history("demo", "default").await.unwrap();
    let states: Vec<(i64, &str)> = history.iter().map(|r| (r.version, r.info.status.as_str())).collect();
    assert_eq!(states, [(1, "superseded"), (2, "deployed")]);
    assert_eq!(history[1].config["greeting"], "from-helm");
    let api: kube::Api<kube::api::DynamicObject> = kube::Api::namespaced_with(
        client.clone(),
        "default",
        &kube::api::ApiResource {
            group: String::new(),
            version: "v1".into(),
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            plural: "configmaps".into(),
        },
    );
    assert_eq!(api.get("demo-cfg").await.unwrap().data["data"]["greeting"], "from-helm");

    let rel = actions
        .rollback("demo", "default", &RollbackOptions::default())
        .await
        .unwrap();
    assert_eq!((rel.version, rel.info.status.as_str()), (3, status::DEPLOYED));
    assert_eq!(
        api.get("demo-cfg").await.unwrap().data["data"]["greeting"],
        "from-rflux"
    );

    let read = helm(&python, &server.kubeconfig, &["read", "demo"]).await;
    let history = read["history"].as_array().unwrap_or_else(|| panic!("{read}"));
    let states: Vec<(i64, String)> = history.iter().map(|h| (revision_of(h), status_of(h))).collect();
    assert_eq!(
        states,
        [
            (1, "superseded".to_string()),
            (2, "superseded".to_string()),
            (3, "deployed".to_string())
        ],
        "{read}"
    );
    assert_eq!(
        read["values"],
        json!({"greeting": "from-rflux", "replicas": 2}),
        "{read}"
    );

    // The other way round: Helm installs, rflux upgrades, Helm reads the history.
    helm(
        &python,
        &server.kubeconfig,
        &["install", "other", &chart_path, r#"{"greeting": "helm-installed"}"#],
    )
    .await;
    let installed = actions.status("other", "default").await.unwrap();
    assert_eq!(
        (installed.version, installed.info.status.as_str()),
        (1, status::DEPLOYED)
    );
    assert_eq!(installed.config["greeting"], "helm-installed");
    let mut up = rflux_helm::action::UpgradeOptions::new("other", "default");
    up.reuse_values = true;
    parse_set("replicas=3", &mut up.values).unwrap();
    let rel = actions.upgrade(&chart, &up).await.unwrap();
    assert_eq!((rel.version, rel.info.status.as_str()), (2, status::DEPLOYED));
    assert_eq!(
        api.get("other-cfg").await.unwrap().data["data"]["greeting"],
        "helm-installed"
    );
    let read = helm(&python, &server.kubeconfig, &["read", "other"]).await;
    let history = read["history"].as_array().unwrap_or_else(|| panic!("{read}"));
    let states: Vec<(i64, String)> = history.iter().map(|h| (revision_of(h), status_of(h))).collect();
    assert_eq!(
        states,
        [(1, "superseded".to_string()), (2, "deployed".to_string())],
        "{read}"
    );
    assert_eq!(
        read["values"],
        json!({"greeting": "helm-installed", "replicas": 3}),
        "{read}"
    );
    server.shutdown().await;
}
