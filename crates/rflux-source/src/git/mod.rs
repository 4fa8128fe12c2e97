//! Git sources through libgit2: which commit a GitRepository's `spec.ref` points at (a cheap
//! ref listing, no clone), and a shallow fetch plus checkout of that commit's tree into a
//! directory. Revisions are written exactly as Flux writes them.
//!
//! Every function blocks; controllers call them from `spawn_blocking`. Each runs its network
//! work on a helper thread and gives up after the timeout (the helper thread is told to stop
//! at its next progress callback). After a timeout the helper may still be writing into the
//! checkout directory for a moment, so callers should give each attempt a fresh directory
//! (as Flux does) rather than reuse one. A helper blocked on a server that never answers gets
//! no callback; until it ends, further operations on that URL fail at once instead of
//! starting another thread that would block too.
//!
//! `file://` repositories (an rflux addition) are read in place: nothing is copied.

mod auth;
mod error;
mod known_hosts;
mod reference;
mod submodules;
mod tag_range;
mod tls;
mod url;

pub use auth::{GitAuth, SecretDataError};
pub use error::GitError;
pub use known_hosts::{HostKeyCheck, KnownHosts};
pub use reference::GitRef;
pub use tag_range::{highest_matching, parse_range, parse_tag_version};
pub use url::{RepoUrl, Scheme, redact};

use auth::{Incident, Session};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where a ref points, found without fetching objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The Flux revision, e.g. `main@sha1:<hex>`.
    pub revision: String,
    /// The commit hash (hex).
    pub commit: String,
}

/// A tree checked out into a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// The Flux revision, e.g. `main@sha1:<hex>`.
    pub revision: String,
    /// The commit hash (hex).
    pub commit: String,
    /// The commit message.
    pub message: String,
}

/// Finds the commit `reference` points at in the repository at `url`, listing the remote's
/// refs only (no objects are fetched) for branch, tag, name and semver refs. A commit ref is
/// answered from the spec after checking the remote is reachable.
pub fn resolve(url: &str, reference: &GitRef, auth: &GitAuth, timeout: Duration) -> Result<Resolved, GitError> {
    let parsed = RepoUrl::parse(url)?;
    let owned_ref = reference.clone();
    let auth = auth.clone();
    run_with_timeout(&parsed, reference, timeout, move |parsed, deadline| {
        let refs = list_remote(parsed, &owned_ref, &auth, deadline)?;
        resolve_in_listing(parsed, &owned_ref, &refs)
    })
}

/// Fetches (shallow where the ref allows) the commit `reference` points at and writes its
/// tree into `dest` (created if missing; no `.git` is written there). Submodules are not
/// checked out; see [`checkout_with`].
pub fn checkout(
    url: &str,
    reference: &GitRef,
    auth: &GitAuth,
    dest: &Path,
    timeout: Duration,
) -> Result<Checkout, GitError> {
    let options = CheckoutOptions {
        timeout,
        recurse_submodules: false,
    };
    checkout_with(url, reference, auth, dest, &options)
}

/// How [`checkout_with`] works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckoutOptions {
    /// Limit for the whole operation (`spec.timeout`).
    pub timeout: Duration,
    /// Check out submodules too, recursively (`spec.recurseSubmodules`), with the same
    /// credentials.
    pub recurse_submodules: bool,
}

/// [`checkout`] with options.
pub fn checkout_with(
    url: &str,
    reference: &GitRef,
    auth: &GitAuth,
    dest: &Path,
    options: &CheckoutOptions,
) -> Result<Checkout, GitError> {
    let parsed = RepoUrl::parse(url)?;
    let owned_ref = reference.clone();
    let auth = auth.clone();
    let dest = dest.to_path_buf();
    let recurse = options.recurse_submodules;
    run_with_timeout(&parsed, reference, options.timeout, move |parsed, deadline| {
        fetch_and_checkout(parsed, &owned_ref, &auth, &dest, recurse, deadline)
    })
}

/// Refspecs fetching every branch and tag (for a commit on no named branch).
pub(crate) fn all_refs() -> Vec<String> {
    vec![
        "+refs/heads/*:refs/rflux/heads/*".to_string(),
        "+refs/tags/*:refs/rflux/tags/*".to_string(),
    ]
}

/// URLs (password removed) whose last worker timed out and is still running. libgit2 knows no
/// socket timeout (setting one needs `unsafe`), so a worker waiting on a server that never
/// answers stays blocked until the connection breaks; while it does, no other worker is started
/// for that URL.
static STUCK_URLS: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// A worker's state, changed only while [`STUCK_URLS`] is locked, so "the worker ended" and "the
/// caller gave up on it" cannot cross.
#[derive(Default)]
struct WorkerState {
    ended: AtomicBool,
    abandoned: AtomicBool,
}

