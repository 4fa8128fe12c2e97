//! Go `text/template`'s predefined functions: `not`, `len`, `index`, `slice`, comparisons,
//! `print`/`printf`/`println`, `html`, `js`, `urlquery`, `call` (`and`/`or` are in the executor).

use crate::func::{FuncMap, Ty, func};
use crate::gofmt;
use crate::value::Value;

#[derive(PartialEq, Clone, Copy)]
enum Kind {
    Bool,
    Int,
    Float,
    Str,
    Invalid,
    Other,
}

/// The value comparisons see: Go's `eq` and `lt` compare a `uint8` with any integer.
fn basic(v: &Value) -> std::borrow::Cow<'_, Value> {
    match v.as_uint8() {
        Some(b) => std::borrow::Cow::Owned(Value::Int(i64::from(b))),
        None => std::borrow::Cow::Borrowed(v),
    }
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) | Value::Int64(_) => Kind::Int,
        Value::Object(_) if v.as_uint8().is_some() => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::Str(_) => Kind::Str,
        Value::Nil => Kind::Invalid,
        _ => Kind::Other,
    }
}

/// Go's `eq arg1 arg2...`.
pub fn eq(a: &Value, rest: &[Value]) -> Result<bool, String> {
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(a);
    for b in rest {
        let k2 = basic_kind(b);
        let truth = if k1 != k2 {
            if !a.is_nil() && !b.is_nil() {
                return Err(format!(
                    "incompatible types for comparison: {} and {}",
                    a.type_name(),
                    b.type_name()
                ));
            }
            false
        } else {
            match (basic(a).as_ref(), basic(b).as_ref()) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Int(x) | Value::Int64(x), Value::Int(y) | Value::Int64(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::Str(x), Value::Str(y)) => x == y,
                (Value::Nil, Value::Nil) => true,
                (Value::Time(x), Value::Time(y)) => x == y,
                _ => {
                    if a.type_name() != b.type_name() {
                        return Err(format!(
                            "non-comparable types {}: {}, {}: {}",
                            gofmt::sprint_value(a),
                            a.type_name(),
                            b.type_name(),
                            gofmt::sprint_value(b)
                        ));
                    }
                    return Err(format!(
                        "non-comparable type {}: {}",
                        gofmt::sprint_value(b),
                        b.type_name()
                    ));
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Go's `lt a b`.
pub fn lt(a: &Value, b: &Value) -> Result<bool, String> {
    let (k1, k2) = (basic_kind(a), basic_kind(b));
    if matches!(k1, Kind::Invalid | Kind::Other | Kind::Bool) || matches!(k2, Kind::Invalid | Kind::Other | Kind::Bool)
    {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return Err(format!(
            "incompatible types for comparison: {} and {}",
            a.type_name(),
            b.type_name()
        ));
    }
    Ok(match (basic(a).as_ref(), basic(b).as_ref()) {
        (Value::Int(x) | Value::Int64(x), Value::Int(y) | Value::Int64(y)) => x < y,
        (Value::Float(x), Value::Float(y)) => x < y,
        (Value::Str(x), Value::Str(y)) => x < y,
        _ => false,
    })
}

/// Go's `html` escaping.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if !crate::gofmt::is_go_printable(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn eval_args(args: &[Value]) -> String {
    if let [Value::Str(s)] = args {
        return s.to_string();
    }
    let mapped: Vec<Value> = args
        .iter()
        .map(|a| {
            if a.is_nil() {
                Value::str("<no value>")
            } else {
                a.clone()
            }
        })
        .collect();
    gofmt::sprint(&mapped)
}

/// Go's `index` of item `v` in a `kind` ("slice", "array" or "string") of `len` items:
/// text/template's own check refuses `i < 0 || i > len`; `i == len` passes it and
/// reflect's `Index` panics instead, which the call reports as its error.
fn index_of(v: &Value, len: usize, kind: &str) -> Result<usize, String> {
    let i = match v {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Object(_) if let Some(b) = v.as_uint8() => i64::from(b),
        Value::Nil => return Err("cannot index slice/array with nil".into()),
        other => return Err(format!("cannot index slice/array with type {}", other.type_name())),
    };
    match usize::try_from(i) {
        Ok(n) if n < len => Ok(n),
        Ok(n) if n == len => Err(format!("reflect: {kind} index out of range")),
        _ => Err(format!("index out of range: {i}")),
    }
}

fn slice_index(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) | Value::Int64(i) => Ok(*i),
        Value::Nil => Err("cannot index slice/array with nil".into()),
        other => Err(format!("cannot index slice/array with type {}", other.type_name())),
    }
}

/// Register the builtins.
pub fn register(m: &mut FuncMap) {
    m.insert(
        "not".into(),
        func(&[Ty::Any], None, |_, a| Ok(Value::Bool(!a[0].truthy()))),
    );
    m.insert(
        "len".into(),
        func(&[Ty::Any], None, |c, a| {
            // A []byte's length without building its uint8 items.
            if let Value::Object(o) = &a[0]
                && let Some(b) = o.bytes()
            {
                return Ok(Value::Int(b.len() as i64));
            }
            match &*a[0].collection() {
                Value::Str(s) => Ok(Value::Int(crate::func::go_bytes(c, s).len() as i64)),
                Value::List(l) | Value::TypedList(l, _) => Ok(Value::Int(l.len() as i64)),
                Value::Map(m) => Ok(Value::Int(m.len() as i64)),
                Value::Nil => Err("len of nil pointer".into()),
                other => Err(format!("len of type {}", other.type_name())),
            }
        }),
    );
    m.insert(
        "index".into(),
        func(&[Ty::Any], Some(Ty::Any), |c, a| {
            let mut cur = a[0].clone();
            for ix in &a[1..] {
                // A map-kind host object answers keys itself (a missing key gives its zero value).
                if let (Value::Object(o), Value::Str(k)) = (&cur, ix)
                    && o.kind_name() == "map"
                    && let Some(v) = o.field(k)
                {
                    cur = v;
                    continue;
                }
                // A []byte's item without building all of them.
                if let Value::Object(o) = &cur
                    && let Some(b) = o.bytes()
                {
                    cur = Value::uint8(b[index_of(ix, b.len(), "slice")?]);
                    continue;
                }
                let kind = match &cur {
                    Value::Object(o) if o.kind_name() == "array" => "array",
                    _ => "slice",
                };
                let coll = cur.collection().into_owned();
                cur = match &coll {
                    Value::List(l) | Value::TypedList(l, _) => l[index_of(ix, l.len(), kind)?].clone(),
                    // Go indexes the string's bytes (a binary string's original ones).
                    Value::Str(s) => {
                        let b = crate::func::go_bytes(c, s);
                        Value::uint8(b[index_of(ix, b.len(), "string")?])
                    }
                    Value::Map(m) => match ix {
                        Value::Str(k) => m.get(k).unwrap_or(Value::Nil),
                        Value::Nil => Value::Nil,
                        other => return Err(format!("value has type {}; should be string", other.type_name())),
                    },
                    Value::Nil => return Err("index of untyped nil".into()),
                    // Go dereferences a pointer before indexing.
                    other => {
                        let ty = other.type_name().trim_start_matches('*');
                        return Err(format!("can't index item of type {ty}"));
                    }
                };
            }
            Ok(cur)
        }),
    );
    m.insert(
        "slice".into(),
        func(&[Ty::Any], Some(Ty::Any), |_, a| {
            let item = &a[0];
            let idx = &a[1..];
            if idx.len() > 3 {
                return Err(format!("too many slice indexes: {}", idx.len()));
            }
            let len = match item {
                Value::Str(s) => s.len(),
                Value::List(l) | Value::TypedList(l, _) => l.len(),
                Value::Nil => return Err("slice of untyped nil".into()),
                other => return Err(format!("can't slice item of type {}", other.type_name())),
            };
            if let (Value::Str(_), 3) = (item, idx.len()) {
                return Err("cannot 3-index slice a string".into());
            }
            let mut ix = [0i64, len as i64, len as i64];
            for (i, v) in idx.iter().enumerate() {
                let n = slice_index(v)?;
                if n < 0 || n > len as i64 {
                    return Err(format!("index out of range: {n}"));
                }
                ix[i] = n;
            }
            if ix[0] > ix[1] {
                return Err(format!("invalid slice index: {} > {}", ix[0], ix[1]));
            }
            if idx.len() == 3 && ix[1] > ix[2] {
                return Err(format!("invalid slice index: {} > {}", ix[1], ix[2]));
            }
            let (lo, hi) = (ix[0] as usize, ix[1] as usize);
            Ok(match item {
                Value::Str(s) => Value::str(s.get(lo..hi).unwrap_or_default()),
                Value::List(l) => Value::list(l[lo..hi].to_vec()),
                Value::TypedList(l, t) => Value::TypedList(std::sync::Arc::new(l[lo..hi].to_vec()), t),
                _ => Value::Nil,
            })
        }),
    );
    m.insert(
        "eq".into(),
        func(&[Ty::Any], Some(Ty::Any), |_, a| Ok(Value::Bool(eq(&a[0], &a[1..])?))),
    );
    m.insert(
        "ne".into(),
        func(&[Ty::Any, Ty::Any], None, |_, a| Ok(Value::Bool(!eq(&a[0], &a[1..])?))),
    );
    m.insert(
        "lt".into(),
        func(&[Ty::Any, Ty::Any], None, |_, a| Ok(Value::Bool(lt(&a[0], &a[1])?))),
    );
    m.insert(
        "le".into(),
        func(&[Ty::Any, Ty::Any], None, |_, a| {
            Ok(Value::Bool(lt(&a[0], &a[1])? || eq(&a[0], &a[1..])?))
        }),
    );
    m.insert(
        "gt".into(),
        func(&[Ty::Any, Ty::Any], None, |_, a| {
            Ok(Value::Bool(!(lt(&a[0], &a[1])? || eq(&a[0], &a[1..])?)))
        }),
    );
    m.insert(
        "ge".into(),
        func(&[Ty::Any, Ty::Any], None, |_, a| Ok(Value::Bool(!lt(&a[0], &a[1])?))),
    );
    m.insert(
        "print".into(),
        func(&[], Some(Ty::Any), |_, a| Ok(Value::str(gofmt::sprint(&a)))),
    );
    m.insert(
        "println".into(),
        func(&[], Some(Ty::Any), |_, a| Ok(Value::str(gofmt::sprintln(&a)))),
    );
    m.insert(
        "printf".into(),
        func(&[Ty::Str], Some(Ty::Any), |c, a| {
            let mut a = a;
            // Binary text keeps its bytes for the verbs that show them (%q, %x).
            for v in &mut a[1..] {
                if let Value::Str(s) = v
                    && let Some(b) = c.binary_bytes(s)
                {
                    *v = Value::binary_string(s.clone(), b);
                }
            }
            let f = a[0].as_str().unwrap_or_default();
            Ok(Value::str(gofmt::sprintf(f, &a[1..])))
        }),
    );
    m.insert(
        "html".into(),
        func(&[], Some(Ty::Any), |_, a| Ok(Value::str(html_escape(&eval_args(&a))))),
    );
    m.insert(
        "js".into(),
        func(&[], Some(Ty::Any), |_, a| Ok(Value::str(js_escape(&eval_args(&a))))),
    );
    m.insert(
        "urlquery".into(),
        func(&[], Some(Ty::Any), |_, a| Ok(Value::str(query_escape(&eval_args(&a))))),
    );
    m.insert(
        "call".into(),
        func(&[Ty::Any], Some(Ty::Any), |_, a| {
            Err(format!(
                "non-function {} of type {}",
                gofmt::sprint_value(&a[0]),
                a[0].type_name()
            ))
        }),
    );
}
