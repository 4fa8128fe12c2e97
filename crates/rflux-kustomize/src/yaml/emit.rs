//! Prints values the way `kustomize build` does: each object goes through JSON and go-yaml
//! v2 (`sigs.k8s.io/yaml`), so keys are sorted with go-yaml's natural order, strings that
//! YAML 1.1 would read as something else are double-quoted, multi-line strings become
//! literal blocks and long plain or quoted scalars are folded at column 80.

use std::cmp::Ordering;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Number, Value};

use super::resolve::{Resolved, Rules, resolve_plain};

const BEST_WIDTH: usize = 80;
const INDENT: usize = 2;

static BASE60_FLOAT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$").ok());

/// Renders a stream of objects separated by `---`, as `kustomize build` prints it.
pub fn to_yaml(objects: &[Value]) -> String {
    let mut out = String::new();
    for (i, object) in objects.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&to_yaml_document(object));
    }
    out
}

/// Renders one value as a YAML document (ends with a newline).
pub fn to_yaml_document(value: &Value) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
    };
    match value {
        Value::Object(m) if !m.is_empty() => e.block_map(value, 0, false),
        Value::Array(a) if !a.is_empty() => e.block_seq(value, 0),
        other => {
            e.scalar_or_empty(other, 0, false);
        }
    }
    if !e.out.ends_with('\n') {
        e.out.push('\n');
    }
    e.out
}

