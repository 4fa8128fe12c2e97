//! One semantic version, read three ways: [`Version::parse`] as Masterminds'
//! `NewVersion` (an optional `v`, one to three numbers with missing ones read as 0, leading
//! zeros allowed, an optional pre-release and build metadata; what Helm and Sprig use),
//! [`Version::parse_strict`] as Masterminds' `StrictNewVersion` (what Helm uses for OCI
//! tags), and [`Version::parse_flux`] as Flux's `version.ParseVersion` (strict, with one
//! leading `v` allowed). Ordering follows semver 2 and ignores build metadata.

use std::cmp::Ordering;
use std::fmt;

use crate::RangeError;

/// Longest version text accepted (Masterminds' `MaxVersionLen`).
pub(crate) const MAX_VERSION_LEN: usize = 256;

/// Masterminds' message for a version that does not parse.
pub(crate) const INVALID_SEMVER: &str = "invalid semantic version";

/// A semantic version. Two versions that differ only in build metadata (or in how they
/// were written) are equal.
#[derive(Debug, Clone)]
pub struct Version {
    pub(crate) major: u64,
    pub(crate) minor: u64,
    pub(crate) patch: u64,
    pub(crate) pre: String,
    pub(crate) build: String,
    pub(crate) original: String,
}

impl Version {
    /// Parse `text` leniently, as Masterminds' `NewVersion` does (`v1.2` is `1.2.0`).
    pub fn parse(text: &str) -> Result<Version, RangeError> {
        let bad = |reason: String| RangeError::InvalidVersion {
            version: text.to_string(),
            reason,
        };
        if text.len() > MAX_VERSION_LEN {
            return Err(bad(format!("version string is too long (max {MAX_VERSION_LEN} bytes)")));
        }
        let body = text.strip_prefix('v').unwrap_or(text);
        let (rest, build) = match body.split_once('+') {
            Some((r, b)) if valid_identifiers(b) => (r, b),
            Some(_) => return Err(bad(INVALID_SEMVER.to_string())),
            None => (body, ""),
        };
        let (core, pre) = match rest.split_once('-') {
            Some((c, p)) if valid_identifiers(p) => (c, p),
            Some(_) => return Err(bad(INVALID_SEMVER.to_string())),
            None => (rest, ""),
        };
        let parts: Vec<&str> = core.split('.').collect();
        if parts.len() > 3
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad(INVALID_SEMVER.to_string()));
        }
        let mut nums = [0u64; 3];
        for (slot, part) in nums.iter_mut().zip(&parts) {
            *slot = parse_number(part).map_err(bad)?;
        }
        if !pre.is_empty() {
            validate_prerelease(pre).map_err(|e| bad(e.to_string()))?;
        }
        Ok(Version {
            major: nums[0],
            minor: nums[1],
            patch: nums[2],
            pre: pre.to_string(),
            build: build.to_string(),
            original: text.to_string(),
        })
    }

    /// Parse `text` as Masterminds' `StrictNewVersion` does: exactly `major.minor.patch`
    /// (no `v`, no leading zeros, each number a u64), then an optional pre-release after
    /// `-` and build metadata after `+`, both only after the third number. Problems are
    /// reported in Masterminds' order and words: metadata, pre-release, then the numbers.
    pub fn parse_strict(text: &str) -> Result<Version, RangeError> {
        let bad = |reason: &str| RangeError::InvalidVersion {
            version: text.to_string(),
            reason: reason.to_string(),
        };
        if text.is_empty() {
            return Err(bad("version string empty"));
        }
        if text.len() > MAX_VERSION_LEN {
            return Err(bad(&format!(
                "version string is too long (max {MAX_VERSION_LEN} bytes)"
            )));
        }
        // The first two dots end the major and minor numbers; everything after the second
        // dot is the patch number with its pre-release and metadata.
        let mut split = text.splitn(3, '.');
        let (Some(major), Some(minor), Some(mut patch)) = (split.next(), split.next(), split.next()) else {
            return Err(bad(INVALID_SEMVER));
        };
        let mut build = "";
        if let Some((p, b)) = patch.split_once('+') {
            if !valid_identifiers(b) {
                return Err(bad("invalid metadata string"));
            }
            (patch, build) = (p, b);
        }
        let mut pre = "";
        if let Some((p, r)) = patch.split_once('-') {
            if !valid_identifiers(r) {
                return Err(bad("invalid prerelease string"));
            }
            validate_prerelease(r).map_err(bad)?;
            (patch, pre) = (p, r);
        }
        let parts = [major, minor, patch];
        for part in parts {
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("invalid characters in version"));
            }
            if part.len() > 1 && part.starts_with('0') {
                return Err(bad("version segment starts with 0"));
            }
        }
        let mut nums = [0u64; 3];
        for (slot, part) in nums.iter_mut().zip(parts) {
            // Go's `strconv.ParseUint` error, which Masterminds returns unwrapped here.
            *slot = part.parse().map_err(|_| {
                let why = if part.is_empty() {
                    "invalid syntax"
                } else {
                    "value out of range"
                };
                bad(&format!("strconv.ParseUint: parsing \"{part}\": {why}"))
            })?;
        }
        Ok(Version {
            major: nums[0],
            minor: nums[1],
            patch: nums[2],
            pre: pre.to_string(),
            build: build.to_string(),
            original: text.to_string(),
        })
    }

    /// Parse `text` as Flux's `version.ParseVersion` (fluxcd/pkg/version) does, the reader
    /// behind GitRepository `spec.ref.semver` tags, OCIRepository semver tags and HelmChart
    /// versions: one leading `v` is dropped and the rest must pass
    /// [`Version::parse_strict`]; the version is then read by [`Version::parse`] from the
    /// text as given, so [`Version::original`] keeps the `v`. `v1.2.3` and
    /// `1.2.3-rc.1+b` are versions; `1.2`, `v01.2.3`, `1.2-rc.3` and `v1.2+b.3` are not.
    pub fn parse_flux(text: &str) -> Result<Version, RangeError> {
        Version::parse_strict(text.strip_prefix('v').unwrap_or(text)).map_err(|e| match e {
            RangeError::InvalidVersion { reason, .. } => RangeError::InvalidVersion {
                version: text.to_string(),
                reason,
            },
            other => other,
        })?;
        Version::parse(text)
    }

    /// The text this version was parsed from.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// The major number.
    pub fn major(&self) -> u64 {
        self.major
    }

    /// The minor number.
    pub fn minor(&self) -> u64 {
        self.minor
    }

    /// The patch number.
    pub fn patch(&self) -> u64 {
        self.patch
    }

    /// `(major, minor, patch)`.
    pub fn numbers(&self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }

    /// The pre-release part (empty for a release).
    pub fn prerelease(&self) -> &str {
        &self.pre
    }

    /// The build metadata (empty when absent); Masterminds calls it `Metadata`.
    pub fn build(&self) -> &str {
        &self.build
    }

    /// True for a pre-release (`1.0.0-rc.1`).
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    /// The next patch version (`IncPatch`): a pre-release becomes its release, otherwise
    /// the patch number goes up; pre-release and metadata are dropped.
    pub fn inc_patch(&self) -> Version {
        if self.is_prerelease() {
            self.next(self.major, self.minor, self.patch)
        } else {
            self.next(self.major, self.minor, self.patch.saturating_add(1))
        }
    }

    /// The next minor version (`IncMinor`).
    pub fn inc_minor(&self) -> Version {
        self.next(self.major, self.minor.saturating_add(1), 0)
    }

    /// The next major version (`IncMajor`).
    pub fn inc_major(&self) -> Version {
        self.next(self.major.saturating_add(1), 0, 0)
    }

    fn next(&self, major: u64, minor: u64, patch: u64) -> Version {
        let prefix = if self.original.starts_with('v') { "v" } else { "" };
        Version {
            major,
            minor,
            patch,
            pre: String::new(),
            build: String::new(),
            original: format!("{prefix}{major}.{minor}.{patch}"),
        }
    }
}

