#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Opt-in acceptance (`RFLUX_ACCEPTANCE=1`; the corpus is at `RFLUX_SHARED` or
//! `../../../shared` from this crate): the cert-manager chart's own helm-unittest suites
//! (`tests/**/*_test.yaml`) run on rflux-helm's renderer and every assertion must hold.
//! The runner follows helm-unittest's semantics (see `helm_unittest`). The chart is
//! rendered with `version`/`appVersion` `v0.0.0`: the suites were written against
//! cert-manager's source tree, whose Chart.yaml carries that placeholder until the release
//! tool stamps the real version (which the corpus copy has); the snapshots record it.
//!
//! A second acceptance test renders every case with real Helm (`helm-reference-render`) and
//! requires the same documents. The small tests at the end pin the runner's own path and
//! `set` semantics and run always.

mod helm_unittest;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use helm_unittest::path::{self as ut_path, Step};
use helm_unittest::suite::Suite;
use helm_unittest::values::{build_set_value, user_values};
use rflux_helm::Chart;
use serde_json::{Value, json};

/// The number of `it` cases the corpus copy of cert-manager's suites holds.
const CERT_MANAGER_CASES: usize = 58;

fn shared() -> Option<PathBuf> {
    if std::env::var("RFLUX_ACCEPTANCE").as_deref() != Ok("1") {
        return None;
    }
    Some(match std::env::var("RFLUX_SHARED") {
        Ok(p) => PathBuf::from(p),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    })
}

/// Every `*_test.yaml` under `dir` (snapshot directories left out), sorted.
fn suite_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.filter_map(Result::ok) {
            let p = entry.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != "__snapshot__") {
                    stack.push(p);
                }
            } else if p.to_string_lossy().ends_with("_test.yaml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn cert_manager_helm_unittest_suites() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("corpus/charts/cert-manager");
    let mut chart = Chart::load(&dir).unwrap_or_else(|e| panic!("loading {}: {e}", dir.display()));
    chart.metadata.version = "v0.0.0".into();
    chart.metadata.app_version = "v0.0.0".into();
    let files = suite_files(&dir.join("tests"));
    assert!(!files.is_empty(), "no *_test.yaml under {}", dir.display());
    let (mut total, mut passed) = (0, 0);
    let mut failures = Vec::new();
    for file in &files {
        let shown = file.strip_prefix(&dir).unwrap_or(file).display().to_string();
        let suite = match Suite::load(file) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{shown}: the suite cannot run: {e}"));
                continue;
            }
        };
        for test in &suite.tests {
            total += 1;
            match suite.run(&chart, test) {
                Ok(()) => passed += 1,
                Err(errors) => failures.push(format!(
                    "{shown} [{}] it {:?}:\n    {}",
                    suite.name,
                    test.it,
                    errors.join("\n    ")
                )),
            }
        }
    }
    eprintln!("cert-manager helm-unittest: {passed}/{total} cases pass");
    assert!(failures.is_empty(), "failing cases:\n{}", failures.join("\n"));
    assert_eq!(
        total, CERT_MANAGER_CASES,
        "the suites hold {total} cases, expected {CERT_MANAGER_CASES}"
    );
}

/// The documents `helm-reference-render` (real Helm v4) prints for a chart, by template path.
fn helm_reference_documents(chart: &Path, values: &rflux_helm::Values) -> BTreeMap<String, Vec<Value>> {
    let tool = shared().unwrap_or_default().join("tools/helm-reference-render");
    let out = std::process::Command::new(&tool)
        .arg(chart)
        .args(["--name", "cert-manager", "--namespace", "cert-manager", "--set-json"])
        .arg(serde_json::to_string(values).unwrap())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", tool.display()));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut docs: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let text = String::from_utf8_lossy(&out.stdout);
    for block in text.split("---\n# Source: ").filter(|b| !b.trim().is_empty()) {
        let (path, body) = block.split_once('\n').unwrap_or((block, ""));
        let doc = rflux_helm::yaml::parse(body).unwrap_or_else(|e| panic!("{path}: {e}"));
        if !doc.is_null() {
            docs.entry(path.to_string()).or_default().push(doc);
        }
    }
    docs
}

