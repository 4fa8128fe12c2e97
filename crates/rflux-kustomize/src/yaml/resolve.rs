//! Plain-scalar resolution as go-yaml does it: the YAML 1.2-ish rules kyaml (go-yaml v3)
//! applies when reading input, and the YAML 1.1 rules go-yaml v2 applies when kustomize
//! prints (which decide whether a string must be quoted).

use serde_json::{Number, Value};

/// Which go-yaml generation's rules to apply.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rules {
    /// go-yaml v3 (kyaml, input): only `true`/`false` spellings are booleans.
    V3,
    /// go-yaml v2 (output): YAML 1.1 booleans `yes`/`no`/`on`/`off`/`y`/`n` too.
    V2,
}

/// What a plain scalar resolves to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// A timestamp, already rendered as Go's `time.Time` JSON form (RFC 3339).
    Timestamp(String),
    Str,
}

fn map_lookup(s: &str, rules: Rules) -> Option<Resolved> {
    let v = match s {
        "~" | "null" | "Null" | "NULL" => Resolved::Null,
        "true" | "True" | "TRUE" => Resolved::Bool(true),
        "false" | "False" | "FALSE" => Resolved::Bool(false),
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        _ if rules == Rules::V2 => match s {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Resolved::Bool(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Resolved::Bool(false),
            _ => return None,
        },
        _ => return None,
    };
    Some(v)
}

/// Resolves a plain (unquoted, untagged) scalar.
pub(crate) fn resolve_plain(s: &str, rules: Rules) -> Resolved {
    if s.is_empty() {
        return Resolved::Null;
    }
    if let Some(r) = map_lookup(s, rules) {
        return r;
    }
    let first = s.as_bytes()[0];
    match first {
        b'.' => match parse_go_float(s) {
            Some(f) => Resolved::Float(f),
            None => Resolved::Str,
        },
        b'0'..=b'9' | b'+' | b'-' => {
            if let Some(t) = parse_timestamp(s) {
                return Resolved::Timestamp(t);
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if let Some(i) = parse_go_int(&plain) {
                return i;
            }
            if is_yaml_style_float(&plain)
                && let Some(f) = parse_go_float(&plain)
            {
                return Resolved::Float(f);
            }
            Resolved::Str
        }
        _ => Resolved::Str,
    }
}

/// `strconv.ParseInt(s, 0, 64)` then `ParseUint`: sign, `0x`/`0o`/`0b` prefixes, leading-zero
/// octal.
fn parse_go_int(s: &str) -> Option<Resolved> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    if neg {
        if magnitude <= 1u128 << 63 {
            let v = i128::try_from(magnitude).ok()?;
            return i64::try_from(-v).ok().map(Resolved::Int);
        }
        return None;
    }
    if let Ok(v) = i64::try_from(magnitude) {
        return Some(Resolved::Int(v));
    }
    u64::try_from(magnitude).ok().map(Resolved::Uint)
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
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
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `strconv.ParseFloat` for the decimal spellings YAML produces; out of range is an error
/// as in Go.
fn parse_go_float(s: &str) -> Option<f64> {
    let ok = s
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !ok {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    if f.is_infinite() { None } else { Some(f) }
}

fn take_digits(s: &[u8], i: &mut usize, min: usize, max: usize) -> Option<u32> {
    let start = *i;
    while *i < s.len() && *i - start < max && s[*i].is_ascii_digit() {
        *i += 1;
    }
    if *i - start < min {
        return None;
    }
    std::str::from_utf8(&s[start..*i]).ok()?.parse().ok()
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        _ => 28,
    }
}

/// go-yaml's timestamp formats (`2006-1-2`, `2006-1-2T15:4:5.999999999Z07:00`, the `t`
/// variant, and `2006-1-2 15:4:5.999999999`), rendered as Go's `time.Time` JSON (RFC 3339
/// with nanoseconds trimmed).
pub(crate) fn parse_timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut i = 0;
    let year = take_digits(b, &mut i, 4, 4)?;
    i += 1;
    let month = take_digits(b, &mut i, 1, 2)?;
    if b.get(i) != Some(&b'-') {
        return None;
    }
    i += 1;
    let day = take_digits(b, &mut i, 1, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if i == b.len() {
        return Some(format!("{date}T00:00:00Z"));
    }
    let zoned = match b[i] {
        b'T' | b't' => true,
        b' ' => false,
        _ => return None,
    };
    i += 1;
    let hour = take_digits(b, &mut i, 1, 2)?;
    if b.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    let minute = take_digits(b, &mut i, 1, 2)?;
    if b.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    let second = take_digits(b, &mut i, 1, 2)?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut frac = String::new();
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || i - start > 9 {
            return None;
        }
        frac = s[start..i].trim_end_matches('0').to_string();
    }
    let zone = if zoned {
        match b.get(i) {
            Some(b'Z') => {
                i += 1;
                "Z".to_string()
            }
            Some(&sign @ (b'+' | b'-')) => {
                i += 1;
                let zh = take_digits(b, &mut i, 2, 2)?;
                if b.get(i) != Some(&b':') {
                    return None;
                }
                i += 1;
                let zm = take_digits(b, &mut i, 2, 2)?;
                if zh == 0 && zm == 0 {
                    "Z".to_string()
                } else {
                    format!("{}{zh:02}:{zm:02}", sign as char)
                }
            }
            _ => return None,
        }
    } else {
        "Z".to_string()
    };
    if i != b.len() {
        return None;
    }
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    Some(format!("{date}T{hour:02}:{minute:02}:{second:02}{frac}{zone}"))
}

/// The JSON value of a resolved plain scalar (as kyaml's JSON view of it).
pub(crate) fn to_value(text: &str, r: Resolved) -> Value {
    match r {
        Resolved::Null => Value::Null,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::Number(i.into()),
        Resolved::Uint(u) => Value::Number(u.into()),
        Resolved::Float(f) => match Number::from_f64(f) {
            Some(n) => Value::Number(n),
            None => Value::String(text.to_string()),
        },
        Resolved::Timestamp(t) => Value::String(t),
        Resolved::Str => Value::String(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_and_v2_differ_on_yes() {
        assert_eq!(resolve_plain("yes", Rules::V3), Resolved::Str);
        assert_eq!(resolve_plain("yes", Rules::V2), Resolved::Bool(true));
        assert_eq!(resolve_plain("0755", Rules::V3), Resolved::Int(493));
        assert_eq!(resolve_plain("1e3", Rules::V3), Resolved::Float(1000.0));
        assert_eq!(resolve_plain("0x1F", Rules::V3), Resolved::Int(31));
        assert_eq!(resolve_plain("08", Rules::V3), Resolved::Float(8.0));
        assert_eq!(resolve_plain("1.2.3", Rules::V3), Resolved::Str);
        assert_eq!(
            resolve_plain("2020-01-01", Rules::V3),
            Resolved::Timestamp("2020-01-01T00:00:00Z".into())
        );
        assert_eq!(resolve_plain("-", Rules::V3), Resolved::Str);
    }
}
