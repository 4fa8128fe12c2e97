//! Renders a JSON value as the YAML text gnostic stores in `Any.yaml`.
//!
//! gnostic marshals the parsed YAML node with its styles cleared through
//! `gopkg.in/yaml.v3` (indent 4), so this follows that emitter: block mappings and
//! sequences, a sequence item's mapping starting right after `- `, nested
//! collections indented to the next multiple of four, `{}`/`[]` for empty ones,
//! plain scalars where YAML reads them back as the same string, double quotes for
//! strings that would read as another type (`""`, `"true"`, `"1"`) or hold
//! characters that need escapes, and single quotes for strings that merely
//! cannot be plain (`': '`, a leading `-`, leading or trailing spaces).
//!
//! Strings with line feeds become literal block scalars (`|`, `|-`, `|+`) unless
//! they need escapes or have a space before a break or at the end. One known
//! difference: a string holding U+2028 or U+2029 is written double-quoted with
//! `\L`/`\P`, where yaml.v3 writes a single-quoted scalar broken across lines;
//! both read back the same.

use serde_json::Value;

const INDENT: usize = 4;

/// The longest key written as a simple `key: value` pair.
const MAX_SIMPLE_KEY: usize = 128;

/// The YAML document for `value`, ending in a newline.
pub(super) fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(&mut out, value, 0),
        Value::Array(items) if !items.is_empty() => sequence(&mut out, value, 0),
        _ => {
            out.push_str(&inline(value, INDENT));
            out.push('\n');
        }
    }
    out
}

/// A value written from the current position: a scalar, an empty collection, or
/// a literal block scalar whose lines are indented by `block_indent`. The final
/// newline is the caller's.
fn inline(value: &Value, block_indent: usize) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s, block_indent),
        Value::Array(_) => "[]".to_string(),
        Value::Object(_) => "{}".to_string(),
    }
}

/// A string: a literal block scalar if it has line feeds and may be one, else a
/// one-line scalar.
fn string(s: &str, block_indent: usize) -> String {
    if s.contains('\n') && literal_allowed(s) {
        literal(s, block_indent)
    } else {
        scalar(s)
    }
}

/// Whether a string with line breaks may be a literal block scalar: no
/// characters that need escapes, no space before a break, no trailing space.
fn literal_allowed(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let space_break = chars.windows(2).any(|w| w[0] == ' ' && is_break(w[1]));
    !space_break && !s.ends_with(' ') && chars.iter().all(|&c| c == '\n' || (printable(c) && !is_break(c)))
}

/// `|` with its hints, then the lines. As yaml.v3 3.0.1 does, a leading line
/// break ends the header line instead of adding an empty line.
fn literal(s: &str, indent: usize) -> String {
    let mut out = String::from("|");
    if s.starts_with([' ', '\n']) {
        out.push_str(&INDENT.to_string());
    }
    if !s.ends_with('\n') {
        out.push('-');
    } else if s.len() == 1 || s[..s.len() - 1].ends_with('\n') {
        out.push('+');
    }
    let mut line_start = false;
    let mut after_break = true;
    for c in s.chars() {
        if c == '\n' {
            out.push('\n');
            line_start = true;
            after_break = true;
        } else {
            if after_break {
                if !line_start {
                    out.push('\n');
                }
                pad(&mut out, indent);
                after_break = false;
                line_start = false;
            }
            out.push(c);
        }
    }
    // The caller ends the line; a scalar ending in a break already has.
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

fn is_block(value: &Value) -> bool {
    match value {
        Value::Object(map) => !map.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => false,
    }
}

/// The indentation of a collection nested in a mapping at `indent`.
fn nested(indent: usize) -> usize {
    INDENT * ((indent + INDENT) / INDENT)
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// A non-empty mapping whose first key starts at the current position (already
/// indented) and whose other keys start at `indent`.
fn mapping(out: &mut String, value: &Value, indent: usize) {
    let Value::Object(map) = value else {
        return;
    };
    for (i, (key, item)) in map.iter().enumerate() {
        if i > 0 {
            pad(out, indent);
        }
        // libyaml writes keys over 128 bytes or with line breaks as explicit
        // `? key` / `: value` pairs,
        // a block value then starting on the `:` line at its indentation.
        let explicit = key.len() > MAX_SIMPLE_KEY || key.chars().any(is_break);
        if explicit {
            out.push_str("? ");
            out.push_str(&string(key, nested(indent)));
            out.push('\n');
            pad(out, indent);
        } else {
            out.push_str(&scalar(key));
        }
        out.push(':');
        if is_block(item) {
            let inner = nested(indent);
            if explicit {
                pad(out, inner - indent - 1);
            } else {
                out.push('\n');
                pad(out, inner);
            }
            match item {
                Value::Object(_) => mapping(out, item, inner),
                _ => sequence(out, item, inner),
            }
        } else {
            out.push(' ');
            out.push_str(&inline(item, nested(indent)));
            out.push('\n');
        }
    }
}

/// A non-empty sequence whose first `- ` starts at the current position and whose
/// other items start at `indent`.
fn sequence(out: &mut String, value: &Value, indent: usize) {
    let Value::Array(items) = value else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            pad(out, indent);
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => mapping(out, item, indent + 2),
            Value::Array(inner) if !inner.is_empty() => sequence(out, item, indent + 2),
            _ => {
                out.push_str(&inline(item, indent + 2));
                out.push('\n');
            }
        }
    }
}

