#![allow(clippy::expect_used, clippy::unwrap_used)]
//! HelmRepository over HTTPS with a private CA and a client certificate (certSecretRef),
//! against a TLS server on 127.0.0.1 that requires client certificates. Certificates are
//! generated with the `openssl` command.

mod helm_common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use rflux_source::helm_index::{DEFAULT_MAX_INDEX_SIZE, HttpClient, RepositoryAccess, fetch_index};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command is needed to generate test certificates");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate.
fn make_pki(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=rflux test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &ca);
    for (name, ext) in [
        ("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
        ("client", "extendedKeyUsage=clientAuth\n"),
    ] {
        std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
        let mut req = vec!["req"];
        req.extend(ec);
        let key = format!("{name}.key");
        let csr = format!("{name}.csr");
        let crt = format!("{name}.crt");
        let extfile = format!("{name}.ext");
        let subject = format!("/CN={name}");
        req.extend(["-keyout", &key, "-out", &csr, "-subj", &subject]);
        openssl(dir, &req);
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &crt,
                "-days",
                "2",
                "-extfile",
                &extfile,
            ],
        );
    }
}

/// Serve `body` for every request over TLS, requiring a client certificate from the CA.
async fn serve_tls(dir: &Path, body: String) -> String {
    rflux_source::helm_index::transport::ensure_crypto_provider();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("server.crt"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for ca in CertificateDer::pem_file_iter(dir.join("ca.crt")).unwrap() {
        roots.add(ca.unwrap()).unwrap();
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
        .build()
        .unwrap();
    let config = rustls::ServerConfig::builder()
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let acceptor = acceptor.clone();
            let body = body.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    format!("https://{addr}")
}

fn cert_secret(dir: &Path, with_client_cert: bool) -> BTreeMap<String, Vec<u8>> {
    let mut data = BTreeMap::from([("ca.crt".to_string(), std::fs::read(dir.join("ca.crt")).unwrap())]);
    if with_client_cert {
        data.insert("tls.crt".into(), std::fs::read(dir.join("client.crt")).unwrap());
        data.insert("tls.key".into(), std::fs::read(dir.join("client.key")).unwrap());
    }
    data
}

#[tokio::test]
async fn https_repository_with_ca_and_client_certificate() {
    let pki = tempfile::tempdir().unwrap();
    make_pki(pki.path());
    let index = "apiVersion: v1\nentries:\n  app:\n  - name: app\n    version: 1.0.0\n    urls: [app-1.0.0.tgz]\n";
    let url = serve_tls(pki.path(), index.to_string()).await;
    let work = tempfile::tempdir().unwrap();

    let full = RepositoryAccess::from_secret_data(None, Some(&cert_secret(pki.path(), true))).unwrap();
    let client = HttpClient::new(&url, full).unwrap();
    let fetched = fetch_index(&client, DEFAULT_MAX_INDEX_SIZE, work.path()).await.unwrap();
    assert!(fetched.index.chart("app").is_some());

    // Without the private CA the server is not trusted.
    let untrusted = HttpClient::new(&url, RepositoryAccess::default()).unwrap();
    let err = fetch_index(&untrusted, DEFAULT_MAX_INDEX_SIZE, work.path())
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&url), "{err}");

    // Without the client certificate the server refuses the connection.
    let no_client = RepositoryAccess::from_secret_data(None, Some(&cert_secret(pki.path(), false))).unwrap();
    let client = HttpClient::new(&url, no_client).unwrap();
    assert!(fetch_index(&client, DEFAULT_MAX_INDEX_SIZE, work.path()).await.is_err());

    // A key without its certificate is a secret error.
    let mut half = cert_secret(pki.path(), true);
    half.remove("tls.crt");
    let err = RepositoryAccess::from_secret_data(None, Some(&half)).unwrap_err();
    assert!(err.to_string().contains("tls.crt"), "{err}");

    // The deprecated keys of secretRef are named as the user wrote them.
    let mut deprecated = BTreeMap::new();
    deprecated.insert(
        "certFile".to_string(),
        std::fs::read(pki.path().join("client.crt")).unwrap(),
    );
    let err = RepositoryAccess::from_secret_data(Some(&deprecated), None).unwrap_err();
    assert!(
        err.to_string().contains("secretRef") && err.to_string().contains("'certFile' and 'keyFile'"),
        "{err}"
    );
}
