//! `replacements`: copy a field of one object (the source) into fields of others
//! (targets selected and rejected by selectors), with kustomize's field-path syntax
//! (`spec.containers.[name=app].image`, indices, `*`) and delimiter/index/create options.

use serde_json::{Map, Value};

use crate::error::Error;
use crate::fs::Root;
use crate::kustomization::{Kustomization, scalar_string};
use crate::patch::select::Selector;
use crate::resource::Resource;

/// Splits a field path at dots outside brackets.
fn split_path(p: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    for c in p.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '.' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    parts
}

fn get_path<'a>(v: &'a Value, parts: &[String]) -> Option<&'a Value> {
    let Some((first, rest)) = parts.split_first() else {
        return Some(v);
    };
    if let Some(inner) = first.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
        let (k, want) = inner.split_once('=')?;
        let item = v
            .as_array()?
            .iter()
            .find(|e| e.get(k).and_then(scalar_string).as_deref() == Some(want))?;
        return get_path(item, rest);
    }
    if let Value::Array(items) = v {
        let i: usize = first.parse().ok()?;
        return get_path(items.get(i)?, rest);
    }
    get_path(v.get(first.as_str())?, rest)
}

/// Sets `value` at every place `parts` leads to; `create` makes missing map fields.
fn set_path(
    v: &mut Value,
    parts: &[String],
    create: bool,
    f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<bool, String> {
    let Some((first, rest)) = parts.split_first() else {
        f(v)?;
        return Ok(true);
    };
    if let Some(inner) = first.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
        let Some((k, want)) = inner.split_once('=') else {
            return Err(format!("invalid list selector {first}"));
        };
        let Value::Array(items) = v else { return Ok(false) };
        let mut any = false;
        for item in items.iter_mut() {
            if item.get(k).and_then(scalar_string).as_deref() == Some(want) {
                any |= set_path(item, rest, create, f)?;
            }
        }
        return Ok(any);
    }
    if first == "*" {
        let mut any = false;
        match v {
            Value::Array(items) => {
                for item in items {
                    any |= set_path(item, rest, create, f)?;
                }
            }
            Value::Object(m) => {
                for (_, item) in m.iter_mut() {
                    any |= set_path(item, rest, create, f)?;
                }
            }
            _ => {}
        }
        return Ok(any);
    }
    if let Value::Array(items) = v {
        let Ok(i) = first.parse::<usize>() else {
            return Ok(false);
        };
        return match items.get_mut(i) {
            Some(item) => set_path(item, rest, create, f),
            None => Ok(false),
        };
    }
    let Value::Object(m) = v else { return Ok(false) };
    if !m.contains_key(first.as_str()) {
        if !create {
            return Ok(false);
        }
        let next_is_index = rest
            .first()
            .is_some_and(|n| n.starts_with('[') || n.parse::<usize>().is_ok());
        let empty = if rest.is_empty() {
            Value::Null
        } else if next_is_index {
            Value::Array(Vec::new())
        } else {
            Value::Object(Map::new())
        };
        m.insert(first.clone(), empty);
    }
    match m.get_mut(first.as_str()) {
        Some(child) => set_path(child, rest, create, f),
        None => Ok(false),
    }
}

struct Opts {
    delimiter: String,
    index: i64,
    create: bool,
}

fn opts(v: Option<&Value>) -> Opts {
    let get = |k: &str| v.and_then(|o| o.get(k));
    Opts {
        delimiter: get("delimiter").and_then(Value::as_str).unwrap_or("").to_string(),
        index: get("index").and_then(Value::as_i64).unwrap_or(0),
        create: get("create").and_then(Value::as_bool).unwrap_or(false),
    }
}

fn replacement_list(k: &Kustomization, root: &Root) -> Result<Vec<Map<String, Value>>, Error> {
    let mut out = Vec::new();
    for entry in k.objects("replacements")? {
        if let Some(path) = entry.get("path").and_then(Value::as_str) {
            let what = format!("replacements: {path}");
            let file = root.resolve(&k.path, &k.dir, "replacements", path)?;
            let text = crate::fs::read_text(&k.path, &what, &file)?;
            let docs = crate::yaml::parse_stream(&text).map_err(|source| Error::Yaml {
                file: file.clone(),
                source,
            })?;
            for d in docs {
                match d {
                    Value::Array(items) => {
                        for i in items {
                            if let Value::Object(m) = i {
                                out.push(m);
                            }
                        }
                    }
                    Value::Object(m) => out.push(m),
                    _ => {}
                }
            }
        } else {
            out.push(entry);
        }
    }
    Ok(out)
}

