//! Previewing an apply without changing anything (`flux diff kustomization`): each object is
//! applied as a server-side dry run and compared with the live object. Secret values are
//! masked so a diff never shows them.

use serde_json::Value;

use crate::apply::{Applier, ApplyOptions, dry_run_error, set_owner_labels, should_skip};
use crate::changeset::{Action, ChangeSetEntry};
use crate::discovery::DiscoveryError;
use crate::drift::has_drifted;
use crate::error::ApplyError;
use crate::object::ObjectRef;
use crate::order::apply_order;

/// What applying one object would do.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffEntry {
    /// `Created`, `Configured`, `Unchanged` or `Skipped`.
    pub entry: ChangeSetEntry,
    /// The live object (managedFields removed, Secret values masked) when it exists and would change.
    pub live: Option<Value>,
    /// The object as it would be after the apply (same treatment), when it would be created or change.
    pub desired: Option<Value>,
}

const MASK_SAME: &str = "***";
const MASK_BEFORE: &str = "*****";
const MASK_AFTER: &str = "******";

impl Applier {
    /// What [`Applier::apply_all`] would do with `objects`, in apply order, without writing.
    /// Objects of kinds the cluster does not serve yet (their CRD is among `objects`) are
    /// reported as created, with the manifest as the desired state.
    pub async fn diff_all(&self, objects: Vec<Value>, opts: &ApplyOptions) -> Result<Vec<DiffEntry>, ApplyError> {
        let mut members = Vec::with_capacity(objects.len());
        for mut obj in objects {
            set_owner_labels(&mut obj, &opts.owner_labels)?;
            let object = ObjectRef::from_object(&obj)?;
            members.push((obj, object));
        }
        members.sort_by(|a, b| apply_order(&a.1, &b.1));
        let mut out = Vec::with_capacity(members.len());
        for (body, object) in members {
            let prepared = match self.prepare(body.clone(), object.clone()).await {
                Ok(p) => p,
                Err(ApplyError::Discovery {
                    source: DiscoveryError::UnknownKind { .. },
                    ..
                }) => {
                    out.push(DiffEntry {
                        entry: ChangeSetEntry::new(&object, Action::Created),
                        live: None,
                        desired: Some(body),
                    });
                    continue;
                }
                Err(e) => return Err(e),
            };
            let entry = |action| ChangeSetEntry::new(&prepared.object, action);
            let live = self.get(&prepared).await?;
            if should_skip(&prepared.body, live.as_ref(), opts) {
                out.push(DiffEntry {
                    entry: entry(Action::Skipped),
                    live: None,
                    desired: None,
                });
                continue;
            }
            let dry_run = self
                .dry_run(&prepared)
                .await
                .map_err(|source| dry_run_error(&prepared.object.subject(), source))?;
            let diff = match live {
                None => {
                    let mut desired = dry_run;
                    strip_managed_fields(&mut desired);
                    mask_secret(None, Some(&mut desired));
                    DiffEntry {
                        entry: entry(Action::Created),
                        live: None,
                        desired: Some(desired),
                    }
                }
                Some(mut live) if has_drifted(&live, &dry_run) => {
                    let mut desired = dry_run;
                    strip_managed_fields(&mut live);
                    strip_managed_fields(&mut desired);
                    mask_secret(Some(&mut live), Some(&mut desired));
                    DiffEntry {
                        entry: entry(Action::Configured),
                        live: Some(live),
                        desired: Some(desired),
                    }
                }
                Some(_) => DiffEntry {
                    entry: entry(Action::Unchanged),
                    live: None,
                    desired: None,
                },
            };
            out.push(diff);
        }
        Ok(out)
    }
}

fn strip_managed_fields(obj: &mut Value) {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
}

/// Replaces Secret values by masks: equal values by `***`, changed ones by masks of
/// different lengths so the diff still shows which keys change.
fn mask_secret(live: Option<&mut Value>, desired: Option<&mut Value>) {
    let is_secret = |v: &Value| {
        v.get("kind").and_then(Value::as_str) == Some("Secret")
            && v.get("apiVersion").and_then(Value::as_str) == Some("v1")
    };
    let mut live = live.filter(|v| is_secret(v));
    let mut desired = desired.filter(|v| is_secret(v));
    for field in ["data", "stringData"] {
        let before = live.as_ref().and_then(|v| v.get(field)).cloned();
        let after = desired.as_ref().and_then(|v| v.get(field)).cloned();
        let same = |key: &str| {
            before.as_ref().and_then(|b| b.get(key)).is_some()
                && before.as_ref().and_then(|b| b.get(key)) == after.as_ref().and_then(|a| a.get(key))
        };
        let mask = |obj: Option<&mut Value>, changed: &str| {
            if let Some(map) = obj.and_then(|o| o.get_mut(field)).and_then(Value::as_object_mut) {
                for (key, value) in map.iter_mut() {
                    let text = if same(key) { MASK_SAME } else { changed };
                    *value = Value::String(text.to_string());
                }
            }
        };
        mask(live.as_deref_mut(), MASK_BEFORE);
        mask(desired.as_deref_mut(), MASK_AFTER);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_masked_showing_only_which_keys_change() {
        let mut live =
            json!({"apiVersion": "v1", "kind": "Secret", "data": {"same": "YQ==", "old": "Yg==", "gone": "Yw=="}});
        let mut desired =
            json!({"apiVersion": "v1", "kind": "Secret", "data": {"same": "YQ==", "old": "ZA==", "new": "ZQ=="}});
        mask_secret(Some(&mut live), Some(&mut desired));
        assert_eq!(live["data"], json!({"same": "***", "old": "*****", "gone": "*****"}));
        assert_eq!(
            desired["data"],
            json!({"same": "***", "old": "******", "new": "******"})
        );
        let mut cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "1"}});
        mask_secret(None, Some(&mut cm));
        assert_eq!(cm["data"]["a"], "1");
    }
}
