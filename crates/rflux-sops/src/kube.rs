//! Decryption as the Flux kustomize controller applies it: whole objects carrying `sops`
//! metadata, Secret `data` entries that are base64 of whole sops documents, and generator
//! input files; objects annotated `kustomize.toolkit.fluxcd.io/decrypt: Disabled` are skipped.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::document::{DecryptOptions, decrypt_branches};
use crate::error::{Result, SopsError};
use crate::formats::{self, Format};
use crate::keys::Keyring;
use crate::tree::{Branch, Item, Key, Value};

/// The annotation that turns decryption off for one object.
pub const DECRYPT_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/decrypt";

/// Options for decrypting objects after a build.
#[derive(Debug, Clone, Default)]
pub struct KubeDecryptOptions {
    /// Verify the sops MAC. Off by default: kustomize changes unencrypted values (names,
    /// namespaces, labels) that the MAC covers; each value is still authenticated by AES-GCM.
    pub verify_mac: bool,
}

fn to_tree(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Array(a) => Value::Seq(a.iter().map(to_tree).collect()),
        serde_json::Value::Object(o) => Value::Map(o.iter().map(|(k, v)| Item::new(k.clone(), to_tree(v))).collect()),
    }
}

fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null | Value::Comment(_) => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 {
                serde_json::Value::from(*f as i64)
            } else {
                serde_json::Number::from_f64(*f)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::Null)
            }
        }
        Value::Str(s) => serde_json::Value::String(s.clone()),
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => serde_json::Value::String(s.to_string()),
            Err(_) => serde_json::Value::String(STANDARD.encode(b)),
        },
        Value::Seq(items) => serde_json::Value::Array(
            items
                .iter()
                .filter(|v| !matches!(v, Value::Comment(_)))
                .map(to_json)
                .collect(),
        ),
        Value::Map(items) => {
            let mut m = serde_json::Map::new();
            for it in items {
                if let Key::Str(k) = &it.key {
                    m.insert(k.clone(), to_json(&it.value));
                }
            }
            serde_json::Value::Object(m)
        }
    }
}

fn is_disabled(obj: &serde_json::Value) -> bool {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(DECRYPT_ANNOTATION))
        .and_then(|v| v.as_str())
        .is_some_and(|v| v.eq_ignore_ascii_case("disabled"))
}

fn has_sops_mac(obj: &serde_json::Value) -> bool {
    match obj.get("sops").and_then(|s| s.get("mac")) {
        Some(serde_json::Value::String(s)) => !s.is_empty(),
        Some(serde_json::Value::Null) | None => false,
        Some(_) => true,
    }
}

/// The format Flux picks for a Secret data key or generator file name
/// (`.dockerconfigjson` is JSON; otherwise by extension, binary when unknown).
pub fn format_for_path(name: &str) -> Format {
    if name.ends_with(".dockerconfigjson") {
        return Format::Json;
    }
    Format::from_path(std::path::Path::new(name))
}

/// Detect the format of a whole sops document from the marker bytes Flux looks for.
pub fn detect_format(data: &[u8]) -> Option<Format> {
    let has = |m: &[u8]| data.windows(m.len()).any(|w| w == m);
    if has(b"\"mac\": \"ENC[") {
        Some(Format::Json)
    } else if has(b"sops_mac=ENC[") {
        Some(Format::Dotenv)
    } else if has(b"[sops]") {
        Some(Format::Ini)
    } else if has(b"mac: ENC[") {
        Some(Format::Yaml)
    } else {
        None
    }
}

fn marker_present(data: &[u8], format: Format) -> bool {
    let m: &[u8] = match format {
        Format::Json | Format::Binary => b"\"mac\": \"ENC[",
        Format::Dotenv => b"sops_mac=ENC[",
        Format::Ini => b"[sops]",
        Format::Yaml => b"mac: ENC[",
    };
    data.windows(m.len()).any(|w| w == m)
}

/// Decrypt a sops document read in `input_format` and write it in `output_format`.
pub fn decrypt_with_formats(
    data: &[u8],
    input_format: Format,
    output_format: Format,
    keys: &Keyring,
    opts: &DecryptOptions,
) -> Result<Vec<u8>> {
    let branches = formats::load_branches(data, input_format)?;
    let (branches, md) = formats::split_metadata(branches, input_format)?;
    let md = md.ok_or(SopsError::MetadataNotFound)?;
    let d = decrypt_branches(branches, md, keys, opts)?;
    formats::emit_plain(&d.branches, output_format)
}

