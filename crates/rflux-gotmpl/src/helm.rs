//! Helm's own template functions: `include`, `tpl`, `required`, `fail`, `toYaml`,
//! `toYamlPretty`, `fromYaml`, `fromYamlArray`, `toJson`, `fromJson`, `fromJsonArray`,
//! `toToml`, `lookup`.

use crate::func::{FuncMap, Ty, func};
use crate::value::{Map, Value};

/// Marker Helm wraps around `fail`/`required` messages.
pub const ERR_START: &str = "HELM_ERR_START";
/// End marker.
pub const ERR_END: &str = "HELM_ERR_END";

fn error_map(msg: String) -> Value {
    let mut m = Map::new();
    m.insert("Error".into(), Value::str(msg));
    Value::map(m)
}

/// Helm's `toYaml`: YAML of the value, final newline removed; "" on error.
pub fn to_yaml(v: &Value) -> String {
    match crate::yaml::to_yaml_document(v) {
        Ok(s) => s.strip_suffix('\n').unwrap_or(&s).to_string(),
        Err(_) => String::new(),
    }
}

/// Parse YAML into a value the way sigs.k8s.io/yaml does (via JSON, so numbers are
/// float64): first document only, duplicate keys last-wins, YAML 1.1 octals, and plain
/// keys that go-yaml v2 resolves to booleans or numbers turned into their JSON spelling.
pub fn parse_yaml(s: &str) -> Result<Value, String> {
    let printable = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{85}')
            || ('\u{20}'..='\u{7e}').contains(&c)
            || ('\u{a0}'..='\u{d7ff}').contains(&c)
            || ('\u{e000}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}'
    };
    if !s.chars().all(printable) {
        return Err("error converting YAML to JSON: yaml: control characters are not allowed".into());
    }
    let mut opts = serde_saphyr::Options::default();
    opts.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    opts.legacy_octal_numbers = true;
    let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple_with_options(s, opts).map_err(|e| {
        let msg = e.to_string();
        let first = msg.lines().next().unwrap_or("").to_string();
        if first.contains("null into string") {
            "error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>".to_string()
        } else {
            format!("error converting YAML to JSON: yaml: {first}")
        }
    })?;
    let first = docs.into_iter().next().unwrap_or(serde_json::Value::Null);
    Ok(Value::from_json(&fix_keys(first)))
}

/// Rename keys the way go-yaml v2 resolves plain scalars used as keys.
fn fix_keys(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, x) in m {
                out.insert(yaml_key(&k), fix_keys(x));
            }
            serde_json::Value::Object(out)
        }
        serde_json::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(fix_keys).collect()),
        other => other,
    }
}

fn yaml_key(k: &str) -> String {
    match k {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => "true".into(),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => "false".into(),
        _ => {
            let plain: String = k.chars().filter(|c| *c != '_').collect();
            let (neg, body) = match plain.as_bytes().first() {
                Some(b'-') => (true, &plain[1..]),
                Some(b'+') => (false, &plain[1..]),
                _ => (false, plain.as_str()),
            };
            let parsed = if let Some(h) = body.strip_prefix("0x") {
                i64::from_str_radix(h, 16).ok()
            } else if body.len() > 1 && body.starts_with('0') && body.bytes().all(|c| c.is_ascii_digit()) {
                i64::from_str_radix(&body[1..], 8).ok()
            } else if !body.is_empty() && body.bytes().all(|c| c.is_ascii_digit()) && k.as_bytes()[0] != b'_' {
                body.parse().ok()
            } else {
                None
            };
            match parsed {
                Some(n) => (if neg { -n } else { n }).to_string(),
                None => k.to_string(),
            }
        }
    }
}

