//! `configMapGenerator` and `secretGenerator`: objects from literals, files and env files,
//! with generator options, merge/replace behavior against existing objects, and
//! kustomize's content-hash name suffix.

use std::path::Path;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::fs::{GeneratorSource, Root};
use crate::kustomization::{Kustomization, scalar_string, strict_string_map};
use crate::resource::Resource;

/// Options from `generatorOptions` merged with an entry's `options`.
#[derive(Default, Clone)]
struct Options {
    labels: Vec<(String, String)>,
    annotations: Vec<(String, String)>,
    disable_hash: bool,
    immutable: bool,
}

fn read_options(k: &Kustomization, what: &str, v: Option<&Value>) -> Result<Options, Error> {
    let mut o = Options::default();
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(o);
    };
    let Value::Object(m) = v else {
        return Err(Error::entry(&k.path, what, "options must be a mapping"));
    };
    for (key, val) in m {
        match key.as_str() {
            "labels" => o.labels = strict_string_map(val).map_err(|m| Error::entry(&k.path, what, m))?,
            "annotations" => o.annotations = strict_string_map(val).map_err(|m| Error::entry(&k.path, what, m))?,
            "disableNameSuffixHash" => o.disable_hash = val.as_bool().unwrap_or(false),
            "immutable" => o.immutable = val.as_bool().unwrap_or(false),
            other => {
                return Err(Error::entry(&k.path, what, format!("json: unknown field \"{other}\"")));
            }
        }
    }
    Ok(o)
}

fn merge_options(local: Options, global: &Options) -> Options {
    let mut out = local;
    for (k, v) in &global.labels {
        if !out.labels.iter().any(|(lk, _)| lk == k) {
            out.labels.push((k.clone(), v.clone()));
        }
    }
    for (k, v) in &global.annotations {
        if !out.annotations.iter().any(|(lk, _)| lk == k) {
            out.annotations.push((k.clone(), v.clone()));
        }
    }
    out.disable_hash |= global.disable_hash;
    out.immutable |= global.immutable;
    out
}

/// kustomize's literal source: `key=value`, surrounding quotes on the value removed.
fn parse_literal(s: &str) -> Option<(String, String)> {
    let (k, v) = s.split_once('=')?;
    if k.is_empty() {
        return None;
    }
    let v = if v.len() >= 2 && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        &v[1..v.len() - 1]
    } else {
        v
    };
    Some((k.to_string(), v.to_string()))
}

