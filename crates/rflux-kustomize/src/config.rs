//! `configurations`: transformer configuration files that extend kustomize's default field
//! specs — name references (e.g. a HelmRelease's `spec/valuesFrom/name` pointing at a
//! generated ConfigMap), and extra label, annotation and var-reference fields.

use serde_json::Value;

use crate::error::Error;
use crate::fs::Root;
use crate::kustomization::Kustomization;
use crate::resource::Gvk;

/// A user field spec: which objects (kind/group/version, empty = any) and the path.
#[derive(Debug, Clone)]
pub(crate) struct FieldSpec {
    pub(crate) group: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) path: String,
    pub(crate) create: bool,
}

impl FieldSpec {
    pub(crate) fn applies(&self, gvk: &Gvk) -> bool {
        self.kind.as_ref().is_none_or(|k| *k == gvk.kind)
            && self.group.as_ref().is_none_or(|g| *g == gvk.group)
            && self.version.as_ref().is_none_or(|v| *v == gvk.version)
    }

    /// The path with kustomize's `[]` list markers removed, split into the parent path and
    /// the last field (`spec/valuesFrom[]/name` → `spec/valuesFrom`, `name`).
    pub(crate) fn parent_and_field(&self) -> (String, String) {
        let clean = self.path.replace("[]", "");
        match clean.rsplit_once('/') {
            Some((p, f)) => (p.to_string(), f.to_string()),
            None => (String::new(), clean),
        }
    }
}

/// A custom name reference: objects of `kind` are referred to at `specs`.
#[derive(Debug, Clone)]
pub(crate) struct NameReference {
    pub(crate) kind: String,
    pub(crate) specs: Vec<FieldSpec>,
}

/// Everything the `configurations` files of a build declare.
#[derive(Debug, Clone, Default)]
pub(crate) struct Config {
    pub(crate) name_references: Vec<NameReference>,
    pub(crate) common_labels: Vec<FieldSpec>,
    pub(crate) common_annotations: Vec<FieldSpec>,
    pub(crate) var_references: Vec<FieldSpec>,
}

fn field_specs(v: &Value, what: &str) -> Result<Vec<FieldSpec>, String> {
    let Value::Array(items) = v else {
        return Err(format!("{what} must be a list of field specs"));
    };
    items
        .iter()
        .map(|item| {
            let Value::Object(m) = item else {
                return Err(format!("{what}: a field spec must be a mapping"));
            };
            let s = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
            let path = s("path").ok_or_else(|| format!("{what}: a field spec needs a path"))?;
            Ok(FieldSpec {
                group: s("group"),
                version: s("version"),
                kind: s("kind"),
                path,
                create: m.get("create").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect()
}

/// Reads the `configurations` files of a kustomization into `config`.
pub(crate) fn read(k: &Kustomization, root: &Root, config: &mut Config) -> Result<(), Error> {
    for entry in k.strings("configurations")? {
        let what = format!("configurations: {entry}");
        let path = root.resolve(&k.path, &k.dir, "configurations", &entry)?;
        let text = crate::fs::read_text(&k.path, &what, &path)?;
        let docs = crate::yaml::parse_kustomization(&text).map_err(|source| Error::Yaml {
            file: path.clone(),
            source,
        })?;
        for doc in docs {
            let Value::Object(m) = doc else { continue };
            for (key, v) in &m {
                let err = |msg: String| Error::entry(&k.path, &what, msg);
                match key.as_str() {
                    "nameReference" => {
                        let Value::Array(items) = v else {
                            return Err(err("nameReference must be a list".into()));
                        };
                        for item in items {
                            let kind = item.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
                            let specs = match item.get("fieldSpecs") {
                                Some(fs) => field_specs(fs, "nameReference").map_err(err)?,
                                None => Vec::new(),
                            };
                            config.name_references.push(NameReference { kind, specs });
                        }
                    }
                    "commonLabels" => config.common_labels.extend(field_specs(v, key).map_err(err)?),
                    "commonAnnotations" => config.common_annotations.extend(field_specs(v, key).map_err(err)?),
                    "varReference" => config.var_references.extend(field_specs(v, key).map_err(err)?),
                    other => {
                        return Err(err(format!(
                            "transformer configuration `{other}` is not supported by rflux's kustomize"
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}
