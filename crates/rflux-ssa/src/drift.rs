//! Drift: whether the server-side dry-run result of an apply differs from the live object.
//! Labels and annotations are compared, and everything outside `metadata` and `status`, so
//! server bookkeeping (resourceVersion, managedFields, generation, timestamps) is ignored.

use serde_json::Value;

use crate::object::string_map;

/// Whether applying would change `live` into something different from `dry_run`.
pub fn has_drifted(live: &Value, dry_run: &Value) -> bool {
    if string_map(live, "labels") != string_map(dry_run, "labels") {
        return true;
    }
    if string_map(live, "annotations") != string_map(dry_run, "annotations") {
        return true;
    }
    without_metadata_and_status(live) != without_metadata_and_status(dry_run)
}

fn without_metadata_and_status(obj: &Value) -> Value {
    let mut copy = obj.clone();
    if let Some(map) = copy.as_object_mut() {
        map.remove("metadata");
        map.remove("status");
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ignores_server_bookkeeping() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "resourceVersion": "5", "generation": 1, "managedFields": [{"manager": "a"}],
                "creationTimestamp": "2024-01-01T00:00:00Z", "labels": {}},
            "data": {"a": "1"}, "status": {"x": 1}});
        let mut dry = live.clone();
        dry["metadata"]["resourceVersion"] = json!("6");
        dry["metadata"]["managedFields"] = json!([{"manager": "b"}]);
        dry["metadata"].as_object_mut().unwrap().remove("labels");
        dry["status"] = json!({"x": 2});
        assert!(!has_drifted(&live, &dry));
        let mut changed = dry.clone();
        changed["data"]["a"] = json!("2");
        assert!(has_drifted(&live, &changed));
        let mut labelled = dry;
        labelled["metadata"]["labels"] = json!({"team": "a"});
        assert!(has_drifted(&live, &labelled));
    }
}
