//! Version ranges (Masterminds constraints): OR-groups (`||`) of AND-ed comparisons
//! separated by spaces or commas, hyphen ranges (`1 - 2`), `^`, `~`, `~>`, x-ranges, `!=`,
//! and the pre-release rule of Masterminds 3.4+: a pre-release version can only satisfy a
//! group in which some comparison names a pre-release itself.

use std::cmp::Ordering;
use std::fmt;

use crate::RangeError;
use crate::version::{MAX_VERSION_LEN, Version, compare_prerelease, validate_prerelease};

/// Longest range text accepted (Masterminds' `MaxConstraintLen`).
const MAX_RANGE_LEN: usize = 512;

/// Most `||` groups in a range (Masterminds' `MaxConstraintGroups`).
const MAX_GROUPS: usize = 32;

/// Masterminds' message for a comparison that has the shape of one but holds no version.
const PARSER_ERROR: &str = "constraint parser error";

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

/// An AND-group and whether it admits pre-release versions.
#[derive(Debug, Clone)]
struct Group {
    comparators: Vec<Comparator>,
    admits_prerelease: bool,
}

/// A parsed version range.
#[derive(Debug, Clone)]
pub struct VersionRange {
    text: String,
    groups: Vec<Group>,
}

impl VersionRange {
    /// Parse a range such as `^1.2`, `>= 1.0, < 2.0`, `1.2.x || 2.x`, `1 - 2`
    /// (Masterminds' `NewConstraint`).
    pub fn parse(text: &str) -> Result<VersionRange, RangeError> {
        let bad = |reason: String| RangeError::InvalidRange {
            range: text.to_string(),
            reason,
        };
        if text.len() > MAX_RANGE_LEN {
            return Err(bad(format!(
                "constraint string is too long (max {MAX_RANGE_LEN} bytes)"
            )));
        }
        let rewritten = rewrite_hyphen_ranges(text);
        let parts: Vec<&str> = rewritten.split("||").collect();
        if parts.len() > MAX_GROUPS {
            return Err(bad(format!("too many constraint groups (max {MAX_GROUPS})")));
        }
        let mut groups = Vec::with_capacity(parts.len());
        for part in parts {
            let comparators = parse_group(part).map_err(bad)?;
            let admits_prerelease = comparators.iter().any(|c| c.con.is_prerelease());
            groups.push(Group {
                comparators,
                admits_prerelease,
            });
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

    /// True when `version` satisfies the range (Masterminds' `Check`).
    pub fn matches(&self, version: &Version) -> bool {
        self.groups
            .iter()
            .any(|g| g.comparators.iter().all(|c| c.matches(version, g.admits_prerelease)))
    }

    /// The highest of `tags` that satisfies the range, as written, reading tag names as Flux
    /// does ([`Version::parse_flux`]: `1.2` and `v01.2.3` are not versions there and are
    /// skipped); an error lists every tag seen when none matches.
    pub fn highest_tag<'a>(&self, tags: impl IntoIterator<Item = &'a str>) -> Result<&'a str, RangeError> {
        let mut seen = Vec::new();
        let mut best: Option<(Version, &'a str)> = None;
        for text in tags {
            seen.push(text.to_string());
            let Ok(v) = Version::parse_flux(text) else {
                continue;
            };
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

impl Comparator {
    fn matches(&self, v: &Version, admits_prerelease: bool) -> bool {
        if v.is_prerelease() && !admits_prerelease {
            return false;
        }
        let c = &self.con;
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
        if self.dirty {
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
                return compare_prerelease(&v.pre, &c.pre) != Ordering::Equal;
            }
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

/// Whitespace as Go's regexp `\s` (and Masterminds' scanner) sees it.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r')
}

fn skip_space(s: &str) -> &str {
    s.trim_start_matches(|c: char| c.is_ascii() && is_space(c as u8))
}

/// Characters of a constraint's number segments: digits, the wildcards and (kept from the
/// regular expression Masterminds once used) `|`.
fn is_segment_char(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b'x' | b'X' | b'*' | b'|')
}

fn is_identifier_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

fn is_wildcard(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

/// The end of the dot-separated identifiers starting at `i` (`i` itself when there are
/// none); a dot only counts when an identifier follows it.
fn scan_identifiers(s: &[u8], i: usize) -> usize {
    let mut end = i;
    loop {
        let start = end;
        while end < s.len() && is_identifier_char(s[end]) {
            end += 1;
        }
        if end == start {
            return start;
        }
        if end + 1 < s.len() && s[end] == b'.' && is_identifier_char(s[end + 1]) {
            end += 1;
            continue;
        }
        return end;
    }
}

/// A constraint version read from the front of a string.
struct Scanned<'a> {
    segments: Vec<&'a str>,
    pre: &'a str,
    build: &'a str,
    /// Bytes read.
    len: usize,
}

/// Read a constraint version (`v1.2.x-rc.1+b`) from the front of `s`; `None` when `s` does
/// not start with one. What follows the version is left for the caller.
fn scan_version(s: &str) -> Option<Scanned<'_>> {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'v'));
    let mut segments = Vec::with_capacity(3);
    loop {
        let start = i;
        while i < b.len() && is_segment_char(b[i]) {
            i += 1;
        }
        if i == start {
            return None;
        }
        segments.push(&s[start..i]);
        if segments.len() == 3 || i + 1 >= b.len() || b[i] != b'.' || !is_segment_char(b[i + 1]) {
            break;
        }
        i += 1;
    }
    let mut pre = "";
    if b.get(i) == Some(&b'-') {
        let end = scan_identifiers(b, i + 1);
        if end > i + 1 {
            pre = &s[i + 1..end];
            i = end;
        }
    }
    let mut build = "";
    if b.get(i) == Some(&b'+') {
        let end = scan_identifiers(b, i + 1);
        if end > i + 1 {
            build = &s[i + 1..end];
            i = end;
        }
    }
    Some(Scanned {
        segments,
        pre,
        build,
        len: i,
    })
}

fn take_op(s: &str) -> (Op, &str) {
    const OPS: [(&str, Op); 11] = [
        ("!=", Op::NotEqual),
        (">=", Op::GreaterEqual),
        ("=>", Op::GreaterEqual),
        ("<=", Op::LessEqual),
        ("=<", Op::LessEqual),
        ("~>", Op::Tilde),
        ("=", Op::TildeOrEqual),
        (">", Op::Greater),
        ("<", Op::Less),
        ("~", Op::Tilde),
        ("^", Op::Caret),
    ];
    for (text, op) in OPS {
        if let Some(rest) = s.strip_prefix(text) {
            return (op, rest);
        }
    }
    (Op::TildeOrEqual, s)
}

/// Parse one AND-group; errors carry Masterminds' message, which names the whole group.
fn parse_group(group: &str) -> Result<Vec<Comparator>, String> {
    let improper = || format!("improper constraint: {}", go_quote(group));
    let mut s = skip_space(group);
    if s.is_empty() {
        return Err(improper());
    }
    let mut out = Vec::with_capacity(2);
    loop {
        let (op, after_op) = take_op(s);
        let after_op = skip_space(after_op);
        let scanned = scan_version(after_op).ok_or_else(improper)?;
        out.push(make_comparator(op, &scanned)?);
        let rest = &after_op[scanned.len..];
        let mut trimmed = skip_space(rest);
        if trimmed.is_empty() {
            return Ok(out);
        }
        if let Some(after_comma) = trimmed.strip_prefix(',') {
            trimmed = skip_space(after_comma);
        } else if trimmed.len() == rest.len() {
            return Err(improper());
        }
        if trimmed.is_empty() {
            return Err(improper());
        }
        s = trimmed;
    }
}

fn segment_number(s: &str) -> Result<u64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PARSER_ERROR.to_string());
    }
    s.parse().map_err(|_| PARSER_ERROR.to_string())
}

