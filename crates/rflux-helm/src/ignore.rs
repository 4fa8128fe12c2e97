//! `.helmignore`: Helm's ignore rules (one pattern a line, `#` comments, `!` negation,
//! trailing `/` for directories only, a leading `/` anchors at the chart root, patterns
//! without `/` match the base name), applied exactly the way Helm evaluates them.

use regex::Regex;

use crate::glob::{Syntax, compile};

/// A compiled pattern: most rules are a name or `*.ext`, which need no regular expression.
#[derive(Debug, Clone)]
enum Matcher {
    /// No wildcard: the whole string.
    Exact(String),
    /// `*` then no wildcard: a suffix, with no `/` before it.
    Suffix(String),
    /// Anything else.
    Pattern(Regex),
    /// Malformed: never matches.
    Never,
}

impl Matcher {
    fn new(pattern: &str) -> Matcher {
        let plain = |p: &str| !p.contains(['*', '?', '[', '\\']);
        if plain(pattern) {
            return Matcher::Exact(pattern.to_string());
        }
        if let Some(rest) = pattern.strip_prefix('*')
            && plain(rest)
        {
            return Matcher::Suffix(rest.to_string());
        }
        compile(pattern, Syntax::FilepathMatch).map_or(Matcher::Never, Matcher::Pattern)
    }

    fn is_match(&self, s: &str) -> bool {
        match self {
            Matcher::Exact(p) => s == p,
            Matcher::Suffix(p) => s.strip_suffix(p.as_str()).is_some_and(|head| !head.contains('/')),
            Matcher::Pattern(re) => re.is_match(s),
            Matcher::Never => false,
        }
    }
}

#[derive(Debug, Clone)]
struct Rule {
    matcher: Matcher,
    /// Whether the pattern is matched against the whole path (else the base name).
    whole_path: bool,
    negate: bool,
    dir_only: bool,
}

/// A parsed `.helmignore`.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    rules: Vec<Rule>,
}

impl Rules {
    /// Helm's defaults (hidden files under `templates/` are ignored) plus the rules in `text`.
    pub fn parse(text: &str) -> Rules {
        let mut r = Rules::default();
        r.add("templates/.?*");
        for line in text.lines() {
            r.add(line);
        }
        r
    }

    fn add(&mut self, line: &str) {
        let mut p = line.trim();
        if p.is_empty() || p.starts_with('#') {
            return;
        }
        // Helm rejects `**`; such a rule never matches.
        if p.contains("**") {
            tracing::warn!(rule = p, "helmignore: ** is not supported");
            return;
        }
        let mut negate = false;
        if let Some(rest) = p.strip_prefix('!') {
            if rest.is_empty() {
                return;
            }
            negate = true;
            p = rest;
        }
        let mut dir_only = false;
        if let Some(rest) = p.strip_suffix('/') {
            dir_only = true;
            p = rest;
        }
        let (pattern, whole_path) = match p.strip_prefix('/') {
            Some(anchored) => (anchored, true),
            None => (p, p.contains('/')),
        };
        self.rules.push(Rule {
            matcher: Matcher::new(pattern),
            whole_path,
            negate,
            dir_only,
        });
    }

    fn matches(rule: &Rule, path: &str) -> bool {
        if rule.whole_path {
            rule.matcher.is_match(path)
        } else {
            rule.matcher.is_match(path.rsplit('/').next().unwrap_or(path))
        }
    }

    /// Whether `path` (relative, `/`-separated) is ignored; `is_dir` tells whether it is a
    /// directory. Mirrors Helm's evaluation, including its treatment of negated rules.
    pub fn ignored(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for r in &self.rules {
            if r.negate {
                if r.dir_only && !is_dir {
                    return true;
                }
                if !Self::matches(r, path) {
                    return true;
                }
                continue;
            }
            if r.dir_only && !is_dir {
                continue;
            }
            if Self::matches(r, path) {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_rules() {
        let r = Rules::parse("# c\n*.bak\n/top.txt\nci/\ndocs/*.md\n");
        assert!(r.ignored("a.bak", false));
        assert!(r.ignored("templates/a.bak", false));
        assert!(r.ignored("top.txt", false));
        assert!(!r.ignored("x/top.txt", false));
        assert!(r.ignored("ci", true));
        assert!(!r.ignored("ci", false));
        assert!(r.ignored("docs/a.md", false));
        assert!(r.ignored("templates/.hidden", false));
        assert!(!r.ignored("templates/a.yaml", false));
    }

    #[test]
    fn plain_and_suffix_rules_match_as_patterns_do() {
        let r = Rules::parse("OWNERS\n*~\n/x/*.tgz\nkube-*.tgz\n");
        assert!(r.ignored("OWNERS", false));
        assert!(r.ignored("sub/OWNERS", false));
        assert!(!r.ignored("OWNERS2", false));
        assert!(r.ignored("notes.txt~", false));
        assert!(r.ignored("x/a.tgz", false));
        assert!(!r.ignored("x/y/a.tgz", false));
        assert!(!r.ignored("a.tgz", false));
        assert!(r.ignored("kube-1.2.tgz", false));
        let anchored = Rules::parse("/*.md\n");
        assert!(anchored.ignored("README.md", false));
        assert!(!anchored.ignored("docs/README.md", false));
    }
}
