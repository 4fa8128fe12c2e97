//! `vars` (deprecated in kustomize, still common): values read from objects of the build
//! and substituted for `$(NAME)` in kustomize's default variable-reference fields, once,
//! at the top of the build after names are final.

use serde_json::Value;

use crate::error::Error;
use crate::kustomization::Kustomization;
use crate::resource::Resource;

/// One declared var.
pub(crate) struct Var {
    name: String,
    kind: String,
    obj_name: String,
    api_version: Option<String>,
    namespace: Option<String>,
    field_path: String,
}

pub(crate) fn read(k: &Kustomization) -> Result<Vec<Var>, Error> {
    let mut out = Vec::new();
    for v in k.objects("vars")? {
        let name = v.get("name").and_then(Value::as_str).unwrap_or("").to_string();
        let what = format!("vars: {name}");
        let objref = v
            .get("objref")
            .and_then(Value::as_object)
            .ok_or_else(|| Error::entry(&k.path, &what, "a var needs an objref"))?;
        let s = |key: &str| objref.get(key).and_then(Value::as_str).map(str::to_string);
        let field_path = v
            .get("fieldref")
            .and_then(|f| f.get("fieldPath"))
            .and_then(Value::as_str)
            .unwrap_or("metadata.name")
            .to_string();
        out.push(Var {
            name,
            kind: s("kind").unwrap_or_default(),
            obj_name: s("name").unwrap_or_default(),
            api_version: s("apiVersion"),
            namespace: s("namespace"),
            field_path,
        });
    }
    Ok(out)
}

/// Fields `$(VAR)` is replaced in (kustomize's default var references, pod-spec parts).
const POD_FIELDS: &[&str] = &[
    "containers/command",
    "containers/args",
    "containers/env/value",
    "initContainers/command",
    "initContainers/args",
    "initContainers/env/value",
];

const POD_PREFIXES: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicaSet", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("ReplicationController", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
];

fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    let mut parts = Vec::new();
    for part in path.split('.') {
        // `ports[0]` is `ports` then `0`.
        match part.find('[') {
            Some(i) if i > 0 && part.ends_with(']') => {
                parts.push(&part[..i]);
                let inner = &part[i + 1..part.len() - 1];
                if inner.parse::<usize>().is_ok() {
                    parts.push(inner);
                } else {
                    parts.push(&part[i..]);
                }
            }
            _ => parts.push(part),
        }
    }
    for part in parts {
        if let Some(inner) = part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
            let (k, want) = inner.split_once('=')?;
            cur = cur
                .as_array()?
                .iter()
                .find(|e| e.get(k).and_then(Value::as_str) == Some(want))?;
        } else if let Ok(i) = part.parse::<usize>()
            && cur.is_array()
        {
            cur = cur.get(i)?;
        } else {
            cur = cur.get(part)?;
        }
    }
    Some(cur)
}

fn substitute(v: &mut Value, values: &[(String, String)]) {
    match v {
        Value::String(s) if s.contains("$(") => {
            for (name, val) in values {
                let pat = format!("$({name})");
                if s.contains(&pat) {
                    *s = s.replace(&pat, val);
                }
            }
        }
        Value::Array(items) => {
            for i in items {
                substitute(i, values);
            }
        }
        _ => {}
    }
}

pub(crate) fn resolve(vars: &[Var], resources: &mut [Resource]) -> Result<(), String> {
    if vars.is_empty() {
        return Ok(());
    }
    let mut values = Vec::new();
    for var in vars {
        if values.iter().any(|(n, _): &(String, String)| *n == var.name) {
            return Err(format!("var '{}' already encountered", var.name));
        }
        let found: Vec<&Resource> = resources
            .iter()
            .filter(|r| {
                r.kind() == var.kind
                    && r.all_ids().iter().any(|(n, _)| *n == var.obj_name)
                    && var
                        .api_version
                        .as_ref()
                        .is_none_or(|av| r.obj.get("apiVersion").and_then(Value::as_str) == Some(av.as_str()))
                    && var
                        .namespace
                        .as_ref()
                        .is_none_or(|ns| crate::transform_ns_eq(ns, r.namespace()))
            })
            .collect();
        let [target] = found.as_slice() else {
            return Err(format!(
                "var '{}' cannot be mapped to a unique {} named {:?}",
                var.name, var.kind, var.obj_name
            ));
        };
        let value = lookup(&target.obj, &var.field_path)
            .ok_or_else(|| format!("var '{}': field {} not found", var.name, var.field_path))?;
        let text = crate::kustomization::scalar_string(value)
            .ok_or_else(|| format!("var '{}': field {} is not a scalar", var.name, var.field_path))?;
        values.push((var.name.clone(), text));
    }
    for r in resources.iter_mut() {
        let kind = r.kind().to_string();
        if let Some((_, prefix)) = POD_PREFIXES.iter().find(|(k, _)| *k == kind) {
            for f in POD_FIELDS {
                crate::fieldpath::visit_str(&mut r.obj, &format!("{prefix}/{f}"), false, &mut |v| {
                    substitute(v, &values)
                });
            }
        }
        if kind == "Ingress" {
            for f in ["spec/rules/host", "spec/tls/hosts"] {
                crate::fieldpath::visit_str(&mut r.obj, f, false, &mut |v| substitute(v, &values));
            }
        }
    }
    Ok(())
}
