//! Keys and helpers shared by the integration tests. Every key here is generated at test
//! time, except the ssh fixtures (see fixtures/README.md).

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use std::path::PathBuf;

use age::secrecy::ExposeSecret;
use pgp::composed::{EncryptionCaps, KeyType, SecretKeyParamsBuilder, SignedSecretKey, SubkeyParamsBuilder};
use pgp::types::KeyDetails;
use rflux_sops::{Keyring, Recipient};

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A fresh age X25519 identity: (secret key line, recipient).
pub fn age_key() -> (String, String) {
    let id = age::x25519::Identity::generate();
    (id.to_string().expose_secret().to_string(), id.to_public().to_string())
}

/// A fresh PGP key (Ed25519 primary, Curve25519 ECDH subkey): (armored secret key, fingerprint).
pub fn pgp_key() -> (String, String) {
    let rng = rand::rngs::OsRng;
    let params = SecretKeyParamsBuilder::default()
        .key_type(KeyType::Ed25519Legacy)
        .can_certify(true)
        .can_sign(true)
        .primary_user_id("rflux test <test@rflux.invalid>".into())
        .subkey(
            SubkeyParamsBuilder::default()
                .key_type(KeyType::ECDH(pgp::crypto::ecc_curve::ECCCurve::Curve25519Legacy))
                .can_encrypt(EncryptionCaps::All)
                .build()
                .expect("subkey params"),
        )
        .build()
        .expect("key params");
    let key: SignedSecretKey = params.generate(rng).expect("generate pgp key");
    let armored = key.to_armored_string(None.into()).expect("armor");
    (armored, format!("{:X}", key.fingerprint()))
}

pub fn ssh(name: &str) -> (String, String) {
    let private = std::fs::read_to_string(fixture(name)).expect("ssh fixture");
    let public = std::fs::read_to_string(fixture(&format!("{name}.pub"))).expect("ssh fixture pub");
    // age wants "type base64" without the comment.
    let mut parts = public.split_whitespace();
    let recipient = format!(
        "{} {}",
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default()
    );
    (private, recipient)
}

/// The four key types: (name, keyring holding the private key, recipient).
pub fn all_key_types() -> Vec<(&'static str, Keyring, Recipient)> {
    let mut out = Vec::new();
    let (sk, r) = age_key();
    let mut k = Keyring::new();
    k.add_age_identities(&format!("# test\n{sk}\n"), "age")
        .expect("age identity");
    out.push(("age-x25519", k, Recipient::age(&r).expect("age recipient")));
    for name in ["ssh_ed25519", "ssh_rsa"] {
        let (private, recipient) = ssh(name);
        let mut k = Keyring::new();
        k.add_age_identities(&private, name).expect("ssh identity");
        out.push((name, k, Recipient::age(&recipient).expect("ssh recipient")));
    }
    let (armored, fp) = pgp_key();
    let mut k = Keyring::new();
    k.add_pgp_armored(&armored, "pgp").expect("pgp key");
    let mut rs = Recipient::pgp_from_armored(&armored, Some(&fp)).expect("pgp recipient");
    out.push(("pgp", k, rs.remove(0)));
    out
}
