//! Semantic versions and version ranges as Masterminds semver v3 reads them (the library
//! behind Helm's chart dependencies, Sprig's `semver` and `semverCompare`, and Flux's
//! HelmChart versions, OCI tags and GitRepository `spec.ref.semver`), and Flux's choice of
//! a chart version ([`select_version`]). rflux uses this crate for all of them, so one
//! range selects the same versions everywhere.
//!
//! Versions are read three ways, as the Go code does: leniently by Helm and Sprig
//! ([`Version::parse`]: `v1.2`, `1`, leading zeros), strictly by Helm's OCI tag listing
//! ([`Version::parse_strict`]), and strictly with one leading `v` by Flux
//! ([`Version::parse_flux`]: `1.2` and `v01.2.3` are skipped). Ranges take `^`, `~`, `~>`,
//! x-ranges (`1.2.x`, `*`), comparisons joined by spaces or commas (AND) and `||` (OR),
//! hyphen ranges (`1 - 2`) and `!=`. A pre-release version only satisfies an AND-group in
//! which some comparison names a pre-release (`>=1.0.0-0 <2.0.0` admits `1.5.0-rc.1`).
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

/// Flux's choice of a chart version for a HelmChart `spec.version` among `candidates`
/// (source-controller's `getChartVersion` for an HTTP index and
/// `getLastMatchingVersionOrConstraint` for OCI tags): a candidate whose version text
/// equals `range` exactly wins; otherwise `range` is a constraint (`""` and `*` mean the
/// latest release, pre-releases excluded), candidates are read by [`Version::parse_flux`]
/// (those that do not parse are skipped), and the highest satisfying one wins. Among equal
/// versions the first in `candidates` wins, so callers list them in their tie order (an
/// HTTP index: later `created` first). Nothing is trimmed, as in Flux.
pub fn select_version<'a, T>(
    range: &str,
    candidates: &'a [T],
    version_of: impl Fn(&'a T) -> &'a str,
) -> Result<&'a T, RangeError> {
    if !range.is_empty()
        && let Some(exact) = candidates.iter().find(|c| version_of(c) == range)
    {
        return Ok(exact);
    }
    let constraint = VersionRange::parse(if range.is_empty() { "*" } else { range })?;
    let mut best: Option<(Version, &'a T)> = None;
    for candidate in candidates {
        let Ok(version) = Version::parse_flux(version_of(candidate)) else {
            continue;
        };
        if constraint.matches(&version) && best.as_ref().is_none_or(|(b, _)| version > *b) {
            best = Some((version, candidate));
        }
    }
    best.map(|(_, c)| c).ok_or_else(|| RangeError::NoMatch {
        range: range.to_string(),
        seen: candidates.iter().map(|c| version_of(c).to_string()).collect(),
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
