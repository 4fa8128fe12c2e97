//! Whole-document decryption and encryption: parse, recover the data key, walk the values,
//! check or compute the MAC, and write the result.

use crate::cipher;
use crate::error::{Result, SopsError};
use crate::formats::{self, Format};
use crate::keys::Keyring;
use crate::metadata::{MasterKey, Metadata, RuleFields};
use crate::recipients::Recipient;
use crate::shamir;
use crate::tree::{Branch, Value};
use crate::walk;

/// How to decrypt.
#[derive(Debug, Clone)]
pub struct DecryptOptions {
    /// Verify the MAC (sops always does; Flux skips it for objects after a build).
    pub verify_mac: bool,
    /// Return a document without `sops` metadata unchanged instead of failing with
    /// [`SopsError::MetadataNotFound`].
    pub pass_through_plain: bool,
    /// Indentation of the written plaintext (YAML, JSON).
    pub indent: formats::StoreIndent,
}

impl Default for DecryptOptions {
    fn default() -> Self {
        DecryptOptions {
            verify_mac: true,
            pass_through_plain: false,
            indent: formats::StoreIndent::default(),
        }
    }
}

/// A decrypted document. Its `Debug` output shows the shape, never the values.
#[derive(Clone)]
pub struct Decrypted {
    /// The plaintext branches (one per YAML document).
    pub branches: Vec<Branch>,
    /// The metadata the file carried.
    pub metadata: Metadata,
}

impl std::fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decrypted")
            .field("documents", &self.branches.len())
            .field("metadata", &self.metadata)
            .finish_non_exhaustive()
    }
}