pub(crate) fn run(k: &Kustomization, root: &Root, resources: &mut [Resource]) -> Result<(), Error> {
    for (n, rep) in replacement_list(k, root)?.into_iter().enumerate() {
        let what = format!("replacements[{n}]");
        let err = |m: String| Error::entry(&k.path, &what, m);
        let source = rep
            .get("source")
            .and_then(Value::as_object)
            .ok_or_else(|| err("a replacement needs a source".into()))?;
        let mut sel_map = source.clone();
        let field_path = sel_map
            .remove("fieldPath")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "metadata.name".to_string());
        let source_opts = opts(sel_map.remove("options").as_ref());
        // Source selection is by exact id.
        for key in ["name", "namespace"] {
            if let Some(Value::String(s)) = sel_map.get(key) {
                let escaped = regex::escape(s);
                sel_map.insert(key.into(), Value::String(escaped));
            }
        }
        let sel = Selector::parse(&sel_map).map_err(&err)?;
        let found: Vec<&Resource> = resources.iter().filter(|r| sel.matches(r)).collect();
        let src = match found.as_slice() {
            [one] => *one,
            [] => return Err(err("nothing selected by the replacement source".into())),
            _ => return Err(err("multiple matches for the replacement source".into())),
        };
        let parts = split_path(&field_path);
        let mut value = get_path(&src.obj, &parts)
            .cloned()
            .ok_or_else(|| err(format!("source field {field_path} not found")))?;
        let from_delimiter = !source_opts.delimiter.is_empty();
        if from_delimiter {
            let text = scalar_string(&value).unwrap_or_default();
            let pieces: Vec<&str> = text.split(source_opts.delimiter.as_str()).collect();
            let i = usize::try_from(source_opts.index).ok().filter(|&i| i < pieces.len());
            let Some(i) = i else {
                return Err(err(format!("options.index {} is out of bounds", source_opts.index)));
            };
            value = Value::String(pieces[i].to_string());
        }
        let targets = match rep.get("targets") {
            Some(Value::Array(t)) => t.clone(),
            _ => Vec::new(),
        };
        for t in targets {
            let select = t
                .get("select")
                .and_then(Value::as_object)
                .ok_or_else(|| err("a target needs select".into()))?;
            let select = Selector::parse(select).map_err(&err)?;
            let rejects: Vec<Selector> = match t.get("reject") {
                Some(Value::Array(r)) => r
                    .iter()
                    .filter_map(Value::as_object)
                    .map(Selector::parse)
                    .collect::<Result<_, _>>()
                    .map_err(&err)?,
                _ => Vec::new(),
            };
            let paths: Vec<String> = match t.get("fieldPaths") {
                Some(Value::Array(p)) => p.iter().filter_map(Value::as_str).map(str::to_string).collect(),
                _ => vec!["metadata.name".to_string()],
            };
            let o = opts(t.get("options"));
            for r in resources.iter_mut() {
                if !select.matches(r) || rejects.iter().any(|rj| rj.matches(r)) {
                    continue;
                }
                for p in &paths {
                    let parts = split_path(p);
                    let mut setter = |slot: &mut Value| -> Result<(), String> {
                        if o.delimiter.is_empty() {
                            // An existing string field keeps its string type; a new field
                            // gets the source value (re-read as a plain scalar when it was
                            // cut out of a string with a delimiter).
                            *slot = match (&*slot, &value) {
                                (Value::String(_), v) => Value::String(scalar_string(v).unwrap_or_default()),
                                (_, Value::String(text)) if from_delimiter => crate::yaml::plain_value(text),
                                (_, v) => v.clone(),
                            };
                            return Ok(());
                        }
                        let current = scalar_string(slot).unwrap_or_default();
                        let mut pieces: Vec<String> = current.split(o.delimiter.as_str()).map(str::to_string).collect();
                        let new = scalar_string(&value).unwrap_or_default();
                        if o.index < 0 {
                            pieces.insert(0, new);
                        } else if (o.index as usize) >= pieces.len() {
                            pieces.push(new);
                        } else {
                            pieces[o.index as usize] = new;
                        }
                        *slot = Value::String(pieces.join(&o.delimiter));
                        Ok(())
                    };
                    let found = set_path(&mut r.obj, &parts, o.create, &mut setter).map_err(&err)?;
                    if !found && !o.create {
                        return Err(err(format!(
                            "unable to find field {p} in replacement target {}",
                            r.id_string()
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}