fn stuck_urls() -> std::sync::MutexGuard<'static, BTreeSet<String>> {
    STUCK_URLS.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn run_with_timeout<T: Send + 'static>(
    url: &RepoUrl,
    reference: &GitRef,
    timeout: Duration,
    work: impl FnOnce(&RepoUrl, Instant) -> Result<T, GitError> + Send + 'static,
) -> Result<T, GitError> {
    if stuck_urls().contains(&url.redacted) {
        return Err(GitError::EarlierOperationStuck {
            url: url.redacted.clone(),
        });
    }
    let deadline = Instant::now() + timeout;
    let (tx, rx) = std::sync::mpsc::channel();
    let thread_url = url.clone();
    let state = Arc::new(WorkerState::default());
    let worker_state = Arc::clone(&state);
    let spawned = std::thread::Builder::new().name("rflux-git".into()).spawn(move || {
        let _ = tx.send(work(&thread_url, deadline));
        let mut stuck = stuck_urls();
        worker_state.ended.store(true, Ordering::SeqCst);
        if worker_state.abandoned.load(Ordering::SeqCst) {
            stuck.remove(&thread_url.redacted);
        }
    });
    if let Err(source) = spawned {
        return Err(GitError::Io {
            url: url.redacted.clone(),
            action: "starting a git worker thread for",
            path: PathBuf::from(&url.redacted),
            source,
        });
    }
    // A little grace so the worker's own deadline check reports first when it can.
    match rx.recv_timeout(timeout + Duration::from_millis(500)) {
        // The worker saw the deadline pass (in a libgit2 callback), which knows no timeout.
        Ok(Err(GitError::Timeout { url, reference, .. })) => Err(GitError::Timeout {
            url,
            reference,
            timeout,
        }),
        Ok(result) => result,
        Err(_) => {
            let mut stuck = stuck_urls();
            if !state.ended.load(Ordering::SeqCst) {
                state.abandoned.store(true, Ordering::SeqCst);
                stuck.insert(url.redacted.clone());
            }
            Err(GitError::Timeout {
                url: url.redacted.clone(),
                reference: reference.describe(),
                timeout,
            })
        }
    }
}

/// A remote ref: full name and target.
#[derive(Debug, Clone)]
struct RemoteRef {
    name: String,
    oid: git2::Oid,
}

fn init_scratch_repo(url: &RepoUrl) -> Result<(tempfile::TempDir, git2::Repository), GitError> {
    let dir = tempfile::Builder::new()
        .prefix("rflux-git-")
        .tempdir()
        .map_err(|source| GitError::Io {
            url: url.redacted.clone(),
            action: "creating a scratch directory for",
            path: std::env::temp_dir(),
            source,
        })?;
    // Not bare: libgit2 refuses to check out a tree holding gitlinks without a work tree,
    // even into another target directory.
    let repo = git2::Repository::init(dir.path()).map_err(|e| GitError::Git {
        url: url.redacted.clone(),
        reference: "scratch repository".into(),
        message: e.to_string(),
    })?;
    Ok((dir, repo))
}

fn fetch_options<'s>(session: &'s Session<'_>) -> git2::FetchOptions<'s> {
    let mut options = git2::FetchOptions::new();
    options.remote_callbacks(session.callbacks());
    options.download_tags(git2::AutotagOption::None);
    options.update_fetchhead(false);
    let headers = session.auth.http_headers(session.url.scheme);
    if !headers.is_empty() {
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        options.custom_headers(&refs);
    }
    options
}

/// `git ls-remote`: connects, lists the advertised refs, fetches nothing.
fn list_remote(
    url: &RepoUrl,
    reference: &GitRef,
    auth: &GitAuth,
    deadline: Instant,
) -> Result<Vec<RemoteRef>, GitError> {
    let (_dir, repo) = init_scratch_repo(url)?;
    let session = Session::new(url, auth, deadline);
    let mut remote = repo
        .remote_anonymous(&url.raw)
        .map_err(|e| classify(&session, reference, e))?;
    let mut options = fetch_options(&session);
    let no_refspecs: [&str; 0] = [];
    remote
        .download(&no_refspecs, Some(&mut options))
        .map_err(|e| classify(&session, reference, e))?;
    let heads = remote.list().map_err(|e| classify(&session, reference, e))?;
    let refs = heads
        .iter()
        .map(|h| RemoteRef {
            name: h.name().to_string(),
            oid: h.oid(),
        })
        .collect();
    drop(options);
    Ok(refs)
}

