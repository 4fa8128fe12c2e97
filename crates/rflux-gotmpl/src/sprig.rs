//! Sprig v3 functions as Helm exposes them (without `env`/`expandenv`): strings, string
//! lists, lists, dicts, math, defaults, conversion, regex, encoding, hashes, reflection,
//! semver, random.

use std::sync::Arc;

use base64::Engine as _;
use sha2::Digest as _;

use crate::func::{FuncMap, Ty, func};
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
        _ => 0,
    }
}

/// cast.ToFloat64 with errors as 0.
pub fn to_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Str(s) => s.parse().unwrap_or(0.0),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => 0.0,
    }
}

fn s(a: &[Value], i: usize) -> &str {
    a.get(i).and_then(Value::as_str).unwrap_or_default()
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
        Value::StrList(l) => l.iter().map(strval).collect(),
        Value::List(l) => l.iter().filter(|x| !x.is_nil()).map(strval).collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

fn list_of(v: &Value, what: &str) -> Result<Vec<Value>, String> {
    match v.as_list() {
        Some(l) => Ok(l.to_vec()),
        // reflect.TypeOf(nil).Kind() dereferences a nil type
        None if v.is_nil() => Err("runtime error: invalid memory address or nil pointer dereference".into()),
        None => Err(format!("Cannot {what} on type {}", v.kind_name())),
    }
}

fn same_list_type(orig: &Value, items: Vec<Value>) -> Value {
    match orig {
        Value::StrList(_) => Value::StrList(Arc::new(items)),
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
        (Value::List(x), Value::List(y)) | (Value::StrList(x), Value::StrList(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal(p, q))
        }
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
        _ => false,
    }
}

fn title(s: &str) -> String {
    // strings.Title: uppercase letters that follow a separator.
    let mut out = String::with_capacity(s.len());
    let mut prev_sep = true;
    for c in s.chars() {
        if prev_sep {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_sep = !(c.is_alphanumeric() || c == '_');
        if c.is_ascii() && !(c.is_ascii_alphanumeric() || c == '_') {
            prev_sep = true;
        } else if !c.is_ascii() {
            prev_sep = c.is_whitespace();
        }
    }
    out
}

fn untitle(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_space = true;
    for c in s.chars() {
        if prev_space {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        prev_space = c.is_whitespace();
    }
    out
}

fn go_trim_space(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace())
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

fn random_from(chars: &[u8], n: i64) -> String {
    (0..n.max(0))
        .map(|_| chars[(random_u64() % chars.len() as u64) as usize] as char)
        .collect()
}

fn regex(p: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(p).map_err(|e| {
        let m = e.to_string();
        let code = if m.contains("unclosed group") {
            "missing closing )"
        } else if m.contains("unopened group") {
            "unexpected )"
        } else if m.contains("unclosed character class") {
            "missing closing ]"
        } else if m.contains("repetition operator missing expression") {
            "missing argument to repetition operator"
        } else {
            "invalid syntax"
        };
        format!("error parsing regexp: {code}: `{p}`")
    })
}

fn merge_into(dst: &crate::value::MapRef, src: &Map, overwrite: bool, depth: usize) {
    if depth > 100 {
        return;
    }
    for (k, sv) in src {
        let dv = dst.get(k);
        if sv.is_nil() {
            if overwrite {
                dst.write().insert(k.clone(), Value::Nil);
            }
            continue;
        }
        if let (Some(Value::Map(dm)), Value::Map(sm)) = (&dv, sv)
            && !dm.ptr_eq(sm)
        {
            let snapshot = sm.snapshot();
            merge_into(dm, &snapshot, overwrite, depth + 1);
            continue;
        }
        let dst_empty = dv.as_ref().is_none_or(|v| !v.truthy());
        if overwrite || dst_empty {
            dst.write().insert(k.clone(), sv.clone());
        }
    }
}

fn semver_parse(v: &str) -> Option<(u64, u64, u64, String)> {
    let v = v.trim().strip_prefix('v').unwrap_or(v.trim());
    let (core, _meta) = v.split_once('+').unwrap_or((v, ""));
    let (core, pre) = match core.split_once('-') {
        Some((c, p)) => (c, p.to_string()),
        None => (core, String::new()),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let n = |i: usize| parts.get(i).and_then(|p| p.parse().ok()).unwrap_or(0);
    Some((n(0), n(1), n(2), pre))
}

fn pre_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let ap: Vec<&str> = a.split('.').collect();
    let bp: Vec<&str> = b.split('.').collect();
    for (x, y) in ap.iter().zip(bp.iter()) {
        let o = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(p), Ok(q)) => p.cmp(&q),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            _ => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    ap.len().cmp(&bp.len())
}

type Ver = (u64, u64, u64, String);

fn ver_cmp(a: &Ver, b: &Ver) -> std::cmp::Ordering {
    (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)).then_with(|| pre_cmp(&a.3, &b.3))
}

/// Masterminds semver constraint check (the subset charts use).
pub fn semver_check(constraint: &str, version: &str) -> Result<bool, String> {
    // Masterminds parses the constraint before the version.
    if semver_parse(version).is_none() {
        semver_check(constraint, "0.0.0")?;
    }
    let v = semver_parse(version).ok_or("invalid semantic version")?;
    let mut any_ok = false;
    for alt in constraint.split("||") {
        let mut ok = true;
        let alt = alt.trim();
        // hyphen ranges "a - b"
        let terms: Vec<String> = if let Some((lo, hi)) = alt.split_once(" - ") {
            vec![format!(">={}", lo.trim()), format!("<={}", hi.trim())]
        } else {
            alt.split([',', ' '])
                .filter(|t| !t.trim().is_empty())
                .map(|t| t.trim().to_string())
                .collect()
        };
        // join operator tokens separated by spaces: "> 1.2" -> ">1.2"
        let mut joined: Vec<String> = Vec::new();
        for t in terms {
            if let Some(last) = joined.last_mut()
                && matches!(
                    last.as_str(),
                    "=" | "!=" | ">" | "<" | ">=" | "=>" | "<=" | "=<" | "~" | "~>" | "^"
                )
            {
                last.push_str(&t);
                continue;
            }
            joined.push(t);
        }
        if joined.is_empty() {
            joined.push("*".into());
        }
        for t in joined {
            if !check_term(&t, &v)? {
                ok = false;
            }
        }
        if ok {
            any_ok = true;
        }
    }
    Ok(any_ok)
}

fn check_term(t: &str, v: &Ver) -> Result<bool, String> {
    let ops = [">=", "=>", "<=", "=<", "!=", "~>", ">", "<", "=", "~", "^"];
    let (op, rest) = ops
        .iter()
        .find_map(|o| t.strip_prefix(o).map(|r| (*o, r.trim())))
        .unwrap_or(("", t));
    let rest = rest.strip_prefix('v').unwrap_or(rest);
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, p.to_string()),
        None => (rest, String::new()),
    };
    let core = core.split('+').next().unwrap_or(core);
    let parts: Vec<&str> = core.split('.').collect();
    let wild = |p: &str| matches!(p, "x" | "X" | "*");
    let mut nums: Vec<Option<u64>> = Vec::new();
    for p in parts.iter().take(3) {
        if wild(p) {
            nums.push(None);
        } else {
            nums.push(Some(
                p.parse()
                    .map_err(|_| format!("improper constraint: {}", crate::gofmt::go_quote(t)))?,
            ));
        }
    }
    let specified = nums.iter().take_while(|n| n.is_some()).count();
    let c: Ver = (
        nums.first().copied().flatten().unwrap_or(0),
        nums.get(1).copied().flatten().unwrap_or(0),
        nums.get(2).copied().flatten().unwrap_or(0),
        pre.clone(),
    );
    // Prereleases only match when the constraint has one (Masterminds v3).
    if !v.3.is_empty() && pre.is_empty() {
        return Ok(false);
    }
    use std::cmp::Ordering::*;
    let cmp = ver_cmp(v, &c);
    let upper = |level: usize| -> Ver {
        match level {
            0 => (c.0 + 1, 0, 0, String::new()),
            1 => (c.0, c.1 + 1, 0, String::new()),
            _ => (c.0, c.1, c.2 + 1, String::new()),
        }
    };
    Ok(match op {
        "" | "=" => {
            if specified == 0 {
                true
            } else if specified < 3 {
                cmp != Less && ver_cmp(v, &upper(specified - 1)) == Less
            } else {
                cmp == Equal
            }
        }
        "!=" => {
            if specified < 3 && specified > 0 {
                !(cmp != Less && ver_cmp(v, &upper(specified - 1)) == Less)
            } else {
                cmp != Equal
            }
        }
        ">" => {
            if specified < 3 && specified > 0 {
                ver_cmp(v, &upper(specified - 1)) != Less
            } else {
                cmp == Greater
            }
        }
        ">=" | "=>" => cmp != Less,
        "<" => cmp == Less,
        "<=" | "=<" => {
            if specified < 3 && specified > 0 {
                ver_cmp(v, &upper(specified - 1)) == Less
            } else {
                cmp != Greater
            }
        }
        "~" | "~>" => {
            let up = if specified <= 1 { upper(0) } else { upper(1) };
            cmp != Less && ver_cmp(v, &up) == Less
        }
        "^" => {
            let up = if c.0 > 0 || specified <= 1 {
                upper(0)
            } else if c.1 > 0 || specified == 2 {
                upper(1)
            } else {
                upper(2)
            };
            cmp != Less && ver_cmp(v, &up) == Less
        }
        _ => return Err(format!("improper constraint: {}", crate::gofmt::go_quote(t))),
    })
}

