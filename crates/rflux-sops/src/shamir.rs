//! Shamir secret sharing over GF(2^8) (AES field polynomial), share layout as sops' copy of
//! Vault's implementation: each share is the polynomial values for every secret byte followed
//! by the share's x coordinate.

use rand::RngCore;
use rand::seq::SliceRandom;

use crate::error::{Result, SopsError};

fn mult(a: u8, b: u8) -> u8 {
    let mut r: u8 = 0;
    for i in (0..8).rev() {
        let bit = (b >> i) & 1;
        let hi = r >> 7;
        r = (0u8.wrapping_sub(bit) & a) ^ (0u8.wrapping_sub(hi) & 0x1b) ^ r.wrapping_add(r);
    }
    r
}

fn inverse(a: u8) -> u8 {
    // a^254 = a^-1 in GF(2^8).
    let mut result = 1u8;
    let mut base = a;
    let mut e = 254u32;
    while e > 0 {
        if e & 1 == 1 {
            result = mult(result, base);
        }
        base = mult(base, base);
        e >>= 1;
    }
    result
}

fn div(a: u8, b: u8) -> u8 {
    if a == 0 { 0 } else { mult(a, inverse(b)) }
}

fn interpolate(xs: &[u8], ys: &[u8], x: u8) -> u8 {
    let mut result = 0u8;
    for i in 0..xs.len() {
        let mut basis = 1u8;
        for j in 0..xs.len() {
            if i == j {
                continue;
            }
            let num = x ^ xs[j];
            let denom = xs[i] ^ xs[j];
            basis = mult(basis, div(num, denom));
        }
        result ^= mult(ys[i], basis);
    }
    result
}

fn evaluate(coeffs: &[u8], x: u8) -> u8 {
    let mut out = 0u8;
    for c in coeffs.iter().rev() {
        out = mult(out, x) ^ *c;
    }
    out
}

/// Split `secret` into `parts` shares, any `threshold` of which recover it.
pub fn split(secret: &[u8], parts: usize, threshold: usize) -> Result<Vec<Vec<u8>>> {
    if parts < threshold || parts > 255 || threshold < 2 || secret.is_empty() {
        return Err(SopsError::Encrypt(format!(
            "invalid shamir parameters: {parts} parts, threshold {threshold}"
        )));
    }
    let mut rng = rand::rngs::OsRng;
    let mut xs: Vec<u8> = (1..=255u8).collect();
    xs.shuffle(&mut rng);
    let mut out: Vec<Vec<u8>> = (0..parts)
        .map(|i| {
            let mut v = vec![0u8; secret.len() + 1];
            v[secret.len()] = xs[i];
            v
        })
        .collect();
    let mut coeffs = vec![0u8; threshold];
    for (idx, byte) in secret.iter().enumerate() {
        coeffs[0] = *byte;
        rng.fill_bytes(&mut coeffs[1..]);
        for share in out.iter_mut() {
            let x = share[secret.len()];
            share[idx] = evaluate(&coeffs, x);
        }
    }
    Ok(out)
}

/// Recover the secret from at least `threshold` shares.
pub fn combine(parts: &[Vec<u8>]) -> Result<Vec<u8>> {
    if parts.len() < 2 {
        return Err(SopsError::DataKey(
            "less than two shamir parts cannot be combined".into(),
        ));
    }
    let len = parts[0].len();
    if len < 2 || parts.iter().any(|p| p.len() != len) {
        return Err(SopsError::DataKey(
            "shamir parts have different or invalid lengths".into(),
        ));
    }
    let xs: Vec<u8> = parts.iter().map(|p| p[len - 1]).collect();
    let mut seen = [false; 256];
    for x in &xs {
        if seen[*x as usize] {
            return Err(SopsError::DataKey("duplicate shamir part".into()));
        }
        seen[*x as usize] = true;
    }
    let mut secret = vec![0u8; len - 1];
    let mut ys = vec![0u8; parts.len()];
    for (idx, s) in secret.iter_mut().enumerate() {
        for (i, p) in parts.iter().enumerate() {
            ys[i] = p[idx];
        }
        *s = interpolate(&xs, &ys, 0);
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_inverse() {
        for a in 1..=255u8 {
            assert_eq!(mult(a, inverse(a)), 1, "a={a}");
        }
    }

    #[test]
    fn split_and_combine_subsets() {
        let secret: Vec<u8> = (0..32).collect();
        let parts = split(&secret, 5, 3).unwrap();
        assert_eq!(combine(&parts[0..3]).unwrap(), secret);
        assert_eq!(
            combine(&[parts[4].clone(), parts[1].clone(), parts[2].clone()]).unwrap(),
            secret
        );
        assert_ne!(combine(&parts[0..2]).unwrap(), secret);
    }
}
