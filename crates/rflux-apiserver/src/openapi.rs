//! `/openapi/v3`: the root document and one document per built-in group-version, with each
//! resource's PATCH operation and the query parameters it accepts. kubectl reads these to
//! learn that the server validates fields itself (`fieldValidation`). Custom resources are
//! left out of the root; kubectl then checks the Namespace document, as for any CRD.

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
        .filter(|rt| !rt.custom && rt.group == group && rt.version(version).is_some())
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
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": format!("v1.{}.0", crate::discovery::KUBE_MINOR)},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}
