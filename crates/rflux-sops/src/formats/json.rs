//! JSON documents to and from sops trees (numbers are float64 as in Go's decoder), and JSON
//! output as Go's `encoding/json` writes it (HTML-safe escaping, tab indent by default).

use crate::error::{Result, SopsError};
use crate::tree::{Branch, Item, Key, Value};

fn from_json(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::Str(s),
        serde_json::Value::Array(a) => Value::Seq(a.into_iter().map(from_json).collect()),
        serde_json::Value::Object(o) => Value::Map(o.into_iter().map(|(k, v)| Item::new(k, from_json(v))).collect()),
    }
}

/// Parse a JSON document whose top level is an object.
pub fn load(input: &str) -> Result<Branch> {
    let v: serde_json::Value = serde_json::from_str(input).map_err(|e| {
        SopsError::parse(
            "json",
            format!("line {} column {}: {}", e.line(), e.column(), classify(&e)),
        )
    })?;
    match from_json(v) {
        Value::Map(items) => Ok(items),
        _ => Err(SopsError::parse(
            "json",
            "sops only supports JSON files with a top-level object",
        )),
    }
}

fn classify(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "invalid data",
        serde_json::error::Category::Eof => "unexpected end of input",
    }
}

/// Go `encoding/json` float formatting.
pub fn go_json_float(f: f64) -> String {
    if !f.is_finite() {
        return "null".into();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let e = format!("{f:e}");
        let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{}", exp.abs())
    } else {
        format!("{f}")
    }
}

/// Go `encoding/json` string escaping (with HTML escaping).
pub fn go_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_value(out: &mut String, v: &Value, indent: &str, depth: usize) {
    let nl = |out: &mut String, d: usize| {
        out.push('\n');
        for _ in 0..d {
            out.push_str(indent);
        }
    };
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&go_json_float(*f)),
        Value::Str(s) | Value::Comment(s) => out.push_str(&go_json_string(s)),
        Value::Bytes(b) => {
            use base64::Engine;
            out.push_str(&go_json_string(&base64::engine::general_purpose::STANDARD.encode(b)));
        }
        Value::Map(items) => {
            let real: Vec<&Item> = items.iter().filter(|i| matches!(i.key, Key::Str(_))).collect();
            if real.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (n, item) in real.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                out.push_str(&go_json_string(item.key_str().unwrap_or_default()));
                out.push_str(": ");
                write_value(out, &item.value, indent, depth + 1);
            }
            nl(out, depth);
            out.push('}');
        }
        Value::Seq(items) => {
            let real: Vec<&Value> = items.iter().filter(|v| !matches!(v, Value::Comment(_))).collect();
            if real.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (n, item) in real.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                write_value(out, item, indent, depth + 1);
            }
            nl(out, depth);
            out.push(']');
        }
    }
}

/// Emit a branch as an indented JSON object followed by a newline.
pub fn emit(branch: &Branch, indent: &str) -> String {
    let mut out = String::new();
    write_value(&mut out, &Value::Map(branch.clone()), indent, 0);
    out.push('\n');
    out
}
