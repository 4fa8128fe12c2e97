//! `.sops.yaml` creation rules found above the file, and age key discovery the way sops does
//! it (environment variables and default files).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::path::Path;

use rflux_sops::{DecryptOptions, Format, Keyring};

fn scratch(name: &str) -> std::path::PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn creation_rules_pick_keys_and_regex_by_path() {
    let root = scratch("sops-config");
    let (sk_a, r_a) = common::age_key();
    let (sk_b, r_b) = common::age_key();
    let (pgp, fp) = common::pgp_key();
    std::fs::write(
        root.join(".sops.yaml"),
        format!(
            "stores:\n  yaml:\n    indent: 2\ncreation_rules:\n  - path_regex: pgp\\.yaml$\n    encrypted_regex: &re ^(data|stringData)$\n    pgp: {fp}\n  - path_regex: \\.yaml$\n    encrypted_regex: *re\n    age: {r_a}\n  - key_groups:\n      - age:\n          - {r_a}\n      - age:\n          - {r_b}\n"
        ),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("apps/deep")).unwrap();
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  k: v\n";
    std::fs::write(root.join("apps/deep/s.yaml"), secret).unwrap();
    std::fs::write(root.join("apps/deep/pgp.yaml"), secret).unwrap();
    std::fs::write(root.join("apps/deep/app.env"), "A=1\n").unwrap();

    let enc = rflux_sops::encrypt_file(&root.join("apps/deep/s.yaml"), None, None).unwrap();
    let text = String::from_utf8(enc.clone()).unwrap();
    assert!(
        text.contains(&r_a) && text.contains("name: x") && text.contains("encrypted_regex"),
        "{text}"
    );
    let mut ka = Keyring::new();
    ka.add_age_identities(&sk_a, "a").unwrap();
    rflux_sops::decrypt(&enc, Format::Yaml, &ka, &DecryptOptions::default()).unwrap();

    // The PGP rule needs the key material.
    assert!(rflux_sops::encrypt_file(&root.join("apps/deep/pgp.yaml"), None, None).is_err());
    let enc = rflux_sops::encrypt_file(&root.join("apps/deep/pgp.yaml"), None, Some(&pgp)).unwrap();
    assert!(String::from_utf8_lossy(&enc).contains(&fp));
    let mut kp = Keyring::new();
    kp.add_pgp_armored(&pgp, "p").unwrap();
    rflux_sops::decrypt(&enc, Format::Yaml, &kp, &DecryptOptions::default()).unwrap();

    // The fallback rule has two key groups: both are needed (threshold defaults to all).
    let enc = rflux_sops::encrypt_file(&root.join("apps/deep/app.env"), None, None).unwrap();
    assert!(String::from_utf8_lossy(&enc).contains("sops_key_groups__list_1__map_age__list_0__map_recipient="));
    assert!(rflux_sops::decrypt(&enc, Format::Dotenv, &ka, &DecryptOptions::default()).is_err());
    ka.add_age_identities(&sk_b, "b").unwrap();
    let out = rflux_sops::decrypt(&enc, Format::Dotenv, &ka, &DecryptOptions::default()).unwrap();
    assert_eq!(out, b"A=1\n");
}

#[test]
fn age_keys_from_the_sops_environment() {
    let home = scratch("sops-home");
    let (sk1, r1) = common::age_key();
    let (sk2, r2) = common::age_key();
    let (sk3, r3) = common::age_key();
    std::fs::create_dir_all(home.join(".config/sops/age")).unwrap();
    std::fs::write(home.join(".config/sops/age/keys.txt"), format!("# default\n{sk1}\n")).unwrap();
    std::fs::write(home.join("explicit.txt"), format!("{sk2}\n")).unwrap();
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::copy(common::fixture("ssh_ed25519"), home.join(".ssh/id_ed25519")).unwrap();
    let mut env = HashMap::new();
    env.insert("HOME", home.display().to_string());
    env.insert("SOPS_AGE_KEY_FILE", home.join("explicit.txt").display().to_string());
    env.insert("SOPS_AGE_KEY", sk3.clone());
    let mut k = Keyring::new();
    let n = k.add_sops_environment(|name| env.get(name).cloned()).unwrap();
    assert_eq!(n, 4, "inline, file, default keys.txt and ~/.ssh/id_ed25519");
    let (_, ssh_r) = common::ssh("ssh_ed25519");
    for r in [r1, r2, r3, ssh_r] {
        let o = rflux_sops::EncryptOptions {
            key_groups: vec![vec![rflux_sops::Recipient::age(&r).unwrap()]],
            ..Default::default()
        };
        let enc = rflux_sops::encrypt(b"a: b\n", Format::Yaml, &o).unwrap();
        rflux_sops::decrypt(&enc, Format::Yaml, &k, &DecryptOptions::default()).unwrap();
    }
    // An explicit file that does not exist is an error naming it.
    let mut k = Keyring::new();
    let err = k
        .add_sops_environment(|name| (name == "SOPS_AGE_KEY_FILE").then(|| "/nonexistent/keys.txt".to_string()))
        .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/keys.txt"), "{err}");
}
