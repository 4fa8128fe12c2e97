//! Staged server-side apply, as Flux's kustomize-controller does it. Objects are split into
//! stages (cluster definitions, `*Class` kinds, the rest) applied one after another, each
//! waited for before the next. Within a stage, every object is first applied as a server-side
//! dry run; only objects whose dry-run result differs from the live object are really applied,
//! so unchanged objects keep their resourceVersion. Per-object annotations select skipping,
//! create-only, merge and forced recreation.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use rflux_api::annotations::{DISABLED, KUSTOMIZE_SSA, RECONCILE};
use serde_json::Value;

use crate::changeset::{Action, ChangeSet, ChangeSetEntry};
use crate::cleanup::{CleanupOptions, FieldManager, Operation, cleanup_patch};
use crate::discovery::{DiscoveryCache, Resource};
use crate::drift::has_drifted;
use crate::error::{ApplyError, immutable_fields, is_immutable, message_of, reason_of};
use crate::object::{ObjectRef, any_in_metadata, metadata_mut};
use crate::order::{Stage, apply_order};
use crate::rest::{self, Target};
use crate::wait::WaitOptions;

/// Value of `kustomize.toolkit.fluxcd.io/ssa` that skips the object.
pub const SSA_IGNORE: &str = "Ignore";
/// Value of `kustomize.toolkit.fluxcd.io/ssa` that creates the object but never updates it.
pub const SSA_IF_NOT_PRESENT: &str = "IfNotPresent";
/// Value of `kustomize.toolkit.fluxcd.io/ssa` that keeps fields other managers set.
pub const SSA_MERGE: &str = "Merge";
/// Annotation that allows recreating the object when an immutable field changes.
pub const FORCE_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/force";
/// Value of [`FORCE_ANNOTATION`] that turns recreation on.
pub const ENABLED: &str = "enabled";

/// How to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Recreate any object whose apply fails on an immutable field.
    pub force: bool,
    /// Objects (desired or live) with any of these labels/annotations are recreated on
    /// immutable-field errors. Default: `kustomize.toolkit.fluxcd.io/force: enabled`.
    pub force_selector: BTreeMap<String, String>,
    /// Objects (desired or live) with any of these are skipped. Default:
    /// `kustomize.toolkit.fluxcd.io/reconcile: disabled` and `kustomize.toolkit.fluxcd.io/ssa: Ignore`.
    pub exclusion_selector: BTreeMap<String, String>,
    /// Desired objects with any of these are only created, never updated. Default:
    /// `kustomize.toolkit.fluxcd.io/ssa: IfNotPresent`.
    pub if_not_present_selector: BTreeMap<String, String>,
    /// Labels set on every object before applying (Flux's ownership labels,
    /// `kustomize.toolkit.fluxcd.io/name` and `/namespace`); empty sets none.
    pub owner_labels: BTreeMap<String, String>,
    /// Metadata cleaned from live objects before applying.
    pub cleanup: CleanupOptions,
    /// How long to wait for each stage's cluster definitions and classes to become ready.
    pub wait_timeout: Duration,
}

fn selector(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

impl Default for ApplyOptions {
    /// Flux's kustomize-controller options, force off, no owner labels.
    fn default() -> Self {
        ApplyOptions {
            force: false,
            force_selector: selector(&[(FORCE_ANNOTATION, ENABLED)]),
            exclusion_selector: selector(&[(RECONCILE, DISABLED), (KUSTOMIZE_SSA, SSA_IGNORE)]),
            if_not_present_selector: selector(&[(KUSTOMIZE_SSA, SSA_IF_NOT_PRESENT)]),
            owner_labels: BTreeMap::new(),
            cleanup: CleanupOptions::default(),
            wait_timeout: Duration::from_secs(60),
        }
    }
}

impl ApplyOptions {
    /// Flux's options with the ownership labels of the Kustomization `name` in `namespace`.
    pub fn for_kustomization(name: &str, namespace: &str) -> ApplyOptions {
        ApplyOptions {
            owner_labels: rflux_api::annotations::kustomize_owner_labels(name, namespace)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            ..ApplyOptions::default()
        }
    }
}

/// The apply engine for one cluster and one field manager.
pub struct Applier {
    pub(crate) client: kube::Client,
    pub(crate) field_manager: String,
    pub(crate) discovery: DiscoveryCache,
    pub(crate) poll_interval: Duration,
    pub(crate) concurrency: usize,
}

/// An object ready to be applied: its body, identity and REST resource.
pub(crate) struct Prepared {
    pub(crate) body: Value,
    pub(crate) object: ObjectRef,
    resource: Arc<Resource>,
}

impl Prepared {
    fn target(&self) -> Target<'_> {
        Target {
            resource: &self.resource,
            namespace: &self.object.id.namespace,
            name: &self.object.id.name,
        }
    }

    fn subject(&self) -> String {
        self.object.subject()
    }
}

