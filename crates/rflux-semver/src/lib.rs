//! Semantic versions and version ranges exactly as Helm and Flux read them: Masterminds
//! semver v3 (the library behind Helm's chart dependencies, Sprig's `semver` and
//! `semverCompare`, and Flux's HelmChart versions, OCI tags and GitRepository
//! `spec.ref.semver`). rflux uses this crate for all of them, so one range selects the
//! same versions everywhere.
//!
//! Versions are lenient (`v1.2`, `1`, leading zeros); ranges take `^`, `~`, `~>`, x-ranges
//! (`1.2.x`, `*`), comparisons joined by spaces or commas (AND) and `||` (OR), hyphen
//! ranges (`1 - 2`) and `!=`. A pre-release version only satisfies an AND-group in which
//! some comparison names a pre-release (`>=1.0.0-0 <2.0.0` admits `1.5.0-rc.1`).
//!
//! node-semver (npm ranges) reads several of these differently: it has no `!=`, and it
//! admits a pre-release only through a comparison on the same `major.minor.patch`, so
//! `>=1.0.0-0` does not admit `1.5.0-rc.1` there.

mod range;
mod version;

pub use range::VersionRange;
pub use version::Version;

/// Most versions listed in a "no match" error before the list is cut short.
const MAX_LISTED_VERSIONS: usize = 50;

/// A version or range that does not parse, or a range no version satisfies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// The text is not a semantic version.
    #[error("invalid semantic version {version:?}: {reason}")]
    InvalidVersion {
        /// The text given.
        version: String,
        /// What is wrong with it, in Masterminds' words.
        reason: String,
    },
    /// The text is not a version range.
    #[error("invalid version range {range:?}: {reason}")]
    InvalidRange {
        /// The range given.
        range: String,
        /// What is wrong with it, in Masterminds' words.
        reason: String,
    },
    /// No version satisfies the range.
    #[error("no version matching {range:?} found (versions seen: {})", list_versions(.seen))]
    NoMatch {
        /// The range asked for.
        range: String,
        /// Every version that was considered, as written.
        seen: Vec<String>,
    },
}

impl RangeError {
    /// The message Masterminds' own error would carry (what Sprig functions print), e.g.
    /// `improper constraint: ">=abc"` or `invalid semantic version`.
    pub fn reason(&self) -> String {
        match self {
            RangeError::InvalidVersion { reason, .. } | RangeError::InvalidRange { reason, .. } => reason.clone(),
            other => other.to_string(),
        }
    }
}

fn list_versions(seen: &[String]) -> String {
    if seen.is_empty() {
        return "none".to_string();
    }
    let mut out = seen
        .iter()
        .take(MAX_LISTED_VERSIONS)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if seen.len() > MAX_LISTED_VERSIONS {
        out.push_str(&format!(" and {} more", seen.len() - MAX_LISTED_VERSIONS));
    }
    out
}

/// Flux's choice of a chart version from `versions` for the `spec.version` of a HelmChart:
/// an exact (textual) match wins; an empty range or `*` means the latest release
/// (pre-releases excluded); otherwise the highest version satisfying the range.
pub fn select_version<'a>(
    range: &str,
    versions: impl IntoIterator<Item = &'a str> + Clone,
) -> Result<&'a str, RangeError> {
    let range = range.trim();
    if !range.is_empty()
        && let Some(exact) = versions.clone().into_iter().find(|v| *v == range)
    {
        return Ok(exact);
    }
    let effective = if range.is_empty() { "*" } else { range };
    let parsed = VersionRange::parse(effective)?;
    parsed.highest(versions).map_err(|e| match e {
        RangeError::NoMatch { seen, .. } => RangeError::NoMatch {
            range: range.to_string(),
            seen,
        },
        other => other,
    })
}

/// True when `version` parses and satisfies `range` (Masterminds' `NewConstraint`, then
/// `NewVersion`, then `Check`); the range is parsed first, so its error wins.
pub fn satisfies(range: &str, version: &str) -> Result<bool, RangeError> {
    let range = VersionRange::parse(range)?;
    let version = Version::parse(version)?;
    Ok(range.matches(&version))
}

#[cfg(test)]
mod tests;
