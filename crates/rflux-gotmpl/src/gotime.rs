//! Go `time` pieces Sprig's date functions need: civil dates from Unix time, Go layout
//! formatting and parsing (`2006-01-02T15:04:05Z07:00`), and `time.Duration` printing.
//! Time zones: UTC and fixed offsets only ("Local" is UTC).

/// Go's `time.RFC3339Nano` layout (used for JSON).
pub const RFC3339_NANO: &str = "2006-01-02T15:04:05.999999999Z07:00";

/// An instant with the offset it is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time {
    /// Unix seconds.
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
    /// Offset from UTC in seconds.
    pub offset: i32,
    /// Zone abbreviation (`EST`), NUL-padded; empty when unknown.
    pub abbr: [u8; 8],
}

impl Time {
    /// Current time (UTC).
    pub fn now() -> Time {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Time {
            secs: d.as_secs() as i64,
            nanos: d.subsec_nanos(),
            offset: 0,
            abbr: [0; 8],
        }
    }

    /// The zone abbreviation, if known.
    pub fn abbr_str(&self) -> &str {
        let end = self.abbr.iter().position(|c| *c == 0).unwrap_or(self.abbr.len());
        std::str::from_utf8(&self.abbr[..end]).unwrap_or_default()
    }

    /// The same instant shown in zone `name` ("Local", "UTC" or an IANA name; unknown
    /// names give UTC, as Sprig's date functions do).
    pub fn in_zone(self, name: &str) -> Time {
        match crate::zone::offset_at(name, self.secs) {
            Some((offset, ab)) => {
                let mut abbr = [0u8; 8];
                let n = ab.len().min(8);
                abbr[..n].copy_from_slice(&ab.as_bytes()[..n]);
                Time { offset, abbr, ..self }
            }
            None => Time {
                offset: 0,
                abbr: [0; 8],
                ..self
            },
        }
    }

    /// Unix seconds (UTC).
    pub fn unix(secs: i64) -> Time {
        Time {
            secs,
            nanos: 0,
            offset: 0,
            abbr: [0; 8],
        }
    }
}

fn days_to_civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn civil_to_days(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 } as i64;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
    wday: usize,
    yday: u32,
}

fn civil(t: &Time) -> Civil {
    // Keep far-away instants within what the calendar arithmetic can hold.
    let local = t.secs.clamp(-(1 << 50), 1 << 50) + t.offset as i64;
    let days = local.div_euclid(86_400);
    let rem = local.rem_euclid(86_400) as u32;
    let (year, month, day) = days_to_civil(days);
    let yday = (days - civil_to_days(year, 1, 1)) as u32 + 1;
    Civil {
        year,
        month,
        day,
        hour: rem / 3600,
        min: rem / 60 % 60,
        sec: rem % 60,
        wday: (days + 4).rem_euclid(7) as usize,
        yday,
    }
}

/// Layout elements Go recognizes, longest first where prefixes overlap.
const TOKENS: [&str; 35] = [
    "January",
    "Monday",
    "2006",
    "-07:00:00",
    "-0700",
    "-07:00",
    "-07",
    "Z07:00:00",
    "Z0700",
    "Z07:00",
    "Z07",
    "Jan",
    "Mon",
    "MST",
    "002",
    "__2",
    "_2",
    "01",
    "02",
    "03",
    "04",
    "05",
    "06",
    "15",
    "PM",
    "pm",
    "1",
    "2",
    "3",
    "4",
    "5",
    ".000",
    ".999",
    ",000",
    ",999",
];

fn next_token(layout: &str) -> Option<(usize, &'static str, usize)> {
    // returns (start, token, len) of the first layout element
    let b = layout.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // fractional seconds: [.,] followed by 0s or 9s, not followed by a digit
        if (b[i] == b'.' || b[i] == b',') && i + 1 < b.len() && (b[i + 1] == b'0' || b[i + 1] == b'9') {
            let ch = b[i + 1];
            let mut j = i + 1;
            while j < b.len() && b[j] == ch {
                j += 1;
            }
            if !(j < b.len() && b[j].is_ascii_digit()) {
                return Some((i, if ch == b'0' { ".000" } else { ".999" }, j - i));
            }
        }
        for t in TOKENS {
            if t.starts_with('.') || t.starts_with(',') {
                continue;
            }
            if layout[i..].starts_with(t) {
                // Go: "Jan"/"Mon" need to not be followed by a lowercase letter
                if (t == "Jan" || t == "Mon") && layout[i + 3..].starts_with(|c: char| c.is_ascii_lowercase()) {
                    continue;
                }
                return Some((i, t, t.len()));
            }
        }
        i += layout[i..].chars().next().map(char::len_utf8).unwrap_or(1);
    }
    None
}

