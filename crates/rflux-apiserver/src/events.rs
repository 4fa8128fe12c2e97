//! Events are stored once, as core/v1 Events, and served both as core/v1 and as
//! events.k8s.io/v1 (whose field names differ). Old events expire after an hour.

use serde_json::{Map, Value};

/// events.k8s.io/v1 field → core/v1 field.
const RENAMES: &[(&str, &str)] = &[
    ("regarding", "involvedObject"),
    ("note", "message"),
    ("reportingController", "reportingComponent"),
    ("deprecatedSource", "source"),
    ("deprecatedFirstTimestamp", "firstTimestamp"),
    ("deprecatedLastTimestamp", "lastTimestamp"),
    ("deprecatedCount", "count"),
];

/// How long an event lives after it was last seen.
pub const TTL_SECONDS: i64 = 3600;

fn rename(obj: &Value, to_core: bool) -> Value {
    let Some(map) = obj.as_object() else { return obj.clone() };
    let mut out = Map::new();
    for (k, v) in map {
        let renamed = RENAMES
            .iter()
            .find(|(events, core)| if to_core { events == k } else { core == k })
            .map(|(events, core)| if to_core { *core } else { *events })
            .unwrap_or(k.as_str());
        out.insert(renamed.to_string(), v.clone());
    }
    Value::Object(out)
}

/// An events.k8s.io/v1 Event as the core/v1 Event that is stored.
pub fn to_core(obj: &Value) -> Value {
    let mut core = rename(obj, true);
    if let Some(m) = core.as_object_mut() {
        m.insert("apiVersion".into(), Value::String("v1".into()));
        if !m.contains_key("source")
            && let Some(component) = m.get("reportingComponent").cloned()
        {
            m.insert("source".into(), serde_json::json!({"component": component}));
        }
    }
    core
}

/// A stored core/v1 Event as events.k8s.io/v1 presents it.
pub fn from_core(obj: &Value) -> Value {
    let mut ev = rename(obj, false);
    if let Some(m) = ev.as_object_mut() {
        m.insert("apiVersion".into(), Value::String("events.k8s.io/v1".into()));
    }
    ev
}

/// A field selector path of events.k8s.io/v1 in core/v1 terms (`regarding.name` → `involvedObject.name`).
pub fn core_field(field: &str) -> String {
    let (head, rest) = field.split_once('.').map_or((field, None), |(h, r)| (h, Some(r)));
    let head = RENAMES
        .iter()
        .find(|(events, _)| *events == head)
        .map_or(head, |(_, core)| core);
    match rest {
        Some(r) => format!("{head}.{r}"),
        None => head.to_string(),
    }
}

/// When an event was last seen, as seconds since the epoch.
pub fn last_seen(obj: &Value) -> Option<i64> {
    let fmt = time::format_description::well_known::Rfc3339;
    [
        "/series/lastObservedTime",
        "/lastTimestamp",
        "/eventTime",
        "/metadata/creationTimestamp",
    ]
    .iter()
    .filter_map(|p| obj.pointer(p).and_then(Value::as_str))
    .filter_map(|t| time::OffsetDateTime::parse(t, &fmt).ok())
    .map(|t| t.unix_timestamp())
    .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip_between_versions() {
        let ev = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
            "regarding": {"kind": "Kustomization", "name": "apps"}, "note": "applied", "reason": "ReconciliationSucceeded",
            "reportingController": "kustomize-controller", "type": "Normal", "eventTime": "2026-01-01T00:00:00.000000Z"});
        let core = to_core(&ev);
        assert_eq!(core["involvedObject"]["name"], "apps");
        assert_eq!(core["message"], "applied");
        assert_eq!(core["source"]["component"], "kustomize-controller");
        let back = from_core(&core);
        assert_eq!(back["regarding"], ev["regarding"]);
        assert_eq!(back["note"], "applied");
        assert_eq!(core_field("regarding.name"), "involvedObject.name");
    }
}