impl Applier {
    /// An engine applying as `field_manager` (Flux's is `kustomize-controller`).
    pub fn new(client: kube::Client, field_manager: impl Into<String>) -> Applier {
        Applier {
            discovery: DiscoveryCache::new(client.clone()),
            client,
            field_manager: field_manager.into(),
            poll_interval: Duration::from_secs(2),
            concurrency: 4,
        }
    }

    /// How many objects of a stage are dry-run at once (default 4). Real applies stay in order.
    pub fn with_concurrency(mut self, concurrency: usize) -> Applier {
        self.concurrency = concurrency.max(1);
        self
    }

    /// How often waits poll the cluster (default 2 s).
    pub fn with_poll_interval(mut self, interval: Duration) -> Applier {
        self.poll_interval = interval;
        self
    }

    /// Applies `objects` in stages and returns what happened to each, in apply order.
    pub async fn apply_all(&self, objects: Vec<Value>, opts: &ApplyOptions) -> Result<ChangeSet, ApplyError> {
        let mut stages: BTreeMap<Stage, Vec<(Value, ObjectRef)>> = BTreeMap::new();
        for mut obj in objects {
            set_owner_labels(&mut obj, &opts.owner_labels)?;
            let object = ObjectRef::from_object(&obj)?;
            let stage = Stage::of(&object.id.group, &object.id.kind);
            stages.entry(stage).or_default().push((obj, object));
        }
        let mut changes = ChangeSet::default();
        for (stage, mut members) in stages {
            members.sort_by(|a, b| apply_order(&a.1, &b.1));
            let stage_changes = self.apply_stage(members, opts).await?;
            // Skipped objects may legitimately not exist; only what was applied is waited for.
            let applied: Vec<ObjectRef> = stage_changes
                .entries
                .iter()
                .filter(|e| e.action != Action::Skipped)
                .map(ChangeSetEntry::object)
                .collect();
            if stage != Stage::Resources && !applied.is_empty() {
                let wait = WaitOptions::new(opts.wait_timeout, self.poll_interval);
                self.wait_with(&applied, &wait, std::future::pending())
                    .await
                    .map_err(|source| ApplyError::StageNotReady {
                        stage: stage_name(stage),
                        source,
                    })?;
            }
            changes.extend(stage_changes);
        }
        Ok(changes)
    }

    /// One stage: dry-run every object, then apply those that changed.
    async fn apply_stage(
        &self,
        members: Vec<(Value, ObjectRef)>,
        opts: &ApplyOptions,
    ) -> Result<ChangeSet, ApplyError> {
        let planned: Vec<(Prepared, (Action, bool))> = futures::stream::iter(members)
            .map(|(body, object)| async move {
                let prepared = self.prepare(body, object).await?;
                let action = self.plan(&prepared, opts).await?;
                Ok::<_, ApplyError>((prepared, action))
            })
            .buffered(self.concurrency)
            .try_collect()
            .await?;
        let mut changes = ChangeSet::default();
        for (prepared, (action, needs_apply)) in planned {
            if needs_apply {
                rest::apply(
                    &self.client,
                    &prepared.target(),
                    &prepared.body,
                    &self.field_manager,
                    false,
                )
                .await
                .map_err(|source| ApplyError::Apply {
                    subject: prepared.subject(),
                    message: message_of(&source),
                    source: Box::new(source),
                })?;
            }
            tracing::debug!(object = %prepared.object, %action, "applied");
            changes.push(ChangeSetEntry::new(&prepared.object, action));
        }
        Ok(changes)
    }

