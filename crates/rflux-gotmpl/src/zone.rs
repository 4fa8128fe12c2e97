//! Time zones for `dateInZone` and friends, as Go's `time.LoadLocation` finds them: the
//! system's zoneinfo files (TZif, with the POSIX TZ rule at their end for later times).

use std::sync::{Mutex, OnceLock};

/// A loaded zone: transitions and the types they switch to, plus the footer rule.
#[derive(Debug, Clone)]
struct Zone {
    transitions: Vec<(i64, usize)>,
    types: Vec<(i32, String)>,
    rule: Option<Rule>,
}

/// A zone name and its UTC offset in seconds.
type Named = (String, i32);

/// Daylight time: its name and offset, then start and end dates with their local times.
type Dst = (Named, RuleDate, i32, RuleDate, i32);

#[derive(Debug, Clone)]
struct Rule {
    std: Named,
    dst: Option<Dst>,
}

/// Zones loaded so far, by name (`None`: not found).
type ZoneCache = Mutex<Vec<(String, Option<Zone>)>>;

#[derive(Debug, Clone, Copy)]
enum RuleDate {
    /// Jn: day 1..365, February 29 never counted.
    Julian1(u32),
    /// n: day 0..365, leap days counted.
    Julian0(u32),
    /// Mm.w.d
    Month(u32, u32, u32),
}

fn be32(b: &[u8], i: usize) -> Option<i64> {
    Some(i32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?) as i64)
}

fn be64(b: &[u8], i: usize) -> Option<i64> {
    Some(i64::from_be_bytes(b.get(i..i + 8)?.try_into().ok()?))
}

fn parse_tzif(b: &[u8]) -> Option<Zone> {
    if b.get(..4)? != b"TZif" {
        return None;
    }
    let version = *b.get(4)?;
    let counts = |at: usize| -> Option<[usize; 6]> {
        let mut c = [0usize; 6];
        for (k, slot) in c.iter_mut().enumerate() {
            *slot = be32(b, at + 20 + 4 * k)? as usize;
        }
        Some(c)
    };
    let [isut, isstd, leap, time, typ, chars] = counts(0)?;
    let v1_len = time * 5 + typ * 6 + chars + leap * 8 + isstd + isut;
    let (base, tsize, [isut, isstd, leap, time, typ, chars]) = if version >= b'2' {
        (44 + v1_len, 8usize, counts(44 + v1_len)?)
    } else {
        (0, 4usize, [isut, isstd, leap, time, typ, chars])
    };
    let mut p = base + 44;
    let mut times = Vec::with_capacity(time);
    for k in 0..time {
        times.push(if tsize == 8 {
            be64(b, p + 8 * k)?
        } else {
            be32(b, p + 4 * k)?
        });
    }
    p += time * tsize;
    let idx: Vec<usize> = b.get(p..p + time)?.iter().map(|x| *x as usize).collect();
    p += time;
    let mut raw_types = Vec::with_capacity(typ);
    for k in 0..typ {
        let q = p + 6 * k;
        raw_types.push((be32(b, q)? as i32, *b.get(q + 5)? as usize));
    }
    p += typ * 6;
    let abbrs = b.get(p..p + chars)?;
    p += chars + leap * (tsize + 4) + isstd + isut;
    let types = raw_types
        .iter()
        .map(|(off, ai)| {
            let s = abbrs.get(*ai..).unwrap_or_default();
            let end = s.iter().position(|c| *c == 0).unwrap_or(s.len());
            (*off, String::from_utf8_lossy(&s[..end]).into_owned())
        })
        .collect();
    let rule = if version >= b'2' {
        let footer = b.get(p..).unwrap_or_default();
        let text = String::from_utf8_lossy(footer);
        parse_rule(text.trim_matches('\n'))
    } else {
        None
    };
    Some(Zone {
        transitions: times.into_iter().zip(idx).collect(),
        types,
        rule,
    })
}

