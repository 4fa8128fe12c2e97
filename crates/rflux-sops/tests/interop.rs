//! Interoperability. Our encrypted output must decrypt with independent implementations: the npm package
//! `sops-age` (installed with npm into the test's temporary directory on first use), and the
//! age CLI and GnuPG for the data-key envelopes. Needs `node`/`npm`, `age` and `gpg` on
//! PATH; without them the test says so and does nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use rflux_sops::{EncryptOptions, Format, Recipient, RuleFields};

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn sops_age_dir() -> Option<PathBuf> {
    if !have("node") || !have("npm") {
        eprintln!("SKIPPED: node and npm are needed for the sops-age interoperability test");
        return None;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sops-age-npm");
    let module = dir.join("node_modules/sops-age/dist/index.js");
    if !module.exists() {
        std::fs::create_dir_all(&dir).expect("mkdir");
        let st = Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .arg("sops-age@4.0.2")
            .status()
            .expect("run npm");
        assert!(st.success(), "npm install sops-age failed");
    }
    let script = dir.join("decrypt.mjs");
    std::fs::write(
        &script,
        "import { decryptSops } from './node_modules/sops-age/dist/index.js';\n\
         import { readFileSync } from 'node:fs';\n\
         const [file, fileType] = process.argv.slice(2);\n\
         const out = await decryptSops(readFileSync(file, 'utf8'), { secretKey: process.env.AGE_KEY, fileType });\n\
         process.stdout.write(JSON.stringify(out));\n",
    )
    .expect("write script");
    Some(dir)
}

fn node_decrypt(dir: &Path, enc: &[u8], file_type: &str, key: &str) -> serde_json::Value {
    let file = dir.join(format!("input.{file_type}"));
    std::fs::write(&file, enc).expect("write input");
    let out = Command::new("node")
        .current_dir(dir)
        .arg("decrypt.mjs")
        .arg(&file)
        .arg(file_type)
        .env("AGE_KEY", key)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "sops-age failed for {file_type}: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(enc)
    );
    serde_json::from_slice(&out.stdout).expect("sops-age output is JSON")
}

#[test]
fn sops_age_decrypts_our_output() {
    let Some(dir) = sops_age_dir() else { return };
    let (sk, r) = common::age_key();
    let opts = |rules: RuleFields| EncryptOptions {
        key_groups: vec![vec![Recipient::age(&r).unwrap()]],
        rules,
        ..Default::default()
    };
    let yaml = "apiVersion: v1\nkind: Secret\nmetadata:\n    name: demo\nstringData:\n    password: s3cr3t\n    port: 5432\n    ratio: 1.5\n    on: true\n    list:\n        - a\n        - b\n";
    let enc = rflux_sops::encrypt(yaml.as_bytes(), Format::Yaml, &opts(RuleFields::default())).unwrap();
    let v = node_decrypt(&dir, &enc, "yaml", &sk);
    assert_eq!(v["stringData"]["password"], "s3cr3t");
    assert_eq!(v["stringData"]["port"], 5432);
    assert_eq!(v["stringData"]["ratio"], 1.5);
    assert_eq!(v["stringData"]["on"], true);
    assert_eq!(v["stringData"]["list"][1], "b");
    assert_eq!(v["metadata"]["name"], "demo");

    let rules = RuleFields {
        encrypted_regex: Some("^(data|stringData)$".into()),
        ..Default::default()
    };
    let enc = rflux_sops::encrypt(yaml.as_bytes(), Format::Yaml, &opts(rules)).unwrap();
    let v = node_decrypt(&dir, &enc, "yaml", &sk);
    assert_eq!(v["stringData"]["password"], "s3cr3t");

    let json = "{\"user\": \"admin\", \"n\": 3, \"nested\": {\"deep\": [\"x\", {\"y\": \"z\"}]}}";
    let enc = rflux_sops::encrypt(json.as_bytes(), Format::Json, &opts(RuleFields::default())).unwrap();
    let v = node_decrypt(&dir, &enc, "json", &sk);
    assert_eq!(v["user"], "admin");
    assert_eq!(v["n"], 3);
    assert_eq!(v["nested"]["deep"][1]["y"], "z");

    let env = "USER=admin\nPASSWORD=s3cr3t\n";
    let enc = rflux_sops::encrypt(env.as_bytes(), Format::Dotenv, &opts(RuleFields::default())).unwrap();
    let v = node_decrypt(&dir, &enc, "env", &sk);
    assert_eq!(v["USER"], "admin");
    assert_eq!(v["PASSWORD"], "s3cr3t");

    let enc = rflux_sops::encrypt(b"binary file contents\n", Format::Binary, &opts(RuleFields::default())).unwrap();
    let v = node_decrypt(&dir, &enc, "json", &sk);
    assert_eq!(v["data"], "binary file contents\n");
}

