//! File formats sops stores documents in, and the split of each file into data branches and
//! the `sops` metadata.

pub mod dotenv;
pub mod ini;
pub mod json;
pub mod scalar;
pub mod yaml;

use std::path::Path;

use crate::error::{Result, SopsError};
use crate::metadata::Metadata;
use crate::tree::{self, Branch, Item, Value};

/// A sops store format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// YAML (one branch per document).
    Yaml,
    /// JSON (top-level object).
    Json,
    /// dotenv (`KEY=value`).
    Dotenv,
    /// INI.
    Ini,
    /// Any bytes, stored as the `data` key of a JSON envelope.
    Binary,
}

impl Format {
    /// The format sops picks for a file name: `.yaml`/`.yml`, `.json`, `.env`, `.ini`, else
    /// binary.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml") | Some("yml") => Format::Yaml,
            Some("json") => Format::Json,
            Some("env") => Format::Dotenv,
            Some("ini") => Format::Ini,
            _ => Format::Binary,
        }
    }

    /// Parse a format name (`yaml`, `json`, `dotenv`, `ini`, `binary`).
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            "dotenv" | "env" => Some(Format::Dotenv),
            "ini" => Some(Format::Ini),
            "binary" => Some(Format::Binary),
            _ => None,
        }
    }

    /// The format's name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Dotenv => "dotenv",
            Format::Ini => "ini",
            Format::Binary => "binary",
        }
    }
}

fn utf8<'a>(input: &'a [u8], format: &'static str) -> Result<&'a str> {
    std::str::from_utf8(input).map_err(|_| SopsError::parse(format, "input is not UTF-8"))
}

/// Parse a file into branches, without looking at metadata.
pub fn load_branches(input: &[u8], format: Format) -> Result<Vec<Branch>> {
    match format {
        Format::Yaml => yaml::load(utf8(input, "yaml")?),
        Format::Json => Ok(vec![json::load(utf8(input, "json")?)?]),
        Format::Binary => Ok(vec![json::load(utf8(input, "binary")?)?]),
        Format::Dotenv => Ok(vec![dotenv::load(input)?]),
        Format::Ini => Ok(vec![ini::load(input)?]),
    }
}

/// Parse a plaintext file for encryption (binary input becomes the `data` key).
pub fn load_plain(input: &[u8], format: Format) -> Result<Vec<Branch>> {
    match format {
        Format::Binary => {
            let v = match std::str::from_utf8(input) {
                Ok(s) => Value::Str(s.to_string()),
                Err(_) => Value::Bytes(input.to_vec()),
            };
            Ok(vec![vec![Item::new("data", v)]])
        }
        other => load_branches(input, other),
    }
}

/// Split a parsed file into data branches and its metadata (`None` if it has none).
pub fn split_metadata(mut branches: Vec<Branch>, format: Format) -> Result<(Vec<Branch>, Option<Metadata>)> {
    let md = match format {
        Format::Yaml | Format::Json | Format::Binary => {
            let mut md_value = None;
            for b in branches.iter_mut() {
                let v = tree::remove(b, "sops");
                if md_value.is_none() {
                    md_value = v;
                }
            }
            md_value.map(|v| Metadata::from_value(&v)).transpose()?
        }
        Format::Dotenv => {
            let mut pairs = Vec::new();
            if let Some(b) = branches.first_mut() {
                b.retain(|item| match item.key_str().and_then(|k| k.strip_prefix("sops_")) {
                    Some(k) => {
                        pairs.push((k.to_string(), dotenv::value_to_string(&item.value)));
                        false
                    }
                    None => true,
                });
            }
            if pairs.is_empty() {
                None
            } else {
                // Values were un-escaped by the loader already; re-escape for from_flat.
                let pairs: Vec<(String, String)> =
                    pairs.into_iter().map(|(k, v)| (k, v.replace('\n', "\\n"))).collect();
                Some(Metadata::from_flat(&pairs)?)
            }
        }
        Format::Ini => {
            let mut section = None;
            if let Some(b) = branches.first_mut() {
                section = tree::remove(b, "sops");
            }
            match section {
                Some(Value::Map(items)) => {
                    let pairs: Vec<(String, String)> = items
                        .iter()
                        .filter_map(|i| i.key_str().map(|k| (k.to_string(), dotenv::value_to_string(&i.value))))
                        .collect();
                    Some(Metadata::from_flat(&pairs)?)
                }
                _ => None,
            }
        }
    };
    Ok((branches, md))
}

