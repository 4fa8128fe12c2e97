//! OCIRepository (source-controller): resolve `spec.ref` (digest, semver, tag) against the
//! registry, pull the selected layer when the digest is new, and store it as an artifact with
//! revision `<tag>@sha256:<digest>`. The shared status handling is in [`crate::source`].

use kube::ResourceExt;
use rflux_api::conditions::reason;
use rflux_api::types::OCIRepository;
use rflux_source::oci::{LayerOperation, OciError, OciReference, OciSource, OciUrl, RegistryAccess};
use sha2::Digest;

use crate::source::{
    Failure, Fetched, SourceContext, SourceFetcher, SourceReconciler, SourceStatus, storage_failure, work_dir,
};

/// The OCIRepository reconciler.
pub type OciRepositoryReconciler = SourceReconciler<OciFetcher>;

/// Largest layer rflux pulls (Flux's default artifact limit is similar).
const MAX_LAYER_BYTES: u64 = 512 * 1024 * 1024;

pub struct OciFetcher;

fn oci_failure(e: impl std::fmt::Display) -> Failure {
    Failure::new("OCIArtifactPullFailed", e.to_string())
}

/// Flux's reason for a layer that cannot be selected or used (`spec.layerSelector`), else
/// [`oci_failure`].
fn layer_failure(e: OciError) -> Failure {
    match e {
        OciError::Layer { .. } | OciError::Archive { .. } | OciError::DigestMismatch { .. } => {
            Failure::new("OCIArtifactLayerOperationFailed", e.to_string())
        }
        other => oci_failure(other),
    }
}

impl SourceFetcher for OciFetcher {
    type Object = OCIRepository;
    const KIND: &'static str = "OCIRepository";
    const STORAGE_KIND: &'static str = "ocirepository";

    fn interval(object: &OCIRepository) -> &str {
        &object.spec.interval
    }

    fn suspended(object: &OCIRepository) -> bool {
        object.spec.suspend.unwrap_or(false)
    }

    async fn fetch(
        &self,
        ctx: &SourceContext,
        repo: &OCIRepository,
        status: &mut SourceStatus,
    ) -> Result<Fetched, Failure> {
        let namespace = repo.namespace().unwrap_or_default();
        let name = repo.name_any();
        let (auth, cert) = ctx
            .secret_pair(
                &namespace,
                repo.spec.secret_ref.as_ref(),
                repo.spec.cert_secret_ref.as_ref(),
            )
            .await?;
        let access = RegistryAccess::for_oci_repository(&repo.spec, auth.as_ref(), cert.as_ref())
            .map_err(|e| Failure::new(reason::AUTHENTICATION_FAILED, e.to_string()))?;
        let url = OciUrl::parse(&repo.spec.url).map_err(|e| Failure::new("URLInvalid", e.to_string()))?;
        let source = OciSource::new(&url, &access).map_err(oci_failure)?;
        let reference = repo.spec.r#ref.as_ref().map(OciReference::from).unwrap_or_default();
        let resolved = source.resolve(&url, &reference).await.map_err(oci_failure)?;
        if status
            .artifact
            .as_ref()
            .is_some_and(|a| a.revision == resolved.revision && ctx.storage.exists(a))
        {
            return Ok(Fetched::Unchanged);
        }
        let selector = repo.spec.layer_selector.as_ref();
        let media_type = selector.and_then(|s| s.media_type.clone());
        let operation: LayerOperation = selector.and_then(|s| s.operation).map(Into::into).unwrap_or_default();
        let work = work_dir()?;
        let pulled = source
            .pull_layer(
                &url,
                &resolved,
                media_type.as_deref(),
                operation,
                MAX_LAYER_BYTES,
                &work.path().join("layer"),
            )
            .await
            .map_err(layer_failure)?;
        let (archive, digest) = match operation {
            LayerOperation::Extract => {
                let archive = work.path().join("artifact.tar.gz");
                let packed =
                    SourceContext::package(pulled.path.clone(), repo.spec.ignore.clone(), archive.clone()).await?;
                (archive, packed.digest)
            }
            LayerOperation::Copy => {
                let bytes = std::fs::read(&pulled.path).map_err(|e| {
                    Failure::new(
                        reason::STORAGE_OPERATION_FAILED,
                        format!("cannot read the pulled layer: {e}"),
                    )
                })?;
                (
                    pulled.path.clone(),
                    rflux_source::artifact::sha256_digest(sha2::Sha256::new_with_prefix(&bytes)),
                )
            }
        };
        let artifact = ctx
            .storage
            .store(
                Self::STORAGE_KIND,
                &namespace,
                &name,
                &resolved.revision,
                &archive,
                &digest,
            )
            .map_err(storage_failure)?;
        status.artifact = Some(artifact);
        Ok(Fetched::NewArtifact {
            event: format!(
                "stored artifact with revision '{}' from '{}'",
                resolved.revision, repo.spec.url
            ),
        })
    }
}
