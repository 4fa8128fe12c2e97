//! rflux's apply engine, the equivalent of Flux's `fluxcd/pkg/ssa` as kustomize-controller
//! uses it, against any cluster:
//!
//! - [`Applier::apply_all`]: staged server-side apply (CRDs, Namespaces and ClusterRoles
//!   first and waited for, then `*Class` kinds, then the rest in Flux's kind order) with a
//!   dry run first so unchanged objects are left untouched, Flux's per-object annotations
//!   (`kustomize.toolkit.fluxcd.io/ssa: Ignore | IfNotPresent | Merge`,
//!   `kustomize.toolkit.fluxcd.io/reconcile: disabled`, `kustomize.toolkit.fluxcd.io/force: enabled`),
//!   take-over of fields owned by kubectl, and recreation on immutable-field changes.
//! - [`Applier::diff_all`]: what an apply would change, Secret values masked.
//! - [`inventory`]: Flux's `status.inventory` from a [`ChangeSet`], and stale objects.
//! - [`Applier::prune`]: deletion of stale objects the owner labelled.
//! - [`kstatus::compute`] and [`Applier::wait`]: health, with a cancel future.
//!
//! ```no_run
//! # async fn reconcile(client: kube::Client, objects: Vec<serde_json::Value>,
//! #     old: rflux_api::ResourceInventory, new_revision: impl std::future::Future<Output = ()>)
//! #     -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use rflux_ssa::{Applier, ApplyOptions, PruneOptions, inventory};
//!
//! let applier = Applier::new(client, "kustomize-controller");
//! let changes = applier
//!     .apply_all(objects, &ApplyOptions::for_kustomization("apps", "flux-system"))
//!     .await?;
//! println!("{changes}"); // Deployment/default/app configured …
//! let new = inventory::inventory_of(&changes);
//! let stale = inventory::stale(&old, &new)?;
//! applier.prune(&stale, &PruneOptions::for_kustomization("apps", "flux-system")).await?;
//! applier.wait(&changes.objects(), Duration::from_secs(300), new_revision).await?;
//! # Ok(()) }
//! ```
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod apply;
pub mod changeset;
pub mod cleanup;
pub mod diff;
pub mod discovery;
pub mod drift;
pub mod error;
pub mod inventory;
pub mod kstatus;
pub mod object;
pub mod order;
pub mod prune;
pub mod rest;
pub mod wait;

pub use apply::{Applier, ApplyOptions};
pub use changeset::{Action, ChangeSet, ChangeSetEntry};
pub use cleanup::{CleanupOptions, FieldManager, Operation};
pub use diff::DiffEntry;
pub use error::ApplyError;
pub use kstatus::Status;
pub use object::{ObjectError, ObjectRef};
pub use prune::{PruneError, PruneOptions};
pub use wait::{NotReady, WaitError, WaitOptions};
