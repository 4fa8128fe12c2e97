//! Field sets as structured-merge-diff keeps them in `managedFields` (`FieldsV1`): which
//! fields of an object a manager owns. Builds them from objects with a schema, diffs objects,
//! and does the set algebra server-side apply needs.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::schema::{ListKind, Schema};

/// A tree of path elements (`f:name`, `k:{"name":"x"}`, `v:"a"`, `i:0`); `member` marks the
/// node itself as owned (the `.` entry of FieldsV1 when it also has children).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSet {
    pub member: bool,
    pub children: BTreeMap<String, FieldSet>,
}

/// Metadata fields that belong to the server, never to a manager.
const IGNORED_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

impl FieldSet {
    pub fn is_empty(&self) -> bool {
        !self.member && self.children.is_empty()
    }

    fn leaf() -> FieldSet {
        FieldSet {
            member: true,
            children: BTreeMap::new(),
        }
    }

    /// Parses `fieldsV1`.
    pub fn from_fields_v1(v: &Value) -> FieldSet {
        let mut set = FieldSet::default();
        if let Some(map) = v.as_object() {
            if map.is_empty() {
                set.member = true;
            }
            for (k, child) in map {
                if k == "." {
                    set.member = true;
                } else {
                    set.children.insert(k.clone(), FieldSet::from_fields_v1(child));
                }
            }
        }
        set
    }

    /// Renders `fieldsV1`.
    pub fn to_fields_v1(&self) -> Value {
        let mut map = Map::new();
        if self.member && !self.children.is_empty() {
            map.insert(".".into(), Value::Object(Map::new()));
        }
        for (k, child) in &self.children {
            map.insert(k.clone(), child.to_fields_v1());
        }
        Value::Object(map)
    }

    pub fn union(&mut self, other: &FieldSet) {
        self.member |= other.member;
        for (k, child) in &other.children {
            self.children.entry(k.clone()).or_default().union(child);
        }
    }

    /// The members of `self` that are not members of `other`.
    pub fn difference(&self, other: &FieldSet) -> FieldSet {
        let mut out = FieldSet {
            member: self.member && !other.member,
            children: BTreeMap::new(),
        };
        for (k, child) in &self.children {
            let d = match other.children.get(k) {
                Some(o) => child.difference(o),
                None => child.clone(),
            };
            if !d.is_empty() {
                out.children.insert(k.clone(), d);
            }
        }
        out
    }

    /// The members in both sets.
    pub fn intersection(&self, other: &FieldSet) -> FieldSet {
        let mut out = FieldSet {
            member: self.member && other.member,
            children: BTreeMap::new(),
        };
        for (k, child) in &self.children {
            if let Some(o) = other.children.get(k) {
                let i = child.intersection(o);
                if !i.is_empty() {
                    out.children.insert(k.clone(), i);
                }
            }
        }
        out
    }

    /// Member paths, rendered as structured-merge-diff prints them (`.spec.containers[name="x"].image`).
    pub fn paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_paths(String::new(), &mut out);
        out
    }

    fn collect_paths(&self, prefix: String, out: &mut Vec<String>) {
        if self.member {
            out.push(prefix.clone());
        }
        for (k, child) in &self.children {
            child.collect_paths(format!("{prefix}{}", render_element(k)), out);
        }
    }
}

fn render_element(element: &str) -> String {
    if let Some(f) = element.strip_prefix("f:") {
        format!(".{f}")
    } else if let Some(k) = element.strip_prefix("k:") {
        let parts: Vec<String> = serde_json::from_str::<Map<String, Value>>(k)
            .map(|m| m.iter().map(|(k, v)| format!("{k}={v}")).collect())
            .unwrap_or_default();
        format!("[{}]", parts.join(","))
    } else if let Some(v) = element.strip_prefix("v:") {
        format!("[={v}]")
    } else if let Some(i) = element.strip_prefix("i:") {
        format!("[{i}]")
    } else {
        element.to_string()
    }
}

/// The path element of a list-map item: `k:{"key":value,…}` with the keys in name order.
/// A key field left out takes its default, as structured-merge-diff does for keys with
/// defaults: in the built-in kinds that is `protocol` (TCP) of ports, so an applied port
/// without a protocol is the same item as the stored, defaulted one.
pub fn key_element(item: &Value, keys: &[String]) -> Option<String> {
    let mut sorted: Vec<&String> = keys.iter().collect();
    sorted.sort();
    let mut map = Map::new();
    for k in sorted {
        match item.get(k.as_str()) {
            Some(v) => {
                map.insert(k.clone(), v.clone());
            }
            None if k == "protocol" && keys.len() > 1 => {
                map.insert(k.clone(), Value::String("TCP".into()));
            }
            None => {}
        }
    }
    if map.is_empty() {
        return None;
    }
    Some(format!("k:{}", Value::Object(map)))
}

pub fn value_element(v: &Value) -> String {
    format!("v:{v}")
}

/// Which part of an object a field set covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Everything but the status (main endpoint of a kind with a status subresource).
    MainWithoutStatus,
    /// Everything (kinds without a status subresource).
    All,
    /// Only the status (`/status`).
    Status,
}

