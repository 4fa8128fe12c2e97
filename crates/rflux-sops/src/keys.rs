//! Private keys the caller supplies (age X25519 and ssh identities, PGP secret keys) and the
//! recovery of the data key from a file's key groups, with Shamir combination.

use std::io::{BufReader, Read};

use age::armor::ArmoredReader;
use pgp::composed::{Deserializable, Message, SignedSecretKey};
use pgp::types::{KeyDetails, Password};

use crate::error::{Result, SopsError};
use crate::metadata::{MasterKey, Metadata};
use crate::shamir;

/// A set of private keys used to recover data keys.
#[derive(Default)]
pub struct Keyring {
    age: Vec<Box<dyn age::Identity + Send + Sync>>,
    pgp: Vec<SignedSecretKey>,
    /// Post-quantum age identities were supplied but cannot be used by this build.
    pq_identities: usize,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("age_identities", &self.age.len())
            .field("pgp_keys", &self.pgp.len())
            .finish()
    }
}

fn key_err(source: &str, reason: impl Into<String>) -> SopsError {
    SopsError::KeyMaterial {
        source_name: source.to_string(),
        reason: reason.into(),
    }
}

impl Keyring {
    /// An empty keyring.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of age identities loaded.
    pub fn age_identities(&self) -> usize {
        self.age.len()
    }

    /// Number of PGP secret keys loaded.
    pub fn pgp_keys(&self) -> usize {
        self.pgp.len()
    }

