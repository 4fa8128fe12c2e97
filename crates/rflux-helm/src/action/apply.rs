//! Writing a release's objects: create on install (refusing objects another owner has),
//! update from a previous manifest to a new one (server-side apply, or a three-way patch
//! between the previous manifest, the live object and the new manifest: strategic for
//! built-in kinds, JSON merge for custom resources), and
//! deleting what the new manifest no longer holds unless `helm.sh/resource-policy: keep`.

use serde_json::{Map, Value};

use super::Settings;
use super::cluster::{Cluster, Object};
use super::strategic::three_way_strategic_patch;
use crate::error::Error;

/// Helm's ownership check: an existing object may be adopted only when it already
/// belongs to this release.
fn check_ownership(o: &Object, live: &Value, release: &str, namespace: &str) -> Result<(), Error> {
    let label = live
        .pointer("/metadata/labels/app.kubernetes.io~1managed-by")
        .and_then(Value::as_str);
    let name = live
        .pointer("/metadata/annotations/meta.helm.sh~1release-name")
        .and_then(Value::as_str);
    let ns = live
        .pointer("/metadata/annotations/meta.helm.sh~1release-namespace")
        .and_then(Value::as_str);
    let mut problems = Vec::new();
    if label != Some("Helm") {
        problems.push(format!(
            "label validation error: missing key \"app.kubernetes.io/managed-by\": must be set to \"Helm\"{}",
            label.map(|l| format!(" (is {l:?})")).unwrap_or_default()
        ));
    }
    if name != Some(release) {
        problems.push(format!(
            "annotation validation error: key \"meta.helm.sh/release-name\" must equal \"{release}\": current value is \"{}\"",
            name.unwrap_or_default()
        ));
    }
    if ns != Some(namespace) {
        problems.push(format!(
            "annotation validation error: key \"meta.helm.sh/release-namespace\" must equal \"{namespace}\": current value is \"{}\"",
            ns.unwrap_or_default()
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::Action(format!(
        "rendered manifests contain a resource that already exists. Unable to continue with install: {} exists and cannot be imported into the current release: invalid ownership metadata; {}",
        o.describe(),
        problems.join("; ")
    )))
}

/// Install: every object must be new or already owned by this release.
pub(crate) async fn check_install(
    cluster: &Cluster,
    objects: &[Object],
    release: &str,
    namespace: &str,
) -> Result<(), Error> {
    for o in objects {
        if let Some(live) = cluster.get(o).await? {
            check_ownership(o, &live, release, namespace)?;
        }
    }
    Ok(())
}

/// Bring the cluster from `original` (the previous release's objects; empty on install)
/// to `target`.
pub(crate) async fn update(
    cluster: &Cluster,
    settings: &Settings,
    original: &[Object],
    target: &[Object],
) -> Result<(), Error> {
    for o in target {
        if settings.apply_method == super::ApplyMethod::ServerSide {
            cluster
                .apply(o, &settings.field_manager, settings.force_conflicts)
                .await?;
            continue;
        }
        // Client-side: create, or a three-way patch against the live object.
        match cluster.get(o).await? {
            None => cluster.create(o).await?,
            Some(live) => {
                let before = original.iter().find(|x| x.key() == o.key()).map(|x| &x.body);
                let (patch, strategic) = match three_way_strategic_patch(before, &o.body, &live) {
                    Some(p) => (p, true),
                    None => (three_way_merge_patch(before, &o.body, &live), false),
                };
                if patch.as_object().is_some_and(|p| !p.is_empty()) {
                    cluster
                        .merge_patch(o, &patch, strategic, &settings.field_manager)
                        .await?;
                }
            }
        }
    }
    for o in original.iter().rev() {
        if target.iter().any(|t| t.key() == o.key()) {
            continue;
        }
        let Some(live) = cluster.get(o).await? else { continue };
        if keep(&live) {
            tracing::info!(object = %o.describe(), "skipping delete due to helm.sh/resource-policy: keep");
            continue;
        }
        cluster.delete(o).await?;
    }
    Ok(())
}

/// Whether an object carries `helm.sh/resource-policy: keep`.
pub(crate) fn keep(live: &Value) -> bool {
    live.pointer("/metadata/annotations/helm.sh~1resource-policy")
        .and_then(Value::as_str)
        .is_some_and(|p| p.trim() == "keep")
}

/// A three-way JSON merge patch (kubectl's `CreateThreeWayJSONMergePatch`): members of
/// `modified` that differ from `current`, and `null` for members `original` had and
/// `modified` dropped. Lists are replaced whole.
pub fn three_way_merge_patch(original: Option<&Value>, modified: &Value, current: &Value) -> Value {
    Value::Object(diff(
        original.and_then(Value::as_object),
        modified.as_object().unwrap_or(&Map::new()),
        current.as_object(),
    ))
}

fn diff(
    original: Option<&Map<String, Value>>,
    modified: &Map<String, Value>,
    current: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    let mut patch = Map::new();
    for (k, m) in modified {
        let c = current.and_then(|c| c.get(k));
        match (m, c) {
            (Value::Object(mm), Some(Value::Object(cm))) => {
                let sub = diff(original.and_then(|o| o.get(k)).and_then(Value::as_object), mm, Some(cm));
                if !sub.is_empty() {
                    patch.insert(k.clone(), Value::Object(sub));
                }
            }
            (m, Some(c)) if m == c => {}
            (m, _) => {
                patch.insert(k.clone(), m.clone());
            }
        }
    }
    if let Some(o) = original {
        for k in o.keys() {
            if !modified.contains_key(k) && current.is_some_and(|c| c.contains_key(k)) {
                patch.insert(k.clone(), Value::Null);
            }
        }
    }
    patch
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::three_way_merge_patch;

    #[test]
    fn three_way() {
        let original = json!({"a": 1, "b": {"x": 1, "y": 2}, "gone": true});
        let modified = json!({"a": 2, "b": {"x": 1}, "list": [1, 2]});
        let current = json!({"a": 1, "b": {"x": 1, "y": 2, "z": 3}, "gone": true, "other": 5, "list": [1]});
        assert_eq!(
            three_way_merge_patch(Some(&original), &modified, &current),
            json!({"a": 2, "b": {"y": null}, "list": [1, 2], "gone": null})
        );
        assert_eq!(
            three_way_merge_patch(Some(&modified), &modified, &current)["b"],
            json!(null)
        );
    }
}
