//! Encrypt then decrypt every format with every key type, key groups with Shamir, and the
//! selection rules; the output is checked structurally against the input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use rflux_sops::formats::{self, Format};
use rflux_sops::{DecryptOptions, EncryptOptions, Keyring, Recipient, RuleFields};

const YAML: &str = "# top comment\napiVersion: v1\nkind: Secret\nmetadata:\n    name: demo\nstringData:\n    password: s3cr3t-value\n    port: 5432\n    ratio: 1.5\n    enabled: true\n    empty: \"\"\n    nothing: null\n    list:\n        - one\n        - 2\n    nested:\n        deep: value\n---\nsecond: doc\n";
const JSON: &str = "{\n\t\"user\": \"admin\",\n\t\"pass\": \"hunter2\",\n\t\"n\": 42,\n\t\"f\": 2.25,\n\t\"ok\": false,\n\t\"arr\": [1, \"two\", {\"x\": \"y\"}],\n\t\"nil\": null\n}\n";
const DOTENV: &str = "# comment\nUSER=admin\nPASSWORD=s3cr3t\nMULTI=line1\\nline2\n";
const INI: &str = "[database]\nuser = admin\npassword = s3cr3t\n\n[other]\nkey = value\n";
const BINARY: &[u8] = b"\x00\x01binary \xff\xfe payload\n";

fn samples() -> Vec<(Format, Vec<u8>)> {
    vec![
        (Format::Yaml, YAML.as_bytes().to_vec()),
        (Format::Json, JSON.as_bytes().to_vec()),
        (Format::Dotenv, DOTENV.as_bytes().to_vec()),
        (Format::Ini, INI.as_bytes().to_vec()),
        (Format::Binary, BINARY.to_vec()),
    ]
}

fn same_data(format: Format, a: &[u8], b: &[u8]) {
    if format == Format::Binary {
        assert_eq!(a, b);
        return;
    }
    let a = formats::load_branches(a, format).expect("parse original");
    let b = formats::load_branches(b, format).expect("parse round trip");
    assert_eq!(a, b, "{format:?} round trip changed the data");
}

fn opts(r: Recipient) -> EncryptOptions {
    EncryptOptions {
        key_groups: vec![vec![r]],
        ..Default::default()
    }
}

#[test]
fn every_format_with_every_key_type() {
    let keys = common::all_key_types();
    for (name, keyring, recipient) in &keys {
        for (format, plain) in samples() {
            let enc = rflux_sops::encrypt(&plain, format, &opts(recipient.clone())).expect("encrypt");
            let text = String::from_utf8_lossy(&enc);
            assert!(!text.contains("s3cr3t"), "{name} {format:?}: plaintext left in output");
            assert!(rflux_sops::has_metadata(&enc, format), "{name} {format:?}: no metadata");
            let dec = rflux_sops::decrypt(&enc, format, keyring, &DecryptOptions::default())
                .unwrap_or_else(|e| panic!("{name} {format:?}: {e}\n{text}"));
            same_data(format, &plain, &dec);
        }
    }
}

#[test]
fn yaml_output_keeps_order_comments_and_types() {
    let (sk, r) = common::age_key();
    let mut k = Keyring::new();
    k.add_age_identities(&sk, "test").unwrap();
    let enc = rflux_sops::encrypt(YAML.as_bytes(), Format::Yaml, &opts(Recipient::age(&r).unwrap())).unwrap();
    let text = String::from_utf8(enc.clone()).unwrap();
    assert!(text.contains("port: ENC[AES256_GCM,"), "{text}");
    assert!(text.contains("type:int]"), "{text}");
    assert!(text.contains("type:float]"), "{text}");
    assert!(text.contains("type:bool]"), "{text}");
    assert!(text.contains("type:comment]"), "{text}");
    assert!(text.contains("empty: \"\""), "empty strings stay empty: {text}");
    assert!(text.contains("nothing: null"), "{text}");
    let dec =
        String::from_utf8(rflux_sops::decrypt(&enc, Format::Yaml, &k, &DecryptOptions::default()).unwrap()).unwrap();
    assert!(
        dec.starts_with("# top comment\napiVersion: v1\nkind: Secret\n"),
        "{dec}"
    );
    assert!(dec.contains("    port: 5432\n"), "{dec}");
    assert!(dec.contains("    enabled: true\n"), "{dec}");
    assert!(dec.contains("---\nsecond: doc\n"), "{dec}");
    assert!(!dec.contains("sops:"), "{dec}");
}

