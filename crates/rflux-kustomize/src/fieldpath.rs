//! Walking kustomize field specs: slash-separated paths (`spec/template/metadata/labels`)
//! through maps, stepping through lists implicitly, optionally creating missing maps.

use serde_json::{Map, Value};

/// Calls `f` on every value at `path` below `v`. With `create`, missing maps along the
/// path (and the last field, as an empty map) are created.
pub(crate) fn visit(v: &mut Value, path: &[&str], create: bool, f: &mut dyn FnMut(&mut Value)) {
    if let Value::Array(items) = v {
        for item in items {
            visit(item, path, create, f);
        }
        return;
    }
    let Some((first, rest)) = path.split_first() else {
        f(v);
        return;
    };
    let Value::Object(map) = v else { return };
    if !map.contains_key(*first) {
        if !create {
            return;
        }
        map.insert((*first).to_string(), Value::Object(Map::new()));
    }
    if let Some(child) = map.get_mut(*first) {
        if child.is_null() && create {
            *child = Value::Object(Map::new());
        }
        visit(child, rest, create, f);
    }
}

/// Like [`visit`] for a path written `a/b/c`.
pub(crate) fn visit_str(v: &mut Value, path: &str, create: bool, f: &mut dyn FnMut(&mut Value)) {
    let parts: Vec<&str> = path.split('/').collect();
    visit(v, &parts, create, f);
}
