//! Release actions against a cluster, as Helm v4 performs them: `install`, `upgrade`,
//! `rollback`, `uninstall`, `history`, `status`, `test` and the recovery of a release left
//! `pending-*` by a crash. Releases are stored as Helm stores them (see [`crate::Release`]),
//! so the real Helm can take over what these actions did, and the other way round.
//!
//! ```no_run
//! # async fn f(client: kube::Client) -> Result<(), rflux_helm::Error> {
//! use rflux_helm::action::{Actions, InstallOptions, Settings};
//! let chart = rflux_helm::Chart::load("mychart")?;
//! let actions = Actions::new(client, Settings::default());
//! let rel = actions.install(&chart, &InstallOptions::new("web", "apps")).await?;
//! assert_eq!(rel.info.status, "deployed");
//! # Ok(()) }
//! ```

mod apply;
mod cluster;
mod crds;
mod hooks;
mod install;
mod lookup;
mod release_test;
mod storage;
mod strategic;
mod transition;
mod uninstall;
mod wait;

use std::time::Duration;

pub use apply::three_way_merge_patch;
pub use cluster::ApplyMethod;
pub use crds::CrdPolicy;
pub use storage::StorageDriver;
pub use strategic::three_way_strategic_patch;
pub use wait::{ReadinessFn, ReadyFuture, default_readiness};

use crate::caps::Capabilities;
use crate::error::Error;
use crate::release::{Release, now_rfc3339, status};
use crate::values::Values;
use cluster::Cluster;

/// Helm v4's default field manager.
pub const DEFAULT_FIELD_MANAGER: &str = "helm";

/// Helm's default timeout for hooks and waits.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// How every action talks to the cluster.
#[derive(Clone)]
pub struct Settings {
    /// Field manager for server-side apply and patches (`helm`; the helm controller
    /// uses `helm-controller`).
    pub field_manager: String,
    /// Server-side apply (Helm v4's default) or client-side three-way merge.
    pub apply_method: ApplyMethod,
    /// Take over fields other managers own when applying server-side.
    pub force_conflicts: bool,
    /// How `wait` decides objects are ready.
    pub readiness: ReadinessFn,
    /// Where release records are kept.
    pub storage: StorageDriver,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            field_manager: DEFAULT_FIELD_MANAGER.into(),
            apply_method: ApplyMethod::ServerSide,
            force_conflicts: false,
            readiness: default_readiness(),
            storage: StorageDriver::Secret,
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("field_manager", &self.field_manager)
            .field("apply_method", &self.apply_method)
            .field("force_conflicts", &self.force_conflicts)
            .field("storage", &self.storage)
            .finish_non_exhaustive()
    }
}

/// Options of [`Actions::install`].
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// Release name.
    pub release_name: String,
    /// Release namespace (where objects without a namespace and the records go).
    pub namespace: String,
    /// User-supplied values (the release's `config`).
    pub values: Values,
    /// CRDs from `crds/`.
    pub crds: CrdPolicy,
    /// Wait for the objects to be ready before post-install hooks.
    pub wait: bool,
    /// Limit for each hook and for the wait.
    pub timeout: Duration,
    /// Uninstall when the install fails.
    pub atomic: bool,
    /// Run no hooks.
    pub disable_hooks: bool,
    /// Create the release namespace when missing.
    pub create_namespace: bool,
    /// Re-use the name of a release that is uninstalled (with history kept) or failed.
    pub replace: bool,
}

impl InstallOptions {
    /// Defaults for a release name and namespace.
    pub fn new(release_name: &str, namespace: &str) -> InstallOptions {
        InstallOptions {
            release_name: release_name.into(),
            namespace: namespace.into(),
            values: Values::new(),
            crds: CrdPolicy::Create,
            wait: false,
            timeout: DEFAULT_TIMEOUT,
            atomic: false,
            disable_hooks: false,
            create_namespace: false,
            replace: false,
        }
    }
}

