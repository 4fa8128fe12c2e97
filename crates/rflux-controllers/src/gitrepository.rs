//! GitRepository (source-controller): resolve `spec.ref`, fetch the commit when it is new,
//! package the tree as an artifact (honouring `ignore` and `.sourceignore`), and store it
//! where the kustomize controller downloads it. The shared status handling is in
//! [`crate::source`].

use std::time::Duration;

use std::path::{Component, Path, PathBuf};

use kube::{Api, ResourceExt};
use rflux_api::conditions::reason;
use rflux_api::types::{Artifact, GitRepository, GitRepositoryInclude};
use rflux_source::git::{self, GitAuth, GitError, GitRef};

use crate::source::{
    Failure, Fetched, SourceContext, SourceFetcher, SourceReconciler, SourceStatus, kube_message, storage_failure,
    work_dir,
};

pub use crate::source::CONTROLLER;

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
        let included = included_artifacts(ctx, repo).await?;
        let included_json = serde_json::to_value(&included).unwrap_or_default();
        let observed_included = status
            .extra
            .get("includedArtifacts")
            .cloned()
            .unwrap_or(serde_json::json!([]));
        let unchanged = status.artifact.as_ref().is_some_and(|a| {
            a.revision == resolved.revision
                && ctx.storage.exists(a)
                && observed_ignore == repo.spec.ignore
                && observed_included == included_json
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
        for (include, artifact) in repo.spec.include.iter().zip(&included) {
            copy_include(ctx, include, artifact, &tree, work.path())?;
        }
        let archive = work.path().join("artifact.tar.gz");
        let packed = SourceContext::package(tree, repo.spec.ignore.clone(), archive.clone()).await?;
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
            .map_err(storage_failure)?;
        status.artifact = Some(artifact);
        status.extra.insert("includedArtifacts".into(), included_json);
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

/// The artifacts of the GitRepositories `spec.include` names (same namespace), in order.
async fn included_artifacts(ctx: &SourceContext, repo: &GitRepository) -> Result<Vec<Artifact>, Failure> {
    let namespace = repo.namespace().unwrap_or_default();
    let api: Api<GitRepository> = Api::namespaced(ctx.client.clone(), &namespace);
    let mut out = Vec::new();
    for include in &repo.spec.include {
        let name = &include.repository.name;
        let artifact = match api.get_opt(name).await {
            Ok(Some(included)) => included.status.and_then(|s| s.artifact),
            Ok(None) => None,
            Err(e) => {
                return Err(Failure::new(
                    "IncludeUnavailable",
                    format!(
                        "failed to get included GitRepository '{namespace}/{name}': {}",
                        kube_message(&e)
                    ),
                ));
            }
        };
        let artifact = artifact.ok_or_else(|| {
            Failure::new(
                "IncludeUnavailable",
                format!("no artifact available for included GitRepository '{namespace}/{name}'"),
            )
        })?;
        out.push(artifact);
    }
    Ok(out)
}

/// Copies `fromPath` (default: everything) of an included artifact to `toPath` (default: the
/// included repository's name) in `tree`, as Flux does.
fn copy_include(
    ctx: &SourceContext,
    include: &GitRepositoryInclude,
    artifact: &Artifact,
    tree: &Path,
    work: &Path,
) -> Result<(), Failure> {
    let name = &include.repository.name;
    let failure = |message: String| Failure::new("IncludeUnavailable", message);
    let unpacked = work.join(format!("include-{name}"));
    rflux_source::artifact::extract_file(&ctx.storage.local_path(artifact), &unpacked, MAX_INCLUDE_BYTES).map_err(
        |e| {
            failure(format!(
                "failed to extract the artifact of included GitRepository '{name}': {e}"
            ))
        },
    )?;
    // Flux's reason and wording for an include path that cannot be used; where Flux clamps
    // a path that climbs out, rflux refuses it.
    let illegal = |message: String| {
        Failure::new(
            "IllegalPath",
            format!("path calculation for include '{name}' failed: {message}"),
        )
    };
    let from_path = include.from_path.as_deref().unwrap_or("");
    let from = safe_join(&unpacked, from_path).ok_or_else(|| {
        illegal(format!(
            "fromPath '{from_path}' must be a relative path inside the included artifact"
        ))
    })?;
    let to_path = include.to_path.as_deref().unwrap_or(name);
    let to = safe_join(tree, to_path).ok_or_else(|| {
        illegal(format!(
            "toPath '{to_path}' must be a relative path inside the repository"
        ))
    })?;
    if !from.exists() {
        return Err(failure(format!(
            "include '{name}': fromPath '{}' not found in its artifact",
            include.from_path.as_deref().unwrap_or("")
        )));
    }
    copy_tree(&from, &to).map_err(|e| failure(format!("include '{name}': cannot copy into {}: {e}", to.display())))
}

/// Largest included artifact unpacked.
const MAX_INCLUDE_BYTES: u64 = 512 * 1024 * 1024;

/// `base/relative` when `relative` has only normal components.
fn safe_join(base: &Path, relative: &str) -> Option<PathBuf> {
    let mut out = base.to_path_buf();
    for component in Path::new(relative.trim_start_matches("./")).components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

/// Copies regular files and directories below `from` into `to` (replacing what is there).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    if from.is_file() {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from, to)?;
        return Ok(());
    }
    if to.exists() {
        std::fs::remove_dir_all(to)?;
    }
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

fn git_failure(e: GitError) -> Failure {
    match e {
        // An ssh secret without known_hosts is unusable, as Flux says before connecting.
        GitError::MissingKnownHosts { .. } => Failure::new(
            reason::AUTHENTICATION_FAILED,
            format!("failed to configure authentication options: {e}"),
        ),
        // An unusable secret is an authentication problem. Credentials the server refuses
        // fail the checkout like any other git error: Flux reports both as
        // GitOperationFailed, "failed to checkout and determine revision".
        GitError::InvalidCredentials { .. } => Failure::new(
            reason::AUTHENTICATION_FAILED,
            format!("failed to checkout and determine revision: {e}"),
        ),
        _ => Failure::new(
            reason::GIT_OPERATION_FAILED,
            format!("failed to checkout and determine revision: {e}"),
        ),
    }
}

/// Enqueues the GitRepositories that include a GitRepository whenever it changes, so a new
/// included artifact is copied in without waiting for the includer's interval.
pub async fn follow_includes(
    changes: tokio::sync::broadcast::Receiver<std::sync::Arc<GitRepository>>,
    repositories: kube::runtime::reflector::Store<GitRepository>,
    queue: crate::queue::WorkQueue,
) {
    let includers = || {
        repositories
            .state()
            .iter()
            .filter(|r| !r.spec.include.is_empty())
            .map(|r| crate::runner::key_of(r.as_ref()))
            .collect()
    };
    let including = |changed: &GitRepository| {
        let namespace = changed.namespace();
        let name = changed.name_any();
        repositories
            .state()
            .iter()
            .filter(|r| r.namespace() == namespace && r.spec.include.iter().any(|i| i.repository.name == name))
            .map(|r| crate::runner::key_of(r.as_ref()))
            .collect()
    };
    crate::runner::follow(changes, queue, including, includers).await;
}
