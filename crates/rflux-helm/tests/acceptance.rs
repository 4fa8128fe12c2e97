//! Opt-in acceptance against the shared corpus (`RFLUX_ACCEPTANCE=1`; the corpus is found
//! at `RFLUX_SHARED` or `../../../shared` from this crate): the cert-manager chart's
//! helm-unittest snapshots (`tests/controller/__snapshot__`) must equal what rflux-helm
//! renders for the same templates. The object-by-object comparison with the real Helm
//! engine is `acceptance/run.sh`.

use std::path::PathBuf;

use rflux_helm::{Chart, RenderOptions, Values, render, yaml};

fn shared() -> Option<PathBuf> {
    if std::env::var("RFLUX_ACCEPTANCE").as_deref() != Ok("1") {
        return None;
    }
    Some(match std::env::var("RFLUX_SHARED") {
        Ok(p) => PathBuf::from(p),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    })
}

#[test]
fn cert_manager_unittest_snapshots() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("corpus/charts/cert-manager");
    let chart = Chart::load(&dir);
    let Ok(mut chart) = chart else {
        panic!("{:?}", chart.err())
    };
    // helm-unittest renders the chart with its placeholder version.
    chart.metadata.version = "v0.0.0".into();
    chart.metadata.app_version = "v0.0.0".into();
    let opts = RenderOptions {
        name: "cert-manager".into(),
        namespace: "cert-manager".into(),
        ..RenderOptions::default()
    };
    let r = render(&chart, &Values::new(), &opts);
    let Ok(r) = r else { panic!("{:?}", r.err()) };
    let snap_text = std::fs::read_to_string(dir.join("tests/controller/__snapshot__/defaults_test.yaml.snap"));
    let Ok(snap_text) = snap_text else {
        panic!("snapshot missing")
    };
    let snap = yaml::parse(&snap_text).unwrap_or_default();
    let cases = [
        (
            "should render a Deployment matching the default snapshot",
            "cert-manager/templates/deployment.yaml",
        ),
        (
            "should render a Service matching the default snapshot",
            "cert-manager/templates/service.yaml",
        ),
        (
            "should render a ServiceAccount matching the default snapshot",
            "cert-manager/templates/serviceaccount.yaml",
        ),
    ];
    let mut ok = 0;
    for (name, path) in cases {
        let want_text = snap[name]["1"].as_str().unwrap_or_default();
        let want = yaml::parse(want_text).unwrap_or_default();
        assert!(want.get("kind").is_some(), "snapshot {name:?} not found");
        let got = r
            .manifests
            .iter()
            .find(|m| m.path == path)
            .and_then(|m| yaml::parse(&m.content).ok())
            .unwrap_or_default();
        assert_eq!(got, want, "snapshot {name:?} differs");
        ok += 1;
    }
    eprintln!("cert-manager helm-unittest snapshots: {ok}/{} identical", cases.len());
}

