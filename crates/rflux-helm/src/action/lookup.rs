//! The template function `lookup` against the cluster, as Helm's engine answers it: one
//! object by name (an empty map when it does not exist), or a list when the name is
//! empty (every namespace when the namespace is empty too). Templates are executed
//! synchronously, so the requests run on the caller's multi-threaded Tokio runtime;
//! elsewhere `lookup` answers empty, as `helm template` does.

use std::sync::Arc;

use kube::api::{Api, DynamicObject, ListParams};
use rflux_gotmpl::{LookupFn, Value as TemplateValue};
use serde_json::{Value, json};
use tokio::runtime::{Handle, RuntimeFlavor};

use super::cluster::{Cluster, is_not_found, kube_message};

/// A `lookup` backed by `cluster` (sharing its discovery cache), or `None` when not called
/// on a multi-threaded runtime.
pub(crate) fn cluster_lookup(cluster: Arc<Cluster>) -> Option<LookupFn> {
    let handle = Handle::try_current().ok()?;
    if handle.runtime_flavor() != RuntimeFlavor::MultiThread {
        return None;
    }
    Some(Arc::new(
        move |api_version: &str, kind: &str, namespace: &str, name: &str| {
            let cluster = cluster.clone();
            let (api_version, kind, namespace, name) = (
                api_version.to_string(),
                kind.to_string(),
                namespace.to_string(),
                name.to_string(),
            );
            let answer = tokio::task::block_in_place(|| {
                handle.block_on(async move { lookup(&cluster, &api_version, &kind, &namespace, &name).await })
            })?;
            Ok(TemplateValue::from_json(&answer))
        },
    ))
}

async fn lookup(
    cluster: &Cluster,
    api_version: &str,
    kind: &str,
    namespace: &str,
    name: &str,
) -> Result<Value, String> {
    let resolved = cluster
        .resolve(api_version, kind)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("unable to get apiresource from unstructured: {api_version}, Kind={kind}"))?;
    let api: Api<DynamicObject> = if resolved.namespaced && !namespace.is_empty() {
        Api::namespaced_with(cluster.client.clone(), namespace, &resolved.resource)
    } else {
        Api::all_with(cluster.client.clone(), &resolved.resource)
    };
    if !name.is_empty() {
        return match api.get(name).await {
            Ok(o) => Ok(serde_json::to_value(o).unwrap_or(Value::Null)),
            Err(e) if is_not_found(&e) => Ok(json!({})),
            Err(e) => Err(kube_message(&e)),
        };
    }
    match api.list(&ListParams::default()).await {
        Ok(list) => {
            let items: Vec<Value> = list
                .items
                .into_iter()
                .map(|o| {
                    let mut v = serde_json::to_value(o).unwrap_or(Value::Null);
                    if let Some(m) = v.as_object_mut() {
                        m.entry("apiVersion").or_insert_with(|| json!(api_version));
                        m.entry("kind").or_insert_with(|| json!(kind));
                    }
                    v
                })
                .collect();
            Ok(json!({
                "apiVersion": api_version,
                "kind": format!("{kind}List"),
                "metadata": serde_json::to_value(&list.metadata).unwrap_or(json!({})),
                "items": items,
            }))
        }
        Err(e) if is_not_found(&e) => Ok(json!({})),
        Err(e) => Err(kube_message(&e)),
    }
}