fn parse_name(s: &str) -> Option<(String, &str)> {
    if let Some(rest) = s.strip_prefix('<') {
        let end = rest.find('>')?;
        return Some((rest[..end].to_string(), &rest[end + 1..]));
    }
    let n = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    if n < 3 {
        return None;
    }
    Some((s[..n].to_string(), &s[n..]))
}

/// `[+-]hh[:mm[:ss]]` in seconds.
fn parse_hms(s: &str) -> Option<(i32, &str)> {
    let (sign, s) = match s.as_bytes().first() {
        Some(b'-') => (-1, &s[1..]),
        Some(b'+') => (1, &s[1..]),
        _ => (1, s),
    };
    let mut total = 0i32;
    let mut rest = s;
    for (k, mult) in [3600, 60, 1].iter().enumerate() {
        if k > 0 {
            match rest.strip_prefix(':') {
                Some(r) => rest = r,
                None => break,
            }
        }
        let n = rest.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        total += rest[..n].parse::<i32>().ok()? * mult;
        rest = &rest[n..];
    }
    Some((sign * total, rest))
}

fn parse_date(s: &str) -> Option<(RuleDate, i32, &str)> {
    let (date, rest) = if let Some(r) = s.strip_prefix('J') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        (RuleDate::Julian1(r[..n].parse().ok()?), &r[n..])
    } else if let Some(r) = s.strip_prefix('M') {
        let mut it = r.splitn(3, '.');
        let m: u32 = it.next()?.parse().ok()?;
        let w: u32 = it.next()?.parse().ok()?;
        let tail = it.next()?;
        let n = tail.bytes().take_while(u8::is_ascii_digit).count();
        let d: u32 = tail[..n].parse().ok()?;
        let consumed = r.len() - tail.len() + n;
        (RuleDate::Month(m, w, d), &r[consumed..])
    } else {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        (RuleDate::Julian0(s[..n].parse().ok()?), &s[n..])
    };
    let (time, rest) = match rest.strip_prefix('/') {
        Some(r) => parse_hms(r)?,
        None => (7200, rest),
    };
    Some((date, time, rest))
}

fn parse_rule(s: &str) -> Option<Rule> {
    if s.is_empty() {
        return None;
    }
    let (std_name, rest) = parse_name(s)?;
    let (std_off, rest) = parse_hms(rest)?;
    let std = (std_name, -std_off);
    if rest.is_empty() {
        return Some(Rule { std, dst: None });
    }
    let (dst_name, rest) = parse_name(rest)?;
    let (dst_off, rest) = if rest.starts_with(',') {
        (std.1 + 3600, rest)
    } else {
        let (o, r) = parse_hms(rest)?;
        (-o, r)
    };
    let rest = rest.strip_prefix(',')?;
    let (start, st, rest) = parse_date(rest)?;
    let rest = rest.strip_prefix(',')?;
    let (end, et, _) = parse_date(rest)?;
    Some(Rule {
        std,
        dst: Some(((dst_name, dst_off), start, st, end, et)),
    })
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 } as i64;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// Seconds from the start of `year` (local) to the rule date.
fn rule_day_secs(year: i64, d: RuleDate) -> i64 {
    let day = match d {
        RuleDate::Julian1(n) => {
            let mut n = n as i64 - 1;
            if is_leap(year) && n >= 59 {
                n += 1;
            }
            n
        }
        RuleDate::Julian0(n) => n as i64,
        RuleDate::Month(m, w, wd) => {
            let first = days_from_civil(year, m, 1);
            let jan1 = days_from_civil(year, 1, 1);
            let dow_first = (first + 4).rem_euclid(7); // 1970-01-01 was a Thursday
            let mut day = (wd as i64 - dow_first).rem_euclid(7) + 7 * (w as i64 - 1);
            let mdays = [
                31,
                if is_leap(year) { 29 } else { 28 },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ];
            while day >= mdays[(m as usize - 1).min(11)] {
                day -= 7;
            }
            first - jan1 + day
        }
    };
    day * 86_400
}