impl fmt::Display for Version {
    /// The normalized text (`String()` in Masterminds): no `v`, all three numbers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build)?;
        }
        Ok(())
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| compare_prerelease(&self.pre, &other.pre))
    }
}

impl std::str::FromStr for Version {
    type Err = RangeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

/// A version number as Go's `strconv.ParseUint(s, 10, 64)` reads it, with Masterminds'
/// message when it does not fit.
pub(crate) fn parse_number(digits: &str) -> Result<u64, String> {
    digits.parse().map_err(|_| {
        format!("error parsing version segment: strconv.ParseUint: parsing \"{digits}\": value out of range")
    })
}

/// Dot-separated, non-empty identifiers of `[0-9A-Za-z-]`.
pub(crate) fn valid_identifiers(s: &str) -> bool {
    s.split('.')
        .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// Numeric pre-release identifiers must not start with 0 (Masterminds' message when one does).
pub(crate) fn validate_prerelease(pre: &str) -> Result<(), &'static str> {
    if pre
        .split('.')
        .any(|id| id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("version segment starts with 0");
    }
    Ok(())
}

/// Semver 2 pre-release precedence; an empty pre-release (a release) sorts last.
pub(crate) fn compare_prerelease(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = match (numeric(x), numeric(y)) {
                    (Some(n), Some(m)) => n.cmp(&m),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => x.cmp(y),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

/// A numeric pre-release identifier (digits that fit in a u64), as Masterminds tells them
/// from alphanumeric ones.
fn numeric(id: &str) -> Option<u64> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok()
}