/// Options of [`Actions::upgrade`].
#[derive(Debug, Clone)]
pub struct UpgradeOptions {
    /// Release name.
    pub release_name: String,
    /// Release namespace.
    pub namespace: String,
    /// User-supplied values.
    pub values: Values,
    /// Ignore the previous release's values (`--reset-values`).
    pub reset_values: bool,
    /// Merge the new values over the previous release's (`--reuse-values`).
    pub reuse_values: bool,
    /// CRDs from `crds/` (Helm leaves them alone on upgrade).
    pub crds: CrdPolicy,
    /// Wait for the objects to be ready before post-upgrade hooks.
    pub wait: bool,
    /// Limit for each hook and for the wait.
    pub timeout: Duration,
    /// Roll back to the last deployed revision when the upgrade fails.
    pub atomic: bool,
    /// Run no hooks.
    pub disable_hooks: bool,
    /// Revisions kept (0: all).
    pub max_history: usize,
}

impl UpgradeOptions {
    /// Defaults for a release name and namespace.
    pub fn new(release_name: &str, namespace: &str) -> UpgradeOptions {
        UpgradeOptions {
            release_name: release_name.into(),
            namespace: namespace.into(),
            values: Values::new(),
            reset_values: false,
            reuse_values: false,
            crds: CrdPolicy::Skip,
            wait: false,
            timeout: DEFAULT_TIMEOUT,
            atomic: false,
            disable_hooks: false,
            max_history: 10,
        }
    }
}

/// Options of [`Actions::rollback`].
#[derive(Debug, Clone)]
pub struct RollbackOptions {
    /// Revision to return to; 0 for the one before the latest.
    pub version: i64,
    /// Wait for the objects to be ready before post-rollback hooks.
    pub wait: bool,
    /// Limit for each hook and for the wait.
    pub timeout: Duration,
    /// Run no hooks.
    pub disable_hooks: bool,
    /// Revisions kept (0: all).
    pub max_history: usize,
}

impl Default for RollbackOptions {
    fn default() -> Self {
        RollbackOptions {
            version: 0,
            wait: false,
            timeout: DEFAULT_TIMEOUT,
            disable_hooks: false,
            max_history: 10,
        }
    }
}

/// Options of [`Actions::uninstall`].
#[derive(Debug, Clone)]
pub struct UninstallOptions {
    /// Keep the release records (status `uninstalled`).
    pub keep_history: bool,
    /// Wait until the objects are gone.
    pub wait: bool,
    /// Limit for each hook and for the wait.
    pub timeout: Duration,
    /// Run no hooks.
    pub disable_hooks: bool,
}

impl Default for UninstallOptions {
    fn default() -> Self {
        UninstallOptions {
            keep_history: false,
            wait: false,
            timeout: DEFAULT_TIMEOUT,
            disable_hooks: false,
        }
    }
}

/// Release actions against one cluster.
pub struct Actions {
    cluster: std::sync::Arc<Cluster>,
    settings: Settings,
}

pub(crate) fn is_pending(s: &str) -> bool {
    matches!(
        s,
        status::PENDING_INSTALL | status::PENDING_UPGRADE | status::PENDING_ROLLBACK
    )
}

pub(crate) const ERR_PENDING: &str = "another operation (install/upgrade/rollback) is in progress";

impl Actions {
    /// Actions through `client`.
    pub fn new(client: kube::Client, settings: Settings) -> Actions {
        Actions {
            cluster: std::sync::Arc::new(Cluster::new(client)),
            settings,
        }
    }

    /// Runs the release's `event` hooks; a failure reads `failed EVENT: …`, as in Helm.
    pub(crate) async fn run_hooks(
        &self,
        rel: &mut Release,
        event: &str,
        timeout: std::time::Duration,
    ) -> Result<(), Error> {
        hooks::run(&self.cluster, &self.settings, &self.store(), rel, event, timeout)
            .await
            .map_err(|e| Error::Action(format!("failed {event}: {e}")))
    }

