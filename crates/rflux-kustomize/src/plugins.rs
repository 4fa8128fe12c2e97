//! `generators:` and `transformers:` entries naming kustomize's built-in plugins
//! (`apiVersion: builtin`): each configuration is mapped onto the kustomization field that
//! does the same job and run with it. Exec and KRM-function plugins are refused.

use serde_json::{Map, Value, json};

use crate::error::Error;
use crate::fs::Root;
use crate::kustomization::{Kustomization, strict_string_map};
use crate::resource::Resource;
use crate::transform::{annotations, labels, namespace, prefix};
use crate::{generator, patch, replacements, yaml};

/// Loads the plugin configurations an entry names: a file, or inline YAML.
fn configs(k: &Kustomization, root: &Root, field: &str, entry: &str) -> Result<Vec<Value>, Error> {
    let what = format!("{field}: {}", entry.lines().next().unwrap_or(""));
    let text = if entry.contains('\n') {
        entry.to_string()
    } else {
        let path = root.resolve(&k.path, &k.dir, field, entry)?;
        if path.is_dir() {
            return Err(Error::entry(
                &k.path,
                what,
                "plugin configurations from a kustomization directory are not supported",
            ));
        }
        crate::fs::read_text(&k.path, &what, &path)?
    };
    let docs = yaml::parse_stream(&text).map_err(|e| Error::entry(&k.path, &what, format!("invalid YAML: {e}")))?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

/// A kustomization with only `raw` set, resolving paths like `k`.
fn synthetic(k: &Kustomization, raw: Value) -> Kustomization {
    Kustomization {
        path: k.path.clone(),
        dir: k.dir.clone(),
        is_component: false,
        raw: match raw {
            Value::Object(m) => m,
            _ => Map::new(),
        },
    }
}

fn field_specs(v: Option<&Value>) -> Vec<crate::config::FieldSpec> {
    let Some(Value::Array(items)) = v else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(Value::as_object)
        .map(|m| {
            let s = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
            crate::config::FieldSpec {
                group: s("group"),
                version: s("version"),
                kind: s("kind"),
                path: s("path").unwrap_or_default(),
                create: m.get("create").and_then(Value::as_bool).unwrap_or(false),
            }
        })
        .collect()
}

fn kind_of(k: &Kustomization, what: &str, c: &Value) -> Result<String, Error> {
    let api = c.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = c.get("kind").and_then(Value::as_str).unwrap_or("");
    if api != "builtin" {
        return Err(Error::entry(
            &k.path,
            what,
            format!("plugin {api}/{kind} is not supported (only kustomize's built-in plugins are)"),
        ));
    }
    Ok(kind.to_string())
}

/// Runs the `generators:` field.
pub(crate) fn run_generators(k: &Kustomization, root: &Root, resources: &mut Vec<Resource>) -> Result<(), Error> {
    for entry in k.strings("generators")? {
        let what = format!("generators: {}", entry.lines().next().unwrap_or(""));
        for c in configs(k, root, "generators", &entry)? {
            let kind = kind_of(k, &what, &c)?;
            let field = match kind.as_str() {
                "ConfigMapGenerator" => "configMapGenerator",
                "SecretGenerator" => "secretGenerator",
                other => {
                    return Err(Error::entry(&k.path, &what, format!("unsupported generator {other}")));
                }
            };
            let mut gen_entry = Map::new();
            if let Some(Value::Object(c)) = Some(&c) {
                for (key, v) in c {
                    match key.as_str() {
                        "apiVersion" | "kind" => {}
                        "metadata" => {
                            for f in ["name", "namespace"] {
                                if let Some(x) = v.get(f) {
                                    gen_entry.insert(f.into(), x.clone());
                                }
                            }
                        }
                        _ => {
                            gen_entry.insert(key.clone(), v.clone());
                        }
                    }
                }
            }
            let syn = synthetic(k, json!({ field: [Value::Object(gen_entry)] }));
            generator::run(&syn, root, resources)?;
        }
    }
    Ok(())
}

/// Runs the `transformers:` field.
pub(crate) fn run_transformers(k: &Kustomization, root: &Root, resources: &mut Vec<Resource>) -> Result<(), Error> {
    for entry in k.strings("transformers")? {
        let what = format!("transformers: {}", entry.lines().next().unwrap_or(""));
        for c in configs(k, root, "transformers", &entry)? {
            let kind = kind_of(k, &what, &c)?;
            let pairs = |key: &str| -> Result<Vec<(String, String)>, Error> {
                match c.get(key) {
                    Some(v) => strict_string_map(v).map_err(|m| Error::entry(&k.path, &what, m)),
                    None => Ok(Vec::new()),
                }
            };
            match kind.as_str() {
                "LabelTransformer" => {
                    labels::apply_custom(resources, &pairs("labels")?, &field_specs(c.get("fieldSpecs")));
                }
                "AnnotationsTransformer" => {
                    annotations::apply_custom(resources, &pairs("annotations")?, &field_specs(c.get("fieldSpecs")));
                }
                "NamespaceTransformer" => {
                    let ns = c
                        .get("metadata")
                        .and_then(|m| m.get("namespace"))
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    if !ns.is_empty() {
                        namespace::apply(resources, ns);
                    }
                }
                "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer" => {
                    let s = |f: &str| c.get(f).and_then(Value::as_str).unwrap_or("").to_string();
                    prefix::apply(resources, &s("prefix"), &s("suffix"));
                }
                "PatchTransformer" => {
                    let mut p = Map::new();
                    for f in ["patch", "path", "target", "options"] {
                        if let Some(v) = c.get(f) {
                            p.insert(f.into(), v.clone());
                        }
                    }
                    let syn = synthetic(k, json!({ "patches": [Value::Object(p)] }));
                    patch::run_patches(&syn, root, resources)?;
                }
                "PatchStrategicMergeTransformer" => {
                    let mut list: Vec<Value> = match c.get("paths") {
                        Some(Value::Array(a)) => a.clone(),
                        _ => Vec::new(),
                    };
                    if let Some(Value::String(inline)) = c.get("patches") {
                        list.push(Value::String(inline.clone()));
                    }
                    let syn = synthetic(k, json!({ "patchesStrategicMerge": list }));
                    patch::run_strategic_merge(&syn, root, resources)?;
                }
                "PatchJson6902Transformer" => {
                    let mut p = Map::new();
                    if let Some(t) = c.get("target") {
                        p.insert("target".into(), t.clone());
                    }
                    if let Some(path) = c.get("path") {
                        p.insert("path".into(), path.clone());
                    }
                    if let Some(op) = c.get("jsonOp") {
                        p.insert("patch".into(), op.clone());
                    }
                    let syn = synthetic(k, json!({ "patchesJson6902": [Value::Object(p)] }));
                    patch::run_json6902(&syn, root, resources)?;
                }
                "ImageTagTransformer" => {
                    let tag = c.get("imageTag").cloned().unwrap_or(Value::Null);
                    let syn = synthetic(k, json!({ "images": [tag] }));
                    crate::build::run_images(&syn, resources)?;
                }
                "ReplicaCountTransformer" => {
                    let replica = c.get("replica").cloned().unwrap_or(Value::Null);
                    let syn = synthetic(k, json!({ "replicas": [replica] }));
                    crate::build::run_replicas(&syn, resources)?;
                }
                "ReplacementTransformer" => {
                    let reps = c.get("replacements").cloned().unwrap_or(Value::Array(Vec::new()));
                    let syn = synthetic(k, json!({ "replacements": reps }));
                    replacements::run(&syn, root, resources)?;
                }
                other => {
                    return Err(Error::entry(&k.path, &what, format!("unsupported transformer {other}")));
                }
            }
        }
    }
    Ok(())
}
