//! The patch fields of a kustomization: `patches` (strategic merge or JSON 6902, inline or
//! from a file, with target selectors and options), `patchesStrategicMerge` and
//! `patchesJson6902`.

pub(crate) mod select;
pub(crate) mod smp;

use serde_json::{Map, Value};

use crate::error::Error;
use crate::fs::Root;
use crate::kustomization::Kustomization;
use crate::resource::Resource;
use crate::yaml;
use select::Selector;

/// What a patch body is.
enum Body {
    Strategic(Vec<Value>),
    Json6902(json_patch::Patch),
}

/// Reads a patch body from inline text or a file.
fn load_body(
    k: &Kustomization,
    root: &Root,
    field: &str,
    inline: Option<&str>,
    path: Option<&str>,
    force_json: bool,
) -> Result<Body, Error> {
    let (what, text) = match (inline, path) {
        (Some(text), _) => (format!("{field}: {}", first_line(text)), text.to_string()),
        (None, Some(p)) => {
            let what = format!("{field}: {p}");
            let file = root.resolve(&k.path, &k.dir, field, p)?;
            (what.clone(), crate::fs::read_text(&k.path, &what, &file)?)
        }
        (None, None) => {
            return Err(Error::entry(&k.path, field, "a patch needs `patch` or `path`"));
        }
    };
    let docs =
        yaml::parse_stream(&text).map_err(|e| Error::entry(&k.path, &what, format!("invalid patch YAML: {e}")))?;
    let docs: Vec<Value> = docs.into_iter().filter(|d| !d.is_null()).collect();
    if force_json || matches!(docs.first(), Some(Value::Array(_))) {
        let ops = docs.into_iter().next().unwrap_or(Value::Array(Vec::new()));
        let patch: json_patch::Patch = serde_json::from_value(ops)
            .map_err(|e| Error::entry(&k.path, &what, format!("invalid JSON patch: {e}")))?;
        return Ok(Body::Json6902(patch));
    }
    for d in &docs {
        if !d.is_object() {
            return Err(Error::entry(
                &k.path,
                &what,
                "a strategic merge patch must be a mapping",
            ));
        }
    }
    Ok(Body::Strategic(docs))
}

fn first_line(s: &str) -> String {
    let line = s.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    if line.len() > 60 {
        format!(
            "{}…",
            &line[..line.char_indices().nth(60).map_or(line.len(), |(i, _)| i)]
        )
    } else {
        line.to_string()
    }
}

/// The resources a strategic merge patch without target applies to: same kind (and group
/// and version when given), one of the names the object had, and the namespace if given.
fn by_patch_id(resources: &[Resource], patch: &Value) -> Vec<usize> {
    let pg = crate::resource::Gvk::of(patch);
    let name = patch
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let ns = patch
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str);
    resources
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            let g = r.gvk();
            g.kind == pg.kind
                && (pg.group.is_empty() && pg.version.is_empty() || (g.group == pg.group && g.version == pg.version))
                && r.all_ids()
                    .iter()
                    .any(|(n, rns)| n == name && ns.is_none_or(|ns| crate::transform_ns_eq(ns, rns)))
        })
        .map(|(i, _)| i)
        .collect()
}

fn apply_strategic(
    resources: &mut Vec<Resource>,
    targets: &[usize],
    patch: &Value,
    allow_name_change: bool,
    allow_kind_change: bool,
) {
    let mut deleted = Vec::new();
    for &i in targets {
        let r = &mut resources[i];
        let old_name = r.name().to_string();
        let old_kind = r.kind().to_string();
        let mut p = patch.clone();
        // The patch's own name and kind do not rename the target unless allowed.
        if let Value::Object(pm) = &mut p {
            if !allow_kind_change {
                pm.remove("kind");
                pm.remove("apiVersion");
            }
            if !allow_name_change && let Some(Value::Object(md)) = pm.get_mut("metadata") {
                md.remove("name");
                md.remove("namespace");
            }
        }
        let before = r.obj.clone();
        match smp::apply(&mut r.obj, &p) {
            smp::Merged::Delete => deleted.push(i),
            smp::Merged::Keep => {
                let new_name = r.name().to_string();
                if new_name != old_name {
                    r.prev_ids.push((
                        old_name,
                        before
                            .get("metadata")
                            .and_then(|m| m.get("namespace"))
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                    ));
                }
                let _ = old_kind;
            }
        }
    }
    deleted.sort_unstable();
    for i in deleted.into_iter().rev() {
        resources.remove(i);
    }
}

fn apply_json(
    k: &Kustomization,
    what: &str,
    resources: &mut [Resource],
    targets: &[usize],
    patch: &json_patch::Patch,
) -> Result<(), Error> {
    for &i in targets {
        let r = &mut resources[i];
        let old_name = r.name().to_string();
        let old_ns = r.namespace().to_string();
        json_patch::patch(&mut r.obj, patch)
            .map_err(|e| Error::entry(&k.path, what, format!("applying to {}: {e}", r.id_string())))?;
        if r.name() != old_name {
            r.prev_ids.push((old_name, old_ns));
        }
    }
    Ok(())
}

