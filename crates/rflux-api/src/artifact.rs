//! Helpers on [`Artifact`]: revisions as Flux writes them (`main@sha1:<hex>`, `6.5.0@sha256:…`,
//! `sha256:…`) and digests (`sha256:<hex>`).

use crate::types::Artifact;

/// A revision split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision<'a> {
    /// The named part (branch, tag, chart version); empty when the revision is a bare digest.
    pub name: &'a str,
    /// Digest algorithm (`sha1`, `sha256`), if the revision carries one.
    pub algorithm: Option<&'a str>,
    /// Hex digest, if the revision carries one.
    pub digest: Option<&'a str>,
}

/// Splits `main@sha1:abc` / `sha256:abc` / `6.5.0` into [`Revision`] parts.
pub fn parse_revision(revision: &str) -> Revision<'_> {
    let (name, digest) = match revision.rsplit_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None if is_digest(revision) => ("", Some(revision)),
        None => (revision, None),
    };
    match digest.and_then(|d| d.split_once(':')) {
        Some((algorithm, hex)) => Revision {
            name,
            algorithm: Some(algorithm),
            digest: Some(hex),
        },
        None => Revision {
            name: revision,
            algorithm: None,
            digest: None,
        },
    }
}

fn is_digest(s: &str) -> bool {
    s.split_once(':').is_some_and(|(algo, hex)| {
        matches!(algo, "sha1" | "sha256" | "sha384" | "sha512")
            && !hex.is_empty()
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Shortens a revision for display the way flux does (`main@sha1:1234567…` → 7 hex chars kept
/// only when `short` is true).
pub fn short_revision(revision: &str) -> String {
    let r = parse_revision(revision);
    match (r.algorithm, r.digest) {
        (Some(algo), Some(hex)) if hex.len() > 12 => {
            let short = &hex[..12];
            if r.name.is_empty() {
                format!("{algo}:{short}")
            } else {
                format!("{}@{algo}:{short}", r.name)
            }
        }
        _ => revision.to_string(),
    }
}

impl Artifact {
    /// True when this artifact has `revision`.
    pub fn has_revision(&self, revision: &str) -> bool {
        self.revision == revision
    }

    /// True when this artifact's digest is `digest` (`sha256:<hex>`).
    pub fn has_digest(&self, digest: &str) -> bool {
        self.digest == digest
    }

    /// The file name part of the storage path.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_split() {
        let r = parse_revision("main@sha1:0123456789abcdef0123456789abcdef01234567");
        assert_eq!(r.name, "main");
        assert_eq!(r.algorithm, Some("sha1"));
        assert_eq!(r.digest.unwrap().len(), 40);
        let r = parse_revision("refs/tags/v1@sha1:abc");
        assert_eq!(r.name, "refs/tags/v1");
        let r = parse_revision("sha256:deadbeef");
        assert_eq!((r.name, r.algorithm, r.digest), ("", Some("sha256"), Some("deadbeef")));
        let r = parse_revision("6.5.0");
        assert_eq!((r.name, r.algorithm), ("6.5.0", None));
        assert_eq!(
            short_revision("main@sha1:0123456789abcdef0123456789abcdef01234567"),
            "main@sha1:0123456789ab"
        );
        assert_eq!(short_revision("6.5.0"), "6.5.0");
    }

    #[test]
    fn artifact_helpers() {
        let a = Artifact {
            digest: "sha256:abc".into(),
            last_update_time: "2024-01-01T00:00:00Z".into(),
            path: "gitrepository/flux-system/podinfo/abc.tar.gz".into(),
            revision: "main@sha1:abc".into(),
            url: "http://source-controller/gitrepository/flux-system/podinfo/abc.tar.gz".into(),
            ..Default::default()
        };
        assert!(a.has_revision("main@sha1:abc"));
        assert!(a.has_digest("sha256:abc"));
        assert_eq!(a.file_name(), "abc.tar.gz");
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["lastUpdateTime"], "2024-01-01T00:00:00Z");
        assert!(json.get("metadata").is_none() && json.get("size").is_none());
    }
}
