//! Chart versions and version ranges as Helm and Flux read them (Masterminds semver v3):
//! lenient versions (`v1.2`, `1`), ranges with `^`, `~`, `~>`, x-ranges (`1.2.x`, `*`),
//! comparisons joined by spaces or commas (AND) and `||` (OR), hyphen ranges (`1 - 2`),
//! `!=`, and the pre-release rule: a pre-release version only satisfies a comparison that
//! itself names a pre-release.
//!
//! node-semver (npm ranges) is not used here. Checked against node-semver 2.2: `^0.x`,
//! `~1`, commas and `1.2.x` agree, but `!=1.2.3` does not parse, and its pre-release rule
//! (a pre-release matches only a comparator on the same `major.minor.patch`) differs from
//! Masterminds' (a pre-release matches comparators that name any pre-release):
//! `>=1.0.0-0` admits `1.5.0-rc.1` in Helm and Flux but not in node-semver, so charts and
//! OCI tags would be selected differently.

use std::cmp::Ordering;
use std::fmt;

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
        /// What is wrong with it.
        reason: String,
    },
    /// The text is not a version range.
    #[error("improper constraint {range:?}: {reason}")]
    InvalidRange {
        /// The range given.
        range: String,
        /// What is wrong with it.
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

/// A semantic version, parsed leniently as Masterminds' `NewVersion` does: an optional
/// `v`, missing minor and patch read as 0. Ordering ignores build metadata.
#[derive(Debug, Clone)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    build: String,
    original: String,
}

impl Version {
    /// Parse `text` as a version.
    pub fn parse(text: &str) -> Result<Version, RangeError> {
        let bad = |reason: &str| RangeError::InvalidVersion {
            version: text.to_string(),
            reason: reason.to_string(),
        };
        let body = text.strip_prefix('v').unwrap_or(text);
        let (rest, build) = match body.split_once('+') {
            Some((r, b)) => (r, b),
            None => (body, ""),
        };
        let (core, pre) = match rest.split_once('-') {
            Some((c, p)) => (c, p),
            None => (rest, ""),
        };
        if body.contains('+') && !valid_identifiers(build) {
            return Err(bad("invalid build metadata"));
        }
        if rest.contains('-') {
            if !valid_identifiers(pre) {
                return Err(bad("invalid pre-release"));
            }
            if pre
                .split('.')
                .any(|id| id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(bad("pre-release numbers must not start with 0"));
            }
        }
        let parts: Vec<&str> = core.split('.').collect();
        if parts.len() > 3 {
            return Err(bad("more than three numbers"));
        }
        let mut nums = [0u64; 3];
        for (slot, part) in nums.iter_mut().zip(&parts) {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("not a number"));
            }
            *slot = part.parse().map_err(|_| bad("number too large"))?;
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

    /// The text this version was parsed from.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// The pre-release part (empty for a release).
    pub fn prerelease(&self) -> &str {
        &self.pre
    }

    /// The build metadata (empty when absent).
    pub fn build(&self) -> &str {
        &self.build
    }

    /// True for a pre-release (`1.0.0-rc.1`).
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    /// `(major, minor, patch)`.
    pub fn numbers(&self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }

    fn compare(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| compare_prerelease(&self.pre, &other.pre))
    }
}

impl fmt::Display for Version {
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
        self.compare(other) == Ordering::Equal
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
        self.compare(other)
    }
}

fn valid_identifiers(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// Semver 2 pre-release precedence; an empty pre-release (a release) sorts last.
fn compare_prerelease(a: &str, b: &str) -> Ordering {
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
                let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(n), Ok(m)) => n.cmp(&m),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    TildeOrEqual,
    NotEqual,
    Greater,
    Less,
    GreaterEqual,
    LessEqual,
    Tilde,
    Caret,
}

/// One comparison (`>=1.2`, `~1.2.3`, `1.x`).
#[derive(Debug, Clone)]
struct Comparator {
    op: Op,
    con: Version,
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

impl Comparator {
    fn matches(&self, v: &Version) -> bool {
        let c = &self.con;
        // A pre-release only satisfies a comparison that names a pre-release itself (a plain
        // `!=x.y.z` excepted, as in Masterminds).
        let exact_not_equal = self.op == Op::NotEqual && !self.dirty;
        if v.is_prerelease() && !c.is_prerelease() && !exact_not_equal {
            return false;
        }
        match self.op {
            Op::TildeOrEqual if self.dirty => self.tilde(v),
            Op::TildeOrEqual => v == c,
            Op::NotEqual => self.not_equal(v),
            Op::Greater => self.greater(v),
            Op::Less => v < c,
            Op::GreaterEqual => v >= c,
            Op::LessEqual => self.less_equal(v),
            Op::Tilde => self.tilde(v),
            Op::Caret => self.caret(v),
        }
    }

