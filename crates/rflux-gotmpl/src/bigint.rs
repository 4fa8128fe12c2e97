//! Unsigned big integers for RSA key generation and signing (`genCA` and friends):
//! schoolbook arithmetic, bitwise division, Montgomery exponentiation, Miller–Rabin.

use std::cmp::Ordering;

/// A non-negative integer, little-endian 64-bit limbs, no trailing zero limbs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Big(Vec<u64>);

impl Big {
    /// Zero.
    pub fn zero() -> Big {
        Big(Vec::new())
    }

    /// From a small number.
    pub fn from_u64(v: u64) -> Big {
        let mut b = Big(vec![v]);
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    /// From big-endian bytes.
    pub fn from_be(bytes: &[u8]) -> Big {
        let mut limbs = Vec::with_capacity(bytes.len() / 8 + 1);
        for chunk in bytes.rchunks(8) {
            let mut w = [0u8; 8];
            w[8 - chunk.len()..].copy_from_slice(chunk);
            limbs.push(u64::from_be_bytes(w));
        }
        let mut b = Big(limbs);
        b.trim();
        b
    }

    /// Minimal big-endian bytes (empty for zero), or left-padded to `len`.
    pub fn to_be(&self, len: Option<usize>) -> Vec<u8> {
        let mut out: Vec<u8> = self.0.iter().rev().flat_map(|w| w.to_be_bytes()).collect();
        let first = out.iter().position(|b| *b != 0).unwrap_or(out.len());
        out.drain(..first);
        if let Some(l) = len
            && out.len() < l
        {
            let mut padded = vec![0u8; l - out.len()];
            padded.extend(out);
            return padded;
        }
        out
    }

    /// Whether zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of significant bits.
    pub fn bits(&self) -> usize {
        match self.0.last() {
            None => 0,
            Some(top) => (self.0.len() - 1) * 64 + (64 - top.leading_zeros() as usize),
        }
    }

    fn bit(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| (w >> (i % 64)) & 1 == 1)
    }

    /// Comparison.
    pub fn cmp(&self, o: &Big) -> Ordering {
        self.0.len().cmp(&o.0.len()).then_with(|| {
            for (a, b) in self.0.iter().rev().zip(o.0.iter().rev()) {
                match a.cmp(b) {
                    Ordering::Equal => {}
                    other => return other,
                }
            }
            Ordering::Equal
        })
    }

    /// Sum.
    pub fn add(&self, o: &Big) -> Big {
        let n = self.0.len().max(o.0.len());
        let mut out = Vec::with_capacity(n + 1);
        let mut carry = 0u128;
        for i in 0..n {
            let s = *self.0.get(i).unwrap_or(&0) as u128 + *o.0.get(i).unwrap_or(&0) as u128 + carry;
            out.push(s as u64);
            carry = s >> 64;
        }
        out.push(carry as u64);
        let mut b = Big(out);
        b.trim();
        b
    }

    /// Difference; `self` must not be smaller than `o`.
    pub fn sub(&self, o: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = 0i128;
        for i in 0..self.0.len() {
            let mut d = self.0[i] as i128 - *o.0.get(i).unwrap_or(&0) as i128 - borrow;
            borrow = 0;
            if d < 0 {
                d += 1i128 << 64;
                borrow = 1;
            }
            out.push(d as u64);
        }
        let mut b = Big(out);
        b.trim();
        b
    }

    /// Product.
    pub fn mul(&self, o: &Big) -> Big {
        if self.is_zero() || o.is_zero() {
            return Big::zero();
        }
        let mut out = vec![0u64; self.0.len() + o.0.len()];
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry = 0u128;
            for (j, &b) in o.0.iter().enumerate() {
                let t = out[i + j] as u128 + a as u128 * b as u128 + carry;
                out[i + j] = t as u64;
                carry = t >> 64;
            }
            out[i + o.0.len()] = carry as u64;
        }
        let mut b = Big(out);
        b.trim();
        b
    }

    /// Quotient and remainder (bitwise long division).
    pub fn divrem(&self, d: &Big) -> (Big, Big) {
        if self.cmp(d) == Ordering::Less {
            return (Big::zero(), self.clone());
        }
        let mut q = vec![0u64; self.0.len()];
        let mut r = Big::zero();
        for i in (0..self.bits()).rev() {
            // r = r*2 + bit
            let mut carry = u64::from(self.bit(i));
            for w in r.0.iter_mut() {
                let nc = *w >> 63;
                *w = (*w << 1) | carry;
                carry = nc;
            }
            if carry != 0 {
                r.0.push(carry);
            }
            if r.cmp(d) != Ordering::Less {
                r = r.sub(d);
                q[i / 64] |= 1 << (i % 64);
            }
        }
        let mut q = Big(q);
        q.trim();
        (q, r)
    }

    /// Remainder by a small number.
    pub fn rem_u64(&self, m: u64) -> u64 {
        let mut r = 0u128;
        for &w in self.0.iter().rev() {
            r = ((r << 64) | w as u128) % m as u128;
        }
        r as u64
    }

    /// Quotient by a small number (exact division expected by callers).
    pub fn div_u64(&self, m: u64) -> Big {
        let mut out = vec![0u64; self.0.len()];
        let mut r = 0u128;
        for i in (0..self.0.len()).rev() {
            let cur = (r << 64) | self.0[i] as u128;
            out[i] = (cur / m as u128) as u64;
            r = cur % m as u128;
        }
        let mut b = Big(out);
        b.trim();
        b
    }
}

