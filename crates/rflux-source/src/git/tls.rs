//! HTTPS server certificates checked against the CA bundle of a git secret (`ca.crt`), in
//! addition to the system roots libgit2 already trusts.

use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::{X509VerifyFlags, X509VerifyParam};
use openssl::x509::{X509, X509StoreContext};

/// True when the leaf certificate (DER) chains to one of the PEM certificates in `ca_pem`
/// and is valid for `host` (a name or an IP address).
pub(crate) fn verify_with_ca(leaf_der: &[u8], ca_pem: &str, host: &str) -> bool {
    verify(leaf_der, ca_pem, host).unwrap_or(false)
}

fn verify(leaf_der: &[u8], ca_pem: &str, host: &str) -> Result<bool, openssl::error::ErrorStack> {
    let leaf = X509::from_der(leaf_der)?;
    let mut builder = X509StoreBuilder::new()?;
    for ca in X509::stack_from_pem(ca_pem.as_bytes())? {
        builder.add_cert(ca)?;
    }
    let mut param = X509VerifyParam::new()?;
    param.set_flags(X509VerifyFlags::PARTIAL_CHAIN)?;
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
    {
        Ok(ip) => param.set_ip(ip)?,
        Err(_) => param.set_host(host)?,
    }
    builder.set_param(&param)?;
    let store = builder.build();
    let chain = Stack::new()?;
    let mut context = X509StoreContext::new()?;
    context.init(&store, &leaf, &chain, |c| c.verify_cert())
}
