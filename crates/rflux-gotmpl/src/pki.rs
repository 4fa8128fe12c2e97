//! Sprig's certificate functions with RSA keys, as Go's `crypto/x509` writes them:
//! `genPrivateKey "rsa"`, `genCA`, `genCAWithKey`, `genSelfSignedCert(WithKey)`,
//! `genSignedCert(WithKey)`, `buildCustomCert`. Keys are PKCS#1 (`RSA PRIVATE KEY`),
//! certificates X.509 v3 signed with SHA256-RSA.

use base64::Engine as _;
use sha2::Digest as _;

use crate::bigint::{Big, Mont, modpow, random_prime};
use crate::value::{Map, Value};

/// An RSA private key.
pub struct RsaKey {
    n: Big,
    e: u64,
    d: Big,
    p: Big,
    q: Big,
    dp: Big,
    dq: Big,
    qinv: Big,
}

fn random() -> u64 {
    crate::sprig::random_u64()
}

impl RsaKey {
    /// A new key of `bits` bits with e = 65537.
    pub fn generate(bits: usize) -> RsaKey {
        let e = 65537u64;
        let one = Big::from_u64(1);
        loop {
            let mut rnd = random;
            let p = random_prime(bits / 2, &mut rnd);
            let q = random_prime(bits - bits / 2, &mut rnd);
            if p == q {
                continue;
            }
            let (p1, q1) = (p.sub(&one), q.sub(&one));
            if p1.rem_u64(e) == 0 || q1.rem_u64(e) == 0 {
                continue;
            }
            let n = p.mul(&q);
            if n.bits() != bits {
                continue;
            }
            let phi = p1.mul(&q1);
            // d = (k·φ + 1) / e with k·φ ≡ −1 (mod e)
            let phi_mod = phi.rem_u64(e);
            let Some(inv) = small_inverse(phi_mod, e) else { continue };
            let k = (e - inv) % e;
            let d = phi.mul(&Big::from_u64(k)).add(&one).div_u64(e);
            return RsaKey::from_parts(n, e, d, p, q);
        }
    }

    fn from_parts(n: Big, e: u64, d: Big, p: Big, q: Big) -> RsaKey {
        let one = Big::from_u64(1);
        let (_, dp) = d.divrem(&p.sub(&one));
        let (_, dq) = d.divrem(&q.sub(&one));
        let qinv = modpow(&q, &p.sub(&Big::from_u64(2)), &p);
        RsaKey {
            n,
            e,
            d,
            p,
            q,
            dp,
            dq,
            qinv,
        }
    }

    fn public_der(&self) -> Vec<u8> {
        seq(&[int_big(&self.n), int_big(&Big::from_u64(self.e))])
    }

    /// PKCS#1 DER.
    pub fn private_der(&self) -> Vec<u8> {
        seq(&[
            int_big(&Big::zero()),
            int_big(&self.n),
            int_big(&Big::from_u64(self.e)),
            int_big(&self.d),
            int_big(&self.p),
            int_big(&self.q),
            int_big(&self.dp),
            int_big(&self.dq),
            int_big(&self.qinv),
        ])
    }

    /// PKCS#1 v1.5 SHA-256 signature.
    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        let hash = sha2::Sha256::digest(msg);
        let k = self.n.bits().div_ceil(8);
        let prefix: [u8; 19] = [
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
            0x20,
        ];
        let t_len = prefix.len() + hash.len();
        let mut em = vec![0x00, 0x01];
        em.extend(std::iter::repeat_n(0xff, k.saturating_sub(t_len + 3)));
        em.push(0x00);
        em.extend_from_slice(&prefix);
        em.extend_from_slice(&hash);
        let m = Big::from_be(&em);
        // CRT
        let m1 = modpow(&m, &self.dp, &self.p);
        let m2 = modpow(&m, &self.dq, &self.q);
        let (_, m2p) = m2.divrem(&self.p);
        let diff = if m1.cmp(&m2p) == std::cmp::Ordering::Less {
            m1.add(&self.p).sub(&m2p)
        } else {
            m1.sub(&m2p)
        };
        let (_, h) = self.qinv.mul(&diff).divrem(&self.p);
        let s = m2.add(&h.mul(&self.q));
        // check against the public key, as Go does
        let mont = Mont::new(&self.n);
        let back = mont.out_of_mont(&mont.pow(&mont.to_mont(&s), &Big::from_u64(self.e)));
        let s = if back == m { s } else { modpow(&m, &self.d, &self.n) };
        s.to_be(Some(k))
    }
}

fn small_inverse(a: u64, m: u64) -> Option<u64> {
    let (mut t, mut new_t, mut r, mut new_r) = (0i128, 1i128, m as i128, a as i128);
    while new_r != 0 {
        let q = r / new_r;
        (t, new_t) = (new_t, t - q * new_t);
        (r, new_r) = (new_r, r - q * new_r);
    }
    if r != 1 {
        return None;
    }
    Some(t.rem_euclid(m as i128) as u64)
}