fn options(m: &Map<String, Value>) -> (bool, bool) {
    let o = m.get("options");
    let get = |k: &str| o.and_then(|o| o.get(k)).and_then(Value::as_bool).unwrap_or(false);
    (get("allowNameChange"), get("allowKindChange"))
}

/// `patchesStrategicMerge`.
pub(crate) fn run_strategic_merge(k: &Kustomization, root: &Root, resources: &mut Vec<Resource>) -> Result<(), Error> {
    for entry in k.strings("patchesStrategicMerge")? {
        let inline = entry.contains('\n') || (!k.dir.join(&entry).exists() && entry.contains(':'));
        let body = if inline {
            load_body(k, root, "patchesStrategicMerge", Some(&entry), None, false)?
        } else {
            load_body(k, root, "patchesStrategicMerge", None, Some(&entry), false)?
        };
        let what = format!("patchesStrategicMerge: {}", first_line(&entry));
        match body {
            Body::Strategic(docs) => {
                for doc in docs {
                    let targets = by_patch_id(resources, &doc);
                    if targets.is_empty() {
                        return Err(Error::entry(
                            &k.path,
                            &what,
                            format!("no resource matches strategic merge patch {}", patch_id(&doc)),
                        ));
                    }
                    apply_strategic(resources, &targets, &doc, false, false);
                }
            }
            Body::Json6902(p) => {
                return Err(Error::entry(
                    &k.path,
                    &what,
                    format!("a JSON patch needs a target ({} operations)", p.0.len()),
                ));
            }
        }
    }
    Ok(())
}

fn patch_id(doc: &Value) -> String {
    let r = Resource::new(doc.clone());
    format!("{} {}", r.kind(), r.name())
}

/// `patches`.
pub(crate) fn run_patches(k: &Kustomization, root: &Root, resources: &mut Vec<Resource>) -> Result<(), Error> {
    for entry in k.objects("patches")? {
        for key in entry.keys() {
            if !["path", "patch", "target", "options"].contains(&key.as_str()) {
                return Err(Error::entry(
                    &k.path,
                    "patches",
                    format!("json: unknown field \"{key}\""),
                ));
            }
        }
        let inline = entry.get("patch").and_then(Value::as_str);
        let path = entry.get("path").and_then(Value::as_str);
        let what = match (inline, path) {
            (Some(t), _) => format!("patches: {}", first_line(t)),
            (None, Some(p)) => format!("patches: {p}"),
            _ => "patches".to_string(),
        };
        if inline.is_some() && path.is_some() {
            return Err(Error::entry(&k.path, &what, "patch and path cannot both be set"));
        }
        let body = load_body(k, root, "patches", inline, path, false)?;
        let (allow_name, allow_kind) = options(&entry);
        let selector = match entry.get("target") {
            Some(Value::Object(t)) => Some(Selector::parse(t).map_err(|m| Error::entry(&k.path, &what, m))?),
            None | Some(Value::Null) => None,
            Some(_) => return Err(Error::entry(&k.path, &what, "target must be a mapping")),
        };
        match body {
            Body::Strategic(docs) => {
                for doc in docs {
                    let targets: Vec<usize> = match &selector {
                        Some(sel) => (0..resources.len()).filter(|&i| sel.matches(&resources[i])).collect(),
                        None => {
                            let t = by_patch_id(resources, &doc);
                            if t.is_empty() {
                                return Err(Error::entry(
                                    &k.path,
                                    &what,
                                    format!("no resource matches strategic merge patch {}", patch_id(&doc)),
                                ));
                            }
                            t
                        }
                    };
                    apply_strategic(resources, &targets, &doc, allow_name, allow_kind);
                }
            }
            Body::Json6902(p) => {
                let Some(sel) = &selector else {
                    return Err(Error::entry(&k.path, &what, "a JSON patch needs a target"));
                };
                let targets: Vec<usize> = (0..resources.len()).filter(|&i| sel.matches(&resources[i])).collect();
                apply_json(k, &what, resources, &targets, &p)?;
            }
        }
    }
    Ok(())
}

/// `patchesJson6902`.
pub(crate) fn run_json6902(k: &Kustomization, root: &Root, resources: &mut [Resource]) -> Result<(), Error> {
    for entry in k.objects("patchesJson6902")? {
        let inline = entry.get("patch").and_then(Value::as_str);
        let path = entry.get("path").and_then(Value::as_str);
        let what = match (inline, path) {
            (Some(t), _) => format!("patchesJson6902: {}", first_line(t)),
            (None, Some(p)) => format!("patchesJson6902: {p}"),
            _ => "patchesJson6902".to_string(),
        };
        let Some(Value::Object(t)) = entry.get("target") else {
            return Err(Error::entry(&k.path, &what, "a JSON patch needs a target"));
        };
        let sel = Selector::parse(t).map_err(|m| Error::entry(&k.path, &what, m))?;
        let body = load_body(k, root, "patchesJson6902", inline, path, true)?;
        if let Body::Json6902(p) = body {
            let targets: Vec<usize> = (0..resources.len()).filter(|&i| sel.matches(&resources[i])).collect();
            apply_json(k, &what, resources, &targets, &p)?;
        }
    }
    Ok(())
}
