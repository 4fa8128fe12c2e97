//! INI files as sops (go-ini) reads and writes them: one branch item per section (the
//! implicit `DEFAULT` first), `;`/`#` comments, `"""` multi-line values, aligned output.

use crate::error::{Result, SopsError};
use crate::tree::{Branch, Item, Key, Value};

fn strip_comment_char(c: &str) -> String {
    if c.starts_with(';') {
        c.trim_start_matches([';', ' ']).to_string()
    } else if c.starts_with('#') {
        c.trim_start_matches(['#', ' ']).to_string()
    } else {
        c.to_string()
    }
}

struct Section {
    name: String,
    comment: Option<String>,
    keys: Vec<(String, String, Option<String>)>,
}

/// Parse an INI file into a branch of sections (each a mapping of string values).
pub fn load(input: &[u8]) -> Result<Branch> {
    let text = std::str::from_utf8(input).map_err(|_| SopsError::parse("ini", "input is not UTF-8"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sections = vec![Section {
        name: "DEFAULT".into(),
        comment: None,
        keys: Vec::new(),
    }];
    let mut pending: Vec<String> = Vec::new();
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    let mut i = 0;
    while i < lines.len() {
        let n = i + 1;
        let line = lines[i].trim();
        i += 1;
        if line.is_empty() {
            continue;
        }
        if line.starts_with(';') || line.starts_with('#') {
            pending.push(line.to_string());
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let Some(end) = rest.find(']') else {
                return Err(SopsError::parse("ini", format!("line {n}: unclosed section header")));
            };
            let name = rest[..end].trim().to_string();
            let comment = (!pending.is_empty()).then(|| pending.join("\n"));
            pending.clear();
            if let Some(s) = sections.iter_mut().find(|s| s.name == name) {
                if comment.is_some() {
                    s.comment = comment;
                }
                // Move the re-opened section to the end is not what go-ini does; keep it.
                continue;
            }
            sections.push(Section {
                name,
                comment,
                keys: Vec::new(),
            });
            continue;
        }
        let Some(pos) = line.find(['=', ':']) else {
            return Err(SopsError::parse("ini", format!("line {n}: key without a value")));
        };
        let key = line[..pos].trim().to_string();
        let raw = line[pos + 1..].trim_start();
        let value = if let Some(rest) = raw.strip_prefix("\"\"\"") {
            let mut buf = String::new();
            if let Some(end) = rest.find("\"\"\"") {
                buf.push_str(&rest[..end]);
            } else {
                buf.push_str(rest);
                loop {
                    if i >= lines.len() {
                        return Err(SopsError::parse("ini", format!("line {n}: unterminated \"\"\" value")));
                    }
                    let l = lines[i];
                    i += 1;
                    buf.push('\n');
                    if let Some(end) = l.find("\"\"\"") {
                        buf.push_str(&l[..end]);
                        break;
                    }
                    buf.push_str(l);
                }
            }
            buf
        } else {
            let mut v = raw.trim_end().to_string();
            let quoted = v.len() >= 2
                && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')));
            if quoted {
                v = v[1..v.len() - 1].to_string();
            } else if let Some(ci) = v.find(['#', ';']) {
                v = v[..ci].trim_end().to_string();
            }
            v
        };
        let comment = (!pending.is_empty()).then(|| pending.join("\n"));
        pending.clear();
        if let Some(sec) = sections.last_mut() {
            if let Some(existing) = sec.keys.iter_mut().find(|k| k.0 == key) {
                existing.1 = value;
            } else {
                sec.keys.push((key, value, comment));
            }
        }
    }
    Ok(sections
        .into_iter()
        .map(|s| {
            let mut items = Vec::new();
            if let Some(c) = s.comment {
                items.push(Item::comment(strip_comment_char(&c)));
            }
            for (k, v, c) in s.keys {
                items.push(Item::new(k, Value::Str(v)));
                if let Some(c) = c {
                    items.push(Item::comment(strip_comment_char(&c)));
                }
            }
            Item::new(s.name, Value::Map(items))
        })
        .collect())
}

fn ini_value(v: &Value) -> String {
    match v {
        Value::Float(f) => format!("{f:.6}"),
        other => super::dotenv::value_to_string(other),
    }
}

fn quote(v: &str) -> String {
    if v.contains('\n') {
        format!("\"\"\"{v}\"\"\"")
    } else if v.contains(['#', ';']) || v.starts_with(' ') || v.ends_with(' ') {
        if v.contains('"') {
            format!("`{v}`")
        } else {
            format!("\"{v}\"")
        }
    } else {
        v.to_string()
    }
}

/// Emit sections as INI text (go-ini pretty format: `=` aligned per section).
pub fn emit(branch: &Branch) -> Result<String> {
    let mut out = String::new();
    for item in branch {
        let Key::Str(name) = &item.key else { continue };
        let Value::Map(entries) = &item.value else {
            return Err(SopsError::Emit {
                format: "ini",
                reason: format!("section '{name}' is not a mapping"),
            });
        };
        let keys: Vec<&Item> = entries.iter().filter(|e| matches!(e.key, Key::Str(_))).collect();
        if name == "DEFAULT" && keys.is_empty() {
            continue;
        }
        let mut first = 0;
        if let Some(Item {
            key: Key::Comment(c), ..
        }) = entries.first()
        {
            out.push_str(&format!("; {c}\n"));
            first = 1;
        }
        if name != "DEFAULT" {
            out.push_str(&format!("[{name}]\n"));
        }
        let width = keys
            .iter()
            .map(|k| k.key_str().unwrap_or_default().len())
            .max()
            .unwrap_or(0);
        let mut pending_comment: Option<String> = None;
        let rest = &entries[first..];
        // sops stores a key's comment after it; go-ini writes it above the key.
        for (idx, e) in rest.iter().enumerate() {
            match &e.key {
                Key::Comment(_) => {}
                Key::Str(k) => {
                    if let Some(Item {
                        key: Key::Comment(c), ..
                    }) = rest.get(idx + 1)
                    {
                        pending_comment = Some(c.clone());
                    }
                    if let Some(c) = pending_comment.take() {
                        out.push_str(&format!("; {c}\n"));
                    }
                    if matches!(e.value, Value::Map(_) | Value::Seq(_)) {
                        return Err(SopsError::Emit {
                            format: "ini",
                            reason: format!("key '{k}' in section '{name}' has a complex value"),
                        });
                    }
                    out.push_str(&format!("{k:<width$} = {}\n", quote(&ini_value(&e.value))));
                }
            }
        }
        out.push('\n');
    }
    // go-ini separates sections by a blank line but writes none after the last one.
    if out.ends_with("\n\n") {
        out.pop();
    }
    Ok(out)
}
