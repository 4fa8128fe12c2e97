//! `namePrefix` / `nameSuffix`: renames every object except CRDs, APIServices and
//! Namespaces, remembering the old names for name references.

use crate::resource::Resource;

pub(crate) fn apply(resources: &mut [Resource], prefix: &str, suffix: &str) {
    if prefix.is_empty() && suffix.is_empty() {
        return;
    }
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        let skip = gvk.kind == "CustomResourceDefinition"
            || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io")
            || gvk.kind == "Namespace";
        if skip {
            continue;
        }
        let name = format!("{prefix}{}{suffix}", r.name());
        r.set_name(&name);
        if !prefix.is_empty() {
            r.prefixes.push(prefix.to_string());
        }
        if !suffix.is_empty() {
            r.suffixes.push(suffix.to_string());
        }
    }
}
