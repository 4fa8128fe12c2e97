//! YAML scalar resolution as go-yaml v3 decodes untagged plain scalars into `interface{}`
//! (what sops sees), and the inverse question: can a string be written plain?

use crate::tree::Value;

fn is_float_syntax(s: &str) -> bool {
    // ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseInt(s, 0, 64)` (then `ParseUint`), returning the value as i128.
fn go_parse_int(s: &str) -> Option<i128> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest.is_empty() {
        return None;
    }
    let lower = rest.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower.clone())
    };
    if digits.is_empty() || digits.starts_with('_') && radix == 10 {
        return None;
    }
    let v = u128::from_str_radix(&digits.replace('_', ""), radix).ok()?;
    let v = i128::try_from(v).ok()?;
    let v = if neg { -v } else { v };
    if v > u64::MAX as i128 || v < i64::MIN as i128 {
        return None;
    }
    if neg && v > 0 {
        return None;
    }
    Some(v)
}

/// Resolve an untagged plain scalar.
pub fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if first.is_ascii_digit() || first == b'+' || first == b'-' || first == b'.' {
        let plain = s.replace('_', "");
        if let Some(i) = go_parse_int(&plain) {
            return match i64::try_from(i) {
                Ok(v) => Value::Int(v),
                Err(_) => Value::Float(i as f64),
            };
        }
        if is_float_syntax(&plain)
            && let Ok(f) = plain.parse::<f64>()
        {
            return Value::Float(f);
        }
        let (neg, body) = match plain.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, plain.as_str()),
        };
        if let Some(bin) = body.strip_prefix("0b")
            && let Ok(v) = i64::from_str_radix(bin, 2)
        {
            return Value::Int(if neg { -v } else { v });
        }
    }
    Value::Str(s.to_string())
}

/// Resolve a scalar with an explicit tag (`!!str`, `!!int`, …). Unknown tags keep the text.
pub fn resolve_tagged(s: &str, tag_suffix: &str) -> Value {
    match tag_suffix {
        "str" | "binary" | "timestamp" => Value::Str(s.to_string()),
        "null" => Value::Null,
        "bool" | "int" | "float" => match resolve_plain(s) {
            v @ (Value::Bool(_) | Value::Int(_) | Value::Float(_)) => v,
            _ => Value::Str(s.to_string()),
        },
        _ => Value::Str(s.to_string()),
    }
}

fn is_old_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF"
    )
}

fn is_base60_float(s: &str) -> bool {
    // ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
    let b = s.trim_start_matches(['+', '-']);
    let mut parts = b.split(':');
    let Some(first) = parts.next() else {
        return false;
    };
    if first.is_empty()
        || !first.as_bytes()[0].is_ascii_digit()
        || !first.bytes().all(|c| c.is_ascii_digit() || c == b'_')
    {
        return false;
    }
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() {
        return false;
    }
    for (i, p) in rest.iter().enumerate() {
        let (num, frac) = if i + 1 == rest.len() {
            match p.split_once('.') {
                Some((n, f)) => (n, Some(f)),
                None => (*p, None),
            }
        } else {
            (*p, None)
        };
        if num.is_empty() || num.len() > 2 || !num.bytes().all(|c| c.is_ascii_digit()) {
            return false;
        }
        if num.len() == 2 && num.as_bytes()[0] > b'5' {
            return false;
        }
        if let Some(f) = frac
            && !f.bytes().all(|c| c.is_ascii_digit() || c == b'_')
        {
            return false;
        }
    }
    true
}

fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    // YYYY-M-D prefix, optionally followed by a time part.
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i != 4 || i >= b.len() || b[i] != b'-' {
        return false;
    }
    let mut parts = 0;
    let mut j = i;
    while parts < 2 {
        if j >= b.len() || b[j] != b'-' {
            return false;
        }
        j += 1;
        let st = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j - st == 0 || j - st > 2 {
            return false;
        }
        parts += 1;
    }
    if j == b.len() {
        return true;
    }
    matches!(b[j], b'T' | b't' | b' ') && crate::timefmt::normalize_rfc3339(s).is_some()
        || (b[j] == b' ' && s.len() > j + 1)
}

/// Whether go-yaml v3 would have to quote this string to keep it a string.
pub fn needs_quotes_for_type(s: &str) -> bool {
    !matches!(resolve_plain(s), Value::Str(_)) || is_old_bool(s) || is_base60_float(s) || looks_like_timestamp(s)
}

/// Whether libyaml's analysis allows this single-line string as a plain scalar.
pub fn plain_allowed(s: &str, is_key: bool) -> bool {
    if s.is_empty() {
        return false;
    }
    let b = s.as_bytes();
    if b[0] == b' ' || b[b.len() - 1] == b' ' {
        return false;
    }
    let first = b[0];
    if b"#,[]{}&*!|>'\"%@`".contains(&first) {
        return false;
    }
    if matches!(first, b'-' | b'?' | b':') && (b.len() == 1 || b[1] == b' ') {
        return false;
    }
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if is_key && s.len() > 128 {
        return false;
    }
    s.chars()
        .all(|c| !c.is_control() && c != '\u{feff}' && c != '\u{2028}' && c != '\u{2029}')
}

/// Whether a string can be written single-quoted (no control characters, no line breaks).
pub fn single_quote_allowed(s: &str) -> bool {
    s.chars()
        .all(|c| !c.is_control() && c != '\u{feff}' && c != '\u{2028}' && c != '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_go_yaml_v3() {
        assert_eq!(resolve_plain("yes"), Value::Str("yes".into()));
        assert_eq!(resolve_plain("on"), Value::Str("on".into()));
        assert_eq!(resolve_plain("true"), Value::Bool(true));
        assert_eq!(resolve_plain("0755"), Value::Int(0o755));
        assert_eq!(resolve_plain("0o17"), Value::Int(15));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("1e3"), Value::Float(1000.0));
        assert_eq!(resolve_plain("08"), Value::Float(8.0));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("1_000"), Value::Int(1000));
        assert_eq!(resolve_plain("2024-01-02"), Value::Str("2024-01-02".into()));
        assert_eq!(resolve_plain("-12"), Value::Int(-12));
        assert_eq!(resolve_plain("1.5"), Value::Float(1.5));
        assert_eq!(resolve_plain("9223372036854775807"), Value::Int(i64::MAX));
        assert!(matches!(
            resolve_plain("99999999999999999999999"),
            Value::Str(_) | Value::Float(_)
        ));
    }

    #[test]
    fn quoting_decisions() {
        assert!(needs_quotes_for_type("yes"));
        assert!(needs_quotes_for_type("123"));
        assert!(needs_quotes_for_type("2026-05-22T20:16:20Z"));
        assert!(needs_quotes_for_type("1:20"));
        assert!(!needs_quotes_for_type("hello"));
        assert!(!plain_allowed("a: b", false));
        assert!(!plain_allowed("- x", false));
        assert!(plain_allowed("-x", false));
    }
}
