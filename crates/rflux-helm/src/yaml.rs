//! YAML reading the way Helm reads values and chart files: go-yaml v2 scalar resolution
//! (YAML 1.1 booleans `yes`/`no`/`on`/`off`/`y`/`n`, `0755` octal, `1_000`, `0x1F`),
//! then the JSON round trip of `sigs.k8s.io/yaml` (every number becomes a float64, map
//! keys become strings, the last duplicate key wins).

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Span};

/// A YAML syntax or structure error with its 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for YamlError {
    /// go-yaml's shape for syntax errors (`yaml: line N: msg`); conversion errors
    /// (line 0) print their message alone, as sigs.k8s.io/yaml does.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "yaml: line {}: {} (column {})", self.line, self.message, self.column)
        }
    }
}

fn conversion(message: String) -> YamlError {
    YamlError {
        line: 0,
        column: 0,
        message,
    }
}

impl std::error::Error for YamlError {}

const MAX_DEPTH: usize = 1000;

fn at(span: &Span, message: impl Into<String>) -> YamlError {
    YamlError {
        line: span.start.line(),
        column: span.start.col() + 1,
        message: message.into(),
    }
}

fn float(f: f64) -> Value {
    Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)
}

/// Parse Go's `strconv.ParseInt(s, 0, 64)` (with go-yaml's underscores removed first).
fn parse_go_int(s: &str) -> Option<f64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(r) = lower.strip_prefix("0x") {
        (16, r.to_string())
    } else if let Some(r) = lower.strip_prefix("0b") {
        (2, r.to_string())
    } else if let Some(r) = lower.strip_prefix("0o") {
        (8, r.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower)
    };
    if digits.is_empty() {
        return None;
    }
    let v = u128::from_str_radix(&digits, radix).ok()?;
    // go-yaml tries int64, then uint64; beyond that the value is a float (decimal only).
    if v > u64::MAX as u128 {
        return None;
    }
    if neg && v > i64::MAX as u128 + 1 {
        return None;
    }
    let f = v as f64;
    // An integer has no negative zero: `-0` is 0.
    Some(if neg && v != 0 { -f } else { f })
}

fn is_yaml_float(s: &str) -> bool {
    // ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let start = i;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let d = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == d {
            return false;
        }
    } else {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let d = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == d {
            return false;
        }
    }
    i == b.len()
}

/// go-yaml's infinities and NaN, which JSON cannot hold (the conversion fails).
fn non_finite(s: &str) -> Option<&'static str> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Some("+Inf"),
        "-.inf" | "-.Inf" | "-.INF" => Some("-Inf"),
        ".nan" | ".NaN" | ".NAN" => Some("NaN"),
        _ => None,
    }
}

/// Resolve a plain scalar with go-yaml v2's rules (infinities and NaN stay text here;
/// [`parse_all`] rejects them as sigs.k8s.io/yaml does).
pub fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN"
        | ".NAN" => {
            // JSON has no infinities: sigs.k8s.io/yaml cannot convert them; keep the text.
            return Value::String(s.to_string());
        }
        _ => {}
    }
    let first = s.as_bytes()[0];
    if first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.' {
        let plain: String = s.chars().filter(|c| *c != '_').collect();
        if let Some(f) = parse_go_int(&plain) {
            return float(f);
        }
        if is_yaml_float(&plain)
            && let Ok(f) = plain.parse::<f64>()
            && f.is_finite()
        {
            return float(f);
        }
    }
    Value::String(s.to_string())
}

fn tagged(text: &str, suffix: &str, span: &Span) -> Result<Value, YamlError> {
    Ok(match suffix {
        "str" => Value::String(text.to_string()),
        "null" => Value::Null,
        "bool" => match resolve_plain(text) {
            Value::Bool(b) => Value::Bool(b),
            _ => return Err(at(span, format!("cannot decode !!str `{text}` as a !!bool"))),
        },
        "int" | "float" => match resolve_plain(text) {
            Value::Number(n) => Value::Number(n),
            _ => return Err(at(span, format!("cannot decode !!str `{text}` as a !!{suffix}"))),
        },
        "binary" => {
            use base64::Engine;
            let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(clean)
                .map_err(|e| at(span, format!("!!binary value contains invalid base64 data: {e}")))?;
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => resolve_plain(text),
    })
}

/// How sigs.k8s.io/yaml turns a non-string key into a JSON object key.
fn key_string(v: &Value, text: &str) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e18 && !text.contains(['.', 'e', 'E']) => {
                format!("{}", f as i64)
            }
            Some(f) => rflux_gotmpl::sprint(&[rflux_gotmpl::Value::Float(f)]),
            None => text.to_string(),
        },
        _ => text.to_string(),
    }
}

enum Frame {
    Seq(Vec<Value>, usize),
    Map(Map<String, Value>, usize, Option<String>, Vec<Value>),
}