/// Copy a chart directory, leaving out of Chart.yaml the dependencies its `charts/` lacks
/// (the corpus copy of kube-prometheus-stack holds only the `crds` subchart; `helm
/// template` refuses the original, Helm's render skips what is absent).
fn copy_without_missing_dependencies(from: &std::path::Path, to: &std::path::Path) {
    let status = std::process::Command::new("cp").arg("-r").arg(from).arg(to).status();
    assert!(status.is_ok_and(|s| s.success()), "cp -r {}", from.display());
    let present: Vec<String> = std::fs::read_dir(to.join("charts"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let text = std::fs::read_to_string(to.join("Chart.yaml")).unwrap_or_default();
    let mut out = Vec::new();
    let (mut in_deps, mut keep) = (false, true);
    for line in text.lines() {
        if line == "dependencies:" {
            in_deps = true;
        } else if in_deps && !line.starts_with(' ') {
            in_deps = false;
            keep = true;
        } else if in_deps && let Some(name) = line.trim_start().strip_prefix("- name: ") {
            keep = present.iter().any(|p| p == name.trim());
        }
        if !in_deps || keep || line == "dependencies:" {
            out.push(line);
        }
    }
    let _ = std::fs::write(to.join("Chart.yaml"), out.join("\n") + "\n");
}

/// `---\n# Source: …` documents of a stream, comment-only ones left out, sorted.
fn documents(stream: &str) -> Vec<String> {
    let mut docs: Vec<String> = stream
        .split("---\n# Source: ")
        .filter(|d| !d.trim().is_empty())
        .filter(|d| {
            d.lines()
                .skip(1)
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
        .map(|d| d.trim_end().to_string())
        .collect();
    docs.sort();
    docs
}

#[test]
fn template_equals_helm_reference_render() {
    let Some(shared) = shared() else { return };
    let tools = shared.join("tools");
    let values = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("acceptance/values");
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let kps = tmp.path().join("kube-prometheus-stack");
    copy_without_missing_dependencies(&shared.join("corpus/charts/kube-prometheus-stack"), &kps);
    let cert_manager = shared.join("corpus/charts/cert-manager");
    let cases: [(&str, &std::path::Path, &[&str]); 6] = [
        ("cert-manager defaults", &cert_manager, &[]),
        ("cert-manager features on", &cert_manager, &["cert-manager-on.yaml"]),
        (
            "cert-manager more features",
            &cert_manager,
            &["cert-manager-extra.yaml"],
        ),
        ("kube-prometheus-stack defaults", &kps, &[]),
        (
            "kube-prometheus-stack features on",
            &kps,
            &["kps-off.yaml", "kps-on.yaml"],
        ),
        (
            "kube-prometheus-stack more features",
            &kps,
            &["kps-off.yaml", "kps-extra.yaml"],
        ),
    ];
    let mut failures = Vec::new();
    for (label, chart, files) in cases {
        let mut reference = std::process::Command::new(tools.join("helm-reference-render"));
        reference.arg(chart).args(["--name", "rel", "--namespace", "ns"]);
        for f in files {
            reference.arg("--values").arg(values.join(f));
        }
        let want = reference
            .output()
            .unwrap_or_else(|e| panic!("helm-reference-render: {e}"));
        let opts = rflux_helm::TemplateOptions {
            release_name: "rel".into(),
            namespace: "ns".into(),
            value_files: files.iter().map(|f| values.join(f)).collect(),
            ..Default::default()
        };
        let got = rflux_helm::template(chart, &opts);
        if !want.status.success() {
            // Helm fails too: the error must be Helm's, word for word.
            let helm_error = String::from_utf8_lossy(&want.stderr).trim().to_string();
            let ours = got.as_ref().err().map(|e| e.to_string()).unwrap_or_default();
            eprintln!("{label}: both fail with the same error: {}", ours == helm_error);
            if ours != helm_error {
                failures.push(format!("{label}: Helm fails with {helm_error:?}, rflux gives {got:?}"));
            }
            continue;
        }
        let got = got.unwrap_or_else(|e| panic!("{label}: {e}"));
        let (want_path, got_path) = (tmp.path().join("want.yaml"), tmp.path().join("got.yaml"));
        let _ = std::fs::write(&want_path, &want.stdout);
        let _ = std::fs::write(&got_path, &got);
        let cmp = std::process::Command::new(tools.join("compare-manifests"))
            .arg(&want_path)
            .arg(&got_path)
            .arg("--quiet")
            .output()
            .unwrap_or_else(|e| panic!("compare-manifests: {e}"));
        let summary = String::from_utf8_lossy(&cmp.stdout);
        let same_bytes = documents(&String::from_utf8_lossy(&want.stdout)) == documents(&got);
        eprintln!(
            "{label}: {} (documents byte-identical: {same_bytes})",
            summary.lines().last().unwrap_or_default()
        );
        if !cmp.status.success() || !same_bytes {
            failures.push(format!("{label}: {summary}"));
        }
    }
    let original = shared.join("corpus/charts/kube-prometheus-stack");
    let e = rflux_helm::template(&original, &rflux_helm::TemplateOptions::default()).map(|_| ());
    assert!(
        e.as_ref()
            .is_err_and(|e| e.to_string().ends_with("missing in charts/ directory: kube-state-metrics, prometheus-node-exporter, grafana, prometheus-windows-exporter")),
        "{e:?}"
    );
    assert!(failures.is_empty(), "{failures:#?}");
}
