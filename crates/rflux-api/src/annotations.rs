//! The annotations and labels Flux users and tools set on objects, by their exact names.

/// Set to any new value (flux sets a timestamp) to ask for a reconcile now.
pub const RECONCILE_REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";
/// HelmRelease: with `requestedAt` set to the same value, forces a one-off upgrade.
pub const RECONCILE_FORCE_AT: &str = "reconcile.fluxcd.io/forceAt";
/// HelmRelease: with `requestedAt` set to the same value, resets the failure counters.
pub const RECONCILE_RESET_AT: &str = "reconcile.fluxcd.io/resetAt";
/// Set to `disabled` on an object to make the kustomize and helm controllers skip it.
pub const RECONCILE: &str = "kustomize.toolkit.fluxcd.io/reconcile";
/// Value of [`RECONCILE`] that turns reconciliation of the object off.
pub const DISABLED: &str = "disabled";
/// Label on a Secret or ConfigMap: `Enabled` makes changes trigger the objects that use it.
pub const WATCH_LABEL: &str = "reconcile.fluxcd.io/watch";
/// Value of [`WATCH_LABEL`] that turns watching on.
pub const WATCH_ENABLED: &str = "Enabled";

/// Ownership label: name of the Kustomization that applied an object.
pub const KUSTOMIZE_NAME_LABEL: &str = "kustomize.toolkit.fluxcd.io/name";
/// Ownership label: namespace of the Kustomization that applied an object.
pub const KUSTOMIZE_NAMESPACE_LABEL: &str = "kustomize.toolkit.fluxcd.io/namespace";
/// Per-object apply policy (`Disabled`, `IfNotPresent`, `Force`).
pub const KUSTOMIZE_SSA: &str = "kustomize.toolkit.fluxcd.io/ssa";
/// Per-object prune policy (`disabled`).
pub const KUSTOMIZE_PRUNE: &str = "kustomize.toolkit.fluxcd.io/prune";
/// Per-object variable substitution switch (`disabled`).
pub const KUSTOMIZE_SUBSTITUTE: &str = "kustomize.toolkit.fluxcd.io/substitute";
/// Ownership label: name of the HelmRelease that installed an object.
pub const HELM_NAME_LABEL: &str = "helm.toolkit.fluxcd.io/name";
/// Ownership label: namespace of the HelmRelease that installed an object.
pub const HELM_NAMESPACE_LABEL: &str = "helm.toolkit.fluxcd.io/namespace";

/// Field manager of the kustomize controller (Flux's, so ownership carries over).
pub const KUSTOMIZE_FIELD_MANAGER: &str = "kustomize-controller";
/// Field manager of the helm controller.
pub const HELM_FIELD_MANAGER: &str = "helm-controller";
/// Field manager of the source controller.
pub const SOURCE_FIELD_MANAGER: &str = "source-controller";

/// Finalizer the source controller puts on sources.
pub const SOURCE_FINALIZER: &str = "finalizers.fluxcd.io";
/// Finalizer the kustomize controller puts on Kustomizations.
pub const KUSTOMIZE_FINALIZER: &str = "finalizers.fluxcd.io";
/// Finalizer the helm controller puts on HelmReleases.
pub const HELM_FINALIZER: &str = "finalizers.fluxcd.io";

/// The ownership labels `(name, namespace)` an applier writes on what it applied.
pub fn kustomize_owner_labels(name: &str, namespace: &str) -> [(&'static str, String); 2] {
    [
        (KUSTOMIZE_NAME_LABEL, name.to_string()),
        (KUSTOMIZE_NAMESPACE_LABEL, namespace.to_string()),
    ]
}

/// The ownership labels a HelmRelease writes on what it installed.
pub fn helm_owner_labels(name: &str, namespace: &str) -> [(&'static str, String); 2] {
    [
        (HELM_NAME_LABEL, name.to_string()),
        (HELM_NAMESPACE_LABEL, namespace.to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_flux_names() {
        assert_eq!(RECONCILE_REQUESTED_AT, "reconcile.fluxcd.io/requestedAt");
        assert_eq!(RECONCILE_FORCE_AT, "reconcile.fluxcd.io/forceAt");
        assert_eq!(RECONCILE_RESET_AT, "reconcile.fluxcd.io/resetAt");
        let labels = kustomize_owner_labels("apps", "flux-system");
        assert_eq!(labels[0], ("kustomize.toolkit.fluxcd.io/name", "apps".to_string()));
        assert_eq!(labels[1].0, "kustomize.toolkit.fluxcd.io/namespace");
        let labels = helm_owner_labels("podinfo", "default");
        assert_eq!(labels[0].0, "helm.toolkit.fluxcd.io/name");
        assert_eq!(labels[1], ("helm.toolkit.fluxcd.io/namespace", "default".to_string()));
    }
}
