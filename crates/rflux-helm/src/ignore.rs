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
}

impl Matcher {
    /// `None` when the pattern is malformed.
    fn new(pattern: &str) -> Option<Matcher> {
        let plain = |p: &str| !p.contains(['*', '?', '[', '\\']);
        if plain(pattern) {
            return Some(Matcher::Exact(pattern.to_string()));
        }
        if let Some(rest) = pattern.strip_prefix('*')
            && plain(rest)
        {
            return Some(Matcher::Suffix(rest.to_string()));
        }
        compile(pattern, Syntax::FilepathMatch).map(Matcher::Pattern)
    }

    fn is_match(&self, s: &str) -> bool {
        match self {
            Matcher::Exact(p) => s == p,
            Matcher::Suffix(p) => s.strip_suffix(p.as_str()).is_some_and(|head| !head.contains('/')),
            Matcher::Pattern(re) => re.is_match(s),
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
    /// As Helm does, a rule with `**` or a malformed pattern is refused (the error says
    /// which rule and why).
    pub fn parse(text: &str) -> Result<Rules, String> {
        let mut r = Rules::default();
        r.add("templates/.?*")?;
        for line in text.lines() {
            r.add(line)?;
        }
        Ok(r)
    }

    fn add(&mut self, line: &str) -> Result<(), String> {
        let mut p = line.trim();
        if p.is_empty() || p.starts_with('#') {
            return Ok(());
        }
        if p.contains("**") {
            return Err(format!("rule {p:?}: double-star (**) syntax is not supported"));
        }
        let rule = p;
        let mut negate = false;
        if let Some(rest) = p.strip_prefix('!') {
            if rest.is_empty() {
                return Ok(());
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
        let Some(matcher) = Matcher::new(pattern) else {
            return Err(format!("rule {rule:?}: syntax error in pattern"));
        };
        self.rules.push(Rule {
            matcher,
            whole_path,
            negate,
            dir_only,
        });
        Ok(())
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
        let r = Rules::parse("# c\n*.bak\n/top.txt\nci/\ndocs/*.md\n").unwrap();
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
        let r = Rules::parse("OWNERS\n*~\n/x/*.tgz\nkube-*.tgz\n").unwrap();
        assert!(r.ignored("OWNERS", false));
        assert!(r.ignored("sub/OWNERS", false));
        assert!(!r.ignored("OWNERS2", false));
        assert!(r.ignored("notes.txt~", false));
        assert!(r.ignored("x/a.tgz", false));
        assert!(!r.ignored("x/y/a.tgz", false));
        assert!(!r.ignored("a.tgz", false));
        assert!(r.ignored("kube-1.2.tgz", false));
        let anchored = Rules::parse("/*.md\n").unwrap();
        assert!(anchored.ignored("README.md", false));
        assert!(!anchored.ignored("docs/README.md", false));
    }

    #[test]
    fn rules_helm_refuses_are_errors() {
        assert_eq!(
            Rules::parse("ok\n**/x\n").unwrap_err(),
            "rule \"**/x\": double-star (**) syntax is not supported"
        );
        assert_eq!(
            Rules::parse("[a\n").unwrap_err(),
            "rule \"[a\": syntax error in pattern"
        );
        assert_eq!(
            Rules::parse("!w\\\n").unwrap_err(),
            "rule \"!w\\\\\": syntax error in pattern"
        );
    }
}