fn make_comparator(op: Op, scanned: &Scanned<'_>) -> Result<Comparator, String> {
    let segs = &scanned.segments;
    let seg = |i: usize| segs.get(i).copied();
    let mut con = Version {
        major: 0,
        minor: 0,
        patch: 0,
        pre: scanned.pre.to_string(),
        build: String::new(),
        original: String::new(),
    };
    let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
    let mut len = 5 + if scanned.pre.is_empty() {
        0
    } else {
        1 + scanned.pre.len()
    };
    match (seg(0), seg(1), seg(2)) {
        (Some(m), _, _) if is_wildcard(m) => dirty = true,
        (Some(m), n, _) if n.is_none_or(is_wildcard) => {
            dirty = true;
            minor_dirty = true;
            len += m.len() - 1;
            con.major = segment_number(m)?;
        }
        (Some(m), Some(n), p) if p.is_none_or(is_wildcard) => {
            dirty = true;
            patch_dirty = true;
            len += m.len() + n.len() - 2;
            con.major = segment_number(m)?;
            con.minor = segment_number(n)?;
        }
        (Some(m), Some(n), Some(p)) => {
            con.build = scanned.build.to_string();
            len = scanned.len;
            con.major = segment_number(m)?;
            con.minor = segment_number(n)?;
            con.patch = segment_number(p)?;
        }
        _ => return Err(PARSER_ERROR.to_string()),
    }
    if len > MAX_VERSION_LEN {
        return Err(PARSER_ERROR.to_string());
    }
    if !scanned.pre.is_empty() && validate_prerelease(scanned.pre).is_err() {
        return Err(PARSER_ERROR.to_string());
    }
    con.original = con.to_string();
    Ok(Comparator {
        op,
        con,
        dirty,
        minor_dirty,
        patch_dirty,
    })
}

