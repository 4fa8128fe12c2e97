//! RFC 3339 times as Go's `time` package writes them (`Format(time.RFC3339)`), without a
//! date-time crate.

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Format seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_unix(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// The current time, UTC, second precision.
pub fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    format_unix(secs)
}

/// Re-format an RFC 3339 time as Go does after parsing it: fractional seconds dropped, a
/// zero offset written as `Z`, other offsets kept. `None` if it is not RFC 3339.
pub fn normalize_rfc3339(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(|c| c.is_ascii_digit());
    if !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)) {
        return None;
    }
    if !(b[10] == b'T' || b[10] == b't') {
        return None;
    }
    if !(digits(11..13) && b[13] == b':' && digits(14..16) && b[16] == b':' && digits(17..19)) {
        return None;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let base = format!("{}T{}", &s[0..10], &s[11..19]);
    let zone = &s[i..];
    if zone == "Z" || zone == "z" || zone == "+00:00" || zone == "-00:00" {
        return Some(format!("{base}Z"));
    }
    let zb = zone.as_bytes();
    if zb.len() == 6
        && (zb[0] == b'+' || zb[0] == b'-')
        && zb[1..3].iter().all(u8::is_ascii_digit)
        && zb[3] == b':'
        && zb[4..6].iter().all(u8::is_ascii_digit)
    {
        return Some(format!("{base}{zone}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_epoch_and_known_dates() {
        assert_eq!(format_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_unix(1_731_418_422), "2024-11-12T13:33:42Z");
        assert_eq!(format_unix(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn normalizes_like_go() {
        assert_eq!(
            normalize_rfc3339("2024-11-12T13:33:42Z").as_deref(),
            Some("2024-11-12T13:33:42Z")
        );
        assert_eq!(
            normalize_rfc3339("2024-11-12T13:33:42.123Z").as_deref(),
            Some("2024-11-12T13:33:42Z")
        );
        assert_eq!(
            normalize_rfc3339("2024-11-12T13:33:42+00:00").as_deref(),
            Some("2024-11-12T13:33:42Z")
        );
        assert_eq!(
            normalize_rfc3339("2024-11-12T13:33:42+02:00").as_deref(),
            Some("2024-11-12T13:33:42+02:00")
        );
        assert_eq!(normalize_rfc3339("yesterday"), None);
    }
}
