//! The server's identity: a CA and a serving certificate for 127.0.0.1/localhost, and the
//! bearer token clients present. Generated once into the data directory and reused.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};

/// Errors setting up TLS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("reading or writing {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("generating certificates: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("loading {path}: {message}")]
    Load { path: PathBuf, message: String },
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// PEM files and the token of one data directory.
pub struct Identity {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
    pub token: String,
}

fn read(path: &Path) -> Result<String, TlsError> {
    fs::read_to_string(path).map_err(|source| TlsError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn write_private(path: &Path, contents: &str) -> Result<(), TlsError> {
    let io_err = |source| TlsError::Io {
        path: path.to_path_buf(),
        source,
    };
    fs::write(path, contents).map_err(io_err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(io_err)?;
    }
    Ok(())
}

/// Loads the identity stored in `dir`, creating what is missing.
pub fn load_or_create(dir: &Path) -> Result<Identity, TlsError> {
    let paths = ["ca.crt", "ca.key", "apiserver.crt", "apiserver.key", "token"].map(|f| dir.join(f));
    if paths.iter().all(|p| p.exists()) {
        return Ok(Identity {
            ca_pem: read(&paths[0])?,
            cert_pem: read(&paths[2])?,
            key_pem: read(&paths[3])?,
            token: read(&paths[4])?.trim().to_string(),
        });
    }
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "rflux-ca");
    ca_params.distinguished_name = dn;
    let ca_cert = ca_params.self_signed(&ca_key)?;

    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec!["localhost".to_string(), "kubernetes.default.svc".to_string()])?;
    params
        .subject_alt_names
        .push(SanType::IpAddress(std::net::IpAddr::from([127, 0, 0, 1])));
    params
        .subject_alt_names
        .push(SanType::IpAddress(std::net::IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1])));
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "rflux-apiserver");
    params.distinguished_name = dn;
    let issuer = Issuer::new(ca_params, &ca_key);
    let cert = params.signed_by(&key, &issuer)?;

    let token = random_token();
    let identity = Identity {
        ca_pem: ca_cert.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        token,
    };
    fs::create_dir_all(dir).map_err(|source| TlsError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    write_private(&paths[0], &identity.ca_pem)?;
    write_private(&paths[1], &ca_key.serialize_pem())?;
    write_private(&paths[2], &identity.cert_pem)?;
    write_private(&paths[3], &identity.key_pem)?;
    write_private(&paths[4], &identity.token)?;
    Ok(identity)
}

fn random_token() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..40).map(|_| format!("{:x}", rng.random_range(0..16u8))).collect()
}

/// The rustls server configuration, offering HTTP/2 and HTTP/1.1.
pub fn server_config(identity: &Identity) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let load_err = |what: &str, message: String| TlsError::Load {
        path: PathBuf::from(what),
        message,
    };
    let certs = rustls_pemfile::certs(&mut identity.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| load_err("apiserver.crt", e.to_string()))?;
    let key = rustls_pemfile::private_key(&mut identity.key_pem.as_bytes())
        .map_err(|e| load_err("apiserver.key", e.to_string()))?
        .ok_or_else(|| load_err("apiserver.key", "no private key".into()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
