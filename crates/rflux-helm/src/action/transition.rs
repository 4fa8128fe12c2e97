//! Moving a release from one manifest to another, shared by install, upgrade and
//! rollback: pre hooks, objects written, optional wait, post hooks. Upgrade and rollback
//! themselves live here too: both supersede the deployed revision on success and mark the
//! new one failed (optionally rolling back) on failure.

use std::time::Duration;

use serde_json::Value;

use super::cluster::Object;
use super::{Actions, ERR_PENDING, RollbackOptions, UpgradeOptions, apply, crds, is_pending};
use crate::chart::Chart;
use crate::error::Error;
use crate::manifest::split_manifests;
use crate::release::{Info, Release, now_rfc3339, status};
use crate::render::{RenderOptions, render};
use crate::values::{Values, merge_user};

/// One step of a release's life.
pub(crate) struct Step<'a> {
    pub pre: &'a str,
    pub post: &'a str,
    pub wait: bool,
    pub timeout: Duration,
    pub disable_hooks: bool,
}

impl Actions {
    /// Render a chart with the cluster's capabilities and `lookup` against it.
    pub(crate) async fn render_for(
        &self,
        chart: &Chart,
        values: &Values,
        name: &str,
        namespace: &str,
        revision: i64,
        is_upgrade: bool,
    ) -> Result<crate::manifest::Rendered, Error> {
        let opts = RenderOptions {
            name: name.into(),
            namespace: namespace.into(),
            revision,
            is_upgrade,
            capabilities: self.capabilities().await?,
            lookup: super::lookup::cluster_lookup(self.cluster.clone()),
            ..RenderOptions::default()
        };
        render(chart, values, &opts)
    }

    /// The objects of a stored manifest; those whose kind the cluster no longer serves
    /// are left out (they cannot exist).
    pub(crate) async fn objects_of(&self, manifest: &str, namespace: &str, owner: Option<(&str, &str)>) -> Vec<Object> {
        let mut out = Vec::new();
        for doc in split_manifests(manifest) {
            match self.cluster.build(std::slice::from_ref(&doc), namespace, owner).await {
                Ok(mut objs) => out.append(&mut objs),
                Err(e) => tracing::warn!(error = %e, "skipping an object of the previous manifest"),
            }
        }
        out
    }

    /// The objects of a new manifest: every one must resolve.
    pub(crate) async fn target_objects(&self, rel: &Release) -> Result<Vec<Object>, Error> {
        let docs = split_manifests(&rel.manifest);
        self.cluster
            .build(&docs, &rel.namespace, Some((rel.name.as_str(), rel.namespace.as_str())))
            .await
    }

    pub(crate) async fn perform(
        &self,
        rel: &mut Release,
        step: &Step<'_>,
        original: &[Object],
        target: &[Object],
    ) -> Result<(), Error> {
        if !step.disable_hooks {
            self.run_hooks(rel, step.pre, step.timeout).await?;
        }
        apply::update(&self.cluster, &self.settings, original, target).await?;
        if step.wait {
            let bodies: Vec<Value> = target.iter().map(|o| o.body.clone()).collect();
            (self.settings.readiness)(self.cluster.client.clone(), bodies, step.timeout)
                .await
                .map_err(Error::Action)?;
        }
        if !step.disable_hooks {
            self.run_hooks(rel, step.post, step.timeout).await?;
        }
        Ok(())
    }

    /// Record a revision, logging (not failing on) a storage error: the action's own
    /// error matters more.
    async fn record_best_effort(&self, rel: &Release) {
        if let Err(e) = self.store().update(rel).await {
            tracing::warn!(release = %rel.name, revision = rel.version, error = %e, "could not record the release");
        }
    }

