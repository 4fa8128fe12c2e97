//! Which files of a source tree go into an artifact: gitignore-syntax rules as Flux's
//! source-controller applies them.
//!
//! Flux's rules, reproduced here:
//! - the VCS patterns (`.git/`, `.gitignore`, `.gitmodules`, `.gitattributes`) always apply;
//! - the default exclusions (images, archives, CI files, `.sops.yaml`, …) apply only when
//!   there are no other patterns at all;
//! - `.sourceignore` files anywhere in the tree add patterns scoped to their directory;
//! - `spec.ignore` adds patterns after those, so it overrides them, and — like any pattern —
//!   replaces the defaults.
//!
//! Matching follows go-git's gitignore semantics (which Flux uses): every path is matched on
//! its own, the last matching pattern decides, and a pattern without a slash matches any path
//! component.

use std::path::{Path, PathBuf};

/// The VCS files Flux never packages.
pub const VCS_PATTERNS: &[&str] = &[".git/", ".gitignore", ".gitmodules", ".gitattributes"];

/// Flux's default exclusions (extensions, CI configuration, extra files), used only when a
/// source has no ignore patterns of its own.
pub const DEFAULT_PATTERNS: &[&str] = &[
    "*.jpg",
    "*.jpeg",
    "*.gif",
    "*.png",
    "*.wmv",
    "*.flv",
    "*.tar.gz",
    "*.zip",
    ".github/",
    ".circleci/",
    ".travis.yml",
    ".gitlab-ci.yml",
    "appveyor.yml",
    ".drone.yml",
    "cloudbuild.yaml",
    "codeship-services.yml",
    "codeship-steps.yml",
    "**/.goreleaser.yml",
    "**/.sops.yaml",
    "**/.flux.yaml",
];

/// The name of the per-directory ignore file.
pub const IGNORE_FILE: &str = ".sourceignore";

/// Reading `.sourceignore` files failed.
#[derive(Debug, thiserror::Error)]
#[error("reading ignore rules from '{path}': {source}")]
pub struct IgnoreError {
    /// The file or directory that could not be read.
    pub path: PathBuf,
    /// The underlying error.
    #[source]
    pub source: std::io::Error,
}

/// One parsed gitignore pattern, scoped to a directory (`domain`) of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    domain: Vec<String>,
    parts: Vec<String>,
    negated: bool,
    dir_only: bool,
    anchored_glob: bool,
}

impl Pattern {
    fn parse(line: &str, domain: &[String]) -> Pattern {
        let mut text = line;
        let negated = text.starts_with('!');
        if negated {
            text = &text[1..];
        }
        let trimmed;
        if !text.ends_with("\\ ") {
            trimmed = text.trim_end_matches(' ');
            text = trimmed;
        }
        let dir_only = text.ends_with('/');
        if dir_only {
            text = &text[..text.len() - 1];
        }
        Pattern {
            domain: domain.to_vec(),
            parts: text.split('/').map(str::to_string).collect(),
            negated,
            dir_only,
            anchored_glob: text.contains('/'),
        }
    }

    /// `Some(true)` to exclude, `Some(false)` to re-include, `None` when the pattern does not
    /// apply to `path`.
    fn decide(&self, path: &[&str], is_dir: bool) -> Option<bool> {
        if path.len() <= self.domain.len() || self.domain.iter().zip(path).any(|(d, p)| d != p) {
            return None;
        }
        let rest = &path[self.domain.len()..];
        let matched = if self.anchored_glob {
            self.glob_match(rest, is_dir)
        } else {
            self.name_match(rest, is_dir)
        };
        matched.then_some(!self.negated)
    }

    fn name_match(&self, path: &[&str], is_dir: bool) -> bool {
        let Some(first) = self.parts.first() else {
            return false;
        };
        for (i, name) in path.iter().enumerate() {
            if !glob_component(first, name) {
                continue;
            }
            return !(self.dir_only && !is_dir && i == path.len() - 1);
        }
        false
    }

    fn glob_match(&self, mut path: &[&str], is_dir: bool) -> bool {
        let mut matched = false;
        let mut traverse = false;
        for (i, part) in self.parts.iter().enumerate() {
            if part.is_empty() {
                traverse = false;
                continue;
            }
            if part == "**" {
                if i == self.parts.len() - 1 {
                    break;
                }
                traverse = true;
                continue;
            }
            if part.contains("**") || path.is_empty() {
                return false;
            }
            if traverse {
                traverse = false;
                while let Some((head, tail)) = path.split_first() {
                    path = tail;
                    if glob_component(part, head) {
                        matched = true;
                        break;
                    } else if path.is_empty() {
                        matched = false;
                    }
                }
            } else {
                if !glob_component(part, path[0]) {
                    return false;
                }
                matched = true;
                path = &path[1..];
            }
        }
        matched && !(self.dir_only && !is_dir && path.is_empty())
    }
}