/// The commit a ref name points at in a listing, peeling annotated tags (`^{}` entries).
fn lookup(refs: &[RemoteRef], name: &str) -> Option<git2::Oid> {
    let peeled = format!("{name}^{{}}");
    refs.iter()
        .find(|r| r.name == peeled)
        .or_else(|| refs.iter().find(|r| r.name == name))
        .map(|r| r.oid)
}

fn resolve_in_listing(url: &RepoUrl, reference: &GitRef, refs: &[RemoteRef]) -> Result<Resolved, GitError> {
    let not_found = || GitError::RefNotFound {
        url: url.redacted.clone(),
        reference: reference.describe(),
    };
    let (label, oid) = match reference {
        GitRef::Branch(branch) => (
            branch.clone(),
            lookup(refs, &format!("refs/heads/{branch}")).ok_or_else(not_found)?,
        ),
        GitRef::Tag(tag) => (
            tag.clone(),
            lookup(refs, &format!("refs/tags/{tag}")).ok_or_else(not_found)?,
        ),
        GitRef::Name(name) => {
            let oid = if name.ends_with("^{}") {
                refs.iter().find(|r| &r.name == name).map(|r| r.oid)
            } else {
                lookup(refs, name)
            };
            (name.clone(), oid.ok_or_else(not_found)?)
        }
        GitRef::Semver(range) => {
            let tag = pick_semver_tag(url, range, refs)?;
            let oid = lookup(refs, &format!("refs/tags/{tag}")).ok_or_else(not_found)?;
            (tag, oid)
        }
        GitRef::Commit { commit, branch } => {
            let hex = commit.to_ascii_lowercase();
            if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(GitError::InvalidRef {
                    url: url.redacted.clone(),
                    reference: reference.describe(),
                    reason: "a commit must be a full 40-character SHA-1 to resolve without fetching".into(),
                });
            }
            if let Some(branch) = branch
                && lookup(refs, &format!("refs/heads/{branch}")).is_none()
            {
                return Err(GitError::RefNotFound {
                    url: url.redacted.clone(),
                    reference: format!("branch '{branch}'"),
                });
            }
            return Ok(Resolved {
                revision: reference.revision_for(branch.as_deref(), &hex),
                commit: hex,
            });
        }
    };
    let hex = oid.to_string();
    Ok(Resolved {
        revision: reference.revision_for(Some(&label), &hex),
        commit: hex,
    })
}

fn pick_semver_tag(url: &RepoUrl, range_text: &str, refs: &[RemoteRef]) -> Result<String, GitError> {
    let range = parse_range(range_text).map_err(|e| GitError::InvalidSemver {
        url: url.redacted.clone(),
        range: range_text.to_string(),
        reason: e.reason(),
    })?;
    let tags: Vec<&str> = refs
        .iter()
        .filter_map(|r| r.name.strip_prefix("refs/tags/"))
        .filter(|n| !n.ends_with("^{}"))
        .collect();
    highest_matching(tags.iter().copied(), &range)
        .map(str::to_string)
        .ok_or_else(|| GitError::NoSemverMatch {
            url: url.redacted.clone(),
            range: range_text.to_string(),
        })
}

/// What to fetch for a ref: the refspecs, whether a shallow fetch works, and how to find
/// the commit afterwards.
struct FetchPlan {
    refspecs: Vec<String>,
    shallow: bool,
    /// The local ref to read after the fetch, or `None` to look the commit up by hash.
    local_ref: Option<String>,
    /// The name part of the revision.
    label: Option<String>,
}

const TARGET_REF: &str = "refs/rflux/target";