/// Parse every document of a YAML stream. Empty documents give `Null`.
pub fn parse_all(text: &str) -> Result<Vec<Value>, YamlError> {
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Value> = HashMap::new();
    let mut doc: Option<Value> = None;
    // A `null` key is only reported once its value is known (Go prints both).
    let mut null_key = false;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| YamlError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
        let value = match event {
            Event::StreamStart | Event::StreamEnd => continue,
            Event::DocumentStart(..) => {
                anchors.clear();
                doc = None;
                continue;
            }
            Event::DocumentEnd => {
                docs.push(doc.take().unwrap_or(Value::Null));
                continue;
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(v) => v.clone(),
                None => return Err(at(&span, "unknown anchor referenced")),
            },
            Event::Scalar(text, style, anchor, tag) => {
                if style == ScalarStyle::Plain
                    && tag.is_none()
                    && let Some(name) = non_finite(&text)
                {
                    return Err(conversion(format!("json: unsupported value: {name}")));
                }
                let v = match (&tag, style) {
                    (Some(t), _) if t.handle() == "tag:yaml.org,2002:" => tagged(&text, t.suffix(), &span)?,
                    (_, ScalarStyle::Plain) => resolve_plain(&text),
                    _ => Value::String(text.to_string()),
                };
                if anchor != 0 {
                    anchors.insert(anchor, v.clone());
                }
                if let Some(Frame::Map(_, _, key @ None, _)) = stack.last_mut() {
                    let is_merge = style == ScalarStyle::Plain && text == "<<" && tag.is_none();
                    if v.is_null() {
                        null_key = true;
                    }
                    *key = Some(if is_merge {
                        "\u{0}<<".to_string()
                    } else {
                        key_string(&v, &text)
                    });
                    continue;
                }
                v
            }
            Event::SequenceStart(_, anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(at(&span, "exceeded max depth"));
                }
                stack.push(Frame::Seq(Vec::new(), anchor));
                continue;
            }
            Event::MappingStart(_, anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(at(&span, "exceeded max depth"));
                }
                stack.push(Frame::Map(Map::new(), anchor, None, Vec::new()));
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items, anchor)) => {
                    let v = Value::Array(items);
                    if anchor != 0 {
                        anchors.insert(anchor, v.clone());
                    }
                    v
                }
                _ => return Err(at(&span, "unbalanced sequence")),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(map, anchor, _, merges)) => {
                    let mut out = Map::new();
                    // Merged maps first (earlier merge sources win), explicit keys override.
                    for m in merges {
                        let sources = match m {
                            Value::Array(a) => a,
                            other => vec![other],
                        };
                        for s in sources {
                            match s {
                                Value::Object(o) => {
                                    for (k, v) in o {
                                        out.entry(k).or_insert(v);
                                    }
                                }
                                _ => {
                                    return Err(at(&span, "map merge requires map or sequence of maps as the value"));
                                }
                            }
                        }
                    }
                    for (k, v) in map {
                        out.insert(k, v);
                    }
                    let v = Value::Object(out);
                    if anchor != 0 {
                        anchors.insert(anchor, v.clone());
                    }
                    v
                }
                _ => return Err(at(&span, "unbalanced mapping")),
            },
            _ => continue,
        };
        match stack.last_mut() {
            None => doc = Some(value),
            Some(Frame::Seq(items, _)) => items.push(value),
            Some(Frame::Map(map, _, key, merges)) => match key.take() {
                None => {
                    let k = match &value {
                        Value::Object(_) | Value::Array(_) => {
                            return Err(at(&span, "invalid map key: complex keys are not supported"));
                        }
                        v => key_string(v, &v.to_string()),
                    };
                    *key = Some(k);
                }
                Some(k) if k == "\u{0}<<" => merges.push(value),
                Some(_) if null_key => {
                    let shown = match &value {
                        Value::String(s) => format!("{s:?}"),
                        other => other.to_string(),
                    };
                    return Err(conversion(format!(
                        "unsupported map key of type: %!s(<nil>), key: <nil>, value: {shown}"
                    )));
                }
                Some(k) => {
                    // go-yaml v2 into a Go map: the last duplicate wins.
                    map.shift_remove(&k);
                    map.insert(k, value);
                }
            },
        }
    }
    Ok(docs)
}

/// Parse the first document of `text` (what `yaml.Unmarshal` sees). Empty input gives `Null`.
pub fn parse(text: &str) -> Result<Value, YamlError> {
    Ok(parse_all(text)?.into_iter().next().unwrap_or(Value::Null))
}

/// Parse a values document: a map, or nothing (empty or `null` gives an empty map).
pub fn parse_map(text: &str) -> Result<Map<String, Value>, YamlError> {
    match parse(text)? {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        other => Err(YamlError {
            line: 1,
            column: 1,
            message: format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                json_kind(&other)
            ),
        }),
    }
}

/// The JSON kind name Go's decoder uses in messages.
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_yaml_v2_scalars() {
        let v = parse("a: yes\nb: off\nc: 0755\nd: 1e3\ne: ~\nf: 1_000\ng: 0x1F\nh: '0755'\ni: 2024-01-02\nj: 1.5\nk: -7\nl: .5\n")
            .unwrap_or_default();
        assert_eq!(
            v,
            json!({"a": true, "b": false, "c": 493.0, "d": 1000.0, "e": null, "f": 1000.0, "g": 31.0,
                   "h": "0755", "i": "2024-01-02", "j": 1.5, "k": -7.0, "l": 0.5})
        );
    }

    #[test]
    fn keys_and_merges() {
        let v = parse("on: 1\n3: x\nbase: &b {x: 1, p: 2}\nm:\n  <<: *b\n  p: 3\nd: 1\nd: 2\n").unwrap_or_default();
        assert_eq!(v["true"], json!(1.0));
        assert_eq!(v["3"], json!("x"));
        assert_eq!(v["m"], json!({"x": 1.0, "p": 3.0}));
        assert_eq!(v["d"], json!(2.0));
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("a: [1, 2\nb: 3\n").err();
        assert!(e.is_some());
    }
}
