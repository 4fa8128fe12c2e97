//! `replicas:` sets `spec.replicas` of the named workloads.

use serde_json::Value;

use crate::resource::Resource;

const KINDS: &[&str] = &["Deployment", "ReplicationController", "ReplicaSet", "StatefulSet"];

/// Sets the count; an error when no workload of that name exists (as in kustomize).
pub(crate) fn apply(resources: &mut [Resource], name: &str, count: &Value) -> Result<(), String> {
    let mut set = 0;
    for r in resources.iter_mut() {
        if !r.all_ids().iter().any(|(n, _)| n == name) {
            continue;
        }
        if !KINDS.contains(&r.kind()) {
            continue;
        }
        set += 1;
        let obj = crate::resource::ensure_object(&mut r.obj);
        let spec = obj
            .entry("spec")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        crate::resource::ensure_object(spec).insert("replicas".into(), count.clone());
    }
    if set == 0 {
        return Err(format!(
            "resource with name {name} does not match a config with the following kinds: {}",
            KINDS.join(", ")
        ));
    }
    Ok(())
}
