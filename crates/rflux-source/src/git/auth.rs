//! Credentials from a Flux git secret and the libgit2 callbacks that use them: basic auth,
//! bearer token, SSH key with `known_hosts` host key checking, an extra CA for HTTPS, and
//! the deadline that cancels a transfer. Secret values are never logged or put in errors.

use super::known_hosts::{HostKeyCheck, KnownHosts};
use super::url::{RepoUrl, Scheme};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Instant;

/// Credentials for a repository, read from the data of a Flux git secret.
#[derive(Clone, Default)]
pub struct GitAuth {
    /// `username` (basic auth; for ssh overrides the URL's user).
    pub username: Option<String>,
    /// `password` (basic auth password, or the SSH key's passphrase).
    pub password: Option<String>,
    /// `bearerToken` (HTTP `Authorization: Bearer`).
    pub bearer_token: Option<String>,
    /// `identity`: private SSH key (PEM or OpenSSH format).
    pub identity: Option<String>,
    /// `identity.pub`: the matching public key, optional.
    pub identity_pub: Option<String>,
    /// `known_hosts` for ssh.
    pub known_hosts: Option<String>,
    /// `ca.crt` (or the older `caFile`): extra CA certificates (PEM) for HTTPS.
    pub ca_cert: Option<String>,
}

impl fmt::Debug for GitAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |o: &Option<String>| if o.is_some() { "<set>" } else { "<none>" };
        f.debug_struct("GitAuth")
            .field("username", &self.username)
            .field("password", &set(&self.password))
            .field("bearer_token", &set(&self.bearer_token))
            .field("identity", &set(&self.identity))
            .field("known_hosts", &set(&self.known_hosts))
            .field("ca_cert", &set(&self.ca_cert))
            .finish()
    }
}

/// A secret value that is not UTF-8 text.
#[derive(Debug, thiserror::Error)]
#[error("git secret key '{0}' is not valid UTF-8")]
pub struct SecretDataError(pub String);

impl GitAuth {
    /// No credentials (public repositories; ssh still needs `known_hosts`).
    pub fn none() -> Self {
        Self::default()
    }

    /// Reads the keys Flux defines for GitRepository secrets from a Secret's decoded data.
    pub fn from_secret_data(data: &BTreeMap<String, Vec<u8>>) -> Result<Self, SecretDataError> {
        let text = |key: &str| -> Result<Option<String>, SecretDataError> {
            data.get(key)
                .map(|v| String::from_utf8(v.clone()).map_err(|_| SecretDataError(key.to_string())))
                .transpose()
        };
        Ok(GitAuth {
            username: text("username")?,
            password: text("password")?,
            bearer_token: text("bearerToken")?,
            identity: text("identity")?,
            identity_pub: text("identity.pub")?,
            known_hosts: text("known_hosts")?,
            ca_cert: match text("ca.crt")? {
                Some(ca) => Some(ca),
                None => text("caFile")?,
            },
        })
    }

    /// HTTP headers to send (bearer token).
    pub(crate) fn http_headers(&self, scheme: Scheme) -> Vec<String> {
        match (&self.bearer_token, scheme) {
            (Some(token), Scheme::Http | Scheme::Https) => vec![format!("Authorization: Bearer {token}")],
            _ => Vec::new(),
        }
    }
}

/// A problem the callbacks saw, used to give the failure a precise type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Incident {
    HostKey(HostKeyCheck, String),
    MissingKnownHosts(String),
    CredentialsRejected,
    NoCredentials(String),
    BadCredentials(String),
    DeadlinePassed,
}

/// One remote operation: URL, credentials, deadline, and what the callbacks observed.
pub(crate) struct Session<'a> {
    pub url: &'a RepoUrl,
    pub auth: &'a GitAuth,
    pub deadline: Instant,
    pub incident: RefCell<Option<Incident>>,
    attempts: RefCell<u32>,
    known_hosts: Option<KnownHosts>,
}

impl<'a> Session<'a> {
    pub fn new(url: &'a RepoUrl, auth: &'a GitAuth, deadline: Instant) -> Self {
        Session {
            url,
            auth,
            deadline,
            incident: RefCell::new(None),
            attempts: RefCell::new(0),
            known_hosts: auth.known_hosts.as_deref().map(KnownHosts::parse),
        }
    }

    fn note(&self, incident: Incident) {
        let mut slot = self.incident.borrow_mut();
        if slot.is_none() {
            *slot = Some(incident);
        }
    }

