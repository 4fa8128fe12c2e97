//! `namespace:` sets the namespace of every namespaced object, renames Namespace objects,
//! and points `default` service-account subjects of role bindings at it.

use serde_json::Value;

use crate::resource::Resource;

pub(crate) fn apply(resources: &mut [Resource], ns: &str) {
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        if gvk.kind == "Namespace" && gvk.group.is_empty() {
            r.set_name(ns);
            continue;
        }
        if !gvk.is_cluster_scoped() {
            r.set_namespace(ns);
        }
        if gvk.kind == "APIService"
            && gvk.group == "apiregistration.k8s.io"
            && let Some(Value::Object(svc)) = r.obj.get_mut("spec").and_then(|s| s.get_mut("service"))
            && svc.contains_key("namespace")
        {
            svc.insert("namespace".into(), Value::String(ns.to_string()));
        }
        if (gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding")
            && gvk.group == "rbac.authorization.k8s.io"
            && let Some(Value::Array(subjects)) = r.obj.get_mut("subjects")
        {
            for s in subjects.iter_mut() {
                let is_default_sa = s.get("kind").and_then(Value::as_str) == Some("ServiceAccount")
                    && s.get("name").and_then(Value::as_str) == Some("default");
                if is_default_sa && let Value::Object(m) = s {
                    m.insert("namespace".into(), Value::String(ns.to_string()));
                }
            }
        }
    }
}
