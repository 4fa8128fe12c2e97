//! Tampering with a ciphertext byte, the IV, the tag or the MAC fails; a wrong key fails
//! naming the recipients tried; and no error or log line of a failing decryption contains a
//! plaintext value or key material.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rflux_sops::{DecryptOptions, EncryptOptions, Format, Keyring, Recipient, SopsError};

const PLAINTEXT: &str = "TopSecretPlaintext-9f27c1";

fn encrypted() -> (String, Keyring, String, String) {
    let (sk, r) = common::age_key();
    let mut k = Keyring::new();
    k.add_age_identities(&sk, "test.agekey").unwrap();
    let o = EncryptOptions {
        key_groups: vec![vec![Recipient::age(&r).unwrap()]],
        ..Default::default()
    };
    let src = format!("password: {PLAINTEXT}\nother: value\n");
    let enc = String::from_utf8(rflux_sops::encrypt(src.as_bytes(), Format::Yaml, &o).unwrap()).unwrap();
    (enc, k, sk, r)
}

/// Replace the `field` (data, iv, tag) of the ENC value on the line starting with `line_prefix`
/// by the same bytes with one bit flipped.
fn flip(doc: &str, line_prefix: &str, field: &str) -> String {
    let mut out = String::new();
    for line in doc.lines() {
        if line.trim_start().starts_with(line_prefix) {
            let start = line.find(&format!("{field}:")).unwrap() + field.len() + 1;
            let end = start + line[start..].find(',').unwrap();
            let mut bytes = STANDARD.decode(&line[start..end]).unwrap();
            bytes[0] ^= 0x01;
            out.push_str(&line[..start]);
            out.push_str(&STANDARD.encode(bytes));
            out.push_str(&line[end..]);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

#[test]
fn tampering_fails() {
    let (enc, k, _, _) = encrypted();
    rflux_sops::decrypt(enc.as_bytes(), Format::Yaml, &k, &DecryptOptions::default()).unwrap();
    for field in ["data", "iv", "tag"] {
        let bad = flip(&enc, "password:", field);
        assert_ne!(bad, enc);
        let err = rflux_sops::decrypt(bad.as_bytes(), Format::Yaml, &k, &DecryptOptions::default()).unwrap_err();
        assert!(
            matches!(err, SopsError::Authentication { ref path } if path == "password"),
            "{field}: {err}"
        );
        // Authentication does not depend on the MAC check.
        let err = rflux_sops::decrypt(
            bad.as_bytes(),
            Format::Yaml,
            &k,
            &DecryptOptions {
                verify_mac: false,
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(matches!(err, SopsError::Authentication { .. }), "{field}: {err}");
    }
    for field in ["data", "iv", "tag"] {
        let bad = flip(&enc, "mac:", field);
        let err = rflux_sops::decrypt(bad.as_bytes(), Format::Yaml, &k, &DecryptOptions::default()).unwrap_err();
        assert!(matches!(err, SopsError::MacMismatch), "mac {field}: {err}");
    }
    // A value moved to another key fails: the key path is authenticated.
    let moved = enc.replace("password:", "renamed:");
    let err = rflux_sops::decrypt(moved.as_bytes(), Format::Yaml, &k, &DecryptOptions::default()).unwrap_err();
    assert!(matches!(err, SopsError::Authentication { .. }), "{err}");
    // Changing lastmodified changes the MAC's additional data.
    let redated = enc
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("lastmodified:") {
                "    lastmodified: \"2001-01-01T00:00:00Z\""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let err = rflux_sops::decrypt(redated.as_bytes(), Format::Yaml, &k, &DecryptOptions::default()).unwrap_err();
    assert!(matches!(err, SopsError::MacMismatch), "{err}");
    // An empty MAC is refused unless the check is off.
    let nomac = enc
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("mac:") {
                "    mac: \"\""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let err = rflux_sops::decrypt(nomac.as_bytes(), Format::Yaml, &k, &DecryptOptions::default()).unwrap_err();
    assert!(matches!(err, SopsError::MacMissing), "{err}");
}

#[test]
fn plain_documents_pass_through_only_when_asked() {
    let plain = b"a: 1\n";
    let err = rflux_sops::decrypt(plain, Format::Yaml, &Keyring::new(), &DecryptOptions::default()).unwrap_err();
    assert!(matches!(err, SopsError::MetadataNotFound), "{err}");
    let opts = DecryptOptions {
        pass_through_plain: true,
        ..Default::default()
    };
    assert_eq!(
        rflux_sops::decrypt(plain, Format::Yaml, &Keyring::new(), &opts).unwrap(),
        plain
    );
}

#[test]
fn wrong_key_names_recipients_tried() {
    let (enc, _, _, r) = encrypted();
    let (other_sk, _) = common::age_key();
    let mut wrong = Keyring::new();
    wrong.add_age_identities(&other_sk, "wrong.agekey").unwrap();
    let err = rflux_sops::decrypt(enc.as_bytes(), Format::Yaml, &wrong, &DecryptOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SopsError::DataKey(_)), "{msg}");
    assert!(msg.contains(&r), "error should name the recipient: {msg}");
    let err = rflux_sops::decrypt(
        enc.as_bytes(),
        Format::Yaml,
        &Keyring::new(),
        &DecryptOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("no age identities configured"), "{err}");
}

#[test]
fn unconfigured_providers_are_named() {
    let doc = "a: ENC[AES256_GCM,data:AAAA,iv:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]\nsops:\n    hc_vault:\n        - vault_address: http://127.0.0.1:8200\n          engine_path: sops\n          key_name: firstkey\n          created_at: \"2022-01-01T00:00:00Z\"\n          enc: vault:v1:xyz\n    lastmodified: \"2022-01-01T00:00:00Z\"\n    mac: ENC[AES256_GCM,data:AAAA,iv:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]\n    version: 3.9.0\n";
    let err = rflux_sops::decrypt(
        doc.as_bytes(),
        Format::Yaml,
        &Keyring::new(),
        &DecryptOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("provider hc_vault is not configured"), "{err}");
    let kms = doc.replace("hc_vault:", "kms:").replace(
        "vault_address: http://127.0.0.1:8200",
        "arn: arn:aws:kms:us-east-1:1:key/abc",
    );
    let err = rflux_sops::decrypt(
        kms.as_bytes(),
        Format::Yaml,
        &Keyring::new(),
        &DecryptOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("provider kms is not configured"), "{err}");
    assert!(err.to_string().contains("arn:aws:kms:us-east-1:1:key/abc"), "{err}");
}

// A minimal tracing subscriber that records every event and span field as text.
struct Capture(Arc<Mutex<String>>);

struct Visitor<'a>(&'a mut String);

impl tracing::field::Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut s = self.0.lock().unwrap();
        attrs.record(&mut Visitor(&mut s));
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut s = self.0.lock().unwrap();
        values.record(&mut Visitor(&mut s));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut s = self.0.lock().unwrap();
        event.record(&mut Visitor(&mut s));
        s.push('\n');
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn failures_never_reveal_plaintext_or_keys() {
    let (enc, k, sk, _) = encrypted();
    let (pgp_armored, _) = common::pgp_key();
    let log = Arc::new(Mutex::new(String::new()));
    let mut texts = Vec::new();
    tracing::subscriber::with_default(Capture(log.clone()), || {
        let mut k2 = Keyring::new();
        k2.add_pgp_armored(&pgp_armored, "key.asc").unwrap();
        let (other, _) = common::age_key();
        k2.add_age_identities(&other, "other.agekey").unwrap();
        let cases = vec![
            // MAC mismatch after a successful value decryption (plaintext was in memory).
            enc.replace("other: value", "other: changed"),
            flip(&enc, "mac:", "data"),
            flip(&enc, "password:", "data"),
            enc.replace("password:", "moved:"),
        ];
        for c in &cases {
            if let Err(e) = rflux_sops::decrypt(c.as_bytes(), Format::Yaml, &k, &DecryptOptions::default()) {
                texts.push(format!("{e} {e:?}"));
            }
            if let Err(e) = rflux_sops::decrypt(c.as_bytes(), Format::Yaml, &k2, &DecryptOptions::default()) {
                texts.push(format!("{e} {e:?}"));
            }
        }
        // Bad key material is reported without echoing it.
        let mut k3 = Keyring::new();
        let bad_age = sk.replace('Q', "P");
        if let Err(e) = k3.add_age_identities(&format!("{bad_age}x\n"), "broken.agekey") {
            texts.push(format!("{e} {e:?}"));
        }
        if let Err(e) = k3.add_pgp_armored(&pgp_armored[..pgp_armored.len() / 2], "broken.asc") {
            texts.push(format!("{e} {e:?}"));
        }
    });
    assert!(texts.len() >= 8, "expected failures, got {texts:?}");
    let logs = log.lock().unwrap().clone();
    let secret_body = &sk["AGE-SECRET-KEY-1".len()..];
    let pgp_body: String = pgp_armored.lines().nth(3).unwrap_or_default().to_string();
    for t in texts.iter().chain(std::iter::once(&logs)) {
        assert!(!t.contains(PLAINTEXT), "plaintext leaked: {t}");
        assert!(!t.contains(secret_body), "age key leaked: {t}");
        assert!(!t.contains(&secret_body[..20]), "age key leaked: {t}");
        assert!(pgp_body.len() < 20 || !t.contains(&pgp_body), "pgp key leaked: {t}");
    }
}