// ---- DER

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = body.len();
    if len < 128 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().iter().copied().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(body);
    out
}

fn seq(items: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &items.concat())
}

fn set(items: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x31, &items.concat())
}

fn int_bytes(mut b: Vec<u8>) -> Vec<u8> {
    if b.is_empty() {
        b.push(0);
    }
    if b[0] & 0x80 != 0 {
        b.insert(0, 0);
    }
    tlv(0x02, &b)
}

fn int_big(v: &Big) -> Vec<u8> {
    int_bytes(v.to_be(None))
}

fn oid(parts: &[u64]) -> Vec<u8> {
    let mut body = vec![(parts[0] * 40 + parts[1]) as u8];
    for &p in &parts[2..] {
        let mut stack = vec![(p & 0x7f) as u8];
        let mut v = p >> 7;
        while v > 0 {
            stack.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        body.extend(stack.iter().rev());
    }
    tlv(0x06, &body)
}

fn null() -> Vec<u8> {
    vec![0x05, 0x00]
}

fn bit_string(bytes: &[u8], unused: u8) -> Vec<u8> {
    let mut body = vec![unused];
    body.extend_from_slice(bytes);
    tlv(0x03, &body)
}

fn octets(bytes: &[u8]) -> Vec<u8> {
    tlv(0x04, bytes)
}

fn time_der(secs: i64) -> Vec<u8> {
    let t = crate::gotime::Time::unix(secs);
    let year: i64 = crate::gotime::format(&t, "2006").parse().unwrap_or(1970);
    if (1950..2050).contains(&year) {
        tlv(0x17, crate::gotime::format(&t, "060102150405Z").as_bytes())
    } else {
        tlv(0x18, crate::gotime::format(&t, "20060102150405Z").as_bytes())
    }
}

fn name(cn: &str) -> Vec<u8> {
    if cn.is_empty() {
        return seq(&[]);
    }
    let printable = cn
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&c));
    let value = if printable {
        tlv(0x13, cn.as_bytes())
    } else {
        tlv(0x0c, cn.as_bytes())
    };
    seq(&[set(&[seq(&[oid(&[2, 5, 4, 3]), value])])])
}

fn extension(id: &[u64], critical: bool, value: Vec<u8>) -> Vec<u8> {
    let mut items = vec![oid(id)];
    if critical {
        items.push(vec![0x01, 0x01, 0xff]);
    }
    items.push(octets(&value));
    seq(&items)
}

fn sha256_rsa() -> Vec<u8> {
    seq(&[oid(&[1, 2, 840, 113549, 1, 1, 11]), null()])
}

fn pem(kind: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {kind}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {kind}-----\n"));
    out
}

fn unpem(text: &str, kind: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {kind}-----");
    let end = format!("-----END {kind}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = text[start..].find(&end)? + start;
    let body: String = text[start..stop].chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// Read one TLV; returns (tag, body, rest).
fn read_tlv(d: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *d.first()?;
    let l0 = *d.get(1)? as usize;
    let (len, hdr) = if l0 < 0x80 {
        (l0, 2)
    } else {
        let n = l0 & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *d.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let body = d.get(hdr..hdr + len)?;
    Some((tag, body, &d[hdr + len..]))
}

fn parse_rsa_key(pem_text: &str) -> Option<RsaKey> {
    let der = unpem(pem_text, "RSA PRIVATE KEY")?;
    let (tag, body, _) = read_tlv(&der)?;
    if tag != 0x30 {
        return None;
    }
    let mut ints = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (t, b, r) = read_tlv(rest)?;
        if t != 0x02 {
            return None;
        }
        ints.push(Big::from_be(b));
        rest = r;
    }
    if ints.len() < 6 {
        return None;
    }
    let e = ints[2].to_be(Some(8));
    let e = u64::from_be_bytes(e.get(e.len().checked_sub(8)?..)?.try_into().ok()?);
    Some(RsaKey::from_parts(
        ints[1].clone(),
        e,
        ints[3].clone(),
        ints[4].clone(),
        ints[5].clone(),
    ))
}

/// The issuer-relevant parts of a CA certificate: subject Name DER and subject key id.
fn parse_ca_cert(pem_text: &str) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let der = unpem(pem_text, "CERTIFICATE")?;
    let (_, cert, _) = read_tlv(&der)?;
    let (_, tbs, _) = read_tlv(cert)?;
    let mut rest = tbs;
    let mut fields: Vec<(u8, &[u8], &[u8])> = Vec::new();
    while !rest.is_empty() {
        let start = rest;
        let (t, b, r) = read_tlv(rest)?;
        fields.push((t, b, &start[..start.len() - r.len()]));
        rest = r;
    }
    // [0] version, serial, sigalg, issuer, validity, subject, spki, ..., [3] extensions
    let offset = usize::from(fields.first()?.0 == 0xa0);
    let subject = fields.get(offset + 4)?.2.to_vec();
    let mut ski = None;
    if let Some((_, ext_wrapper, _)) = fields.iter().find(|f| f.0 == 0xa3) {
        let (_, exts, _) = read_tlv(ext_wrapper)?;
        let mut rest = exts;
        while !rest.is_empty() {
            let (_, ext, r) = read_tlv(rest)?;
            rest = r;
            let (_, id, after) = read_tlv(ext)?;
            if id == [0x55, 0x1d, 0x0e] {
                let mut after = after;
                let (mut t, mut v, mut r2) = read_tlv(after)?;
                if t == 0x01 {
                    after = r2;
                    (t, v, r2) = read_tlv(after)?;
                }
                let _ = (t, r2);
                let (_, inner, _) = read_tlv(v)?;
                ski = Some(inner.to_vec());
            }
        }
    }
    Some((subject, ski))
}

fn ip_bytes(v: &Value) -> Result<Vec<u8>, String> {
    let s = crate::sprig::strval(v);
    if let Ok(ip) = s.parse::<std::net::Ipv4Addr>() {
        return Ok(ip.octets().to_vec());
    }
    if let Ok(ip) = s.parse::<std::net::Ipv6Addr>() {
        return Ok(ip.octets().to_vec());
    }
    Err(format!("error parsing ip: {s}"))
}

struct Template {
    cn: String,
    ips: Vec<Vec<u8>>,
    dns: Vec<String>,
    days: i64,
    is_ca: bool,
}

/// The signing CA: its subject Name DER, its subject key id, its key.
type Issuer<'a> = (&'a [u8], Option<&'a [u8]>, &'a RsaKey);

