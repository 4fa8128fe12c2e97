//! HelmRepository (source-controller): fetch `index.yaml` over HTTP(S) with the credentials
//! and TLS material of `secretRef`/`certSecretRef`, and store Flux's sorted index as the
//! artifact `index-<digest>.yaml` with the served index's sha256 as revision. Repositories of
//! `type: oci` have no index: they are Ready once their spec is valid, as in Flux.

use kube::ResourceExt;
use rflux_api::conditions::reason;
use rflux_api::types::{HelmRepository, HelmRepositorySpec, HelmRepositoryType};
use rflux_source::helm_index::{self, HttpClient, RepositoryAccess, TransportError};

use crate::source::{
    Failure, Fetched, SourceContext, SourceFetcher, SourceReconciler, SourceStatus, storage_failure, work_dir,
};

/// The HelmRepository reconciler.
pub type HelmRepositoryReconciler = SourceReconciler<HelmIndexFetcher>;

/// Largest index rflux downloads.
const MAX_INDEX_BYTES: u64 = 512 * 1024 * 1024;

pub struct HelmIndexFetcher;

impl SourceFetcher for HelmIndexFetcher {
    type Object = HelmRepository;
    const KIND: &'static str = "HelmRepository";
    const STORAGE_KIND: &'static str = "helmrepository";

    fn interval(object: &HelmRepository) -> &str {
        object.spec.interval.as_deref().unwrap_or("1m")
    }

    fn suspended(object: &HelmRepository) -> bool {
        object.spec.suspend.unwrap_or(false)
    }

    async fn fetch(
        &self,
        ctx: &SourceContext,
        repo: &HelmRepository,
        status: &mut SourceStatus,
    ) -> Result<Fetched, Failure> {
        if repo.spec.r#type == Some(HelmRepositoryType::Oci) {
            return Ok(Fetched::NoArtifact {
                message: "Helm repository is Ready".to_string(),
            });
        }
        let namespace = repo.namespace().unwrap_or_default();
        let name = repo.name_any();
        let access = repository_access(ctx, &namespace, repo).await?;
        let client = HttpClient::new(&repo.spec.url, access).map_err(|e| Failure::new("URLInvalid", e.to_string()))?;
        let work = work_dir()?;
        let fetched = helm_index::fetch_index(&client, MAX_INDEX_BYTES, work.path())
            .await
            .map_err(|e| Failure::new("IndexationFailed", e.to_string()))?;
        if status
            .artifact
            .as_ref()
            .is_some_and(|a| a.revision == fetched.revision && ctx.storage.exists(a))
        {
            return Ok(Fetched::Unchanged);
        }
        let stored = helm_index::store_index(&fetched.index, &fetched.revision, work.path())
            .map_err(|e| Failure::new(reason::STORAGE_OPERATION_FAILED, e.to_string()))?;
        let artifact = ctx
            .storage
            .store_as(
                Self::STORAGE_KIND,
                &namespace,
                &name,
                &stored.file_name,
                &fetched.revision,
                &stored.path,
                &stored.digest,
            )
            .map_err(storage_failure)?;
        status.artifact = Some(artifact);
        Ok(Fetched::NewArtifact {
            event: format!("stored fetched index of size {} from '{}'", fetched.size, repo.spec.url),
        })
    }
}

/// How to reach an HTTP HelmRepository: its Secrets' data and the spec's options.
pub(crate) async fn repository_access(
    ctx: &SourceContext,
    namespace: &str,
    repo: &HelmRepository,
) -> Result<RepositoryAccess, Failure> {
    let (auth, cert) = ctx
        .secret_pair(
            namespace,
            repo.spec.secret_ref.as_ref(),
            repo.spec.cert_secret_ref.as_ref(),
        )
        .await?;
    RepositoryAccess::for_helm_repository(&repo.spec, auth.as_ref(), cert.as_ref())
        .map_err(|e| access_failure(namespace, &repo.spec, e))
}

/// Why a HelmRepository's access settings are unusable (AuthenticationFailed, as in Flux). Bad
/// Secret data is reported with the Secret it came from: the library knows only which
/// reference, and the deprecated TLS keys of `secretRef` count as `certSecretRef` there.
fn access_failure(namespace: &str, spec: &HelmRepositorySpec, error: TransportError) -> Failure {
    let message = match &error {
        TransportError::InvalidSecret { secret, reason } => {
            let (field, reference) = match (*secret, spec.cert_secret_ref.as_ref()) {
                ("certSecretRef", Some(cert)) => ("certSecretRef", Some(cert)),
                _ => ("secretRef", spec.secret_ref.as_ref()),
            };
            match reference {
                Some(r) => format!(
                    "invalid TLS or credentials data in Secret '{namespace}/{}' (spec.{field}): {reason}",
                    r.name
                ),
                None => error.to_string(),
            }
        }
        _ => error.to_string(),
    };
    Failure::new(reason::AUTHENTICATION_FAILED, message)
}