    pub(crate) fn store(&self) -> storage::Store<'_> {
        storage::Store {
            client: &self.cluster.client,
            driver: self.settings.storage,
        }
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// What the cluster offers, as `.Capabilities` shows it: the server's version and
    /// every group version, with `group/version/Kind` entries for each resource.
    pub async fn capabilities(&self) -> Result<Capabilities, Error> {
        let client = &self.cluster.client;
        let err = |what: &str, e: kube::Error| {
            Error::Cluster(format!(
                "could not get apiVersions from Kubernetes: {what}: {}",
                cluster::kube_message(&e)
            ))
        };
        let info = client.apiserver_version().await.map_err(|e| err("version", e))?;
        let mut versions = Vec::new();
        let core = client.list_core_api_versions().await.map_err(|e| err("/api", e))?;
        for v in core.versions {
            let resources = client
                .list_core_api_resources(&v)
                .await
                .map_err(|e| err(&format!("/api/{v}"), e))?;
            versions.push(v.clone());
            kinds(&mut versions, &v, &resources.resources);
        }
        let groups = client.list_api_groups().await.map_err(|e| err("/apis", e))?;
        for g in groups.groups {
            for gv in g.versions {
                versions.push(gv.group_version.clone());
                if let Ok(resources) = client.list_api_group_resources(&gv.group_version).await {
                    kinds(&mut versions, &gv.group_version, &resources.resources);
                }
            }
        }
        Ok(Capabilities {
            kube_version: crate::template::parse_kube_version(&info.git_version)
                .unwrap_or_else(|_| crate::caps::DEFAULT_KUBE_VERSION.to_string()),
            api_versions: versions,
        })
    }

    /// Every revision of a release, oldest first (empty when there is none).
    pub async fn history(&self, name: &str, namespace: &str) -> Result<Vec<Release>, Error> {
        self.store().history(namespace, name).await
    }

    /// The latest revision of a release.
    pub async fn status(&self, name: &str, namespace: &str) -> Result<Release, Error> {
        self.history(name, namespace)
            .await?
            .pop()
            .ok_or_else(|| Error::Action(format!("release: not found: {name} in namespace {namespace}")))
    }

    /// When the latest revision is `pending-install`, `pending-upgrade` or
    /// `pending-rollback` (the operation that wrote it died), mark it failed so the next
    /// action can proceed; returns the revision it changed.
    pub async fn recover_pending(&self, name: &str, namespace: &str) -> Result<Option<Release>, Error> {
        let Some(mut last) = self.history(name, namespace).await?.pop() else {
            return Ok(None);
        };
        if !is_pending(&last.info.status) {
            return Ok(None);
        }
        tracing::info!(release = name, namespace, revision = last.version, status = %last.info.status, "marking a pending release failed");
        last.info.description = format!(
            "Release was left {} by an interrupted operation and has been marked failed",
            last.info.status
        );
        last.info.status = status::FAILED.into();
        last.info.last_deployed = now_rfc3339();
        self.store().update(&last).await?;
        Ok(Some(last))
    }

    /// Keep at most `max` revisions: the oldest go first, the deployed one stays.
    async fn prune_history(&self, name: &str, namespace: &str, max: usize) -> Result<(), Error> {
        if max == 0 {
            return Ok(());
        }
        let history = self.history(name, namespace).await?;
        let mut excess = history.len().saturating_sub(max);
        for r in &history {
            if excess == 0 {
                break;
            }
            if r.info.status == status::DEPLOYED {
                continue;
            }
            self.store().delete(namespace, name, r.version).await?;
            excess -= 1;
        }
        Ok(())
    }
}

fn kinds(
    out: &mut Vec<String>,
    group_version: &str,
    resources: &[k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResource],
) {
    for r in resources {
        if !r.name.contains('/') {
            out.push(format!("{group_version}/{}", r.kind));
        }
    }
}

/// Helm's release name rule: a DNS subdomain of at most 53 characters.
pub(crate) fn validate_release_name(name: &str) -> Result<(), Error> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if name.is_empty() || name.len() > 53 || !name.split('.').all(label_ok) {
        return Err(Error::Action(format!(
            "release name {name:?}: invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53"
        )));
    }
    Ok(())
}
