//! Real kubectl against `rflux apiserver`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod cluster;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use cluster::ApiServerProcess;

const MANIFESTS: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {app: web}
data:
  mode: fast
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
"#;

#[test]
fn apply_server_side_get_and_wait() {
    let dir = tempfile::tempdir().unwrap();
    let server = ApiServerProcess::start(dir.path(), 0);
    let (ok, out, err) = server.run(&["apply", "--server-side", "-f", "-"], Some(MANIFESTS));
    assert!(ok, "{out}{err}");
    assert!(out.contains("configmap/settings serverside-applied"), "{out}");
    assert!(out.contains("deployment.apps/web serverside-applied"), "{out}");

    let (ok, out, err) = server.run(&["get", "configmap", "settings", "-o", "yaml"], None);
    assert!(ok, "{err}");
    assert!(out.contains("mode: fast"), "{out}");

    let (ok, out, err) = server.run(
        &["wait", "--for=condition=Available", "deployment/web", "--timeout=20s"],
        None,
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("condition met"), "{out}");

    // Applying again is a no-op that still succeeds; a changed value conflicts with another manager.
    let (ok, _, err) = server.run(&["apply", "--server-side", "-f", "-"], Some(MANIFESTS));
    assert!(ok, "{err}");
    let changed = MANIFESTS.replace("mode: fast", "mode: slow");
    let (ok, _, err) = server.run(
        &["apply", "--server-side", "--field-manager=other", "-f", "-"],
        Some(&changed),
    );
    assert!(!ok);
    assert!(err.contains("conflict") && err.contains(".data.mode"), "{err}");
    let (ok, _, err) = server.run(
        &[
            "apply",
            "--server-side",
            "--field-manager=other",
            "--force-conflicts",
            "-f",
            "-",
        ],
        Some(&changed),
    );
    assert!(ok, "{err}");
    let (_, out, _) = server.run(&["get", "configmap", "settings", "-o", "jsonpath={.data.mode}"], None);
    assert_eq!(out, "slow");
}

#[test]
fn create_get_delete_wait() {
    let dir = tempfile::tempdir().unwrap();
    let server = ApiServerProcess::start(dir.path(), 0);
    let (ok, out, err) = server.run(&["create", "-f", "-"], Some(MANIFESTS));
    assert!(ok, "{err}");
    assert!(out.contains("configmap/settings created"), "{out}");
    let (ok, _, err) = server.run(&["create", "-f", "-"], Some(MANIFESTS));
    assert!(!ok);
    assert!(err.contains("AlreadyExists") || err.contains("already exists"), "{err}");

    let (ok, out, err) = server.run(&["get", "configmaps"], None);
    assert!(ok, "{err}");
    assert!(out.contains("NAME") && out.contains("settings"), "{out}");
    let (ok, out, _) = server.run(&["get", "ns"], None);
    assert!(ok && out.contains("kube-system"), "{out}");

    let (ok, out, err) = server.run(&["delete", "configmap", "settings", "--wait=true"], None);
    assert!(ok, "{out}{err}");
    let (ok, _, err) = server.run(&["get", "configmap", "settings"], None);
    assert!(!ok);
    assert!(err.contains("NotFound") || err.contains("not found"), "{err}");
}

#[test]
fn get_watch_prints_events() {
    let dir = tempfile::tempdir().unwrap();
    let server = ApiServerProcess::start(dir.path(), 0);
    let mut watch = server
        .kubectl()
        .args([
            "get",
            "configmaps",
            "-w",
            "--output-watch-events",
            "--request-timeout=30s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = watch.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        server
            .run(&["create", "configmap", "w1", "--dry-run=client", "-o", "yaml"], None)
            .0
    );
    let (ok, _, err) = server.run(
        &["apply", "--server-side", "-f", "-"],
        Some("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: w1}\ndata: {a: '1'}\n"),
    );
    assert!(ok, "{err}");
    let (ok, _, err) = server.run(&["label", "configmap", "w1", "x=y"], None);
    assert!(ok, "{err}");
    let (ok, _, err) = server.run(&["delete", "configmap", "w1"], None);
    assert!(ok, "{err}");
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline && !lines.iter().any(|l: &String| l.starts_with("DELETED")) {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            lines.push(line);
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();
    let events: Vec<&str> = lines
        .iter()
        .filter(|l| l.contains("w1"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(events, vec!["ADDED", "MODIFIED", "DELETED"], "{lines:?}");
}

#[test]
fn imperative_commands_send_protobuf_and_work() {
    let dir = tempfile::tempdir().unwrap();
    let server = ApiServerProcess::start(dir.path(), 0);
    for args in [
        &["create", "namespace", "team"][..],
        &["create", "configmap", "cfg", "-n", "team", "--from-literal=a=b"],
        &[
            "create",
            "secret",
            "generic",
            "sops-age",
            "-n",
            "team",
            "--from-literal=age.agekey=AGE-SECRET-KEY-1DEMO",
        ],
        &[
            "create",
            "deployment",
            "web",
            "-n",
            "team",
            "--image=nginx:1.27",
            "--replicas=2",
        ],
        &["create", "serviceaccount", "bot", "-n", "team"],
    ] {
        let (ok, out, err) = server.run(args, None);
        assert!(ok, "{args:?}: {out}{err}");
        assert!(out.contains("created"), "{args:?}: {out}");
    }
    let (ok, out, _) = server.run(
        &[
            "get",
            "secret",
            "sops-age",
            "-n",
            "team",
            "-o",
            "jsonpath={.data.age\\.agekey}",
        ],
        None,
    );
    assert!(ok);
    assert_eq!(out, "QUdFLVNFQ1JFVC1LRVktMURFTU8=");
    let (ok, out, err) = server.run(&["auth", "can-i", "create", "deployments"], None);
    assert!(ok, "{out}{err}");
    assert_eq!(out.trim(), "yes");
    let (ok, out, err) = server.run(
        &["rollout", "status", "deployment/web", "-n", "team", "--timeout=20s"],
        None,
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("successfully rolled out"), "{out}");
    let (ok, out, err) = server.run(&["delete", "namespace", "team", "--wait=true", "--timeout=20s"], None);
    assert!(ok, "{out}{err}");
    let (ok, _, _) = server.run(&["get", "deployment", "web", "-n", "team"], None);
    assert!(!ok, "the namespace took its contents with it");
}