fn plan_fetch(url: &RepoUrl, reference: &GitRef, auth: &GitAuth, deadline: Instant) -> Result<FetchPlan, GitError> {
    Ok(match reference {
        GitRef::Branch(branch) => FetchPlan {
            refspecs: vec![format!("+refs/heads/{branch}:{TARGET_REF}")],
            shallow: true,
            local_ref: Some(TARGET_REF.into()),
            label: Some(branch.clone()),
        },
        GitRef::Tag(tag) => FetchPlan {
            refspecs: vec![format!("+refs/tags/{tag}:{TARGET_REF}")],
            shallow: true,
            local_ref: Some(TARGET_REF.into()),
            label: Some(tag.clone()),
        },
        GitRef::Semver(range) => {
            let refs = list_remote(url, reference, auth, deadline)?;
            let tag = pick_semver_tag(url, range, &refs)?;
            FetchPlan {
                refspecs: vec![format!("+refs/tags/{tag}:{TARGET_REF}")],
                shallow: true,
                local_ref: Some(TARGET_REF.into()),
                label: Some(tag),
            }
        }
        GitRef::Name(name) => {
            let remote_name = name.trim_end_matches("^{}");
            FetchPlan {
                refspecs: vec![format!("+{remote_name}:{TARGET_REF}")],
                shallow: true,
                local_ref: Some(TARGET_REF.into()),
                label: Some(name.clone()),
            }
        }
        GitRef::Commit {
            branch: Some(branch), ..
        } => FetchPlan {
            refspecs: vec![format!("+refs/heads/{branch}:refs/rflux/heads/{branch}")],
            shallow: false,
            local_ref: None,
            label: Some(branch.clone()),
        },
        GitRef::Commit { branch: None, .. } => FetchPlan {
            refspecs: all_refs(),
            shallow: false,
            local_ref: None,
            label: None,
        },
    })
}

/// Fetches `refspecs` from `url` into a new scratch repository (kept alive by the returned
/// directory guard).
pub(crate) fn fetch_scratch(
    url: &RepoUrl,
    reference: &GitRef,
    auth: &GitAuth,
    refspecs: &[String],
    shallow: bool,
    deadline: Instant,
) -> Result<(tempfile::TempDir, git2::Repository), GitError> {
    let (dir, repo) = init_scratch_repo(url)?;
    let session = Session::new(url, auth, deadline);
    {
        let mut remote = repo
            .remote_anonymous(&url.raw)
            .map_err(|e| classify(&session, reference, e))?;
        let mut options = fetch_options(&session);
        if shallow {
            options.depth(1);
        }
        remote
            .fetch(refspecs, Some(&mut options), None)
            .map_err(|e| classify(&session, reference, e))?;
    }
    Ok((dir, repo))
}

/// The repository a commit is read from: a scratch repository holding the fetched refs, or —
/// for `file://` URLs — the source repository itself, opened in place (nothing is copied).
pub(crate) struct Objects {
    _scratch: Option<tempfile::TempDir>,
    pub repo: git2::Repository,
    pub in_place: bool,
}

/// Makes the commits of `refspecs` available: fetched into a scratch repository, or the
/// repository opened in place for `file://`.
pub(crate) fn obtain_objects(
    url: &RepoUrl,
    reference: &GitRef,
    auth: &GitAuth,
    refspecs: &[String],
    shallow: bool,
    deadline: Instant,
) -> Result<Objects, GitError> {
    if url.scheme == Scheme::File {
        let path = url.raw.get("file://".len()..).unwrap_or_default();
        let repo = git2::Repository::open(path).map_err(|e| GitError::RepositoryNotFound {
            url: url.redacted.clone(),
            message: e.message().to_string(),
        })?;
        return Ok(Objects {
            _scratch: None,
            repo,
            in_place: true,
        });
    }
    let (dir, repo) = fetch_scratch(url, reference, auth, refspecs, shallow, deadline)?;
    Ok(Objects {
        _scratch: Some(dir),
        repo,
        in_place: false,
    })
}

/// The source side of a `+src:dst` refspec.
fn refspec_source(refspec: &str) -> &str {
    let spec = refspec.strip_prefix('+').unwrap_or(refspec);
    spec.split_once(':').map(|(src, _)| src).unwrap_or(spec)
}

/// Writes `tree` into `dest` (no index, no `.git`).
pub(crate) fn write_tree(
    repo: &git2::Repository,
    tree: &git2::Tree<'_>,
    dest: &Path,
    url: &RepoUrl,
    reference: &GitRef,
) -> Result<(), GitError> {
    std::fs::create_dir_all(dest).map_err(|source| GitError::Io {
        url: url.redacted.clone(),
        action: "creating checkout directory",
        path: dest.to_path_buf(),
        source,
    })?;
    let mut builder = git2::build::CheckoutBuilder::new();
    // No filters: files are written as stored, like Flux's go-git checkout (no autocrlf,
    // no smudge filters from .gitattributes).
    builder
        .force()
        .update_index(false)
        .disable_filters(true)
        .target_dir(dest);
    repo.checkout_tree(tree.as_object(), Some(&mut builder))
        .map_err(|e| GitError::Git {
            url: url.redacted.clone(),
            reference: reference.describe(),
            message: e.to_string(),
        })
}

