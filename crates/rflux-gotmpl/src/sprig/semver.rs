//! Sprig's `semverCompare`: Masterminds semver constraints (the subset charts use).

use super::*;

type Ver = (u64, u64, u64, String);

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

/// Register this family.
pub fn register(m: &mut FuncMap) {
    use Ty::*;
    let mut add = |name: &str, f: crate::func::Func| {
        m.insert(name.to_string(), f);
    };
    // ---- semver
    add(
        "semverCompare",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::Bool(semver_check(s(&a, 0), s(&a, 1))?))
        }),
    );
}
