//! One object in a build with the history kustomize keeps for it: the ids it had before
//! prefixes, suffixes and namespaces changed them (for name references), and whether its
//! name still needs a content hash.

use serde_json::{Map, Value};

/// group, version, kind of an object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Gvk {
    pub(crate) group: String,
    pub(crate) version: String,
    pub(crate) kind: String,
}

impl Gvk {
    pub(crate) fn of(obj: &Value) -> Gvk {
        let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        Gvk {
            group,
            version,
            kind: obj.get("kind").and_then(Value::as_str).unwrap_or("").to_string(),
        }
    }

    /// kustomize's `Gvk.String()`: `~G_v1_Kind`.
    pub(crate) fn sort_string(&self) -> String {
        let g = if self.group.is_empty() { "~G" } else { &self.group };
        let v = if self.version.is_empty() { "~V" } else { &self.version };
        let k = if self.kind.is_empty() { "~K" } else { &self.kind };
        format!("{g}_{v}_{k}")
    }

    /// True when kustomize treats the kind as cluster-scoped (see [`crate::scope`]).
    pub(crate) fn is_cluster_scoped(&self) -> bool {
        crate::scope::is_cluster_scoped(&self.group, &self.version, &self.kind)
    }
}

/// An object and its id history.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub(crate) obj: Value,
    /// (name, namespace) before each rename or namespace change, oldest first.
    pub(crate) prev_ids: Vec<(String, String)>,
    /// Generated with a content-hash suffix still to append.
    pub(crate) needs_hash: bool,
    /// Generator behavior (`create`, `merge`, `replace`) for generated objects.
    pub(crate) behavior: Option<String>,
    /// Name prefixes and suffixes applied, innermost first (kustomize uses them to pick
    /// the referral a name reference means).
    pub(crate) prefixes: Vec<String>,
    pub(crate) suffixes: Vec<String>,
    /// Where the object came from (for `buildMetadata: [originAnnotations]`).
    pub(crate) origin: Option<Origin>,
}

/// Where an object came from.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    /// A resource file.
    File(std::path::PathBuf),
    /// A generator of a kustomization (`ConfigMapGenerator`, `SecretGenerator`).
    Generator(std::path::PathBuf, &'static str),
}

impl Resource {
    pub(crate) fn new(obj: Value) -> Resource {
        Resource {
            obj,
            prev_ids: Vec::new(),
            needs_hash: false,
            behavior: None,
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            origin: None,
        }
    }

    pub(crate) fn gvk(&self) -> Gvk {
        Gvk::of(&self.obj)
    }

    pub(crate) fn kind(&self) -> &str {
        self.obj.get("kind").and_then(Value::as_str).unwrap_or("")
    }

    pub(crate) fn name(&self) -> &str {
        self.obj
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub(crate) fn namespace(&self) -> &str {
        self.obj
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The original (name, namespace): before any transformation.
    pub(crate) fn org_id(&self) -> (String, String) {
        self.prev_ids
            .first()
            .cloned()
            .unwrap_or_else(|| (self.name().to_string(), self.namespace().to_string()))
    }

    /// Every (name, namespace) the object had, current last.
    pub(crate) fn all_ids(&self) -> Vec<(String, String)> {
        let mut ids = self.prev_ids.clone();
        ids.push((self.name().to_string(), self.namespace().to_string()));
        ids
    }

    pub(crate) fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        let obj = ensure_object(&mut self.obj);
        let md = obj.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
        ensure_object(md)
    }

    fn remember_id(&mut self) {
        let id = (self.name().to_string(), self.namespace().to_string());
        self.prev_ids.push(id);
    }

    pub(crate) fn set_name(&mut self, name: &str) {
        if self.name() == name {
            return;
        }
        self.remember_id();
        self.metadata_mut()
            .insert("name".into(), Value::String(name.to_string()));
    }

    pub(crate) fn set_namespace(&mut self, ns: &str) {
        if self.namespace() == ns {
            return;
        }
        self.remember_id();
        self.metadata_mut()
            .insert("namespace".into(), Value::String(ns.to_string()));
    }

    pub(crate) fn labels(&self) -> Map<String, Value> {
        self.obj
            .get("metadata")
            .and_then(|m| m.get("labels"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    pub(crate) fn annotations(&self) -> Map<String, Value> {
        self.obj
            .get("metadata")
            .and_then(|m| m.get("annotations"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    /// kustomize's effective namespace: `default` for namespaced objects without one.
    pub(crate) fn effective_namespace(&self) -> String {
        effective_namespace(&self.gvk(), self.namespace())
    }

    pub(crate) fn id_string(&self) -> String {
        let gvk = self.gvk();
        let ns = self.namespace();
        format!(
            "{}{}/{}.{}",
            if gvk.group.is_empty() {
                String::new()
            } else {
                format!("{}.", gvk.group)
            },
            gvk.kind,
            if ns.is_empty() { "" } else { ns },
            self.name()
        )
        .replace("/.", "/")
    }
}

pub(crate) fn effective_namespace(gvk: &Gvk, ns: &str) -> String {
    if gvk.is_cluster_scoped() {
        String::new()
    } else if ns.is_empty() {
        "default".to_string()
    } else {
        ns.to_string()
    }
}

/// Makes `v` an object (replacing a non-object) and returns it.
pub(crate) fn ensure_object(v: &mut Value) -> &mut Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => {
            *other = Value::Object(Map::new());
            ensure_object(other)
        }
    }
}