fn build_cert(t: &Template, key: &RsaKey, issuer: Option<Issuer<'_>>) -> String {
    let now = crate::gotime::Time::now().secs;
    let mut serial = [0u8; 16];
    for chunk in serial.chunks_mut(8) {
        chunk.copy_from_slice(&random().to_le_bytes());
    }
    let subject = name(&t.cn);
    let pub_der = key.public_der();
    let spki = seq(&[
        seq(&[oid(&[1, 2, 840, 113549, 1, 1, 1]), null()]),
        bit_string(&pub_der, 0),
    ]);
    let mut exts = Vec::new();
    // KeyUsage: DigitalSignature | KeyEncipherment (| CertSign for a CA), bits reversed
    let (ku, unused) = if t.is_ca { (0xa4u8, 2u8) } else { (0xa0u8, 5u8) };
    exts.push(extension(&[2, 5, 29, 15], true, bit_string(&[ku], unused)));
    exts.push(extension(
        &[2, 5, 29, 37],
        false,
        seq(&[oid(&[1, 3, 6, 1, 5, 5, 7, 3, 1]), oid(&[1, 3, 6, 1, 5, 5, 7, 3, 2])]),
    ));
    let bc = if t.is_ca {
        seq(&[vec![0x01, 0x01, 0xff]])
    } else {
        seq(&[])
    };
    exts.push(extension(&[2, 5, 29, 19], true, bc));
    let ski = sha1_of(&pub_der);
    if t.is_ca {
        exts.push(extension(&[2, 5, 29, 14], false, octets(&ski)));
    }
    if let Some((issuer_name, Some(aki), _)) = issuer
        && issuer_name != subject.as_slice()
    {
        exts.push(extension(&[2, 5, 29, 35], false, seq(&[tlv(0x80, aki)])));
    }
    if !t.dns.is_empty() || !t.ips.is_empty() {
        let mut names: Vec<Vec<u8>> = t.dns.iter().map(|d| tlv(0x82, d.as_bytes())).collect();
        names.extend(t.ips.iter().map(|ip| tlv(0x87, ip)));
        exts.push(extension(&[2, 5, 29, 17], false, seq(&names)));
    }
    let issuer_name = issuer.map(|i| i.0.to_vec()).unwrap_or_else(|| subject.clone());
    let tbs = seq(&[
        tlv(0xa0, &int_big(&Big::from_u64(2))),
        int_bytes(Big::from_be(&serial).to_be(None)),
        sha256_rsa(),
        issuer_name,
        seq(&[time_der(now), time_der(now + t.days * 86_400)]),
        subject,
        spki,
        tlv(0xa3, &seq(&exts)),
    ]);
    let signer = issuer.map(|i| i.2).unwrap_or(key);
    let sig = signer.sign(&tbs);
    let cert = seq(&[tbs, sha256_rsa(), bit_string(&sig, 0)]);
    pem("CERTIFICATE", &cert)
}

