//! Helm's `toToml` (BurntSushi/toml encoder) for the common shapes: tables of scalars,
//! nested tables, arrays.

use crate::value::Value;

fn key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_string()
    } else {
        crate::gofmt::go_quote(k)
    }
}

fn scalar(v: &Value) -> Option<String> {
    Some(match v {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) | Value::Int64(i) => i.to_string(),
        Value::Float(f) => {
            let s = crate::json::positional(*f);
            if s.contains('.') { s } else { format!("{s}.0") }
        }
        Value::Str(s) => crate::gofmt::go_quote(s),
        Value::List(l) | Value::StrList(l) => {
            let parts: Option<Vec<String>> = l.iter().map(scalar).collect();
            format!("[{}]", parts?.join(", "))
        }
        _ => return None,
    })
}

fn table(v: &Value, path: &[String], indent: usize, out: &mut String) {
    let Some(m) = v.as_map() else { return };
    let entries = m.entries();
    let pad = "  ".repeat(indent);
    for (k, x) in &entries {
        if x.as_map().is_some() || x.is_nil() {
            continue;
        }
        if let Some(s) = scalar(x) {
            out.push_str(&format!("{pad}{} = {}\n", key(k), s));
        }
    }
    for (k, x) in &entries {
        if x.as_map().is_some() {
            let mut p = path.to_vec();
            p.push(key(k));
            out.push_str(&format!("\n{pad}[{}]\n", p.join(".")));
            table(x, &p, indent + 1, out);
        }
    }
}

/// TOML text of a map value ("" for other values).
pub fn to_toml(v: &Value) -> String {
    let mut out = String::new();
    table(v, &[], 0, &mut out);
    out
}
