//! bcrypt (`$2a$`, as Go's `golang.org/x/crypto/bcrypt` writes it) for Sprig's `bcrypt`
//! and `htpasswd`. Blowfish's initial state (the hexadecimal digits of π) is computed once
//! with Machin's formula instead of being spelled out as a table.

use std::sync::OnceLock;

/// Words of π's fractional part needed by Blowfish: 18 P entries and 4×256 S entries.
const WORDS: usize = 18 + 4 * 256;

/// Fixed-point numbers: limb 0 is the integer part, then 32-bit fractional limbs.
const LIMBS: usize = WORDS + 4;

fn div_small(a: &mut [u32], d: u32) {
    let mut rem: u64 = 0;
    for x in a.iter_mut() {
        let cur = (rem << 32) | *x as u64;
        *x = (cur / d as u64) as u32;
        rem = cur % d as u64;
    }
}

fn add_into(a: &mut [u32], b: &[u32]) {
    let mut carry = 0u64;
    for i in (0..a.len()).rev() {
        let s = a[i] as u64 + b[i] as u64 + carry;
        a[i] = s as u32;
        carry = s >> 32;
    }
}

fn sub_from(a: &mut [u32], b: &[u32]) {
    let mut borrow = 0i64;
    for i in (0..a.len()).rev() {
        let mut d = a[i] as i64 - b[i] as i64 - borrow;
        borrow = 0;
        if d < 0 {
            d += 1 << 32;
            borrow = 1;
        }
        a[i] = d as u32;
    }
}

fn mul_small(a: &mut [u32], m: u32) {
    let mut carry = 0u64;
    for i in (0..a.len()).rev() {
        let p = a[i] as u64 * m as u64 + carry;
        a[i] = p as u32;
        carry = p >> 32;
    }
}

/// arctan(1/x) in fixed point.
fn atan_inv(x: u32) -> Vec<u32> {
    let mut sum = vec![0u32; LIMBS];
    let mut power = vec![0u32; LIMBS];
    power[0] = 1;
    div_small(&mut power, x);
    let x2 = x * x;
    let mut k: u32 = 0;
    loop {
        if power.iter().all(|w| *w == 0) {
            break;
        }
        let mut term = power.clone();
        div_small(&mut term, 2 * k + 1);
        if k.is_multiple_of(2) {
            add_into(&mut sum, &term);
        } else {
            sub_from(&mut sum, &term);
        }
        div_small(&mut power, x2);
        k += 1;
    }
    sum
}

fn pi_words() -> &'static [u32] {
    static PI: OnceLock<Vec<u32>> = OnceLock::new();
    PI.get_or_init(|| {
        // π = 16·atan(1/5) − 4·atan(1/239)
        let mut a = atan_inv(5);
        mul_small(&mut a, 16);
        let mut b = atan_inv(239);
        mul_small(&mut b, 4);
        sub_from(&mut a, &b);
        a[1..=WORDS].to_vec()
    })
}

#[derive(Clone)]
struct Blowfish {
    p: [u32; 18],
    s: [[u32; 256]; 4],
}

impl Blowfish {
    fn initial() -> Blowfish {
        let w = pi_words();
        let mut p = [0u32; 18];
        p.copy_from_slice(&w[..18]);
        let mut s = [[0u32; 256]; 4];
        for (i, sbox) in s.iter_mut().enumerate() {
            sbox.copy_from_slice(&w[18 + 256 * i..18 + 256 * (i + 1)]);
        }
        Blowfish { p, s }
    }

    fn f(&self, x: u32) -> u32 {
        let [a, b, c, d] = x.to_be_bytes();
        (self.s[0][a as usize].wrapping_add(self.s[1][b as usize]) ^ self.s[2][c as usize])
            .wrapping_add(self.s[3][d as usize])
    }

    fn encrypt(&self, mut l: u32, mut r: u32) -> (u32, u32) {
        for i in (0..16).step_by(2) {
            l ^= self.p[i];
            r ^= self.f(l);
            r ^= self.p[i + 1];
            l ^= self.f(r);
        }
        l ^= self.p[16];
        r ^= self.p[17];
        (r, l)
    }

    /// Blowfish key schedule step with optional salt (bcrypt's ExpandKey).
    fn expand(&mut self, key: &[u8], salt: Option<&[u8]>) {
        let mut kpos = 0;
        for i in 0..18 {
            self.p[i] ^= stream_word(key, &mut kpos);
        }
        let mut spos = 0;
        let (mut l, mut r) = (0u32, 0u32);
        let mut next = |l: &mut u32, r: &mut u32, this: &Blowfish| {
            if let Some(s) = salt {
                *l ^= stream_word(s, &mut spos);
                *r ^= stream_word(s, &mut spos);
            }
            let (a, b) = this.encrypt(*l, *r);
            *l = a;
            *r = b;
        };
        for i in (0..18).step_by(2) {
            next(&mut l, &mut r, self);
            self.p[i] = l;
            self.p[i + 1] = r;
        }
        for sb in 0..4 {
            for i in (0..256).step_by(2) {
                next(&mut l, &mut r, self);
                self.s[sb][i] = l;
                self.s[sb][i + 1] = r;
            }
        }
    }
}

