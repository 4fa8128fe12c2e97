//! Shell patterns as Go's `path.Match` reads them (used by `${var#pattern}` and friends):
//! `*` matches any run of characters except `/`, `?` one character except `/`, `[...]` a
//! class (`^` negates, `a-z` ranges), `\` escapes. A malformed pattern is an error.

/// Whether `name` matches `pattern` entirely; `Err` for a malformed pattern.
pub(crate) fn matches(pattern: &[char], name: &[char]) -> Result<bool, ()> {
    let mut pattern = pattern;
    let mut name = name;
    'outer: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(!name.contains(&'/'));
        }
        let first = match_chunk(chunk, name);
        if let Ok(Some(t)) = first
            && (t.is_empty() || !pattern.is_empty())
        {
            name = t;
            continue;
        }
        first?;
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != '/' {
                match match_chunk(chunk, &name[i + 1..])? {
                    Some(t) if pattern.is_empty() && !t.is_empty() => {}
                    Some(t) => {
                        name = t;
                        continue 'outer;
                    }
                    None => {}
                }
                i += 1;
            }
        }
        // A failed match still reports a malformed remainder of the pattern.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, &[])?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// Splits off leading stars and the chunk up to the next unescaped star outside brackets.
fn scan_chunk(pattern: &[char]) -> (bool, &[char], &[char]) {
    let mut p = pattern;
    let mut star = false;
    while p.first() == Some(&'*') {
        p = &p[1..];
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' if i + 1 < p.len() => i += 1,
            '[' => in_range = true,
            ']' => in_range = false,
            '*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &p[..i], &p[i..])
}

/// Matches `chunk` against the start of `s`; the rest of `s` when it matches.
fn match_chunk<'a>(chunk: &[char], s: &'a [char]) -> Result<Option<&'a [char]>, ()> {
    let mut chunk = chunk;
    let mut s = s;
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match chunk[0] {
            '[' => {
                let mut r = '\0';
                if !failed {
                    r = s[0];
                    s = &s[1..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if chunk.first() == Some(&']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = escaped(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&'-') {
                        let (h, rest) = escaped(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    ranges += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            '?' => {
                if !failed {
                    if s[0] == '/' {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
            c => {
                let c = if c == '\\' {
                    chunk = &chunk[1..];
                    *chunk.first().ok_or(())?
                } else {
                    c
                };
                if !failed {
                    if c != s[0] {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed { Ok(None) } else { Ok(Some(s)) }
}

/// One (possibly escaped) character of a bracket expression.
fn escaped(chunk: &[char]) -> Result<(char, &[char]), ()> {
    let mut chunk = chunk;
    match chunk.first() {
        None | Some('-' | ']') => return Err(()),
        Some('\\') => {
            chunk = &chunk[1..];
            if chunk.is_empty() {
                return Err(());
            }
        }
        _ => {}
    }
    let r = chunk[0];
    chunk = &chunk[1..];
    if chunk.is_empty() {
        return Err(());
    }
    Ok((r, chunk))
}

#[cfg(test)]
mod tests {
    use super::matches;

    fn m(p: &str, n: &str) -> Result<bool, ()> {
        matches(&p.chars().collect::<Vec<_>>(), &n.chars().collect::<Vec<_>>())
    }

    #[test]
    fn go_path_match_cases() {
        assert_eq!(m("abc", "abc"), Ok(true));
        assert_eq!(m("*", "abc"), Ok(true));
        assert_eq!(m("*c", "abc"), Ok(true));
        assert_eq!(m("a*", "a"), Ok(true));
        assert_eq!(m("a*/b", "abc/b"), Ok(true));
        assert_eq!(m("a*/b", "a/c/b"), Ok(false));
        assert_eq!(m("a*b*c*d*e*/f", "axbxcxdxe/f"), Ok(true));
        assert_eq!(m("ab[c]", "abc"), Ok(true));
        assert_eq!(m("ab[b-d]", "abc"), Ok(true));
        assert_eq!(m("ab[^c]", "abc"), Ok(false));
        assert_eq!(m("a?b", "a/b"), Ok(false));
        assert_eq!(m("a\\*b", "a*b"), Ok(true));
        assert_eq!(m("[", "a"), Err(()));
        assert_eq!(m("a[", "x"), Err(()));
        assert_eq!(m("*x", "xxx"), Ok(true));
    }
}