    /// Resolves the object's resource and settles its namespace.
    pub(crate) async fn prepare(&self, mut body: Value, mut object: ObjectRef) -> Result<Prepared, ApplyError> {
        let api_version = object.api_version();
        let resource = self
            .discovery
            .resolve(&api_version, &object.id.kind)
            .await
            .map_err(|source| ApplyError::Discovery {
                subject: object.subject(),
                source,
            })?;
        if resource.namespaced && object.id.namespace.is_empty() {
            return Err(ApplyError::NamespaceNotSpecified {
                subject: object.subject(),
            });
        }
        if !resource.namespaced && !object.id.namespace.is_empty() {
            object.id.namespace.clear();
            metadata_mut(&mut body)?.remove("namespace");
        }
        Ok(Prepared { body, object, resource })
    }

    /// Decides what to do with one object: its action and whether it must be applied.
    async fn plan(&self, prepared: &Prepared, opts: &ApplyOptions) -> Result<(Action, bool), ApplyError> {
        let subject = prepared.subject();
        let mut live = self.get(prepared).await?;
        if should_skip(&prepared.body, live.as_ref(), opts) {
            return Ok((Action::Skipped, false));
        }
        let dry_run = match self.dry_run(prepared).await {
            Ok(result) => result,
            Err(err) if live.is_some() && is_immutable(&err) => {
                let forced = opts.force
                    || any_in_metadata(&prepared.body, &opts.force_selector)
                    || live.as_ref().is_some_and(|l| any_in_metadata(l, &opts.force_selector));
                if !forced {
                    return Err(ApplyError::Immutable {
                        subject,
                        fields: immutable_fields(&err),
                        message: message_of(&err),
                    });
                }
                tracing::info!(object = %prepared.object, "immutable field changed, recreating");
                self.delete_and_wait(prepared, opts.wait_timeout).await?;
                live = None;
                self.dry_run(prepared)
                    .await
                    .map_err(|source| dry_run_error(&subject, source))?
            }
            Err(source) => return Err(dry_run_error(&subject, source)),
        };
        let Some(live) = live else {
            return Ok((Action::Created, true));
        };
        let own_updates = [FieldManager::new(self.field_manager.clone(), Operation::Update)];
        let ops = cleanup_patch(&prepared.body, &live, &opts.cleanup, &self.field_manager, &own_updates);
        let cleaned = !ops.is_empty();
        if cleaned {
            rest::json_patch(
                &self.client,
                &prepared.target(),
                &Value::Array(ops),
                &self.field_manager,
            )
            .await
            .map_err(|source| ApplyError::Cleanup {
                subject: subject.clone(),
                message: message_of(&source),
                source: Box::new(source),
            })?;
        }
        if cleaned || has_drifted(&live, &dry_run) {
            Ok((Action::Configured, true))
        } else {
            Ok((Action::Unchanged, false))
        }
    }

    pub(crate) async fn get(&self, prepared: &Prepared) -> Result<Option<Value>, ApplyError> {
        rest::get(&self.client, &prepared.target())
            .await
            .map_err(|source| ApplyError::Query {
                subject: prepared.subject(),
                message: message_of(&source),
                source: Box::new(source),
            })
    }

    pub(crate) async fn dry_run(&self, prepared: &Prepared) -> Result<Value, kube::Error> {
        rest::apply(
            &self.client,
            &prepared.target(),
            &prepared.body,
            &self.field_manager,
            true,
        )
        .await
    }