    /// Add identities from an age identity file (`AGE-SECRET-KEY-1…` lines, `#` comments) or
    /// an unencrypted OpenSSH private key (ssh-ed25519, ssh-rsa). `source` names the origin in
    /// errors. Returns how many identities were added.
    pub fn add_age_identities(&mut self, text: &str, source: &str) -> Result<usize> {
        if text.contains("-----BEGIN") {
            return self.add_age_ssh_identity(text.as_bytes(), source);
        }
        let mut added = 0;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with("AGE-SECRET-KEY-PQ-") {
                self.pq_identities += 1;
                tracing::warn!(
                    source,
                    line = n + 1,
                    "post-quantum age identity is not supported; skipped"
                );
                continue;
            }
            if line.starts_with("AGE-PLUGIN-") {
                return Err(key_err(
                    source,
                    format!("line {}: age plugin identities are not supported", n + 1),
                ));
            }
            let id: age::x25519::Identity = line
                .parse()
                .map_err(|_| key_err(source, format!("line {}: not a valid age identity", n + 1)))?;
            self.age.push(Box::new(id));
            added += 1;
        }
        if added == 0 && self.pq_identities == 0 {
            return Err(key_err(source, "no age identity found"));
        }
        Ok(added)
    }

    /// Add an OpenSSH private key (PEM/OpenSSH format, unencrypted) as an age identity.
    pub fn add_age_ssh_identity(&mut self, pem: &[u8], source: &str) -> Result<usize> {
        let id = age::ssh::Identity::from_buffer(BufReader::new(pem), Some(source.to_string()))
            .map_err(|_| key_err(source, "not a valid ssh private key"))?;
        match id {
            age::ssh::Identity::Unencrypted(_) => {
                self.age.push(Box::new(id));
                Ok(1)
            }
            age::ssh::Identity::Encrypted(_) => Err(key_err(source, "passphrase-protected ssh keys are not supported")),
            age::ssh::Identity::Unsupported(_) => Err(key_err(source, "unsupported ssh key type")),
        }
    }

    /// Add every PGP secret key of an ASCII-armored key block. Returns how many were added.
    pub fn add_pgp_armored(&mut self, armored: &str, source: &str) -> Result<usize> {
        // Key files exported with gpg often hold public and secret blocks one after the
        // other; read every secret block and skip the rest.
        const BEGIN: &str = "-----BEGIN PGP PRIVATE KEY BLOCK-----";
        const END: &str = "-----END PGP PRIVATE KEY BLOCK-----";
        let mut blocks = Vec::new();
        let mut rest = armored;
        while let Some(start) = rest.find(BEGIN) {
            let after = &rest[start..];
            let Some(end) = after.find(END) else {
                return Err(key_err(source, "unterminated PGP private key block"));
            };
            blocks.push(&after[..end + END.len()]);
            rest = &after[end + END.len()..];
        }
        if blocks.len() > 1 {
            let mut added = 0;
            for b in blocks {
                added += self.add_pgp_armored(b, source)?;
            }
            return Ok(added);
        }
        let keys = SignedSecretKey::from_string_many(blocks.first().copied().unwrap_or(armored))
            .map_err(|e| key_err(source, format!("cannot read PGP secret key: {}", pgp_reason(&e))))?
            .0;
        let mut added = 0;
        for k in keys {
            let k = k.map_err(|e| key_err(source, format!("cannot read PGP secret key: {}", pgp_reason(&e))))?;
            tracing::debug!(fingerprint = %format!("{:X}", k.fingerprint()), "loaded PGP secret key");
            self.pgp.push(k);
            added += 1;
        }
        if added == 0 {
            return Err(key_err(source, "no PGP secret key found"));
        }
        Ok(added)
    }

    /// Load keys the way Flux reads a decryption Secret: entries named `*.agekey` hold age
    /// identities, `*.asc` PGP secret keys; other entries are ignored.
    pub fn add_flux_secret_entry(&mut self, name: &str, contents: &[u8]) -> Result<usize> {
        let text = std::str::from_utf8(contents).map_err(|_| key_err(name, "not UTF-8"))?;
        if name.ends_with(".agekey") {
            self.add_age_identities(text, name)
        } else if name.ends_with(".asc") {
            self.add_pgp_armored(text, name)
        } else {
            Ok(0)
        }
    }

    /// Load age identities from where sops looks for them, given an environment lookup:
    /// `SOPS_AGE_KEY` (identities inline), `SOPS_AGE_KEY_FILE`, the user config file
    /// (`$XDG_CONFIG_HOME/sops/age/keys.txt`, else `$HOME/.config/sops/age/keys.txt`), and an
    /// ssh key from `SOPS_AGE_SSH_PRIVATE_KEY_FILE` or `~/.ssh/id_ed25519` / `~/.ssh/id_rsa`.
    /// Missing default files are skipped; unreadable explicit ones are errors.
    pub fn add_sops_environment(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<usize> {
        let mut added = 0;
        if let Some(inline) = env("SOPS_AGE_KEY").filter(|s| !s.trim().is_empty()) {
            added += self.add_age_identities(&inline, "SOPS_AGE_KEY")?;
        }
        let read = |path: &std::path::Path| {
            std::fs::read_to_string(path).map_err(|e| SopsError::Io {
                path: path.display().to_string(),
                source: e,
            })
        };
        if let Some(file) = env("SOPS_AGE_KEY_FILE").filter(|s| !s.is_empty()) {
            let p = std::path::PathBuf::from(&file);
            added += self.add_age_identities(&read(&p)?, &file)?;
        }
        let home = env("HOME").map(std::path::PathBuf::from);
        let config_dir = env("XDG_CONFIG_HOME")
            .filter(|s| !s.is_empty())
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".config")));
        if let Some(dir) = config_dir {
            let p = dir.join("sops/age/keys.txt");
            if p.is_file() {
                added += self.add_age_identities(&read(&p)?, &p.display().to_string())?;
            }
        }
        if let Some(file) = env("SOPS_AGE_SSH_PRIVATE_KEY_FILE").filter(|s| !s.is_empty()) {
            let p = std::path::PathBuf::from(&file);
            added += self.add_age_ssh_identity(read(&p)?.as_bytes(), &file)?;
        } else if let Some(h) = &home {
            for name in ["id_ed25519", "id_rsa"] {
                let p = h.join(".ssh").join(name);
                if p.is_file() {
                    // A passphrase-protected default key is not an error, just unusable.
                    match self.add_age_ssh_identity(read(&p)?.as_bytes(), &p.display().to_string()) {
                        Ok(n) => added += n,
                        Err(e) => tracing::debug!(error = %e, "skipping default ssh key"),
                    }
                    break;
                }
            }
        }
        Ok(added)
    }

    fn decrypt_age(&self, recipient: &str, enc: &str) -> std::result::Result<Vec<u8>, String> {
        let stanzas = age_stanza_types(enc);
        if self.age.is_empty() {
            if recipient.starts_with("age1pq1") || stanzas.iter().any(|s| s == "mlkem768x25519") {
                return Err("unsupported recipient type mlkem768x25519 (post-quantum age); no usable identity".into());
            }
            return Err("no age identities configured".into());
        }
        let reader = ArmoredReader::new(enc.as_bytes());
        let decryptor = age::Decryptor::new(reader).map_err(|e| format!("invalid age file: {e}"))?;
        match decryptor.decrypt(self.age.iter().map(|i| i.as_ref() as &dyn age::Identity)) {
            Ok(mut r) => {
                let mut out = Vec::new();
                r.read_to_end(&mut out).map_err(|e| format!("age payload: {e}"))?;
                Ok(out)
            }
            Err(age::DecryptError::NoMatchingKeys) => {
                let known = ["X25519", "ssh-ed25519", "ssh-rsa"];
                if !stanzas.is_empty() && stanzas.iter().all(|s| !known.contains(&s.as_str())) {
                    Err(format!("unsupported recipient type {}", stanzas.join(", ")))
                } else {
                    Err("no matching age identity".into())
                }
            }
            Err(e) => Err(format!("age: {e}")),
        }
    }

    fn decrypt_pgp(&self, enc: &str) -> std::result::Result<Vec<u8>, String> {
        if self.pgp.is_empty() {
            return Err("no PGP secret keys configured".into());
        }
        let (msg, _) = Message::from_string(enc).map_err(|e| format!("invalid PGP message: {}", pgp_reason(&e)))?;
        let pw = Password::empty();
        let passwords: Vec<&Password> = self.pgp.iter().map(|_| &pw).collect();
        let keys: Vec<&SignedSecretKey> = self.pgp.iter().collect();
        let msg = msg
            .decrypt_with_keys(passwords, keys)
            .map_err(|_| "no matching PGP secret key".to_string())?;
        let mut msg = if msg.is_compressed() {
            msg.decompress()
                .map_err(|e| format!("PGP decompression: {}", pgp_reason(&e)))?
        } else {
            msg
        };
        msg.as_data_vec().map_err(|e| format!("PGP payload: {e}"))
    }

    fn decrypt_master_key(&self, key: &MasterKey) -> std::result::Result<Vec<u8>, String> {
        match key {
            MasterKey::Age { recipient, enc } => self.decrypt_age(recipient, enc),
            MasterKey::Pgp { enc, .. } => self.decrypt_pgp(enc),
            MasterKey::Other { provider, id, .. } => Err(SopsError::ProviderNotConfigured {
                provider,
                key: id.clone(),
            }
            .to_string()),
        }
    }

    /// Recover the 32-byte data key of a file.
    pub fn data_key(&self, md: &Metadata) -> Result<[u8; 32]> {
        let mut parts = Vec::new();
        let mut reports = Vec::new();
        for (gi, group) in md.key_groups.iter().enumerate() {
            let mut order: Vec<&MasterKey> = group.iter().collect();
            order.sort_by_key(|k| k.priority());
            let mut errs = Vec::new();
            let mut found = None;
            for k in order {
                match self.decrypt_master_key(k) {
                    Ok(part) => {
                        tracing::debug!(group = gi, key = %k.describe(), "data key part recovered");
                        found = Some(part);
                        break;
                    }
                    Err(e) => errs.push(format!("{}: {e}", k.describe())),
                }
            }
            match found {
                Some(p) => parts.push(p),
                None => reports.push(format!("group {gi}: [{}]", errs.join("; "))),
            }
        }
        let key = if md.key_groups.len() > 1 {
            let threshold = if md.shamir_threshold == 0 {
                md.key_groups.len()
            } else {
                md.shamir_threshold
            };
            if parts.len() < threshold {
                return Err(SopsError::DataKey(format!(
                    "{} of {} key groups needed, {} decrypted; {}",
                    threshold,
                    md.key_groups.len(),
                    parts.len(),
                    reports.join(", ")
                )));
            }
            shamir::combine(&parts)?
        } else {
            match parts.pop() {
                Some(p) => p,
                None => {
                    if let [only] = md.key_groups.as_slice()
                        && only.len() == 1
                        && let MasterKey::Other { provider, id, .. } = &only[0]
                    {
                        return Err(SopsError::ProviderNotConfigured {
                            provider,
                            key: id.clone(),
                        });
                    }
                    return Err(SopsError::DataKey(reports.join(", ")));
                }
            }
        };
        key.try_into()
            .map_err(|_| SopsError::DataKey("recovered data key is not 32 bytes".into()))
    }
}

fn pgp_reason(e: &pgp::errors::Error) -> String {
    // rPGP errors describe structure, never key bytes; keep them short.
    let s = e.to_string();
    s.chars().take(200).collect()
}

/// The stanza types of an armored age file header (`X25519`, `mlkem768x25519`, …).
pub fn age_stanza_types(enc: &str) -> Vec<String> {
    let mut bytes = Vec::new();
    let mut reader = ArmoredReader::new(enc.as_bytes());
    let mut buf = [0u8; 4096];
    // The header is at the start; a few KiB are enough even for post-quantum stanzas.
    while bytes.len() < 64 * 1024 {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
        }
        if bytes.windows(4).any(|w| w == b"\n---") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    text.lines()
        .filter_map(|l| l.strip_prefix("-> "))
        .filter_map(|l| l.split(' ').next())
        .map(str::to_string)
        .collect()
}
