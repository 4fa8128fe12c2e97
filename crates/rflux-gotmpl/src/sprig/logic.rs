//! Sprig's defaults and logic (`default`, `empty`, `coalesce`, `ternary`, …), reflection,
//! type conversion, integer and float math, and random values.

use super::*;

fn uuid_v4() -> String {
    let a = random_u64();
    let b = random_u64();
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn random_from(chars: &[u8], n: i64) -> String {
    (0..n.max(0))
        .map(|_| chars[(random_u64() % chars.len() as u64) as usize] as char)
        .collect()
}

/// JSON encoding options for the running template (binary text keeps its bytes).
fn json_enc<'a>(
    c: &'a dyn crate::func::CallContext,
    escape_html: bool,
    indent: Option<&'a str>,
) -> crate::json::Enc<'a> {
    crate::json::Enc {
        escape_html,
        indent,
        binary: Some(c),
    }
}

/// Register this family.
pub fn register(m: &mut FuncMap) {
    use Ty::*;
    let mut add = |name: &str, f: crate::func::Func| {
        m.insert(name.to_string(), f);
    };
    // ---- defaults, logic
    add(
        "default",
        func(&[Any], Some(Any), |_, a| {
            Ok(if a.len() < 2 || empty(&a[1]) {
                a[0].clone()
            } else {
                a[1].clone()
            })
        }),
    );
    add("empty", func(&[Any], None, |_, a| Ok(Value::Bool(empty(&a[0])))));
    add(
        "coalesce",
        func(&[], Some(Any), |_, a| {
            Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or(Value::Nil))
        }),
    );
    add(
        "all",
        func(&[], Some(Any), |_, a| Ok(Value::Bool(a.iter().all(|v| !empty(v))))),
    );
    add(
        "any",
        func(&[], Some(Any), |_, a| Ok(Value::Bool(a.iter().any(|v| !empty(v))))),
    );
    add(
        "ternary",
        func(&[Any, Any, Bool], None, |_, a| {
            Ok(if matches!(a[2], Value::Bool(true)) {
                a[0].clone()
            } else {
                a[1].clone()
            })
        }),
    );
    add(
        "fromJson",
        func(&[Str], None, |_, a| crate::json::unmarshal(s(&a, 0)).or(Ok(Value::Nil))),
    );
    add(
        "toPrettyJson",
        func(&[Any], None, |c, a| {
            string(crate::json::encode(&a[0], json_enc(&*c, true, Some("  "))).unwrap_or_default())
        }),
    );
    add(
        "toRawJson",
        func(&[Any], None, |c, a| {
            string(crate::json::encode(&a[0], json_enc(&*c, false, None)).unwrap_or_default())
        }),
    );
    add(
        "mustToJson",
        func(&[Any], None, |c, a| {
            string(crate::json::encode(&a[0], json_enc(&*c, true, None))?)
        }),
    );
    add(
        "mustToPrettyJson",
        func(&[Any], None, |c, a| {
            string(crate::json::encode(&a[0], json_enc(&*c, true, Some("  ")))?)
        }),
    );
    add(
        "mustToRawJson",
        func(&[Any], None, |c, a| {
            string(crate::json::encode(&a[0], json_enc(&*c, false, None))?)
        }),
    );
    add(
        "mustFromJson",
        func(&[Str], None, |_, a| crate::json::unmarshal(s(&a, 0))),
    );
    // ---- reflection
    add("typeOf", func(&[Any], None, |_, a| string(a[0].type_name())));
    add("kindOf", func(&[Any], None, |_, a| string(a[0].kind_name())));
    add(
        "kindIs",
        func(&[Str, Any], None, |_, a| Ok(Value::Bool(a[1].kind_name() == s(&a, 0)))),
    );
    add(
        "typeIs",
        func(&[Str, Any], None, |_, a| Ok(Value::Bool(a[1].type_name() == s(&a, 0)))),
    );
    add(
        "typeIsLike",
        func(&[Str, Any], None, |_, a| {
            let t = a[1].type_name();
            Ok(Value::Bool(t == s(&a, 0) || format!("*{t}") == s(&a, 0)))
        }),
    );
    add(
        "deepEqual",
        func(&[Any, Any], None, |_, a| Ok(Value::Bool(deep_equal(&a[0], &a[1])))),
    );
    // ---- conversion
    add(
        "atoi",
        func(&[Str], None, |_, a| {
            Ok(Value::Int(s(&a, 0).parse::<i64>().unwrap_or(0)))
        }),
    );
    add("int", func(&[Any], None, |_, a| Ok(Value::Int(to_i64(&a[0])))));
    add("int64", func(&[Any], None, |_, a| Ok(Value::Int64(to_i64(&a[0])))));
    add("float64", func(&[Any], None, |_, a| Ok(Value::Float(to_f64(&a[0])))));
    add(
        "toDecimal",
        func(&[Any], None, |_, a| {
            Ok(Value::Int64(i64::from_str_radix(&strval(&a[0]), 8).unwrap_or(0)))
        }),
    );
    // ---- integer math
    add(
        "add1",
        func(&[Any], None, |_, a| Ok(Value::Int64(to_i64(&a[0]).wrapping_add(1)))),
    );
    add(
        "add",
        func(&[], Some(Any), |_, a| {
            Ok(Value::Int64(a.iter().map(to_i64).fold(0i64, i64::wrapping_add)))
        }),
    );
    add(
        "sub",
        func(&[Any, Any], None, |_, a| {
            Ok(Value::Int64(to_i64(&a[0]).wrapping_sub(to_i64(&a[1]))))
        }),
    );
    add(
        "mul",
        func(&[Any], Some(Any), |_, a| {
            Ok(Value::Int64(a.iter().map(to_i64).fold(1i64, i64::wrapping_mul)))
        }),
    );
    add(
        "div",
        func(&[Any, Any], None, |_, a| {
            let d = to_i64(&a[1]);
            if d == 0 {
                return Err("runtime error: integer divide by zero".into());
            }
            Ok(Value::Int64(to_i64(&a[0]).wrapping_div(d)))
        }),
    );
    add(
        "mod",
        func(&[Any, Any], None, |_, a| {
            let d = to_i64(&a[1]);
            if d == 0 {
                return Err("runtime error: integer divide by zero".into());
            }
            Ok(Value::Int64(to_i64(&a[0]).wrapping_rem(d)))
        }),
    );
    let maxf = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        Ok(Value::Int64(a.iter().map(to_i64).max().unwrap_or(0)))
    };
    add("max", func(&[Any], Some(Any), maxf));
    add("biggest", func(&[Any], Some(Any), maxf));
    add(
        "min",
        func(&[Any], Some(Any), |_, a| {
            Ok(Value::Int64(a.iter().map(to_i64).min().unwrap_or(0)))
        }),
    );
    add(
        "floor",
        func(&[Any], None, |_, a| Ok(Value::Float(to_f64(&a[0]).floor()))),
    );
    add(
        "ceil",
        func(&[Any], None, |_, a| Ok(Value::Float(to_f64(&a[0]).ceil()))),
    );
    add(
        "round",
        func(&[Any, Int], Some(Float), |_, a| {
            let v = to_f64(&a[0]);
            let p = int(&a, 1);
            let half = match a.get(2) {
                Some(Value::Float(f)) => *f,
                _ => 0.5,
            };
            let pow = 10f64.powi(p as i32);
            let digit = pow * v;
            let r = if digit.fract() >= half {
                digit.ceil()
            } else {
                digit.floor()
            };
            Ok(Value::Float(r / pow))
        }),
    );
    add(
        "addf",
        func(&[], Some(Any), |_, a| {
            let v: Vec<f64> = a.iter().map(to_f64).collect();
            Ok(Value::Float(crate::decimal::fold(
                0.0,
                &v,
                |x, y| Ok(x.add(y)),
                |x, y| x + y,
            )?))
        }),
    );
    add(
        "add1f",
        func(&[Any], None, |_, a| {
            Ok(Value::Float(crate::decimal::fold(
                to_f64(&a[0]),
                &[1.0],
                |x, y| Ok(x.add(y)),
                |x, y| x + y,
            )?))
        }),
    );
    add(
        "subf",
        func(&[Any], Some(Any), |_, a| {
            let v: Vec<f64> = a[1..].iter().map(to_f64).collect();
            Ok(Value::Float(crate::decimal::fold(
                to_f64(&a[0]),
                &v,
                |x, y| Ok(x.sub(y)),
                |x, y| x - y,
            )?))
        }),
    );
    add(
        "mulf",
        func(&[Any], Some(Any), |_, a| {
            let v: Vec<f64> = a[1..].iter().map(to_f64).collect();
            Ok(Value::Float(crate::decimal::fold(
                to_f64(&a[0]),
                &v,
                |x, y| Ok(x.mul(y)),
                |x, y| x * y,
            )?))
        }),
    );
    add(
        "divf",
        func(&[Any], Some(Any), |_, a| {
            let v: Vec<f64> = a[1..].iter().map(to_f64).collect();
            Ok(Value::Float(crate::decimal::fold(
                to_f64(&a[0]),
                &v,
                |x, y| x.div(y),
                |x, y| x / y,
            )?))
        }),
    );
    add(
        "maxf",
        func(&[Any], Some(Any), |_, a| {
            Ok(Value::Float(a.iter().map(to_f64).fold(f64::MIN, f64::max)))
        }),
    );
    add(
        "minf",
        func(&[Any], Some(Any), |_, a| {
            Ok(Value::Float(a.iter().map(to_f64).fold(f64::MAX, f64::min)))
        }),
    );
    add(
        "until",
        func(&[Int], None, |_, a| {
            let n = int(&a, 0);
            if n.unsigned_abs() > 10_000_000 {
                return Err("until: too many items".into());
            }
            let v: Vec<Value> = if n >= 0 {
                (0..n).map(Value::Int).collect()
            } else {
                (n + 1..=0).rev().map(Value::Int).collect()
            };
            Ok(Value::TypedList(Arc::new(v), "[]int"))
        }),
    );
    add(
        "untilStep",
        func(&[Int, Int, Int], None, |_, a| {
            let (start, stop, step) = (int(&a, 0), int(&a, 1), int(&a, 2));
            let mut v = Vec::new();
            if step == 0 {
                return Ok(Value::TypedList(Arc::new(v), "[]int"));
            }
            let mut i = start;
            while (step > 0 && i < stop) || (step < 0 && i > stop) {
                v.push(Value::Int(i));
                if v.len() > 10_000_000 {
                    return Err("untilStep: too many items".into());
                }
                let Some(n) = i.checked_add(step) else { break };
                i = n;
            }
            Ok(Value::TypedList(Arc::new(v), "[]int"))
        }),
    );
    add(
        "seq",
        func(&[], Some(Int), |_, a| {
            let p: Vec<i64> = a
                .iter()
                .map(|v| match v {
                    Value::Int(i) => *i,
                    _ => 0,
                })
                .collect();
            let (start, step, end) = match p.as_slice() {
                [] => return string(""),
                [e] => (1, if *e >= 1 { 1 } else { -1 }, *e),
                [s0, e] => (*s0, if e >= s0 { 1 } else { -1 }, *e),
                [s0, st, e] => (*s0, *st, *e),
                _ => return Err("seq: too many arguments".into()),
            };
            let mut out = Vec::new();
            if step == 0 || (step > 0 && start > end) || (step < 0 && start < end) {
                return string("");
            }
            let mut i = start;
            while (step > 0 && i <= end) || (step < 0 && i >= end) {
                out.push(i.to_string());
                let Some(n) = i.checked_add(step) else { break };
                i = n;
                if out.len() > 10_000_000 {
                    break;
                }
            }
            string(out.join(" "))
        }),
    );
    // ---- random, uuid
    add(
        "randAlphaNum",
        func(&[Int], None, |_, a| {
            string(random_from(
                b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                int(&a, 0),
            ))
        }),
    );
    add(
        "randAlpha",
        func(&[Int], None, |_, a| {
            string(random_from(
                b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                int(&a, 0),
            ))
        }),
    );
    add(
        "randNumeric",
        func(&[Int], None, |_, a| string(random_from(b"0123456789", int(&a, 0)))),
    );
    add(
        "randAscii",
        func(&[Int], None, |_, a| {
            let chars: Vec<u8> = (32u8..127).collect();
            string(random_from(&chars, int(&a, 0)))
        }),
    );
    add(
        "randInt",
        func(&[Int, Int], None, |_, a| {
            let (lo, hi) = (int(&a, 0), int(&a, 1));
            if hi <= lo {
                return Err("invalid argument to Intn".into());
            }
            Ok(Value::Int(lo + (random_u64() % (hi - lo) as u64) as i64))
        }),
    );
    add("uuidv4", func(&[], None, |_, _| string(uuid_v4())));
}