fn offset_str(off: i32, colon: bool, secs: bool, short: bool) -> String {
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    if short {
        return format!("{sign}{h:02}");
    }
    let mut out = if colon {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    };
    if secs {
        out.push_str(&if colon { format!(":{s:02}") } else { format!("{s:02}") });
    }
    out
}

fn hour12(h: u32) -> u32 {
    if h.is_multiple_of(12) { 12 } else { h % 12 }
}

/// Go's `Time.Format(layout)`.
pub fn format(t: &Time, layout: &str) -> String {
    let c = civil(t);
    let mut out = String::new();
    let mut rest = layout;
    while let Some((start, tok, len)) = next_token(rest) {
        out.push_str(&rest[..start]);
        let elem = &rest[start..start + len];
        match tok {
            "2006" => out.push_str(&format!("{:04}", c.year)),
            "06" => out.push_str(&format!("{:02}", c.year.rem_euclid(100))),
            "January" => out.push_str(MONTHS[c.month as usize - 1]),
            "Jan" => out.push_str(&MONTHS[c.month as usize - 1][..3]),
            "01" => out.push_str(&format!("{:02}", c.month)),
            "1" => out.push_str(&c.month.to_string()),
            "Monday" => out.push_str(DAYS[c.wday]),
            "Mon" => out.push_str(&DAYS[c.wday][..3]),
            "02" => out.push_str(&format!("{:02}", c.day)),
            "_2" => out.push_str(&format!("{:>2}", c.day)),
            "2" => out.push_str(&c.day.to_string()),
            "002" => out.push_str(&format!("{:03}", c.yday)),
            "__2" => out.push_str(&format!("{:>3}", c.yday)),
            "15" => out.push_str(&format!("{:02}", c.hour)),
            "03" => out.push_str(&format!("{:02}", hour12(c.hour))),
            "3" => out.push_str(&hour12(c.hour).to_string()),
            "04" => out.push_str(&format!("{:02}", c.min)),
            "4" => out.push_str(&c.min.to_string()),
            "05" => out.push_str(&format!("{:02}", c.sec)),
            "5" => out.push_str(&c.sec.to_string()),
            "PM" => out.push_str(if c.hour >= 12 { "PM" } else { "AM" }),
            "pm" => out.push_str(if c.hour >= 12 { "pm" } else { "am" }),
            "MST" => {
                if !t.abbr_str().is_empty() {
                    out.push_str(t.abbr_str());
                } else if t.offset == 0 {
                    out.push_str("UTC");
                } else {
                    out.push_str(&offset_str(t.offset, false, false, false));
                }
            }
            "-0700" | "-07:00" | "-07" | "-07:00:00" => {
                out.push_str(&offset_str(t.offset, tok.contains(':'), tok.len() > 6, tok == "-07"))
            }
            "Z0700" | "Z07:00" | "Z07" | "Z07:00:00" => {
                if t.offset == 0 {
                    out.push('Z');
                } else {
                    out.push_str(&offset_str(t.offset, tok.contains(':'), tok.len() > 6, tok == "Z07"));
                }
            }
            ".000" | ".999" => {
                let digits = len - 1;
                let frac = format!("{:09}", t.nanos);
                let mut f = frac[..digits.min(9)].to_string();
                if tok == ".999" {
                    while f.ends_with('0') {
                        f.pop();
                    }
                    if !f.is_empty() {
                        out.push_str(&elem[..1]);
                        out.push_str(&f);
                    }
                } else {
                    out.push_str(&elem[..1]);
                    out.push_str(&f);
                }
            }
            _ => out.push_str(elem),
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// Go's default `%v` of a `time.Time`.
pub fn to_go_string(t: &Time) -> String {
    format(t, "2006-01-02 15:04:05.999999999 -0700 MST")
}

fn take_num(s: &str, min: usize, max: usize) -> Option<(i64, &str)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

/// Go's `time.Parse(layout, value)` for the numeric layout elements; `Err` is Go-like.
pub fn parse(layout: &str, value: &str) -> Result<Time, String> {
    let q = crate::gofmt::go_quote;
    let bad_at = |rest: &str, elem: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            q(value),
            q(layout),
            q(rest),
            q(elem)
        )
    };
    let (mut y, mut mo, mut d, mut h, mut mi, mut s, mut nanos, mut off) =
        (1i64, 1u32, 1u32, 0u32, 0u32, 0u32, 0u32, 0i32);
    let mut pm: Option<bool> = None;
    let mut lay = layout;
    let mut val = value;
    while let Some((start, tok, len)) = next_token(lay) {
        let lit = &lay[..start];
        val = val.strip_prefix(lit).ok_or_else(|| bad_at(val, lit))?;
        let elem = &lay[start..start + len];
        let here = val;
        let bad = || bad_at(here, elem);
        lay = &lay[start + len..];
        match tok {
            "2006" => (y, val) = take_num(val, 4, 4).ok_or_else(bad)?,
            "06" => {
                let (v, r) = take_num(val, 2, 2).ok_or_else(bad)?;
                y = if v >= 69 { 1900 + v } else { 2000 + v };
                val = r;
            }
            "01" | "1" => {
                let (v, r) = take_num(val, if tok == "01" { 2 } else { 1 }, 2).ok_or_else(bad)?;
                mo = v as u32;
                val = r;
            }
            "Jan" | "January" => {
                let idx = MONTHS
                    .iter()
                    .position(|m| {
                        if tok == "Jan" {
                            val.starts_with(&m[..3])
                        } else {
                            val.starts_with(m)
                        }
                    })
                    .ok_or_else(bad)?;
                val = &val[if tok == "Jan" { 3 } else { MONTHS[idx].len() }..];
                mo = idx as u32 + 1;
            }
            "Mon" | "Monday" => {
                let idx = DAYS
                    .iter()
                    .position(|m| {
                        if tok == "Mon" {
                            val.starts_with(&m[..3])
                        } else {
                            val.starts_with(m)
                        }
                    })
                    .ok_or_else(bad)?;
                val = &val[if tok == "Mon" { 3 } else { DAYS[idx].len() }..];
            }
            "02" | "2" | "_2" => {
                let v2 = if tok == "_2" {
                    val.strip_prefix(' ').unwrap_or(val)
                } else {
                    val
                };
                let (v, r) = take_num(v2, if tok == "02" { 2 } else { 1 }, 2).ok_or_else(bad)?;
                d = v as u32;
                val = r;
            }
            "15" | "03" | "3" => {
                let (v, r) = take_num(val, if tok == "3" { 1 } else { 2 }, 2).ok_or_else(bad)?;
                h = v as u32;
                val = r;
            }
            "04" | "4" => {
                let (v, r) = take_num(val, if tok == "4" { 1 } else { 2 }, 2).ok_or_else(bad)?;
                mi = v as u32;
                val = r;
            }
            "05" | "5" => {
                let (v, r) = take_num(val, if tok == "5" { 1 } else { 2 }, 2).ok_or_else(bad)?;
                s = v as u32;
                val = r;
                // Go accepts a fractional second after seconds even if the layout has none
                if let Some(fr) = val.strip_prefix('.')
                    && !lay.starts_with('.')
                {
                    let n = fr.bytes().take_while(u8::is_ascii_digit).count();
                    if n > 0 {
                        nanos = format!("{:0<9}", &fr[..n.min(9)]).parse().unwrap_or(0);
                        val = &fr[n..];
                    }
                }
            }
            "PM" | "pm" => {
                let up = val.get(..2).map(|x| x.to_ascii_uppercase()).ok_or_else(bad)?;
                pm = Some(match up.as_str() {
                    "PM" => true,
                    "AM" => false,
                    _ => return Err(bad()),
                });
                val = &val[2..];
            }
            ".000" | ".999" => {
                if let Some(fr) = val.strip_prefix(['.', ',']) {
                    let n = fr.bytes().take_while(u8::is_ascii_digit).count();
                    nanos = format!("{:0<9}", &fr[..n.min(9)]).parse().unwrap_or(0);
                    val = &fr[n..];
                } else if tok == ".000" {
                    return Err(bad());
                }
            }
            "MST" => {
                let n = val.bytes().take_while(u8::is_ascii_uppercase).count();
                if n < 3 {
                    return Err(bad());
                }
                val = &val[n..];
            }
            _ => {
                // zone offsets
                if tok.starts_with('Z') && val.starts_with('Z') {
                    val = &val[1..];
                    off = 0;
                } else {
                    let sign = match val.as_bytes().first() {
                        Some(b'+') => 1,
                        Some(b'-') => -1,
                        _ => return Err(bad()),
                    };
                    let (hh, r) = take_num(&val[1..], 2, 2).ok_or_else(bad)?;
                    let mut r = r;
                    let mut mm = 0;
                    if tok.ends_with("07") {
                    } else {
                        r = r.strip_prefix(':').filter(|_| tok.contains(':')).unwrap_or(r);
                        let (m2, r2) = take_num(r, 2, 2).ok_or_else(bad)?;
                        mm = m2;
                        r = r2;
                    }
                    off = sign * (hh * 3600 + mm * 60) as i32;
                    val = r;
                }
            }
        }
    }
    val = val.strip_prefix(lay).ok_or_else(|| bad_at(val, lay))?;
    if !val.is_empty() {
        return Err(format!("parsing time {value:?}: extra text: {val:?}"));
    }
    if let Some(p) = pm {
        if h > 12 {
            return Err(format!("parsing time {}: hour out of range", q(value)));
        }
        if p && h < 12 {
            h += 12;
        } else if !p && h == 12 {
            h = 0;
        }
    }
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 59 {
        return Err(format!("parsing time {value:?}: month/day/hour out of range"));
    }
    let days = civil_to_days(y, mo, d);
    let secs = days * 86_400 + (h * 3600 + mi * 60 + s) as i64 - off as i64;
    Ok(Time {
        secs,
        nanos,
        offset: off,
        abbr: [0; 8],
    })
}

/// Go's `time.Duration.String()` for a number of nanoseconds.
pub fn duration_string(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let neg = ns < 0;
    let u = ns.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (unit, div) = if u < 1_000 {
            ("ns", 1)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&frac_str(u, div));
        out.push_str(unit);
    } else {
        let secs_total = u / 1_000_000_000;
        let h = secs_total / 3600;
        let m = secs_total / 60 % 60;
        let sub = u % 60_000_000_000;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&frac_str(sub, 1_000_000_000));
        out.push('s');
    }
    if neg { format!("-{out}") } else { out }
}