#[test]
fn encrypted_regex_leaves_other_values_clear_and_mac_covers_them() {
    let (sk, r) = common::age_key();
    let mut k = Keyring::new();
    k.add_age_identities(&sk, "test").unwrap();
    let o = EncryptOptions {
        key_groups: vec![vec![Recipient::age(&r).unwrap()]],
        rules: RuleFields {
            encrypted_regex: Some("^(data|stringData)$".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let enc = String::from_utf8(rflux_sops::encrypt(YAML.as_bytes(), Format::Yaml, &o).unwrap()).unwrap();
    assert!(enc.contains("name: demo"), "{enc}");
    assert!(enc.contains("kind: Secret"), "{enc}");
    assert!(enc.contains("encrypted_regex: ^(data|stringData)$"), "{enc}");
    // Changing a clear value breaks the MAC (sops semantics) unless MAC checks are off.
    let changed = enc.replace("name: demo", "name: other");
    let err = rflux_sops::decrypt(changed.as_bytes(), Format::Yaml, &k, &DecryptOptions::default()).unwrap_err();
    assert!(matches!(err, rflux_sops::SopsError::MacMismatch), "{err}");
    rflux_sops::decrypt(
        changed.as_bytes(),
        Format::Yaml,
        &k,
        &DecryptOptions {
            verify_mac: false,
            ..Default::default()
        },
    )
    .unwrap();
}

#[test]
fn suffix_and_mac_only_encrypted_rules() {
    let (sk, r) = common::age_key();
    let mut k = Keyring::new();
    k.add_age_identities(&sk, "test").unwrap();
    let src = "a_unencrypted: clear\nb: secret\nc_enc: also\n";
    for rules in [
        RuleFields::default(),
        RuleFields {
            encrypted_suffix: Some("_enc".into()),
            ..Default::default()
        },
        RuleFields {
            unencrypted_regex: Some("^a".into()),
            mac_only_encrypted: true,
            ..Default::default()
        },
    ] {
        let o = EncryptOptions {
            key_groups: vec![vec![Recipient::age(&r).unwrap()]],
            rules: rules.clone(),
            ..Default::default()
        };
        let enc = String::from_utf8(rflux_sops::encrypt(src.as_bytes(), Format::Yaml, &o).unwrap()).unwrap();
        assert!(enc.contains("a_unencrypted: clear"), "{rules:?}\n{enc}");
        if rules.encrypted_suffix.is_some() {
            assert!(enc.contains("b: secret"), "{enc}");
        } else {
            assert!(!enc.contains("b: secret"), "{enc}");
        }
        if rules.mac_only_encrypted {
            assert!(enc.contains("mac_only_encrypted: true"), "{enc}");
            // A clear value may change without breaking the MAC.
            let changed = enc.replace("a_unencrypted: clear", "a_unencrypted: changed");
            rflux_sops::decrypt(changed.as_bytes(), Format::Yaml, &k, &DecryptOptions::default()).unwrap();
        }
        let dec = rflux_sops::decrypt(enc.as_bytes(), Format::Yaml, &k, &DecryptOptions::default()).unwrap();
        same_data(Format::Yaml, src.as_bytes(), &dec);
    }
}

#[test]
fn key_groups_with_shamir_threshold() {
    let (sk1, r1) = common::age_key();
    let (sk2, r2) = common::age_key();
    let (pgp_armored, fp) = common::pgp_key();
    let pgp_r = Recipient::pgp_from_armored(&pgp_armored, Some(&fp)).unwrap().remove(0);
    let o = EncryptOptions {
        key_groups: vec![
            vec![Recipient::age(&r1).unwrap()],
            vec![Recipient::age(&r2).unwrap()],
            vec![pgp_r],
        ],
        shamir_threshold: 2,
        ..Default::default()
    };
    let enc = rflux_sops::encrypt(JSON.as_bytes(), Format::Json, &o).unwrap();
    let text = String::from_utf8_lossy(&enc);
    assert!(text.contains("\"key_groups\""), "{text}");
    assert!(text.contains("\"shamir_threshold\": 2"), "{text}");
    // Two groups suffice, in any combination.
    let mut a = Keyring::new();
    a.add_age_identities(&sk1, "1").unwrap();
    a.add_age_identities(&sk2, "2").unwrap();
    let dec = rflux_sops::decrypt(&enc, Format::Json, &a, &DecryptOptions::default()).unwrap();
    same_data(Format::Json, JSON.as_bytes(), &dec);
    let mut b = Keyring::new();
    b.add_age_identities(&sk2, "2").unwrap();
    b.add_pgp_armored(&pgp_armored, "pgp").unwrap();
    rflux_sops::decrypt(&enc, Format::Json, &b, &DecryptOptions::default()).unwrap();
    // One group is not enough.
    let mut c = Keyring::new();
    c.add_age_identities(&sk1, "1").unwrap();
    let err = rflux_sops::decrypt(&enc, Format::Json, &c, &DecryptOptions::default()).unwrap_err();
    assert!(err.to_string().contains("2 of 3 key groups needed"), "{err}");
}

#[test]
fn several_age_identities_in_one_file() {
    let (sk1, _) = common::age_key();
    let (sk2, r2) = common::age_key();
    let mut k = Keyring::new();
    let n = k
        .add_age_identities(&format!("# created: now\n{sk1}\n\n{sk2}\n"), "keys.agekey")
        .unwrap();
    assert_eq!(n, 2);
    let enc = rflux_sops::encrypt(DOTENV.as_bytes(), Format::Dotenv, &opts(Recipient::age(&r2).unwrap())).unwrap();
    rflux_sops::decrypt(&enc, Format::Dotenv, &k, &DecryptOptions::default()).unwrap();
}

#[test]
fn pgp_key_files_with_public_and_secret_blocks() {
    use pgp::composed::{Deserializable, SignedSecretKey};
    let (secret, fp) = common::pgp_key();
    let (parsed, _) = SignedSecretKey::from_string(&secret).unwrap();
    let public = parsed.to_public_key().to_armored_string(None.into()).unwrap();
    let mut k = Keyring::new();
    assert_eq!(
        k.add_pgp_armored(&format!("{public}\n{secret}\n"), "export.asc")
            .unwrap(),
        1
    );
    // Encrypting needs only the public block.
    let r = Recipient::pgp_from_armored(&public, Some(&fp[fp.len() - 16..]))
        .unwrap()
        .remove(0);
    let enc = rflux_sops::encrypt(INI.as_bytes(), Format::Ini, &opts(r)).unwrap();
    let dec = rflux_sops::decrypt(&enc, Format::Ini, &k, &DecryptOptions::default()).unwrap();
    same_data(Format::Ini, INI.as_bytes(), &dec);
    // A file with only public keys is not a decryption key.
    assert!(Keyring::new().add_pgp_armored(&public, "pub.asc").is_err());
}
