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

impl Var {
    fn matches(&self, r: &Resource) -> bool {
        r.kind() == self.kind
            && r.all_ids().iter().any(|(n, _)| *n == self.obj_name)
            && self
                .api_version
                .as_ref()
                .is_none_or(|av| r.obj.get("apiVersion").and_then(Value::as_str) == Some(av.as_str()))
            && self
                .namespace
                .as_ref()
                .is_none_or(|ns| crate::transform_ns_eq(ns, r.namespace()))
    }
}

/// Reads the vars of `k`; each must name an object among `resources` (the objects of
/// `k`'s own subtree), as kustomize requires.
pub(crate) fn read(k: &Kustomization, resources: &[Resource]) -> Result<Vec<Var>, Error> {
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
        let var = Var {
            name,
            kind: s("kind").unwrap_or_default(),
            obj_name: s("name").unwrap_or_default(),
            api_version: s("apiVersion"),
            namespace: s("namespace"),
            field_path,
        };
        if !resources.iter().any(|r| var.matches(r)) {
            return Err(Error::entry(
                &k.path,
                &what,
                format!(
                    "var '{}' cannot be mapped to a field in the set of known resources ({} {})",
                    var.name, var.kind, var.obj_name
                ),
            ));
        }
        out.push(var);
    }
    Ok(out)
}

/// Workload kinds and their pod spec, where `$(VAR)` is replaced in container
/// `args`, `command`, `env[].value`, `volumeMounts[].mountPath` and NFS volume servers
/// (kustomize's default var references).
const POD_PREFIXES: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicaSet", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
];

const POD_FIELDS: &[&str] = &[
    "containers/args",
    "containers/command",
    "containers/env/value",
    "containers/volumeMounts/mountPath",
    "initContainers/args",
    "initContainers/command",
    "initContainers/env/value",
    "initContainers/volumeMounts/mountPath",
    "volumes/nfs/server",
];

/// Other var-reference fields: (kind, path).
const OTHER_FIELDS: &[(&str, &str)] = &[
    ("Ingress", "spec/rules/host"),
    ("Ingress", "spec/tls/hosts"),
    ("Ingress", "spec/tls/secretName"),
    ("Service", "spec/ports/port"),
    ("Service", "spec/ports/targetPort"),
    ("StatefulSet", "spec/volumeClaimTemplates/spec/nfs/server"),
    ("PersistentVolume", "spec/nfs/server"),
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

fn substitute(v: &mut Value, values: &[(String, Value)]) {
    match v {
        Value::String(s) if s.contains("$(") => {
            // A field that is exactly one reference takes the value with its type.
            for (name, val) in values {
                if *s == format!("$({name})") {
                    *v = val.clone();
                    return;
                }
            }
            for (name, val) in values {
                let pat = format!("$({name})");
                if s.contains(&pat) {
                    let text = crate::kustomization::scalar_string(val).unwrap_or_default();
                    *s = s.replace(&pat, &text);
                }
            }
        }
        Value::Array(items) => {
            for i in items {
                substitute(i, values);
            }
        }
        Value::Object(m) => {
            // Label and annotation maps: every value.
            for (_, val) in m.iter_mut() {
                if val.is_string() {
                    substitute(val, values);
                }
            }
        }
        _ => {}
    }
}

pub(crate) fn resolve(
    vars: &[Var],
    custom: &[crate::config::FieldSpec],
    resources: &mut [Resource],
) -> Result<(), String> {
    if vars.is_empty() {
        return Ok(());
    }
    let mut values = Vec::new();
    for var in vars {
        if values.iter().any(|(n, _): &(String, Value)| *n == var.name) {
            return Err(format!("var '{}' already encountered", var.name));
        }
        let found: Vec<&Resource> = resources.iter().filter(|r| var.matches(r)).collect();
        let [target] = found.as_slice() else {
            return Err(format!(
                "var '{}' cannot be mapped to a unique {} named {:?}",
                var.name, var.kind, var.obj_name
            ));
        };
        let value = lookup(&target.obj, &var.field_path)
            .ok_or_else(|| format!("var '{}': field {} not found", var.name, var.field_path))?;
        if !matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_)) {
            return Err(format!("var '{}': field {} is not a scalar", var.name, var.field_path));
        }
        values.push((var.name.clone(), value.clone()));
    }
    for r in resources.iter_mut() {
        let kind = r.kind().to_string();
        let mut paths: Vec<String> = vec!["metadata/labels".into(), "metadata/annotations".into()];
        if let Some((_, prefix)) = POD_PREFIXES.iter().find(|(k, _)| *k == kind) {
            paths.extend(POD_FIELDS.iter().map(|f| format!("{prefix}/{f}")));
        }
        paths.extend(
            OTHER_FIELDS
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, p)| (*p).to_string()),
        );
        let gvk = r.gvk();
        paths.extend(
            custom
                .iter()
                .filter(|f| f.applies(&gvk))
                .map(|f| f.path.replace("[]", "")),
        );
        for p in paths {
            crate::fieldpath::visit_str(&mut r.obj, &p, false, &mut |v| substitute(v, &values));
        }
    }
    Ok(())
}
