//! Sprig's date, hash, base32, URL, semver-object and miscellaneous functions, and
//! placeholders for the crypto functions not implemented yet (they parse, and fail with a
//! clear error when called).

use base64::Engine as _;
use sha2::Digest as _;

use crate::func::{CallContext, FuncMap, Ty, func};
use crate::gotime::{self, Time};
use crate::sprig::strval;
use crate::value::{Map, Value};

fn s(a: &[Value], i: usize) -> &str {
    a.get(i).and_then(Value::as_str).unwrap_or_default()
}

fn days(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        _ => 0,
    }
}

/// Go's zero `time.Time`.
const ZERO_TIME: Time = Time {
    secs: -62_135_596_800,
    nanos: 0,
    offset: 0,
    abbr: [0; 8],
};

/// Sprig's formatDate argument handling: time, int, int64 (unix seconds); anything else
/// is now. Shown in the process's local zone, as `time.Local`.
fn date_arg(v: &Value) -> Time {
    let t = match v {
        Value::Time(t) => *t,
        Value::Int(i) | Value::Int64(i) => Time::unix(*i),
        _ => Time::now(),
    };
    t.in_zone("Local")
}

fn in_zone(t: Time, zone: &str) -> Time {
    t.in_zone(zone)
}

/// SHA-1 (FIPS 180-1).
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 80];
        for (i, word) in chunk.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, x) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn b32enc(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let v = buf.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64);
        let nchars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < nchars {
                out.push(B32[((v >> (35 - i * 5)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b32dec(s: &str) -> Result<Vec<u8>, String> {
    let t = s.trim_end_matches('=');
    let mut bits = 0u64;
    let mut n = 0;
    let mut out = Vec::new();
    for (i, c) in t.bytes().enumerate() {
        let v = B32
            .iter()
            .position(|x| *x == c)
            .ok_or_else(|| format!("illegal base32 data at input byte {i}"))?;
        bits = (bits << 5) | v as u64;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    Ok(out)
}

fn url_parse(u: &str) -> Result<Value, String> {
    let mut m = Map::new();
    let (rest, fragment) = u.split_once('#').unwrap_or((u, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (scheme, rest) = match rest.split_once(':') {
        Some((sch, r)) if !sch.is_empty() && sch.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) => {
            (sch.to_ascii_lowercase(), r)
        }
        _ => (String::new(), rest),
    };
    let (mut host, mut userinfo, mut path, mut opaque) =
        (String::new(), String::new(), rest.to_string(), String::new());
    if let Some(r) = rest.strip_prefix("//") {
        let (authority, p) = match r.find('/') {
            Some(i) => (&r[..i], &r[i..]),
            None => (r, ""),
        };
        path = p.to_string();
        match authority.rsplit_once('@') {
            Some((ui, h)) => {
                userinfo = ui.to_string();
                host = h.to_string();
            }
            None => host = authority.to_string(),
        }
    } else if !scheme.is_empty() && !rest.starts_with('/') {
        opaque = rest.to_string();
        path.clear();
    }
    let hostname = if host.starts_with('[') {
        host.split(']').next().unwrap_or("").trim_start_matches('[').to_string()
    } else {
        host.rsplit_once(':')
            .map(|(h, _)| h.to_string())
            .unwrap_or_else(|| host.clone())
    };
    m.insert("scheme".into(), Value::str(scheme));
    m.insert("host".into(), Value::str(host));
    m.insert("hostname".into(), Value::str(hostname));
    m.insert("path".into(), Value::str(path));
    m.insert("query".into(), Value::str(query));
    m.insert("opaque".into(), Value::str(opaque));
    m.insert("fragment".into(), Value::str(fragment));
    m.insert("userinfo".into(), Value::str(userinfo));
    Ok(Value::map(m))
}

fn url_join(v: &Value) -> String {
    let get = |k: &str| {
        v.as_map()
            .and_then(|m| m.get(k))
            .map(|x| strval(&x))
            .unwrap_or_default()
    };
    let mut out = String::new();
    let scheme = get("scheme");
    if !scheme.is_empty() {
        out.push_str(&scheme);
        out.push(':');
    }
    let opaque = get("opaque");
    if !opaque.is_empty() {
        out.push_str(&opaque);
    } else {
        let host = get("host");
        let userinfo = get("userinfo");
        if !host.is_empty() || !userinfo.is_empty() || !scheme.is_empty() {
            out.push_str("//");
            if !userinfo.is_empty() {
                out.push_str(&userinfo);
                out.push('@');
            }
            out.push_str(&host);
        }
        let path = get("path");
        if !path.is_empty() && !path.starts_with('/') && !host.is_empty() {
            out.push('/');
        }
        out.push_str(&path);
    }
    let q = get("query");
    if !q.is_empty() {
        out.push('?');
        out.push_str(&q);
    }
    let f = get("fragment");
    if !f.is_empty() {
        out.push('#');
        out.push_str(&f);
    }
    out
}

/// Register the functions of this module.
pub fn register(m: &mut FuncMap) {
    use Ty::*;
    let mut add = |name: &str, f: crate::func::Func| {
        m.insert(name.to_string(), f);
    };
    // ---- dates
    add("now", func(&[], None, |_, _| Ok(Value::Time(Time::now()))));
    add(
        "date",
        func(&[Str, Any], None, |_, a| {
            Ok(Value::str(gotime::format(&date_arg(&a[1]), s(&a, 0))))
        }),
    );
    add(
        "dateInZone",
        func(&[Str, Any, Str], None, |_, a| {
            Ok(Value::str(gotime::format(
                &in_zone(date_arg(&a[1]), s(&a, 2)),
                s(&a, 0),
            )))
        }),
    );
    add(
        "date_in_zone",
        func(&[Str, Any, Str], None, |_, a| {
            Ok(Value::str(gotime::format(
                &in_zone(date_arg(&a[1]), s(&a, 2)),
                s(&a, 0),
            )))
        }),
    );
    add(
        "htmlDate",
        func(&[Any], None, |_, a| {
            Ok(Value::str(gotime::format(&date_arg(&a[0]), "2006-01-02")))
        }),
    );
    add(
        "htmlDateInZone",
        func(&[Any, Str], None, |_, a| {
            Ok(Value::str(gotime::format(
                &in_zone(date_arg(&a[0]), s(&a, 1)),
                "2006-01-02",
            )))
        }),
    );
    add(
        "unixEpoch",
        func(&[Any], None, |_, a| match &a[0] {
            Value::Time(t) => Ok(Value::str(t.secs.to_string())),
            other => Err(format!(
                "wrong type for value; expected time.Time; got {}",
                other.type_name()
            )),
        }),
    );
    let modify = |must: bool| {
        move |_: &mut dyn CallContext, a: Vec<Value>| -> Result<Value, String> {
            let Value::Time(t) = a[1] else {
                return Err(format!(
                    "wrong type for value; expected time.Time; got {}",
                    a[1].type_name()
                ));
            };
            match gotime::parse_duration(s(&a, 0)) {
                Ok(ns) => {
                    let total = t.nanos as i64 + ns;
                    Ok(Value::Time(Time {
                        secs: t.secs.saturating_add(total.div_euclid(1_000_000_000)),
                        nanos: total.rem_euclid(1_000_000_000) as u32,
                        ..t
                    }))
                }
                Err(e) if must => Err(e),
                Err(_) => Ok(Value::Time(t)),
            }
        }
    };
    add("dateModify", func(&[Str, Any], None, modify(false)));
    add("date_modify", func(&[Str, Any], None, modify(false)));
    add("mustDateModify", func(&[Str, Any], None, modify(true)));
    add("must_date_modify", func(&[Str, Any], None, modify(true)));
    add(
        "toDate",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::Time(gotime::parse(s(&a, 0), s(&a, 1)).unwrap_or(ZERO_TIME)))
        }),
    );
    add(
        "mustToDate",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::Time(gotime::parse(s(&a, 0), s(&a, 1))?))
        }),
    );
    add(
        "duration",
        func(&[Any], None, |_, a| {
            let n: i64 = match &a[0] {
                Value::Str(x) => x.parse().unwrap_or(0),
                Value::Int64(i) => *i,
                _ => 0,
            };
            Ok(Value::str(gotime::duration_string(n.saturating_mul(1_000_000_000))))
        }),
    );
    add(
        "ago",
        func(&[Any], None, |_, a| {
            let t = date_arg(&a[0]);
            let now = Time::now();
            Ok(Value::str(gotime::duration_string(
                now.secs.saturating_sub(t.secs).saturating_mul(1_000_000_000),
            )))
        }),
    );
    // ---- hashes and encodings
    add(
        "sha1sum",
        func(&[Str], None, |_, a| Ok(Value::str(hex(&sha1(s(&a, 0).as_bytes()))))),
    );
    add(
        "sha512sum",
        func(&[Str], None, |_, a| {
            Ok(Value::str(hex(&sha2::Sha512::digest(s(&a, 0).as_bytes()))))
        }),
    );
    add(
        "b32enc",
        func(&[Str], None, |_, a| Ok(Value::str(b32enc(s(&a, 0).as_bytes())))),
    );
    add(
        "b32dec",
        func(&[Str], None, |_, a| {
            Ok(Value::str(match b32dec(s(&a, 0)) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => e,
            }))
        }),
    );
    add(
        "randBytes",
        func(&[Int], None, |_, a| {
            let n = match a[0] {
                Value::Int(i) => i.max(0) as usize,
                _ => 0,
            };
            let bytes: Vec<u8> = (0..n).map(|_| (crate::sprig::random_u64() & 0xff) as u8).collect();
            Ok(Value::str(base64::engine::general_purpose::STANDARD.encode(bytes)))
        }),
    );
    add(
        "encryptAES",
        func(&[Str, Str], None, |_, a| {
            let r = crate::sprig::random_u64().to_le_bytes();
            let r2 = crate::sprig::random_u64().to_le_bytes();
            let mut iv = [0u8; 16];
            iv[..8].copy_from_slice(&r);
            iv[8..].copy_from_slice(&r2);
            Ok(Value::str(crate::aes::encrypt(s(&a, 0), s(&a, 1), iv)))
        }),
    );
    add(
        "decryptAES",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::str(crate::aes::decrypt(s(&a, 0), s(&a, 1))?))
        }),
    );
    add(
        "bcrypt",
        func(&[Str], None, |_, a| {
            Ok(Value::str(crate::bcrypt::sprig_bcrypt(s(&a, 0))))
        }),
    );
    add(
        "htpasswd",
        func(&[Str, Str], None, |_, a| {
            let user = s(&a, 0);
            if user.contains(':') {
                return Ok(Value::str(format!("invalid username: {user}")));
            }
            Ok(Value::str(format!("{user}:{}", crate::bcrypt::sprig_bcrypt(s(&a, 1)))))
        }),
    );
    // ---- URLs
    add("urlParse", func(&[Str], None, |_, a| url_parse(s(&a, 0))));
    add("urlJoin", func(&[Map], None, |_, a| Ok(Value::str(url_join(&a[0])))));
    // ---- misc
    add("hello", func(&[], None, |_, _| Ok(Value::str("Hello!"))));
    add(
        "trimall",
        func(&[Str, Str], None, |_, a| {
            let cut: Vec<char> = s(&a, 0).chars().collect();
            Ok(Value::str(s(&a, 1).trim_matches(|c| cut.contains(&c))))
        }),
    );
    add(
        "shuffle",
        func(&[Str], None, |_, a| {
            let mut chars: Vec<char> = s(&a, 0).chars().collect();
            for i in (1..chars.len()).rev() {
                let j = (crate::sprig::random_u64() % (i as u64 + 1)) as usize;
                chars.swap(i, j);
            }
            Ok(Value::str(chars.into_iter().collect::<String>()))
        }),
    );
    add(
        "semver",
        func(&[Str], None, |_, a| {
            let v = s(&a, 0);
            let t = v.trim().strip_prefix('v').unwrap_or(v.trim());
            let (core, meta) = t.split_once('+').unwrap_or((t, ""));
            let (core, pre) = core.split_once('-').unwrap_or((core, ""));
            let parts: Vec<&str> = core.split('.').collect();
            if parts.is_empty()
                || parts.len() > 3
                || parts
                    .iter()
                    .any(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()))
            {
                return Err("invalid semantic version".into());
            }
            let num = |i: usize| Value::Int64(parts.get(i).and_then(|p| p.parse().ok()).unwrap_or(0));
            let mut m = crate::value::Map::new();
            m.insert("Major".into(), num(0));
            m.insert("Minor".into(), num(1));
            m.insert("Patch".into(), num(2));
            m.insert("Prerelease".into(), Value::str(pre));
            m.insert("Metadata".into(), Value::str(meta));
            m.insert("Original".into(), Value::str(v));
            Ok(Value::map(m))
        }),
    );
    add(
        "getHostByName",
        func(&[Str], None, |_, a| {
            use std::net::ToSocketAddrs;
            match (s(&a, 0), 0u16).to_socket_addrs() {
                Ok(mut addrs) => Ok(Value::str(addrs.next().map(|x| x.ip().to_string()).unwrap_or_default())),
                Err(_) => Err("runtime error: index out of range [0] with length 0".into()),
            }
        }),
    );
    // ---- not implemented yet: defined so charts parse, an error when called
    // ---- certificates (RSA)
    add(
        "genPrivateKey",
        func(&[Str], None, |_, a| {
            Ok(Value::str(crate::pki::gen_private_key(s(&a, 0))))
        }),
    );
    add(
        "genCA",
        func(&[Str, Int], None, |_, a| {
            crate::pki::gen_ca(s(&a, 0), days(&a[1]), None)
        }),
    );
    add(
        "genCAWithKey",
        func(&[Str, Int, Str], None, |_, a| {
            crate::pki::gen_ca(s(&a, 0), days(&a[1]), Some(s(&a, 2)))
        }),
    );
    add(
        "genSelfSignedCert",
        func(&[Str, Any, Any, Int], None, |_, a| {
            crate::pki::gen_self_signed(s(&a, 0), &a[1], &a[2], days(&a[3]), None)
        }),
    );
    add(
        "genSelfSignedCertWithKey",
        func(&[Str, Any, Any, Int, Str], None, |_, a| {
            crate::pki::gen_self_signed(s(&a, 0), &a[1], &a[2], days(&a[3]), Some(s(&a, 4)))
        }),
    );
    add(
        "genSignedCert",
        func(&[Str, Any, Any, Int, Any], None, |_, a| {
            crate::pki::gen_signed(s(&a, 0), &a[1], &a[2], days(&a[3]), &a[4], None)
        }),
    );
    add(
        "genSignedCertWithKey",
        func(&[Str, Any, Any, Int, Any, Str], None, |_, a| {
            crate::pki::gen_signed(s(&a, 0), &a[1], &a[2], days(&a[3]), &a[4], Some(s(&a, 5)))
        }),
    );
    add(
        "buildCustomCert",
        func(&[Str, Str], None, |_, a| crate::pki::build_custom(s(&a, 0), s(&a, 1))),
    );
    add(
        "durationRound",
        func(&[Any], None, |_, a| {
            let ns: i64 = match &a[0] {
                Value::Str(x) => gotime::parse_duration(x).unwrap_or(0),
                Value::Int64(i) => *i,
                Value::Time(t) => Time::now().secs.saturating_sub(t.secs).saturating_mul(1_000_000_000),
                _ => 0,
            };
            let u = ns.unsigned_abs();
            const S: u64 = 1_000_000_000;
            let units: [(u64, &str); 6] = [
                (S * 3600 * 24 * 365, "y"),
                (S * 3600 * 24 * 30, "mo"),
                (S * 3600 * 24, "d"),
                (S * 3600, "h"),
                (S * 60, "m"),
                (S, "s"),
            ];
            for (size, suffix) in units {
                if u > size {
                    return Ok(Value::str(format!("{}{suffix}", u / size)));
                }
            }
            Ok(Value::str("0s"))
        }),
    );
    add(
        "derivePassword",
        func(&[Ty::Int, Str, Str, Str, Str], None, |_, a| {
            let counter = match a[0] {
                Value::Int(i) => i as u32,
                _ => 0,
            };
            Ok(Value::str(crate::scrypt::derive_password(
                counter,
                s(&a, 1),
                s(&a, 2),
                s(&a, 3),
                s(&a, 4),
            )))
        }),
    );
    for (name, f) in [
        ("osBase", "base"),
        ("osClean", "clean"),
        ("osDir", "dir"),
        ("osExt", "ext"),
        ("osIsAbs", "isAbs"),
    ] {
        if let Some(func) = m.get(f).cloned() {
            m.insert(name.to_string(), func);
        }
    }
    if let Some(func) = m.get("chunk").cloned() {
        m.insert("mustChunk".to_string(), func);
    }
}
