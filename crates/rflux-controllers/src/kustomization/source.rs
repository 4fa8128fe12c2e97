//! The source a Kustomization reads: its artifact (URL, digest, revision) from the status of
//! the GitRepository or OCIRepository that `spec.sourceRef` names.

use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use kube::{Api, Client, ResourceExt};
use rflux_api::types::{Kustomization, KustomizationSourceKind};

/// What the kustomize controller needs of a source's artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceArtifact {
    /// `GitRepository/flux-system/podinfo`.
    pub source: String,
    pub url: String,
    pub digest: String,
    pub revision: String,
}

/// Why no artifact can be had.
#[derive(Debug, PartialEq, Eq)]
pub enum SourceProblem {
    Unsupported(String),
    NotFound(String),
    NoArtifact(String),
    Api(String),
}

impl SourceProblem {
    pub fn message(&self) -> &str {
        match self {
            SourceProblem::Unsupported(m)
            | SourceProblem::NotFound(m)
            | SourceProblem::NoArtifact(m)
            | SourceProblem::Api(m) => m,
        }
    }
}

/// API resource of a source kind rflux serves.
pub fn source_resource(kind: KustomizationSourceKind) -> Option<ApiResource> {
    let (kind, plural) = match kind {
        KustomizationSourceKind::GitRepository => ("GitRepository", "gitrepositories"),
        KustomizationSourceKind::OCIRepository => ("OCIRepository", "ocirepositories"),
        KustomizationSourceKind::Bucket | KustomizationSourceKind::ExternalArtifact => return None,
    };
    let gvk = GroupVersionKind::gvk("source.toolkit.fluxcd.io", "v1", kind);
    Some(ApiResource::from_gvk_with_plural(&gvk, plural))
}

/// Namespace and name of the source of `kustomization`.
pub fn source_location(kustomization: &Kustomization) -> (String, String) {
    let source = &kustomization.spec.source_ref;
    (
        source
            .namespace
            .clone()
            .unwrap_or_else(|| kustomization.namespace().unwrap_or_default()),
        source.name.clone(),
    )
}

/// The current artifact of the source of `kustomization`.
pub async fn artifact_of(client: &Client, kustomization: &Kustomization) -> Result<SourceArtifact, SourceProblem> {
    let kind = kustomization.spec.source_ref.kind;
    let (namespace, name) = source_location(kustomization);
    let label = format!("{kind}/{namespace}/{name}");
    let Some(resource) = source_resource(kind) else {
        return Err(SourceProblem::Unsupported(format!(
            "source kind {kind} is not supported by rflux yet (use GitRepository or OCIRepository)"
        )));
    };
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), &namespace, &resource);
    let object = match api.get_opt(&name).await {
        Ok(Some(object)) => object,
        Ok(None) => return Err(SourceProblem::NotFound(format!("Source '{label}' not found"))),
        Err(e) => {
            return Err(SourceProblem::Api(format!(
                "unable to get source '{label}': {}",
                rflux_ssa::error::message_of(&e)
            )));
        }
    };
    let artifact = &object.data["status"]["artifact"];
    let text = |field: &str| artifact[field].as_str().unwrap_or_default().to_string();
    let (url, digest, revision) = (text("url"), text("digest"), text("revision"));
    if url.is_empty() || revision.is_empty() {
        return Err(SourceProblem::NoArtifact(format!(
            "Source artifact not found for '{label}'; reconciling as soon as it is stored"
        )));
    }
    Ok(SourceArtifact {
        source: label,
        url,
        digest,
        revision,
    })
}
