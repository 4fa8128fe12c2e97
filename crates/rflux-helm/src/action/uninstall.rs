//! `uninstall`: pre-delete hooks, the release's objects deleted in reverse install order
//! (those marked `helm.sh/resource-policy: keep` stay), post-delete hooks, then the
//! records purged, or the last one kept as `uninstalled`.

use std::time::Duration;

use super::{Actions, UninstallOptions, apply, hooks, storage};
use crate::error::Error;
use crate::release::{Release, now_rfc3339, status};

impl Actions {
    /// Uninstall a release (Helm's `uninstall`); returns its last revision as left.
    pub async fn uninstall(&self, name: &str, namespace: &str, opts: &UninstallOptions) -> Result<Release, Error> {
        let history = self.history(name, namespace).await?;
        let Some(mut rel) = history.last().cloned() else {
            return Err(Error::Action(format!(
                "uninstall: Release not loaded: {name}: release: not found"
            )));
        };
        if rel.info.status == status::UNINSTALLED {
            if opts.keep_history {
                return Err(Error::Action(format!("the release named {name:?} is already deleted")));
            }
            self.purge(&history).await?;
            return Ok(rel);
        }
        rel.info.status = status::UNINSTALLING.into();
        rel.info.deleted = now_rfc3339();
        rel.info.description = "Deletion in progress (or silently failed)".into();
        storage::update(&self.cluster.client, &rel).await?;
        if !opts.disable_hooks {
            hooks::run(&self.cluster, &self.settings, &mut rel, "pre-delete", opts.timeout)
                .await
                .map_err(|e| Error::Action(format!("failed pre-delete: {e}")))?;
        }
        let objects = self.objects_of(&rel.manifest, namespace, None).await;
        let mut deleted = Vec::new();
        let mut errors = Vec::new();
        for o in objects.iter().rev() {
            match self.cluster.get(o).await {
                Ok(Some(live)) if apply::keep(&live) => {
                    tracing::info!(object = %o.describe(), "kept due to helm.sh/resource-policy: keep");
                }
                Ok(Some(_)) => match self.cluster.delete(o).await {
                    Ok(_) => deleted.push(o.clone()),
                    Err(e) => errors.push(e.to_string()),
                },
                Ok(None) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
        if opts.wait {
            let deadline = tokio::time::Instant::now() + opts.timeout;
            for o in &deleted {
                while self.cluster.get(o).await?.is_some() {
                    if tokio::time::Instant::now() >= deadline {
                        return Err(Error::Action(format!(
                            "timed out waiting for {} to be deleted",
                            o.describe()
                        )));
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        if !opts.disable_hooks {
            hooks::run(&self.cluster, &self.settings, &mut rel, "post-delete", opts.timeout)
                .await
                .map_err(|e| Error::Action(format!("failed post-delete: {e}")))?;
        }
        if !errors.is_empty() {
            rel.info.description = format!(
                "uninstallation completed with {} error(s): {}",
                errors.len(),
                errors.join("; ")
            );
            storage::update(&self.cluster.client, &rel).await?;
            return Err(Error::Action(rel.info.description));
        }
        rel.info.status = status::UNINSTALLED.into();
        rel.info.description = "Uninstallation complete".into();
        if opts.keep_history {
            storage::update(&self.cluster.client, &rel).await?;
        } else {
            self.purge(&history).await?;
        }
        Ok(rel)
    }

    async fn purge(&self, history: &[Release]) -> Result<(), Error> {
        for r in history {
            storage::delete(&self.cluster.client, &r.namespace, &r.name, r.version).await?;
        }
        Ok(())
    }
}
