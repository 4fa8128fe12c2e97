//! The `sops` metadata block: parsing it from a tree (YAML, JSON) or from flattened
//! `sops_…` keys (dotenv, INI), and writing it back in sops' field order.

use crate::error::{Result, SopsError};
use crate::rules::{CryptRules, compile};
use crate::tree::{Item, Key, Value};

/// A master key that encrypts (a share of) the data key.
#[derive(Debug, Clone, PartialEq)]
pub enum MasterKey {
    /// An age recipient (`age1…`, `ssh-ed25519 …`, `ssh-rsa …`, `age1pq1…`).
    Age {
        /// The public recipient.
        recipient: String,
        /// The armored age file holding the data key.
        enc: String,
    },
    /// A PGP key.
    Pgp {
        /// Fingerprint of the key.
        fp: String,
        /// Armored PGP message holding the data key.
        enc: String,
        /// RFC 3339 creation time.
        created_at: String,
    },
    /// A provider this crate does not talk to (kms, gcp_kms, azure_kv, hc_vault).
    Other {
        /// The metadata field (`kms`, `gcp_kms`, `azure_kv`, `hc_vault`).
        provider: &'static str,
        /// The key's public identifier.
        id: String,
        /// All fields as written, to emit them back unchanged.
        fields: Vec<Item>,
    },
}

impl MasterKey {
    /// A short, non-secret description used in errors and logs.
    pub fn describe(&self) -> String {
        match self {
            MasterKey::Age { recipient, .. } => format!("age recipient {}", short(recipient)),
            MasterKey::Pgp { fp, .. } => format!("pgp key {fp}"),
            MasterKey::Other { provider, id, .. } => format!("{provider} key {id}"),
        }
    }
    /// Decryption priority (age first, then PGP, then the rest), as sops orders them.
    pub fn priority(&self) -> u8 {
        match self {
            MasterKey::Age { .. } => 0,
            MasterKey::Pgp { .. } => 1,
            MasterKey::Other { .. } => 2,
        }
    }
}

fn short(r: &str) -> String {
    let chars: Vec<char> = r.chars().collect();
    if chars.len() > 80 {
        let head: String = chars[..40].iter().collect();
        let tail: String = chars[chars.len() - 8..].iter().collect();
        format!("{head}…{tail}")
    } else {
        r.to_string()
    }
}

/// The rules as written in the file (kept verbatim for output).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleFields {
    /// `unencrypted_suffix`.
    pub unencrypted_suffix: Option<String>,
    /// `encrypted_suffix`.
    pub encrypted_suffix: Option<String>,
    /// `unencrypted_regex`.
    pub unencrypted_regex: Option<String>,
    /// `encrypted_regex`.
    pub encrypted_regex: Option<String>,
    /// `unencrypted_comment_regex`.
    pub unencrypted_comment_regex: Option<String>,
    /// `encrypted_comment_regex`.
    pub encrypted_comment_regex: Option<String>,
    /// `mac_only_encrypted`.
    pub mac_only_encrypted: bool,
}

impl RuleFields {
    /// Compile into [`CryptRules`] with sops' defaulting.
    pub fn compile(&self) -> Result<CryptRules> {
        let re = |name: &str, v: &Option<String>| v.as_deref().map(|p| compile(name, p)).transpose();
        CryptRules {
            unencrypted_suffix: self.unencrypted_suffix.clone(),
            encrypted_suffix: self.encrypted_suffix.clone(),
            unencrypted_regex: re("unencrypted_regex", &self.unencrypted_regex)?,
            encrypted_regex: re("encrypted_regex", &self.encrypted_regex)?,
            unencrypted_comment_regex: re("unencrypted_comment_regex", &self.unencrypted_comment_regex)?,
            encrypted_comment_regex: re("encrypted_comment_regex", &self.encrypted_comment_regex)?,
            mac_only_encrypted: self.mac_only_encrypted,
        }
        .normalize()
    }
}