/// The fields set in `obj` (the whole object, without server-owned metadata).
pub fn fields_of(obj: &Value, schema: Schema, part: Part) -> FieldSet {
    let mut set = FieldSet::default();
    let Some(map) = obj.as_object() else { return set };
    for (k, v) in map {
        let include = match (part, k.as_str()) {
            (_, "apiVersion" | "kind") => false,
            (Part::Status, key) => key == "status",
            (Part::MainWithoutStatus, "status") => false,
            _ => true,
        };
        if !include {
            continue;
        }
        let child_schema = schema.field(k);
        let child = if k == "metadata" {
            let mut meta = v.clone();
            if let Some(m) = meta.as_object_mut() {
                for f in IGNORED_METADATA {
                    m.remove(*f);
                }
                if m.is_empty() {
                    continue;
                }
            }
            let mut s = value_fields(&meta, child_schema);
            s.member = false;
            s
        } else {
            value_fields(v, child_schema)
        };
        set.children.insert(format!("f:{k}"), child);
    }
    set
}

/// The field set of one value: leaves for scalars and atomic values, nested sets otherwise.
fn value_fields(v: &Value, schema: Schema) -> FieldSet {
    match v {
        Value::Object(map) if !schema.is_atomic_object() => {
            let mut set = FieldSet {
                member: schema.is_map() || map.is_empty(),
                children: BTreeMap::new(),
            };
            for (k, child) in map {
                set.children
                    .insert(format!("f:{k}"), value_fields(child, schema.field(k)));
            }
            if set.children.is_empty() {
                set.member = true;
            }
            set
        }
        Value::Array(items) => match schema.list_kind() {
            ListKind::Atomic => FieldSet::leaf(),
            ListKind::Set => {
                let mut set = FieldSet::default();
                for item in items {
                    set.children.insert(value_element(item), FieldSet::leaf());
                }
                if set.children.is_empty() {
                    set.member = true;
                }
                set
            }
            ListKind::Map(keys) => {
                let mut set = FieldSet::default();
                let item_schema = schema.items();
                for item in items {
                    if let Some(el) = key_element(item, &keys) {
                        let mut child = value_fields(item, item_schema);
                        child.member = true;
                        set.children.insert(el, child);
                    }
                }
                if set.children.is_empty() {
                    set.member = true;
                }
                set
            }
        },
        _ => FieldSet::leaf(),
    }
}

/// The fields whose values differ between `old` and `new` (added, changed or removed).
pub fn changed_fields(old: &Value, new: &Value, schema: Schema, part: Part) -> FieldSet {
    let strip = |v: &Value| -> Value {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("apiVersion");
            o.remove("kind");
            match part {
                Part::Status => o.retain(|k, _| k == "status"),
                Part::MainWithoutStatus => {
                    o.remove("status");
                }
                Part::All => {}
            }
            if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
                for f in IGNORED_METADATA {
                    m.remove(*f);
                }
            }
        }
        v
    };
    let mut set = diff_values(&strip(old), &strip(new), schema);
    set.member = false;
    set
}

fn diff_values(old: &Value, new: &Value, schema: Schema) -> FieldSet {
    if old == new {
        return FieldSet::default();
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) if !schema.is_atomic_object() => {
            let mut set = FieldSet::default();
            for (k, bv) in b {
                let child_schema = schema.field(k);
                let d = match a.get(k) {
                    Some(av) => diff_values(av, bv, child_schema),
                    None => value_fields(bv, child_schema),
                };
                if !d.is_empty() {
                    set.children.insert(format!("f:{k}"), d);
                }
            }
            for (k, av) in a {
                if !b.contains_key(k) {
                    set.children.insert(format!("f:{k}"), value_fields(av, schema.field(k)));
                }
            }
            set
        }
        (Value::Array(a), Value::Array(b)) => match schema.list_kind() {
            ListKind::Atomic => FieldSet::leaf(),
            ListKind::Set => {
                let mut set = FieldSet::default();
                for v in a
                    .iter()
                    .filter(|v| !b.contains(v))
                    .chain(b.iter().filter(|v| !a.contains(v)))
                {
                    set.children.insert(value_element(v), FieldSet::leaf());
                }
                if set.children.is_empty() {
                    // Same values, another order.
                    set.member = true;
                }
                set
            }
            ListKind::Map(keys) => {
                let item_schema = schema.items();
                let index = |list: &Vec<Value>| -> BTreeMap<String, Value> {
                    list.iter()
                        .filter_map(|i| key_element(i, &keys).map(|k| (k, i.clone())))
                        .collect()
                };
                let (ia, ib) = (index(a), index(b));
                let mut set = FieldSet::default();
                for (k, bv) in &ib {
                    match ia.get(k) {
                        Some(av) => {
                            let d = diff_values(av, bv, item_schema);
                            if !d.is_empty() {
                                set.children.insert(k.clone(), d);
                            }
                        }
                        None => {
                            let mut f = value_fields(bv, item_schema);
                            f.member = true;
                            set.children.insert(k.clone(), f);
                        }
                    }
                }
                for (k, av) in &ia {
                    if !ib.contains_key(k) {
                        let mut f = value_fields(av, item_schema);
                        f.member = true;
                        set.children.insert(k.clone(), f);
                    }
                }
                set
            }
        },
        _ => FieldSet::leaf(),
    }
}

