//! Status conditions with Flux's semantics: `Ready` always present once reconciled;
//! `Reconciling` and `Stalled` present only while True (marking them False removes them);
//! `lastTransitionTime` moves only when the status changes; `observedGeneration` on each.

use crate::time::now_rfc3339;
use crate::types::{Condition, ConditionStatus};

/// Condition types.
pub const READY: &str = "Ready";
pub const RECONCILING: &str = "Reconciling";
pub const STALLED: &str = "Stalled";
pub const HEALTHY: &str = "Healthy";
pub const ARTIFACT_IN_STORAGE: &str = "ArtifactInStorage";
pub const FETCH_FAILED: &str = "FetchFailed";
pub const SOURCE_VERIFIED: &str = "SourceVerified";
pub const RELEASED: &str = "Released";
pub const TEST_SUCCESS: &str = "TestSuccess";
pub const REMEDIATED: &str = "Remediated";

/// Reasons Flux uses on those conditions.
pub mod reason {
    pub const SUCCEEDED: &str = "Succeeded";
    pub const FAILED: &str = "Failed";
    pub const PROGRESSING: &str = "Progressing";
    pub const PROGRESSING_WITH_RETRY: &str = "ProgressingWithRetry";
    pub const DEPENDENCY_NOT_READY: &str = "DependencyNotReady";
    pub const RECONCILIATION_SUCCEEDED: &str = "ReconciliationSucceeded";
    pub const RECONCILIATION_FAILED: &str = "ReconciliationFailed";
    pub const ARTIFACT_FAILED: &str = "ArtifactFailed";
    pub const BUILD_FAILED: &str = "BuildFailed";
    pub const HEALTH_CHECK_FAILED: &str = "HealthCheckFailed";
    pub const PRUNE_FAILED: &str = "PruneFailed";
    pub const INVALID_PATH: &str = "InvalidPath";
    pub const GIT_OPERATION_FAILED: &str = "GitOperationFailed";
    pub const AUTHENTICATION_FAILED: &str = "AuthenticationFailed";
    pub const STORAGE_OPERATION_FAILED: &str = "StorageOperationFailed";
    pub const NEW_ARTIFACT: &str = "NewArtifact";
    pub const INSTALL_SUCCEEDED: &str = "InstallSucceeded";
    pub const INSTALL_FAILED: &str = "InstallFailed";
    pub const UPGRADE_SUCCEEDED: &str = "UpgradeSucceeded";
    pub const UPGRADE_FAILED: &str = "UpgradeFailed";
    pub const ROLLBACK_SUCCEEDED: &str = "RollbackSucceeded";
    pub const UNINSTALL_SUCCEEDED: &str = "UninstallSucceeded";
    pub const SUSPENDED: &str = "Suspended";
}

impl ConditionStatus {
    pub fn is_true(self) -> bool {
        self == ConditionStatus::True
    }
}

impl Condition {
    /// A condition stamped now.
    pub fn new(
        type_: &str,
        status: ConditionStatus,
        reason: &str,
        message: &str,
        generation: Option<i64>,
    ) -> Condition {
        Condition {
            last_transition_time: now_rfc3339(),
            message: message.to_string(),
            observed_generation: generation,
            reason: reason.to_string(),
            status,
            r#type: type_.to_string(),
        }
    }
}

/// The condition of `type_`, if present.
pub fn get<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.r#type == type_)
}

/// True when the condition of `type_` is present with status True.
pub fn is_true(conditions: &[Condition], type_: &str) -> bool {
    get(conditions, type_).is_some_and(|c| c.status.is_true())
}

/// True when the condition of `type_` is present with status False.
pub fn is_false(conditions: &[Condition], type_: &str) -> bool {
    get(conditions, type_).is_some_and(|c| c.status == ConditionStatus::False)
}

/// Inserts or replaces the condition of the same type. `lastTransitionTime` keeps its old value
/// when the status did not change. Returns true when anything changed.
pub fn set(conditions: &mut Vec<Condition>, new: Condition) -> bool {
    if let Some(old) = conditions.iter_mut().find(|c| c.r#type == new.r#type) {
        let transition = if old.status == new.status {
            old.last_transition_time.clone()
        } else {
            new.last_transition_time.clone()
        };
        let changed = old.status != new.status
            || old.reason != new.reason
            || old.message != new.message
            || old.observed_generation != new.observed_generation;
        *old = Condition {
            last_transition_time: transition,
            ..new
        };
        changed
    } else {
        conditions.push(new);
        true
    }
}

