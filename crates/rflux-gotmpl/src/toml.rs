//! Helm's `toToml`: the BurntSushi/toml encoder's output for template values (plain keys
//! first, then tables and arrays of tables, sorted; two-space indentation per level).

use crate::value::Value;

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_string()
    } else {
        quote(k)
    }
}

fn is_table(v: &Value) -> bool {
    matches!(v, Value::Map(_) | Value::Object(_))
}

fn is_array_of_tables(v: &Value) -> bool {
    v.as_list().is_some_and(|l| !l.is_empty() && l.iter().all(is_table))
}

const NIL_IN_ARRAY: &str = "toml: cannot encode array with nil element";

/// Whether a nil sits in an array anywhere inside `v` (the encoder refuses those).
fn has_nil_in_array(v: &Value) -> bool {
    let Some(_g) = crate::value::DepthGuard::enter() else {
        return false;
    };
    match v {
        Value::List(l) | Value::TypedList(l, _) => l.iter().any(|x| x.is_nil() || has_nil_in_array(x)),
        Value::Map(m) => m.entries().iter().any(|(_, x)| has_nil_in_array(x)),
        Value::Object(o) => has_nil_in_array(&o.to_value()),
        _ => false,
    }
}

/// A TOML value written inline.
fn inline(v: &Value) -> Option<String> {
    let _g = crate::value::DepthGuard::enter()?;
    Some(match v {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) | Value::Int64(i) => i.to_string(),
        Value::Float(f) => {
            if f.is_nan() {
                "nan".into()
            } else if f.is_infinite() {
                if *f > 0.0 { "inf".into() } else { "-inf".into() }
            } else {
                let s = crate::gofmt::format_float_g(*f, None, false);
                if s.contains(['.', 'e']) { s } else { format!("{s}.0") }
            }
        }
        Value::Str(s) => quote(s),
        Value::Time(t) => crate::gotime::format(t, crate::gotime::RFC3339_NANO),
        Value::List(l) | Value::TypedList(l, _) => {
            let parts: Vec<String> = l.iter().filter_map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Map(m) => {
            let parts: Vec<String> = m
                .entries()
                .iter()
                .filter_map(|(k, x)| inline(x).map(|s| format!("{} = {s}", key(k))))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Object(o) => return inline(&o.to_value()),
        Value::Nil => return None,
    })
}

struct Enc {
    out: String,
}

impl Enc {
    fn newline(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn indent(path: &[String]) -> String {
        "  ".repeat(path.len().saturating_sub(1))
    }

    fn table(&mut self, path: &[String], v: &Value) {
        let Some(_g) = crate::value::DepthGuard::enter() else {
            return;
        };
        let entries = match v {
            Value::Map(m) => m.entries(),
            Value::Object(o) => match o.to_value() {
                Value::Map(m) => m.entries(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        for (k, x) in &entries {
            if is_table(x) || is_array_of_tables(x) {
                continue;
            }
            if let Some(s) = inline(x) {
                let mut p = path.to_vec();
                p.push(key(k));
                self.out.push_str(&format!("{}{} = {}\n", Self::indent(&p), key(k), s));
            }
        }
        for (k, x) in &entries {
            let mut p = path.to_vec();
            p.push(key(k));
            if is_table(x) {
                if p.len() == 1 {
                    self.newline();
                }
                self.out.push_str(&format!("{}[{}]\n", Self::indent(&p), p.join(".")));
                self.table(&p, x);
            } else if is_array_of_tables(x) {
                for item in x.as_list().unwrap_or_default() {
                    self.newline();
                    self.out.push_str(&format!("{}[[{}]]\n", Self::indent(&p), p.join(".")));
                    self.table(&p, item);
                }
            }
        }
    }
}

/// `v` with host objects replaced by what the encoder sees of them: a `[]byte` is an
/// array of numbers, a slice object its items, anything else its plain value.
fn without_objects(v: &Value) -> Value {
    let Some(_g) = crate::value::DepthGuard::enter() else {
        return Value::Nil;
    };
    match v {
        Value::Object(o) => {
            if let Some(b) = o.bytes() {
                Value::list(b.iter().map(|x| Value::Int(i64::from(*x))).collect())
            } else if let Some(items) = o.items() {
                Value::list(items.iter().map(without_objects).collect())
            } else {
                without_objects(&o.to_value())
            }
        }
        // Rebuilt whole (the caller saw an object somewhere): no rescan per level.
        Value::List(l) => Value::list(l.iter().map(without_objects).collect()),
        Value::Map(m) => Value::map(m.entries().into_iter().map(|(k, x)| (k, without_objects(&x))).collect()),
        other => other.clone(),
    }
}

fn has_object(v: &Value) -> bool {
    let Some(_g) = crate::value::DepthGuard::enter() else {
        return false;
    };
    match v {
        Value::Object(_) => true,
        Value::List(l) | Value::TypedList(l, _) => l.iter().any(has_object),
        Value::Map(m) => m.entries().iter().any(|(_, x)| has_object(x)),
        _ => false,
    }
}

/// TOML text of a value, as Helm's `toToml` writes it.
pub fn to_toml(v: &Value) -> String {
    let plain;
    let v = if has_object(v) {
        plain = without_objects(v);
        &plain
    } else {
        v
    };
    if has_nil_in_array(v) {
        return NIL_IN_ARRAY.to_string();
    }
    if is_table(v) {
        let mut e = Enc { out: String::new() };
        e.table(&[], v);
        return e.out;
    }
    inline(v).unwrap_or_default()
}