/// The sops metadata of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    /// Key groups; a file without `key_groups` has one group of all its keys.
    pub key_groups: Vec<Vec<MasterKey>>,
    /// Number of groups needed (0 means all, when there are several groups).
    pub shamir_threshold: usize,
    /// `lastmodified` as written (RFC 3339).
    pub last_modified: String,
    /// The encrypted MAC.
    pub mac: String,
    /// Encryption selection rules.
    pub rules: RuleFields,
    /// `version`.
    pub version: String,
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(crate::tree::format_float_f(*f)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn field_str(map: &[Item], name: &str) -> Option<String> {
    crate::tree::get(map, name).and_then(scalar_string)
}

fn entries<'a>(map: &'a [Item], name: &str) -> Result<Vec<&'a [Item]>> {
    match crate::tree::get(map, name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Seq(items)) => items
            .iter()
            .filter(|v| !matches!(v, Value::Comment(_)))
            .map(|v| match v {
                Value::Map(m) => Ok(m.as_slice()),
                _ => Err(SopsError::metadata(format!("{name}: entries must be mappings"))),
            })
            .collect(),
        Some(Value::Str(s)) if s.is_empty() => Ok(Vec::new()),
        Some(_) => Err(SopsError::metadata(format!("{name}: must be a list"))),
    }
}

const OTHER_PROVIDERS: [(&str, &str); 4] = [
    ("kms", "arn"),
    ("gcp_kms", "resource_id"),
    ("azure_kv", "vault_url"),
    ("hc_vault", "vault_address"),
];

fn parse_group(map: &[Item]) -> Result<Vec<MasterKey>> {
    let mut keys = Vec::new();
    for (provider, id_field) in OTHER_PROVIDERS {
        for e in entries(map, provider)? {
            let mut id = field_str(e, id_field).unwrap_or_default();
            if provider == "azure_kv" || provider == "hc_vault" {
                let extra = if provider == "azure_kv" { "name" } else { "key_name" };
                if let Some(n) = field_str(e, extra) {
                    id = format!("{id}/{n}");
                }
            }
            keys.push(MasterKey::Other {
                provider,
                id,
                fields: e.to_vec(),
            });
        }
    }
    for e in entries(map, "pgp")? {
        keys.push(MasterKey::Pgp {
            fp: field_str(e, "fp").unwrap_or_default(),
            enc: field_str(e, "enc").unwrap_or_default(),
            created_at: field_str(e, "created_at").unwrap_or_default(),
        });
    }
    for e in entries(map, "age")? {
        keys.push(MasterKey::Age {
            recipient: field_str(e, "recipient").unwrap_or_default(),
            enc: field_str(e, "enc").unwrap_or_default(),
        });
    }
    Ok(keys)
}

fn opt_nonempty(map: &[Item], name: &str) -> Option<String> {
    field_str(map, name).filter(|s| !s.is_empty())
}

impl Metadata {
    /// Parse the value of the `sops` key.
    pub fn from_value(v: &Value) -> Result<Self> {
        let Value::Map(map) = v else {
            return Err(SopsError::metadata("the 'sops' key must be a mapping"));
        };
        let mut key_groups = Vec::new();
        let top = parse_group(map)?;
        if !top.is_empty() {
            key_groups.push(top);
        } else {
            for g in entries(map, "key_groups")? {
                key_groups.push(parse_group(g)?);
            }
        }
        if key_groups.is_empty() {
            return Err(SopsError::metadata("no keys found in file"));
        }
        let shamir_threshold = match crate::tree::get(map, "shamir_threshold") {
            None | Some(Value::Null) => 0,
            Some(Value::Int(i)) if *i >= 0 => *i as usize,
            Some(Value::Float(f)) if *f >= 0.0 && f.fract() == 0.0 && *f < 256.0 => *f as usize,
            Some(Value::Str(s)) => s
                .trim()
                .parse()
                .map_err(|_| SopsError::metadata("shamir_threshold is not an integer"))?,
            Some(_) => return Err(SopsError::metadata("shamir_threshold is not an integer")),
        };
        let mac_only_encrypted = match crate::tree::get(map, "mac_only_encrypted") {
            Some(Value::Bool(b)) => *b,
            Some(Value::Str(s)) => s == "true",
            _ => false,
        };
        let last_modified =
            field_str(map, "lastmodified").ok_or_else(|| SopsError::metadata("lastmodified is missing"))?;
        Ok(Metadata {
            key_groups,
            shamir_threshold,
            last_modified,
            mac: field_str(map, "mac").unwrap_or_default(),
            rules: RuleFields {
                unencrypted_suffix: opt_nonempty(map, "unencrypted_suffix"),
                encrypted_suffix: opt_nonempty(map, "encrypted_suffix"),
                unencrypted_regex: opt_nonempty(map, "unencrypted_regex"),
                encrypted_regex: opt_nonempty(map, "encrypted_regex"),
                unencrypted_comment_regex: opt_nonempty(map, "unencrypted_comment_regex"),
                encrypted_comment_regex: opt_nonempty(map, "encrypted_comment_regex"),
                mac_only_encrypted,
            },
            version: field_str(map, "version").unwrap_or_default(),
        })
    }

