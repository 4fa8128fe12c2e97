//! Typed git errors. Every message names the repository URL (password removed) and, where
//! one is involved, the ref; the two semver errors keep Flux's exact wording instead.

use std::path::PathBuf;
use std::time::Duration;

/// What went wrong talking to a git repository.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The URL is not one rflux can fetch.
    #[error("unsupported repository URL '{url}': {reason}")]
    UnsupportedUrl {
        /// The URL, password removed.
        url: String,
        /// Why.
        reason: String,
    },
    /// The `spec.ref` is unusable (a malformed commit, a bad submodule ref).
    #[error("invalid ref {reference} for '{url}': {reason}")]
    InvalidRef {
        /// The URL, password removed.
        url: String,
        /// The ref as described to a person.
        reference: String,
        /// Why.
        reason: String,
    },
    /// The credentials secret is unusable.
    #[error("invalid git credentials for '{url}': {reason}")]
    InvalidCredentials {
        /// The URL, password removed.
        url: String,
        /// Why (never includes a secret value).
        reason: String,
    },
    /// The server could not be reached.
    #[error("cannot connect to '{url}' for {reference}: {message}")]
    Connection {
        /// The URL, password removed.
        url: String,
        /// The ref as described to a person.
        reference: String,
        /// The transport's message (e.g. connection refused).
        message: String,
    },
    /// The server refused the credentials (or required some and none were given).
    #[error("authentication failed for '{url}' ({reference}): {message}")]
    AuthenticationFailed {
        /// The URL, password removed.
        url: String,
        /// The ref as described to a person.
        reference: String,
        /// Detail.
        message: String,
    },
    /// The SSH server's host key is not in `known_hosts`.
    #[error("unknown host key for {host} ('{url}'): the host is not in known_hosts")]
    UnknownHostKey {
        /// The URL, password removed.
        url: String,
        /// `host` or `[host]:port`.
        host: String,
    },
    /// The SSH server's host key differs from the one(s) in `known_hosts`.
    #[error("host key mismatch for {host} ('{url}'): the server's key does not match known_hosts")]
    HostKeyMismatch {
        /// The URL, password removed.
        url: String,
        /// `host` or `[host]:port`.
        host: String,
    },
    /// The SSH server's host key is marked `@revoked`.
    #[error("host key for {host} ('{url}') is revoked in known_hosts")]
    HostKeyRevoked {
        /// The URL, password removed.
        url: String,
        /// `host` or `[host]:port`.
        host: String,
    },
    /// The HTTPS server's certificate is not trusted (neither by the system roots nor by
    /// the secret's `ca.crt`) or not valid for the host.
    #[error("TLS certificate of '{url}' is not trusted: {message}")]
    Certificate {
        /// The URL, password removed.
        url: String,
        /// libgit2's message.
        message: String,
    },
    /// An ssh URL without `known_hosts` in the secret.
    #[error("no known_hosts given for ssh repository '{url}'; refusing to trust {host}")]
    MissingKnownHosts {
        /// The URL, password removed.
        url: String,
        /// `host` or `[host]:port`.
        host: String,
    },
    /// The server has no repository at that path.
    #[error("repository '{url}' not found: {message}")]
    RepositoryNotFound {
        /// The URL, password removed.
        url: String,
        /// The server's or transport's message.
        message: String,
    },
    /// The branch, tag, ref or commit does not exist in the repository.
    #[error("{reference} not found in '{url}'")]
    RefNotFound {
        /// The URL, password removed.
        url: String,
        /// The ref as described to a person.
        reference: String,
    },
    /// `spec.ref.semver` is not a version range (Flux's wording, which names no URL).
    #[error("semver parse error: {reason}")]
    InvalidSemver {
        /// The URL, password removed.
        url: String,
        /// The range from `spec.ref.semver`.
        range: String,
        /// Masterminds' message, e.g. `improper constraint: ">=abc"`.
        reason: String,
    },
    /// No tag satisfies the semver range (Flux's wording, which names no URL).
    #[error("no match found for semver: {range}")]
    NoSemverMatch {
        /// The URL, password removed.
        url: String,
        /// The range from `spec.ref.semver`.
        range: String,
    },
    /// The operation did not finish within the timeout.
    #[error("git operation on '{url}' for {reference} timed out after {timeout:?}")]
    Timeout {
        /// The URL, password removed.
        url: String,
        /// The ref as described to a person.
        reference: String,
        /// The limit.
        timeout: Duration,
    },
    /// An earlier operation on this URL timed out and its worker is still blocked (a server
    /// that accepted the connection and never answered); no new worker is started until it
    /// ends, so such a server holds one thread, not one per attempt.
    #[error(
        "an earlier git operation on '{url}' timed out and has not ended yet (the server accepted the connection and does not answer); not starting another until it does"
    )]
    EarlierOperationStuck {
        /// The URL, password removed.
        url: String,
    },
    /// Any other libgit2 failure.
    #[error("git operation on '{url}' for {reference} failed: {message}")]
    Git {
        /// The URL, password removed.
        url: String,
        /// The ref as described to a person.
        reference: String,
        /// libgit2's message (class and code included).
        message: String,
    },
    /// A local file operation failed.
    #[error("{action} '{path}' for '{url}': {source}")]
    Io {
        /// The URL, password removed.
        url: String,
        /// What was being done.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}