/// Indentation of written YAML and JSON (`stores:` in `.sops.yaml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreIndent {
    /// YAML indent (sops default 4).
    pub yaml: usize,
    /// JSON indent in spaces; `None` is a tab (sops default).
    pub json: Option<usize>,
}

impl Default for StoreIndent {
    fn default() -> Self {
        StoreIndent { yaml: 4, json: None }
    }
}

impl StoreIndent {
    fn json_indent(&self) -> String {
        match self.json {
            Some(n) => " ".repeat(n),
            None => "\t".to_string(),
        }
    }
}

/// Emit decrypted branches in the file's format.
pub fn emit_plain(branches: &[Branch], format: Format) -> Result<Vec<u8>> {
    emit_plain_with(branches, format, &StoreIndent::default())
}

/// Emit decrypted branches in the file's format with the given indentation.
pub fn emit_plain_with(branches: &[Branch], format: Format, indent: &StoreIndent) -> Result<Vec<u8>> {
    match format {
        Format::Yaml => Ok(yaml::emit(branches, indent.yaml).into_bytes()),
        Format::Json => Ok(json::emit(first(branches)?, &indent.json_indent()).into_bytes()),
        Format::Dotenv => Ok(dotenv::emit(first(branches)?)?.into_bytes()),
        Format::Ini => Ok(ini::emit(first(branches)?)?.into_bytes()),
        Format::Binary => match tree::get(first(branches)?, "data") {
            Some(Value::Str(s)) => Ok(s.clone().into_bytes()),
            Some(Value::Bytes(b)) => Ok(b.clone()),
            Some(_) => Err(SopsError::Emit {
                format: "binary",
                reason: "'data' key does not have a string value".into(),
            }),
            None => Err(SopsError::Emit {
                format: "binary",
                reason: "no binary data found in tree".into(),
            }),
        },
    }
}

fn first(branches: &[Branch]) -> Result<&Branch> {
    branches.first().ok_or_else(|| SopsError::Emit {
        format: "document",
        reason: "no document".into(),
    })
}

/// Emit encrypted branches with their metadata in the file's format.
pub fn emit_encrypted(branches: &[Branch], md: &Metadata, format: Format) -> Result<Vec<u8>> {
    emit_encrypted_with(branches, md, format, &StoreIndent::default())
}

/// Emit encrypted branches with their metadata, with the given indentation.
pub fn emit_encrypted_with(
    branches: &[Branch],
    md: &Metadata,
    format: Format,
    indent: &StoreIndent,
) -> Result<Vec<u8>> {
    match format {
        Format::Yaml => {
            let docs: Vec<Branch> = branches
                .iter()
                .map(|b| {
                    let mut b = b.clone();
                    b.push(Item::new("sops", md.to_value()));
                    b
                })
                .collect();
            Ok(yaml::emit(&docs, indent.yaml).into_bytes())
        }
        Format::Json | Format::Binary => {
            let mut b = first(branches)?.clone();
            b.push(Item::new("sops", md.to_value()));
            Ok(json::emit(&b, &indent.json_indent()).into_bytes())
        }
        Format::Dotenv => {
            let mut b = first(branches)?.clone();
            for (k, v) in md.to_flat() {
                // to_flat escapes newlines; dotenv::emit escapes again, so undo here.
                b.push(Item::new(format!("sops_{k}"), Value::Str(v.replace("\\n", "\n"))));
            }
            Ok(dotenv::emit(&b)?.into_bytes())
        }
        Format::Ini => {
            let mut b = first(branches)?.clone();
            let items = md
                .to_flat()
                .into_iter()
                .map(|(k, v)| Item::new(k, Value::Str(v)))
                .collect();
            b.push(Item::new("sops", Value::Map(items)));
            Ok(ini::emit(&b)?.into_bytes())
        }
    }
}
