//! The build: loads a kustomization, accumulates its resources (files, directories,
//! nested kustomizations), applies components, generators and transformers in kustomize's
//! order, then (at the top only) hash suffixes, name references, vars and sorting.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::Error;
use crate::fs::{FileFilter, Root, find_kustomization};
use crate::kustomization::Kustomization;
use crate::resource::Resource;
use crate::transform::{annotations, images, labels, nameref, namespace, prefix, replicas};
use crate::{generator, order, patch, replacements, vars, yaml};

struct Ctx<'f> {
    root: Root<'f>,
    /// Directories being built (cycle detection).
    stack: Vec<PathBuf>,
    /// Vars declared anywhere in the build.
    vars: Vec<vars::Var>,
    /// Field specs from `configurations` files seen so far.
    config: crate::config::Config,
}

/// Builds the kustomization in `dir`; every file must be inside `root`.
pub(crate) fn build(root: &Path, dir: &Path) -> Result<Vec<Value>, Error> {
    build_from(root, dir, None, None)
}

/// Builds `dir` with `top` (when given) standing for the kustomization file on disk, and
/// `filter` applied to `secretGenerator` sources.
pub(crate) fn build_from(
    root: &Path,
    dir: &Path,
    top: Option<Kustomization>,
    filter: Option<&dyn FileFilter>,
) -> Result<Vec<Value>, Error> {
    let mut ctx = Ctx {
        root: Root::new(root, filter)?,
        stack: Vec::new(),
        vars: Vec::new(),
        config: crate::config::Config::default(),
    };
    let dir = ctx.root.check_inside(dir)?;
    let k = match top {
        Some(k) => k,
        None => load_kustomization(&dir)?,
    };
    if k.is_component {
        return Err(Error::entry(
            &k.path,
            "kind",
            "a Component cannot be built directly; list it under `components`",
        ));
    }
    let mut resources = accumulate(&mut ctx, &k, Vec::new())?;
    for r in resources.iter_mut() {
        if r.needs_hash {
            let hash = generator::content_hash(&r.obj);
            let name = format!("{}-{hash}", r.name());
            r.set_name(&name);
        }
    }
    nameref::fix(&mut resources, &ctx.config.name_references);
    annotations_as_text(&mut resources);
    vars::resolve(&ctx.vars, &ctx.config.var_references, &mut resources)
        .map_err(|m| Error::entry(&k.path, "vars", m))?;
    sort(&k, &mut resources)?;
    build_metadata(&k, &mut resources)?;
    tracing::debug!(kustomization = %k.path.display(), objects = resources.len(), "built");
    Ok(resources.into_iter().map(|r| r.obj).collect())
}

fn sort(k: &Kustomization, resources: &mut [Resource]) -> Result<(), Error> {
    let Some(opts) = k.get("sortOptions") else {
        order::legacy(resources, None, None);
        return Ok(());
    };
    let order_name = opts.get("order").and_then(Value::as_str).unwrap_or("legacy");
    match order_name {
        "fifo" => Ok(()),
        "legacy" => {
            let list = |key: &str| -> Option<Vec<String>> {
                opts.get("legacySortOptions")
                    .and_then(|l| l.get(key))
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            };
            let first = list("orderFirst");
            let last = list("orderLast");
            order::legacy(resources, first.as_deref(), last.as_deref());
            Ok(())
        }
        other => Err(Error::entry(
            &k.path,
            "sortOptions",
            format!("the field sortOptions.order must be one of [fifo, legacy], got {other:?}"),
        )),
    }
}

