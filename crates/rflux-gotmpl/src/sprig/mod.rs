//! Sprig v3 functions as Helm exposes them (without `env`/`expandenv`): strings, string
//! lists, lists, dicts, math, defaults, conversion, regex, encoding, hashes, reflection,
//! semver, random.

use std::sync::Arc;

use base64::Engine as _;
use sha2::Digest as _;

use crate::func::{FuncMap, Ty, byte_string, func, go_bytes};
use crate::gofmt;
use crate::value::{Map, Value};

/// Go's `base64.CorruptInputError` text for a decoding error.
pub fn base64_error(e: &base64::DecodeError) -> String {
    let at = match e {
        base64::DecodeError::InvalidByte(i, _) | base64::DecodeError::InvalidLastSymbol(i, _) => *i,
        _ => 0,
    };
    format!("illegal base64 data at input byte {at}")
}

/// Sprig's `strval`: strings as-is, everything else as `%v`.
pub fn strval(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Object(o) if let Some(b) = o.bytes() => crate::value::bytes_text(b).into_owned(),
        other => gofmt::sprint_value(other),
    }
}

/// Sprig's `empty`.
pub fn empty(v: &Value) -> bool {
    !v.truthy()
}

fn trim_zero_decimal(s: &str) -> &str {
    if let Some((a, b)) = s.split_once('.')
        && !b.is_empty()
        && b.bytes().all(|c| c == b'0')
    {
        return a;
    }
    s
}

fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let u = if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()
    } else if lower.len() > 1 && lower.starts_with('0') {
        i64::from_str_radix(&lower[1..], 8).ok()
    } else if !lower.is_empty() && lower.bytes().all(|c| c.is_ascii_digit()) {
        lower.parse().ok()
    } else {
        None
    }?;
    Some(if neg { -u } else { u })
}

/// cast.ToInt64 with errors as 0.
pub fn to_i64(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Float(f) => {
            // amd64 CVTTSD2SQ: out of range and NaN give the "integer indefinite" value
            if f.is_nan() || *f >= 9.223_372_036_854_776e18 || *f < -9.223_372_036_854_776e18 {
                i64::MIN
            } else {
                *f as i64
            }
        }
        Value::Str(s) => parse_go_int(trim_zero_decimal(s)).unwrap_or(0),
        Value::Bool(b) => i64::from(*b),
        _ => v.as_uint8().map_or(0, i64::from),
    }
}

/// cast.ToFloat64 with errors as 0.
pub fn to_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Str(s) => s.parse().unwrap_or(0.0),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => v.as_uint8().map_or(0.0, f64::from),
    }
}

fn s(a: &[Value], i: usize) -> &str {
    a.get(i).and_then(Value::as_str).unwrap_or_default()
}

/// The bytes Go holds for string argument `i` (a binary string's own bytes).
fn arg_bytes<'a>(c: &dyn crate::func::CallContext, a: &'a [Value], i: usize) -> crate::func::GoBytes<'a> {
    match a.get(i) {
        Some(Value::Str(t)) => go_bytes(c, t),
        _ => crate::func::GoBytes::Text(&[]),
    }
}

fn int(a: &[Value], i: usize) -> i64 {
    match a.get(i) {
        Some(Value::Int(n)) | Some(Value::Int64(n)) => *n,
        _ => 0,
    }
}

fn string(v: impl Into<Arc<str>>) -> Result<Value, String> {
    Ok(Value::Str(v.into()))
}

/// Sprig's `strslice`.
fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::TypedList(l, _) => l.iter().map(strval).collect(),
        Value::List(l) => l.iter().filter(|x| !x.is_nil()).map(strval).collect(),
        Value::Nil => Vec::new(),
        Value::Object(o) if let Some(l) = o.items() => l.iter().map(strval).collect(),
        // A []byte is a slice of numbers to reflection.
        Value::Object(o) if let Some(b) = o.bytes() => b.iter().map(|x| x.to_string()).collect(),
        other => vec![strval(other)],
    }
}

fn list_of(v: &Value, what: &str) -> Result<Vec<Value>, String> {
    match v.slice_items() {
        Some(l) => Ok(l.into_owned()),
        // reflect.TypeOf(nil).Kind() dereferences a nil type
        None if v.is_nil() => Err("runtime error: invalid memory address or nil pointer dereference".into()),
        None => Err(format!("Cannot {what} on type {}", v.kind_name())),
    }
}

fn same_list_type(orig: &Value, items: Vec<Value>) -> Value {
    match orig {
        Value::TypedList(_, t) => Value::TypedList(Arc::new(items), t),
        Value::Object(o) if o.bytes().is_some() => {
            Value::bytes(items.iter().filter_map(Value::as_uint8).collect::<Vec<u8>>())
        }
        _ => Value::list(items),
    }
}

/// Go's reflect.DeepEqual on template values.
pub fn deep_equal(a: &Value, b: &Value) -> bool {
    let Some(_g) = crate::value::DepthGuard::enter() else {
        return true;
    };
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) | (Value::Int64(x), Value::Int64(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::TypedList(x, t1), Value::TypedList(y, t2)) if t1 == t2 => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal(p, q))
        }
        (Value::List(x), Value::List(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal(p, q)),
        (Value::Map(x), Value::Map(y)) => {
            if x.ptr_eq(y) {
                return true;
            }
            let (x, y) = (x.entries(), y.entries());
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && deep_equal(v1, v2))
        }
        // Host objects: the same Go type and equal contents.
        (Value::Object(x), Value::Object(y)) => {
            if x.type_name() != y.type_name() {
                return false;
            }
            match (x.bytes(), y.bytes()) {
                (Some(p), Some(q)) => p == q,
                _ => deep_equal(&x.to_value(), &y.to_value()),
            }
        }
        _ => false,
    }
}

/// Random numbers for Sprig's random functions (`randAlphaNum`, `uuidv4`, `encryptAES`
/// IVs, …): from the kernel's CSPRNG (`/dev/urandom`), like Go's `crypto/rand`; a
/// clock-seeded xorshift only if that device cannot be read.
pub fn random_u64() -> u64 {
    use std::io::Read;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};
    static URANDOM: Mutex<Option<std::fs::File>> = Mutex::new(None);
    if let Ok(mut guard) = URANDOM.lock() {
        if guard.is_none() {
            *guard = std::fs::File::open("/dev/urandom").ok();
        }
        if let Some(f) = guard.as_mut() {
            let mut b = [0u8; 8];
            if f.read_exact(&mut b).is_ok() {
                return u64::from_le_bytes(b);
            }
        }
    }
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        x = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15)
            | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    x
}

/// Register Sprig's functions.
mod collections;
mod crypto;
mod dates;
mod logic;
mod misc;
mod semver;
mod strings;

pub(crate) use crypto::sha1;

/// Register Sprig's functions.
pub fn register(m: &mut FuncMap) {
    strings::register(m);
    logic::register(m);
    collections::register(m);
    semver::register(m);
    dates::register(m);
    crypto::register(m);
    misc::register(m);
}
