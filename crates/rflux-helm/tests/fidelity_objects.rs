#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Fidelity of the built-in objects `.Files` and `.Capabilities`: every case in
//! `tests/fidelity-objects/expected.json` was rendered by the real Helm v4 engine as
//! `templates/case.yaml` of `tests/fidelity-objects/chart` (see `generate.py` there); our
//! output, or our error message, must be identical.

use std::path::Path;

use rflux_helm::{Chart, File, RenderOptions, Values};

fn render(base: &Chart, text: &str) -> Result<String, String> {
    let mut chart = base.clone();
    chart
        .templates
        .push(File::new("templates/case.yaml", text.as_bytes().to_vec()));
    let opts = RenderOptions {
        check_dependencies: false,
        check_kube_version: false,
        ..RenderOptions::default()
    };
    let (chart, values) = rflux_helm::prepare(&chart, &Values::new(), false).map_err(|e| e.to_string())?;
    let out = rflux_helm::render_templates(&chart, &values, &opts).map_err(|e| e.to_string())?;
    Ok(out.get("fx/templates/case.yaml").cloned().unwrap_or_default())
}

#[test]
fn files_and_capabilities_match_helm() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fidelity-objects");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let base = Chart::load(dir.join("chart")).unwrap();
    let cases = expected["cases"].as_array().unwrap();
    let mut failures = Vec::new();
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let text = c["template"].as_str().unwrap();
        let got = render(&base, text);
        let ok = match (&got, c.get("output"), c.get("error")) {
            (Ok(g), Some(w), _) => w.as_str() == Some(g.as_str()),
            (Err(g), _, Some(w)) => w.as_str() == Some(g.as_str()),
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "--- {name}\n  template: {text:?}\n  want: {}\n  got:  {got:?}",
                c.get("output").or(c.get("error")).unwrap()
            ));
        }
    }
    assert!(cases.len() >= 50, "fidelity cases missing");
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