/// go-yaml v2's key order: runs of digits compare numerically, non-letters before letters.
pub(crate) fn key_less(a: &str, b: &str) -> Ordering {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl { Ordering::Less } else { Ordering::Greater };
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 {
                j -= 1;
                if !ar[j].is_ascii_digit() {
                    break;
                }
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an.wrapping_mul(10).wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn.wrapping_mul(10).wrapping_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

struct Analysis {
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_printable(c: char) -> bool {
    let v = c as u32;
    v == 0x0A
        || (0x20..=0x7E).contains(&v)
        || (0xA0..=0xD7FF).contains(&v)
        || ((0xE000..=0xFFFD).contains(&v) && v != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankz(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == ' ' || c == '\t' || is_break(c) || c == '\0',
    }
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let mut previous_break = false;
    let mut line_breaks = false;
    let mut special = false;
    let mut preceded_by_whitespace = true;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = is_blankz(chars.get(i + 1).copied());
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' => {
                    block_indicators = true
                }
                '?' | ':' if followed_by_whitespace => block_indicators = true,
                '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        let last = i + 1 == chars.len();
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if last {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            if i == 0 {
                leading_break = true;
            }
            if last {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_break = true;
            previous_space = false;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(Some(c));
    }
    let mut a = Analysis {
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// The style go-yaml v2 ends up with for a string value (or a key when `simple_key`).
fn select_style(s: &str, simple_key: bool) -> Style {
    let resolved_str =
        resolve_plain(s, Rules::V2) == Resolved::Str && !BASE60_FLOAT.as_ref().is_some_and(|r| r.is_match(s));
    let mut style = if s.contains('\n') {
        Style::Literal
    } else if resolved_str {
        Style::Plain
    } else {
        Style::Double
    };
    let a = analyze(s);
    if style == Style::Plain && (!a.block_plain_allowed || (s.is_empty() && simple_key)) {
        style = Style::Single;
    }
    if style == Style::Single && !a.single_quoted_allowed {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block_allowed || simple_key) {
        style = Style::Double;
    }
    style
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`.
fn go_format_g(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf".into() } else { "-.inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // Shortest round-trip digits and exponent from Rust's `{:e}`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..21).contains(&exp) || exp >= 21 {
        return format_e(sign, &digits, exp);
    }
    if exp >= 6 {
        return format_e(sign, &digits, exp);
    }
    // Decimal notation.
    let nd = digits.len() as i32;
    let point = exp + 1;
    let mut s = String::from(sign);
    if point <= 0 {
        s.push_str("0.");
        for _ in 0..(-point) {
            s.push('0');
        }
        s.push_str(&digits);
    } else if point >= nd {
        s.push_str(&digits);
        for _ in 0..(point - nd) {
            s.push('0');
        }
    } else {
        let (a, b) = digits.split_at(point as usize);
        s.push_str(a);
        s.push('.');
        s.push_str(b);
    }
    s
}

fn format_e(sign: &str, digits: &str, exp: i32) -> String {
    let mut s = String::from(sign);
    let (first, rest) = digits.split_at(1.min(digits.len()));
    s.push_str(first);
    if !rest.is_empty() {
        s.push('.');
        s.push_str(rest);
    }
    s.push('e');
    s.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        s.push('0');
    }
    s.push_str(&e.to_string());
    s
}

/// A number as Go's `encoding/json` writes it: integers as is, floats in their shortest
/// form, `e` notation below 1e-6 and from 1e21 (exponent without leading zeros).
pub(crate) fn go_json_number(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Go: 'e' format, then "e-07" -> "e-7".
        let g = go_format_g(f);
        let (m, e) = g.split_once('e').unwrap_or((g.as_str(), "+00"));
        let (sign, digits) = e.split_at(1);
        let digits = digits.trim_start_matches('0');
        return format!("{m}e{sign}{}", if digits.is_empty() { "0" } else { digits });
    }
    if f.fract() == 0.0 {
        let sci = format!("{:e}", abs);
        let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let exp: usize = exp.parse().unwrap_or(0);
        let mut text = String::from(if f < 0.0 { "-" } else { "" });
        text.push_str(&digits);
        for _ in digits.len()..exp + 1 {
            text.push('0');
        }
        return text;
    }
    format!("{f}")
}

/// A number as kustomize prints it (JSON text re-read by go-yaml v2).
pub(crate) fn format_number(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f.fract() == 0.0 && f.abs() < 1e21 {
        // Go's JSON writes the shortest digits padded with zeros, without a fraction;
        // go-yaml v2 reads an integer back when it fits in 64 bits, else a float.
        let sci = format!("{:e}", f.abs());
        let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let exp: usize = exp.parse().unwrap_or(0);
        let mut text = String::from(if f < 0.0 { "-" } else { "" });
        text.push_str(&digits);
        for _ in digits.len()..exp + 1 {
            text.push('0');
        }
        if text.parse::<i64>().is_ok() || text.parse::<u64>().is_ok() {
            return if text == "-0" { "0".into() } else { text };
        }
    }
    go_format_g(f)
}

struct Emitter {
    out: String,
    column: usize,
}

impl Emitter {
    fn write(&mut self, s: &str) {
        for c in s.chars() {
            if c == '\n' {
                self.column = 0;
            } else {
                self.column += 1;
            }
        }
        self.out.push_str(s);
    }

    fn newline_indent(&mut self, indent: usize) {
        self.write("\n");
        self.pad(indent);
    }

    fn pad(&mut self, indent: usize) {
        while self.column < indent {
            self.out.push(' ');
            self.column += 1;
        }
    }

    /// Writes a block mapping whose first key starts at the current position
    /// (`inline_first`) or on a fresh line at `indent`.
    fn block_map(&mut self, value: &Value, indent: usize, inline_first: bool) {
        let Value::Object(map) = value else { return };
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort_by(|a, b| key_less(a, b));
        for (i, key) in keys.iter().enumerate() {
            if i > 0 || !inline_first {
                if self.column != 0 {
                    self.write("\n");
                }
                self.pad(indent);
            }
            let child = &map[key.as_str()];
            // libyaml writes keys longer than 128 bytes (or multi-line ones) as complex
            // keys: `? key` then `: value`.
            if key.len() > 128 || key.chars().any(is_break) {
                self.write("? ");
                self.string_scalar(key, indent + INDENT, false);
                if self.column != 0 {
                    self.write("\n");
                }
                self.pad(indent);
                self.write(": ");
                match child {
                    Value::Object(m) if !m.is_empty() => self.block_map(child, indent + INDENT, true),
                    Value::Array(a) if !a.is_empty() => {
                        self.write("\n");
                        self.block_seq(child, indent);
                    }
                    other => self.scalar_or_empty(other, indent + INDENT, false),
                }
                continue;
            }
            self.string_scalar(key, indent, true);
            self.write(":");
            match child {
                Value::Object(m) if !m.is_empty() => {
                    self.write("\n");
                    self.block_map(child, indent + INDENT, false);
                }
                Value::Array(a) if !a.is_empty() => {
                    self.write("\n");
                    self.block_seq(child, indent);
                }
                other => {
                    self.write(" ");
                    self.scalar_or_empty(other, indent + INDENT, false);
                }
            }
        }
    }

    fn block_seq(&mut self, value: &Value, indent: usize) {
        let Value::Array(items) = value else { return };
        for item in items {
            if self.column != 0 {
                self.write("\n");
            }
            self.pad(indent);
            self.write("- ");
            match item {
                Value::Object(m) if !m.is_empty() => self.block_map(item, indent + INDENT, true),
                Value::Array(a) if !a.is_empty() => self.block_seq_inline(item, indent + INDENT),
                other => self.scalar_or_empty(other, indent + INDENT, false),
            }
        }
    }

    /// A sequence nested directly in a sequence item: its first `- ` follows the parent's.
    fn block_seq_inline(&mut self, value: &Value, indent: usize) {
        let Value::Array(items) = value else { return };
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                if self.column != 0 {
                    self.write("\n");
                }
                self.pad(indent);
            }
            self.write("- ");
            match item {
                Value::Object(m) if !m.is_empty() => self.block_map(item, indent + INDENT, true),
                Value::Array(a) if !a.is_empty() => self.block_seq_inline(item, indent + INDENT),
                other => self.scalar_or_empty(other, indent + INDENT, false),
            }
        }
    }

    /// A scalar, `{}` or `[]`; `indent` is where folded continuation lines start.
    fn scalar_or_empty(&mut self, value: &Value, indent: usize, key: bool) {
        match value {
            Value::Null => self.write("null"),
            Value::Bool(b) => self.write(if *b { "true" } else { "false" }),
            Value::Number(n) => self.write(&format_number(n)),
            Value::String(s) => self.string_scalar(s, indent, key),
            Value::Object(_) => self.write("{}"),
            Value::Array(_) => self.write("[]"),
        }
    }

    fn string_scalar(&mut self, s: &str, indent: usize, key: bool) {
        match select_style(s, key) {
            Style::Plain => self.write_plain(s, indent, !key),
            Style::Single => self.write_single(s, indent, !key),
            Style::Double => self.write_double(s, indent, !key),
            Style::Literal => self.write_literal(s, indent),
        }
    }

    fn write_plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && chars.get(i + 1) != Some(&' ') {
                    self.newline_indent(indent);
                } else {
                    self.push_char(c);
                }
                spaces = true;
            } else {
                self.push_char(c);
                spaces = false;
            }
        }
    }

    fn write_single(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.write("'");
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < chars.len()
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.newline_indent(indent);
                } else {
                    self.push_char(c);
                }
                spaces = true;
            } else {
                if c == '\'' {
                    self.push_char('\'');
                }
                self.push_char(c);
                spaces = false;
            }
        }
        self.write("'");
    }

    fn write_double(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.write("\"");
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                let v = c as u32;
                let esc = match v {
                    0x00 => "\\0".to_string(),
                    0x07 => "\\a".to_string(),
                    0x08 => "\\b".to_string(),
                    0x09 => "\\t".to_string(),
                    0x0A => "\\n".to_string(),
                    0x0B => "\\v".to_string(),
                    0x0C => "\\f".to_string(),
                    0x0D => "\\r".to_string(),
                    0x1B => "\\e".to_string(),
                    0x22 => "\\\"".to_string(),
                    0x5C => "\\\\".to_string(),
                    0x85 => "\\N".to_string(),
                    0xA0 => "\\_".to_string(),
                    0x2028 => "\\L".to_string(),
                    0x2029 => "\\P".to_string(),
                    v if v <= 0xFF => format!("\\x{v:02X}"),
                    v if v <= 0xFFFF => format!("\\u{v:04X}"),
                    v => format!("\\U{v:08X}"),
                };
                self.write(&esc);
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i + 1 < chars.len() {
                    self.newline_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.write("\\");
                    }
                } else {
                    self.push_char(c);
                }
                spaces = true;
            } else {
                self.push_char(c);
                spaces = false;
            }
        }
        self.write("\"");
    }

    fn write_literal(&mut self, s: &str, indent: usize) {
        self.write("|");
        let chars: Vec<char> = s.chars().collect();
        if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.write(&INDENT.to_string());
        }
        match chars.last() {
            Some(&c) if !is_break(c) => self.write("-"),
            Some(_) if chars.len() == 1 => self.write("+"),
            Some(_) if is_break(chars[chars.len() - 2]) => self.write("+"),
            Some(_) => {}
            None => self.write("-"),
        }
        self.write("\n");
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.write("\n");
                breaks = true;
            } else {
                if breaks {
                    self.pad(indent);
                    breaks = false;
                }
                self.push_char(c);
            }
        }
    }

    fn push_char(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn styles() {
        let v = json!({"b": "yes", "a": "a: b", "N": null, "n": 1.5, "m": "x\ny\n", "e": ""});
        assert_eq!(
            to_yaml_document(&v),
            "\"N\": null\na: 'a: b'\nb: \"yes\"\ne: \"\"\nm: |\n  x\n  y\n\"n\": 1.5\n"
        );
        assert_eq!(go_format_g(1234567.5), "1.2345675e+06");
        assert_eq!(go_format_g(1.2345678901234569e23), "1.2345678901234569e+23");
        assert_eq!(go_format_g(0.0001), "0.0001");
        assert_eq!(go_format_g(0.00001), "1e-05");
    }

    #[test]
    fn nested_sequences() {
        let v = json!({"l": ["a", {"b": 1, "c": 2}, [1, 2], [], {}]});
        assert_eq!(
            to_yaml_document(&v),
            "l:\n- a\n- b: 1\n  c: 2\n- - 1\n  - 2\n- []\n- {}\n"
        );
    }
}