fn sha256_hex(s: &str) -> String {
    let d = sha2::Sha256::digest(s.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn adler32(s: &str) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &c in s.as_bytes() {
        a = (a + c as u32) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn split_words(s: &str) -> Vec<String> {
    // words for case conversions: split on connectors (spaces, '_', '-') and on case
    // transitions; punctuation and symbols stay inside their word
    let mut words = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() || c == '_' || c == '-' {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        // Unicode symbols (ASCII $+<=>^`|~, and non-ASCII non-letters) are words of their
        // own; punctuation stays inside the word.
        let symbol = if c.is_ascii() {
            "$+<=>^`|~".contains(c)
        } else {
            !c.is_alphanumeric()
        };
        if symbol {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            words.push(c.to_string());
            continue;
        }
        if c.is_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                words.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

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

fn dig(keys: &[Value], def: &Value, dict: &Value) -> Result<Value, String> {
    let mut cur = dict.clone();
    for k in keys {
        let key = k
            .as_str()
            .ok_or_else(|| format!("interface conversion: interface {{}} is {}, not string", k.type_name()))?;
        if let Value::Map(m) = &cur
            && let Some(t) = m.type_name()
        {
            return Err(format!(
                "interface conversion: interface {{}} is {t}, not map[string]interface {{}}"
            ));
        }
        let Value::Map(m) = &cur else {
            return Err(format!(
                "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                cur.type_name()
            ));
        };
        match m.get(key) {
            Some(v) => cur = v,
            None => return Ok(def.clone()),
        }
    }
    Ok(cur)
}

/// Register Sprig's functions.
pub fn register(m: &mut FuncMap) {
    use Ty::*;
    let mut add = |name: &str, f: crate::func::Func| {
        m.insert(name.to_string(), f);
    };
    // ---- strings
    add("upper", func(&[Str], None, |_, a| string(s(&a, 0).to_uppercase())));
    add("lower", func(&[Str], None, |_, a| string(s(&a, 0).to_lowercase())));
    add("title", func(&[Str], None, |_, a| string(title(s(&a, 0)))));
    add("untitle", func(&[Str], None, |_, a| string(untitle(s(&a, 0)))));
    add("trim", func(&[Str], None, |_, a| string(go_trim_space(s(&a, 0)))));
    add(
        "trimAll",
        func(&[Str, Str], None, |_, a| {
            let cut: Vec<char> = s(&a, 0).chars().collect();
            string(s(&a, 1).trim_matches(|c| cut.contains(&c)))
        }),
    );
    add(
        "trimPrefix",
        func(&[Str, Str], None, |_, a| {
            string(s(&a, 1).strip_prefix(s(&a, 0)).unwrap_or(s(&a, 1)))
        }),
    );
    add(
        "trimSuffix",
        func(&[Str, Str], None, |_, a| {
            string(s(&a, 1).strip_suffix(s(&a, 0)).unwrap_or(s(&a, 1)))
        }),
    );
    add(
        "replace",
        func(&[Str, Str, Str], None, |_, a| {
            let (old, new, src) = (s(&a, 0), s(&a, 1), s(&a, 2));
            if old.is_empty() {
                // Go inserts `new` between every rune and at both ends.
                let mut out = String::from(new);
                for c in src.chars() {
                    out.push(c);
                    out.push_str(new);
                }
                return string(out);
            }
            string(src.replace(old, new))
        }),
    );
    add(
        "contains",
        func(&[Str, Str], None, |_, a| Ok(Value::Bool(s(&a, 1).contains(s(&a, 0))))),
    );
    add(
        "hasPrefix",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::Bool(s(&a, 1).starts_with(s(&a, 0))))
        }),
    );
    add(
        "hasSuffix",
        func(&[Str, Str], None, |_, a| Ok(Value::Bool(s(&a, 1).ends_with(s(&a, 0))))),
    );
    add(
        "repeat",
        func(&[Int, Str], None, |_, a| {
            let n = int(&a, 0);
            if n < 0 {
                return Err("strings: negative Repeat count".into());
            }
            if (n as u128) * (s(&a, 1).len() as u128) > 1 << 30 {
                return Err("strings: Repeat output length overflow".into());
            }
            string(s(&a, 1).repeat(n as usize))
        }),
    );
    add(
        "substr",
        func(&[Int, Int, Str], None, |_, a| {
            let (start, end, st) = (int(&a, 0), int(&a, 1), s(&a, 2));
            let b = st.as_bytes();
            let len = b.len() as i64;
            // Go slices bytes and panics on bad bounds; the panic becomes the error.
            let r = if start < 0 {
                if end < 0 || end > len {
                    return Err(format!(
                        "runtime error: slice bounds out of range [:{end}] with length {len}"
                    ));
                }
                &b[..end as usize]
            } else if end < 0 || end > len {
                if start > len {
                    return Err(format!("runtime error: slice bounds out of range [{start}:{len}]"));
                }
                &b[start as usize..]
            } else {
                if start > end {
                    return Err(format!("runtime error: slice bounds out of range [{start}:{end}]"));
                }
                &b[start as usize..end as usize]
            };
            string(String::from_utf8_lossy(r).into_owned())
        }),
    );
    add(
        "trunc",
        func(&[Int, Str], None, |_, a| {
            let (c, st) = (int(&a, 0), s(&a, 1));
            let n = st.len() as i64;
            let b = st.as_bytes();
            let r = if c < 0 && n + c > 0 {
                &b[(n + c) as usize..]
            } else if c >= 0 && n > c {
                &b[..c as usize]
            } else {
                b
            };
            string(String::from_utf8_lossy(r).into_owned())
        }),
    );
    add(
        "abbrev",
        func(&[Int, Str], None, |_, a| {
            let (w, st) = (int(&a, 0), s(&a, 1));
            if w < 4 || st.len() as i64 <= w {
                return string(st);
            }
            string(format!("{}...", &st[..floor_boundary(st, (w - 3) as usize)]))
        }),
    );
    add(
        "abbrevboth",
        func(&[Int, Int, Str], None, |_, a| {
            let (left, w, st) = (int(&a, 0), int(&a, 1), s(&a, 2));
            if w < 4 || st.len() as i64 <= w {
                return string(st);
            }
            let mut off = left.max(0) as usize;
            if off > st.len() {
                off = st.len();
            }
            if (st.len() - off) < (w as usize - 3) {
                off = st.len() - (w as usize - 3);
            }
            if off <= 4 {
                return string(format!("{}...", &st[..floor_boundary(st, (w - 3) as usize)]));
            }
            if w < 7 {
                return string(st);
            }
            if off + w as usize - 3 < st.len() {
                let rest = &st[floor_boundary(st, off)..];
                let inner = if rest.len() as i64 > w - 3 {
                    format!("{}...", &rest[..floor_boundary(rest, (w - 6) as usize)])
                } else {
                    rest.to_string()
                };
                return string(format!("...{inner}"));
            }
            string(format!("...{}", &st[floor_boundary(st, st.len() - (w as usize - 3))..]))
        }),
    );
    add(
        "nospace",
        func(&[Str], None, |_, a| {
            string(s(&a, 0).chars().filter(|c| !c.is_whitespace()).collect::<String>())
        }),
    );
    add(
        "initials",
        func(&[Str], None, |_, a| {
            string(
                // first byte of each word, as a rune (Go indexes bytes)
                s(&a, 0)
                    .split_whitespace()
                    .filter_map(|w| w.as_bytes().first().map(|b| *b as char))
                    .collect::<String>(),
            )
        }),
    );
    add(
        "swapcase",
        func(&[Str], None, |_, a| {
            string(
                s(&a, 0)
                    .chars()
                    .flat_map(|c| {
                        if c.is_uppercase() {
                            c.to_lowercase().collect::<Vec<_>>()
                        } else {
                            c.to_uppercase().collect()
                        }
                    })
                    .collect::<String>(),
            )
        }),
    );
    add(
        "snakecase",
        func(&[Str], None, |_, a| {
            string(
                split_words(s(&a, 0))
                    .iter()
                    .map(|w| w.to_lowercase())
                    .collect::<Vec<_>>()
                    .join("_"),
            )
        }),
    );
    add(
        "kebabcase",
        func(&[Str], None, |_, a| {
            string(
                split_words(s(&a, 0))
                    .iter()
                    .map(|w| w.to_lowercase())
                    .collect::<Vec<_>>()
                    .join("-"),
            )
        }),
    );
    add("camelcase", func(&[Str], None, |_, a| string(camel_case(s(&a, 0)))));
    add(
        "indent",
        func(&[Int, Str], None, |_, a| {
            let pad = spaces(int(&a, 0))?;
            string(format!("{pad}{}", s(&a, 1).replace('\n', &format!("\n{pad}"))))
        }),
    );
    add(
        "nindent",
        func(&[Int, Str], None, |_, a| {
            let pad = spaces(int(&a, 0))?;
            string(format!("\n{pad}{}", s(&a, 1).replace('\n', &format!("\n{pad}"))))
        }),
    );
    add(
        "wrap",
        func(&[Int, Str], None, |_, a| {
            string(wrap(s(&a, 1), int(&a, 0), "\n", false))
        }),
    );
    add(
        "wrapWith",
        func(&[Int, Str, Str], None, |_, a| {
            string(wrap(s(&a, 2), int(&a, 0), s(&a, 1), true))
        }),
    );
    add(
        "plural",
        func(&[Str, Str, Int], None, |_, a| {
            string(if int(&a, 2) == 1 { s(&a, 0) } else { s(&a, 1) })
        }),
    );
    add(
        "quote",
        func(&[], Some(Any), |_, a| {
            let parts: Vec<String> = a
                .iter()
                .filter(|v| !v.is_nil())
                .map(|v| gofmt::go_quote(&strval(v)))
                .collect();
            string(parts.join(" "))
        }),
    );
    add(
        "squote",
        func(&[], Some(Any), |_, a| {
            let parts: Vec<String> = a
                .iter()
                .filter(|v| !v.is_nil())
                .map(|v| format!("'{}'", strval(v)))
                .collect();
            string(parts.join(" "))
        }),
    );
    add(
        "cat",
        func(&[], Some(Any), |_, a| {
            let parts: Vec<String> = a.iter().filter(|v| !v.is_nil()).map(gofmt::sprint_value).collect();
            string(parts.join(" "))
        }),
    );
    add(
        "split",
        func(&[Str, Str], None, |_, a| {
            let mut m = crate::value::Map::new();
            for (i, p) in go_split(s(&a, 1), s(&a, 0)).into_iter().enumerate() {
                m.insert(format!("_{i}"), Value::str(p));
            }
            Ok(Value::map(m))
        }),
    );
    add(
        "splitList",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::str_list(go_split(s(&a, 1), s(&a, 0))))
        }),
    );
    add(
        "splitn",
        func(&[Str, Int, Str], None, |_, a| {
            let n = int(&a, 1);
            let parts: Vec<String> = if n < 0 {
                go_split(s(&a, 2), s(&a, 0))
            } else if n == 0 {
                Vec::new()
            } else {
                s(&a, 2).splitn(n as usize, s(&a, 0)).map(str::to_string).collect()
            };
            let mut m = crate::value::Map::new();
            for (i, p) in parts.into_iter().enumerate() {
                m.insert(format!("_{i}"), Value::str(p));
            }
            Ok(Value::map(m))
        }),
    );
    add(
        "join",
        func(&[Str, Any], None, |_, a| string(strslice(&a[1]).join(s(&a, 0)))),
    );
    add(
        "sortAlpha",
        func(&[Any], None, |_, a| {
            let mut v = match &a[0] {
                Value::List(_) | Value::StrList(_) => strslice(&a[0]),
                other => vec![strval(other)],
            };
            v.sort();
            Ok(Value::str_list(v))
        }),
    );
    add(
        "toStrings",
        func(&[Any], None, |_, a| {
            let v: Vec<String> = match &a[0] {
                Value::List(_) | Value::StrList(_) => strslice(&a[0]),
                Value::Nil => Vec::new(),
                other => vec![strval(other)],
            };
            Ok(Value::str_list(v))
        }),
    );
    add("toString", func(&[Any], None, |_, a| string(strval(&a[0]))));
    // ---- regex
    add(
        "regexMatch",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::Bool(
                regex(s(&a, 0)).map(|r| r.is_match(s(&a, 1))).unwrap_or(false),
            ))
        }),
    );
    add(
        "mustRegexMatch",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::Bool(regex(s(&a, 0))?.is_match(s(&a, 1))))
        }),
    );
    add(
        "regexFind",
        func(&[Str, Str], None, |_, a| {
            let r = regex(s(&a, 0))?;
            string(r.find(s(&a, 1)).map(|m| m.as_str()).unwrap_or_default())
        }),
    );
    add(
        "mustRegexFind",
        func(&[Str, Str], None, |_, a| {
            let r = regex(s(&a, 0))?;
            string(r.find(s(&a, 1)).map(|m| m.as_str()).unwrap_or_default())
        }),
    );
    let find_all = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let r = regex(s(&a, 0))?;
        let n = int(&a, 2);
        let it = r.find_iter(s(&a, 1)).map(|m| m.as_str().to_string());
        let v: Vec<String> = if n < 0 {
            it.collect()
        } else {
            it.take(n as usize).collect()
        };
        Ok(Value::str_list(v))
    };
    add("regexFindAll", func(&[Str, Str, Int], None, find_all));
    add("mustRegexFindAll", func(&[Str, Str, Int], None, find_all));
    let repl_all = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let r = regex(s(&a, 0))?;
        string(
            r.replace_all(s(&a, 1), go_expand_template(s(&a, 2)).as_str())
                .into_owned(),
        )
    };
    add("regexReplaceAll", func(&[Str, Str, Str], None, repl_all));
    add("mustRegexReplaceAll", func(&[Str, Str, Str], None, repl_all));
    let repl_lit = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let r = regex(s(&a, 0))?;
        string(r.replace_all(s(&a, 1), regex::NoExpand(s(&a, 2))).into_owned())
    };
    add("regexReplaceAllLiteral", func(&[Str, Str, Str], None, repl_lit));
    add("mustRegexReplaceAllLiteral", func(&[Str, Str, Str], None, repl_lit));
    let rsplit = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let r = regex(s(&a, 0))?;
        let n = int(&a, 2);
        let v: Vec<String> = if n == 0 {
            Vec::new()
        } else if n < 0 {
            r.split(s(&a, 1)).map(str::to_string).collect()
        } else {
            r.splitn(s(&a, 1), n as usize).map(str::to_string).collect()
        };
        Ok(Value::str_list(v))
    };
    add("regexSplit", func(&[Str, Str, Int], None, rsplit));
    add("mustRegexSplit", func(&[Str, Str, Int], None, rsplit));
    // The non-`must` regex functions use regexp.MustCompile: the panic names the pattern.
    for name in [
        "regexFind",
        "regexFindAll",
        "regexReplaceAll",
        "regexReplaceAllLiteral",
        "regexSplit",
    ] {
        if let Some(f) = m.get(name).cloned() {
            let inner = f.f.clone();
            let wrapped = crate::func::Func {
                f: Arc::new(move |cx: &mut dyn crate::func::CallContext, a: Vec<Value>| {
                    let pat = s(&a, 0).to_string();
                    inner(cx, a).map_err(|e| {
                        if e.starts_with("error parsing regexp") {
                            format!("regexp: Compile(`{pat}`): {e}")
                        } else {
                            e
                        }
                    })
                }),
                ..f
            };
            m.insert(name.to_string(), wrapped);
        }
    }
    let mut add = |name: &str, f: crate::func::Func| {
        m.insert(name.to_string(), f);
    };
    add(
        "regexQuoteMeta",
        func(&[Str], None, |_, a| string(regex::escape(s(&a, 0)))),
    );
    // ---- encoding and hashes
    add(
        "b64enc",
        func(&[Str], None, |_, a| {
            string(base64::engine::general_purpose::STANDARD.encode(s(&a, 0)))
        }),
    );
    add(
        "b64dec",
        func(&[Str], None, |_, a| {
            match base64::engine::general_purpose::STANDARD.decode(s(&a, 0)) {
                Ok(b) => string(String::from_utf8_lossy(&b).into_owned()),
                Err(e) => string(base64_error(&e)),
            }
        }),
    );
    add("sha256sum", func(&[Str], None, |_, a| string(sha256_hex(s(&a, 0)))));
    add(
        "adler32sum",
        func(&[Str], None, |_, a| string(adler32(s(&a, 0)).to_string())),
    );
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
        func(&[Any], None, |_, a| {
            string(crate::json::marshal_indent(&a[0], "  ", true).unwrap_or_default())
        }),
    );
    add(
        "toRawJson",
        func(&[Any], None, |_, a| {
            string(crate::json::marshal(&a[0], false).unwrap_or_default())
        }),
    );
    add(
        "mustToJson",
        func(&[Any], None, |_, a| string(crate::json::marshal(&a[0], true)?)),
    );
    add(
        "mustToPrettyJson",
        func(&[Any], None, |_, a| {
            string(crate::json::marshal_indent(&a[0], "  ", true)?)
        }),
    );
    add(
        "mustToRawJson",
        func(&[Any], None, |_, a| string(crate::json::marshal(&a[0], false)?)),
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
            Ok(Value::list(v))
        }),
    );
    add(
        "untilStep",
        func(&[Int, Int, Int], None, |_, a| {
            let (start, stop, step) = (int(&a, 0), int(&a, 1), int(&a, 2));
            let mut v = Vec::new();
            if step == 0 {
                return Ok(Value::list(v));
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
            Ok(Value::list(v))
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
    // ---- lists
    add("list", func(&[], Some(Any), |_, a| Ok(Value::list(a))));
    add("tuple", func(&[], Some(Any), |_, a| Ok(Value::list(a))));
    let push = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let mut l = list_of(&a[0], "push")?;
        l.push(a[1].clone());
        Ok(Value::list(l))
    };
    add("append", func(&[Any, Any], None, push));
    add("push", func(&[Any, Any], None, push));
    add("mustAppend", func(&[Any, Any], None, push));
    add("mustPush", func(&[Any, Any], None, push));
    let prepend = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let mut l = list_of(&a[0], "prepend")?;
        l.insert(0, a[1].clone());
        Ok(Value::list(l))
    };
    add("prepend", func(&[Any, Any], None, prepend));
    add("mustPrepend", func(&[Any, Any], None, prepend));
    let first = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        Ok(list_of(&a[0], "find first")?.first().cloned().unwrap_or(Value::Nil))
    };
    add("first", func(&[Any], None, first));
    add("mustFirst", func(&[Any], None, first));
    let last = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        Ok(list_of(&a[0], "find last")?.last().cloned().unwrap_or(Value::Nil))
    };
    add("last", func(&[Any], None, last));
    add("mustLast", func(&[Any], None, last));
    let rest = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let l = list_of(&a[0], "find rest")?;
        Ok(if l.is_empty() {
            Value::Nil
        } else {
            Value::list(l[1..].to_vec())
        })
    };
    add("rest", func(&[Any], None, rest));
    add("mustRest", func(&[Any], None, rest));
    let initial = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let l = list_of(&a[0], "find initial")?;
        Ok(if l.is_empty() {
            Value::Nil
        } else {
            Value::list(l[..l.len() - 1].to_vec())
        })
    };
    add("initial", func(&[Any], None, initial));
    add("mustInitial", func(&[Any], None, initial));
    let reverse = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let mut l = list_of(&a[0], "find reverse")?;
        l.reverse();
        Ok(Value::list(l))
    };
    add("reverse", func(&[Any], None, reverse));
    add("mustReverse", func(&[Any], None, reverse));
    let uniq = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let l = list_of(&a[0], "find uniq")?;
        let mut out: Vec<Value> = Vec::new();
        for x in l {
            if !out.iter().any(|y| deep_equal(y, &x)) {
                out.push(x);
            }
        }
        Ok(Value::list(out))
    };
    add("uniq", func(&[Any], None, uniq));
    add("mustUniq", func(&[Any], None, uniq));
    let compact = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let l = list_of(&a[0], "compact")?;
        Ok(Value::list(l.into_iter().filter(|x| !empty(x)).collect()))
    };
    add("compact", func(&[Any], None, compact));
    add("mustCompact", func(&[Any], None, compact));
    let without = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let l = list_of(&a[0], "find without")?;
        Ok(Value::list(
            l.into_iter()
                .filter(|x| !a[1..].iter().any(|o| deep_equal(o, x)))
                .collect(),
        ))
    };
    add("without", func(&[Any], Some(Any), without));
    add("mustWithout", func(&[Any], Some(Any), without));
    let has = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        if a[1].is_nil() {
            return Ok(Value::Bool(false));
        }
        let l = list_of(&a[1], "find has")?;
        Ok(Value::Bool(l.iter().any(|x| deep_equal(x, &a[0]))))
    };
    add("has", func(&[Any, Any], None, has));
    add("mustHas", func(&[Any, Any], None, has));
    add(
        "concat",
        func(&[], Some(Any), |_, a| {
            let mut out = Vec::new();
            for l in &a {
                match l.as_list() {
                    Some(items) => out.extend(items.iter().cloned()),
                    None if l.is_nil() => {
                        return Err("runtime error: invalid memory address or nil pointer dereference".into());
                    }
                    None => return Err(format!("Cannot concat type {} as list", l.kind_name())),
                }
            }
            Ok(Value::list(out))
        }),
    );
    let slice = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let Some(l) = a[0].as_list().map(<[Value]>::to_vec) else {
            return Err(format!(
                "list should be type of slice or array but {}",
                a[0].kind_name()
            ));
        };
        let len = l.len() as i64;
        let start = a.get(1).map(to_i64).unwrap_or(0);
        let end = a.get(2).map(to_i64).unwrap_or(len);
        if start < 0 || end > len || start > end {
            return Err("reflect.Value.Slice: slice index out of bounds".into());
        }
        Ok(same_list_type(&a[0], l[start as usize..end as usize].to_vec()))
    };
    add("slice", func(&[Any], Some(Any), slice));
    add("mustSlice", func(&[Any], Some(Any), slice));
    add(
        "chunk",
        func(&[Int, Any], None, |_, a| {
            let size = int(&a, 0);
            let l = list_of(&a[1], "chunk")?;
            if size <= 0 {
                return Err("runtime error: integer divide by zero".into());
            }
            Ok(Value::list(
                l.chunks(size as usize).map(|c| Value::list(c.to_vec())).collect(),
            ))
        }),
    );
    // ---- dicts
    add(
        "dict",
        func(&[], Some(Any), |_, a| {
            let mut m = crate::value::Map::new();
            let mut i = 0;
            while i < a.len() {
                let k = strval(&a[i]);
                let v = a.get(i + 1).cloned().unwrap_or_else(|| Value::str(""));
                m.insert(k, v);
                i += 2;
            }
            Ok(Value::map(m))
        }),
    );
    add(
        "get",
        func(&[Map, Str], None, |_, a| {
            Ok(a[0]
                .as_map()
                .and_then(|m| m.get(s(&a, 1)))
                .unwrap_or_else(|| Value::str("")))
        }),
    );
    add(
        "set",
        func(&[Map, Str, Any], None, |_, a| match a[0].as_map() {
            Some(m) => {
                m.write().insert(s(&a, 1).to_string(), a[2].clone());
                Ok(a[0].clone())
            }
            None => Err("assignment to entry in nil map".into()),
        }),
    );
    add(
        "unset",
        func(&[Map, Str], None, |_, a| {
            if let Some(m) = a[0].as_map() {
                m.write().remove(s(&a, 1));
            }
            Ok(a[0].clone())
        }),
    );
    add(
        "hasKey",
        func(&[Map, Str], None, |_, a| {
            Ok(Value::Bool(
                a[0].as_map().is_some_and(|m| m.read().contains_key(s(&a, 1))),
            ))
        }),
    );
    add(
        "keys",
        func(&[], Some(Map), |_, a| {
            let mut v = Vec::new();
            for d in &a {
                if let Some(m) = d.as_map() {
                    v.extend(m.read().keys().cloned());
                }
            }
            Ok(Value::str_list(v))
        }),
    );
    add(
        "values",
        func(&[Map], None, |_, a| {
            Ok(Value::list(
                a[0].as_map()
                    .map(|m| m.read().values().cloned().collect())
                    .unwrap_or_default(),
            ))
        }),
    );
    add(
        "pick",
        func(&[Map], Some(Str), |_, a| {
            let mut out = crate::value::Map::new();
            if let Some(m) = a[0].as_map() {
                for k in &a[1..] {
                    if let Some(key) = k.as_str()
                        && let Some(v) = m.get(key)
                    {
                        out.insert(key.to_string(), v);
                    }
                }
            }
            Ok(Value::map(out))
        }),
    );
    add(
        "omit",
        func(&[Map], Some(Str), |_, a| {
            let mut out = crate::value::Map::new();
            if let Some(m) = a[0].as_map() {
                for (k, v) in m.entries() {
                    if !a[1..].iter().any(|o| o.as_str() == Some(k.as_str())) {
                        out.insert(k, v);
                    }
                }
            }
            Ok(Value::map(out))
        }),
    );
    let merge = |overwrite: bool| {
        move |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
            let Some(dst) = a[0].as_map() else {
                return Ok(a[0].clone());
            };
            for src in &a[1..] {
                if let Some(sm) = src.as_map() {
                    let snapshot = sm.snapshot();
                    merge_into(dst, &snapshot, overwrite, 0);
                }
            }
            Ok(a[0].clone())
        }
    };
    add("merge", func(&[Map], Some(Map), merge(false)));
    add("mustMerge", func(&[Map], Some(Map), merge(false)));
    add("mergeOverwrite", func(&[Map], Some(Map), merge(true)));
    add("mustMergeOverwrite", func(&[Map], Some(Map), merge(true)));
    add("deepCopy", func(&[Any], None, |_, a| Ok(a[0].deep_copy())));
    add("mustDeepCopy", func(&[Any], None, |_, a| Ok(a[0].deep_copy())));
    add(
        "dig",
        func(&[], Some(Any), |_, a| {
            if a.len() < 3 {
                return Err("dig needs at least three arguments".to_string());
            }
            let n = a.len();
            dig(&a[..n - 2], &a[n - 2], &a[n - 1])
        }),
    );
    add(
        "pluck",
        func(&[Str], Some(Map), |_, a| {
            let key = s(&a, 0);
            Ok(Value::list(
                a[1..]
                    .iter()
                    .filter_map(|d| d.as_map().and_then(|m| m.get(key)))
                    .collect(),
            ))
        }),
    );
    // ---- semver
    add(
        "semverCompare",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::Bool(semver_check(s(&a, 0), s(&a, 1))?))
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
    // ---- paths
    add("base", func(&[Str], None, |_, a| string(path_base(s(&a, 0)))));
    add("dir", func(&[Str], None, |_, a| string(path_dir(s(&a, 0)))));
    add(
        "ext",
        func(&[Str], None, |_, a| {
            let b = s(&a, 0);
            let last = b.rsplit('/').next().unwrap_or(b);
            string(last.rfind('.').map(|i| last[i..].to_string()).unwrap_or_default())
        }),
    );
    add("clean", func(&[Str], None, |_, a| string(path_clean(s(&a, 0)))));
    add(
        "isAbs",
        func(&[Str], None, |_, a| Ok(Value::Bool(s(&a, 0).starts_with('/')))),
    );
}

