//! `/openapi/v3`: the root document and one document per built-in group-version, with each
//! resource's PATCH operation and the query parameters it accepts. kubectl reads these to
//! learn that the server validates fields itself (`fieldValidation`). Custom resources are
//! left out of the root; kubectl then checks the Namespace document, as for any CRD.

use std::collections::BTreeMap;

use rflux_schema::{ListType, Node, NodeType};
use serde_json::{Map, Value, json};

use crate::resources::Registry;

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// Built-in group-versions.
fn builtin_gvs(registry: &Registry) -> Vec<(String, String)> {
    let mut gvs: Vec<(String, String)> = registry
        .all()
        .iter()
        .filter(|rt| !rt.custom)
        .flat_map(|rt| {
            rt.versions
                .iter()
                .map(|v| (rt.group.clone(), v.name.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    gvs.sort();
    gvs.dedup();
    gvs
}

pub fn root(registry: &Registry) -> Value {
    let mut paths = Map::new();
    for (group, version) in builtin_gvs(registry) {
        let p = gv_path(&group, &version);
        paths.insert(
            p.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash=rflux-{}", env!("CARGO_PKG_VERSION"))}),
        );
    }
    // Custom resources with a schema, under a hash of their schemas so clients refetch on change.
    let mut custom: BTreeMap<String, u64> = BTreeMap::new();
    for rt in registry.all().iter().filter(|rt| rt.custom) {
        for v in rt.versions.iter().filter(|v| v.schema.is_some()) {
            use std::hash::{Hash, Hasher};
            let entry = custom.entry(gv_path(&rt.group, &v.name)).or_insert(0);
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (*entry, &rt.kind, v.schema.as_ref().map(|s| s.to_string())).hash(&mut h);
            *entry = h.finish();
        }
    }
    for (p, hash) in custom {
        paths.insert(
            p.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash={hash:016X}")}),
        );
    }
    json!({"paths": paths})
}

fn query_param(name: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}})
}

/// The document of one built-in group-version, or `None` if nothing built-in is served there.
pub fn group_version(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let mut paths = Map::new();
    for rt in registry
        .all()
        .iter()
        .filter(|rt| rt.group == group && rt.version(version).is_some_and(|v| !rt.custom || v.schema.is_some()))
    {
        let base = format!("/{}", gv_path(group, version));
        let item = if rt.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}/{{name}}", rt.plural)
        } else {
            format!("{base}/{}/{{name}}", rt.plural)
        };
        let gvk = json!({"group": group, "version": version, "kind": rt.kind});
        let mut content = Map::new();
        for ty in [
            "application/json-patch+json",
            "application/merge-patch+json",
            "application/strategic-merge-patch+json",
            "application/apply-patch+yaml",
        ] {
            if rt.custom && ty == "application/strategic-merge-patch+json" {
                continue;
            }
            content.insert(ty.into(), json!({"schema": {"type": "object"}}));
        }
        let patch = json!({
            "operationId": format!("patch{}", rt.kind),
            "parameters": [query_param("dryRun"), query_param("fieldManager"), query_param("fieldValidation"), query_param("force")],
            "requestBody": {"content": content, "required": true},
            "responses": {"200": {"description": "OK"}, "201": {"description": "Created"}},
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": gvk,
        });
        paths.insert(item, json!({"patch": patch}));
    }
    if paths.is_empty() {
        return None;
    }
    let mut components = schemas(group, version);
    components.extend(custom_schemas(registry, group, version));
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": format!("v1.{}.0", crate::discovery::KUBE_MINOR)},
        "paths": paths,
        "components": {"schemas": components},
    }))
}

/// Component schemas of the custom resources of one group-version: each CRD version's
/// `openAPIV3Schema` under kube-apiserver's name (`io.fluxcd.toolkit.kustomize.v1.Kustomization`),
/// with `metadata` referring to ObjectMeta and everything ObjectMeta references.
fn custom_schemas(registry: &Registry, group: &str, version: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let mut pending = Vec::new();
    for rt in registry.all().iter().filter(|rt| rt.custom && rt.group == group) {
        let Some(schema) = rt.version(version).and_then(|v| v.schema.as_deref()) else {
            continue;
        };
        let mut schema = schema.clone();
        let Some(obj) = schema.as_object_mut() else { continue };
        let props = obj.entry("properties").or_insert_with(|| json!({}));
        if let (Some(props), Some(meta)) = (
            props.as_object_mut(),
            rflux_schema::definition("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"),
        ) {
            props.insert("metadata".into(), inline(meta, &mut pending, false, Dialect::V3));
        }
        obj.insert(
            "x-kubernetes-group-version-kind".into(),
            json!([{"group": group, "version": version, "kind": rt.kind}]),
        );
        let reversed: Vec<&str> = group.split('.').rev().collect();
        out.insert(format!("{}.{version}.{}", reversed.join("."), rt.kind), schema);
    }
    while let Some(node) = pending.pop() {
        let Some(name) = node.definition_name() else { continue };
        if out.contains_key(name) {
            continue;
        }
        let schema = inline(node, &mut pending, true, Dialect::V3);
        out.insert(name.to_string(), schema);
    }
    out
}

/// Component schemas of the kinds of one group-version and every definition they reference,
/// built from `rflux-schema`'s facts (types, fields, required, enums, list and map types).
fn schemas(group: &str, version: &str) -> Map<String, Value> {
    definitions(Dialect::V3, |g, v| g == group && v == version)
}

/// How references are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// OpenAPI v3: `{"allOf": [{"$ref": "#/components/schemas/X"}]}`.
    V3,
    /// Swagger 2.0: `{"$ref": "#/definitions/X"}`.
    V2,
}