/// Each case's render (the templates its suite selects) equals real Helm's for the same
/// values, document for document: the cases pass because rflux renders as Helm does.
#[test]
fn cert_manager_unittest_renders_equal_helm_reference() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("corpus/charts/cert-manager");
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("cert-manager");
    let cp = std::process::Command::new("cp").arg("-r").arg(&dir).arg(&copy).status();
    assert!(cp.is_ok_and(|s| s.success()), "cp -r {}", dir.display());
    let mut chart = Chart::load(&dir).unwrap_or_else(|e| panic!("loading {}: {e}", dir.display()));
    let meta = std::fs::read_to_string(copy.join("Chart.yaml")).unwrap();
    let placeholder = |line: &str| match line.split_once(':') {
        Some((key @ ("version" | "appVersion"), _)) => format!("{key}: v0.0.0"),
        _ => line.to_string(),
    };
    let meta: Vec<String> = meta.lines().map(placeholder).collect();
    std::fs::write(copy.join("Chart.yaml"), meta.join("\n") + "\n").unwrap();
    chart.metadata.version = "v0.0.0".into();
    chart.metadata.app_version = "v0.0.0".into();
    let (mut same, mut differ) = (0, Vec::new());
    for file in suite_files(&dir.join("tests")) {
        let suite = Suite::load(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for test in &suite.tests {
            let values = suite.values_of(test).unwrap();
            let ours = suite.render(chart.clone(), test).unwrap();
            let helm = helm_reference_documents(&copy, &values);
            for (path, docs) in ours.iter().filter(|(p, _)| !p.ends_with("NOTES.txt")) {
                if helm.get(path).map(Vec::as_slice).unwrap_or_default() == docs.as_slice() {
                    same += 1;
                } else {
                    differ.push(format!("{} it {:?}: {path}", file.display(), test.it));
                }
            }
        }
    }
    eprintln!(
        "cert-manager helm-unittest cases: {same} template renders equal Helm's, {} differ",
        differ.len()
    );
    assert!(differ.is_empty(), "{differ:#?}");
}

/// A suite of wrong expectations against the same chart: every case must fail, each with a
/// message naming its assertion, so that the runner cannot pass by accident.
const WRONG_EXPECTATIONS: &str = r#"
suite: wrong expectations
templates:
  - templates/deployment.yaml
release:
  name: cert-manager
  namespace: cert-manager
tests:
  - it: equal
    asserts:
      - equal: {path: spec.replicas, value: 2}
  - it: equal on a missing path
    asserts:
      - equal: {path: spec.nothing, value: 1}
  - it: negated equal
    asserts:
      - equal: {path: spec.replicas, value: 1}
        not: true
  - it: contains
    asserts:
      - contains: {path: "spec.template.spec.containers[0].args", content: --no-such-flag}
  - it: isSubset
    asserts:
      - isSubset: {path: metadata.labels, content: {app: other}}
  - it: exists
    asserts:
      - exists: {path: "spec.template.spec.containers[3]"}
  - it: notExists
    asserts:
      - notExists: {path: spec.replicas}
  - it: notExists quoted key
    set:
      podAnnotations:
        x.y/z: v
    asserts:
      - notExists: {path: 'spec.template.metadata.annotations["x.y/z"]'}
  - it: hasDocuments
    asserts:
      - hasDocuments: {count: 2}
  - it: isKind
    asserts:
      - isKind: {of: Service}
  - it: matchRegex
    asserts:
      - matchRegex: {path: "spec.template.spec.containers[0].image", pattern: ^nowhere/}
  - it: matchSnapshot without a stored snapshot
    asserts:
      - matchSnapshot: {}
  - it: documentIndex out of range
    documentIndex: 1
    asserts:
      - isKind: {of: Deployment}
  - it: a template that is not rendered
    asserts:
      - isKind: {of: Deployment}
        template: templates/nothing.yaml
  - it: unknown assertion type
    asserts:
      - isAPIVersion: {of: apps/v1}
  - it: unknown path syntax
    asserts:
      - equal: {path: "spec.template.spec.containers[*].image", value: x}
"#;

/// The same shapes written right: every case must pass.
const RIGHT_EXPECTATIONS: &str = r#"
suite: right expectations
templates:
  - deployment.yaml
release:
  name: cert-manager
  namespace: cert-manager
tests:
  - it: all assertion types hold
    set:
      podAnnotations:
        x.y/z: v
      webhook.runtimeClassName: ignored
    documentIndex: 0
    asserts:
      - equal: {path: spec.replicas, value: 1}
      - equal: {path: spec.replicas, value: 2}
        not: true
      - contains: {path: "spec.template.spec.containers[0].ports", content: {containerPort: 9402, name: http-metrics, protocol: TCP}}
      - isSubset: {path: metadata.labels, content: {app: cert-manager}}
      - exists: {path: 'spec.template.metadata.annotations["x.y/z"]'}
      - notExists: {path: spec.nothing}
      - hasDocuments: {count: 1}
      - isKind: {of: Deployment}
      - matchRegex: {path: metadata.name, pattern: ^cert-}
"#;

fn run_inline_suite(chart: &Chart, text: &str) -> Vec<(String, Result<(), Vec<String>>)> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("inline_test.yaml");
    std::fs::write(&file, text).unwrap();
    let suite = Suite::load(&file).unwrap();
    suite
        .tests
        .iter()
        .map(|t| (t.it.clone(), suite.run(chart, t)))
        .collect()
}