/// `strings.Repeat(" ", n)`, with Go's panic for a negative count as the error.
fn spaces(n: i64) -> Result<String, String> {
    if n < 0 {
        return Err("strings: negative Repeat count".into());
    }
    if n > 1 << 24 {
        return Err("strings: Repeat output length overflow".into());
    }
    Ok(" ".repeat(n as usize))
}

/// xstrings.ToCamelCase: connectors (`_`, `-`, spaces) removed, the letter after one
/// upper-cased, others lower-cased; leading connectors kept.
fn camel_case(s: &str) -> String {
    let is_conn = |c: char| c == '_' || c == '-' || c.is_whitespace();
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    let mut r0 = None;
    for c in chars.by_ref() {
        if !is_conn(c) {
            r0 = Some(c);
            break;
        }
        out.push(c);
    }
    let Some(first) = r0 else { return out };
    let mut r0: char = first.to_uppercase().next().unwrap_or(first);
    for c in chars {
        let r1 = r0;
        r0 = c;
        if is_conn(r0) && is_conn(r1) {
            out.push(r1);
            continue;
        }
        if is_conn(r1) {
            r0 = r0.to_uppercase().next().unwrap_or(r0);
        } else {
            r0 = r0.to_lowercase().next().unwrap_or(r0);
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

/// Largest char boundary at or below `i`.
fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// goutils.WrapCustom: wrap at spaces so lines fit `width` bytes; long words are cut
/// when `long_words`, otherwise left whole.
fn wrap(s: &str, width: i64, nl: &str, long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let nl = if nl.is_empty() { "\n" } else { nl };
    let width = width.max(1) as usize;
    let b = s.as_bytes();
    let len = b.len();
    let mut offset = 0usize;
    let mut out = String::new();
    let piece = |from: usize, to: usize| String::from_utf8_lossy(&b[from..to.min(len)]).into_owned();
    while len - offset > width {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = (width + offset + 1).min(len);
        match b[offset..end].iter().rposition(|c| *c == b' ') {
            Some(sp) => {
                out.push_str(&piece(offset, offset + sp));
                out.push_str(nl);
                offset += sp + 1;
            }
            None if long_words => {
                out.push_str(&piece(offset, offset + width));
                out.push_str(nl);
                offset += width;
            }
            None => {
                let end = width + offset;
                match b[end..].iter().position(|c| *c == b' ') {
                    None => {
                        out.push_str(&piece(offset, len));
                        offset = len;
                    }
                    Some(i) => {
                        out.push_str(&piece(offset, end + i));
                        out.push_str(nl);
                        offset = end + i + 1;
                    }
                }
            }
        }
    }
    out.push_str(&piece(offset, len));
    out
}

/// Go's `strings.Split`.
pub fn go_split(s: &str, sep: &str) -> Vec<String> {
    if sep.is_empty() {
        return s.chars().map(|c| c.to_string()).collect();
    }
    s.split(sep).map(str::to_string).collect()
}

/// Convert Go's `$1`/`${name}` replacement template to the regex crate's syntax (the same
/// except that the regex crate needs braces to end a name, which Go also does).
fn go_expand_template(t: &str) -> String {
    t.to_string()
}

fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let j = parts.join("/");
    if rooted {
        format!("/{j}")
    } else if j.is_empty() {
        ".".into()
    } else {
        j
    }
}

fn path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

fn path_dir(p: &str) -> String {
    let i = p.rfind('/').map(|i| i + 1).unwrap_or(0);
    path_clean(&p[..i])
}