    fn not_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if !self.dirty {
            return v != c;
        }
        if c.major != v.major {
            return true;
        }
        if self.minor_dirty {
            return false;
        }
        if c.minor != v.minor {
            return true;
        }
        if self.patch_dirty {
            if v.is_prerelease() || c.is_prerelease() {
                return compare_prerelease(&v.pre, &c.pre) != Ordering::Equal;
            }
            return false;
        }
        v != c
    }

    fn greater(&self, v: &Version) -> bool {
        let c = &self.con;
        if !self.dirty {
            return v > c;
        }
        if v.major != c.major {
            return v.major > c.major;
        }
        if self.minor_dirty {
            return false;
        }
        if self.patch_dirty {
            return v.minor > c.minor;
        }
        v > c
    }

    fn less_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if !self.dirty {
            return v <= c;
        }
        if v.major > c.major {
            return false;
        }
        !(v.major == c.major && v.minor > c.minor && !self.minor_dirty)
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v < c {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        if v.major != c.major {
            return false;
        }
        v.minor == c.minor || self.minor_dirty
    }

    fn caret(&self, v: &Version) -> bool {
        let c = &self.con;
        if v < c {
            return false;
        }
        if c.major > 0 || self.minor_dirty {
            return v.major == c.major;
        }
        if v.major > 0 {
            return false;
        }
        if c.minor > 0 || self.patch_dirty {
            return v.minor == c.minor;
        }
        if v.minor > 0 {
            return false;
        }
        v.patch == c.patch
    }
}

/// A parsed version range (Masterminds constraints): OR of AND-groups of comparisons.
#[derive(Debug, Clone)]
pub struct VersionRange {
    text: String,
    groups: Vec<Vec<Comparator>>,
}

impl VersionRange {
    /// Parse a range such as `^1.2`, `>= 1.0, < 2.0`, `1.2.x || 2.x`, `1 - 2`.
    pub fn parse(text: &str) -> Result<VersionRange, RangeError> {
        let mut groups = Vec::new();
        for group in text.split("||") {
            groups.push(parse_group(text, group)?);
        }
        Ok(VersionRange {
            text: text.to_string(),
            groups,
        })
    }

    /// The range as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when `version` satisfies the range.
    pub fn matches(&self, version: &Version) -> bool {
        self.groups.iter().any(|g| g.iter().all(|c| c.matches(version)))
    }

