//! dotenv files as sops reads and writes them: `KEY=value` lines, `#` comments, `\n`
//! escapes; metadata as flattened `sops_…` keys.

use crate::error::{Result, SopsError};
use crate::tree::{Branch, Item, Key, Value};

/// Parse a dotenv file into a flat branch.
pub fn load(input: &[u8]) -> Result<Branch> {
    let text = std::str::from_utf8(input).map_err(|_| SopsError::parse("dotenv", "input is not UTF-8"))?;
    let mut branch = Vec::new();
    for (n, line) in text.split('\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        if let Some(c) = line.strip_prefix('#') {
            branch.push(Item::comment(c));
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            return Err(SopsError::parse("dotenv", format!("line {}: missing '='", n + 1)));
        };
        branch.push(Item::new(k, Value::Str(v.replace("\\n", "\n"))));
    }
    Ok(branch)
}

/// The text of a scalar as sops' `ValueToString` writes it.
pub fn value_to_string(v: &Value) -> String {
    match v {
        Value::Str(s) | Value::Comment(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => crate::tree::format_float_f(*f),
        Value::Bool(b) => b.to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Null => String::new(),
        Value::Map(_) | Value::Seq(_) => String::new(),
    }
}

/// Emit a flat branch as dotenv text.
pub fn emit(branch: &Branch) -> Result<String> {
    let mut out = String::new();
    for item in branch {
        match &item.key {
            Key::Comment(c) => {
                out.push('#');
                out.push_str(c);
                out.push('\n');
            }
            Key::Str(k) => {
                if matches!(item.value, Value::Map(_) | Value::Seq(_)) {
                    return Err(SopsError::Emit {
                        format: "dotenv",
                        reason: format!("cannot use complex value for key '{k}' in dotenv file"),
                    });
                }
                out.push_str(k);
                out.push('=');
                out.push_str(&value_to_string(&item.value).replace('\n', "\\n"));
                out.push('\n');
            }
        }
    }
    Ok(out)
}