/// Definitions of the kinds of the selected group-versions and everything they reference.
fn definitions(dialect: Dialect, select: impl Fn(&str, &str) -> bool) -> Map<String, Value> {
    let mut gvks: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
    let mut pending: Vec<Node> = Vec::new();
    for (gvk, node) in rflux_schema::kinds() {
        if select(gvk.group, gvk.version) {
            if let Some(name) = node.definition_name() {
                gvks.entry(name)
                    .or_default()
                    .push(json!({"group": gvk.group, "version": gvk.version, "kind": gvk.kind}));
            }
            pending.push(node);
        }
    }
    let mut out = Map::new();
    while let Some(node) = pending.pop() {
        let Some(name) = node.definition_name() else { continue };
        if out.contains_key(name) {
            continue;
        }
        let mut schema = inline(node, &mut pending, true, dialect);
        if let Some(list) = gvks.get(name) {
            schema["x-kubernetes-group-version-kind"] = Value::Array(list.clone());
        }
        out.insert(name.to_string(), schema);
    }
    out
}

/// The schema of a node: a `$ref` to a definition, or the node itself when `expand` is set or
/// it has no name.
fn inline(node: Node, pending: &mut Vec<Node>, expand: bool, dialect: Dialect) -> Value {
    if !expand && let Some(name) = node.definition_name() {
        pending.push(node);
        return match dialect {
            Dialect::V3 => json!({"allOf": [{"$ref": format!("#/components/schemas/{name}")}]}),
            Dialect::V2 => json!({"$ref": format!("#/definitions/{name}")}),
        };
    }
    let mut s = Map::new();
    let ty = match node.ty() {
        NodeType::Object => Some("object"),
        NodeType::Array => Some("array"),
        NodeType::String => Some("string"),
        NodeType::Integer => Some("integer"),
        NodeType::Number => Some("number"),
        NodeType::Boolean => Some("boolean"),
        NodeType::IntOrString => {
            s.insert("x-kubernetes-int-or-string".into(), json!(true));
            (dialect == Dialect::V2).then_some("string")
        }
        NodeType::Any => {
            s.insert("x-kubernetes-preserve-unknown-fields".into(), json!(true));
            (dialect == Dialect::V2).then_some("object")
        }
    };
    if let Some(t) = ty {
        s.insert("type".into(), json!(t));
    }
    if let Some(f) = node.format() {
        s.insert("format".into(), json!(f));
    }
    if !node.enum_values().is_empty() {
        s.insert("enum".into(), json!(node.enum_values()));
    }
    if node.ty() == NodeType::Object {
        let props: Map<String, Value> = node
            .properties()
            .map(|(k, child)| (k.to_string(), inline(child, pending, false, dialect)))
            .collect();
        if !props.is_empty() {
            s.insert("properties".into(), Value::Object(props));
        }
        if let Some(values) = node.map_values() {
            s.insert("additionalProperties".into(), inline(values, pending, false, dialect));
        }
        if !node.required().is_empty() {
            s.insert("required".into(), json!(node.required()));
        }
        if node.map_type_atomic() {
            s.insert("x-kubernetes-map-type".into(), json!("atomic"));
        }
    }
    if node.ty() == NodeType::Array
        && let Some(items) = node.items()
    {
        s.insert("items".into(), inline(items, pending, false, dialect));
        match node.list_type() {
            Some(ListType::Atomic) => {
                s.insert("x-kubernetes-list-type".into(), json!("atomic"));
            }
            Some(ListType::Set) => {
                s.insert("x-kubernetes-list-type".into(), json!("set"));
            }
            Some(ListType::Map) => {
                s.insert("x-kubernetes-list-type".into(), json!("map"));
                s.insert("x-kubernetes-list-map-keys".into(), json!(node.list_map_keys()));
            }
            None => {}
        }
    }
    if let Some(strategy) = node.patch_strategy() {
        s.insert("x-kubernetes-patch-strategy".into(), json!(strategy));
    }
    if let Some(key) = node.patch_merge_key() {
        s.insert("x-kubernetes-patch-merge-key".into(), json!(key));
    }
    Value::Object(s)
}

/// The Swagger 2.0 document (`/openapi/v2`) of the built-in kinds: definitions and each kind's
/// PATCH operation. kubectl before 1.28 reads it for client-side apply and explain.
pub fn swagger(registry: &Registry) -> Value {
    let mut paths = Map::new();
    for (group, version) in builtin_gvs(registry) {
        if let Some(doc) = group_version(registry, &group, &version)
            && let Some(p) = doc.get("paths").and_then(Value::as_object)
        {
            for (path, item) in p {
                let mut item = item.clone();
                if let Some(patch) = item.get_mut("patch").and_then(Value::as_object_mut) {
                    patch.remove("requestBody");
                    patch.insert(
                        "consumes".into(),
                        json!([
                            "application/json-patch+json",
                            "application/merge-patch+json",
                            "application/strategic-merge-patch+json",
                            "application/apply-patch+yaml"
                        ]),
                    );
                    patch.insert("produces".into(), json!(["application/json"]));
                    if let Some(params) = patch.get_mut("parameters").and_then(Value::as_array_mut) {
                        for param in params.iter_mut() {
                            if let Some(o) = param.as_object_mut() {
                                o.remove("schema");
                                o.insert("type".into(), json!("string"));
                            }
                        }
                    }
                }
                paths.insert(path.clone(), item);
            }
        }
    }
    let builtin: Vec<(String, String)> = builtin_gvs(registry);
    json!({
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": format!("v1.{}.0", crate::discovery::KUBE_MINOR)},
        "paths": paths,
        "definitions": definitions(Dialect::V2, |g, v| builtin.iter().any(|(bg, bv)| bg == g && bv == v)),
    })
}
