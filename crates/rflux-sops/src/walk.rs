//! Walking a tree to decrypt or encrypt every selected leaf while computing the MAC exactly
//! as sops does (SHA-512 over the plaintext of every leaf in document order, comments
//! excluded, uppercase hex).

use sha2::{Digest, Sha512};

use crate::cipher;
use crate::error::{Result, SopsError};
use crate::rules::CryptRules;
use crate::tree::{Branch, Item, Key, Value};

/// The fixed prefix of the MAC when `mac_only_encrypted` is set (sha256 of "sops").
pub const MAC_ONLY_ENCRYPTED_INIT: [u8; 32] = [
    0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b, 0x0b, 0x97, 0x5b,
    0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
];

type Leaf<'a> = dyn FnMut(&mut Value, &[String], &[Vec<String>]) -> Result<()> + 'a;

fn walk_value(v: &mut Value, path: &mut Vec<String>, stack: &mut Vec<Vec<String>>, f: &mut Leaf) -> Result<()> {
    match v {
        Value::Null => Ok(()),
        Value::Map(items) => walk_branch(items, path, stack, f),
        Value::Seq(items) => {
            stack.push(Vec::new());
            for item in items.iter_mut() {
                let is_comment = matches!(item, Value::Comment(_));
                if let Value::Comment(c) = item
                    && let Some(level) = stack.last_mut()
                {
                    level.push(c.clone());
                }
                walk_value(item, path, stack, f)?;
                if !is_comment && let Some(level) = stack.last_mut() {
                    level.clear();
                }
            }
            stack.pop();
            Ok(())
        }
        _ => f(v, path, stack),
    }
}

fn walk_branch(items: &mut [Item], path: &mut Vec<String>, stack: &mut Vec<Vec<String>>, f: &mut Leaf) -> Result<()> {
    stack.push(Vec::new());
    for item in items.iter_mut() {
        match &item.key {
            Key::Comment(c) => {
                if let Some(level) = stack.last_mut() {
                    level.push(c.clone());
                }
                let mut as_value = Value::Comment(c.clone());
                f(&mut as_value, path, stack)?;
                item.key = match as_value {
                    Value::Comment(s) | Value::Str(s) => Key::Comment(s),
                    _ => item.key.clone(),
                };
            }
            Key::Str(k) => {
                let is_comment = matches!(item.value, Value::Comment(_));
                if let Value::Comment(c) = &item.value
                    && let Some(level) = stack.last_mut()
                {
                    level.push(c.clone());
                }
                path.push(k.clone());
                let r = walk_value(&mut item.value, path, stack, f);
                path.pop();
                r?;
                if !is_comment && let Some(level) = stack.last_mut() {
                    level.clear();
                }
            }
        }
    }
    stack.pop();
    Ok(())
}

fn walk_all(branches: &mut [Branch], f: &mut Leaf) -> Result<()> {
    for b in branches {
        walk_branch(b, &mut Vec::new(), &mut Vec::new(), f)?;
    }
    Ok(())
}

fn new_hasher(rules: &CryptRules) -> Sha512 {
    let mut h = Sha512::new();
    if rules.mac_only_encrypted {
        h.update(MAC_ONLY_ENCRYPTED_INIT);
    }
    h
}

fn aad_of(path: &[String]) -> String {
    let mut s = path.join(":");
    s.push(':');
    s
}

/// Decrypt every selected value in place; returns the MAC (uppercase hex SHA-512).
pub fn decrypt_tree(branches: &mut [Branch], key: &[u8; 32], rules: &CryptRules) -> Result<String> {
    let mut hasher = new_hasher(rules);
    let mut f = |v: &mut Value, path: &[String], stack: &[Vec<String>]| -> Result<()> {
        let is_comment = matches!(v, Value::Comment(_));
        let encrypted = rules.should_encrypt(path, stack, is_comment);
        if encrypted {
            let aad = aad_of(path);
            match v {
                Value::Comment(c) => {
                    if cipher::is_encrypted(c) {
                        match cipher::decrypt_value(key, c, &aad) {
                            Ok(Value::Comment(s)) | Ok(Value::Str(s)) => *v = Value::Comment(s),
                            _ => tracing::warn!(
                                path = %path.join(":"),
                                "found a comment that does not decrypt; keeping it as it is"
                            ),
                        }
                    }
                }
                Value::Str(s) => {
                    *v = cipher::decrypt_value(key, s, &aad)?;
                }
                _ => {
                    return Err(SopsError::InvalidValue {
                        path: path.join(":"),
                        reason: "expected an encrypted string, found a plain scalar".into(),
                    });
                }
            }
        }
        if (!rules.mac_only_encrypted || encrypted)
            && !matches!(v, Value::Comment(_))
            && let Some(bytes) = v.to_sops_bytes()
        {
            hasher.update(&bytes);
        }
        Ok(())
    };
    walk_all(branches, &mut f)?;
    Ok(hex::encode_upper(hasher.finalize()))
}

/// Encrypt every selected value in place; returns the MAC of the plaintext.
pub fn encrypt_tree(branches: &mut [Branch], key: &[u8; 32], rules: &CryptRules) -> Result<String> {
    let mut hasher = new_hasher(rules);
    let mut f = |v: &mut Value, path: &[String], stack: &[Vec<String>]| -> Result<()> {
        let is_comment = matches!(v, Value::Comment(_));
        let encrypted = rules.should_encrypt(path, stack, is_comment);
        if (!rules.mac_only_encrypted || encrypted)
            && !is_comment
            && let Some(bytes) = v.to_sops_bytes()
        {
            hasher.update(&bytes);
        }
        if encrypted {
            let aad = aad_of(path);
            let enc = cipher::encrypt_value(key, v, &aad)?;
            *v = if is_comment && !enc.is_empty() {
                // sops turns an encrypted comment into a string; map comments are turned
                // back into comment keys by the walker.
                Value::Str(enc)
            } else if is_comment {
                Value::Comment(String::new())
            } else {
                Value::Str(enc)
            };
        }
        Ok(())
    };
    walk_all(branches, &mut f)?;
    Ok(hex::encode_upper(hasher.finalize()))
}

/// Compute the MAC of a plaintext tree without changing it.
pub fn plaintext_mac(branches: &[Branch], rules: &CryptRules) -> Result<String> {
    let mut copy = branches.to_vec();
    let mut hasher = new_hasher(rules);
    let mut f = |v: &mut Value, path: &[String], stack: &[Vec<String>]| -> Result<()> {
        let is_comment = matches!(v, Value::Comment(_));
        let encrypted = rules.should_encrypt(path, stack, is_comment);
        if (!rules.mac_only_encrypted || encrypted)
            && !is_comment
            && let Some(bytes) = v.to_sops_bytes()
        {
            hasher.update(&bytes);
        }
        Ok(())
    };
    walk_all(&mut copy, &mut f)?;
    Ok(hex::encode_upper(hasher.finalize()))
}