/// Montgomery arithmetic modulo an odd number.
pub struct Mont {
    n: Vec<u64>,
    n0inv: u64,
    r2: Vec<u64>,
}

impl Mont {
    /// Context for modulus `n` (odd, non-zero).
    pub fn new(n: &Big) -> Mont {
        let k = n.0.len();
        // -n^{-1} mod 2^64 by Newton iteration
        let mut inv: u64 = 1;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n.0[0].wrapping_mul(inv)));
        }
        let n0inv = inv.wrapping_neg();
        let mut r2 = vec![0u64; 2 * k + 1];
        r2[2 * k] = 1;
        let (_, r2) = Big(r2).divrem(n);
        Mont {
            n: n.0.clone(),
            n0inv,
            r2: pad(&r2.0, k),
        }
    }

    fn k(&self) -> usize {
        self.n.len()
    }

    /// a·b·R⁻¹ mod n for a, b < n given as k limbs.
    pub fn mul(&self, a: &[u64], b: &[u64]) -> Vec<u64> {
        let k = self.k();
        let mut t = vec![0u64; k + 2];
        for &bi in b.iter().take(k) {
            let mut carry = 0u128;
            for j in 0..k {
                let s = t[j] as u128 + a[j] as u128 * bi as u128 + carry;
                t[j] = s as u64;
                carry = s >> 64;
            }
            let s = t[k] as u128 + carry;
            t[k] = s as u64;
            t[k + 1] = (s >> 64) as u64;
            let m = t[0].wrapping_mul(self.n0inv);
            let mut carry = (t[0] as u128 + m as u128 * self.n[0] as u128) >> 64;
            for j in 1..k {
                let s = t[j] as u128 + m as u128 * self.n[j] as u128 + carry;
                t[j - 1] = s as u64;
                carry = s >> 64;
            }
            let s = t[k] as u128 + carry;
            t[k - 1] = s as u64;
            t[k] = t[k + 1] + (s >> 64) as u64;
            t[k + 1] = 0;
        }
        let mut res = t[..=k].to_vec();
        if res[k] != 0 || !less(&res[..k], &self.n) {
            // subtract n
            let mut borrow = 0i128;
            for (r, nj) in res.iter_mut().zip(&self.n) {
                let mut d = *r as i128 - *nj as i128 - borrow;
                borrow = 0;
                if d < 0 {
                    d += 1i128 << 64;
                    borrow = 1;
                }
                *r = d as u64;
            }
        }
        res.truncate(k);
        res
    }

    /// Into Montgomery form.
    pub fn to_mont(&self, a: &Big) -> Vec<u64> {
        let (_, r) = a.divrem(&Big(self.n.clone()));
        self.mul(&pad(&r.0, self.k()), &self.r2)
    }

    /// Out of Montgomery form.
    pub fn out_of_mont(&self, a: &[u64]) -> Big {
        let mut one = vec![0u64; self.k()];
        one[0] = 1;
        let mut b = Big(self.mul(a, &one));
        b.trim();
        b
    }

    /// base^exp in Montgomery form (base already converted).
    pub fn pow(&self, base: &[u64], exp: &Big) -> Vec<u64> {
        let mut acc = self.to_mont(&Big::from_u64(1));
        for i in (0..exp.bits()).rev() {
            acc = self.mul(&acc, &acc);
            if exp.bit(i) {
                acc = self.mul(&acc, base);
            }
        }
        acc
    }
}

fn pad(v: &[u64], k: usize) -> Vec<u64> {
    let mut out = v.to_vec();
    out.resize(k, 0);
    out
}

