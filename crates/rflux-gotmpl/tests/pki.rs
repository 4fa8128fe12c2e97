//! Certificates from `genCA`, `genSignedCert`, `genSelfSignedCert` and their `WithKey`
//! forms, checked with the real `openssl` tool (Debian package `openssl`): the chain
//! verifies, keys are consistent, and the extensions are the ones Go's x509 writes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

use std::path::Path;
use std::process::Command;

use rflux_gotmpl::{Template, Value};

fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl tool must be installed (Debian: openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn render(text: &str) -> Vec<String> {
    let mut t = Template::new("gotpl");
    t.parse("t", text).unwrap();
    t.execute("t", &Value::Nil)
        .unwrap()
        .split("@@")
        .map(str::to_string)
        .collect()
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn ca_signed_and_self_signed_certificates_verify_with_openssl() {
    let dir = std::env::temp_dir().join(format!("rflux-gotmpl-pki-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let parts = render(concat!(
        "{{- $ca := genCA \"my-ca\" 365 -}}",
        "{{- $c := genSignedCert \"svc.ns.svc\" (list \"10.0.0.1\" \"::1\") (list \"svc\" \"svc.ns.svc\") 30 $ca -}}",
        "{{- $s := genSelfSignedCertWithKey \"self\" nil (list \"a.example\") 10 $c.Key -}}",
        "{{- $c2 := genSignedCertWithKey \"again\" nil nil 5 $ca $c.Key -}}",
        "{{ $ca.Cert }}@@{{ $ca.Key }}@@{{ $c.Cert }}@@{{ $c.Key }}@@{{ $s.Cert }}@@{{ $c2.Cert }}"
    ));
    let ca = write(&dir, "ca.pem", &parts[0]);
    let ca_key = write(&dir, "ca.key", &parts[1]);
    let cert = write(&dir, "cert.pem", &parts[2]);
    let key = write(&dir, "cert.key", &parts[3]);
    let selfsigned = write(&dir, "self.pem", &parts[4]);
    let again = write(&dir, "again.pem", &parts[5]);

    assert!(openssl(&["verify", "-CAfile", &ca, &cert]).contains("OK"));
    assert!(openssl(&["verify", "-CAfile", &ca, &again]).contains("OK"));
    assert!(openssl(&["verify", "-CAfile", &selfsigned, &selfsigned]).contains("OK"));
    openssl(&["rsa", "-in", &ca_key, "-check", "-noout"]);
    openssl(&["rsa", "-in", &key, "-check", "-noout"]);
    // the signed cert and the WithKey certs carry the given key
    let modulus = |args: &[&str]| openssl(args);
    let key_mod = modulus(&["rsa", "-in", &key, "-noout", "-modulus"]);
    assert_eq!(modulus(&["x509", "-in", &cert, "-noout", "-modulus"]), key_mod);
    assert_eq!(modulus(&["x509", "-in", &selfsigned, "-noout", "-modulus"]), key_mod);
    assert_eq!(modulus(&["x509", "-in", &again, "-noout", "-modulus"]), key_mod);

    let ca_text = openssl(&["x509", "-in", &ca, "-noout", "-text"]);
    assert!(ca_text.contains("Subject: CN = my-ca"), "{ca_text}");
    assert!(ca_text.contains("Public-Key: (2048 bit)"));
    assert!(ca_text.contains("Digital Signature, Key Encipherment, Certificate Sign"));
    assert!(ca_text.contains("CA:TRUE"));
    assert!(ca_text.contains("X509v3 Subject Key Identifier"));
    let text = openssl(&["x509", "-in", &cert, "-noout", "-text"]);
    assert!(text.contains("Issuer: CN = my-ca"));
    assert!(text.contains("CA:FALSE"));
    assert!(text.contains("TLS Web Server Authentication, TLS Web Client Authentication"));
    assert!(
        text.contains("DNS:svc, DNS:svc.ns.svc, IP Address:10.0.0.1, IP Address:0:0:0:0:0:0:0:1"),
        "{text}"
    );
    assert!(text.contains("X509v3 Authority Key Identifier"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn certificate_function_errors() {
    let mut t = Template::new("gotpl");
    t.parse("t", "{{ genSignedCert \"x\" nil nil 1 (dict) }}").unwrap();
    let err = t.execute("t", &Value::Nil).unwrap_err().to_string();
    assert!(err.contains("error calling genSignedCert: error parsing CA"), "{err}");
    t.parse("u", "{{ genSelfSignedCert \"x\" (list \"not-an-ip\") nil 1 }}")
        .unwrap();
    let err = t.execute("u", &Value::Nil).unwrap_err().to_string();
    assert!(err.contains("error parsing ip: not-an-ip"), "{err}");
    t.parse("v", "{{ genPrivateKey \"nope\" }}").unwrap();
    assert_eq!(t.execute("v", &Value::Nil).unwrap(), "Unknown type nope");
}
