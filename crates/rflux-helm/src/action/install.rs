//! `install`: a new release (revision 1, or the next one when replacing an uninstalled or
//! failed release): CRDs first, the record stored `pending-install`, hooks and objects,
//! then `deployed`, or `failed` (and uninstalled when atomic).

use serde_json::json;

use super::cluster::Object;
use super::transition::Step;
use super::{Actions, InstallOptions, UninstallOptions, apply, crds, validate_release_name};
use crate::chart::Chart;
use crate::error::Error;
use crate::release::{Info, Release, now_rfc3339, status};

impl Actions {
    /// Install a chart as a new release (Helm's `install`).
    pub async fn install(&self, chart: &Chart, opts: &InstallOptions) -> Result<Release, Error> {
        let (name, ns) = (opts.release_name.as_str(), opts.namespace.as_str());
        validate_release_name(name)?;
        let history = self.history(name, ns).await?;
        let mut version = 1;
        let mut replaced = None;
        if let Some(last) = history.last() {
            let replaceable = last.info.status == status::UNINSTALLED || last.info.status == status::FAILED;
            if !(opts.replace && replaceable) {
                return Err(Error::Action("cannot re-use a name that is still in use".into()));
            }
            version = last.version + 1;
            replaced = Some(last.clone());
        }
        if opts.create_namespace {
            self.ensure_namespace(ns).await?;
        }
        let rendered = self.render_for(chart, &opts.values, name, ns, version, false).await?;
        crds::install(&self.cluster, &rendered.crds, opts.crds, opts.timeout).await?;
        let now = now_rfc3339();
        let info = Info {
            first_deployed: now.clone(),
            last_deployed: now,
            status: status::PENDING_INSTALL.into(),
            description: "Initial install underway".into(),
            ..Info::default()
        };
        let mut rel = Release::from_rendered(name, ns, version, &rendered, &opts.values, info);
        rel.apply_method = self.settings.apply_method.record_value().into();
        let target = self.target_objects(&rel).await?;
        apply::check_install(&self.cluster, &target, name, ns).await?;
        if let Some(mut last) = replaced {
            last.info.status = status::SUPERSEDED.into();
            self.store().update(&last).await?;
        }
        self.store().create(&rel).await?;
        let step = Step {
            pre: "pre-install",
            post: "post-install",
            wait: opts.wait,
            timeout: opts.timeout,
            disable_hooks: opts.disable_hooks,
        };
        match self.perform(&mut rel, &step, &[], &target).await {
            Ok(()) => {
                rel.info.status = status::DEPLOYED.into();
                rel.info.description = "Install complete".into();
                self.store().update(&rel).await?;
                Ok(rel)
            }
            Err(e) => {
                rel.info.status = status::FAILED.into();
                rel.info.description = format!("Release \"{name}\" failed: {e}");
                if let Err(se) = self.store().update(&rel).await {
                    tracing::warn!(release = name, error = %se, "could not record the failed release");
                }
                if !opts.atomic {
                    return Err(Error::Action(rel.info.description));
                }
                let purge = UninstallOptions {
                    keep_history: false,
                    wait: false,
                    timeout: opts.timeout,
                    disable_hooks: opts.disable_hooks,
                };
                match self.uninstall(name, ns, &purge).await {
                    Ok(_) => Err(Error::Action(format!(
                        "release {name} failed, and has been uninstalled due to atomic being set: {e}"
                    ))),
                    Err(ue) => Err(Error::Action(format!(
                        "{ue}: an error occurred while uninstalling the release. original install error: {e}"
                    ))),
                }
            }
        }
    }

    async fn ensure_namespace(&self, ns: &str) -> Result<(), Error> {
        let obj = self
            .cluster
            .build(
                &[json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}).to_string()],
                "",
                None,
            )
            .await?;
        let Some(o): Option<&Object> = obj.first() else {
            return Ok(());
        };
        if self.cluster.get(o).await?.is_none() {
            self.cluster.create(o).await?;
        }
        Ok(())
    }
}
