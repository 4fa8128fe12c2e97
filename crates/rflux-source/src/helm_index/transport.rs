//! HTTP(S) access to a Helm repository: basic auth and TLS material read from Secret data
//! the way Flux reads them, credentials sent only to the repository's own host unless
//! `passCredentials` is set, bounded streaming downloads hashed with SHA-256 on the way.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::time::Duration;

use sha2::{Digest, Sha256};
use url::Url;

/// Flux's default timeout for index and chart downloads.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// A failure talking to a repository, or bad access settings.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Secret data is incomplete or unusable.
    #[error("invalid {secret} secret data: {reason}")]
    InvalidSecret {
        /// Which reference (`secretRef`, `certSecretRef`).
        secret: &'static str,
        /// What is wrong (never the value).
        reason: String,
    },
    /// The URL does not parse.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// The parse error.
        reason: String,
    },
    /// `spec.timeout` is not a duration.
    #[error("invalid spec.timeout {value:?}: {reason}")]
    InvalidTimeout {
        /// The value given.
        value: String,
        /// Why it does not parse.
        reason: String,
    },
    /// The HTTP client could not be built (TLS setup).
    #[error("building HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    /// The request failed before a response arrived.
    #[error("GET {url}: {source}")]
    Request {
        /// The URL (without credentials).
        url: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with an error status.
    #[error("GET {url}: {status}{hint}")]
    Status {
        /// The URL (without credentials).
        url: String,
        /// The status line.
        status: reqwest::StatusCode,
        /// A hint for authentication failures (empty otherwise).
        hint: &'static str,
    },
    /// The body is larger than allowed.
    #[error("GET {url}: response exceeds the maximum size of {max} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        max: u64,
    },
    /// Writing the body to disk failed.
    #[error("GET {url}: writing the response: {source}")]
    Io {
        /// The URL.
        url: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Basic-auth credentials (`username` / `password` in the Secret). The password is never
/// printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// PEM material for TLS: a CA bundle to trust in addition to the system roots, and a
/// client certificate with its key.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TlsMaterial {
    /// `ca.crt`.
    pub ca_pem: Option<Vec<u8>>,
    /// `tls.crt`.
    pub cert_pem: Option<Vec<u8>>,
    /// `tls.key`.
    pub key_pem: Option<Vec<u8>>,
}

impl fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("ca", &self.ca_pem.is_some())
            .field("cert", &self.cert_pem.is_some())
            .field("key", &self.key_pem.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// How to reach a repository: credentials, TLS, timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryAccess {
    /// Basic auth, if any.
    pub credentials: Option<Credentials>,
    /// TLS material.
    pub tls: TlsMaterial,
    /// Send credentials to hosts other than the repository's (`spec.passCredentials`).
    pub pass_credentials: bool,
    /// Per-request timeout (`spec.timeout`).
    pub timeout: Duration,
}

impl Default for RepositoryAccess {
    fn default() -> Self {
        RepositoryAccess {
            credentials: None,
            tls: TlsMaterial::default(),
            pass_credentials: false,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

fn text_field(
    data: &BTreeMap<String, Vec<u8>>,
    key: &str,
    secret: &'static str,
) -> Result<Option<String>, TransportError> {
    match data.get(key) {
        None => Ok(None),
        Some(bytes) => String::from_utf8(bytes.clone())
            .map(Some)
            .map_err(|_| TransportError::InvalidSecret {
                secret,
                reason: format!("'{key}' is not UTF-8"),
            }),
    }
}

impl RepositoryAccess {
    /// Read access settings from the decoded data of `spec.secretRef` (`username`,
    /// `password`; the deprecated `caFile`, `certFile`, `keyFile` too) and of
    /// `spec.certSecretRef` (`ca.crt`, `tls.crt`, `tls.key`), as Flux does.
    pub fn from_secret_data(
        auth: Option<&BTreeMap<String, Vec<u8>>>,
        cert: Option<&BTreeMap<String, Vec<u8>>>,
    ) -> Result<RepositoryAccess, TransportError> {
        let mut access = RepositoryAccess::default();
        if let Some(data) = auth {
            let user = text_field(data, "username", "secretRef")?;
            let pass = text_field(data, "password", "secretRef")?;
            match (user, pass) {
                (Some(username), Some(password)) => access.credentials = Some(Credentials { username, password }),
                (None, None) => {}
                _ => {
                    return Err(TransportError::InvalidSecret {
                        secret: "secretRef",
                        reason: "required fields 'username' and 'password' must both be set".to_string(),
                    });
                }
            }
            access.tls.ca_pem = data.get("caFile").cloned();
            access.tls.cert_pem = data.get("certFile").cloned();
            access.tls.key_pem = data.get("keyFile").cloned();
        }
        if let Some(data) = cert {
            access.tls = TlsMaterial {
                ca_pem: data.get("ca.crt").cloned(),
                cert_pem: data.get("tls.crt").cloned(),
                key_pem: data.get("tls.key").cloned(),
            };
        }
        match (&access.tls.cert_pem, &access.tls.key_pem) {
            // The pair came from certSecretRef when there is one, else from the deprecated
            // keys of secretRef: name the keys the user wrote.
            (Some(_), None) | (None, Some(_)) if cert.is_some() => Err(TransportError::InvalidSecret {
                secret: "certSecretRef",
                reason: "'tls.crt' and 'tls.key' must be given together".to_string(),
            }),
            (Some(_), None) | (None, Some(_)) => Err(TransportError::InvalidSecret {
                secret: "secretRef",
                reason: "'certFile' and 'keyFile' must be given together".to_string(),
            }),
            _ => Ok(access),
        }
    }
}

impl RepositoryAccess {
    /// Access settings for a HelmRepository: its Secrets' data plus `passCredentials` and
    /// `timeout` from the spec (Flux's 60s when unset).
    pub fn for_helm_repository(
        spec: &rflux_api::types::HelmRepositorySpec,
        auth: Option<&BTreeMap<String, Vec<u8>>>,
        cert: Option<&BTreeMap<String, Vec<u8>>>,
    ) -> Result<RepositoryAccess, TransportError> {
        let mut access = RepositoryAccess::from_secret_data(auth, cert)?;
        access.pass_credentials = spec.pass_credentials.unwrap_or(false);
        if let Some(timeout) = spec.timeout.as_deref().filter(|t| !t.is_empty()) {
            access.timeout = rflux_api::parse_duration(timeout).map_err(|e| TransportError::InvalidTimeout {
                value: timeout.to_string(),
                reason: e.to_string(),
            })?;
        }
        Ok(access)
    }
}

/// Install ring as the process's rustls crypto provider unless one is installed already.
pub fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another installer is fine: a provider is installed either way.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// A URL as it may be printed: without user info.
pub fn display_url(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

/// What a download produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    /// Bytes written.
    pub size: u64,
    /// Lowercase hex SHA-256 of the body.
    pub sha256: String,
}

/// An HTTP client bound to one repository URL and its access settings.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    repository: Url,
    access: RepositoryAccess,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("repository", &display_url(&self.repository))
            .field("access", &self.access)
            .finish()
    }
}

impl HttpClient {
    /// A client for the repository at `repository_url`.
    pub fn new(repository_url: &str, access: RepositoryAccess) -> Result<HttpClient, TransportError> {
        ensure_crypto_provider();
        let repository = Url::parse(repository_url).map_err(|e| TransportError::InvalidUrl {
            url: repository_url.to_string(),
            reason: e.to_string(),
        })?;
        let mut builder = reqwest::Client::builder()
            .timeout(access.timeout)
            .user_agent(concat!("rflux-source/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = &access.tls.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(ca).map_err(|e| TransportError::InvalidSecret {
                secret: "certSecretRef",
                reason: format!("'ca.crt' is not a PEM certificate bundle: {e}"),
            })?;
            builder = builder.tls_certs_merge(certs);
        }
        if let (Some(cert), Some(key)) = (&access.tls.cert_pem, &access.tls.key_pem) {
            let mut pem = cert.clone();
            pem.push(b'\n');
            pem.extend_from_slice(key);
            let identity = reqwest::Identity::from_pem(&pem).map_err(|e| TransportError::InvalidSecret {
                secret: "certSecretRef",
                reason: format!("'tls.crt'/'tls.key' are not a PEM certificate and key: {e}"),
            })?;
            builder = builder.identity(identity);
        }
        let client = builder.build().map_err(TransportError::Client)?;
        Ok(HttpClient {
            client,
            repository,
            access,
        })
    }