fn less(a: &[u64], b: &[u64]) -> bool {
    for i in (0..a.len()).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// base^exp mod m (m odd).
pub fn modpow(base: &Big, exp: &Big, m: &Big) -> Big {
    let mont = Mont::new(m);
    let b = mont.to_mont(base);
    mont.out_of_mont(&mont.pow(&b, exp))
}

fn small_primes() -> &'static [u64] {
    static P: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let mut v = Vec::new();
        let mut n = 3u64;
        while v.len() < 1500 {
            if v.iter().take_while(|p| *p * *p <= n).all(|p| !n.is_multiple_of(*p)) {
                v.push(n);
            }
            n += 2;
        }
        v
    })
}

/// Miller–Rabin with `rounds` random bases (plus base 2).
pub fn probably_prime(n: &Big, rounds: usize, random: &mut dyn FnMut() -> u64) -> bool {
    if n.bits() < 2 {
        return false;
    }
    for &p in small_primes() {
        if n.rem_u64(p) == 0 {
            return n == &Big::from_u64(p);
        }
    }
    let one = Big::from_u64(1);
    let n1 = n.sub(&one);
    let mut d = n1.clone();
    let mut s = 0;
    while !d.is_zero() && !d.bit(0) {
        d = d.div_u64(2);
        s += 1;
    }
    let mont = Mont::new(n);
    let one_m = mont.to_mont(&one);
    let minus_one_m = mont.to_mont(&n1);
    'bases: for r in 0..=rounds {
        let a = if r == 0 {
            Big::from_u64(2)
        } else {
            let limbs: Vec<u64> = (0..n.0.len()).map(|_| random()).collect();
            let mut a = Big(limbs);
            a.trim();
            let (_, a) = a.divrem(&n1.sub(&one));
            a.add(&Big::from_u64(2))
        };
        let mut x = mont.pow(&mont.to_mont(&a), &d);
        if x == one_m || x == minus_one_m {
            continue;
        }
        for _ in 1..s {
            x = mont.mul(&x, &x);
            if x == minus_one_m {
                continue 'bases;
            }
        }
        return false;
    }
    true
}

/// A random prime of exactly `bits` bits with the top two bits set (so products of two
/// have exactly twice the bits, as Go's key generation guarantees).
pub fn random_prime(bits: usize, random: &mut dyn FnMut() -> u64) -> Big {
    let limbs = bits.div_ceil(64);
    loop {
        let mut v: Vec<u64> = (0..limbs).map(|_| random()).collect();
        let extra = limbs * 64 - bits;
        if let Some(top) = v.last_mut() {
            *top >>= extra;
            *top |= 0b11 << (63 - extra - 1);
        }
        v[0] |= 1;
        let mut base = Big(v);
        base.trim();
        // sieve forward by steps of 2
        let primes = small_primes();
        let residues: Vec<u64> = primes.iter().map(|p| base.rem_u64(*p)).collect();
        let mut delta = 0u64;
        while delta < 1 << 20 {
            if primes
                .iter()
                .zip(&residues)
                .all(|(p, r)| !(r + delta).is_multiple_of(*p))
            {
                let cand = base.add(&Big::from_u64(delta));
                if cand.bits() != bits {
                    break;
                }
                if probably_prime(&cand, 20, random) {
                    return cand;
                }
            }
            delta += 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_and_modpow() {
        let a = Big::from_be(&[0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22]);
        let b = Big::from_u64(0xfedc_ba98);
        let p = a.mul(&b);
        let (q, r) = p.add(&Big::from_u64(5)).divrem(&b);
        assert_eq!(q, a);
        assert_eq!(r, Big::from_u64(5));
        // 3^200 mod 1000003 computed by repeated multiplication
        let m = Big::from_u64(1_000_003);
        let mut want = 1u64;
        for _ in 0..200 {
            want = want * 3 % 1_000_003;
        }
        assert_eq!(modpow(&Big::from_u64(3), &Big::from_u64(200), &m), Big::from_u64(want));
        // Fermat on a 127-bit Mersenne prime
        let m127 = Big::from_be(&[
            0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ]);
        let e = m127.sub(&Big::from_u64(1));
        assert_eq!(modpow(&Big::from_u64(12345), &e, &m127), Big::from_u64(1));
        let mut seed = 7u64;
        let mut rnd = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        assert!(probably_prime(&m127, 10, &mut rnd));
        assert!(!probably_prime(&m127.add(&Big::from_u64(2)), 10, &mut rnd));
    }
}
