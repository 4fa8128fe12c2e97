//! Public keys a data key is encrypted to when writing a file: age recipients (X25519, ssh)
//! and PGP public keys.

use std::io::Write;

use age::armor::{ArmoredWriter, Format as ArmorFormat};
use pgp::composed::{ArmorOptions, Deserializable, MessageBuilder, SignedPublicKey, SignedSecretKey};
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::types::KeyDetails;

use crate::error::{Result, SopsError};
use crate::metadata::MasterKey;

/// One public key of a key group.
#[derive(Clone)]
pub enum Recipient {
    /// An age recipient string (`age1…`, `ssh-ed25519 …`, `ssh-rsa …`).
    Age(String),
    /// A PGP public key.
    Pgp(Box<SignedPublicKey>),
}

impl std::fmt::Debug for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Recipient::Age(r) => write!(f, "Age({r})"),
            Recipient::Pgp(k) => write!(f, "Pgp({:X})", k.fingerprint()),
        }
    }
}

fn rerr(r: &str, reason: impl Into<String>) -> SopsError {
    SopsError::Recipient {
        recipient: r.to_string(),
        reason: reason.into(),
    }
}

impl Recipient {
    /// Parse and check an age recipient.
    pub fn age(r: &str) -> Result<Self> {
        let r = r.trim();
        if r.starts_with("age1pq1") {
            return Err(rerr(r, "unsupported recipient type (post-quantum age) in this build"));
        }
        if r.starts_with("ssh-") {
            r.parse::<age::ssh::Recipient>()
                .map_err(|_| rerr(r, "not a valid ssh recipient"))?;
        } else {
            r.parse::<age::x25519::Recipient>()
                .map_err(|_| rerr(r, "not a valid age X25519 recipient"))?;
        }
        Ok(Recipient::Age(r.to_string()))
    }

    /// Load PGP public keys from an armored block (public or secret keys); if `fingerprint`
    /// is given, keep only the key with that fingerprint (hex, case-insensitive, may be the
    /// last 16 hex digits).
    pub fn pgp_from_armored(armored: &str, fingerprint: Option<&str>) -> Result<Vec<Self>> {
        let mut keys: Vec<SignedPublicKey> = Vec::new();
        if armored.contains("PRIVATE KEY BLOCK") {
            let (iter, _) =
                SignedSecretKey::from_string_many(armored).map_err(|_| rerr("pgp", "cannot read PGP key block"))?;
            for k in iter {
                let k = k.map_err(|_| rerr("pgp", "cannot read PGP secret key"))?;
                keys.push(k.to_public_key());
            }
        } else {
            let (iter, _) =
                SignedPublicKey::from_string_many(armored).map_err(|_| rerr("pgp", "cannot read PGP key block"))?;
            for k in iter {
                keys.push(k.map_err(|_| rerr("pgp", "cannot read PGP public key"))?);
            }
        }
        if let Some(fp) = fingerprint {
            let want = fp.replace(' ', "").to_ascii_uppercase();
            keys.retain(|k| format!("{:X}", k.fingerprint()).ends_with(&want));
            if keys.is_empty() {
                return Err(rerr(fp, "no PGP key with this fingerprint in the key file"));
            }
        }
        if keys.is_empty() {
            return Err(rerr("pgp", "no PGP key found"));
        }
        Ok(keys.into_iter().map(|k| Recipient::Pgp(Box::new(k))).collect())
    }

    /// Encrypt (a share of) the data key to this recipient.
    pub fn encrypt(&self, secret: &[u8], created_at: &str) -> Result<MasterKey> {
        match self {
            Recipient::Age(r) => {
                let boxed: Box<dyn age::Recipient + Send> = if r.starts_with("ssh-") {
                    Box::new(
                        r.parse::<age::ssh::Recipient>()
                            .map_err(|_| rerr(r, "invalid ssh recipient"))?,
                    )
                } else {
                    Box::new(
                        r.parse::<age::x25519::Recipient>()
                            .map_err(|_| rerr(r, "invalid age recipient"))?,
                    )
                };
                let enc = age::Encryptor::with_recipients(std::iter::once(boxed.as_ref() as &dyn age::Recipient))
                    .map_err(|e| SopsError::Encrypt(format!("age: {e}")))?;
                let io = |e: std::io::Error| SopsError::Encrypt(format!("age: {e}"));
                let armored = ArmoredWriter::wrap_output(Vec::new(), ArmorFormat::AsciiArmor).map_err(io)?;
                let mut w = enc.wrap_output(armored).map_err(io)?;
                w.write_all(secret).map_err(io)?;
                let armored = w.finish().map_err(io)?;
                let out = armored.finish().map_err(io)?;
                let mut text =
                    String::from_utf8(out).map_err(|_| SopsError::Encrypt("age armor is not UTF-8".into()))?;
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                Ok(MasterKey::Age {
                    recipient: r.clone(),
                    enc: text,
                })
            }
            Recipient::Pgp(key) => {
                let fp = format!("{:X}", key.fingerprint());
                let sub = key
                    .public_subkeys
                    .iter()
                    .find(|s| {
                        s.signatures.iter().any(|sig| {
                            let f = sig.key_flags();
                            f.encrypt_comms() || f.encrypt_storage()
                        })
                    })
                    .or_else(|| key.public_subkeys.iter().find(|s| s.key.algorithm().can_encrypt()))
                    .ok_or_else(|| rerr(&fp, "PGP key has no encryption subkey"))?;
                let mut rng = rand::rngs::OsRng;
                let mut builder =
                    MessageBuilder::from_bytes("", secret.to_vec()).seipd_v1(&mut rng, SymmetricKeyAlgorithm::AES256);
                builder
                    .encrypt_to_key(&mut rng, sub)
                    .map_err(|e| SopsError::Encrypt(format!("pgp: {e}")))?;
                let enc = builder
                    .to_armored_string(rng, ArmorOptions::default())
                    .map_err(|e| SopsError::Encrypt(format!("pgp: {e}")))?;
                Ok(MasterKey::Pgp {
                    fp,
                    enc: enc.trim_end_matches('\n').to_string(),
                    created_at: created_at.to_string(),
                })
            }
        }
    }
}