/// Register Helm's functions.
pub fn register(m: &mut FuncMap) {
    m.insert(
        "include".into(),
        func(&[Ty::Str, Ty::Any], None, |cx, a| {
            let name = a[0].as_str().unwrap_or_default().to_string();
            cx.include(&name, &a[1]).map(Value::str)
        }),
    );
    m.insert(
        "tpl".into(),
        func(&[Ty::Str, Ty::Any], None, |cx, a| {
            let text = a[0].as_str().unwrap_or_default().to_string();
            cx.tpl(&text, &a[1]).map(Value::str)
        }),
    );
    m.insert(
        "required".into(),
        func(&[Ty::Str, Ty::Any], None, |_, a| {
            let warn = a[0].as_str().unwrap_or_default();
            match &a[1] {
                Value::Nil => Err(format!("{ERR_START}{warn}{ERR_END}")),
                Value::Str(s) if s.is_empty() => Err(format!("{ERR_START}{warn}{ERR_END}")),
                v => Ok(v.clone()),
            }
        }),
    );
    m.insert(
        "fail".into(),
        func(&[Ty::Str], None, |_, a| {
            Err(format!("{ERR_START}{}{ERR_END}", a[0].as_str().unwrap_or_default()))
        }),
    );
    m.insert(
        "toYaml".into(),
        func(&[Ty::Any], None, |_, a| Ok(Value::str(to_yaml(&a[0])))),
    );
    m.insert(
        "mustToYaml".into(),
        func(&[Ty::Any], None, |_, a| {
            crate::yaml::to_yaml_document(&a[0]).map(|s| Value::str(s.strip_suffix('\n').unwrap_or(&s)))
        }),
    );
    m.insert(
        "toYamlPretty".into(),
        func(&[Ty::Any], None, |_, a| {
            let s = crate::yaml::to_yaml_pretty_document(&a[0]).unwrap_or_default();
            Ok(Value::str(s.strip_suffix('\n').unwrap_or(&s)))
        }),
    );
    m.insert("fromYaml".into(), func(&[Ty::Str], None, |_, a| {
        Ok(match parse_yaml(a[0].as_str().unwrap_or_default()) {
            Ok(Value::Map(m)) => Value::Map(m),
            Ok(Value::Nil) => Value::map(Map::new()),
            Ok(other) => error_map(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                json_kind(&other)
            )),
            Err(e) => error_map(e),
        })
    }));
    m.insert("fromYamlArray".into(), func(&[Ty::Str], None, |_, a| {
        Ok(match parse_yaml(a[0].as_str().unwrap_or_default()) {
            Ok(Value::List(l)) => Value::List(l),
            Ok(Value::Nil) => Value::list(Vec::new()),
            Ok(other) => Value::list(vec![Value::str(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type []interface {{}}",
                json_kind(&other)
            ))]),
            Err(e) => Value::list(vec![Value::str(e)]),
        })
    }));
    m.insert(
        "toJson".into(),
        func(&[Ty::Any], None, |c, a| {
            let enc = crate::json::Enc {
                escape_html: true,
                indent: None,
                binary: Some(&*c),
            };
            Ok(Value::str(crate::json::encode(&a[0], enc).unwrap_or_default()))
        }),
    );
    m.insert(
        "fromJson".into(),
        func(&[Ty::Str], None, |_, a| {
            Ok(match crate::json::unmarshal(a[0].as_str().unwrap_or_default()) {
                Ok(Value::Map(m)) => Value::Map(m),
                Ok(Value::Nil) => Value::map(Map::new()),
                Ok(other) => error_map(format!(
                    "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    json_kind(&other)
                )),
                Err(e) => error_map(e),
            })
        }),
    );
    m.insert(
        "fromJsonArray".into(),
        func(&[Ty::Str], None, |_, a| {
            Ok(match crate::json::unmarshal(a[0].as_str().unwrap_or_default()) {
                Ok(Value::List(l)) => Value::List(l),
                Ok(Value::Nil) => Value::list(Vec::new()),
                Ok(other) => Value::list(vec![Value::str(format!(
                    "json: cannot unmarshal {} into Go value of type []interface {{}}",
                    json_kind(&other)
                ))]),
                Err(e) => Value::list(vec![Value::str(e)]),
            })
        }),
    );
    m.insert(
        "toToml".into(),
        func(&[Ty::Any], None, |_, a| Ok(Value::str(crate::toml::to_toml(&a[0])))),
    );
    m.insert(
        "lookup".into(),
        func(&[Ty::Str, Ty::Str, Ty::Str, Ty::Str], None, |cx, a| {
            let s = |i: usize| a[i].as_str().unwrap_or_default().to_string();
            cx.lookup(&s(0), &s(1), &s(2), &s(3))
        }),
    );
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Str(_) => "string",
        Value::Float(_) | Value::Int(_) | Value::Int64(_) => "number",
        Value::Bool(_) => "bool",
        Value::List(_) | Value::TypedList(_, _) => "array",
        Value::Map(_) | Value::Time(_) | Value::Object(_) => "object",
        Value::Nil => "null",
    }
}