    /// The highest of `versions` (texts; those that do not parse are skipped) that
    /// satisfies the range, as written; an error lists every version seen when none does.
    pub fn highest<'a>(&self, versions: impl IntoIterator<Item = &'a str>) -> Result<&'a str, RangeError> {
        let mut seen = Vec::new();
        let mut best: Option<(Version, &'a str)> = None;
        for text in versions {
            seen.push(text.to_string());
            let Ok(v) = Version::parse(text) else { continue };
            if !self.matches(&v) {
                continue;
            }
            if best.as_ref().is_none_or(|(b, _)| v > *b) {
                best = Some((v, text));
            }
        }
        best.map(|(_, t)| t).ok_or_else(|| RangeError::NoMatch {
            range: self.text.clone(),
            seen,
        })
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for VersionRange {
    type Err = RangeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VersionRange::parse(s)
    }
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

fn is_wildcard(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

/// Parse one AND-group: comparisons separated by whitespace or commas; `a - b` hyphen ranges.
fn parse_group(whole: &str, group: &str) -> Result<Vec<Comparator>, RangeError> {
    let bad = |reason: String| RangeError::InvalidRange {
        range: whole.to_string(),
        reason,
    };
    let mut out = Vec::new();
    let mut rest = group.trim_start();
    if rest.trim().is_empty() {
        return Err(bad("empty comparison".to_string()));
    }
    let mut first = true;
    while !rest.trim().is_empty() {
        if !first {
            // Separator: whitespace and/or one comma.
            let trimmed = rest.trim_start();
            let had_space = trimmed.len() != rest.len();
            rest = trimmed;
            if let Some(r) = rest.strip_prefix(',') {
                rest = r.trim_start();
            } else if !had_space {
                return Err(bad(format!("expected a space or comma before {rest:?}")));
            }
        }
        first = false;
        let (op, after_op) = take_op(rest);
        let after_op = after_op.trim_start();
        let (cv, after_cv) =
            take_version(after_op).ok_or_else(|| bad(format!("expected a version at {after_op:?}")))?;
        rest = after_cv;
        // Hyphen range: `cv - cv` with spaces around the dash, only without an operator.
        let look = rest.trim_start();
        if op.is_none()
            && look.len() != rest.len()
            && let Some(r) = look.strip_prefix('-')
            && r.starts_with(char::is_whitespace)
        {
            let r = r.trim_start();
            let (upper, after_upper) = take_version(r).ok_or_else(|| bad(format!("expected a version at {r:?}")))?;
            out.push(make_comparator(Op::GreaterEqual, cv).map_err(bad)?);
            out.push(make_comparator(Op::LessEqual, upper).map_err(bad)?);
            rest = after_upper;
            continue;
        }
        out.push(make_comparator(op.unwrap_or(Op::TildeOrEqual), cv).map_err(bad)?);
    }
    Ok(out)
}

fn take_op(s: &str) -> (Option<Op>, &str) {
    const OPS: [(&str, Op); 11] = [
        ("!=", Op::NotEqual),
        (">=", Op::GreaterEqual),
        ("=>", Op::GreaterEqual),
        ("<=", Op::LessEqual),
        ("=<", Op::LessEqual),
        ("~>", Op::Tilde),
        (">", Op::Greater),
        ("<", Op::Less),
        ("=", Op::TildeOrEqual),
        ("~", Op::Tilde),
        ("^", Op::Caret),
    ];
    for (text, op) in OPS {
        if let Some(rest) = s.strip_prefix(text) {
            return (Some(op), rest);
        }
    }
    (None, s)
}

/// Take a constraint version (`v1.2.x-rc.1+b`) from the front of `s`.
fn take_version(s: &str) -> Option<(&str, &str)> {
    let end = s
        .find(|c: char| c.is_whitespace() || c == ',' || c == '|')
        .unwrap_or(s.len());
    let (cv, rest) = s.split_at(end);
    let body = cv.strip_prefix('v').unwrap_or(cv);
    let first = body.split(['.', '-', '+']).next().unwrap_or("");
    if first.is_empty() || !(first.bytes().all(|b| b.is_ascii_digit()) || is_wildcard(first)) {
        return None;
    }
    Some((cv, rest))
}

fn make_comparator(op: Op, cv: &str) -> Result<Comparator, String> {
    let body = cv.strip_prefix('v').unwrap_or(cv);
    let (rest, build) = match body.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (body, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(format!("{cv:?} is not a version"));
    }
    for p in &parts {
        if !(p.bytes().all(|b| b.is_ascii_digit()) || is_wildcard(p)) {
            return Err(format!("{cv:?} is not a version"));
        }
    }
    let part = |i: usize| parts.get(i).copied();
    let suffix = pre.map(|p| format!("-{p}")).unwrap_or_default();
    let (text, dirty, minor_dirty, patch_dirty) = match (part(0), part(1), part(2)) {
        (Some(m), _, _) if is_wildcard(m) => (format!("0.0.0{suffix}"), true, false, false),
        (Some(m), None, _) => (format!("{m}.0.0{suffix}"), true, true, false),
        (Some(m), Some(n), _) if is_wildcard(n) => (format!("{m}.0.0{suffix}"), true, true, false),
        (Some(m), Some(n), None) => (format!("{m}.{n}.0{suffix}"), true, false, true),
        (Some(m), Some(n), Some(p)) if is_wildcard(p) => (format!("{m}.{n}.0{suffix}"), true, false, true),
        (Some(m), Some(n), Some(p)) => (format!("{m}.{n}.{p}{suffix}"), false, false, false),
        (None, _, _) => return Err(format!("{cv:?} is not a version")),
    };
    let text = match build {
        Some(b) => format!("{text}+{b}"),
        None => text,
    };
    let con = Version::parse(&text).map_err(|e| e.to_string())?;
    Ok(Comparator {
        op,
        con,
        dirty,
        minor_dirty,
        patch_dirty,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(range: &str, version: &str) -> bool {
        match (VersionRange::parse(range), Version::parse(version)) {
            (Ok(r), Ok(v)) => r.matches(&v),
            (r, v) => panic!("parse failed: {r:?} {v:?}"),
        }
    }

    #[test]
    fn caret_forms() {
        assert!(ok("^1.2", "1.9.0"));
        assert!(!ok("^1.2", "2.0.0"));
        assert!(!ok("^1.2", "1.1.9"));
        assert!(ok("^0.2.3", "0.2.9"));
        assert!(!ok("^0.2.3", "0.3.0"));
        assert!(ok("^0.0.3", "0.0.3"));
        assert!(!ok("^0.0.3", "0.0.4"));
        assert!(ok("^0", "0.9.0"));
        assert!(!ok("^0", "1.0.0"));
        assert!(ok("^0.x", "0.5.0"));
        assert!(!ok("^0.x", "1.0.0"));
        assert!(ok("^0.0", "0.0.9"));
        assert!(!ok("^0.0", "0.1.0"));
    }

    #[test]
    fn tilde_forms() {
        assert!(ok("~1.2.3", "1.2.9"));
        assert!(!ok("~1.2.3", "1.3.0"));
        assert!(ok("~1", "1.9.0"));
        assert!(!ok("~1", "2.0.0"));
        assert!(ok("~>1.2", "1.2.7"));
    }

    #[test]
    fn comparisons_and_wildcards() {
        assert!(ok(">=1.0.0 <2.0.0", "1.5.0"));
        assert!(ok(">= 1.0, < 2.0", "1.5.0"));
        assert!(!ok(">= 1.0, < 2.0", "2.0.0"));
        assert!(ok("1.2.x", "1.2.7"));
        assert!(!ok("1.2.x", "1.3.0"));
        assert!(ok("*", "3.0.0"));
        assert!(!ok("*", "3.0.0-rc.1"));
        assert!(ok("1.x || >=3", "3.1.0"));
        assert!(ok("v1.2.3", "1.2.3"));
        assert!(ok("1.2.3", "v1.2.3"));
        assert!(ok("1 - 2", "2.9.0"));
        assert!(!ok("1 - 2", "3.0.0"));
        assert!(ok("!=1.2.3", "1.2.4"));
        assert!(!ok(">1.2", "1.2.9"));
        assert!(ok(">1.2", "1.3.0"));
        assert!(ok("<=1.2", "1.2.9"));
    }

    #[test]
    fn prereleases_only_when_asked_for() {
        assert!(!ok(">=1.0.0", "1.5.0-rc.1"));
        assert!(ok(">=1.0.0-0", "1.5.0-rc.1"));
        assert!(!ok(">=1.0.0-0 <2.0.0", "1.5.0-rc.1"));
        assert!(ok("1.0.0-rc.1", "1.0.0-rc.1"));
    }

    #[test]
    fn ordering() {
        let v = |s| Version::parse(s).unwrap();
        assert!(v("1.0.0-alpha") < v("1.0.0-alpha.1"));
        assert!(v("1.0.0-alpha.1") < v("1.0.0-beta"));
        assert!(v("1.0.0-beta.2") < v("1.0.0-beta.11"));
        assert!(v("1.0.0-rc.1") < v("1.0.0"));
        assert_eq!(v("1.0.0+a"), v("1.0.0+b"));
        assert_eq!(v("1.2").to_string(), "1.2.0");
    }

    #[test]
    fn bad_input() {
        assert!(VersionRange::parse("").is_err());
        assert!(VersionRange::parse(">=abc").is_err());
        assert!(VersionRange::parse("1.2.3.4").is_err());
        assert!(Version::parse("1.2.3-01").is_err());
        assert!(Version::parse("one").is_err());
    }

    #[test]
    fn selection() {
        let versions = ["1.0.0", "1.2.0", "2.0.0-rc.1", "1.10.0"];
        assert_eq!(select_version("", versions).unwrap(), "1.10.0");
        assert_eq!(select_version("*", versions).unwrap(), "1.10.0");
        assert_eq!(select_version("2.0.0-rc.1", versions).unwrap(), "2.0.0-rc.1");
        assert_eq!(select_version("~1.2", versions).unwrap(), "1.2.0");
        let err = select_version("^3", versions).unwrap_err().to_string();
        assert!(
            err.contains("^3") && err.contains("1.10.0") && err.contains("2.0.0-rc.1"),
            "{err}"
        );
    }
}