fn sha1_of(data: &[u8]) -> Vec<u8> {
    crate::sprig::sha1(data).to_vec()
}

fn certificate(cert: String, key: &RsaKey) -> Value {
    let mut m = Map::new();
    m.insert("Cert".into(), Value::str(cert));
    m.insert("Key".into(), Value::str(pem("RSA PRIVATE KEY", &key.private_der())));
    Value::map(m)
}

fn list_strings(v: &Value) -> Vec<Value> {
    v.as_list().map(<[Value]>::to_vec).unwrap_or_default()
}

fn key_or_new(pem_text: Option<&str>) -> Result<RsaKey, String> {
    match pem_text {
        None => Ok(RsaKey::generate(2048)),
        Some(p) => {
            parse_rsa_key(p).ok_or_else(|| "error parsing private key: only PKCS#1 RSA keys are supported".to_string())
        }
    }
}

/// `genPrivateKey`.
pub fn gen_private_key(typ: &str) -> String {
    match typ {
        "" | "rsa" => pem("RSA PRIVATE KEY", &RsaKey::generate(4096).private_der()),
        "dsa" | "ecdsa" | "ed25519" => format!("{typ} keys are not supported by rflux-gotmpl yet"),
        other => format!("Unknown type {other}"),
    }
}

/// `genCA` / `genCAWithKey`.
pub fn gen_ca(cn: &str, days: i64, key: Option<&str>) -> Result<Value, String> {
    let key = key_or_new(key)?;
    let t = Template {
        cn: cn.to_string(),
        ips: Vec::new(),
        dns: Vec::new(),
        days,
        is_ca: true,
    };
    Ok(certificate(build_cert(&t, &key, None), &key))
}

fn template(cn: &str, ips: &Value, dns: &Value, days: i64) -> Result<Template, String> {
    let ips = list_strings(ips).iter().map(ip_bytes).collect::<Result<Vec<_>, _>>()?;
    let dns = list_strings(dns).iter().map(crate::sprig::strval).collect();
    Ok(Template {
        cn: cn.to_string(),
        ips,
        dns,
        days,
        is_ca: false,
    })
}

/// `genSelfSignedCert` / `genSelfSignedCertWithKey`.
pub fn gen_self_signed(cn: &str, ips: &Value, dns: &Value, days: i64, key: Option<&str>) -> Result<Value, String> {
    let key = key_or_new(key)?;
    let t = template(cn, ips, dns, days)?;
    Ok(certificate(build_cert(&t, &key, None), &key))
}

/// `genSignedCert` / `genSignedCertWithKey`.
pub fn gen_signed(
    cn: &str,
    ips: &Value,
    dns: &Value,
    days: i64,
    ca: &Value,
    key: Option<&str>,
) -> Result<Value, String> {
    let field = |k: &str| {
        ca.as_map()
            .and_then(|m| m.get(k))
            .and_then(|v| v.as_str().map(str::to_string))
    };
    let (Some(ca_cert), Some(ca_key)) = (field("Cert"), field("Key")) else {
        return Err("error parsing CA: missing Cert or Key".into());
    };
    let (issuer, aki) = parse_ca_cert(&ca_cert).ok_or("error decoding cert: invalid PEM or certificate")?;
    let ca_key = parse_rsa_key(&ca_key).ok_or("error decoding key: only PKCS#1 RSA keys are supported")?;
    let key = key_or_new(key)?;
    let t = template(cn, ips, dns, days)?;
    Ok(certificate(
        build_cert(&t, &key, Some((&issuer, aki.as_deref(), &ca_key))),
        &key,
    ))
}

/// `buildCustomCert`.
pub fn build_custom(cert_b64: &str, key_b64: &str) -> Result<Value, String> {
    let dec = |s: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|e| crate::sprig::base64_error(&e))
    };
    let cert = String::from_utf8_lossy(&dec(cert_b64)?).into_owned();
    let key = String::from_utf8_lossy(&dec(key_b64)?).into_owned();
    if unpem(&cert, "CERTIFICATE").is_none() {
        return Err("error decoding cert".into());
    }
    let mut m = Map::new();
    m.insert("Cert".into(), Value::str(cert));
    m.insert("Key".into(), Value::str(key));
    Ok(Value::map(m))
}

#[cfg(test)]
mod tests {
    #[test]
    fn der_primitives() {
        assert_eq!(super::oid(&[2, 5, 29, 15]), vec![0x06, 0x03, 0x55, 0x1d, 0x0f]);
        assert_eq!(
            super::oid(&[1, 2, 840, 113549, 1, 1, 11])[..4],
            [0x06, 0x09, 0x2a, 0x86]
        );
        assert_eq!(super::int_bytes(vec![0x80]), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(super::small_inverse(3, 65537), Some(21846)); // 3 · 21846 = 65538
    }
}