fn frac_str(v: u64, div: u64) -> String {
    let int = v / div;
    let mut frac = v % div;
    if frac == 0 {
        return int.to_string();
    }
    let mut width = div.to_string().len() - 1;
    let mut digits = String::new();
    while width > 0 {
        let p = 10u64.pow(width as u32 - 1);
        digits.push(char::from(b'0' + (frac / p) as u8));
        frac %= p;
        width -= 1;
    }
    format!("{int}.{}", digits.trim_end_matches('0'))
}

/// Go's `time.ParseDuration`, in nanoseconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let orig = s;
    let bad = || format!("time: invalid duration {}", crate::gofmt::go_quote(orig));
    let (neg, mut s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(bad());
    }
    let mut total: f64 = 0.0;
    while !s.is_empty() {
        let n = s.bytes().take_while(|c| c.is_ascii_digit() || *c == b'.').count();
        if n == 0 {
            return Err(bad());
        }
        let num: f64 = s[..n].parse().map_err(|_| bad())?;
        s = &s[n..];
        let u = s.bytes().take_while(|c| !(c.is_ascii_digit() || *c == b'.')).count();
        let unit = &s[..u];
        s = &s[u..];
        let mult = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => {
                return Err(format!(
                    "time: missing unit in duration {}",
                    crate::gofmt::go_quote(orig)
                ));
            }
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    crate::gofmt::go_quote(unit),
                    crate::gofmt::go_quote(orig)
                ));
            }
        };
        total += num * mult;
    }
    if !total.is_finite() || total >= 9.2e18 {
        return Err(bad());
    }
    let v = total.round() as i64;
    Ok(if neg { -v } else { v })
}