fn stream_word(data: &[u8], pos: &mut usize) -> u32 {
    let mut w = 0u32;
    for _ in 0..4 {
        w = (w << 8) | data[*pos % data.len()] as u32;
        *pos = (*pos + 1) % data.len();
    }
    w
}

const ALPHABET: &[u8] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn b64(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
fn unb64(s: &str) -> Option<Vec<u8>> {
    let vals: Option<Vec<u32>> = s
        .bytes()
        .map(|c| ALPHABET.iter().position(|a| *a == c).map(|p| p as u32))
        .collect();
    let vals = vals?;
    let mut out = Vec::new();
    for chunk in vals.chunks(4) {
        let mut n = 0u32;
        for (i, v) in chunk.iter().enumerate() {
            n |= v << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    Some(out)
}

/// bcrypt of `password` with a 16-byte salt and cost; the `$2a$` string Go writes.
pub fn hash_with_salt(password: &[u8], salt: &[u8; 16], cost: u32) -> String {
    let mut key = password.to_vec();
    key.push(0);
    key.truncate(72);
    let mut bf = Blowfish::initial();
    bf.expand(&key, Some(salt));
    for _ in 0..(1u64 << cost) {
        bf.expand(&key, None);
        bf.expand(salt, None);
    }
    let magic = b"OrpheanBeholderScryDoubt";
    let mut words: Vec<u32> = magic
        .chunks(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    for _ in 0..64 {
        for j in (0..words.len()).step_by(2) {
            let (l, r) = bf.encrypt(words[j], words[j + 1]);
            words[j] = l;
            words[j + 1] = r;
        }
    }
    let mut out = Vec::with_capacity(24);
    for w in words {
        out.extend_from_slice(&w.to_be_bytes());
    }
    format!("$2a${cost:02}${}{}", b64(salt), b64(&out[..23]))
}

/// Parse the cost and salt of a `$2a$`/`$2b$`/`$2y$` hash.
#[cfg(test)]
pub fn salt_of(hash: &str) -> Option<(u32, [u8; 16])> {
    let rest = hash
        .strip_prefix("$2a$")
        .or_else(|| hash.strip_prefix("$2b$"))
        .or_else(|| hash.strip_prefix("$2y$"))?;
    let (cost, rest) = rest.split_once('$')?;
    let salt = unb64(rest.get(..22)?)?;
    Some((cost.parse().ok()?, salt.get(..16)?.try_into().ok()?))
}

/// Go's `bcrypt.GenerateFromPassword(password, 10)` with a random salt; `None` for
/// passwords over 72 bytes (Go refuses them).
pub fn generate(password: &str) -> Option<String> {
    if password.len() > 72 {
        return None;
    }
    let mut salt = [0u8; 16];
    for chunk in salt.chunks_mut(8) {
        let r = crate::sprig::random_u64().to_le_bytes();
        chunk.copy_from_slice(&r[..chunk.len()]);
    }
    Some(hash_with_salt(password.as_bytes(), &salt, 10))
}

/// Sprig's `bcrypt`: the hash, or Sprig's message when Go refuses the password.
pub fn sprig_bcrypt(password: &str) -> String {
    generate(password)
        .unwrap_or_else(|| "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes".to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn pi_words_are_blowfish_constants() {
        let w = super::pi_words();
        assert_eq!(w[0], 0x243F_6A88);
        assert_eq!(w[1], 0x85A3_08D3);
        assert_eq!(w[17], 0x8979_FB1B);
        assert_eq!(w[18], 0xD131_0BA6);
        assert_eq!(w[super::WORDS - 1], 0x3AC3_72E6);
    }

    /// Helm's own hashes (recorded by tests/fidelity/generate.py) re-derived from their salt.
    #[test]
    fn matches_hashes_made_by_helm() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fidelity/expected.json");
        let expected: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir).unwrap()).unwrap();
        let mut checked = 0;
        for c in expected["cases"].as_array().unwrap() {
            let (Some(name), Some(out)) = (c["name"].as_str(), c["output"].as_str()) else {
                continue;
            };
            let (password, hash) = match name {
                "misc/bcrypt-helm" => ("hello", out),
                "misc/htpasswd-helm" => ("s3cret", out.strip_prefix("admin:").unwrap()),
                "misc/bcrypt-helm-long" => ("x".repeat(72).leak() as &str, out),
                _ => continue,
            };
            let (cost, salt) = super::salt_of(hash).unwrap();
            assert_eq!(super::hash_with_salt(password.as_bytes(), &salt, cost), hash, "{name}");
            checked += 1;
        }
        assert_eq!(checked, 3);
    }

    #[test]
    fn base64_round_trip() {
        let data: Vec<u8> = (0..16).collect();
        assert_eq!(super::unb64(&super::b64(&data)).unwrap(), data);
    }
}