#[test]
fn wrong_expectations_fail_and_right_ones_pass() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("corpus/charts/cert-manager");
    let chart = Chart::load(&dir).unwrap_or_else(|e| panic!("loading {}: {e}", dir.display()));
    let wrong = run_inline_suite(&chart, WRONG_EXPECTATIONS);
    assert_eq!(wrong.len(), 16);
    for (it, result) in &wrong {
        let Err(errors) = result else {
            panic!("case {it:?} passed but must fail")
        };
        let first = errors.first().map(String::as_str).unwrap_or_default();
        eprintln!("{it}: {first}");
        let names_assert = first.contains("assert #0 ");
        assert!(
            names_assert,
            "case {it:?}: the failure does not name the assertion: {first}"
        );
    }
    let by_name = |name: &str| {
        wrong
            .iter()
            .find(|(it, _)| it == name)
            .and_then(|(_, r)| r.as_ref().err())
            .map(|e| e.join(" "))
            .unwrap_or_default()
    };
    assert!(by_name("unknown assertion type").contains("`isAPIVersion` is not implemented"));
    assert!(by_name("unknown path syntax").contains("unsupported path syntax"));
    assert!(by_name("equal").contains("got 1"));
    // A stored snapshot that differs fails.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("__snapshot__")).unwrap();
    let suite_file = tmp.path().join("snap_test.yaml");
    let suite_text =
        "suite: s\ntemplates: [serviceaccount.yaml]\ntests:\n  - it: snap\n    asserts:\n      - matchSnapshot: {}\n";
    std::fs::write(&suite_file, suite_text).unwrap();
    let snapshot = "snap:\n  1: |\n    apiVersion: v1\n    kind: ServiceAccount\n    metadata:\n      name: other\n";
    std::fs::write(tmp.path().join("__snapshot__/snap_test.yaml.snap"), snapshot).unwrap();
    let suite = Suite::load(&suite_file).unwrap();
    let snap = suite.run(&chart, &suite.tests[0]);
    assert!(
        snap.as_ref().is_err_and(|e| e[0].contains("to match snapshot 1")),
        "{snap:?}"
    );
    // A YAML 1.1 boolean (a string to helm-unittest's yaml.v3) is refused, not guessed.
    std::fs::write(
        &suite_file,
        suite_text.replace("matchSnapshot: {}", "equal: {path: a, value: yes}"),
    )
    .unwrap();
    let refused = Suite::load(&suite_file).map(|_| ());
    assert!(refused.as_ref().is_err_and(|e| e.contains("`yes`")), "{refused:?}");
    let right = run_inline_suite(&chart, RIGHT_EXPECTATIONS);
    for (it, result) in right {
        assert!(result.is_ok(), "case {it:?} must pass: {result:?}");
    }
}

#[test]
fn assertion_paths_resolve_as_yamlpath_does() {
    let doc = json!({"spec": {"containers": [{"args": ["--a"]}]},
                     "metadata": {"annotations": {"prometheus.io/scrape": "true"}}});
    let steps = ut_path::parse("spec.containers[0].args").unwrap();
    assert_eq!(
        steps,
        vec![
            Step::Key("spec".into()),
            Step::Key("containers".into()),
            Step::Index(0),
            Step::Key("args".into())
        ]
    );
    assert_eq!(ut_path::find(&doc, &steps), vec![&json!(["--a"])]);
    let quoted = ut_path::parse(r#"metadata.annotations["prometheus.io/scrape"]"#).unwrap();
    assert_eq!(ut_path::find(&doc, &quoted), vec![&json!("true")]);
    assert!(ut_path::find(&doc, &ut_path::parse("spec.containers[1]").unwrap()).is_empty());
    assert!(ut_path::find(&doc, &ut_path::parse("spec[0]").unwrap()).is_empty());
    assert_eq!(ut_path::find(&doc, &[]), vec![&doc]);
    for unsupported in [
        "$.spec",
        "spec..args",
        "spec.*",
        "spec[*]",
        "a[?(@.x)]",
        "a[0:2]",
        "a['x','y']",
        "a[-1]",
    ] {
        assert!(ut_path::parse(unsupported).is_err(), "{unsupported} must be refused");
    }
}

#[test]
fn set_paths_build_nested_values() {
    let v = build_set_value("webhook.runtimeClassName", json!("something")).unwrap();
    assert_eq!(json!(v), json!({"webhook": {"runtimeClassName": "something"}}));
    let v = build_set_value("a[1].b", json!(true)).unwrap();
    assert_eq!(json!(v), json!({"a": [null, {"b": true}]}));
    let v = build_set_value("a.[b.c].d", json!(1)).unwrap();
    assert_eq!(json!(v), json!({"a": {"b.c": {"d": 1}}}));
    assert!(build_set_value("a=b", json!(1)).is_err());
    assert!(build_set_value("a[x]", json!(1)).is_err());
    let merged = user_values(&[
        ("global.runtimeClassName", &json!("ignored")),
        ("global", &json!({"priorityClassName": "high", "n": 3})),
    ])
    .unwrap();
    // Read back as Helm reads values: numbers are float64.
    assert_eq!(
        json!(merged),
        json!({"global": {"runtimeClassName": "ignored", "priorityClassName": "high", "n": 3.0}})
    );
}
