//! [`FluxObject`]: what every Flux kind has in common (suspend, interval, conditions,
//! observed generation, last handled reconcile request, revision), so controllers and the CLI
//! can treat the kinds alike.

use kube::Resource;

use crate::conditions;
use crate::types::{Condition, GitRepository, HelmChart, HelmRelease, HelmRepository, Kustomization, OCIRepository};

/// Common accessors of the Flux kinds.
pub trait FluxObject:
    Resource<DynamicType = ()>
    + Clone
    + serde::Serialize
    + serde::de::DeserializeOwned
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
    /// `spec.suspend`.
    fn suspended(&self) -> bool;
    /// Sets `spec.suspend`.
    fn set_suspended(&mut self, suspend: bool);
    /// `spec.interval` (a HelmRelease may leave it to its chart template).
    fn interval(&self) -> Option<&str>;
    /// `status.conditions` (empty without a status).
    fn conditions(&self) -> &[Condition];
    /// `status.conditions`, creating the status when missing.
    fn conditions_mut(&mut self) -> &mut Vec<Condition>;
    /// `status.observedGeneration`.
    fn observed_generation(&self) -> Option<i64>;
    /// `status.lastHandledReconcileAt`.
    fn last_handled_reconcile_at(&self) -> Option<&str>;
    /// The revision flux shows for the object: the artifact's for sources, the last applied
    /// for Kustomizations, the deployed chart version for HelmReleases.
    fn revision(&self) -> Option<String>;

    /// The Ready condition.
    fn ready_condition(&self) -> Option<&Condition> {
        conditions::get(self.conditions(), conditions::READY)
    }
    /// Ready=True for the current generation.
    fn is_ready(&self) -> bool {
        let generation = self.meta().generation;
        self.ready_condition()
            .is_some_and(|c| c.status.is_true() && (generation.is_none() || self.observed_generation() == generation))
    }
}

/// `interval` is required on most kinds and optional on some.
trait IntervalField {
    fn get(&self) -> Option<&str>;
}

impl IntervalField for String {
    fn get(&self) -> Option<&str> {
        Some(self)
    }
}

impl IntervalField for Option<String> {
    fn get(&self) -> Option<&str> {
        self.as_deref()
    }
}

macro_rules! flux_object {
    ($kind:ty, |$s:ident| $revision:expr) => {
        impl FluxObject for $kind {
            fn suspended(&self) -> bool {
                self.spec.suspend.unwrap_or(false)
            }
            fn set_suspended(&mut self, suspend: bool) {
                self.spec.suspend = Some(suspend);
            }
            fn interval(&self) -> Option<&str> {
                IntervalField::get(&self.spec.interval)
            }
            fn conditions(&self) -> &[Condition] {
                self.status
                    .as_ref()
                    .map(|s| s.conditions.as_slice())
                    .unwrap_or(&[])
            }
            fn conditions_mut(&mut self) -> &mut Vec<Condition> {
                &mut self.status.get_or_insert_with(Default::default).conditions
            }
            fn observed_generation(&self) -> Option<i64> {
                self.status.as_ref().and_then(|s| s.observed_generation)
            }
            fn last_handled_reconcile_at(&self) -> Option<&str> {
                self.status
                    .as_ref()
                    .and_then(|s| s.last_handled_reconcile_at.as_deref())
            }
            fn revision(&self) -> Option<String> {
                let $s = self.status.as_ref()?;
                $revision
            }
        }
    };
}

flux_object!(GitRepository, |s| s.artifact.as_ref().map(|a| a.revision.clone()));
flux_object!(HelmRepository, |s| s.artifact.as_ref().map(|a| a.revision.clone()));
flux_object!(HelmChart, |s| s.artifact.as_ref().map(|a| a.revision.clone()));
flux_object!(OCIRepository, |s| s.artifact.as_ref().map(|a| a.revision.clone()));
flux_object!(Kustomization, |s| s.last_applied_revision.clone());
flux_object!(HelmRelease, |s| s
    .history
    .first()
    .map(|h| h.chart_version.clone())
    .or_else(|| s.last_attempted_revision.clone()));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{KustomizationSpec, KustomizationStatus};

    #[test]
    fn kinds_share_accessors() {
        let mut ks = Kustomization::new(
            "apps",
            KustomizationSpec {
                interval: "10m".into(),
                prune: true,
                ..Default::default()
            },
        );
        ks.meta_mut().generation = Some(2);
        assert!(!ks.suspended());
        ks.set_suspended(true);
        assert!(ks.suspended());
        assert_eq!(ks.interval(), Some("10m"));
        assert!(ks.conditions().is_empty());
        conditions::mark_ready(
            ks.conditions_mut(),
            "ReconciliationSucceeded",
            "Applied revision: main@sha1:abc",
            Some(2),
        );
        assert!(!ks.is_ready(), "observedGeneration not yet 2");
        let status: &mut KustomizationStatus = ks.status.get_or_insert_with(Default::default);
        status.observed_generation = Some(2);
        status.last_applied_revision = Some("main@sha1:abc".into());
        assert!(ks.is_ready());
        assert_eq!(ks.revision().as_deref(), Some("main@sha1:abc"));
    }
}
