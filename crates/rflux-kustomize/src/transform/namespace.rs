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
        // kustomize's namespace field specs for service references.
        let service_ref = match (gvk.group.as_str(), gvk.kind.as_str()) {
            ("apiregistration.k8s.io", "APIService") => Some(("spec/service", true)),
            ("apiextensions.k8s.io", "CustomResourceDefinition") => {
                Some(("spec/conversion/webhook/clientConfig/service", false))
            }
            _ => None,
        };
        if let Some((path, create)) = service_ref {
            let mut set = |v: &mut Value| {
                if let Value::Object(m) = v
                    && (create || m.contains_key("namespace"))
                {
                    m.insert("namespace".into(), Value::String(ns.to_string()));
                }
            };
            crate::fieldpath::visit_str(&mut r.obj, path, create, &mut set);
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
