//! Benchmark: parse and execute chart-like templates (helpers with many `include`s,
//! `toYaml | nindent`, ranges over values) and print the time per template.
//! Run: `cargo run --release --example bench`.

use std::time::Instant;

use rflux_gotmpl::{Template, Value};

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fidelity");
    let expected: serde_json::Value = match std::fs::read_to_string(format!("{dir}/expected.json"))
        .map_err(|e| e.to_string())
        .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("cannot read fixtures: {e}");
            std::process::exit(1);
        }
    };
    let helpers = std::fs::read_to_string(format!("{dir}/_helpers.tpl")).unwrap_or_default();
    let data = Value::from_json(&serde_json::json!({
        "Values": expected["values"],
        "Release": {"Name": "release-name", "Namespace": "default", "Service": "Helm", "Revision": 1},
        "Chart": {"Name": "fx", "Version": "0.1.0", "AppVersion": "1.2.3"},
    }));
    let cases: Vec<(String, String)> = expected["cases"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|c| c["name"].as_str().is_some_and(|n| n.starts_with("chart/")) && c.get("output").is_some())
                .filter_map(|c| Some((c["name"].as_str()?.to_string(), c["template"].as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let iters = 2000;
    println!("{:<36} {:>12} {:>12}", "template", "parse µs", "execute µs");
    for (name, text) in &cases {
        let t0 = Instant::now();
        let mut t = Template::new("gotpl");
        for _ in 0..iters {
            t = Template::new("gotpl");
            let _ = t.parse("case.yaml", text);
            let _ = t.parse("_helpers.tpl", &helpers);
        }
        let parse = t0.elapsed().as_secs_f64() * 1e6 / iters as f64;
        let t1 = Instant::now();
        for _ in 0..iters {
            let _ = t.execute("case.yaml", &data);
        }
        let exec = t1.elapsed().as_secs_f64() * 1e6 / iters as f64;
        println!("{name:<36} {parse:>12.1} {exec:>12.1}");
    }
    // The whole suite: parse + execute every successful fidelity case once.
    let all: Vec<&str> = expected["cases"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|c| c.get("output").is_some())
                .filter_map(|c| c["template"].as_str())
                // key derivation and key generation are slow by design; leave them out
                .filter(|t| {
                    !["bcrypt", "htpasswd", "derivePassword", "gen"]
                        .iter()
                        .any(|f| t.contains(f))
                })
                .collect()
        })
        .unwrap_or_default();
    let t2 = Instant::now();
    for text in &all {
        let mut t = Template::new("gotpl");
        let _ = t.parse("case.yaml", text);
        let _ = t.parse("_helpers.tpl", &helpers);
        let _ = t.execute("case.yaml", &data);
    }
    println!(
        "all {} successful fidelity cases, crypto left out (parse + execute): {:.1} ms",
        all.len(),
        t2.elapsed().as_secs_f64() * 1e3
    );
}
