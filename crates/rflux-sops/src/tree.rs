//! The document model sops works on: ordered branches of key/value items, sequences, scalars
//! and comments, independent of the file format they came from.

/// A value in a sops tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// YAML/JSON null; never encrypted and not part of the MAC.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer (go `int`).
    Int(i64),
    /// A floating point number (go `float64`).
    Float(f64),
    /// A string.
    Str(String),
    /// Raw bytes (decrypted `type:bytes`).
    Bytes(Vec<u8>),
    /// A comment (only inside sequences; map comments are [`Key::Comment`]).
    Comment(String),
    /// An ordered mapping.
    Map(Vec<Item>),
    /// A sequence; may contain [`Value::Comment`] entries.
    Seq(Vec<Value>),
}

/// The key of a mapping item: a string, or a comment line standing between items.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    /// A string key.
    Str(String),
    /// A comment line (the value of such an item is [`Value::Null`]).
    Comment(String),
}

/// One item of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The key.
    pub key: Key,
    /// The value.
    pub value: Value,
}

impl Item {
    /// A string-keyed item.
    pub fn new(key: impl Into<String>, value: Value) -> Self {
        Item {
            key: Key::Str(key.into()),
            value,
        }
    }
    /// A comment item.
    pub fn comment(text: impl Into<String>) -> Self {
        Item {
            key: Key::Comment(text.into()),
            value: Value::Null,
        }
    }
    /// The string key, if this is not a comment.
    pub fn key_str(&self) -> Option<&str> {
        match &self.key {
            Key::Str(s) => Some(s),
            Key::Comment(_) => None,
        }
    }
}

/// A top-level mapping (one YAML document, the JSON object, the dotenv or INI file).
pub type Branch = Vec<Item>;

/// Look up a string key in a branch.
pub fn get<'a>(branch: &'a [Item], key: &str) -> Option<&'a Value> {
    branch.iter().find(|i| i.key_str() == Some(key)).map(|i| &i.value)
}

/// Remove every top-level item with this string key; returns the first removed value.
pub fn remove(branch: &mut Branch, key: &str) -> Option<Value> {
    let mut found = None;
    branch.retain_mut(|item| {
        if item.key_str() == Some(key) {
            if found.is_none() {
                found = Some(std::mem::replace(&mut item.value, Value::Null));
            }
            false
        } else {
            true
        }
    });
    found
}

/// Format a float as Go's `strconv.FormatFloat(f, 'f', -1, 64)` does (shortest exact
/// decimal, never an exponent).
pub fn format_float_f(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    // Rust's Display for f64 is the shortest round-trip representation without exponent.
    let s = format!("{f}");
    if s == "-0" { "-0".into() } else { s }
}

impl Value {
    /// The bytes sops feeds to the MAC and encrypts for a scalar (`ToBytes` in sops).
    pub fn to_sops_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Value::Str(s) | Value::Comment(s) => Some(s.as_bytes().to_vec()),
            Value::Int(i) => Some(i.to_string().into_bytes()),
            Value::Float(f) => Some(format_float_f(*f).into_bytes()),
            Value::Bool(true) => Some(b"True".to_vec()),
            Value::Bool(false) => Some(b"False".to_vec()),
            Value::Bytes(b) => Some(b.clone()),
            Value::Null | Value::Map(_) | Value::Seq(_) => None,
        }
    }
}
