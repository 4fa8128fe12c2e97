//! Acceptance against the shared sops corpus (`../shared/corpus/sops`): every encrypted file
//! decrypts with its key. Runs only with `RFLUX_ACCEPTANCE=1`; the corpus location can be
//! overridden with `RFLUX_SOPS_CORPUS`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use rflux_sops::{DecryptOptions, Format, Keyring, KubeDecryptOptions};

fn corpus() -> Option<PathBuf> {
    if std::env::var("RFLUX_ACCEPTANCE").ok().as_deref() != Some("1") {
        return None;
    }
    let p = std::env::var("RFLUX_SOPS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/sops"));
    p.exists().then_some(p)
}

fn keyring(root: &Path) -> Keyring {
    let mut k = Keyring::new();
    for f in ["flux/keys/age.txt", "flux/keys/age-global.txt", "flux/keys/age-pq.txt"] {
        let text = std::fs::read_to_string(root.join(f)).expect("read age key");
        k.add_age_identities(&text, f).expect("age key");
    }
    for f in ["flux/keys/pgp.asc", "sops-functional/pgp/sops_functional_tests_key.asc"] {
        let text = std::fs::read_to_string(root.join(f)).expect("read pgp key");
        k.add_pgp_armored(&text, f).expect("pgp key");
    }
    k
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn corpus_decrypts() {
    let Some(root) = corpus() else {
        eprintln!("skipped: set RFLUX_ACCEPTANCE=1 to run the corpus acceptance test");
        return;
    };
    let keys = keyring(&root);
    let mut all = Vec::new();
    files(&root, &mut all);
    let mut total = 0;
    let mut ok = 0;
    let mut report = Vec::new();
    let (mut emitted_same, mut emit_total) = (0, 0);
    let (mut md_same, mut md_total) = (0, 0);
    for path in &all {
        let rel = path.strip_prefix(&root).unwrap_or(path).display().to_string();
        if rel.contains("/keys/") || rel.contains("/pgp/") || rel.ends_with("SOURCE") || rel.contains("decryptor/") {
            continue;
        }
        let data = std::fs::read(path).expect("read");
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let mut format = Format::from_path(path);
        if name.ends_with(".env") {
            format = Format::Dotenv;
        }
        let text = String::from_utf8_lossy(&data);
        if name == "kustomization.yaml" || name == ".sops.yaml" {
            continue;
        }
        // Secrets carrying whole sops documents in data (flux/inside).
        if !text.contains("ENC[") && text.contains("kind: Secret") && !text.contains("sops:") {
            let docs = serde_saphyr::from_str::<serde_json::Value>(&text);
            if let Ok(mut obj) = docs
                && obj.get("data").is_some()
            {
                total += 1;
                match rflux_sops::kube::decrypt_object(&mut obj, &keys, &KubeDecryptOptions::default()) {
                    Ok(true) => {
                        ok += 1;
                        report.push(format!("ok   {rel} (Secret data holding sops documents)"));
                    }
                    Ok(false) => report.push(format!("plain {rel} (no sops data: passed through)")),
                    Err(e) => report.push(format!("FAIL {rel}: {e}")),
                }
                continue;
            }
        }
        if !text.contains("ENC[") {
            report.push(format!("plain {rel}"));
            continue;
        }
        total += 1;
        // The emitter writes what sops wrote (the encrypted file, metadata included).
        if matches!(format, Format::Yaml | Format::Json) {
            let indent = if rel.starts_with("flux/") { 2 } else { 4 };
            let branches = rflux_sops::formats::load_branches(&data, format).unwrap();
            let again = match format {
                Format::Yaml => rflux_sops::formats::yaml::emit(&branches, indent),
                _ => rflux_sops::formats::json::emit(&branches[0], "\t"),
            };
            let original = String::from_utf8_lossy(&data);
            if again == original {
                emitted_same += 1;
                report.push(format!("     re-emitted byte for byte: {rel}"));
            } else {
                let line = original
                    .lines()
                    .zip(again.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                report.push(format!(
                    "     re-emitted differs at line {}: {:?} vs {:?}",
                    line + 1,
                    original.lines().nth(line).unwrap_or_default(),
                    again.lines().nth(line).unwrap_or_default()
                ));
            }
            emit_total += 1;
            // Metadata written by sops >= 3.10 is re-created field for field.
            let branches = rflux_sops::formats::load_branches(&data, format).unwrap();
            if let Ok((data_branches, Some(md))) = rflux_sops::formats::split_metadata(branches, format) {
                let newer = md
                    .version
                    .split('.')
                    .nth(1)
                    .and_then(|m| m.parse::<u32>().ok())
                    .unwrap_or(0)
                    >= 10;
                if newer {
                    let again = match format {
                        Format::Yaml => {
                            let docs: Vec<_> = data_branches
                                .iter()
                                .map(|b| {
                                    let mut b = b.clone();
                                    b.push(rflux_sops::tree::Item::new("sops", md.to_value()));
                                    b
                                })
                                .collect();
                            rflux_sops::formats::yaml::emit(&docs, indent)
                        }
                        _ => {
                            String::from_utf8(rflux_sops::formats::emit_encrypted(&data_branches, &md, format).unwrap())
                                .unwrap()
                        }
                    };
                    md_total += 1;
                    if again == original {
                        md_same += 1;
                        report.push(format!("     metadata re-created byte for byte (sops {})", md.version));
                    } else {
                        report.push(format!("     metadata differs (sops {}):\n{again}", md.version));
                    }
                }
            }
        }
        if matches!(format, Format::Dotenv | Format::Ini) {
            let branches = rflux_sops::formats::load_branches(&data, format).unwrap();
            let (data_branches, md) = rflux_sops::formats::split_metadata(branches, format).unwrap();
            let again = rflux_sops::formats::emit_encrypted(&data_branches, &md.unwrap(), format).unwrap();
            emit_total += 1;
            if again == data {
                emitted_same += 1;
                report.push(format!("     re-emitted byte for byte: {rel}"));
            } else {
                report.push(format!("     re-emitted differs:\n{}", String::from_utf8_lossy(&again)));
            }
        }
        let verify = !name.contains("no_mac");
        match rflux_sops::decrypt(
            &data,
            format,
            &keys,
            &DecryptOptions {
                verify_mac: verify,
                ..Default::default()
            },
        ) {
            Ok(out) => {
                ok += 1;
                report.push(format!("ok   {rel} ({} bytes plaintext)", out.len()));
                // The plaintext encrypts again and decrypts to the same data.
                let id = age::x25519::Identity::generate();
                let mut fresh = Keyring::new();
                fresh
                    .add_age_identities(age::secrecy::ExposeSecret::expose_secret(&id.to_string()), "fresh")
                    .unwrap();
                let o = rflux_sops::EncryptOptions {
                    key_groups: vec![vec![rflux_sops::Recipient::age(&id.to_public().to_string()).unwrap()]],
                    ..Default::default()
                };
                match rflux_sops::encrypt(&out, format, &o)
                    .and_then(|e| rflux_sops::decrypt(&e, format, &fresh, &DecryptOptions::default()))
                {
                    Ok(again) if again == out => {
                        report.push("     re-encrypted and decrypted to the same bytes".into())
                    }
                    Ok(_) => report.push("     RE-ENCRYPTION CHANGED THE PLAINTEXT".into()),
                    Err(e) => report.push(format!("     RE-ENCRYPTION FAILED: {e}")),
                }
                let plain_name = name.replace(".enc", "");
                let counterpart = path.with_file_name(&plain_name);
                if plain_name != name && counterpart.exists() {
                    let expected = std::fs::read(&counterpart).expect("read plain");
                    let same = rflux_sops::formats::load_branches(&expected, format).ok()
                        == rflux_sops::formats::load_branches(&out, format).ok();
                    report.push(format!(
                        "     compared with {plain_name}: {}",
                        if same { "same" } else { "DIFFERENT" }
                    ));
                }
            }
            Err(e) => report.push(format!("FAIL {rel}: {e}")),
        }
    }
    for l in &report {
        eprintln!("{l}");
    }
    eprintln!("corpus: {ok}/{total} encrypted files decrypted");
    eprintln!("corpus: {emitted_same}/{emit_total} YAML/JSON/dotenv/INI files re-emitted byte for byte");
    eprintln!("corpus: {md_same}/{md_total} sops>=3.10 files: metadata re-created byte for byte");
    assert!(
        !report.iter().any(|l| l.contains("RE-ENCRYPTION")),
        "re-encryption problems"
    );
    let expected_failures = report
        .iter()
        .filter(|l| l.starts_with("FAIL") && l.contains("age-pq"))
        .count();
    assert_eq!(ok + expected_failures, total, "unexpected failures");
}
