//! Path patterns: Go's `filepath.Match` (for `.helmignore`) and gobwas/glob with `/` as
//! separator (for `.Files.Glob`), both compiled to anchored regular expressions.

use regex::Regex;

/// Which pattern language to compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Go `path/filepath.Match`: `*`, `?`, `[...]` (`^` negates), `\` escapes.
    FilepathMatch,
    /// gobwas/glob: additionally `**` across separators, `{a,b}` alternatives, `[!...]`.
    Glob,
}

/// Compile `pattern`; `None` when the pattern is malformed (Go returns ErrBadPattern).
pub fn compile(pattern: &str, syntax: Syntax) -> Option<Regex> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut re = String::from("^");
    let mut i = 0;
    let mut brace_depth = 0usize;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' => {
                if syntax == Syntax::Glob && chars.get(i + 1) == Some(&'*') {
                    re.push_str(".*");
                    i += 1;
                } else {
                    re.push_str("[^/]*");
                }
            }
            '?' => re.push_str("[^/]"),
            '\\' => {
                i += 1;
                let n = *chars.get(i)?;
                re.push_str(&regex::escape(&n.to_string()));
            }
            '[' => {
                let mut j = i + 1;
                let mut class = String::from("[");
                if j < chars.len() && (chars[j] == '^' || (syntax == Syntax::Glob && chars[j] == '!')) {
                    // A negated class never matches the separator.
                    class.push_str("^/");
                    j += 1;
                }
                let start = j;
                while j < chars.len() && (chars[j] != ']' || j == start) {
                    let ch = chars[j];
                    if ch == '\\' {
                        j += 1;
                        let n = *chars.get(j)?;
                        class.push_str(&regex::escape(&n.to_string()));
                    } else if ch == '-' {
                        class.push('-');
                    } else if ch == '[' || ch == '&' || ch == '~' || ch == '^' {
                        class.push('\\');
                        class.push(ch);
                    } else {
                        class.push(ch);
                    }
                    j += 1;
                }
                if j >= chars.len() {
                    return None;
                }
                class.push(']');
                re.push_str(&class);
                i = j;
            }
            '{' if syntax == Syntax::Glob => {
                brace_depth += 1;
                re.push_str("(?:");
            }
            '}' if syntax == Syntax::Glob && brace_depth > 0 => {
                brace_depth -= 1;
                re.push(')');
            }
            ',' if syntax == Syntax::Glob && brace_depth > 0 => re.push('|'),
            other => re.push_str(&regex::escape(&other.to_string())),
        }
        i += 1;
    }
    if brace_depth > 0 {
        return None;
    }
    re.push('$');
    Regex::new(&re).ok()
}

/// Whether `name` matches `pattern` with Go's `filepath.Match` (false on a bad pattern).
#[cfg(test)]
pub fn filepath_match(pattern: &str, name: &str) -> bool {
    compile(pattern, Syntax::FilepathMatch).is_some_and(|r| r.is_match(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filepath_match_basics() {
        assert!(filepath_match("*.txt", "a.txt"));
        assert!(!filepath_match("*.txt", "d/a.txt"));
        assert!(filepath_match("d/*.txt", "d/a.txt"));
        assert!(filepath_match("[a-c]?", "bz"));
        assert!(filepath_match("[^a]", "b"));
    }

    #[test]
    fn glob_basics() {
        let g = |p: &str, n: &str| compile(p, Syntax::Glob).is_some_and(|r| r.is_match(n));
        assert!(g("files/**", "files/a/b.txt"));
        assert!(g("files/*.{yaml,json}", "files/x.json"));
        assert!(!g("files/*", "files/a/b"));
        assert!(g("[!a]*", "bcd"));
    }
}
