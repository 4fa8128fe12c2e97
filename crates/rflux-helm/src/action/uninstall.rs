//! `uninstall`: pre-delete hooks, the release's objects deleted in Helm's uninstall order
//! (those marked `helm.sh/resource-policy: keep` stay), post-delete hooks, then the
//! records purged, or the last one kept as `uninstalled`.

use super::cluster::Object;
use super::{Actions, UninstallOptions, apply};
use crate::error::Error;
use crate::manifest::{UNINSTALL_ORDER, kind_order};
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
        self.store().update(&rel).await?;
        if !opts.disable_hooks {
            self.run_hooks(&mut rel, "pre-delete", opts.timeout).await?;
        }
        let objects = uninstall_order(self.objects_of(&rel.manifest, namespace, None).await);
        let mut deleted = Vec::new();
        let mut errors = Vec::new();
        for o in &objects {
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
                self.cluster.wait_gone(o, deadline).await?;
            }
        }
        if !opts.disable_hooks {
            self.run_hooks(&mut rel, "post-delete", opts.timeout).await?;
        }
        if !errors.is_empty() {
            rel.info.description = format!(
                "uninstallation completed with {} error(s): {}",
                errors.len(),
                errors.join("; ")
            );
            self.store().update(&rel).await?;
            return Err(Error::Action(rel.info.description));
        }
        rel.info.status = status::UNINSTALLED.into();
        rel.info.description = "Uninstallation complete".into();
        if opts.keep_history {
            self.store().update(&rel).await?;
        } else {
            self.purge(&history).await?;
        }
        Ok(rel)
    }

    async fn purge(&self, history: &[Release]) -> Result<(), Error> {
        for r in history {
            self.store().delete(&r.namespace, &r.name, r.version).await?;
        }
        Ok(())
    }
}

/// Helm's order: documents keyed `manifest-N` visited in string order of their keys
/// (`manifest-10` before `manifest-2`), then a stable sort by [`UNINSTALL_ORDER`].
fn uninstall_order(objects: Vec<Object>) -> Vec<Object> {
    let mut keyed: Vec<(String, Object)> = objects
        .into_iter()
        .enumerate()
        .map(|(i, o)| (format!("manifest-{i}"), o))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<Object> = keyed.into_iter().map(|(_, o)| o).collect();
    out.sort_by(|a, b| kind_order(UNINSTALL_ORDER, &a.kind, &b.kind));
    out
}

#[cfg(test)]
mod tests {
    use super::{Object, uninstall_order};

    fn obj(kind: &str, name: &str) -> Object {
        Object {
            body: serde_json::Value::Null,
            kind: kind.into(),
            api_version: "v1".into(),
            name: name.into(),
            namespace: String::new(),
        }
    }

    #[test]
    fn helm_uninstall_order() {
        let kinds = ["Namespace", "ConfigMap", "Deployment", "Widget", "Service", "ConfigMap"];
        let objects = kinds.iter().enumerate().map(|(i, k)| obj(k, &i.to_string())).collect();
        let got: Vec<(String, String)> = uninstall_order(objects).into_iter().map(|o| (o.kind, o.name)).collect();
        let want = [
            ("Service", "4"),
            ("Deployment", "2"),
            ("ConfigMap", "1"),
            ("ConfigMap", "5"),
            ("Namespace", "0"),
            ("Widget", "3"),
        ];
        assert_eq!(got, want.map(|(k, n)| (k.to_string(), n.to_string())));
    }
}
