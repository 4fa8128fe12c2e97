//! One semantic version as Masterminds' `NewVersion` reads it: an optional `v`, one to
//! three numbers (missing ones read as 0, leading zeros allowed), an optional pre-release
//! and build metadata. Ordering follows semver 2 and ignores build metadata.

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

    /// Parse a git tag or OCI tag name as Flux's `version.ParseVersion` does: the text must
    /// hold at least two dots (`1.2.3`, `v1.2.3-rc.1`; not `1.2`), then [`Version::parse`].
    pub fn parse_tag(text: &str) -> Result<Version, RangeError> {
        if text.splitn(3, '.').count() != 3 {
            return Err(RangeError::InvalidVersion {
                version: text.to_string(),
                reason: INVALID_SEMVER.to_string(),
            });
        }
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

/// Numeric pre-release identifiers must not start with 0.
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