fn build_metadata(k: &Kustomization, resources: &mut [Resource]) -> Result<(), Error> {
    for opt in k.strings("buildMetadata")? {
        match opt.as_str() {
            "managedByLabel" => {
                let pairs = vec![(
                    "app.kubernetes.io/managed-by".to_string(),
                    "kustomize-(devel)".to_string(),
                )];
                labels::apply(resources, &pairs, false, false);
            }
            "originAnnotations" => {
                for r in resources.iter_mut() {
                    let text = match &r.origin {
                        Some(crate::resource::Origin::File(p)) => {
                            format!("path: {}\n", relative(&k.dir, p))
                        }
                        Some(crate::resource::Origin::Generator(p, kind)) => format!(
                            "configuredIn: {}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {kind}\n",
                            relative(&k.dir, p)
                        ),
                        None => continue,
                    };
                    let md = r.metadata_mut();
                    let annos = md
                        .entry("annotations")
                        .or_insert_with(|| Value::Object(serde_json::Map::new()));
                    crate::resource::ensure_object(annos)
                        .insert("config.kubernetes.io/origin".into(), Value::String(text));
                }
            }
            "transformerAnnotations" => {
                return Err(Error::entry(
                    &k.path,
                    "buildMetadata: transformerAnnotations",
                    "transformerAnnotations are not supported by rflux's kustomize",
                ));
            }
            other => {
                return Err(Error::entry(
                    &k.path,
                    format!("buildMetadata: {other}"),
                    "unknown buildMetadata option",
                ));
            }
        }
    }
    Ok(())
}

fn load_kustomization(dir: &Path) -> Result<Kustomization, Error> {
    match find_kustomization(dir) {
        Err(m) => Err(Error::file(dir, m)),
        Ok(None) => Err(Error::file(
            dir,
            "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory",
        )),
        Ok(Some(path)) => Kustomization::load(&path),
    }
}