/// A string scalar in the style yaml.v3 picks for a plain-tagged `!!str` node.
fn scalar(s: &str) -> String {
    if needs_escapes(s) || resolves_to_other_type(s) {
        double_quoted(s)
    } else if plain_allowed(s) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// Characters that keep a one-line scalar from being plain or single-quoted:
/// tabs, non-printable characters and line breaks (written as escapes here).
fn needs_escapes(s: &str) -> bool {
    s.chars().any(|c| !printable(c) || is_break(c) || c == '\t')
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// yaml.v3's printable set: tab and line feed but no other C0/C1 controls, no
/// BOM, no U+FFFE/U+FFFF, and (unlike libyaml) nothing beyond the Basic
/// Multilingual Plane.
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}') && c != '\u{feff}'
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if printable(c) && !is_break(c) && c != '\t' => out.push(c),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if (c as u32) <= 0xff => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Whether YAML would read the plain scalar `s` as something other than a string
/// (null, a boolean, a number, a timestamp).
fn resolves_to_other_type(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", ".nan", ".NaN", ".NAN",
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    ];
    WORDS.contains(&s) || is_number(s) || is_timestamp(s)
}

fn is_number(s: &str) -> bool {
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    let digits = plain.strip_prefix(['+', '-']).unwrap_or(&plain);
    if digits.is_empty() {
        return false;
    }
    let radix_digits = |rest: &str, radix: u32| !rest.is_empty() && rest.chars().all(|c| c.is_digit(radix));
    if let Some(rest) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        return radix_digits(rest, 16);
    }
    if let Some(rest) = digits.strip_prefix("0o").or_else(|| digits.strip_prefix("0O")) {
        return radix_digits(rest, 8);
    }
    if let Some(rest) = digits.strip_prefix("0b").or_else(|| digits.strip_prefix("0B")) {
        return radix_digits(rest, 2);
    }
    is_float(&plain)
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A date `YYYY-M-D` at the start, as the YAML timestamp forms begin.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let run = |from: usize| b[from.min(b.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
    let year = run(0);
    if year != 4 || b.get(4) != Some(&b'-') {
        return false;
    }
    let month = run(5);
    if !(1..=2).contains(&month) || b.get(5 + month) != Some(&b'-') {
        return false;
    }
    let day_at = 6 + month;
    let day = run(day_at);
    (1..=2).contains(&day)
        && match b.get(day_at + day) {
            None => true,
            Some(b'T' | b't' | b' ' | b'\t') => true,
            Some(_) => false,
        }
}

/// libyaml's test for a plain scalar in block context.
fn plain_allowed(s: &str) -> bool {
    if s.starts_with(' ') || s.ends_with(' ') || s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_space = chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        let preceded_by_space = i > 0 && chars[i - 1].is_whitespace();
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' => {
                    return false;
                }
                '?' | ':' | '-' if followed_by_space => return false,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_space => return false,
                '#' if preceded_by_space => return false,
                _ => {}
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::to_yaml;
    use serde_json::json;

    #[test]
    fn scalars() {
        assert_eq!(to_yaml(&json!("merge")), "merge\n");
        assert_eq!(to_yaml(&json!("")), "\"\"\n");
        assert_eq!(to_yaml(&json!("true")), "\"true\"\n");
        assert_eq!(to_yaml(&json!("1.5")), "\"1.5\"\n");
        assert_eq!(to_yaml(&json!("0x1F")), "\"0x1F\"\n");
        assert_eq!(to_yaml(&json!("2024-01-02")), "\"2024-01-02\"\n");
        assert_eq!(to_yaml(&json!("v1")), "v1\n");
        assert_eq!(to_yaml(&json!("retainKeys,merge")), "retainKeys,merge\n");
        assert_eq!(to_yaml(&json!("a: b")), "'a: b'\n");
        assert_eq!(to_yaml(&json!("- x")), "'- x'\n");
        assert_eq!(to_yaml(&json!("it's")), "it's\n");
        assert_eq!(to_yaml(&json!("#x")), "'#x'\n");
        assert_eq!(to_yaml(&json!("a\tb")), "\"a\\tb\"\n");
        assert_eq!(to_yaml(&json!(3)), "3\n");
        assert_eq!(to_yaml(&json!(false)), "false\n");
        assert_eq!(to_yaml(&json!(null)), "null\n");
        assert_eq!(to_yaml(&json!([])), "[]\n");
        assert_eq!(to_yaml(&json!({})), "{}\n");
    }

    #[test]
    fn collections() {
        let gvk = json!([{"group": "", "kind": "ConfigMap", "version": "v1"}]);
        assert_eq!(to_yaml(&gvk), "- group: \"\"\n  kind: ConfigMap\n  version: v1\n");
        assert_eq!(
            to_yaml(&json!(["containerPort", "protocol"])),
            "- containerPort\n- protocol\n"
        );
        let nested = json!({"a": {"b": [1, {"c": "d", "e": []}]}, "f": "g"});
        assert_eq!(
            to_yaml(&nested),
            "a:\n    b:\n        - 1\n        - c: d\n          e: []\nf: g\n"
        );
        assert_eq!(to_yaml(&json!([[1, 2], 3])), "- - 1\n  - 2\n- 3\n");
        let long = "k".repeat(129);
        assert_eq!(
            to_yaml(&json!({"a": [{ long.as_str(): 1 }]})),
            format!("a:\n    - ? {long}\n      : 1\n")
        );
    }
}
