//! Text forms of times and durations as Go's `time` package writes them:
//! RFC 3339 in UTC (seconds or microseconds) and `time.Duration.String()`.

use std::fmt::Write as _;

/// Seconds from 0001-01-01T00:00:00Z (Go's zero time) to the Unix epoch, negated.
pub(crate) const GO_ZERO_TIME_UNIX: i64 = -62_135_596_800;

/// Civil date of a day count since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `2006-01-02T15:04:05Z`, with `.000000` microseconds when `micros` is given.
/// None when the year is outside 0..=9999.
pub(crate) fn rfc3339(seconds: i64, micros: Option<u32>) -> Option<String> {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return None;
    }
    let mut out = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if let Some(us) = micros {
        let _ = write!(out, ".{us:06}");
    }
    out.push('Z');
    Some(out)
}

/// Go's `time.Duration(nanos).String()`: "1h2m3.5s", "300ms", "1.5µs", "0s".
pub(crate) fn go_duration(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".to_string();
    }
    let neg = nanos < 0;
    let u = nanos.unsigned_abs();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if u < 1_000_000_000 {
        let (prec, unit) = if u < 1_000 {
            (0, "ns")
        } else if u < 1_000_000 {
            (3, "µs")
        } else {
            (6, "ms")
        };
        let scale = 10u64.pow(prec);
        out.push_str(&(u / scale).to_string());
        push_fraction(&mut out, u % scale, prec);
        out.push_str(unit);
        return out;
    }
    let total_secs = u / 1_000_000_000;
    let frac = u % 1_000_000_000;
    let hours = total_secs / 3600;
    let minutes = total_secs / 60 % 60;
    let secs = total_secs % 60;
    if hours > 0 {
        let _ = write!(out, "{hours}h{minutes}m");
    } else if minutes > 0 {
        let _ = write!(out, "{minutes}m");
    }
    out.push_str(&secs.to_string());
    push_fraction(&mut out, frac, 9);
    out.push('s');
    out
}

/// Appends `.digits` of a fraction with `prec` digits, trailing zeros removed.
fn push_fraction(out: &mut String, frac: u64, prec: u32) {
    if frac == 0 || prec == 0 {
        return;
    }
    let digits = format!("{frac:0width$}", width = prec as usize);
    out.push('.');
    out.push_str(digits.trim_end_matches('0'));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_go() {
        assert_eq!(rfc3339(0, None).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(rfc3339(1_700_000_000, None).as_deref(), Some("2023-11-14T22:13:20Z"));
        assert_eq!(
            rfc3339(951_782_400, Some(123_456)).as_deref(),
            Some("2000-02-29T00:00:00.123456Z")
        );
        assert_eq!(rfc3339(-1, None).as_deref(), Some("1969-12-31T23:59:59Z"));
        assert_eq!(
            rfc3339(GO_ZERO_TIME_UNIX, None).as_deref(),
            Some("0001-01-01T00:00:00Z")
        );
        assert_eq!(rfc3339(253_402_300_800, None), None);
    }

    #[test]
    fn durations_match_go() {
        let s = 1_000_000_000i64;
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(1), "1ns");
        assert_eq!(go_duration(1_500), "1.5µs");
        assert_eq!(go_duration(300_000_000), "300ms");
        assert_eq!(go_duration(1_500 * 1_000_000), "1.5s");
        assert_eq!(go_duration(3600 * s), "1h0m0s");
        assert_eq!(go_duration(62 * s), "1m2s");
        assert_eq!(go_duration(-90 * s), "-1m30s");
        assert_eq!(go_duration(i64::MIN), "-2562047h47m16.854775808s");
    }
}