/// Loads the objects of one resource file.
fn load_file(k: &Kustomization, entry: &str, path: &Path) -> Result<Vec<Resource>, Error> {
    let what = format!("resources: {entry}");
    let text = crate::fs::read_text(&k.path, &what, path)?;
    let docs = yaml::parse_resources(&text).map_err(|source| Error::Yaml {
        file: path.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for doc in docs {
        match doc {
            Value::Null => {}
            Value::Object(ref m) => {
                let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
                if kind.ends_with("List")
                    && let Some(Value::Array(items)) = m.get("items")
                {
                    for item in items {
                        let mut r = check_object(k, &what, path, item.clone())?;
                        r.origin = Some(crate::resource::Origin::File(path.to_path_buf()));
                        out.push(r);
                    }
                    continue;
                }
                let mut r = check_object(k, &what, path, doc)?;
                r.origin = Some(crate::resource::Origin::File(path.to_path_buf()));
                out.push(r);
            }
            _ => {
                return Err(Error::entry(
                    &k.path,
                    what,
                    format!("{}: a document is not a mapping", path.display()),
                ));
            }
        }
    }
    Ok(out)
}

fn check_object(k: &Kustomization, what: &str, path: &Path, obj: Value) -> Result<Resource, Error> {
    let r = Resource::new(obj);
    if r.kind().is_empty() {
        return Err(Error::entry(
            &k.path,
            what,
            format!("{}: missing kind in an object", path.display()),
        ));
    }
    if r.name().is_empty() {
        return Err(Error::entry(
            &k.path,
            what,
            format!("{}: missing metadata.name in a {} object", path.display(), r.kind()),
        ));
    }
    Ok(r)
}

/// The identity kustomize refuses to see twice: group, version, kind, namespace, name.
fn id_key(r: &Resource) -> (String, String, String, String, String) {
    let g = r.gvk();
    let ns = if r.namespace().is_empty() {
        "default"
    } else {
        r.namespace()
    };
    (g.group, g.version, g.kind, ns.to_string(), r.name().to_string())
}

type IdSet = std::collections::HashSet<(String, String, String, String, String)>;

fn append(
    k: &Kustomization,
    what: &str,
    into: &mut Vec<Resource>,
    seen: &mut IdSet,
    new: Vec<Resource>,
) -> Result<(), Error> {
    for r in new {
        if !seen.insert(id_key(&r)) {
            return Err(Error::entry(
                &k.path,
                what,
                format!("may not add resource with an already registered id: {}", r.id_string()),
            ));
        }
        into.push(r);
    }
    Ok(())
}

fn load_child(
    ctx: &Ctx,
    parent: &Kustomization,
    what: &str,
    dir: &Path,
    component: bool,
) -> Result<Kustomization, Error> {
    if ctx.stack.iter().any(|d| d == dir) {
        return Err(Error::entry(
            &parent.path,
            what,
            format!("cycle detected: {} is already being built", dir.display()),
        ));
    }
    let k = match find_kustomization(dir) {
        Err(m) => return Err(Error::entry(&parent.path, what, m)),
        Ok(None) => {
            return Err(Error::entry(
                &parent.path,
                what,
                format!(
                    "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
                    dir.display()
                ),
            ));
        }
        Ok(Some(p)) => Kustomization::load(&p)?,
    };
    if k.is_component != component {
        let msg = if component {
            "expected kind 'Component' for a component, got 'Kustomization'"
        } else {
            "expected kind 'Kustomization' for a resource, got 'Component'"
        };
        return Err(Error::entry(&parent.path, what, msg));
    }
    Ok(k)
}

/// Runs one kustomization on top of `resources` (empty for a Kustomization, the parent's
/// for a Component).
fn accumulate(ctx: &mut Ctx, k: &Kustomization, mut resources: Vec<Resource>) -> Result<Vec<Resource>, Error> {
    tracing::debug!(kustomization = %k.path.display(), component = k.is_component, "building");
    ctx.stack.push(k.dir.clone());
    let result = accumulate_inner(ctx, k, &mut resources);
    ctx.stack.pop();
    result.map(|()| resources)
}

fn accumulate_inner(ctx: &mut Ctx, k: &Kustomization, resources: &mut Vec<Resource>) -> Result<(), Error> {
    let mut seen: IdSet = resources.iter().map(id_key).collect();
    let mut entries = k.strings("resources")?;
    entries.extend(k.strings("bases")?);
    for entry in entries {
        let what = format!("resources: {entry}");
        let path = ctx.root.resolve(&k.path, &k.dir, "resources", &entry)?;
        let new = if path.is_dir() {
            let child = load_child(ctx, k, &what, &path, false)?;
            accumulate(ctx, &child, Vec::new())?
        } else {
            load_file(k, &entry, &path)?
        };
        append(k, &what, resources, &mut seen, new)?;
    }
    for entry in k.strings("crds")? {
        ctx.root.resolve(&k.path, &k.dir, "crds", &entry)?;
    }
    crate::config::read(k, &ctx.root, &mut ctx.config)?;
    generator::run(k, &ctx.root, resources)?;
    crate::plugins::run_generators(k, &ctx.root, resources)?;
    // kustomize runs components after the generators, before the transformers.
    for entry in k.strings("components")? {
        let what = format!("components: {entry}");
        let path = ctx.root.resolve(&k.path, &k.dir, "components", &entry)?;
        if !path.is_dir() {
            return Err(Error::entry(&k.path, &what, "a component must be a directory"));
        }
        let comp = load_child(ctx, k, &what, &path, true)?;
        let taken = std::mem::take(resources);
        *resources = accumulate(ctx, &comp, taken)?;
    }
    transform(ctx, k, resources)?;
    ctx.vars.extend(vars::read(k, resources)?);
    Ok(())
}

fn transform(ctx: &mut Ctx, k: &Kustomization, resources: &mut Vec<Resource>) -> Result<(), Error> {
    patch::run_strategic_merge(k, &ctx.root, resources)?;
    patch::run_patches(k, &ctx.root, resources)?;
    if let Some(ns) = k.string("namespace")?
        && !ns.is_empty()
    {
        namespace::apply(resources, &ns);
    }
    let prefix_s = k.string("namePrefix")?.unwrap_or_default();
    let suffix_s = k.string("nameSuffix")?.unwrap_or_default();
    prefix::apply(resources, &prefix_s, &suffix_s);
    let common = k.string_map("commonLabels")?;
    labels::apply(resources, &common, true, true);
    labels::apply_custom(resources, &common, &ctx.config.common_labels);
    for entry in k.objects("labels")? {
        let pairs = entry
            .get("pairs")
            .map(|v| crate::kustomization::strict_string_map(v).map_err(|m| Error::entry(&k.path, "labels", m)))
            .transpose()?
            .unwrap_or_default();
        let selectors = entry.get("includeSelectors").and_then(Value::as_bool).unwrap_or(false);
        let templates = entry.get("includeTemplates").and_then(Value::as_bool).unwrap_or(false);
        for key in entry.keys() {
            if !["pairs", "includeSelectors", "includeTemplates", "fields"].contains(&key.as_str()) {
                return Err(Error::entry(
                    &k.path,
                    "labels",
                    format!("json: unknown field \"{key}\""),
                ));
            }
        }
        labels::apply(resources, &pairs, selectors, templates);
        if let Some(Value::Array(fields)) = entry.get("fields") {
            let custom: Vec<labels::CustomField> = fields
                .iter()
                .filter_map(Value::as_object)
                .map(|f| {
                    let s = |k: &str| f.get(k).and_then(Value::as_str).map(str::to_string);
                    labels::CustomField {
                        group: s("group"),
                        version: s("version"),
                        kind: s("kind"),
                        path: s("path").unwrap_or_default(),
                        create: f.get("create").and_then(Value::as_bool).unwrap_or(false),
                    }
                })
                .collect();
            labels::apply_custom(resources, &pairs, &custom);
        }
    }
    let annos = k.string_map("commonAnnotations")?;
    annotations::apply(resources, &annos);
    annotations::apply_custom(resources, &annos, &ctx.config.common_annotations);
    patch::run_json6902(k, &ctx.root, resources)?;
    run_replicas(k, resources)?;
    run_images(k, resources)?;
    replacements::run(k, &ctx.root, resources)?;
    crate::plugins::run_transformers(k, &ctx.root, resources)?;
    // Renames and namespace changes must not make two objects the same.
    let mut seen = IdSet::new();
    for r in resources.iter() {
        if !seen.insert(id_key(r)) {
            return Err(Error::entry(
                &k.path,
                "transformers",
                format!("the transformations produce an ID conflict: {}", r.id_string()),
            ));
        }
    }
    Ok(())
}

/// `replicas:`.
pub(crate) fn run_replicas(k: &Kustomization, resources: &mut [Resource]) -> Result<(), Error> {
    for entry in k.objects("replicas")? {
        let name = entry.get("name").and_then(Value::as_str).unwrap_or("");
        let count = entry.get("count").cloned().unwrap_or(Value::Null);
        if !count.is_i64() && !count.is_u64() {
            return Err(Error::entry(
                &k.path,
                format!("replicas: {name}"),
                "count must be an integer",
            ));
        }
        replicas::apply(resources, name, &count).map_err(|m| Error::entry(&k.path, format!("replicas: {name}"), m))?;
    }
    Ok(())
}

/// `images:`.
pub(crate) fn run_images(k: &Kustomization, resources: &mut [Resource]) -> Result<(), Error> {
    for entry in k.objects("images")? {
        for key in ["name", "newName", "newTag", "digest"] {
            if let Some(v) = entry.get(key)
                && !v.is_string()
                && !v.is_null()
            {
                return Err(Error::entry(
                    &k.path,
                    format!("images: {key}"),
                    format!("json: cannot unmarshal {v} into a string; quote it"),
                ));
            }
        }
        let s = |key: &str| entry.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
        let rule = images::ImageRule {
            name: s("name"),
            new_name: s("newName"),
            new_tag: s("newTag"),
            digest: s("digest"),
        };
        if rule.name.is_empty() {
            return Err(Error::entry(&k.path, "images", "an image entry needs a name"));
        }
        images::apply(resources, &rule);
    }
    Ok(())
}

/// `to` relative to the directory `from` (both canonical), with `..` where needed.
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to_c: Vec<_> = to.components().collect();
    let common = from.iter().zip(to_c.iter()).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..from.len() {
        parts.push("..".into());
    }
    for c in &to_c[common..] {
        parts.push(c.as_os_str().to_string_lossy().to_string());
    }
    parts.join("/")
}

/// kustomize keeps an object's own annotations as a string map: values added by patches
/// end up as text too (collections become "").
fn annotations_as_text(resources: &mut [Resource]) {
    for r in resources.iter_mut() {
        let Some(Value::Object(annos)) = r.obj.get_mut("metadata").and_then(|m| m.get_mut("annotations")) else {
            continue;
        };
        for (_, v) in annos.iter_mut() {
            let text = match v {
                Value::String(_) => continue,
                Value::Null => "null".to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => crate::yaml::go_json_number(n),
                Value::Array(_) | Value::Object(_) => String::new(),
            };
            *v = Value::String(text);
        }
    }
}