    /// Upgrade a release to a chart and values (Helm's `upgrade`).
    pub async fn upgrade(&self, chart: &Chart, opts: &UpgradeOptions) -> Result<Release, Error> {
        let (name, ns) = (opts.release_name.as_str(), opts.namespace.as_str());
        let history = self.history(name, ns).await?;
        let Some(last) = history.last() else {
            return Err(Error::Action(format!("\"{name}\" has no deployed releases")));
        };
        if is_pending(&last.info.status) {
            return Err(Error::Action(ERR_PENDING.into()));
        }
        let current = if last.info.status == status::DEPLOYED {
            last.clone()
        } else if let Some(d) = history.iter().rev().find(|r| r.info.status == status::DEPLOYED) {
            d.clone()
        } else if last.info.status == status::FAILED || last.info.status == status::SUPERSEDED {
            last.clone()
        } else {
            return Err(Error::Action(format!("\"{name}\" has no deployed releases")));
        };
        let values = if opts.reset_values {
            opts.values.clone()
        } else if opts.reuse_values {
            let mut v = current.config.clone();
            merge_user(&mut v, &opts.values);
            v
        } else if opts.values.is_empty() {
            current.config.clone()
        } else {
            opts.values.clone()
        };
        let version = last.version + 1;
        let rendered = self.render_for(chart, &values, name, ns, version, true).await?;
        crds::install(&self.cluster, &rendered.crds, opts.crds, opts.timeout).await?;
        let now = now_rfc3339();
        let info = Info {
            first_deployed: current.info.first_deployed.clone(),
            last_deployed: now,
            status: status::PENDING_UPGRADE.into(),
            description: "Preparing upgrade".into(),
            ..Info::default()
        };
        let mut rel = Release::from_rendered(name, ns, version, &rendered, &values, info);
        rel.apply_method = self.settings.apply_method.record_value().into();
        let original = self.objects_of(&current.manifest, ns, None).await;
        let target = self.target_objects(&rel).await?;
        self.store().create(&rel).await?;
        let step = Step {
            pre: "pre-upgrade",
            post: "post-upgrade",
            wait: opts.wait,
            timeout: opts.timeout,
            disable_hooks: opts.disable_hooks,
        };
        match self.perform(&mut rel, &step, &original, &target).await {
            Ok(()) => {
                let mut previous = current;
                previous.info.status = status::SUPERSEDED.into();
                self.store().update(&previous).await?;
                rel.info.status = status::DEPLOYED.into();
                rel.info.description = "Upgrade complete".into();
                self.store().update(&rel).await?;
                self.prune_history(name, ns, opts.max_history).await?;
                Ok(rel)
            }
            Err(e) => {
                rel.info.status = status::FAILED.into();
                rel.info.description = format!("Upgrade \"{name}\" failed: {e}");
                self.record_best_effort(&rel).await;
                if !opts.atomic {
                    return Err(Error::Action(rel.info.description));
                }
                let back = RollbackOptions {
                    version: current.version,
                    wait: opts.wait,
                    timeout: opts.timeout,
                    disable_hooks: opts.disable_hooks,
                    max_history: opts.max_history,
                };
                match self.rollback(name, ns, &back).await {
                    Ok(_) => Err(Error::Action(format!(
                        "release {name} failed, and has been rolled back due to atomic being set: {e}"
                    ))),
                    Err(re) => Err(Error::Action(format!(
                        "an error occurred while rolling back the release. original upgrade error: {e}: {re}"
                    ))),
                }
            }
        }
    }

    /// Roll a release back to an earlier revision, as a new revision (Helm's `rollback`).
    pub async fn rollback(&self, name: &str, namespace: &str, opts: &RollbackOptions) -> Result<Release, Error> {
        let history = self.history(name, namespace).await?;
        let Some(current) = history.last().cloned() else {
            return Err(Error::Action(format!("release: not found: {name}")));
        };
        if is_pending(&current.info.status) {
            return Err(Error::Action(ERR_PENDING.into()));
        }
        let wanted = if opts.version == 0 {
            current.version - 1
        } else {
            opts.version
        };
        if wanted < 1 {
            return Err(Error::Action(format!("release has no {wanted} version")));
        }
        let Some(target) = history.iter().find(|r| r.version == wanted) else {
            return Err(Error::Action(format!("release: not found: {name} revision {wanted}")));
        };
        let mut rel = target.clone();
        rel.version = current.version + 1;
        rel.info = Info {
            first_deployed: current.info.first_deployed.clone(),
            last_deployed: now_rfc3339(),
            status: status::PENDING_ROLLBACK.into(),
            description: format!("Rollback to {wanted}"),
            notes: target.info.notes.clone(),
            ..Info::default()
        };
        for h in &mut rel.hooks {
            h.started_at.clear();
            h.completed_at.clear();
            h.phase.clear();
        }
        rel.apply_method = self.settings.apply_method.record_value().into();
        let original = self.objects_of(&current.manifest, namespace, None).await;
        let target_objects = self.target_objects(&rel).await?;
        self.store().create(&rel).await?;
        let step = Step {
            pre: "pre-rollback",
            post: "post-rollback",
            wait: opts.wait,
            timeout: opts.timeout,
            disable_hooks: opts.disable_hooks,
        };
        match self.perform(&mut rel, &step, &original, &target_objects).await {
            Ok(()) => {
                for r in history.iter().filter(|r| r.info.status == status::DEPLOYED) {
                    let mut r = r.clone();
                    r.info.status = status::SUPERSEDED.into();
                    self.store().update(&r).await?;
                }
                rel.info.status = status::DEPLOYED.into();
                self.store().update(&rel).await?;
                self.prune_history(name, namespace, opts.max_history).await?;
                Ok(rel)
            }
            Err(e) => {
                rel.info.status = status::FAILED.into();
                rel.info.description = format!("Rollback \"{name}\" failed: {e}");
                self.record_best_effort(&rel).await;
                Err(Error::Action(rel.info.description))
            }
        }
    }
}
