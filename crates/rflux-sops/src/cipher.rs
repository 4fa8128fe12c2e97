//! The sops value format `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`: parsing, formatting and
//! AES-256-GCM with a 32-byte IV and the key path as additional authenticated data.

use std::sync::OnceLock;

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::{U12, U16, U32};
use aes_gcm::aead::generic_array::ArrayLength;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::aes::Aes256;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use regex::Regex;

use crate::error::{Result, SopsError};
use crate::tree::Value;

/// Size of the IV sops generates.
pub const IV_LEN: usize = 32;
const TAG_LEN: usize = 16;

/// The parts of an encrypted value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedValue {
    /// Ciphertext without the tag.
    pub data: Vec<u8>,
    /// The IV (nonce), 32 bytes when written by sops.
    pub iv: Vec<u8>,
    /// The 16-byte GCM tag.
    pub tag: Vec<u8>,
    /// `str`, `int`, `int64`, `float`, `bool`, `bytes` or `comment`.
    pub value_type: String,
}

fn enc_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        #[allow(clippy::expect_used)]
        Regex::new(r"^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]").expect("static regex is valid")
    })
}

/// Whether a string looks like a sops encrypted value.
pub fn is_encrypted(s: &str) -> bool {
    s.starts_with("ENC[AES256_GCM,")
}

impl EncryptedValue {
    /// Parse the textual form. `path` is only used in errors.
    pub fn parse(s: &str, path: &str) -> Result<Self> {
        let invalid = |reason: &str| SopsError::InvalidValue {
            path: path.to_string(),
            reason: reason.to_string(),
        };
        let caps = enc_regex()
            .captures(s)
            .ok_or_else(|| invalid("does not match the sops data format"))?;
        let field = |i: usize| caps.get(i).map(|m| m.as_str()).unwrap_or_default();
        let data = STANDARD
            .decode(field(1))
            .map_err(|_| invalid("data is not valid base64"))?;
        let iv = STANDARD
            .decode(field(2))
            .map_err(|_| invalid("iv is not valid base64"))?;
        let tag = STANDARD
            .decode(field(3))
            .map_err(|_| invalid("tag is not valid base64"))?;
        Ok(EncryptedValue {
            data,
            iv,
            tag,
            value_type: field(4).to_string(),
        })
    }

    /// The textual form.
    pub fn format(&self) -> String {
        format!(
            "ENC[AES256_GCM,data:{},iv:{},tag:{},type:{}]",
            STANDARD.encode(&self.data),
            STANDARD.encode(&self.iv),
            STANDARD.encode(&self.tag),
            self.value_type
        )
    }
}

fn open_with<N: ArrayLength<u8>>(key: &[u8; 32], ev: &EncryptedValue, aad: &[u8]) -> Option<Vec<u8>> {
    let cipher = AesGcm::<Aes256, N>::new_from_slice(key).ok()?;
    let nonce = aes_gcm::aead::generic_array::GenericArray::from_slice(&ev.iv);
    let mut msg = Vec::with_capacity(ev.data.len() + ev.tag.len());
    msg.extend_from_slice(&ev.data);
    msg.extend_from_slice(&ev.tag);
    cipher.decrypt(nonce, Payload { msg: &msg, aad }).ok()
}

/// Decrypt the raw bytes of a value. `aad` is the sops path string (`a:b:c:`).
pub fn open(key: &[u8; 32], ev: &EncryptedValue, aad: &str) -> Result<Vec<u8>> {
    let path = aad.trim_end_matches(':').to_string();
    if ev.tag.len() != TAG_LEN {
        return Err(SopsError::InvalidValue {
            path,
            reason: format!("tag must be {TAG_LEN} bytes, got {}", ev.tag.len()),
        });
    }
    let out = match ev.iv.len() {
        32 => open_with::<U32>(key, ev, aad.as_bytes()),
        16 => open_with::<U16>(key, ev, aad.as_bytes()),
        12 => open_with::<U12>(key, ev, aad.as_bytes()),
        n => {
            return Err(SopsError::InvalidValue {
                path,
                reason: format!("unsupported iv length {n}"),
            });
        }
    };
    out.ok_or(SopsError::Authentication { path })
}