#[test]
fn age_cli_reads_our_data_key_envelope() {
    if !have("age") {
        eprintln!("SKIPPED: the age CLI (Debian package age) is needed for this test");
        return;
    }
    let (sk, r) = common::age_key();
    let o = EncryptOptions {
        key_groups: vec![vec![Recipient::age(&r).unwrap()]],
        ..Default::default()
    };
    let enc = rflux_sops::encrypt(b"a: b\n", Format::Yaml, &o).unwrap();
    let doc = rflux_sops::formats::load_branches(&enc, Format::Yaml).unwrap();
    let (_, md) = rflux_sops::formats::split_metadata(doc, Format::Yaml).unwrap();
    let Some(rflux_sops::MasterKey::Age { enc: armored, .. }) = md.unwrap().key_groups[0].first().cloned() else {
        panic!("no age key")
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("age-cli");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("key.txt"), format!("{sk}\n")).unwrap();
    std::fs::write(dir.join("dk.age"), armored).unwrap();
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(dir.join("key.txt"))
        .arg(dir.join("dk.age"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout.len(), 32, "the data key is 32 raw bytes");
}

#[test]
fn gnupg_reads_our_pgp_data_key_envelope() {
    if !have("gpg") {
        eprintln!("SKIPPED: gpg (Debian package gnupg) is needed for this test");
        return;
    }
    let (armored, fp) = common::pgp_key();
    // A fresh GNUPGHOME per run: an agent left from an earlier run must not be reused.
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("gpg-{}-{nonce}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    std::fs::write(home.join("key.asc"), &armored).unwrap();
    let gpg = |args: &[&str]| {
        Command::new("gpg")
            .env("GNUPGHOME", &home)
            .args(["--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(args)
            .output()
            .expect("run gpg")
    };
    let out = gpg(&["--import", home.join("key.asc").to_str().unwrap()]);
    assert!(
        out.status.success(),
        "gpg import: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = Recipient::pgp_from_armored(&armored, Some(&fp)).unwrap().remove(0);
    let o = EncryptOptions {
        key_groups: vec![vec![r]],
        ..Default::default()
    };
    let enc = rflux_sops::encrypt(b"a: b\n", Format::Yaml, &o).unwrap();
    let doc = rflux_sops::formats::load_branches(&enc, Format::Yaml).unwrap();
    let (_, md) = rflux_sops::formats::split_metadata(doc, Format::Yaml).unwrap();
    let Some(rflux_sops::MasterKey::Pgp {
        enc: message,
        fp: written_fp,
        ..
    }) = md.unwrap().key_groups[0].first().cloned()
    else {
        panic!("no pgp key")
    };
    assert_eq!(written_fp, fp);
    std::fs::write(home.join("dk.asc"), message).unwrap();
    let out = gpg(&["--decrypt", home.join("dk.asc").to_str().unwrap()]);
    assert!(
        out.status.success(),
        "gpg decrypt: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout.len(), 32, "the data key is 32 raw bytes");

    // And the other way: a data key that gpg encrypted decrypts with our keyring.
    std::fs::write(home.join("plain.bin"), [42u8; 32]).unwrap();
    let out = gpg(&[
        "--armor",
        "--trust-model",
        "always",
        "--recipient",
        &fp,
        "--output",
        home.join("from-gpg.asc").to_str().unwrap(),
        "--encrypt",
        home.join("plain.bin").to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "gpg encrypt: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let message = std::fs::read_to_string(home.join("from-gpg.asc")).unwrap();
    let md = rflux_sops::Metadata {
        key_groups: vec![vec![rflux_sops::MasterKey::Pgp {
            fp: fp.clone(),
            enc: message,
            created_at: "2024-01-01T00:00:00Z".into(),
        }]],
        shamir_threshold: 0,
        last_modified: "2024-01-01T00:00:00Z".into(),
        mac: String::new(),
        rules: Default::default(),
        version: "3.10.2".into(),
    };
    let mut keys = rflux_sops::Keyring::new();
    keys.add_pgp_armored(&armored, "key.asc").unwrap();
    assert_eq!(keys.data_key(&md).unwrap(), [42u8; 32]);
    // Stop the agent this test started and remove its home.
    let _ = Command::new("gpgconf")
        .env("GNUPGHOME", &home)
        .args(["--kill", "gpg-agent"])
        .output();
    let _ = std::fs::remove_dir_all(&home);
}