/// Removes the members of `set` from `value`.
pub fn remove_fields(value: &mut Value, set: &FieldSet, schema: Schema) {
    match value {
        Value::Object(map) => {
            for (el, child) in &set.children {
                let Some(name) = el.strip_prefix("f:") else { continue };
                let child_schema = schema.field(name);
                if child.children.is_empty() {
                    if child.member {
                        map.remove(name);
                    }
                    continue;
                }
                if let Some(v) = map.get_mut(name) {
                    remove_fields(v, child, child_schema);
                    let empty = match v {
                        Value::Object(m) => m.is_empty(),
                        Value::Array(a) => a.is_empty(),
                        _ => false,
                    };
                    if child.member && empty {
                        map.remove(name);
                    }
                }
            }
        }
        Value::Array(items) => {
            let kind = schema.list_kind();
            let item_schema = schema.items();
            for (el, child) in &set.children {
                if el.starts_with("v:") {
                    items.retain(|v| value_element(v) != *el);
                } else if let ListKind::Map(keys) = &kind
                    && el.starts_with("k:")
                {
                    if child.member {
                        items.retain(|i| key_element(i, keys).as_deref() != Some(el.as_str()));
                    } else if let Some(item) = items
                        .iter_mut()
                        .find(|i| key_element(i, keys).as_deref() == Some(el.as_str()))
                    {
                        remove_fields(item, child, item_schema);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Merges an applied configuration into a live value (server-side apply's merge).
pub fn merge_applied(live: &Value, applied: &Value, schema: Schema) -> Value {
    match (live, applied) {
        (Value::Object(l), Value::Object(a)) if !schema.is_atomic_object() => {
            let mut out = l.clone();
            for (k, av) in a {
                if av.is_null() {
                    out.remove(k);
                    continue;
                }
                let merged = match l.get(k) {
                    Some(lv) => merge_applied(lv, av, schema.field(k)),
                    None => av.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(l), Value::Array(a)) => match schema.list_kind() {
            ListKind::Atomic => applied.clone(),
            ListKind::Set => {
                let mut out = l.clone();
                for v in a {
                    if !out.contains(v) {
                        out.push(v.clone());
                    }
                }
                Value::Array(out)
            }
            ListKind::Map(keys) => {
                let item_schema = schema.items();
                let mut out = l.clone();
                for item in a {
                    let key = key_element(item, &keys);
                    match out.iter_mut().find(|i| key.is_some() && key_element(i, &keys) == key) {
                        Some(existing) => *existing = merge_applied(existing, item, item_schema),
                        None => out.push(item.clone()),
                    }
                }
                Value::Array(out)
            }
        },
        _ => applied.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy_schema() -> Schema<'static> {
        Schema::Builtin(rflux_schema::kind("apps", "v1", "Deployment").unwrap())
    }

    #[test]
    fn fields_of_a_deployment_match_kube_apiserver() {
        let obj = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "nginx", "image": "nginx:1", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}
                }
            }
        });
        let set = fields_of(&obj, deploy_schema(), Part::MainWithoutStatus);
        let want = json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {
                "f:replicas": {},
                "f:selector": {},
                "f:template": {
                    "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"nginx\"}": {
                        ".": {}, "f:image": {}, "f:name": {},
                        "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:protocol": {}}}
                    }}}
                }
            }
        });
        assert_eq!(set.to_fields_v1(), want);
        assert_eq!(FieldSet::from_fields_v1(&want), set);
    }

    #[test]
    fn diff_and_paths() {
        let a = json!({"data": {"a": "1", "b": "2"}});
        let b = json!({"data": {"a": "1", "b": "3", "c": "4"}});
        let d = changed_fields(&a, &b, Schema::Deduced, Part::All);
        assert_eq!(d.paths(), vec![".data.b".to_string(), ".data.c".to_string()]);
    }

    #[test]
    fn port_keys_take_the_default_protocol() {
        let keys = vec!["port".to_string(), "protocol".to_string()];
        assert_eq!(
            key_element(&json!({"port": 80}), &keys),
            key_element(&json!({"port": 80, "protocol": "TCP"}), &keys)
        );
        assert_ne!(
            key_element(&json!({"port": 80}), &keys),
            key_element(&json!({"port": 80, "protocol": "UDP"}), &keys)
        );
    }

    #[test]
    fn merge_list_map_by_key() {
        let schema = deploy_schema()
            .field("spec")
            .field("template")
            .field("spec")
            .field("containers");
        let live = json!([{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]);
        let applied = json!([{"name": "b", "image": "z"}]);
        assert_eq!(
            merge_applied(&live, &applied, schema),
            json!([{"name": "a", "image": "x"}, {"name": "b", "image": "z"}])
        );
    }
}