    /// The repository URL.
    pub fn repository_url(&self) -> &Url {
        &self.repository
    }

    /// Credentials go to the repository's own scheme, host and port only, unless
    /// `passCredentials` is set (Helm's rule for chart URLs on other hosts).
    fn credentials_for(&self, url: &Url) -> Option<&Credentials> {
        let same_origin = url.scheme() == self.repository.scheme()
            && url.host_str() == self.repository.host_str()
            && url.port_or_known_default() == self.repository.port_or_known_default();
        if same_origin || self.access.pass_credentials {
            self.access.credentials.as_ref()
        } else {
            None
        }
    }

    async fn get(&self, url: &Url) -> Result<reqwest::Response, TransportError> {
        let shown = display_url(url);
        let mut request = self.client.get(url.clone());
        if let Some(c) = self.credentials_for(url) {
            request = request.basic_auth(&c.username, Some(&c.password));
        }
        tracing::debug!(url = %shown, "GET");
        let response = request.send().await.map_err(|source| TransportError::Request {
            url: shown.clone(),
            source,
        })?;
        let status = response.status();
        if !status.is_success() {
            let hint = match status.as_u16() {
                401 if self.credentials_for(url).is_some() => " (the credentials in secretRef were rejected)",
                401 => " (the repository requires credentials: set secretRef)",
                403 => " (access denied for these credentials)",
                _ => "",
            };
            return Err(TransportError::Status {
                url: shown,
                status,
                hint,
            });
        }
        Ok(response)
    }

    /// Stream the body of `url` into `out`, failing beyond `max_size` bytes; the body is
    /// hashed on the way.
    pub async fn download_to(
        &self,
        url: &Url,
        out: &mut impl Write,
        max_size: u64,
    ) -> Result<Downloaded, TransportError> {
        let shown = display_url(url);
        let mut response = self.get(url).await?;
        if response.content_length().is_some_and(|n| n > max_size) {
            return Err(TransportError::TooLarge {
                url: shown,
                max: max_size,
            });
        }
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = response.chunk().await.map_err(|source| TransportError::Request {
            url: shown.clone(),
            source,
        })? {
            size += chunk.len() as u64;
            if size > max_size {
                return Err(TransportError::TooLarge {
                    url: shown,
                    max: max_size,
                });
            }
            hasher.update(&chunk);
            out.write_all(&chunk).map_err(|source| TransportError::Io {
                url: shown.clone(),
                source,
            })?;
        }
        out.flush()
            .map_err(|source| TransportError::Io { url: shown, source })?;
        Ok(Downloaded {
            size,
            sha256: hex::encode(hasher.finalize()),
        })
    }

    /// The body of `url` in memory, at most `max_size` bytes.
    pub async fn download_bytes(&self, url: &Url, max_size: u64) -> Result<Vec<u8>, TransportError> {
        let mut out = Vec::new();
        self.download_to(url, &mut out, max_size).await?;
        Ok(out)
    }
}
