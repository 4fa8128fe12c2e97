//! AES-256-CBC as Sprig's `encryptAES`/`decryptAES` use it (key: the password's bytes,
//! zero-padded or cut to 32; PKCS#7 padding; random IV in front; base64).

use std::sync::OnceLock;

use base64::Engine as _;

struct Tables {
    sbox: [u8; 256],
    inv: [u8; 256],
}

fn gmul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let hi = a & 0x80;
        a <<= 1;
        if hi != 0 {
            a ^= 0x1b;
        }
        b >>= 1;
    }
    p
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let mut sbox = [0u8; 256];
        let mut inv = [0u8; 256];
        for x in 0..=255u8 {
            // multiplicative inverse in GF(2^8), then the affine transform
            let mut invx = 0u8;
            if x != 0 {
                for c in 1..=255u8 {
                    if gmul(x, c) == 1 {
                        invx = c;
                        break;
                    }
                }
            }
            let s = invx ^ invx.rotate_left(1) ^ invx.rotate_left(2) ^ invx.rotate_left(3) ^ invx.rotate_left(4) ^ 0x63;
            sbox[x as usize] = s;
            inv[s as usize] = x;
        }
        Tables { sbox, inv }
    })
}

const NR: usize = 14;

fn expand_key(key: &[u8; 32]) -> [[u8; 16]; NR + 1] {
    let t = tables();
    let mut w = [[0u8; 4]; 4 * (NR + 1)];
    for i in 0..8 {
        w[i].copy_from_slice(&key[4 * i..4 * i + 4]);
    }
    let mut rcon = 1u8;
    for i in 8..4 * (NR + 1) {
        let mut temp = w[i - 1];
        if i % 8 == 0 {
            temp.rotate_left(1);
            for b in temp.iter_mut() {
                *b = t.sbox[*b as usize];
            }
            temp[0] ^= rcon;
            rcon = gmul(rcon, 2);
        } else if i % 8 == 4 {
            for b in temp.iter_mut() {
                *b = t.sbox[*b as usize];
            }
        }
        for j in 0..4 {
            w[i][j] = w[i - 8][j] ^ temp[j];
        }
    }
    let mut rk = [[0u8; 16]; NR + 1];
    for (r, k) in rk.iter_mut().enumerate() {
        for c in 0..4 {
            k[4 * c..4 * c + 4].copy_from_slice(&w[4 * r + c]);
        }
    }
    rk
}

fn add(s: &mut [u8; 16], k: &[u8; 16]) {
    for (a, b) in s.iter_mut().zip(k) {
        *a ^= b;
    }
}

fn shift_rows(s: &mut [u8; 16], inverse: bool) {
    let old = *s;
    for r in 1..4 {
        for c in 0..4 {
            let from = if inverse { (c + 4 - r) % 4 } else { (c + r) % 4 };
            s[4 * c + r] = old[4 * from + r];
        }
    }
}

fn mix_columns(s: &mut [u8; 16], inverse: bool) {
    let m: [u8; 4] = if inverse { [14, 11, 13, 9] } else { [2, 3, 1, 1] };
    for c in 0..4 {
        let col = [s[4 * c], s[4 * c + 1], s[4 * c + 2], s[4 * c + 3]];
        for r in 0..4 {
            s[4 * c + r] = gmul(col[r], m[0])
                ^ gmul(col[(r + 1) % 4], m[1])
                ^ gmul(col[(r + 2) % 4], m[2])
                ^ gmul(col[(r + 3) % 4], m[3]);
        }
    }
}

fn encrypt_block(rk: &[[u8; 16]; NR + 1], b: &mut [u8; 16]) {
    let t = tables();
    add(b, &rk[0]);
    for (round, k) in rk.iter().enumerate().skip(1) {
        for x in b.iter_mut() {
            *x = t.sbox[*x as usize];
        }
        shift_rows(b, false);
        if round != NR {
            mix_columns(b, false);
        }
        add(b, k);
    }
}

fn decrypt_block(rk: &[[u8; 16]; NR + 1], b: &mut [u8; 16]) {
    let t = tables();
    add(b, &rk[NR]);
    for round in (0..NR).rev() {
        shift_rows(b, true);
        for x in b.iter_mut() {
            *x = t.inv[*x as usize];
        }
        add(b, &rk[round]);
        if round != 0 {
            mix_columns(b, true);
        }
    }
}

fn key_of(password: &str) -> [u8; 32] {
    let mut k = [0u8; 32];
    let p = password.as_bytes();
    let n = p.len().min(32);
    k[..n].copy_from_slice(&p[..n]);
    k
}

/// Sprig's `encryptAES`.
pub fn encrypt(password: &str, plaintext: &str, iv: [u8; 16]) -> String {
    if plaintext.is_empty() {
        return String::new();
    }
    let rk = expand_key(&key_of(password));
    let mut content = plaintext.as_bytes().to_vec();
    let pad = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(pad as u8, pad));
    let mut out = iv.to_vec();
    let mut prev = iv;
    for chunk in content.chunks(16) {
        let mut b = [0u8; 16];
        for i in 0..16 {
            b[i] = chunk[i] ^ prev[i];
        }
        encrypt_block(&rk, &mut b);
        out.extend_from_slice(&b);
        prev = b;
    }
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// Sprig's `decryptAES`; `Err` carries Go's message.
pub fn decrypt(password: &str, crypt64: &str) -> Result<String, String> {
    if crypt64.is_empty() {
        return Ok(String::new());
    }
    let data = base64::engine::general_purpose::STANDARD
        .decode(crypt64)
        .map_err(|e| crate::sprig::base64_error(&e))?;
    if data.len() < 16 {
        return Err(format!(
            "runtime error: slice bounds out of range [:16] with capacity {}",
            data.len()
        ));
    }
    let (iv, body) = data.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let rk = expand_key(&key_of(password));
    let mut prev: [u8; 16] = iv.try_into().map_err(|_| "bad iv".to_string())?;
    let mut out = Vec::with_capacity(body.len());
    for chunk in body.chunks(16) {
        let mut b: [u8; 16] = chunk.try_into().map_err(|_| "bad block".to_string())?;
        let c = b;
        decrypt_block(&rk, &mut b);
        for i in 0..16 {
            b[i] ^= prev[i];
        }
        out.extend_from_slice(&b);
        prev = c;
    }
    let Some(&pad) = out.last() else {
        return Err("runtime error: index out of range [-1]".into());
    };
    if pad as usize > out.len() {
        return Err(format!(
            "runtime error: slice bounds out of range [:{}]",
            out.len() as i64 - pad as i64
        ));
    }
    out.truncate(out.len() - pad as usize);
    Ok(crate::value::bytes_text(&out).into_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fips197_aes256_vector() {
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        let rk = super::expand_key(&key);
        let mut b: [u8; 16] = core::array::from_fn(|i| (i as u8) * 0x11);
        super::encrypt_block(&rk, &mut b);
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        assert_eq!(hex, "8ea2b7ca516745bfeafc49904b496089");
        super::decrypt_block(&rk, &mut b);
        assert_eq!(b, core::array::from_fn(|i| (i as u8) * 0x11));
    }
}