/// Length of a constraint version (Masterminds' `cvRegex`) starting at `i`, or `None`.
fn match_range_version(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + usize::from(b.get(i) == Some(&b'v'));
    let start = j;
    while j < b.len() && is_segment_char(b[j]) {
        j += 1;
    }
    if j == start {
        return None;
    }
    for _ in 0..2 {
        if b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(|&c| is_segment_char(c)) {
            j += 1;
            while j < b.len() && is_segment_char(b[j]) {
                j += 1;
            }
        }
    }
    for mark in [b'-', b'+'] {
        if b.get(j) == Some(&mark) {
            let end = scan_identifiers(b, j + 1);
            if end > j + 1 {
                j = end;
            }
        }
    }
    Some(j)
}

fn skip_space_at(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_space(b[i]) {
        i += 1;
    }
    i
}

/// Masterminds' `rewriteRange`: every `A - B` (with whitespace around the dash, and the
/// whitespace around the whole) becomes `>= A, <= B `, by textual replacement of the first
/// occurrence of the matched text.
fn rewrite_hyphen_ranges(text: &str) -> String {
    if !text.contains('-') {
        return text.to_string();
    }
    let b = text.as_bytes();
    let mut found: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let matched = (|| {
            let a_start = skip_space_at(b, i);
            let a_end = match_range_version(b, a_start)?;
            let dash = skip_space_at(b, a_end);
            if dash == a_end || b.get(dash) != Some(&b'-') {
                return None;
            }
            let b_start = skip_space_at(b, dash + 1);
            if b_start == dash + 1 {
                return None;
            }
            let b_end = match_range_version(b, b_start)?;
            let end = skip_space_at(b, b_end);
            Some((
                end,
                text.get(i..end)?,
                text.get(a_start..a_end)?,
                text.get(b_start..b_end)?,
            ))
        })();
        match matched {
            Some((end, whole, lower, upper)) => {
                found.push((whole.to_string(), format!(">= {lower}, <= {upper} ")));
                i = end;
            }
            None => i += 1,
        }
    }
    let mut out = text.to_string();
    for (whole, replacement) in found {
        out = out.replacen(&whole, &replacement, 1);
    }
    out
}

/// Go's `%q` of a string: double quotes, with `"`, `\` and control characters escaped.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
