//! Sprig's URL functions (`urlParse`, `urlJoin`), `hello`, `shuffle`,
//! `getHostByName`, and aliases (`osBase`, `mustChunk`, …).

use super::*;

fn url_parse(u: &str) -> Result<Value, String> {
    let mut m = Map::new();
    let (rest, fragment) = u.split_once('#').unwrap_or((u, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (scheme, rest) = match rest.split_once(':') {
        Some((sch, r)) if !sch.is_empty() && sch.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) => {
            (sch.to_ascii_lowercase(), r)
        }
        _ => (String::new(), rest),
    };
    let (mut host, mut userinfo, mut path, mut opaque) =
        (String::new(), String::new(), rest.to_string(), String::new());
    if let Some(r) = rest.strip_prefix("//") {
        let (authority, p) = match r.find('/') {
            Some(i) => (&r[..i], &r[i..]),
            None => (r, ""),
        };
        path = p.to_string();
        match authority.rsplit_once('@') {
            Some((ui, h)) => {
                userinfo = ui.to_string();
                host = h.to_string();
            }
            None => host = authority.to_string(),
        }
    } else if !scheme.is_empty() && !rest.starts_with('/') {
        opaque = rest.to_string();
        path.clear();
    }
    let hostname = if host.starts_with('[') {
        host.split(']').next().unwrap_or("").trim_start_matches('[').to_string()
    } else {
        host.rsplit_once(':')
            .map(|(h, _)| h.to_string())
            .unwrap_or_else(|| host.clone())
    };
    m.insert("scheme".into(), Value::str(scheme));
    m.insert("host".into(), Value::str(host));
    m.insert("hostname".into(), Value::str(hostname));
    m.insert("path".into(), Value::str(path));
    m.insert("query".into(), Value::str(query));
    m.insert("opaque".into(), Value::str(opaque));
    m.insert("fragment".into(), Value::str(fragment));
    m.insert("userinfo".into(), Value::str(userinfo));
    Ok(Value::map(m))
}

fn url_join(v: &Value) -> String {
    let get = |k: &str| {
        v.as_map()
            .and_then(|m| m.get(k))
            .map(|x| strval(&x))
            .unwrap_or_default()
    };
    let mut out = String::new();
    let scheme = get("scheme");
    if !scheme.is_empty() {
        out.push_str(&scheme);
        out.push(':');
    }
    let opaque = get("opaque");
    if !opaque.is_empty() {
        out.push_str(&opaque);
    } else {
        let host = get("host");
        let userinfo = get("userinfo");
        if !host.is_empty() || !userinfo.is_empty() || !scheme.is_empty() {
            out.push_str("//");
            if !userinfo.is_empty() {
                out.push_str(&userinfo);
                out.push('@');
            }
            out.push_str(&host);
        }
        let path = get("path");
        if !path.is_empty() && !path.starts_with('/') && !host.is_empty() {
            out.push('/');
        }
        out.push_str(&path);
    }
    let q = get("query");
    if !q.is_empty() {
        out.push('?');
        out.push_str(&q);
    }
    let f = get("fragment");
    if !f.is_empty() {
        out.push('#');
        out.push_str(&f);
    }
    out
}

/// Register this family.
pub fn register(m: &mut FuncMap) {
    use Ty::*;
    let mut add = |name: &str, f: crate::func::Func| {
        m.insert(name.to_string(), f);
    };
    // ---- URLs
    add("urlParse", func(&[Str], None, |_, a| url_parse(s(&a, 0))));
    add("urlJoin", func(&[Map], None, |_, a| Ok(Value::str(url_join(&a[0])))));
    // ---- misc
    add("hello", func(&[], None, |_, _| Ok(Value::str("Hello!"))));
    add(
        "trimall",
        func(&[Str, Str], None, |_, a| {
            let cut: Vec<char> = s(&a, 0).chars().collect();
            Ok(Value::str(s(&a, 1).trim_matches(|c| cut.contains(&c))))
        }),
    );
    add(
        "shuffle",
        func(&[Str], None, |_, a| {
            let mut chars: Vec<char> = s(&a, 0).chars().collect();
            for i in (1..chars.len()).rev() {
                let j = (crate::sprig::random_u64() % (i as u64 + 1)) as usize;
                chars.swap(i, j);
            }
            Ok(Value::str(chars.into_iter().collect::<String>()))
        }),
    );
    add(
        "getHostByName",
        func(&[Str], None, |_, a| {
            use std::net::ToSocketAddrs;
            match (s(&a, 0), 0u16).to_socket_addrs() {
                Ok(mut addrs) => Ok(Value::str(addrs.next().map(|x| x.ip().to_string()).unwrap_or_default())),
                Err(_) => Err("runtime error: index out of range [0] with length 0".into()),
            }
        }),
    );
    for (name, f) in [
        ("osBase", "base"),
        ("osClean", "clean"),
        ("osDir", "dir"),
        ("osExt", "ext"),
        ("osIsAbs", "isAbs"),
    ] {
        if let Some(func) = m.get(f).cloned() {
            m.insert(name.to_string(), func);
        }
    }
    if let Some(func) = m.get("chunk").cloned() {
        m.insert("mustChunk".to_string(), func);
    }
}