/// Removes the condition of `type_`; true when one was there.
pub fn delete(conditions: &mut Vec<Condition>, type_: &str) -> bool {
    let before = conditions.len();
    conditions.retain(|c| c.r#type != type_);
    conditions.len() != before
}

/// Sets `type_` to True.
pub fn mark_true(
    conditions: &mut Vec<Condition>,
    type_: &str,
    reason: &str,
    message: &str,
    generation: Option<i64>,
) -> bool {
    set(
        conditions,
        Condition::new(type_, ConditionStatus::True, reason, message, generation),
    )
}

/// Sets `type_` to False; for `Reconciling` and `Stalled` that means removing it.
pub fn mark_false(
    conditions: &mut Vec<Condition>,
    type_: &str,
    reason: &str,
    message: &str,
    generation: Option<i64>,
) -> bool {
    if type_ == RECONCILING || type_ == STALLED {
        return delete(conditions, type_);
    }
    set(
        conditions,
        Condition::new(type_, ConditionStatus::False, reason, message, generation),
    )
}

/// Sets `type_` to Unknown.
pub fn mark_unknown(
    conditions: &mut Vec<Condition>,
    type_: &str,
    reason: &str,
    message: &str,
    generation: Option<i64>,
) -> bool {
    set(
        conditions,
        Condition::new(type_, ConditionStatus::Unknown, reason, message, generation),
    )
}

/// Start of a reconcile: `Reconciling=True`, `Stalled` cleared, and `Ready=Unknown` when Ready
/// was not yet decided for this generation.
pub fn mark_reconciling(conditions: &mut Vec<Condition>, reason: &str, message: &str, generation: Option<i64>) {
    mark_true(conditions, RECONCILING, reason, message, generation);
    delete(conditions, STALLED);
    let ready_current = get(conditions, READY).is_some_and(|c| c.observed_generation == generation);
    if !ready_current {
        mark_unknown(conditions, READY, reason, message, generation);
    }
}

/// A failure that retrying will not fix: `Stalled=True`, `Ready=False`, `Reconciling` removed.
pub fn mark_stalled(conditions: &mut Vec<Condition>, reason: &str, message: &str, generation: Option<i64>) {
    mark_true(conditions, STALLED, reason, message, generation);
    delete(conditions, RECONCILING);
    mark_false(conditions, READY, reason, message, generation);
}

/// Success: `Ready=True`, `Reconciling` and `Stalled` removed.
pub fn mark_ready(conditions: &mut Vec<Condition>, reason: &str, message: &str, generation: Option<i64>) {
    delete(conditions, RECONCILING);
    delete(conditions, STALLED);
    mark_true(conditions, READY, reason, message, generation);
}

/// A failure that will be retried: `Ready=False`, `Reconciling` and `Stalled` removed.
pub fn mark_failed(conditions: &mut Vec<Condition>, reason: &str, message: &str, generation: Option<i64>) {
    delete(conditions, RECONCILING);
    delete(conditions, STALLED);
    mark_false(conditions, READY, reason, message, generation);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconciling_and_stalled_exist_only_while_true() {
        let mut c = Vec::new();
        mark_reconciling(&mut c, reason::PROGRESSING, "reconciliation in progress", Some(2));
        assert!(is_true(&c, RECONCILING));
        assert_eq!(get(&c, READY).unwrap().status, ConditionStatus::Unknown);
        mark_false(&mut c, RECONCILING, "x", "y", Some(2));
        assert!(get(&c, RECONCILING).is_none());
        mark_stalled(&mut c, reason::INVALID_PATH, "path not found", Some(2));
        assert!(is_true(&c, STALLED));
        assert!(is_false(&c, READY));
        assert!(get(&c, RECONCILING).is_none());
        mark_ready(
            &mut c,
            reason::RECONCILIATION_SUCCEEDED,
            "Applied revision: main@sha1:abc",
            Some(3),
        );
        assert_eq!(c.len(), 1);
        let ready = get(&c, READY).unwrap();
        assert!(ready.status.is_true());
        assert_eq!(ready.observed_generation, Some(3));
        assert_eq!(ready.reason, "ReconciliationSucceeded");
    }

    #[test]
    fn transition_time_moves_only_on_status_change() {
        let mut c = vec![Condition {
            last_transition_time: "2020-01-01T00:00:00Z".into(),
            message: "old".into(),
            observed_generation: Some(1),
            reason: "Succeeded".into(),
            status: ConditionStatus::True,
            r#type: READY.into(),
        }];
        assert!(mark_true(&mut c, READY, "Succeeded", "new message", Some(2)));
        assert_eq!(c[0].last_transition_time, "2020-01-01T00:00:00Z");
        assert_eq!(c[0].message, "new message");
        assert!(!mark_true(&mut c, READY, "Succeeded", "new message", Some(2)));
        assert!(mark_false(&mut c, READY, "Failed", "boom", Some(2)));
        assert_ne!(c[0].last_transition_time, "2020-01-01T00:00:00Z");
        mark_failed(&mut c, "BuildFailed", "kustomize build failed", Some(2));
        assert_eq!(get(&c, READY).unwrap().reason, "BuildFailed");
    }

    #[test]
    fn ready_stays_when_current_generation_already_decided() {
        let mut c = Vec::new();
        mark_ready(&mut c, "Succeeded", "ok", Some(4));
        mark_reconciling(&mut c, "Progressing", "again", Some(4));
        assert!(is_true(&c, READY));
        mark_reconciling(&mut c, "Progressing", "new generation", Some(5));
        assert_eq!(get(&c, READY).unwrap().status, ConditionStatus::Unknown);
    }
}