fn fetch_and_checkout(
    url: &RepoUrl,
    reference: &GitRef,
    auth: &GitAuth,
    dest: &Path,
    recurse_submodules: bool,
    deadline: Instant,
) -> Result<Checkout, GitError> {
    let plan = plan_fetch(url, reference, auth, deadline)?;
    let objects = obtain_objects(url, reference, auth, &plan.refspecs, plan.shallow, deadline)?;
    let repo = &objects.repo;
    let git_err = |e: git2::Error| GitError::Git {
        url: url.redacted.clone(),
        reference: reference.describe(),
        message: e.to_string(),
    };
    let not_found = || GitError::RefNotFound {
        url: url.redacted.clone(),
        reference: reference.describe(),
    };
    let commit = match (&plan.local_ref, reference) {
        (Some(local), _) => {
            let name = match plan.refspecs.first() {
                Some(spec) if objects.in_place => refspec_source(spec),
                _ => local.as_str(),
            };
            let r = repo.find_reference(name).map_err(|_| not_found())?;
            r.peel_to_commit().map_err(git_err)?
        }
        (None, GitRef::Commit { commit, .. }) => {
            let object = repo.revparse_single(commit).map_err(|_| not_found())?;
            object.peel_to_commit().map_err(|_| not_found())?
        }
        (None, _) => return Err(not_found()),
    };
    let hex = commit.id().to_string();
    let tree = commit.tree().map_err(git_err)?;
    write_tree(repo, &tree, dest, url, reference)?;
    if recurse_submodules {
        submodules::check_out_submodules(repo, &tree, url, auth, dest, deadline, 0)?;
    }
    Ok(Checkout {
        revision: reference.revision_for(plan.label.as_deref(), &hex),
        commit: hex,
        message: commit.message().unwrap_or_default().to_string(),
    })
}

/// Gives a libgit2 failure its type, using what the callbacks observed first.
fn classify(session: &Session<'_>, reference: &GitRef, error: git2::Error) -> GitError {
    let url = session.url.redacted.clone();
    let described = reference.describe();
    if let Some(incident) = session.incident.borrow().clone() {
        return match incident {
            Incident::HostKey(HostKeyCheck::Mismatch, host) => GitError::HostKeyMismatch { url, host },
            Incident::HostKey(HostKeyCheck::Revoked, host) => GitError::HostKeyRevoked { url, host },
            Incident::HostKey(_, host) => GitError::UnknownHostKey { url, host },
            Incident::MissingKnownHosts(host) => GitError::MissingKnownHosts { url, host },
            Incident::CredentialsRejected => GitError::AuthenticationFailed {
                url,
                reference: described,
                message: "the server rejected the credentials".into(),
            },
            Incident::NoCredentials(message) => GitError::AuthenticationFailed {
                url,
                reference: described,
                message,
            },
            Incident::BadCredentials(reason) => GitError::InvalidCredentials { url, reason },
            Incident::DeadlinePassed => GitError::Timeout {
                url,
                reference: described,
                timeout: Duration::ZERO,
            },
        };
    }
    let message = error.message().to_string();
    let lower = message.to_ascii_lowercase();
    if error.code() == git2::ErrorCode::Auth
        || lower.contains("authentication")
        || lower.contains("unauthorized")
        || lower.contains("status code: 401")
        || lower.contains("status code: 403")
    {
        return GitError::AuthenticationFailed {
            url,
            reference: described,
            message,
        };
    }
    if error.code() == git2::ErrorCode::Certificate || error.class() == git2::ErrorClass::Ssl {
        return GitError::Certificate { url, message };
    }
    if lower.contains("repository not exported")
        || lower.contains("repository not found")
        || lower.contains("status code: 404")
        || lower.contains("not appear to be a git repository")
        || lower.contains("failed to resolve path")
    {
        return GitError::RepositoryNotFound { url, message };
    }
    if lower.contains("couldn't find remote ref")
        || lower.contains("not found") && error.class() == git2::ErrorClass::Reference
    {
        return GitError::RefNotFound {
            url,
            reference: described,
        };
    }
    if matches!(
        error.class(),
        git2::ErrorClass::Net | git2::ErrorClass::Os | git2::ErrorClass::Ssh
    ) && (lower.contains("connect")
        || lower.contains("refused")
        || lower.contains("resolve")
        || lower.contains("unreachable"))
    {
        return GitError::Connection {
            url,
            reference: described,
            message,
        };
    }
    GitError::Git {
        url,
        reference: described,
        message: format!("{message} (class {:?}, code {:?})", error.class(), error.code()),
    }
}