/// Encrypt raw bytes with a fresh random 32-byte IV.
pub fn seal(key: &[u8; 32], plaintext: &[u8], aad: &str, value_type: &str) -> Result<EncryptedValue> {
    let mut iv = [0u8; IV_LEN];
    rand::rngs::OsRng.fill_bytes(&mut iv);
    seal_with_iv(key, &iv, plaintext, aad, value_type)
}

/// Encrypt raw bytes with the given 32-byte IV (tests and re-encryption use this).
pub fn seal_with_iv(
    key: &[u8; 32],
    iv: &[u8; IV_LEN],
    plaintext: &[u8],
    aad: &str,
    value_type: &str,
) -> Result<EncryptedValue> {
    let cipher =
        AesGcm::<Aes256, U32>::new_from_slice(key).map_err(|_| SopsError::Encrypt("invalid data key length".into()))?;
    let nonce = aes_gcm::aead::generic_array::GenericArray::from_slice(iv);
    let mut out = cipher
        .encrypt(
            nonce,
            Payload {
                msg: plaintext,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| SopsError::Encrypt("AES-GCM encryption failed".into()))?;
    let tag = out.split_off(out.len() - TAG_LEN);
    Ok(EncryptedValue {
        data: out,
        iv: iv.to_vec(),
        tag,
        value_type: value_type.to_string(),
    })
}

fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Decrypt a sops value string into a typed value (sops' `Cipher.Decrypt`). An empty string
/// decrypts to an empty string.
pub fn decrypt_value(key: &[u8; 32], text: &str, aad: &str) -> Result<Value> {
    if text.is_empty() {
        return Ok(Value::Str(String::new()));
    }
    let path = aad.trim_end_matches(':');
    let ev = EncryptedValue::parse(text, path)?;
    let plain = open(key, &ev, aad)?;
    let type_err = || SopsError::ValueType {
        path: path.to_string(),
        value_type: ev.value_type.clone(),
    };
    if ev.value_type == "bytes" {
        return Ok(Value::Bytes(plain));
    }
    let s = match String::from_utf8(plain) {
        Ok(s) => s,
        // sops keeps strings as Go strings, which may hold any bytes (binary files).
        Err(e) if ev.value_type == "str" => return Ok(Value::Bytes(e.into_bytes())),
        Err(_) => return Err(type_err()),
    };
    Ok(match ev.value_type.as_str() {
        "str" => Value::Str(s),
        "int" | "int64" => Value::Int(s.parse::<i64>().map_err(|_| type_err())?),
        "float" => Value::Float(s.parse::<f64>().map_err(|_| type_err())?),
        "bool" => Value::Bool(parse_go_bool(&s).ok_or_else(type_err)?),
        "comment" => Value::Comment(s),
        _ => return Err(type_err()),
    })
}

/// Encrypt a scalar (sops' `Cipher.Encrypt`); empty strings stay empty.
pub fn encrypt_value(key: &[u8; 32], value: &Value, aad: &str) -> Result<String> {
    let (bytes, ty): (Vec<u8>, &str) = match value {
        Value::Str(s) if s.is_empty() => return Ok(String::new()),
        Value::Comment(s) if s.is_empty() => return Ok(String::new()),
        Value::Str(s) => (s.as_bytes().to_vec(), "str"),
        Value::Bytes(b) if b.is_empty() => return Ok(String::new()),
        Value::Bytes(b) => (b.clone(), "str"),
        Value::Int(_) => (value.to_sops_bytes().unwrap_or_default(), "int"),
        Value::Float(_) => (value.to_sops_bytes().unwrap_or_default(), "float"),
        Value::Bool(_) => (value.to_sops_bytes().unwrap_or_default(), "bool"),
        Value::Comment(s) => (s.as_bytes().to_vec(), "comment"),
        Value::Null | Value::Map(_) | Value::Seq(_) => {
            return Err(SopsError::Encrypt(format!(
                "value at '{}' is not a scalar",
                aad.trim_end_matches(':')
            )));
        }
    };
    Ok(seal(key, &bytes, aad, ty)?.format())
}
