//! `.helmignore`: Helm's ignore rules (one pattern a line, `#` comments, `!` negation,
//! trailing `/` for directories only, a leading `/` anchors at the chart root, patterns
//! without `/` match the base name), applied exactly the way Helm evaluates them.

use regex::Regex;

use crate::glob::{Syntax, compile};

#[derive(Debug, Clone)]
struct Rule {
    /// Compiled pattern (`None` when malformed: never matches).
    re: Option<Regex>,
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
            re: compile(pattern, Syntax::FilepathMatch),
            whole_path,
            negate,
            dir_only,
        });
    }

    fn matches(rule: &Rule, path: &str) -> bool {
        let Some(re) = &rule.re else { return false };
        if rule.whole_path {
            re.is_match(path)
        } else {
            re.is_match(path.rsplit('/').next().unwrap_or(path))
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
}
