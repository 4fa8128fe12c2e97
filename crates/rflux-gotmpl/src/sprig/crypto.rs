//! Sprig's hashes, encodings and cryptography: `sha1sum`, `sha512sum`, `b32enc`,
//! `randBytes`, `bcrypt`, `htpasswd`, `encryptAES`/`decryptAES`, `derivePassword`, and the
//! certificate functions (`genCA`, `genSignedCert`, …).

use super::*;

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

fn days(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        _ => 0,
    }
}

/// Register this family.
pub fn register(m: &mut FuncMap) {
    use Ty::*;
    let mut add = |name: &str, f: crate::func::Func| {
        m.insert(name.to_string(), f);
    };
    // ---- hashes and encodings
    add(
        "sha1sum",
        func(&[Str], None, |c, a| Ok(Value::str(hex(&sha1(&arg_bytes(c, &a, 0)))))),
    );
    add(
        "sha512sum",
        func(&[Str], None, |c, a| {
            Ok(Value::str(hex(&sha2::Sha512::digest(arg_bytes(c, &a, 0)))))
        }),
    );
    add(
        "b32enc",
        func(&[Str], None, |c, a| Ok(Value::str(b32enc(&arg_bytes(c, &a, 0))))),
    );
    add(
        "b32dec",
        func(&[Str], None, |cx, a| {
            Ok(match b32dec(s(&a, 0)) {
                Ok(b) => byte_string(cx, b),
                Err(e) => Value::str(e),
            })
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
}