fn parse_env_file(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let mut line = raw.strip_suffix('\r').unwrap_or(raw);
        if i == 0 {
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => {
                let v = std::env::var(line).unwrap_or_default();
                (line.to_string(), v)
            }
        };
        out.push((key, value));
    }
    Ok(out)
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// kyaml's Secret/binaryData encoding: base64, wrapped every 70 characters (each line
/// ending in a newline) once the encoding is 70 characters or longer.
fn base64_wrapped(data: &[u8]) -> String {
    const LINE: usize = 70;
    let enc = base64(data);
    if enc.len() < LINE {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + enc.len() / LINE + 1);
    let bytes = enc.as_bytes();
    for chunk in bytes.chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Runs both generators of a kustomization against the resources accumulated so far.
pub(crate) fn run(k: &Kustomization, root: &Root, resources: &mut Vec<Resource>) -> Result<(), Error> {
    let global = read_options(k, "generatorOptions", k.get("generatorOptions"))?;
    for (field, kind) in [("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")] {
        for entry in k.objects(field)? {
            generate_one(k, root, resources, field, kind, &entry, &global)?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn generate_one(
    k: &Kustomization,
    root: &Root,
    resources: &mut Vec<Resource>,
    field: &str,
    kind: &str,
    entry: &Map<String, Value>,
    global: &Options,
) -> Result<(), Error> {
    let name = entry.get("name").and_then(Value::as_str).unwrap_or("").to_string();
    let what = format!("{field}: {name}");
    for key in entry.keys() {
        let known = [
            "name",
            "namespace",
            "behavior",
            "literals",
            "files",
            "envs",
            "env",
            "options",
            "type",
            "kvSources",
        ];
        if !known.contains(&key.as_str()) {
            return Err(Error::entry(&k.path, &what, format!("json: unknown field \"{key}\"")));
        }
    }
    if name.is_empty() {
        return Err(Error::entry(&k.path, &what, "a generator needs a name"));
    }
    let namespace = entry.get("namespace").and_then(Value::as_str).unwrap_or("").to_string();
    let behavior = entry
        .get("behavior")
        .and_then(Value::as_str)
        .unwrap_or("create")
        .to_string();
    // kustomize treats an unknown behavior as `create`.
    let behavior = if ["merge", "replace"].contains(&behavior.as_str()) {
        behavior
    } else {
        "create".to_string()
    };
    let options = merge_options(read_options(k, &what, entry.get("options"))?, global);
    let mut data: Vec<(String, String)> = Vec::new();
    let mut binary: Vec<(String, String)> = Vec::new();
    let add = |key: String, value: String, data: &mut Vec<(String, String)>| -> Result<(), Error> {
        if data.iter().any(|(k2, _)| *k2 == key) {
            return Err(Error::entry(
                &k.path,
                &what,
                format!("configmap {name} illegally repeats the key `{key}`"),
            ));
        }
        data.push((key, value));
        Ok(())
    };
    let list = |f: &str| -> Result<Vec<String>, Error> {
        match entry.get(f) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    scalar_string(v).ok_or_else(|| {
                        Error::entry(&k.path, format!("{field}: {name}"), format!("{f} must be strings"))
                    })
                })
                .collect(),
            Some(Value::String(s)) if f == "env" => Ok(vec![s.clone()]),
            Some(_) => Err(Error::entry(
                &k.path,
                format!("{field}: {name}"),
                format!("{f} must be a list"),
            )),
        }
    };
    let mut env_files = list("envs")?;
    if let Some(Value::String(s)) = entry.get("env") {
        env_files.insert(0, s.clone());
    }
    for env in env_files {
        let path = root.resolve(&k.path, &k.dir, field, &env)?;
        let text = if kind == "Secret" {
            let bytes = root.read_generator_source(&k.path, &what, &path, GeneratorSource::Env)?;
            String::from_utf8(bytes)
                .map_err(|_| Error::entry(&k.path, &what, format!("{} is not UTF-8", path.display())))?
        } else {
            crate::fs::read_text(&k.path, &what, &path)?
        };
        let pairs = parse_env_file(&text).map_err(|m| Error::entry(&k.path, format!("{what}: {env}"), m))?;
        for (key, value) in pairs {
            add(key, value, &mut data)?;
        }
    }
    for lit in list("literals")? {
        let (key, value) = parse_literal(&lit)
            .ok_or_else(|| Error::entry(&k.path, format!("{what}: {lit}"), "literal must be key=value"))?;
        add(key, value, &mut data)?;
    }
    for file in list("files")? {
        let (key, rel) = match file.split_once('=') {
            Some((key, rel)) => {
                if key.is_empty() || rel.is_empty() {
                    return Err(Error::entry(
                        &k.path,
                        format!("{what}: {file}"),
                        "key or file path is missing",
                    ));
                }
                (key.to_string(), rel.to_string())
            }
            None => {
                let base = Path::new(&file)
                    .file_name()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default();
                (base, file.clone())
            }
        };
        let path = root.resolve(&k.path, &k.dir, field, &rel)?;
        if path.is_dir() {
            return Err(Error::entry(&k.path, format!("{what}: {file}"), "is a directory"));
        }
        let bytes = if kind == "Secret" {
            root.read_generator_source(&k.path, &what, &path, GeneratorSource::File)?
        } else {
            crate::fs::read_bytes(&k.path, &what, &path)?
        };
        if kind == "Secret" {
            let enc = base64_wrapped(&bytes);
            add(key, enc, &mut data)?;
        } else {
            match String::from_utf8(bytes) {
                Ok(text) => add(key, text, &mut data)?,
                Err(e) => {
                    let enc = base64_wrapped(e.as_bytes());
                    if data.iter().any(|(k2, _)| *k2 == key) || binary.iter().any(|(k2, _)| *k2 == key) {
                        return Err(Error::entry(&k.path, &what, format!("repeated key `{key}`")));
                    }
                    binary.push((key, enc));
                }
            }
        }
    }
    if kind == "Secret" {
        // Literals and env values are stored base64-encoded; file contents already are.
        let file_keys = list("files")?.len();
        let literal_count = data.len() - file_keys.min(data.len());
        for (_, v) in data.iter_mut().take(literal_count) {
            *v = base64_wrapped(v.as_bytes());
        }
    }
    let mut metadata = Map::new();
    metadata.insert("name".into(), Value::String(name.clone()));
    if !namespace.is_empty() {
        metadata.insert("namespace".into(), Value::String(namespace.clone()));
    }
    if !options.labels.is_empty() {
        metadata.insert("labels".into(), pairs_to_map(&options.labels));
    }
    if !options.annotations.is_empty() {
        metadata.insert("annotations".into(), pairs_to_map(&options.annotations));
    }
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), Value::String("v1".into()));
    obj.insert("kind".into(), Value::String(kind.into()));
    obj.insert("metadata".into(), Value::Object(metadata));
    if !data.is_empty() {
        obj.insert("data".into(), pairs_to_map(&data));
    }
    if !binary.is_empty() {
        obj.insert("binaryData".into(), pairs_to_map(&binary));
    }
    if kind == "Secret" {
        let ty = entry.get("type").and_then(Value::as_str).unwrap_or("Opaque");
        obj.insert("type".into(), Value::String(ty.into()));
    }
    if options.immutable {
        obj.insert("immutable".into(), Value::Bool(true));
    }
    let mut generated = Resource::new(Value::Object(obj));
    generated.origin = Some(crate::resource::Origin::Generator(
        k.path.clone(),
        if kind == "Secret" {
            "SecretGenerator"
        } else {
            "ConfigMapGenerator"
        },
    ));
    generated.needs_hash = !options.disable_hash;
    generated.behavior = Some(behavior.clone());

    let existing = resources.iter().position(|r| {
        r.kind() == kind
            && r.all_ids()
                .iter()
                .any(|(n, ns)| *n == name && crate::transform_ns_eq(ns, &namespace))
    });
    match behavior.as_str() {
        "create" => {
            if existing.is_some() {
                return Err(Error::entry(
                    &k.path,
                    &what,
                    format!(
                        "cannot add {kind} {name}: an object with that id already exists (use behavior merge or replace)"
                    ),
                ));
            }
            resources.push(generated);
        }
        _ => {
            let Some(i) = existing else {
                return Err(Error::entry(
                    &k.path,
                    &what,
                    format!("id {kind}/{name} does not exist; cannot merge or replace"),
                ));
            };
            let base = &mut resources[i];
            if behavior == "replace" {
                for f in ["data", "binaryData"] {
                    if let Value::Object(o) = &mut base.obj {
                        o.remove(f);
                    }
                }
            }
            let new_obj = generated.obj;
            let base_obj = crate::resource::ensure_object(&mut base.obj);
            for f in ["data", "binaryData"] {
                if let Some(Value::Object(new_data)) = new_obj.get(f) {
                    let target = base_obj.entry(f).or_insert_with(|| Value::Object(Map::new()));
                    let target = crate::resource::ensure_object(target);
                    for (dk, dv) in new_data {
                        target.insert(dk.clone(), dv.clone());
                    }
                }
            }
            if let Some(Value::Object(md)) = new_obj.get("metadata") {
                for f in ["labels", "annotations"] {
                    if let Some(Value::Object(new_map)) = md.get(f) {
                        let bmd = base.metadata_mut();
                        let target = bmd.entry(f).or_insert_with(|| Value::Object(Map::new()));
                        let target = crate::resource::ensure_object(target);
                        for (dk, dv) in new_map {
                            target.insert(dk.clone(), dv.clone());
                        }
                    }
                }
            }
            if options.immutable
                && let Value::Object(o) = &mut base.obj
            {
                o.insert("immutable".into(), Value::Bool(true));
            }
            if options.disable_hash {
                base.needs_hash = false;
            }
        }
    }
    Ok(())
}

