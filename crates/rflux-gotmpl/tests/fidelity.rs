//! Fidelity suite: every case in `tests/fidelity/expected.json` was rendered by the real
//! Helm v4 engine (see `tests/fidelity/generate.py`); our output must be identical.
//! Cases listed in `tests/fidelity/known_failures.txt` are reported but tolerated.

use rflux_gotmpl::{MapRef, Template, Value};
use serde_json::json;

const CHART_TEMPLATE: &str = "fx/templates/case.yaml";
const HELPERS: &str = "fx/templates/_helpers.tpl";

fn data(values: &serde_json::Value) -> Value {
    let mut top = Value::from_json(&json!({
        "Release": {"Name": "release-name", "Namespace": "default", "Service": "Helm",
                    "IsInstall": true, "IsUpgrade": false},
        "Chart": {"Name": "fx", "Version": "0.1.0", "AppVersion": "1.2.3"},
        "Template": {"Name": CHART_TEMPLATE, "BasePath": "fx/templates"},
        "Capabilities": {},
    }));
    // Helm's top-level data is common.Values too.
    if let Value::Map(m) = &top {
        top = Value::Map(MapRef::named(m.snapshot(), "common.Values"));
    }
    if let Value::Map(m) = &mut top {
        let vals = match Value::from_json(values) {
            Value::Map(v) => Value::Map(MapRef::named(v.snapshot(), "common.Values")),
            other => other,
        };
        m.write().insert("Values".into(), vals);
        if let Some(Value::Map(r)) = m.get("Release") {
            r.write().insert("Revision".into(), Value::Int(1));
        }
    }
    top
}

fn render(helpers: &str, text: &str, data: &Value) -> Result<String, (String, String)> {
    let mut t = Template::new("gotpl");
    // Helm parses deeper paths first, then names in reverse order: case.yaml before _helpers.tpl.
    t.parse(CHART_TEMPLATE, text)
        .map_err(|e| (e.to_string(), e.helm_message()))?;
    t.parse(HELPERS, helpers)
        .map_err(|e| (e.to_string(), e.helm_message()))?;
    t.execute(CHART_TEMPLATE, data)
        .map_err(|e| (e.to_string(), e.helm_message()))
}

#[test]
fn fidelity_against_helm_v4() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fidelity");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/expected.json")).unwrap()).unwrap();
    let helpers = std::fs::read_to_string(format!("{dir}/_helpers.tpl")).unwrap();
    let known: Vec<String> = std::fs::read_to_string(format!("{dir}/known_failures.txt"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let cases = expected["cases"].as_array().unwrap();
    let (mut pass, mut fail_new, mut fail_known, mut fixed) = (0, Vec::new(), Vec::new(), Vec::new());
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let text = c["template"].as_str().unwrap();
        let got = render(&helpers, text, &data(&expected["values"]));
        let ok = match (c.get("output"), c.get("error"), &got) {
            (Some(serde_json::Value::Null), _, Ok(_)) => true, // random output: shape only
            (Some(_), _, Ok(_)) if c.get("bcrypt").is_some() => true, // checked in src/bcrypt.rs
            (Some(out), _, Ok(s)) => out.as_str() == Some(s.as_str()),
            (_, Some(err), Err((_raw, helm))) => err.as_str() == Some(helm.as_str()),
            _ => false,
        };
        let is_known = known.iter().any(|k| k == name);
        if ok {
            pass += 1;
            if is_known {
                fixed.push(name.to_string());
            }
        } else {
            let detail = format!(
                "--- {name}\n  template: {text:?}\n  want: {}\n  got:  {:?}",
                c.get("output")
                    .or(c.get("error"))
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                got
            );
            if is_known {
                fail_known.push(detail)
            } else {
                fail_new.push(detail)
            }
        }
    }
    eprintln!(
        "fidelity: {pass}/{} cases identical to Helm v4; {} known failures; {} new failures",
        cases.len(),
        fail_known.len(),
        fail_new.len()
    );
    if std::env::var("FIDELITY_VERBOSE").is_ok() {
        for d in &fail_known {
            eprintln!("(known) {d}");
        }
    }
    for f in &fixed {
        eprintln!("known failure now passes, remove it from known_failures.txt: {f}");
    }
    for d in &fail_new {
        eprintln!("{d}");
    }
    assert!(
        fail_new.is_empty(),
        "{} fidelity cases differ from Helm v4",
        fail_new.len()
    );
}