/// Matches one path component against one glob component with Go's `filepath.Match` rules:
/// `*`, `?`, `[...]` / `[^...]` classes with ranges, and `\` escapes. A malformed pattern
/// matches nothing.
fn glob_component(pattern: &str, name: &str) -> bool {
    // Byte-wise when both are ASCII (no allocation on this hot path), else by chars.
    if pattern.is_ascii() && name.is_ascii() {
        return glob_from(pattern.as_bytes(), name.as_bytes()).unwrap_or(false);
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    glob_from(&p, &n).unwrap_or(false)
}

/// A unit of text the glob matcher works on: a byte of ASCII text or a char.
trait GlobUnit: Copy + Ord + From<u8> {}
impl GlobUnit for u8 {}
impl GlobUnit for char {}

fn glob_from<T: GlobUnit>(p: &[T], n: &[T]) -> Option<bool> {
    let [star_c, question, open, backslash] = [b'*', b'?', b'[', b'\\'].map(T::from);
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() {
            let c = p[pi];
            if c == star_c {
                star = Some((pi, ni));
                pi += 1;
                continue;
            }
            if ni < n.len() {
                if c == question {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                if c == open {
                    let (ok, next) = class_match(p, pi, n[ni])?;
                    if ok {
                        pi = next;
                        ni += 1;
                        continue;
                    }
                } else if c == backslash {
                    let escaped = *p.get(pi + 1)?;
                    if escaped == n[ni] {
                        pi += 2;
                        ni += 1;
                        continue;
                    }
                } else if c == n[ni] {
                    pi += 1;
                    ni += 1;
                    continue;
                }
            }
        } else if ni == n.len() {
            return Some(true);
        }
        match star {
            Some((sp, sn)) if sn < n.len() => {
                star = Some((sp, sn + 1));
                pi = sp + 1;
                ni = sn + 1;
            }
            _ => {
                // Validate the rest of the pattern so a malformed class is an error, as in Go.
                return Some(false);
            }
        }
    }
}

/// Matches `c` against the class starting at `p[start] == '['`; returns whether it matched
/// and the index after the closing `]`, or `None` for a malformed class.
fn class_match<T: GlobUnit>(p: &[T], start: usize, c: T) -> Option<(bool, usize)> {
    let [caret, close, backslash, dash] = [b'^', b']', b'\\', b'-'].map(T::from);
    let mut i = start + 1;
    let negated = p.get(i) == Some(&caret);
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let mut lo = *p.get(i)?;
        if lo == close && !first {
            i += 1;
            break;
        }
        first = false;
        if lo == backslash {
            i += 1;
            lo = *p.get(i)?;
        }
        i += 1;
        let mut hi = lo;
        if p.get(i) == Some(&dash) && p.get(i + 1).is_some_and(|&x| x != close) {
            i += 1;
            hi = *p.get(i)?;
            if hi == backslash {
                i += 1;
                hi = *p.get(i)?;
            }
            i += 1;
        }
        if lo <= c && c <= hi {
            matched = true;
        }
    }
    Some((matched != negated, i))
}

/// Parses gitignore text: one pattern a line, `#` comments and blank lines skipped.
fn parse_lines(text: &str, domain: &[String]) -> Vec<Pattern> {
    text.lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| Pattern::parse(l, domain))
        .collect()
}

/// The ignore rules of one source, in priority order (later rules win).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRules {
    patterns: Vec<Pattern>,
}

impl Default for IgnoreRules {
    fn default() -> Self {
        Self::flux_defaults()
    }
}

impl IgnoreRules {
    /// Flux's rules for a source without patterns of its own: VCS files and the defaults.
    pub fn flux_defaults() -> Self {
        let mut rules = Self::vcs_only();
        rules
            .patterns
            .extend(DEFAULT_PATTERNS.iter().map(|p| Pattern::parse(p, &[])));
        rules
    }

    /// Only the VCS files are excluded.
    pub fn vcs_only() -> Self {
        IgnoreRules {
            patterns: VCS_PATTERNS.iter().map(|p| Pattern::parse(p, &[])).collect(),
        }
    }

    /// The rules Flux builds for a checked-out tree at `dir`: every `.sourceignore` in it
    /// (each scoped to its directory), then `spec_ignore`; the defaults only when both add
    /// nothing. The VCS patterns always come first.
    pub fn for_source(dir: &Path, spec_ignore: Option<&str>) -> Result<Self, IgnoreError> {
        let mut own = Vec::new();
        load_sourceignore_files(dir, &mut Vec::new(), &mut own)?;
        if let Some(text) = spec_ignore {
            own.extend(parse_lines(text, &[]));
        }
        Ok(Self::from_own_patterns(own))
    }

