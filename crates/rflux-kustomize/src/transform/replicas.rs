//! `replicas:` sets `spec.replicas` of the named workloads.

use serde_json::Value;

use crate::resource::Resource;

const KINDS: &[&str] = &["Deployment", "ReplicationController", "ReplicaSet", "StatefulSet"];

pub(crate) fn apply(resources: &mut [Resource], name: &str, count: &Value) {
    for r in resources.iter_mut() {
        if !r.all_ids().iter().any(|(n, _)| n == name) || !KINDS.contains(&r.kind()) {
            continue;
        }
        let obj = crate::resource::ensure_object(&mut r.obj);
        let spec = obj
            .entry("spec")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        crate::resource::ensure_object(spec).insert("replicas".into(), count.clone());
    }
}
