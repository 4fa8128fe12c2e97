//! Fidelity: every case under `tests/fidelity/` (a chart, optional values and flags) is
//! rendered and compared byte for byte with the output the real Helm v4 engine produced
//! (`expected.yaml`), or with Helm's error message (`expected.err`). Regenerate the
//! expectations with `tests/fidelity/generate.sh`.

use std::path::Path;

use rflux_helm::{Chart, RenderOptions, Values};

fn run_case(dir: &Path) -> Result<String, String> {
    let mut opts = RenderOptions {
        check_dependencies: false,
        check_kube_version: false,
        ..RenderOptions::default()
    };
    let mut set_json = Vec::new();
    if let Ok(args) = std::fs::read_to_string(dir.join("args")) {
        let a: Vec<&str> = args.split_whitespace().collect();
        let mut i = 0;
        while i < a.len() {
            match a[i] {
                "--name" => {
                    opts.name = a.get(i + 1).unwrap_or(&"").to_string();
                    i += 1;
                }
                "--namespace" => {
                    opts.namespace = a.get(i + 1).unwrap_or(&"").to_string();
                    i += 1;
                }
                "--revision" => {
                    opts.revision = a.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(1);
                    i += 1;
                }
                "--upgrade" => opts.is_upgrade = true,
                "--set-json" => {
                    set_json.push(a.get(i + 1).unwrap_or(&"").to_string());
                    i += 1;
                }
                other => return Err(format!("unknown flag {other}")),
            }
            i += 1;
        }
    }
    let mut values = if dir.join("values.yaml").exists() {
        rflux_helm::read_values_file(dir.join("values.yaml")).map_err(|e| e.to_string())?
    } else {
        Values::new()
    };
    for j in set_json {
        rflux_helm::parse_set_json(&j, &mut values).map_err(|e| e.to_string())?;
    }
    let chart = Chart::load(dir.join("chart")).map_err(|e| e.to_string())?;
    rflux_helm::render(&chart, &values, &opts)
        .map(|r| r.to_reference_stream())
        .map_err(|e| e.to_string())
}

fn sorted_lines(s: &str) -> Vec<&str> {
    let mut v: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    v.sort_unstable();
    v
}

#[test]
fn fidelity_cases_match_helm() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fidelity");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .map(|r| {
            r.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    let mut failures = Vec::new();
    let total = dirs.len();
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let got = run_case(&dir);
        let want_ok = std::fs::read_to_string(dir.join("expected.yaml")).ok();
        let want_err = std::fs::read_to_string(dir.join("expected.err")).ok();
        match (got, want_ok, want_err) {
            (Ok(g), Some(w), _) if g == w => {}
            (Err(g), _, Some(w)) if g.trim_end() == w.trim_end() => {}
            // Helm's validator reports sibling errors in Go map order (varies run to run).
            (Err(g), _, Some(w)) if g.starts_with("values don't meet") && sorted_lines(&g) == sorted_lines(&w) => {}
            (g, w, e) => failures.push(format!(
                "== {name}\n-- got:\n{}\n-- want:\n{}",
                match g {
                    Ok(s) => s,
                    Err(e) => format!("ERROR: {e}"),
                },
                w.or(e.map(|e| format!("ERROR: {e}"))).unwrap_or_default()
            )),
        }
    }
    assert!(total >= 10, "fidelity cases missing");
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