fn pairs_to_map(pairs: &[(String, String)]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.clone(), Value::String(v.clone()));
    }
    Value::Object(m)
}

/// Go `encoding/json` text of a value: map keys sorted, HTML characters escaped.
fn go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&crate::yaml::go_json_number(n)),
        Value::String(s) => {
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(item, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(&Value::String((*key).clone()), out);
                out.push(':');
                go_json(&m[key.as_str()], out);
            }
            out.push('}');
        }
    }
}

/// kustomize's content hash of a generated ConfigMap or Secret (10 characters).
pub(crate) fn content_hash(obj: &Value) -> String {
    let field = |f: &str| -> Value {
        match obj.get(f) {
            None | Some(Value::Null) => Value::String(String::new()),
            Some(v) => v.clone(),
        }
    };
    let mut m = Map::new();
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    m.insert("kind".into(), Value::String(kind.to_string()));
    // kustomize looks the name up with a path that never matches, so it is always "".
    m.insert("name".into(), Value::String(String::new()));
    m.insert("data".into(), field("data"));
    if kind == "Secret" {
        m.insert("type".into(), field("type"));
        if let Some(v @ Value::Object(_)) = obj.get("stringData") {
            m.insert("stringData".into(), v.clone());
        }
    } else if let Some(v @ Value::Object(_)) = obj.get("binaryData") {
        m.insert("binaryData".into(), v.clone());
    }
    let mut text = String::new();
    go_json(&Value::Object(m), &mut text);
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    hex.chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}
