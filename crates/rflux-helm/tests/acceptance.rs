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