    fn expired(&self) -> bool {
        let expired = Instant::now() >= self.deadline;
        if expired {
            self.note(Incident::DeadlinePassed);
        }
        expired
    }

    /// Builds libgit2 callbacks bound to this session.
    pub fn callbacks(&self) -> git2::RemoteCallbacks<'_> {
        let mut cb = git2::RemoteCallbacks::new();
        cb.credentials(move |_url, user_from_url, allowed| self.credentials(user_from_url, allowed));
        cb.certificate_check(move |cert, host| self.certificate_check(cert, host));
        cb.transfer_progress(move |_| !self.expired());
        cb.sideband_progress(move |_| !self.expired());
        cb
    }

    fn credentials(
        &self,
        user_from_url: Option<&str>,
        allowed: git2::CredentialType,
    ) -> Result<git2::Cred, git2::Error> {
        let user = self
            .auth
            .username
            .as_deref()
            .filter(|_| self.url.scheme == Scheme::Ssh)
            .or(user_from_url)
            .unwrap_or("git");
        if allowed.contains(git2::CredentialType::USERNAME) {
            return git2::Cred::username(user);
        }
        if allowed.contains(git2::CredentialType::SSH_KEY) {
            let Some(key) = self.auth.identity.as_deref() else {
                self.note(Incident::NoCredentials("the secret has no 'identity' key".into()));
                return Err(git2::Error::from_str("no SSH identity given"));
            };
            if self.bump_attempts() {
                return Err(git2::Error::from_str("SSH key rejected"));
            }
            return git2::Cred::ssh_key_from_memory(
                user,
                self.auth.identity_pub.as_deref(),
                key,
                self.auth.password.as_deref(),
            )
            .inspect_err(|_| {
                self.note(Incident::BadCredentials(
                    "the 'identity' key could not be loaded (format or passphrase)".into(),
                ))
            });
        }
        if allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT) {
            let (Some(username), Some(password)) = (self.auth.username.as_deref(), self.auth.password.as_deref())
            else {
                self.note(Incident::NoCredentials(
                    "the server asks for credentials and the secret has no username/password".into(),
                ));
                return Err(git2::Error::from_str("no credentials given"));
            };
            if self.bump_attempts() {
                return Err(git2::Error::from_str("credentials rejected"));
            }
            return git2::Cred::userpass_plaintext(username, password);
        }
        self.note(Incident::NoCredentials(format!(
            "the server asks for an unsupported credential type ({allowed:?})"
        )));
        Err(git2::Error::from_str("unsupported credential type"))
    }

    /// Counts a credential attempt; true when credentials were already offered once, which
    /// means the server rejected them.
    fn bump_attempts(&self) -> bool {
        let mut attempts = self.attempts.borrow_mut();
        *attempts += 1;
        if *attempts > 1 {
            self.note(Incident::CredentialsRejected);
            true
        } else {
            false
        }
    }

    fn host_label(&self) -> String {
        if self.url.port == 22 {
            self.url.host.clone()
        } else {
            format!("[{}]:{}", self.url.host, self.url.port)
        }
    }

    fn certificate_check(
        &self,
        cert: &git2::cert::Cert<'_>,
        host: &str,
    ) -> Result<git2::CertificateCheckStatus, git2::Error> {
        if self.expired() {
            return Err(git2::Error::from_str("deadline passed"));
        }
        if let Some(hostkey) = cert.as_hostkey() {
            let label = self.host_label();
            let Some(known) = &self.known_hosts else {
                self.note(Incident::MissingKnownHosts(label));
                return Err(git2::Error::from_str("no known_hosts given"));
            };
            // libgit2 reports the host name; the port comes from the URL.
            let host = if host.is_empty() { self.url.host.as_str() } else { host };
            let check = match (hostkey.hostkey(), hostkey.hash_sha256()) {
                (Some(raw), _) => known.check(host, self.url.port, raw),
                (None, Some(sha)) => known.check_sha256(host, self.url.port, sha),
                (None, None) => HostKeyCheck::UnknownHost,
            };
            if check == HostKeyCheck::Trusted {
                return Ok(git2::CertificateCheckStatus::CertificateOk);
            }
            self.note(Incident::HostKey(check, label));
            return Err(git2::Error::from_str("host key verification failed"));
        }
        if let (Some(x509), Some(ca)) = (cert.as_x509(), self.auth.ca_cert.as_deref())
            && super::tls::verify_with_ca(x509.data(), ca, host)
        {
            return Ok(git2::CertificateCheckStatus::CertificateOk);
        }
        Ok(git2::CertificateCheckStatus::CertificatePassthrough)
    }
}
