//! GitRepository (source-controller): resolve `spec.ref`, fetch the commit when it is new,
//! package the tree as an artifact (honouring `ignore` and `.sourceignore`), and store it
//! where the kustomize controller downloads it. The shared status handling is in
//! [`crate::source`].

use std::time::Duration;

use kube::ResourceExt;
use rflux_api::conditions::reason;
use rflux_api::types::GitRepository;
use rflux_source::git::{self, GitAuth, GitError, GitRef};
use rflux_source::ignore::IgnoreRules;

use crate::source::{Failure, Fetched, SourceContext, SourceFetcher, SourceReconciler, SourceStatus, work_dir};

pub use crate::source::{CONTROLLER, kube_message};

/// The GitRepository reconciler.
pub type GitRepositoryReconciler = SourceReconciler<GitFetcher>;

pub struct GitFetcher;

impl SourceFetcher for GitFetcher {
    type Object = GitRepository;
    const KIND: &'static str = "GitRepository";
    const STORAGE_KIND: &'static str = "gitrepository";

    fn interval(object: &GitRepository) -> &str {
        &object.spec.interval
    }

    fn suspended(object: &GitRepository) -> bool {
        object.spec.suspend.unwrap_or(false)
    }

    async fn fetch(
        &self,
        ctx: &SourceContext,
        repo: &GitRepository,
        status: &mut SourceStatus,
    ) -> Result<Fetched, Failure> {
        let namespace = repo.namespace().unwrap_or_default();
        let name = repo.name_any();
        let auth = match &repo.spec.secret_ref {
            Some(secret_ref) => {
                let data = ctx.secret_data(&namespace, &secret_ref.name).await?;
                GitAuth::from_secret_data(&data).map_err(|e| {
                    Failure::new(
                        reason::AUTHENTICATION_FAILED,
                        format!("invalid secret '{namespace}/{}': {e}", secret_ref.name),
                    )
                })?
            }
            None => GitAuth::none(),
        };
        let reference = GitRef::from_spec(repo.spec.r#ref.as_ref());
        let timeout = rflux_api::parse_duration(&repo.spec.timeout).unwrap_or(Duration::from_secs(60));
        let url = repo.spec.url.clone();
        let observed_ignore = status
            .extra
            .get("observedIgnore")
            .and_then(|v| v.as_str())
            .map(str::to_string);

        // A cheap look at the remote first: the same revision with the same ignore rules needs
        // no clone and no new archive.
        let resolved = {
            let (url, reference, auth) = (url.clone(), reference.clone(), auth.clone());
            tokio::task::spawn_blocking(move || git::resolve(&url, &reference, &auth, timeout))
                .await
                .map_err(|e| Failure::new(reason::GIT_OPERATION_FAILED, format!("git worker failed: {e}")))?
                .map_err(git_failure)?
        };
        let unchanged = status.artifact.as_ref().is_some_and(|a| {
            a.revision == resolved.revision && ctx.storage.exists(a) && observed_ignore == repo.spec.ignore
        });
        if unchanged {
            return Ok(Fetched::Unchanged);
        }

        let work = work_dir()?;
        let tree = work.path().join("tree");
        let checkout = {
            let tree = tree.clone();
            let options = git::CheckoutOptions {
                timeout,
                recurse_submodules: repo.spec.recurse_submodules.unwrap_or(false),
            };
            tokio::task::spawn_blocking(move || git::checkout_with(&url, &reference, &auth, &tree, &options))
                .await
                .map_err(|e| Failure::new(reason::GIT_OPERATION_FAILED, format!("git worker failed: {e}")))?
                .map_err(git_failure)?
        };
        let ignore = repo.spec.ignore.clone();
        let archive = work.path().join("artifact.tar.gz");
        let packed = {
            let archive = archive.clone();
            tokio::task::spawn_blocking(move || {
                let rules = IgnoreRules::for_source(&tree, ignore.as_deref()).map_err(|e| e.to_string())?;
                rflux_source::artifact::package_dir(&tree, &rules, &archive).map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| Failure::new(reason::STORAGE_OPERATION_FAILED, format!("archive worker failed: {e}")))?
            .map_err(|e| {
                Failure::new(
                    reason::STORAGE_OPERATION_FAILED,
                    format!("failed to package the artifact: {e}"),
                )
            })?
        };
        let artifact = ctx
            .storage
            .store(
                Self::STORAGE_KIND,
                &namespace,
                &name,
                &checkout.revision,
                &archive,
                &packed.digest,
            )
            .map_err(|e| {
                Failure::new(
                    reason::STORAGE_OPERATION_FAILED,
                    format!("failed to store the artifact: {e}"),
                )
            })?;
        status.artifact = Some(artifact);
        match &repo.spec.ignore {
            Some(ignore) => status.extra.insert("observedIgnore".into(), ignore.clone().into()),
            // JSON null removes the field in the merge patch of the status.
            None => status.extra.insert("observedIgnore".into(), serde_json::Value::Null),
        };
        let subject = checkout.message.lines().next().unwrap_or_default().to_string();
        Ok(Fetched::NewArtifact {
            event: format!("stored artifact for commit '{subject}'"),
        })
    }
}

fn git_failure(e: GitError) -> Failure {
    let reason = match e {
        GitError::AuthenticationFailed { .. } | GitError::InvalidCredentials { .. } => reason::AUTHENTICATION_FAILED,
        _ => reason::GIT_OPERATION_FAILED,
    };
    Failure::new(reason, format!("failed to checkout and determine revision: {e}"))
}