/// Whether a file in this format carries sops metadata.
pub fn has_metadata(input: &[u8], format: Format) -> bool {
    match formats::load_branches(input, format) {
        Ok(b) => match format {
            Format::Dotenv => b
                .first()
                .is_some_and(|b| b.iter().any(|i| i.key_str().is_some_and(|k| k.starts_with("sops_")))),
            _ => b.iter().any(|b| crate::tree::get(b, "sops").is_some()),
        },
        Err(_) => false,
    }
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Decrypt already-parsed branches with their metadata.
pub fn decrypt_branches(
    mut branches: Vec<Branch>,
    md: Metadata,
    keys: &Keyring,
    opts: &DecryptOptions,
) -> Result<Decrypted> {
    let rules = md.rules.compile()?;
    let key = keys.data_key(&md)?;
    let computed = walk::decrypt_tree(&mut branches, &key, &rules)?;
    if opts.verify_mac {
        if md.mac.is_empty() {
            return Err(SopsError::MacMissing);
        }
        let stored = match cipher::decrypt_value(&key, &md.mac, &md.mac_aad()?) {
            Ok(Value::Str(s)) => s,
            Ok(_) => return Err(SopsError::MacMismatch),
            Err(SopsError::Authentication { .. }) => return Err(SopsError::MacMismatch),
            Err(e) => return Err(e),
        };
        let a = hex::decode(&computed).map_err(|_| SopsError::MacMismatch)?;
        let b = hex::decode(stored.trim()).map_err(|_| SopsError::MacMismatch)?;
        if !ct_eq(&a, &b) {
            return Err(SopsError::MacMismatch);
        }
    }
    tracing::debug!(version = %md.version, "sops document decrypted");
    Ok(Decrypted { branches, metadata: md })
}

/// Parse and decrypt a document; the result keeps its structure.
pub fn decrypt_document(input: &[u8], format: Format, keys: &Keyring, opts: &DecryptOptions) -> Result<Decrypted> {
    let branches = formats::load_branches(input, format)?;
    let (branches, md) = formats::split_metadata(branches, format)?;
    let md = md.ok_or(SopsError::MetadataNotFound)?;
    decrypt_branches(branches, md, keys, opts)
}

/// Decrypt a file's bytes and write the plaintext in the same format (for binary: the
/// original bytes).
pub fn decrypt(input: &[u8], format: Format, keys: &Keyring, opts: &DecryptOptions) -> Result<Vec<u8>> {
    let d = match decrypt_document(input, format, keys, opts) {
        Err(SopsError::MetadataNotFound) if opts.pass_through_plain => return Ok(input.to_vec()),
        other => other?,
    };
    formats::emit_plain_with(&d.branches, format, &opts.indent)
}

/// Decrypt a file on disk as `sops decrypt FILE` does (format from the file name).
pub fn decrypt_file(path: &std::path::Path, keys: &Keyring, opts: &DecryptOptions) -> Result<Vec<u8>> {
    let data = std::fs::read(path).map_err(|e| SopsError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    decrypt(&data, Format::from_path(path), keys, opts)
}

/// What to encrypt to and which values.
#[derive(Debug, Clone, Default)]
pub struct EncryptOptions {
    /// Key groups; with one group every key encrypts the whole data key, with several the
    /// data key is split with Shamir.
    pub key_groups: Vec<Vec<Recipient>>,
    /// Groups needed to decrypt (0 = all).
    pub shamir_threshold: usize,
    /// Selection rules (`encrypted_regex`, …).
    pub rules: RuleFields,
    /// Indentation of the written file (YAML, JSON).
    pub indent: formats::StoreIndent,
}

/// The version string written into metadata.
pub const SOPS_FORMAT_VERSION: &str = "3.10.2";

/// Encrypt parsed plaintext branches; returns the encrypted branches and metadata.
pub fn encrypt_branches(mut branches: Vec<Branch>, opts: &EncryptOptions) -> Result<(Vec<Branch>, Metadata)> {
    let groups: Vec<&Vec<Recipient>> = opts.key_groups.iter().filter(|g| !g.is_empty()).collect();
    if groups.is_empty() {
        return Err(SopsError::Encrypt("no recipients given".into()));
    }
    for b in &branches {
        if crate::tree::get(b, "sops").is_some() {
            return Err(SopsError::Encrypt("the file already has sops metadata".into()));
        }
    }
    let rules = opts.rules.compile()?;
    let mut data_key = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut data_key);
    let now = crate::timefmt::now_rfc3339();
    let parts: Vec<Vec<u8>> = if groups.len() == 1 {
        vec![data_key.to_vec()]
    } else {
        let t = if opts.shamir_threshold == 0 {
            groups.len()
        } else {
            opts.shamir_threshold
        };
        shamir::split(&data_key, groups.len(), t)?
    };
    let mut key_groups = Vec::new();
    for (g, part) in groups.iter().zip(&parts) {
        let mut keys: Vec<MasterKey> = Vec::new();
        for r in g.iter() {
            keys.push(r.encrypt(part, &now)?);
        }
        key_groups.push(keys);
    }
    let mac = walk::encrypt_tree(&mut branches, &data_key, &rules)?;
    let mut md = Metadata {
        key_groups,
        shamir_threshold: if groups.len() > 1 {
            if opts.shamir_threshold == 0 {
                groups.len()
            } else {
                opts.shamir_threshold
            }
        } else {
            0
        },
        last_modified: now.clone(),
        mac: String::new(),
        rules: opts.rules.clone(),
        version: SOPS_FORMAT_VERSION.to_string(),
    };
    let r = &md.rules;
    let none_set = r.unencrypted_suffix.is_none()
        && r.encrypted_suffix.is_none()
        && r.unencrypted_regex.is_none()
        && r.encrypted_regex.is_none()
        && r.unencrypted_comment_regex.is_none()
        && r.encrypted_comment_regex.is_none();
    if none_set {
        md.rules.unencrypted_suffix = Some(crate::rules::DEFAULT_UNENCRYPTED_SUFFIX.to_string());
    }
    md.mac = cipher::encrypt_value(&data_key, &Value::Str(mac), &now)?;
    Ok((branches, md))
}

/// Encrypt a plaintext file in the given format.
pub fn encrypt(input: &[u8], format: Format, opts: &EncryptOptions) -> Result<Vec<u8>> {
    let branches = formats::load_plain(input, format)?;
    let (branches, md) = encrypt_branches(branches, opts)?;
    formats::emit_encrypted_with(&branches, &md, format, &opts.indent)
}

impl EncryptOptions {
    /// Build options from a `.sops.yaml` creation rule. PGP fingerprints are looked up in
    /// `pgp_keys` (armored public or secret keys), since there is no gpg keyring here.
    pub fn from_creation_rule(rule: &crate::config::CreationRule, pgp_keys: Option<&str>) -> Result<Self> {
        let mut key_groups = Vec::new();
        for g in &rule.key_groups {
            if let Some(p) = g.unsupported.first() {
                return Err(SopsError::ProviderNotConfigured {
                    provider: p,
                    key: "(from .sops.yaml)".into(),
                });
            }
            let mut group = Vec::new();
            for a in &g.age {
                group.push(Recipient::age(a)?);
            }
            for fp in &g.pgp {
                let text = pgp_keys.ok_or_else(|| SopsError::Recipient {
                    recipient: fp.clone(),
                    reason: "a PGP key file is needed to encrypt to this fingerprint".into(),
                })?;
                group.extend(Recipient::pgp_from_armored(text, Some(fp))?);
            }
            key_groups.push(group);
        }
        Ok(EncryptOptions {
            key_groups,
            shamir_threshold: rule.shamir_threshold,
            rules: rule.rules.clone(),
            indent: rule.indent,
        })
    }
}

/// Encrypt a file on disk as `sops encrypt FILE` does: the format from the file name, the
/// keys and rules from `opts` if given, else from the `.sops.yaml` found above the file.
pub fn encrypt_file(path: &std::path::Path, opts: Option<&EncryptOptions>, pgp_keys: Option<&str>) -> Result<Vec<u8>> {
    let data = std::fs::read(path).map_err(|e| SopsError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    let format = Format::from_path(path);
    let owned;
    let opts = match opts {
        Some(o) => o,
        None => {
            let rule = crate::config::lookup(path)?.ok_or_else(|| SopsError::Config {
                path: path.display().to_string(),
                reason: "no keys given and no matching creation rule in a .sops.yaml above the file".into(),
            })?;
            owned = EncryptOptions::from_creation_rule(&rule, pgp_keys)?;
            &owned
        }
    };
    encrypt(&data, format, opts)
}
