//! Sprig's string functions: case, trimming, substrings, wrapping, quoting, splitting and
//! joining, regular expressions, encodings and hashes, and paths.

use super::*;

fn title(s: &str) -> String {
    // strings.Title: uppercase letters that follow a separator.
    let mut out = String::with_capacity(s.len());
    let mut prev_sep = true;
    for c in s.chars() {
        if prev_sep {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_sep = !(c.is_alphanumeric() || c == '_');
        if c.is_ascii() && !(c.is_ascii_alphanumeric() || c == '_') {
            prev_sep = true;
        } else if !c.is_ascii() {
            prev_sep = c.is_whitespace();
        }
    }
    out
}

fn untitle(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_space = true;
    for c in s.chars() {
        if prev_space {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        prev_space = c.is_whitespace();
    }
    out
}

fn go_trim_space(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace())
}

fn regex(p: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(p).map_err(|e| {
        let m = e.to_string();
        let code = if m.contains("unclosed group") {
            "missing closing )"
        } else if m.contains("unopened group") {
            "unexpected )"
        } else if m.contains("unclosed character class") {
            "missing closing ]"
        } else if m.contains("repetition operator missing expression") {
            "missing argument to repetition operator"
        } else {
            "invalid syntax"
        };
        format!("error parsing regexp: {code}: `{p}`")
    })
}

fn sha256_hex(b: &[u8]) -> String {
    let d = sha2::Sha256::digest(b);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &c in bytes {
        a = (a + c as u32) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn split_words(s: &str) -> Vec<String> {
    // words for case conversions: split on connectors (spaces, '_', '-') and on case
    // transitions; punctuation and symbols stay inside their word
    let mut words = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() || c == '_' || c == '-' {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        // Unicode symbols (ASCII $+<=>^`|~, and non-ASCII non-letters) are words of their
        // own; punctuation stays inside the word.
        let symbol = if c.is_ascii() {
            "$+<=>^`|~".contains(c)
        } else {
            !c.is_alphanumeric()
        };
        if symbol {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            words.push(c.to_string());
            continue;
        }
        if c.is_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                words.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// `strings.Repeat(" ", n)`, with Go's panic for a negative count as the error.
fn spaces(n: i64) -> Result<String, String> {
    if n < 0 {
        return Err("strings: negative Repeat count".into());
    }
    if n > 1 << 24 {
        return Err("strings: Repeat output length overflow".into());
    }
    Ok(" ".repeat(n as usize))
}

/// xstrings.ToCamelCase: connectors (`_`, `-`, spaces) removed, the letter after one
/// upper-cased, others lower-cased; leading connectors kept.
fn camel_case(s: &str) -> String {
    let is_conn = |c: char| c == '_' || c == '-' || c.is_whitespace();
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    let mut r0 = None;
    for c in chars.by_ref() {
        if !is_conn(c) {
            r0 = Some(c);
            break;
        }
        out.push(c);
    }
    let Some(first) = r0 else { return out };
    let mut r0: char = first.to_uppercase().next().unwrap_or(first);
    for c in chars {
        let r1 = r0;
        r0 = c;
        if is_conn(r0) && is_conn(r1) {
            out.push(r1);
            continue;
        }
        if is_conn(r1) {
            r0 = r0.to_uppercase().next().unwrap_or(r0);
        } else {
            r0 = r0.to_lowercase().next().unwrap_or(r0);
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

/// Largest char boundary at or below `i`.
fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// goutils.WrapCustom: wrap at spaces so lines fit `width` bytes; long words are cut
/// when `long_words`, otherwise left whole.
fn wrap(s: &str, width: i64, nl: &str, long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let nl = if nl.is_empty() { "\n" } else { nl };
    let width = width.max(1) as usize;
    let b = s.as_bytes();
    let len = b.len();
    let mut offset = 0usize;
    let mut out = String::new();
    let piece = |from: usize, to: usize| crate::value::bytes_text(&b[from..to.min(len)]).into_owned();
    while len - offset > width {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = (width + offset + 1).min(len);
        match b[offset..end].iter().rposition(|c| *c == b' ') {
            Some(sp) => {
                out.push_str(&piece(offset, offset + sp));
                out.push_str(nl);
                offset += sp + 1;
            }
            None if long_words => {
                out.push_str(&piece(offset, offset + width));
                out.push_str(nl);
                offset += width;
            }
            None => {
                let end = width + offset;
                match b[end..].iter().position(|c| *c == b' ') {
                    None => {
                        out.push_str(&piece(offset, len));
                        offset = len;
                    }
                    Some(i) => {
                        out.push_str(&piece(offset, end + i));
                        out.push_str(nl);
                        offset = end + i + 1;
                    }
                }
            }
        }
    }
    out.push_str(&piece(offset, len));
    out
}

/// Go's `strings.Split`.
pub fn go_split(s: &str, sep: &str) -> Vec<String> {
    if sep.is_empty() {
        return s.chars().map(|c| c.to_string()).collect();
    }
    s.split(sep).map(str::to_string).collect()
}

/// Convert Go's `$1`/`${name}` replacement template to the regex crate's syntax (the same
/// except that the regex crate needs braces to end a name, which Go also does).
fn go_expand_template(t: &str) -> String {
    t.to_string()
}

fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let j = parts.join("/");
    if rooted {
        format!("/{j}")
    } else if j.is_empty() {
        ".".into()
    } else {
        j
    }
}

fn path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

fn path_dir(p: &str) -> String {
    let i = p.rfind('/').map(|i| i + 1).unwrap_or(0);
    path_clean(&p[..i])
}

/// Register this family.
pub fn register(m: &mut FuncMap) {
    use Ty::*;
    let mut add = |name: &str, f: crate::func::Func| {
        m.insert(name.to_string(), f);
    };
    // ---- strings
    add("upper", func(&[Str], None, |_, a| string(s(&a, 0).to_uppercase())));
    add("lower", func(&[Str], None, |_, a| string(s(&a, 0).to_lowercase())));
    add("title", func(&[Str], None, |_, a| string(title(s(&a, 0)))));
    add("untitle", func(&[Str], None, |_, a| string(untitle(s(&a, 0)))));
    add("trim", func(&[Str], None, |_, a| string(go_trim_space(s(&a, 0)))));
    add(
        "trimAll",
        func(&[Str, Str], None, |_, a| {
            let cut: Vec<char> = s(&a, 0).chars().collect();
            string(s(&a, 1).trim_matches(|c| cut.contains(&c)))
        }),
    );
    add(
        "trimPrefix",
        func(&[Str, Str], None, |_, a| {
            string(s(&a, 1).strip_prefix(s(&a, 0)).unwrap_or(s(&a, 1)))
        }),
    );
    add(
        "trimSuffix",
        func(&[Str, Str], None, |_, a| {
            string(s(&a, 1).strip_suffix(s(&a, 0)).unwrap_or(s(&a, 1)))
        }),
    );
    add(
        "replace",
        func(&[Str, Str, Str], None, |_, a| {
            let (old, new, src) = (s(&a, 0), s(&a, 1), s(&a, 2));
            if old.is_empty() {
                // Go inserts `new` between every rune and at both ends.
                let mut out = String::from(new);
                for c in src.chars() {
                    out.push(c);
                    out.push_str(new);
                }
                return string(out);
            }
            string(src.replace(old, new))
        }),
    );
    add(
        "contains",
        func(&[Str, Str], None, |_, a| Ok(Value::Bool(s(&a, 1).contains(s(&a, 0))))),
    );
    add(
        "hasPrefix",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::Bool(s(&a, 1).starts_with(s(&a, 0))))
        }),
    );
    add(
        "hasSuffix",
        func(&[Str, Str], None, |_, a| Ok(Value::Bool(s(&a, 1).ends_with(s(&a, 0))))),
    );
    add(
        "repeat",
        func(&[Int, Str], None, |_, a| {
            let n = int(&a, 0);
            if n < 0 {
                return Err("strings: negative Repeat count".into());
            }
            if (n as u128) * (s(&a, 1).len() as u128) > 1 << 30 {
                return Err("strings: Repeat output length overflow".into());
            }
            string(s(&a, 1).repeat(n as usize))
        }),
    );
    add(
        "substr",
        func(&[Int, Int, Str], None, |cx, a| {
            let (start, end) = (int(&a, 0), int(&a, 1));
            // Go slices the string's bytes (a binary string's original ones).
            let bytes = arg_bytes(cx, &a, 2);
            let b = &bytes[..];
            let len = b.len() as i64;
            // Go slices bytes and panics on bad bounds; the panic becomes the error.
            let r = if start < 0 {
                if end < 0 || end > len {
                    return Err(format!(
                        "runtime error: slice bounds out of range [:{end}] with length {len}"
                    ));
                }
                &b[..end as usize]
            } else if end < 0 || end > len {
                if start > len {
                    return Err(format!("runtime error: slice bounds out of range [{start}:{len}]"));
                }
                &b[start as usize..]
            } else {
                if start > end {
                    return Err(format!("runtime error: slice bounds out of range [{start}:{end}]"));
                }
                &b[start as usize..end as usize]
            };
            Ok(byte_string(cx, r.to_vec()))
        }),
    );
    add(
        "trunc",
        func(&[Int, Str], None, |cx, a| {
            let c = int(&a, 0);
            let bytes = arg_bytes(cx, &a, 1);
            let b = &bytes[..];
            let n = b.len() as i64;
            let r = if c < 0 && n + c > 0 {
                &b[(n + c) as usize..]
            } else if c >= 0 && n > c {
                &b[..c as usize]
            } else {
                b
            };
            Ok(byte_string(cx, r.to_vec()))
        }),
    );
    add(
        "abbrev",
        func(&[Int, Str], None, |_, a| {
            let (w, st) = (int(&a, 0), s(&a, 1));
            if w < 4 || st.len() as i64 <= w {
                return string(st);
            }
            string(format!("{}...", &st[..floor_boundary(st, (w - 3) as usize)]))
        }),
    );
    add(
        "abbrevboth",
        func(&[Int, Int, Str], None, |_, a| {
            let (left, w, st) = (int(&a, 0), int(&a, 1), s(&a, 2));
            if w < 4 || st.len() as i64 <= w {
                return string(st);
            }
            let mut off = left.max(0) as usize;
            if off > st.len() {
                off = st.len();
            }
            if (st.len() - off) < (w as usize - 3) {
                off = st.len() - (w as usize - 3);
            }
            if off <= 4 {
                return string(format!("{}...", &st[..floor_boundary(st, (w - 3) as usize)]));
            }
            if w < 7 {
                return string(st);
            }
            if off + w as usize - 3 < st.len() {
                let rest = &st[floor_boundary(st, off)..];
                let inner = if rest.len() as i64 > w - 3 {
                    format!("{}...", &rest[..floor_boundary(rest, (w - 6) as usize)])
                } else {
                    rest.to_string()
                };
                return string(format!("...{inner}"));
            }
            string(format!("...{}", &st[floor_boundary(st, st.len() - (w as usize - 3))..]))
        }),
    );
    add(
        "nospace",
        func(&[Str], None, |_, a| {
            string(s(&a, 0).chars().filter(|c| !c.is_whitespace()).collect::<String>())
        }),
    );
    add(
        "initials",
        func(&[Str], None, |_, a| {
            string(
                // first byte of each word, as a rune (Go indexes bytes)
                s(&a, 0)
                    .split_whitespace()
                    .filter_map(|w| w.as_bytes().first().map(|b| *b as char))
                    .collect::<String>(),
            )
        }),
    );
    add(
        "swapcase",
        func(&[Str], None, |_, a| {
            string(
                s(&a, 0)
                    .chars()
                    .flat_map(|c| {
                        if c.is_uppercase() {
                            c.to_lowercase().collect::<Vec<_>>()
                        } else {
                            c.to_uppercase().collect()
                        }
                    })
                    .collect::<String>(),
            )
        }),
    );
    add(
        "snakecase",
        func(&[Str], None, |_, a| {
            string(
                split_words(s(&a, 0))
                    .iter()
                    .map(|w| w.to_lowercase())
                    .collect::<Vec<_>>()
                    .join("_"),
            )
        }),
    );
    add(
        "kebabcase",
        func(&[Str], None, |_, a| {
            string(
                split_words(s(&a, 0))
                    .iter()
                    .map(|w| w.to_lowercase())
                    .collect::<Vec<_>>()
                    .join("-"),
            )
        }),
    );
    add("camelcase", func(&[Str], None, |_, a| string(camel_case(s(&a, 0)))));
    add(
        "indent",
        func(&[Int, Str], None, |_, a| {
            let pad = spaces(int(&a, 0))?;
            string(format!("{pad}{}", s(&a, 1).replace('\n', &format!("\n{pad}"))))
        }),
    );
    add(
        "nindent",
        func(&[Int, Str], None, |_, a| {
            let pad = spaces(int(&a, 0))?;
            string(format!("\n{pad}{}", s(&a, 1).replace('\n', &format!("\n{pad}"))))
        }),
    );
    add(
        "wrap",
        func(&[Int, Str], None, |_, a| {
            string(wrap(s(&a, 1), int(&a, 0), "\n", false))
        }),
    );
    add(
        "wrapWith",
        func(&[Int, Str, Str], None, |_, a| {
            string(wrap(s(&a, 2), int(&a, 0), s(&a, 1), true))
        }),
    );
    add(
        "plural",
        func(&[Str, Str, Int], None, |_, a| {
            string(if int(&a, 2) == 1 { s(&a, 0) } else { s(&a, 1) })
        }),
    );
    add(
        "quote",
        func(&[], Some(Any), |c, a| {
            // %q of Go's bytes: a []byte's, or binary text's original ones.
            let parts: Vec<String> = a
                .iter()
                .filter(|v| !v.is_nil())
                .map(|v| match v {
                    Value::Object(o) if let Some(b) = o.bytes() => gofmt::go_quote_bytes(b),
                    Value::Str(t) if let Some(b) = c.binary_bytes(t) => gofmt::go_quote_bytes(&b),
                    other => gofmt::go_quote(&strval(other)),
                })
                .collect();
            string(parts.join(" "))
        }),
    );
    add(
        "squote",
        func(&[], Some(Any), |_, a| {
            let parts: Vec<String> = a
                .iter()
                .filter(|v| !v.is_nil())
                .map(|v| format!("'{}'", strval(v)))
                .collect();
            string(parts.join(" "))
        }),
    );
    add(
        "cat",
        func(&[], Some(Any), |_, a| {
            let parts: Vec<String> = a.iter().filter(|v| !v.is_nil()).map(gofmt::sprint_value).collect();
            string(parts.join(" "))
        }),
    );
    add(
        "split",
        func(&[Str, Str], None, |_, a| {
            let mut m = crate::value::Map::new();
            for (i, p) in go_split(s(&a, 1), s(&a, 0)).into_iter().enumerate() {
                m.insert(format!("_{i}"), Value::str(p));
            }
            Ok(Value::Map(crate::value::MapRef::named(m, "map[string]string")))
        }),
    );
    add(
        "splitList",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::str_list(go_split(s(&a, 1), s(&a, 0))))
        }),
    );
    add(
        "splitn",
        func(&[Str, Int, Str], None, |_, a| {
            let n = int(&a, 1);
            let parts: Vec<String> = if n < 0 {
                go_split(s(&a, 2), s(&a, 0))
            } else if n == 0 {
                Vec::new()
            } else {
                s(&a, 2).splitn(n as usize, s(&a, 0)).map(str::to_string).collect()
            };
            let mut m = crate::value::Map::new();
            for (i, p) in parts.into_iter().enumerate() {
                m.insert(format!("_{i}"), Value::str(p));
            }
            Ok(Value::Map(crate::value::MapRef::named(m, "map[string]string")))
        }),
    );
    add(
        "join",
        func(&[Str, Any], None, |_, a| string(strslice(&a[1]).join(s(&a, 0)))),
    );
    add(
        "sortAlpha",
        func(&[Any], None, |_, a| {
            let mut v = match a[0].slice_items() {
                Some(_) => strslice(&a[0]),
                None => vec![strval(&a[0])],
            };
            v.sort();
            Ok(Value::str_list(v))
        }),
    );
    add(
        "toStrings",
        func(&[Any], None, |_, a| {
            let v: Vec<String> = match &a[0] {
                Value::List(_) | Value::TypedList(_, _) => strslice(&a[0]),
                Value::Object(o) if o.items().is_some() || o.bytes().is_some() => strslice(&a[0]),
                Value::Nil => Vec::new(),
                other => vec![strval(other)],
            };
            Ok(Value::str_list(v))
        }),
    );
    add(
        "toString",
        func(&[Any], None, |cx, a| match &a[0] {
            // Go's string([]byte) keeps the bytes.
            Value::Object(o) if let Some(b) = o.bytes() => Ok(byte_string(cx, b.to_vec())),
            // The very string (a binary one keeps its bytes).
            Value::Str(_) => Ok(a[0].clone()),
            other => string(strval(other)),
        }),
    );
    // ---- regex
    add(
        "regexMatch",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::Bool(
                regex(s(&a, 0)).map(|r| r.is_match(s(&a, 1))).unwrap_or(false),
            ))
        }),
    );
    add(
        "mustRegexMatch",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::Bool(regex(s(&a, 0))?.is_match(s(&a, 1))))
        }),
    );
    add(
        "regexFind",
        func(&[Str, Str], None, |_, a| {
            let r = regex(s(&a, 0))?;
            string(r.find(s(&a, 1)).map(|m| m.as_str()).unwrap_or_default())
        }),
    );
    add(
        "mustRegexFind",
        func(&[Str, Str], None, |_, a| {
            let r = regex(s(&a, 0))?;
            string(r.find(s(&a, 1)).map(|m| m.as_str()).unwrap_or_default())
        }),
    );
    let find_all = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let r = regex(s(&a, 0))?;
        let n = int(&a, 2);
        let it = r.find_iter(s(&a, 1)).map(|m| m.as_str().to_string());
        let v: Vec<String> = if n < 0 {
            it.collect()
        } else {
            it.take(n as usize).collect()
        };
        Ok(Value::str_list(v))
    };
    add("regexFindAll", func(&[Str, Str, Int], None, find_all));
    add("mustRegexFindAll", func(&[Str, Str, Int], None, find_all));
    let repl_all = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let r = regex(s(&a, 0))?;
        string(
            r.replace_all(s(&a, 1), go_expand_template(s(&a, 2)).as_str())
                .into_owned(),
        )
    };
    add("regexReplaceAll", func(&[Str, Str, Str], None, repl_all));
    add("mustRegexReplaceAll", func(&[Str, Str, Str], None, repl_all));
    let repl_lit = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let r = regex(s(&a, 0))?;
        string(r.replace_all(s(&a, 1), regex::NoExpand(s(&a, 2))).into_owned())
    };
    add("regexReplaceAllLiteral", func(&[Str, Str, Str], None, repl_lit));
    add("mustRegexReplaceAllLiteral", func(&[Str, Str, Str], None, repl_lit));
    let rsplit = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let r = regex(s(&a, 0))?;
        let n = int(&a, 2);
        let v: Vec<String> = if n == 0 {
            Vec::new()
        } else if n < 0 {
            r.split(s(&a, 1)).map(str::to_string).collect()
        } else {
            r.splitn(s(&a, 1), n as usize).map(str::to_string).collect()
        };
        Ok(Value::str_list(v))
    };
    add("regexSplit", func(&[Str, Str, Int], None, rsplit));
    add("mustRegexSplit", func(&[Str, Str, Int], None, rsplit));
    // The non-`must` regex functions use regexp.MustCompile: the panic names the pattern.
    for name in [
        "regexFind",
        "regexFindAll",
        "regexReplaceAll",
        "regexReplaceAllLiteral",
        "regexSplit",
    ] {
        if let Some(f) = m.get(name).cloned() {
            let inner = f.f.clone();
            let wrapped = crate::func::Func {
                f: Arc::new(move |cx: &mut dyn crate::func::CallContext, a: Vec<Value>| {
                    let pat = s(&a, 0).to_string();
                    inner(cx, a).map_err(|e| {
                        if e.starts_with("error parsing regexp") {
                            format!("regexp: Compile(`{pat}`): {e}")
                        } else {
                            e
                        }
                    })
                }),
                ..f
            };
            m.insert(name.to_string(), wrapped);
        }
    }
    let mut add = |name: &str, f: crate::func::Func| {
        m.insert(name.to_string(), f);
    };
    add(
        "regexQuoteMeta",
        func(&[Str], None, |_, a| string(regex::escape(s(&a, 0)))),
    );
    // ---- encoding and hashes
    add(
        "b64enc",
        func(&[Str], None, |c, a| {
            string(base64::engine::general_purpose::STANDARD.encode(arg_bytes(c, &a, 0)))
        }),
    );
    add(
        "b64dec",
        func(&[Str], None, |cx, a| {
            match base64::engine::general_purpose::STANDARD.decode(s(&a, 0)) {
                Ok(b) => Ok(byte_string(cx, b)),
                Err(e) => string(base64_error(&e)),
            }
        }),
    );
    add(
        "sha256sum",
        func(&[Str], None, |c, a| string(sha256_hex(&arg_bytes(c, &a, 0)))),
    );
    add(
        "adler32sum",
        func(&[Str], None, |c, a| string(adler32(&arg_bytes(c, &a, 0)).to_string())),
    );
    // ---- paths
    add("base", func(&[Str], None, |_, a| string(path_base(s(&a, 0)))));
    add("dir", func(&[Str], None, |_, a| string(path_dir(s(&a, 0)))));
    add(
        "ext",
        func(&[Str], None, |_, a| {
            let b = s(&a, 0);
            let last = b.rsplit('/').next().unwrap_or(b);
            string(last.rfind('.').map(|i| last[i..].to_string()).unwrap_or_default())
        }),
    );
    add("clean", func(&[Str], None, |_, a| string(path_clean(s(&a, 0)))));
    add(
        "isAbs",
        func(&[Str], None, |_, a| Ok(Value::Bool(s(&a, 0).starts_with('/')))),
    );
}