    /// Rules from gitignore text that applies at the root of the tree (like `spec.ignore`
    /// without any `.sourceignore` file).
    pub fn from_text(text: &str) -> Self {
        Self::from_own_patterns(parse_lines(text, &[]))
    }

    fn from_own_patterns(own: Vec<Pattern>) -> Self {
        if own.is_empty() {
            return Self::flux_defaults();
        }
        let mut rules = Self::vcs_only();
        rules.patterns.extend(own);
        rules
    }

    /// True when the path (relative to the tree root, `/`-separated) is excluded.
    pub fn is_ignored(&self, relative_path: &str, is_dir: bool) -> bool {
        let parts: Vec<&str> = relative_path.split('/').filter(|p| !p.is_empty()).collect();
        self.is_ignored_parts(&parts, is_dir)
    }

    /// Like [`Self::is_ignored`] with the path already split into components.
    pub fn is_ignored_parts(&self, parts: &[&str], is_dir: bool) -> bool {
        self.patterns
            .iter()
            .rev()
            .find_map(|p| p.decide(parts, is_dir))
            .unwrap_or(false)
    }
}

fn load_sourceignore_files(dir: &Path, domain: &mut Vec<String>, out: &mut Vec<Pattern>) -> Result<(), IgnoreError> {
    let file = dir.join(IGNORE_FILE);
    match std::fs::read_to_string(&file) {
        Ok(text) => out.extend(parse_lines(&text, domain)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => return Err(IgnoreError { path: file, source }),
    }
    let read = std::fs::read_dir(dir).map_err(|source| IgnoreError {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut subdirs = Vec::new();
    for entry in read {
        let entry = entry.map_err(|source| IgnoreError {
            path: dir.to_path_buf(),
            source,
        })?;
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_dir && name != ".git" {
            subdirs.push(name);
        }
    }
    subdirs.sort();
    for name in subdirs {
        let path = dir.join(&name);
        domain.push(name);
        load_sourceignore_files(&path, domain, out)?;
        domain.pop();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_exclude_vcs_images_and_ci() {
        let r = IgnoreRules::flux_defaults();
        assert!(r.is_ignored(".git/config", false));
        assert!(r.is_ignored("a/.gitignore", false));
        assert!(r.is_ignored("img/logo.png", false));
        assert!(r.is_ignored(".github/workflows/ci.yaml", false));
        assert!(r.is_ignored("deep/dir/.sops.yaml", false));
        assert!(!r.is_ignored("deploy/app.yaml", false));
        assert!(!r.is_ignored("github/x.yaml", false));
    }

    #[test]
    fn own_patterns_replace_defaults_but_keep_vcs() {
        let r = IgnoreRules::from_text("*.txt\n");
        assert!(r.is_ignored("notes.txt", false));
        assert!(r.is_ignored(".git/HEAD", false));
        assert!(!r.is_ignored("logo.png", false));
    }

    #[test]
    fn negation_and_anchoring() {
        let r = IgnoreRules::from_text("/*\n!/deploy/\n");
        assert!(r.is_ignored("README.md", false));
        assert!(!r.is_ignored("deploy/app.yaml", false));
        let r = IgnoreRules::from_text("docs/**\n# comment\n\n!docs/keep.md\n");
        assert!(r.is_ignored("docs/a/b.md", false));
        assert!(!r.is_ignored("docs/keep.md", false));
        assert!(!r.is_ignored("other/docs/x", false));
    }

    #[test]
    fn dir_only_patterns() {
        let r = IgnoreRules::from_text("build/\n");
        assert!(r.is_ignored("build/out.bin", false));
        assert!(!r.is_ignored("build", false));
        assert!(r.is_ignored("a/build/x", false));
    }

    #[test]
    fn glob_components() {
        assert!(glob_component("*.y?ml", "app.yaml"));
        assert!(glob_component("[a-c]x", "bx"));
        assert!(!glob_component("[^a-c]x", "bx"));
        assert!(glob_component("\\*", "*"));
        assert!(!glob_component("[", "["));
        assert!(glob_component("a*b*c", "aXXbYYc"));
        assert!(!glob_component("a*b", "aXXbY"));
        assert!(glob_component("ü*.yaml", "über.yaml"));
        assert!(glob_component("[ä-ü]x", "öx"));
        assert!(!glob_component("?", "üü"));
    }

    #[test]
    fn double_star_prefix() {
        let r = IgnoreRules::from_text("**/secret.yaml\n");
        assert!(r.is_ignored("secret.yaml", false));
        assert!(r.is_ignored("a/b/secret.yaml", false));
        assert!(!r.is_ignored("a/b/public.yaml", false));
    }
}