    /// The `lastmodified` string sops uses as MAC additional data: Go's
    /// `time.Parse(RFC3339)` then `Format(RFC3339)` (fraction dropped, zero offset as `Z`).
    pub fn mac_aad(&self) -> Result<String> {
        crate::timefmt::normalize_rfc3339(&self.last_modified)
            .ok_or_else(|| SopsError::metadata("lastmodified is not an RFC 3339 time"))
    }

    /// Serialize as the value of the `sops` key (sops ≥ 3.10 layout: empty key lists omitted).
    pub fn to_value(&self) -> Value {
        let mut m: Vec<Item> = Vec::new();
        let s = |v: &str| Value::Str(v.to_string());
        if self.shamir_threshold > 0 {
            m.push(Item::new("shamir_threshold", Value::Int(self.shamir_threshold as i64)));
        }
        let group_items = |group: &[MasterKey], order: &[&str]| -> Vec<Item> {
            let mut out = Vec::new();
            for field in order {
                let mut list = Vec::new();
                for k in group {
                    match (k, *field) {
                        (MasterKey::Age { recipient, enc }, "age") => list.push(Value::Map(vec![
                            Item::new("recipient", s(recipient)),
                            Item::new("enc", s(enc)),
                        ])),
                        (MasterKey::Pgp { fp, enc, created_at }, "pgp") => list.push(Value::Map(vec![
                            Item::new("created_at", s(created_at)),
                            Item::new("enc", s(enc)),
                            Item::new("fp", s(fp)),
                        ])),
                        (MasterKey::Other { provider, fields, .. }, f) if *provider == f => {
                            list.push(Value::Map(fields.clone()))
                        }
                        _ => {}
                    }
                }
                if !list.is_empty() {
                    out.push(Item::new(*field, Value::Seq(list)));
                }
            }
            out
        };
        let mut tail_pgp = None;
        if self.key_groups.len() == 1 {
            let g = &self.key_groups[0];
            m.extend(group_items(g, &["kms", "gcp_kms", "azure_kv", "hc_vault", "age"]));
            tail_pgp = group_items(g, &["pgp"]).into_iter().next();
        } else {
            let groups = self
                .key_groups
                .iter()
                .map(|g| {
                    Value::Map(group_items(
                        g,
                        &["pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "age"],
                    ))
                })
                .collect();
            m.insert(
                usize::from(self.shamir_threshold > 0),
                Item::new("key_groups", Value::Seq(groups)),
            );
        }
        m.push(Item::new("lastmodified", s(&self.last_modified)));
        m.push(Item::new("mac", s(&self.mac)));
        if let Some(p) = tail_pgp {
            m.push(p);
        }
        let r = &self.rules;
        for (name, v) in [
            ("unencrypted_suffix", &r.unencrypted_suffix),
            ("encrypted_suffix", &r.encrypted_suffix),
            ("unencrypted_regex", &r.unencrypted_regex),
            ("encrypted_regex", &r.encrypted_regex),
            ("unencrypted_comment_regex", &r.unencrypted_comment_regex),
            ("encrypted_comment_regex", &r.encrypted_comment_regex),
        ] {
            if let Some(v) = v {
                m.push(Item::new(name, s(v)));
            }
        }
        if r.mac_only_encrypted {
            m.push(Item::new("mac_only_encrypted", Value::Bool(true)));
        }
        m.push(Item::new("version", s(&self.version)));
        Value::Map(m)
    }

    /// Flatten for dotenv / INI (`age__list_0__map_enc`…), sorted by key, newlines escaped.
    pub fn to_flat(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        flatten_into(&mut out, String::new(), &self.to_value());
        for (_, v) in out.iter_mut() {
            *v = v.replace('\n', "\\n");
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Parse flattened metadata (keys without the `sops_` prefix; values with `\n` escaped).
    pub fn from_flat(pairs: &[(String, String)]) -> Result<Self> {
        let mut root = Value::Map(Vec::new());
        for (k, v) in pairs {
            let tokens = tokenize(k);
            insert_flat(&mut root, &tokens, Value::Str(v.replace("\\n", "\n")))?;
        }
        if let Value::Map(m) = &mut root {
            for item in m.iter_mut() {
                if item.key_str() == Some("mac_only_encrypted") {
                    item.value = Value::Bool(matches!(&item.value, Value::Str(s) if s == "true"));
                }
            }
        }
        Metadata::from_value(&root)
    }
}

fn flatten_into(out: &mut Vec<(String, String)>, prefix: String, v: &Value) {
    match v {
        Value::Map(items) => {
            for it in items {
                if let Key::Str(k) = &it.key {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}__map_{k}")
                    };
                    flatten_into(out, p, &it.value);
                }
            }
        }
        Value::Seq(items) => {
            for (i, it) in items.iter().enumerate() {
                flatten_into(out, format!("{prefix}__list_{i}"), it);
            }
        }
        Value::Null => {}
        other => {
            let s = match other {
                Value::Bool(b) => b.to_string(),
                _ => scalar_string(other).unwrap_or_default(),
            };
            out.push((prefix, s));
        }
    }
}

#[derive(Debug)]
enum Token {
    Map(String),
    List(usize),
}

fn tokenize(path: &str) -> Vec<Token> {
    const MAP: &str = "__map_";
    const LIST: &str = "__list_";
    let mut tokens = Vec::new();
    let mut state = 0u8; // 0 normal, 1 map, 2 list
    let mut last = 0usize;
    let mut i = 0usize;
    let finish = |tokens: &mut Vec<Token>, state: u8, last: usize, i: usize| match state {
        0 => tokens.push(Token::Map(path[last..i].to_string())),
        1 => tokens.push(Token::Map(path[last + MAP.len()..i].to_string())),
        _ => tokens.push(Token::List(path[last + LIST.len()..i].parse().unwrap_or(0))),
    };
    while i < path.len() {
        if path[i..].starts_with(MAP) {
            finish(&mut tokens, state, last, i);
            last = i;
            state = 1;
            i += MAP.len();
        } else if path[i..].starts_with(LIST) {
            finish(&mut tokens, state, last, i);
            last = i;
            state = 2;
            i += LIST.len();
        } else {
            i += path[i..].chars().next().map(|c| c.len_utf8()).unwrap_or(1);
        }
    }
    finish(&mut tokens, state, last, i);
    tokens
}

fn insert_flat(node: &mut Value, tokens: &[Token], leaf: Value) -> Result<()> {
    let Some((first, rest)) = tokens.split_first() else {
        *node = leaf;
        return Ok(());
    };
    match first {
        Token::Map(k) => {
            if !matches!(node, Value::Map(_)) {
                *node = Value::Map(Vec::new());
            }
            if let Value::Map(items) = node {
                let idx = match items.iter().position(|i| i.key_str() == Some(k)) {
                    Some(i) => i,
                    None => {
                        items.push(Item::new(k.clone(), Value::Null));
                        items.len() - 1
                    }
                };
                insert_flat(&mut items[idx].value, rest, leaf)?;
            }
        }
        Token::List(n) => {
            if *n > 10_000 {
                return Err(SopsError::metadata("flattened list index too large"));
            }
            if !matches!(node, Value::Seq(_)) {
                *node = Value::Seq(Vec::new());
            }
            if let Value::Seq(items) = node {
                while items.len() <= *n {
                    items.push(Value::Null);
                }
                insert_flat(&mut items[*n], rest, leaf)?;
            }
        }
    }
    Ok(())
}