fn apply_rule(r: &Rule, secs: i64) -> (i32, String) {
    let Some((dst, start, st, end, et)) = &r.dst else {
        return (r.std.1, r.std.0.clone());
    };
    let local = secs + r.std.1 as i64;
    let year = {
        let days = local.div_euclid(86_400);
        // civil year of `days`
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        yoe + era * 400 + i64::from(m <= 2)
    };
    let ystart = days_from_civil(year, 1, 1) * 86_400;
    // transition instants in UTC
    let s = ystart + rule_day_secs(year, *start) + *st as i64 - r.std.1 as i64;
    let e = ystart + rule_day_secs(year, *end) + *et as i64 - dst.1 as i64;
    let in_dst = if s < e {
        secs >= s && secs < e
    } else {
        !(secs >= e && secs < s)
    };
    if in_dst {
        (dst.1, dst.0.clone())
    } else {
        (r.std.1, r.std.0.clone())
    }
}

fn load(name: &str) -> Option<Zone> {
    if name.is_empty() || name.starts_with('/') || name.split('/').any(|p| p == "..") || name.contains('\\') {
        return None;
    }
    let dirs = [
        "/usr/share/zoneinfo/",
        "/usr/share/lib/zoneinfo/",
        "/usr/lib/locale/TZ/",
        "/etc/zoneinfo/",
    ];
    let mut candidates: Vec<String> = Vec::new();
    if let Ok(dir) = std::env::var("ZONEINFO") {
        candidates.push(format!("{}/{name}", dir.trim_end_matches('/')));
    }
    candidates.extend(dirs.iter().map(|d| format!("{d}{name}")));
    candidates
        .iter()
        .find_map(|p| std::fs::read(p).ok().and_then(|b| parse_tzif(&b)))
}

fn local_zone() -> Option<Zone> {
    match std::env::var("TZ") {
        Ok(tz) if tz.is_empty() || tz == "UTC" => None,
        Ok(tz) => load(tz.trim_start_matches(':')),
        Err(_) => std::fs::read("/etc/localtime").ok().and_then(|b| parse_tzif(&b)),
    }
}

/// UTC offset and abbreviation of zone `name` at Unix time `secs`, as Go's
/// `time.LoadLocation` + `In` give them. `None` for UTC and for unknown zones (which Go's
/// Sprig functions treat as UTC). "Local" is the process's zone (`TZ`, `/etc/localtime`).
pub fn offset_at(name: &str, secs: i64) -> Option<(i32, String)> {
    static CACHE: OnceLock<ZoneCache> = OnceLock::new();
    if name == "UTC" || name.is_empty() {
        return None;
    }
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    let zone = {
        let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
        match c.iter().find(|(n, _)| n == name) {
            Some((_, z)) => z.clone(),
            None => {
                let z = if name == "Local" { local_zone() } else { load(name) };
                c.push((name.to_string(), z.clone()));
                z
            }
        }
    }?;
    let pos = zone.transitions.partition_point(|(t, _)| *t <= secs);
    if pos == zone.transitions.len()
        && let Some(rule) = &zone.rule
    {
        return Some(apply_rule(rule, secs));
    }
    let ty = if pos == 0 {
        // before the first transition: the first standard-time type, as Go picks it
        zone.types.iter().position(|_| true).unwrap_or(0)
    } else {
        zone.transitions[pos - 1].1
    };
    zone.types.get(ty).cloned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn posix_rules() {
        let r = super::parse_rule("EST5EDT,M3.2.0,M11.1.0").unwrap();
        // 2023-11-14 22:13:20 UTC is EST; 2023-07-01 12:00 UTC is EDT
        assert_eq!(super::apply_rule(&r, 1_700_000_000), (-18000, "EST".into()));
        assert_eq!(super::apply_rule(&r, 1_688_212_800), (-14400, "EDT".into()));
        let r = super::parse_rule("<+0330>-3:30").unwrap();
        assert_eq!(super::apply_rule(&r, 0), (12600, "+0330".into()));
        let r = super::parse_rule("AEST-10AEDT,M10.1.0,M4.1.0/3").unwrap();
        assert_eq!(super::apply_rule(&r, 1_700_000_000).1, "AEDT");
    }
}
