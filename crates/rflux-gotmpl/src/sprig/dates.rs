//! Sprig's date functions (`now`, `date`, `dateInZone`, `toDate`, `dateModify`,
//! `duration`, `durationRound`, `ago`, …) on Go time layouts and zones.

use super::*;
use crate::func::CallContext;
use crate::gotime::{self, Time};

/// Go's zero `time.Time`.
const ZERO_TIME: Time = Time {
    secs: -62_135_596_800,
    nanos: 0,
    offset: 0,
    abbr: [0; 8],
};

/// Sprig's formatDate argument handling: time, int, int64 (unix seconds); anything else
/// is now. Shown in the process's local zone, as `time.Local`.
fn date_arg(v: &Value) -> Time {
    let t = match v {
        Value::Time(t) => *t,
        Value::Int(i) | Value::Int64(i) => Time::unix(*i),
        _ => Time::now(),
    };
    t.in_zone("Local")
}

fn in_zone(t: Time, zone: &str) -> Time {
    t.in_zone(zone)
}

/// Register this family.
pub fn register(m: &mut FuncMap) {
    use Ty::*;
    let mut add = |name: &str, f: crate::func::Func| {
        m.insert(name.to_string(), f);
    };
    // ---- dates
    add("now", func(&[], None, |_, _| Ok(Value::Time(Time::now()))));
    add(
        "date",
        func(&[Str, Any], None, |_, a| {
            Ok(Value::str(gotime::format(&date_arg(&a[1]), s(&a, 0))))
        }),
    );
    add(
        "dateInZone",
        func(&[Str, Any, Str], None, |_, a| {
            Ok(Value::str(gotime::format(
                &in_zone(date_arg(&a[1]), s(&a, 2)),
                s(&a, 0),
            )))
        }),
    );
    add(
        "date_in_zone",
        func(&[Str, Any, Str], None, |_, a| {
            Ok(Value::str(gotime::format(
                &in_zone(date_arg(&a[1]), s(&a, 2)),
                s(&a, 0),
            )))
        }),
    );
    add(
        "htmlDate",
        func(&[Any], None, |_, a| {
            Ok(Value::str(gotime::format(&date_arg(&a[0]), "2006-01-02")))
        }),
    );
    add(
        "htmlDateInZone",
        func(&[Any, Str], None, |_, a| {
            Ok(Value::str(gotime::format(
                &in_zone(date_arg(&a[0]), s(&a, 1)),
                "2006-01-02",
            )))
        }),
    );
    add(
        "unixEpoch",
        func(&[Any], None, |_, a| match &a[0] {
            Value::Time(t) => Ok(Value::str(t.secs.to_string())),
            other => Err(format!(
                "wrong type for value; expected time.Time; got {}",
                other.type_name()
            )),
        }),
    );
    let modify = |must: bool| {
        move |_: &mut dyn CallContext, a: Vec<Value>| -> Result<Value, String> {
            let Value::Time(t) = a[1] else {
                return Err(format!(
                    "wrong type for value; expected time.Time; got {}",
                    a[1].type_name()
                ));
            };
            match gotime::parse_duration(s(&a, 0)) {
                Ok(ns) => {
                    let total = t.nanos as i64 + ns;
                    Ok(Value::Time(Time {
                        secs: t.secs.saturating_add(total.div_euclid(1_000_000_000)),
                        nanos: total.rem_euclid(1_000_000_000) as u32,
                        ..t
                    }))
                }
                Err(e) if must => Err(e),
                Err(_) => Ok(Value::Time(t)),
            }
        }
    };
    add("dateModify", func(&[Str, Any], None, modify(false)));
    add("date_modify", func(&[Str, Any], None, modify(false)));
    add("mustDateModify", func(&[Str, Any], None, modify(true)));
    add("must_date_modify", func(&[Str, Any], None, modify(true)));
    add(
        "toDate",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::Time(gotime::parse(s(&a, 0), s(&a, 1)).unwrap_or(ZERO_TIME)))
        }),
    );
    add(
        "mustToDate",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::Time(gotime::parse(s(&a, 0), s(&a, 1))?))
        }),
    );
    add(
        "duration",
        func(&[Any], None, |_, a| {
            let n: i64 = match &a[0] {
                Value::Str(x) => x.parse().unwrap_or(0),
                Value::Int64(i) => *i,
                _ => 0,
            };
            Ok(Value::str(gotime::duration_string(n.saturating_mul(1_000_000_000))))
        }),
    );
    add(
        "ago",
        func(&[Any], None, |_, a| {
            let t = date_arg(&a[0]);
            let now = Time::now();
            Ok(Value::str(gotime::duration_string(
                now.secs.saturating_sub(t.secs).saturating_mul(1_000_000_000),
            )))
        }),
    );
    add(
        "durationRound",
        func(&[Any], None, |_, a| {
            let ns: i64 = match &a[0] {
                Value::Str(x) => gotime::parse_duration(x).unwrap_or(0),
                Value::Int64(i) => *i,
                Value::Time(t) => Time::now().secs.saturating_sub(t.secs).saturating_mul(1_000_000_000),
                _ => 0,
            };
            let u = ns.unsigned_abs();
            const S: u64 = 1_000_000_000;
            let units: [(u64, &str); 6] = [
                (S * 3600 * 24 * 365, "y"),
                (S * 3600 * 24 * 30, "mo"),
                (S * 3600 * 24, "d"),
                (S * 3600, "h"),
                (S * 60, "m"),
                (S, "s"),
            ];
            for (size, suffix) in units {
                if u > size {
                    return Ok(Value::str(format!("{}{suffix}", u / size)));
                }
            }
            Ok(Value::str("0s"))
        }),
    );
}
