//! The everyday kubectl workflow with kubectl 1.27, 1.32 and 1.33 against `rflux apiserver`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod cluster;

use std::process::Stdio;

use cluster::ApiServerProcess;

const GCLOUD_BIN: &str = "/usr/lib/google-cloud-sdk/bin";

const V1: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        env:
        - {name: MODE, value: fast}
        - {name: LEVEL, value: "1"}
"#;

const CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
"#;

fn run(server: &ApiServerProcess, kubectl: &str, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(kubectl)
        .arg("--kubeconfig")
        .arg(&server.kubeconfig)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{kubectl} runs: {e}"));
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn workflow(kubectl: &str) {
    let dir = tempfile::tempdir().unwrap();
    let server = ApiServerProcess::start(dir.path(), 0);
    let ok = |args: &[&str], stdin: Option<&str>| {
        let (ok, out, err) = run(&server, kubectl, args, stdin);
        assert!(ok, "{kubectl} {args:?} failed:\n{out}\n{err}");
        out
    };

    // Client-side apply three times: create; change image and an env var; drop a field.
    assert!(ok(&["apply", "-f", "-"], Some(V1)).contains("created"));
    let v2 = V1
        .replace("nginx:1.27", "nginx:1.28")
        .replace("value: fast", "value: slow");
    assert!(ok(&["apply", "-f", "-"], Some(&v2)).contains("configured"));
    let v3 = v2
        .replace("        - {name: LEVEL, value: \"1\"}\n", "")
        .replace("  replicas: 2\n", "");
    ok(&["apply", "-f", "-"], Some(&v3));
    let got = ok(
        &[
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env}",
        ],
        None,
    );
    assert!(got.starts_with("1 nginx:1.28 "), "{got}");
    assert!(got.contains("slow") && !got.contains("LEVEL"), "{got}");

    // diff: no difference, then one.
    let (same, out, err) = run(&server, kubectl, &["diff", "-f", "-"], Some(&v3));
    assert!(same, "diff of the applied manifest is empty:\n{out}{err}");
    let (same, out, _) = run(
        &server,
        kubectl,
        &["diff", "-f", "-"],
        Some(&v3.replace("nginx:1.28", "nginx:1.29")),
    );
    assert!(!same && out.contains("nginx:1.29"), "{out}");

    // Server-side apply: a conflict with kubectl's client-side manager, then forced.
    let (conflict, _, err) = run(
        &server,
        kubectl,
        &["apply", "--server-side", "--field-manager=ops", "-f", "-"],
        Some(&v3.replace("nginx:1.28", "nginx:1.30")),
    );
    assert!(!conflict && err.contains("conflict"), "{err}");
    ok(
        &[
            "apply",
            "--server-side",
            "--field-manager=ops",
            "--force-conflicts",
            "-f",
            "-",
        ],
        Some(&v3.replace("nginx:1.28", "nginx:1.30")),
    );

    ok(
        &["wait", "--for=condition=Available", "deployment/web", "--timeout=30s"],
        None,
    );
    assert!(ok(&["rollout", "status", "deployment/web", "--timeout=30s"], None).contains("successfully rolled out"));

    let wide = ok(&["get", "deployments", "-A", "-o", "wide", "--show-labels"], None);
    assert!(
        wide.contains("NAMESPACE")
            && wide.contains("IMAGES")
            && wide.contains("nginx:1.30")
            && wide.contains("app=web"),
        "{wide}"
    );

    ok(&["apply", "-f", "-"], Some(CRD));
    ok(
        &[
            "wait",
            "--for=condition=Established",
            "crd/widgets.example.com",
            "--timeout=30s",
        ],
        None,
    );
    ok(
        &["apply", "-f", "-"],
        Some("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 7}\n"),
    );
    let explained = ok(&["explain", "widgets.spec"], None);
    assert!(
        explained.contains("size") && explained.contains("<integer>"),
        "explain reads the CRD's schema:\n{explained}"
    );
    let widgets = ok(&["get", "widgets"], None);
    assert!(widgets.contains("SIZE") && widgets.contains('7'), "{widgets}");

    // describe lists events about the object.
    let uid = ok(&["get", "deployment", "web", "-o", "jsonpath={.metadata.uid}"], None);
    let event = format!(
        "apiVersion: v1\nkind: Event\nmetadata: {{name: web.1}}\ninvolvedObject: {{apiVersion: apps/v1, kind: Deployment, name: web, namespace: default, uid: {uid}}}\nreason: ScalingReplicaSet\nmessage: Scaled up replica set web to 1\ntype: Normal\nsource: {{component: deployment-controller}}\ncount: 1\n"
    );
    ok(&["create", "-f", "-"], Some(&event));
    let described = ok(&["describe", "deployment", "web"], None);
    assert!(described.contains("Scaled up replica set web to 1"), "{described}");

    let explained = ok(&["explain", "deployment.spec.template"], None);
    assert!(
        explained.contains("PodTemplateSpec") || explained.contains("template"),
        "{explained}"
    );
    assert_eq!(ok(&["auth", "can-i", "create", "deployments"], None).trim(), "yes");

    ok(&["create", "namespace", "team"], None);
    ok(&["create", "configmap", "c", "-n", "team", "--from-literal=a=b"], None);
    ok(&["delete", "namespace", "team", "--timeout=30s"], None);
    let (exists, _, _) = run(&server, kubectl, &["get", "namespace", "team"], None);
    assert!(!exists, "namespace deleted with its contents");
}

#[test]
fn kubectl_1_27() {
    workflow(&format!("{GCLOUD_BIN}/kubectl.1.27"));
}

#[test]
fn kubectl_1_32() {
    workflow(&format!("{GCLOUD_BIN}/kubectl.1.32"));
}

#[test]
fn kubectl_1_33() {
    workflow(&format!("{GCLOUD_BIN}/kubectl.1.33"));
}