fn object_id(obj: &serde_json::Value) -> (String, String) {
    let kind = obj.get("kind").and_then(|k| k.as_str()).unwrap_or("object").to_string();
    let ns = obj
        .pointer("/metadata/namespace")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let name = obj.pointer("/metadata/name").and_then(|v| v.as_str()).unwrap_or("");
    (kind, format!("{ns}/{name}"))
}

/// Decrypt one object in place. Returns whether anything was decrypted.
pub fn decrypt_object(obj: &mut serde_json::Value, keys: &Keyring, opts: &KubeDecryptOptions) -> Result<bool> {
    if is_disabled(obj) {
        return Ok(false);
    }
    let dopts = DecryptOptions {
        verify_mac: opts.verify_mac,
        ..Default::default()
    };
    let wrap = |obj: &serde_json::Value, e: SopsError| {
        let (kind, name) = object_id(obj);
        SopsError::Object {
            kind,
            name,
            source: Box::new(e),
        }
    };
    if has_sops_mac(obj) {
        let Value::Map(items) = to_tree(obj) else {
            return Ok(false);
        };
        let branch: Branch = items;
        let result = formats::split_metadata(vec![branch], Format::Json).and_then(|(branches, md)| {
            let md = md.ok_or(SopsError::MetadataNotFound)?;
            decrypt_branches(branches, md, keys, &dopts)
        });
        let d = result.map_err(|e| wrap(obj, e))?;
        let first = d.branches.into_iter().next().unwrap_or_default();
        *obj = to_json(&Value::Map(first));
        tracing::debug!(object = %object_id(obj).1, "decrypted sops object");
        return Ok(true);
    }
    if obj.get("kind").and_then(|k| k.as_str()) != Some("Secret") {
        return Ok(false);
    }
    let mut changed = false;
    let mut updates = Vec::new();
    if let Some(serde_json::Value::Object(data)) = obj.get("data") {
        for (key, value) in data {
            let Some(text) = value.as_str() else { continue };
            let Ok(raw) = STANDARD.decode(text) else {
                continue;
            };
            let Some(in_format) = detect_format(&raw) else {
                continue;
            };
            let out_format = format_for_path(key);
            let plain = decrypt_with_formats(&raw, in_format, out_format, keys, &dopts).map_err(|e| {
                let (kind, name) = object_id(obj);
                SopsError::Object {
                    kind,
                    name: format!("{name} data field '{key}'"),
                    source: Box::new(e),
                }
            })?;
            updates.push((key.clone(), STANDARD.encode(plain)));
        }
    }
    if let Some(serde_json::Value::Object(data)) = obj.get_mut("data") {
        for (k, v) in updates {
            data.insert(k, serde_json::Value::String(v));
            changed = true;
        }
    }
    Ok(changed)
}

/// Decrypt every object of a build in place. Returns how many objects were changed.
pub fn decrypt_objects(objects: &mut [serde_json::Value], keys: &Keyring, opts: &KubeDecryptOptions) -> Result<usize> {
    let mut n = 0;
    for obj in objects.iter_mut() {
        if decrypt_object(obj, keys, opts)? {
            n += 1;
        }
    }
    Ok(n)
}

/// Decrypt a generator input file (secretGenerator/configMapGenerator `files`/`envs`, patch
/// files) as Flux does before the build reads it: the format comes from the name (env files
/// without a known extension are dotenv), files without the format's sops marker are returned
/// unchanged (`None`). The MAC is verified, as Flux does for files.
pub fn decrypt_file_by_path(name: &str, data: &[u8], is_env_source: bool, keys: &Keyring) -> Result<Option<Vec<u8>>> {
    let mut format = format_for_path(name);
    if is_env_source && format == Format::Binary {
        format = Format::Dotenv;
    }
    if !marker_present(data, format) {
        return Ok(None);
    }
    let out = decrypt_with_formats(data, format, format, keys, &DecryptOptions::default()).map_err(|e| {
        SopsError::Object {
            kind: "file".into(),
            name: name.to_string(),
            source: Box::new(e),
        }
    })?;
    Ok(Some(out))
}
