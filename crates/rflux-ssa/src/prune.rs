//! Garbage collection of stale objects: what an older inventory lists and a newer one does
//! not is deleted in reverse apply order, but only when it carries the owner's labels and is
//! not marked `kustomize.toolkit.fluxcd.io/prune: disabled`.

use std::collections::BTreeMap;

use rflux_api::annotations::{DISABLED, KUSTOMIZE_PRUNE, RECONCILE};

use crate::apply::Applier;
use crate::changeset::{Action, ChangeSet, ChangeSetEntry};
use crate::discovery::DiscoveryError;
use crate::error::message_of;
use crate::object::{ObjectRef, any_in_metadata, string_map};
use crate::order::apply_order;
use crate::rest::{self, Target};

/// Which stale objects may be deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PruneOptions {
    /// Only objects carrying all these labels are deleted (empty: no label requirement).
    pub owner_labels: BTreeMap<String, String>,
    /// Objects carrying any of these labels/annotations are kept. Default:
    /// `kustomize.toolkit.fluxcd.io/prune: disabled` and `kustomize.toolkit.fluxcd.io/reconcile: disabled`.
    pub exclusions: BTreeMap<String, String>,
}

impl Default for PruneOptions {
    fn default() -> Self {
        PruneOptions {
            owner_labels: BTreeMap::new(),
            exclusions: BTreeMap::from([
                (KUSTOMIZE_PRUNE.to_string(), DISABLED.to_string()),
                (RECONCILE.to_string(), DISABLED.to_string()),
            ]),
        }
    }
}

impl PruneOptions {
    /// Deletes only what the Kustomization `name` in `namespace` labelled as its own.
    pub fn for_kustomization(name: &str, namespace: &str) -> PruneOptions {
        PruneOptions {
            owner_labels: rflux_api::annotations::kustomize_owner_labels(name, namespace)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            ..PruneOptions::default()
        }
    }
}

/// Some deletions failed; the others were done.
#[derive(Debug, Clone, thiserror::Error)]
#[error("delete failed, errors: {}", errors.join("; "))]
pub struct PruneError {
    /// What was deleted or skipped before and after the failures.
    pub changes: ChangeSet,
    /// One message per failed object, naming it.
    pub errors: Vec<String>,
}

impl Applier {
    /// Deletes the `stale` objects (reverse apply order). Objects already gone count as deleted;
    /// objects without the owner labels or with a prune exclusion are skipped.
    pub async fn prune(&self, stale: &[ObjectRef], opts: &PruneOptions) -> Result<ChangeSet, PruneError> {
        let mut objects = stale.to_vec();
        objects.sort_by(|a, b| apply_order(b, a));
        let mut changes = ChangeSet::default();
        let mut errors = Vec::new();
        for object in &objects {
            match self.prune_one(object, opts).await {
                Ok(action) => {
                    tracing::debug!(%object, %action, "pruned");
                    changes.push(ChangeSetEntry::new(object, action));
                }
                Err(message) => errors.push(format!("{} {message}", object.subject())),
            }
        }
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(PruneError { changes, errors })
        }
    }

    async fn prune_one(&self, object: &ObjectRef, opts: &PruneOptions) -> Result<Action, String> {
        let resource = match self.discovery.resolve(&object.api_version(), &object.id.kind).await {
            Ok(r) => r,
            // The kind is no longer served (its CRD went first): nothing left to delete.
            Err(DiscoveryError::UnknownKind { .. }) => return Ok(Action::Deleted),
            Err(e) => return Err(format!("query failed: {e}")),
        };
        let target = Target {
            resource: &resource,
            namespace: &object.id.namespace,
            name: &object.id.name,
        };
        let Some(live) = rest::get(&self.client, &target)
            .await
            .map_err(|e| format!("query failed: {}", message_of(&e)))?
        else {
            return Ok(Action::Deleted);
        };
        let labels = string_map(&live, "labels");
        if opts.owner_labels.iter().any(|(k, v)| labels.get(k) != Some(v)) {
            return Ok(Action::Skipped);
        }
        if any_in_metadata(&live, &opts.exclusions) {
            return Ok(Action::Skipped);
        }
        rest::delete(&self.client, &target)
            .await
            .map_err(|e| format!("delete failed: {}", message_of(&e)))?;
        Ok(Action::Deleted)
    }
}
