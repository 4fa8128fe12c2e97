//! Go `encoding/json` output for template values: sorted keys, HTML-safe escaping,
//! Go's float formatting, and `MarshalIndent`.

use crate::func::CallContext;
use crate::gofmt::format_float_g;
use crate::value::Value;

/// Go's float64 JSON encoding (`None` for NaN/Inf, which Go refuses).
pub fn float_json(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let a = f.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        // 'e' format, shortest, exponent without leading zero padding
        let s = format!("{:e}", f);
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        let sign = if e < 0 { '-' } else { '+' };
        let ed = e.abs();
        return Some(
            if ed < 10 {
                format!("{m}e{sign}0{ed}")
            } else {
                format!("{m}e{sign}{ed}")
            }
            .replace("e-0", "e-"),
        );
    }
    // 'f' format with the shortest digits
    let g = format_float_g(f, None, false);
    if !g.contains('e') {
        return Some(g);
    }
    Some(positional(f))
}

/// Shortest digits of `f` laid out without exponent.
pub fn positional(f: f64) -> String {
    let s = format!("{:e}", f.abs());
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let digits: String = m.chars().filter(|c| *c != '.').collect();
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    if e < 0 {
        out.push_str("0.");
        for _ in 0..(-e - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let il = e as usize + 1;
        if digits.len() <= il {
            out.push_str(&digits);
            for _ in digits.len()..il {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..il]);
            out.push('.');
            out.push_str(&digits[il..]);
        }
    }
    out
}

/// Go's JSON string encoding (with `escapeHTML` as `json.Marshal` does by default).
pub fn quote_json(s: &str, escape_html: bool, out: &mut String) {
    out.push('"');
    quote_json_body(s, escape_html, out);
    out.push('"');
}

/// Go's JSON encoding of a byte string: each invalid UTF-8 byte is written `\ufffd`.
fn quote_json_bytes(b: &[u8], escape_html: bool, out: &mut String) {
    out.push('"');
    for chunk in b.utf8_chunks() {
        quote_json_body(chunk.valid(), escape_html, out);
        for _ in chunk.invalid() {
            out.push_str("\\ufffd");
        }
    }
    out.push('"');
}

fn quote_json_body(s: &str, escape_html: bool, out: &mut String) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' if escape_html => out.push_str("\\u003c"),
            '>' if escape_html => out.push_str("\\u003e"),
            '&' if escape_html => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
}

/// How to encode: HTML escaping, indentation, and where binary text's bytes come from.
#[derive(Clone, Copy)]
pub struct Enc<'a> {
    /// `SetEscapeHTML`.
    pub escape_html: bool,
    /// `MarshalIndent`'s indent.
    pub indent: Option<&'a str>,
    /// The running template, for the original bytes of binary text (Go encodes each
    /// invalid byte as `\ufffd`).
    pub binary: Option<&'a dyn CallContext>,
}

/// `json.Marshal` (compact). `Err` carries Go's message.
pub fn marshal(v: &Value, escape_html: bool) -> Result<String, String> {
    encode(
        v,
        Enc {
            escape_html,
            indent: None,
            binary: None,
        },
    )
}

/// `json.Marshal` or `MarshalIndent` as `enc` says.
pub fn encode(v: &Value, enc: Enc) -> Result<String, String> {
    let mut out = String::new();
    write(v, enc, 0, &mut out)?;
    Ok(out)
}

fn newline(out: &mut String, indent: Option<&str>, depth: usize) {
    if let Some(ind) = indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(ind);
        }
    }
}

fn write(v: &Value, enc: Enc, depth: usize, out: &mut String) -> Result<(), String> {
    let (eh, indent) = (enc.escape_html, enc.indent);
    let Some(_g) = crate::value::DepthGuard::enter() else {
        return Err(format!(
            "json: unsupported value: encountered a cycle via {}",
            v.type_name()
        ));
    };
    let _ = depth;
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Float(f) => match float_json(*f) {
            Some(s) => out.push_str(&s),
            None => return Err(format!("json: unsupported value: {}", crate::gofmt::float_v(*f))),
        },
        Value::Str(s) => match enc.binary.and_then(|c| c.binary_bytes(s)) {
            Some(b) => quote_json_bytes(&b, eh, out),
            None => quote_json(s, eh, out),
        },
        Value::Object(o) => match crate::value::encoded(o.as_ref()) {
            crate::value::Encoded::Base64(text) => quote_json(&text, eh, out),
            crate::value::Encoded::Fields(fields) => write_object(&fields, enc, depth, out)?,
            crate::value::Encoded::Plain(v) => write(&v, enc, depth, out)?,
        },
        Value::Time(t) => quote_json(&crate::gotime::format(t, crate::gotime::RFC3339_NANO), eh, out),
        Value::List(l) | Value::TypedList(l, _) => {
            if l.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write(x, enc, depth + 1, out)?;
            }
            newline(out, indent, depth);
            out.push(']');
        }
        Value::Map(m) => write_object(&m.entries(), enc, depth, out)?,
    }
    Ok(())
}

fn write_object(entries: &[(String, Value)], enc: Enc, depth: usize, out: &mut String) -> Result<(), String> {
    let (eh, indent) = (enc.escape_html, enc.indent);
    if entries.is_empty() {
        out.push_str("{}");
        return Ok(());
    }
    out.push('{');
    for (i, (k, x)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, indent, depth + 1);
        quote_json(k, eh, out);
        out.push(':');
        if indent.is_some() {
            out.push(' ');
        }
        write(x, enc, depth + 1, out)?;
    }
    newline(out, indent, depth);
    out.push('}');
    Ok(())
}

/// Parse JSON text into a value the way Go's `json.Unmarshal` into `interface{}` does
/// (numbers are float64).
pub fn unmarshal(s: &str) -> Result<Value, String> {
    let j: serde_json::Value = serde_json::from_str(s).map_err(|e| e.to_string())?;
    Ok(Value::from_json(&j))
}
