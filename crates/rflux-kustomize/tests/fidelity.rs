//! Fidelity suite: every case is written to a temporary directory, built by
//! `kubectl kustomize --load-restrictor LoadRestrictionsNone` (kustomize v5.5, the reference)
//! and by `rflux_kustomize::build`; outputs must be equal object by object, in order (and
//! are reported byte-identical when they are). When kustomize fails, rflux must fail too,
//! with an error naming the kustomization file.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod cases;

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use rflux_kustomize::{build, to_yaml, yaml};

struct Outcome {
    name: String,
    ok: bool,
    identical: bool,
    /// Both tools refused the input.
    both_failed: bool,
    detail: String,
}

fn write_case(dir: &Path, files: &[(String, String)]) {
    for (path, content) in files {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(&p, content).expect("write file");
    }
}

fn run_case(case: &cases::Case) -> Outcome {
    let tmp = tempfile::tempdir().expect("tempdir");
    write_case(tmp.path(), &case.files);
    let dir = tmp.path().join(&case.dir);
    let out = Command::new("kubectl")
        .args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
        .arg(&dir)
        .output()
        .expect("kubectl must be installed (the reference kustomize)");
    let ours = build(tmp.path(), &dir);
    let name = case.name.clone();
    match (out.status.success(), ours) {
        (true, Ok(objects)) => {
            let expected = String::from_utf8_lossy(&out.stdout).to_string();
            let actual = to_yaml(&objects);
            if expected == actual {
                return Outcome {
                    name,
                    ok: true,
                    identical: true,
                    both_failed: false,
                    detail: String::new(),
                };
            }
            let exp_docs: Vec<_> = yaml::parse_stream(&expected)
                .unwrap_or_default()
                .into_iter()
                .filter(|d| !d.is_null())
                .collect();
            let act_docs: Vec<_> = yaml::parse_stream(&actual)
                .unwrap_or_default()
                .into_iter()
                .filter(|d| !d.is_null())
                .collect();
            let ok = exp_docs == act_docs;
            Outcome {
                name,
                ok,
                identical: false,
                both_failed: false,
                detail: format!("--- kustomize\n{expected}--- rflux\n{actual}"),
            }
        }
        (false, Err(e)) => {
            let msg = e.to_string();
            let names_file = msg.contains("kustomization") || msg.contains(".yaml") || msg.contains(".yml");
            let names_entry = case.error_mentions.iter().all(|m| msg.contains(m.as_str()));
            Outcome {
                name,
                ok: names_file && names_entry,
                identical: true,
                both_failed: true,
                detail: format!(
                    "kustomize: {}\nrflux: {msg}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            }
        }
        (true, Err(e)) => Outcome {
            name,
            ok: false,
            identical: false,
            both_failed: false,
            detail: format!("rflux failed where kustomize succeeded: {e}"),
        },
        (false, Ok(objects)) => Outcome {
            name,
            ok: false,
            identical: false,
            both_failed: false,
            detail: format!(
                "kustomize failed ({}) where rflux succeeded:\n{}",
                String::from_utf8_lossy(&out.stderr).trim(),
                to_yaml(&objects)
            ),
        },
    }
}

#[test]
fn fidelity_against_kubectl_kustomize() {
    let all = cases::all();
    assert!(all.len() >= 150, "only {} cases", all.len());
    let queue = Mutex::new(all.iter());
    let results = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 8);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let next = queue.lock().expect("queue").next();
                    let Some(case) = next else { break };
                    let outcome = run_case(case);
                    results.lock().expect("results").push(outcome);
                }
            });
        }
    });
    let results = results.into_inner().expect("results");
    let failed: Vec<&Outcome> = results.iter().filter(|o| !o.ok).collect();
    let identical = results.iter().filter(|o| o.ok && o.identical).count();
    let dump = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fidelity-failures");
    let _ = std::fs::remove_dir_all(&dump);
    for o in results.iter().filter(|o| o.ok && !o.identical) {
        eprintln!("equal objects, not byte-identical: {}", o.name);
        let _ = std::fs::create_dir_all(&dump);
        let _ = std::fs::write(dump.join(&o.name), &o.detail);
    }
    for f in &failed {
        eprintln!("FAILED {}", f.name);
        let _ = std::fs::create_dir_all(&dump);
        let _ = std::fs::write(dump.join(&f.name), &f.detail);
    }
    let refused = results.iter().filter(|o| o.ok && o.both_failed).count();
    eprintln!(
        "fidelity: {} cases, {} passed ({} byte-identical outputs, {} refused by both), {} failed",
        results.len(),
        results.len() - failed.len(),
        identical - refused,
        refused,
        failed.len()
    );
    assert!(failed.is_empty(), "{} fidelity cases failed", failed.len());
}
