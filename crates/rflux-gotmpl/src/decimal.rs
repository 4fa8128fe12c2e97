//! Exact decimal arithmetic as Sprig's `addf`/`subf`/`mulf`/`divf` do it (shopspring
//! decimal: floats enter by their shortest decimal form, division keeps 16 places).

/// A decimal number `m / 10^scale`.
#[derive(Debug, Clone, Copy)]
pub struct Dec {
    m: i128,
    scale: u32,
}

const DIV_PRECISION: u32 = 16;

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

impl Dec {
    /// The shortest decimal that reads back as `f` (None for NaN/Inf or too many digits).
    pub fn from_f64(f: f64) -> Option<Dec> {
        if !f.is_finite() {
            return None;
        }
        let s = format!("{f}");
        let (neg, body) = match s.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, s.as_str()),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let digits = format!("{int}{frac}");
        let m: i128 = digits.parse().ok()?;
        Some(Dec {
            m: if neg { -m } else { m },
            scale: frac.len() as u32,
        })
    }

    fn rescale(self, scale: u32) -> Option<Dec> {
        let f = pow10(scale.checked_sub(self.scale)?)?;
        Some(Dec {
            m: self.m.checked_mul(f)?,
            scale,
        })
    }

    /// Sum.
    pub fn add(self, o: Dec) -> Option<Dec> {
        let s = self.scale.max(o.scale);
        let (a, b) = (self.rescale(s)?, o.rescale(s)?);
        Some(Dec {
            m: a.m.checked_add(b.m)?,
            scale: s,
        })
    }

    /// Difference.
    pub fn sub(self, o: Dec) -> Option<Dec> {
        self.add(Dec {
            m: o.m.checked_neg()?,
            scale: o.scale,
        })
    }

    /// Product.
    pub fn mul(self, o: Dec) -> Option<Dec> {
        Some(Dec {
            m: self.m.checked_mul(o.m)?,
            scale: self.scale.checked_add(o.scale)?,
        })
    }

    /// Quotient rounded to 16 places, half away from zero; `Err` on division by zero.
    pub fn div(self, o: Dec) -> Result<Option<Dec>, String> {
        if o.m == 0 {
            return Err("decimal division by 0".into());
        }
        // self/o = self.m * 10^(o.scale) / (o.m * 10^(self.scale)); scaled by 10^16
        let num_exp = o.scale + DIV_PRECISION;
        let (mut num, mut den) = (self.m, o.m);
        let Some(n) = pow10(num_exp).and_then(|p| num.checked_mul(p)) else {
            return Ok(None);
        };
        num = n;
        let Some(d) = pow10(self.scale).and_then(|p| den.checked_mul(p)) else {
            return Ok(None);
        };
        den = d;
        let q = num / den;
        let r = num % den;
        let q = if r.unsigned_abs().saturating_mul(2) >= den.unsigned_abs() {
            if (num < 0) != (den < 0) { q - 1 } else { q + 1 }
        } else {
            q
        };
        Ok(Some(Dec {
            m: q,
            scale: DIV_PRECISION,
        }))
    }

    /// Nearest float64.
    pub fn to_f64(self) -> f64 {
        format!("{}e-{}", self.m, self.scale).parse().unwrap_or(f64::NAN)
    }
}

/// Fold `op` over decimal forms of the values, falling back to float arithmetic when a
/// number does not fit the exact representation.
pub fn fold(
    first: f64,
    rest: &[f64],
    op: impl Fn(Dec, Dec) -> Result<Option<Dec>, String>,
    float_op: impl Fn(f64, f64) -> f64,
) -> Result<f64, String> {
    let mut exact = Dec::from_f64(first);
    let mut approx = first;
    for &x in rest {
        approx = float_op(approx, x);
        exact = match (exact, Dec::from_f64(x)) {
            (Some(a), Some(b)) => op(a, b)?,
            _ => None,
        };
    }
    Ok(exact.map(Dec::to_f64).unwrap_or(approx))
}
