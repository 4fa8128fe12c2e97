//! Acceptance against the openCenter corpus (opt-in: `RFLUX_ACCEPTANCE=1`; the corpus
//! directory can be given with `RFLUX_CORPUS`). Every directory holding a kustomization is
//! built by `kubectl kustomize` and by rflux: where kustomize succeeds the outputs must be
//! equal objects in equal order; where it fails rflux must fail too. Prints N/M.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use rflux_kustomize::{build, to_yaml, yaml};

fn kustomization_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            kustomization_dirs(&p, out);
        } else if matches!(
            p.file_name().and_then(|n| n.to_str()),
            Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
        ) {
            out.push(dir.to_path_buf());
        }
    }
}

#[test]
fn opencenter_corpus() {
    if std::env::var("RFLUX_ACCEPTANCE").ok().as_deref() != Some("1") {
        eprintln!("skipped: set RFLUX_ACCEPTANCE=1 to run the corpus acceptance");
        return;
    }
    let corpus = std::env::var("RFLUX_CORPUS").map(PathBuf::from).unwrap_or_else(|_| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/opencenter-gitops-base")
    });
    let corpus = corpus.canonicalize().expect("corpus directory");
    let mut dirs = Vec::new();
    kustomization_dirs(&corpus, &mut dirs);
    let mut matched = 0;
    let mut identical = 0;
    for dir in &dirs {
        let rel = dir.strip_prefix(&corpus).unwrap_or(dir).display().to_string();
        let out = Command::new("kubectl")
            .args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
            .arg(dir)
            .output()
            .expect("kubectl");
        let ours = build(&corpus, dir);
        match (out.status.success(), ours) {
            (true, Ok(objs)) => {
                let expected = String::from_utf8_lossy(&out.stdout).to_string();
                let actual = to_yaml(&objs);
                let same_objects = yaml::parse_stream(&expected).unwrap_or_default()
                    == yaml::parse_stream(&actual).unwrap_or_default();
                if expected == actual {
                    identical += 1;
                }
                if same_objects {
                    matched += 1;
                } else {
                    eprintln!("DIFFERENT {rel}");
                }
            }
            (false, Err(e)) => {
                matched += 1;
                eprintln!("both fail {rel}: {e}");
            }
            (true, Err(e)) => eprintln!("RFLUX FAILS {rel}: {e}"),
            (false, Ok(_)) => eprintln!("KUSTOMIZE FAILS ONLY {rel}"),
        }
    }
    eprintln!(
        "acceptance: {matched}/{} match ({identical} byte-identical)",
        dirs.len()
    );
    assert_eq!(matched, dirs.len());
}
