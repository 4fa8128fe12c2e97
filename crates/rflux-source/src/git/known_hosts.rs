//! OpenSSH `known_hosts` content (from a Flux secret's `known_hosts` key) and the host key
//! check against it. Plain and hashed (`|1|salt|hash`) host patterns, `*`/`?` wildcards,
//! `!` negations, `[host]:port` for non-default ports and `@revoked` markers are understood;
//! `@cert-authority` lines are ignored (certificates are not supported).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The outcome of checking a server's host key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyCheck {
    /// The key is listed for the host.
    Trusted,
    /// The host is not listed at all.
    UnknownHost,
    /// The host is listed, with other keys only.
    Mismatch,
    /// The key is marked `@revoked`.
    Revoked,
}

#[derive(Debug, Clone)]
struct Entry {
    revoked: bool,
    hosts: String,
    key: Vec<u8>,
}

/// Parsed `known_hosts` content.
#[derive(Debug, Clone, Default)]
pub struct KnownHosts {
    entries: Vec<Entry>,
}

impl KnownHosts {
    /// Parses `known_hosts` text; malformed lines are skipped.
    pub fn parse(text: &str) -> KnownHosts {
        let mut entries = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace();
            let Some(mut first) = fields.next() else {
                continue;
            };
            let mut revoked = false;
            if first.starts_with('@') {
                match first {
                    "@revoked" => revoked = true,
                    _ => continue,
                }
                let Some(next) = fields.next() else {
                    continue;
                };
                first = next;
            }
            let (Some(_key_type), Some(key_b64)) = (fields.next(), fields.next()) else {
                continue;
            };
            let Ok(key) = STANDARD.decode(key_b64) else {
                continue;
            };
            entries.push(Entry {
                revoked,
                hosts: first.to_string(),
                key,
            });
        }
        KnownHosts { entries }
    }

    /// True when no usable line was found.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Checks `key` (the SSH wire-format public key blob) offered by `host` on `port`.
    pub fn check(&self, host: &str, port: u16, key: &[u8]) -> HostKeyCheck {
        self.check_with(host, port, |k| k == key)
    }

    /// Checks a server key known only by its SHA-256 fingerprint (raw 32 bytes).
    pub fn check_sha256(&self, host: &str, port: u16, fingerprint: &[u8]) -> HostKeyCheck {
        use sha2::Digest;
        self.check_with(host, port, |k| sha2::Sha256::digest(k).as_slice() == fingerprint)
    }

    fn check_with(&self, host: &str, port: u16, same_key: impl Fn(&[u8]) -> bool) -> HostKeyCheck {
        let name = if port == 22 {
            host.to_string()
        } else {
            format!("[{host}]:{port}")
        };
        let mut host_known = false;
        let mut trusted = false;
        for entry in &self.entries {
            if !hosts_match(&entry.hosts, &name) {
                continue;
            }
            if entry.revoked {
                if same_key(&entry.key) {
                    return HostKeyCheck::Revoked;
                }
                continue;
            }
            host_known = true;
            if same_key(&entry.key) {
                trusted = true;
            }
        }
        match (trusted, host_known) {
            (true, _) => HostKeyCheck::Trusted,
            (false, true) => HostKeyCheck::Mismatch,
            (false, false) => HostKeyCheck::UnknownHost,
        }
    }
}

/// Matches a comma-separated host pattern list (or one hashed host) against `name`.
fn hosts_match(patterns: &str, name: &str) -> bool {
    if let Some(hashed) = patterns.strip_prefix("|1|") {
        return hashed_match(hashed, name);
    }
    let mut matched = false;
    for pattern in patterns.split(',') {
        if let Some(negated) = pattern.strip_prefix('!') {
            if wildcard_match(negated.as_bytes(), name.as_bytes()) {
                return false;
            }
        } else if wildcard_match(pattern.as_bytes(), name.as_bytes()) {
            matched = true;
        }
    }
    matched
}

fn hashed_match(hashed: &str, name: &str) -> bool {
    let Some((salt, hash)) = hashed.split_once('|') else {
        return false;
    };
    let (Ok(salt), Ok(hash)) = (STANDARD.decode(salt), STANDARD.decode(hash)) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(&salt) else {
        return false;
    };
    mac.update(name.as_bytes());
    mac.verify_slice(&hash).is_ok()
}

/// `*` and `?` wildcards, case-insensitive as OpenSSH compares host names.
fn wildcard_match(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p].eq_ignore_ascii_case(&name[n])) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((sp, sn)) = star {
            p = sp + 1;
            n = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIHbKt0U3eBr5rT3yS6sKpmYw0QnAlmzBPHbBMjgHgYHw";
    const KEY_B: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIG1hEFwzfDpQyyqPfsMiJ7JyuV6CAFfjgPZbOGk+Bk4z";

    fn key(b64: &str) -> Vec<u8> {
        STANDARD.decode(b64).unwrap_or_default()
    }

    #[test]
    fn plain_hosts_and_ports() {
        let kh = KnownHosts::parse(&format!(
            "[127.0.0.1]:2222 ssh-ed25519 {KEY_A}\ngithub.com,gh ssh-ed25519 {KEY_B}\n"
        ));
        assert_eq!(kh.check("127.0.0.1", 2222, &key(KEY_A)), HostKeyCheck::Trusted);
        assert_eq!(kh.check("127.0.0.1", 2222, &key(KEY_B)), HostKeyCheck::Mismatch);
        assert_eq!(kh.check("127.0.0.1", 22, &key(KEY_A)), HostKeyCheck::UnknownHost);
        assert_eq!(kh.check("GitHub.com", 22, &key(KEY_B)), HostKeyCheck::Trusted);
    }

    #[test]
    fn hashed_hosts() {
        let salt = [7u8; 20];
        let mut mac = Hmac::<Sha1>::new_from_slice(&salt).unwrap_or_else(|_| unreachable!());
        mac.update(b"example.org");
        let hash = mac.finalize().into_bytes();
        let line = format!(
            "|1|{}|{} ssh-ed25519 {KEY_A}",
            STANDARD.encode(salt),
            STANDARD.encode(hash)
        );
        let kh = KnownHosts::parse(&line);
        assert_eq!(kh.check("example.org", 22, &key(KEY_A)), HostKeyCheck::Trusted);
        assert_eq!(kh.check("example.com", 22, &key(KEY_A)), HostKeyCheck::UnknownHost);
    }

    #[test]
    fn wildcards_negation_revocation() {
        let kh = KnownHosts::parse(&format!(
            "*.corp,!bad.corp ssh-ed25519 {KEY_A}\n@revoked * ssh-ed25519 {KEY_B}\n@cert-authority * ssh-ed25519 {KEY_A}\n"
        ));
        assert_eq!(kh.check("git.corp", 22, &key(KEY_A)), HostKeyCheck::Trusted);
        assert_eq!(kh.check("bad.corp", 22, &key(KEY_A)), HostKeyCheck::UnknownHost);
        assert_eq!(kh.check("git.corp", 22, &key(KEY_B)), HostKeyCheck::Revoked);
    }
}