    /// Deletes the live object and waits until it is gone (finalizers may hold it).
    async fn delete_and_wait(&self, prepared: &Prepared, timeout: Duration) -> Result<(), ApplyError> {
        let subject = prepared.subject();
        let failed = |message: String| ApplyError::Recreate {
            subject: subject.clone(),
            message,
        };
        rest::delete(&self.client, &prepared.target())
            .await
            .map_err(|e| failed(message_of(&e)))?;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match rest::get(&self.client, &prepared.target()).await {
                Ok(None) => return Ok(()),
                Ok(Some(_)) => {}
                Err(e) => return Err(failed(message_of(&e))),
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(failed(format!("still present after {timeout:?}")));
            }
            tokio::time::sleep(self.poll_interval.min(Duration::from_millis(200))).await;
        }
    }
}

pub(crate) fn dry_run_error(subject: &str, source: kube::Error) -> ApplyError {
    ApplyError::DryRun {
        subject: subject.to_string(),
        reason: reason_of(&source),
        message: message_of(&source),
        source: Box::new(source),
    }
}

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::ClusterDefinitions => "cluster definitions",
        Stage::Classes => "class definitions",
        Stage::Resources => "resources",
    }
}

/// Skipped: excluded by annotation (on the desired or the live object), or create-only and
/// already present.
pub(crate) fn should_skip(desired: &Value, live: Option<&Value>, opts: &ApplyOptions) -> bool {
    if any_in_metadata(desired, &opts.exclusion_selector)
        || live.is_some_and(|l| any_in_metadata(l, &opts.exclusion_selector))
    {
        return true;
    }
    let exists = live
        .and_then(|l| l.pointer("/metadata/uid"))
        .and_then(Value::as_str)
        .is_some_and(|uid| !uid.is_empty());
    exists && any_in_metadata(desired, &opts.if_not_present_selector)
}

pub(crate) fn set_owner_labels(obj: &mut Value, labels: &BTreeMap<String, String>) -> Result<(), ApplyError> {
    if labels.is_empty() {
        return Ok(());
    }
    let meta = metadata_mut(obj)?;
    let existing = meta
        .entry("labels")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    if !existing.is_object() {
        *existing = Value::Object(serde_json::Map::new());
    }
    if let Some(map) = existing.as_object_mut() {
        for (k, v) in labels {
            map.insert(k.clone(), Value::String(v.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The engine's futures can be spawned on a multi-threaded runtime.
    #[allow(dead_code)]
    fn futures_are_send(applier: &Applier, opts: &ApplyOptions) {
        fn send<T: Send>(_: T) {}
        send(applier.apply_all(Vec::new(), opts));
        send(applier.diff_all(Vec::new(), opts));
        send(applier.prune(&[], &crate::PruneOptions::default()));
        send(applier.wait(&[], Duration::from_secs(1), std::future::pending()));
    }

    #[test]
    fn skip_rules() {
        let opts = ApplyOptions::default();
        let plain = json!({"metadata": {"name": "a"}});
        let live = json!({"metadata": {"name": "a", "uid": "u1"}});
        assert!(!should_skip(&plain, Some(&live), &opts));
        let ignored = json!({"metadata": {"annotations": {"kustomize.toolkit.fluxcd.io/ssa": "Ignore"}}});
        assert!(should_skip(&ignored, None, &opts));
        let disabled_live =
            json!({"metadata": {"uid": "u", "labels": {"kustomize.toolkit.fluxcd.io/reconcile": "disabled"}}});
        assert!(should_skip(&plain, Some(&disabled_live), &opts));
        let once = json!({"metadata": {"annotations": {"kustomize.toolkit.fluxcd.io/ssa": "IfNotPresent"}}});
        assert!(!should_skip(&once, None, &opts));
        assert!(should_skip(&once, Some(&live), &opts));
    }

    #[test]
    fn owner_labels_are_added() {
        let mut obj = json!({"metadata": {"name": "a", "labels": {"app": "x"}}});
        let opts = ApplyOptions::for_kustomization("apps", "flux-system");
        set_owner_labels(&mut obj, &opts.owner_labels).unwrap();
        assert_eq!(
            obj["metadata"]["labels"],
            json!({"app": "x", "kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"})
        );
    }
}
