//! Messages whose Go types marshal themselves: meta/v1 Time, MicroTime and
//! Duration, raw JSON holders (RawExtension, FieldsV1, apiextensions JSON),
//! IntOrString, Quantity and the JSONSchemaPropsOr* unions of apiextensions.

use serde_json::Value;

use crate::decode::{self, Ctx, each_field};
use crate::envelope;
use crate::error::{Error, Problem};
use crate::table::{self, Message, Special};
use crate::timefmt;
use crate::wire;

const SCHEMA: &str = "apiextensions.v1.JSONSchemaProps";

pub(crate) fn value(ctx: &Ctx, msg: &'static Message, chunks: &[&[u8]], depth: usize) -> Result<Value, Error> {
    match msg.special {
        Special::Time | Special::MicroTime => time(ctx, msg, chunks),
        Special::Duration => {
            let f = Fields::read(ctx, msg, chunks)?;
            Ok(Value::String(timefmt::go_duration(f.int(msg, 1)?)))
        }
        Special::RawJson => {
            let f = Fields::read(ctx, msg, chunks)?;
            match f.bytes(msg, 1)? {
                None | Some([]) => Ok(Value::Null),
                Some(raw) => raw_json(ctx, msg, raw, f.offset(1), depth),
            }
        }
        Special::IntOrString => {
            let f = Fields::read(ctx, msg, chunks)?;
            match f.int(msg, 1)? {
                0 => Ok(Value::from(f.int(msg, 2)? as i32)),
                1 => Ok(Value::String(f.string(msg, 3)?.unwrap_or_default())),
                other => Err(f.bad(msg, 1, Problem::BadIntOrStringType(other))),
            }
        }
        Special::Quantity => {
            let f = Fields::read(ctx, msg, chunks)?;
            Ok(Value::String(f.string(msg, 1)?.unwrap_or_else(|| "0".to_string())))
        }
        Special::OrArray => {
            let f = Fields::read(ctx, msg, chunks)?;
            let items = f.all_bytes(msg, 2)?;
            if !items.is_empty() {
                let list = items
                    .iter()
                    .map(|b| schema(ctx, &[b], depth))
                    .collect::<Result<Vec<_>, _>>()?;
                return Ok(Value::Array(list));
            }
            match f.all_bytes(msg, 1)? {
                s if s.is_empty() => Ok(Value::Null),
                s => schema(ctx, &s, depth),
            }
        }
        Special::OrBool => {
            let f = Fields::read(ctx, msg, chunks)?;
            match f.all_bytes(msg, 2)? {
                s if s.is_empty() => Ok(Value::Bool(f.int(msg, 1)? != 0)),
                s => schema(ctx, &s, depth),
            }
        }
        Special::OrStringArray => {
            let f = Fields::read(ctx, msg, chunks)?;
            let props = f.all_bytes(msg, 2)?;
            if !props.is_empty() {
                let list = props
                    .iter()
                    .map(|b| Value::String(String::from_utf8_lossy(b).into_owned()))
                    .collect();
                return Ok(Value::Array(list));
            }
            match f.all_bytes(msg, 1)? {
                s if s.is_empty() => Ok(Value::Null),
                s => schema(ctx, &s, depth),
            }
        }
        Special::None => Ok(Value::Null),
    }
}

fn schema(ctx: &Ctx, chunks: &[&[u8]], depth: usize) -> Result<Value, Error> {
    match table::message_by_name(SCHEMA) {
        Some(index) => decode::message_value(ctx, index, chunks, depth + 1),
        None => Ok(Value::Null),
    }
}

/// Time and MicroTime unmarshal each occurrence afresh: the last one counts,
/// and an empty message is Go's zero time, which JSON writes as null.
fn time(ctx: &Ctx, msg: &'static Message, chunks: &[&[u8]]) -> Result<Value, Error> {
    let Some(last) = chunks.last() else {
        return Ok(Value::Null);
    };
    if last.is_empty() {
        return Ok(Value::Null);
    }
    let f = Fields::read(ctx, msg, &[last])?;
    let seconds = f.int(msg, 1)?;
    let nanos = f.int(msg, 2)? as i32;
    if msg.special == Special::Time {
        // metav1.Time keeps whole seconds only.
        if seconds == timefmt::GO_ZERO_TIME_UNIX {
            return Ok(Value::Null);
        }
        return timefmt::rfc3339(seconds, None)
            .map(Value::String)
            .ok_or_else(|| f.bad(msg, 1, Problem::TimeOutOfRange(seconds)));
    }
    let nanos = i64::from(nanos);
    let seconds_total = seconds.saturating_add(nanos.div_euclid(1_000_000_000));
    let sub = nanos.rem_euclid(1_000_000_000);
    if seconds_total == timefmt::GO_ZERO_TIME_UNIX && sub == 0 {
        return Ok(Value::Null);
    }
    timefmt::rfc3339(seconds_total, Some((sub / 1000) as u32))
        .map(Value::String)
        .ok_or_else(|| f.bad(msg, 1, Problem::TimeOutOfRange(seconds_total)))
}

fn raw_json(ctx: &Ctx, msg: &'static Message, raw: &[u8], offset: usize, depth: usize) -> Result<Value, Error> {
    if envelope::is_protobuf(raw) {
        return envelope::decode_nested(ctx, raw, depth + 1);
    }
    serde_json::from_slice(raw).map_err(|e| Error::Malformed {
        message: msg.name,
        field: 1,
        offset,
        problem: Problem::NotJson(e.to_string()),
    })
}

/// All occurrences of each field of a small message, with their offsets.
struct Fields<'a> {
    seen: Vec<(u32, wire::Value<'a>, usize)>,
}

impl<'a> Fields<'a> {
    fn read(ctx: &Ctx, msg: &'static Message, chunks: &[&'a [u8]]) -> Result<Self, Error> {
        let mut seen = Vec::new();
        each_field(ctx, msg.name, chunks, |num, value, offset| {
            seen.push((num, value, offset));
            Ok(())
        })?;
        Ok(Fields { seen })
    }

    fn last(&self, num: u32) -> Option<&(u32, wire::Value<'a>, usize)> {
        self.seen.iter().rev().find(|(n, _, _)| *n == num)
    }

    fn offset(&self, num: u32) -> usize {
        self.last(num).map_or(0, |(_, _, o)| *o)
    }

    fn bad(&self, msg: &'static Message, num: u32, problem: Problem) -> Error {
        Error::Malformed {
            message: msg.name,
            field: num,
            offset: self.offset(num),
            problem,
        }
    }

    /// The last varint of a field as Go's int64 (0 when absent).
    fn int(&self, msg: &'static Message, num: u32) -> Result<i64, Error> {
        match self.last(num) {
            None => Ok(0),
            Some((_, wire::Value::Varint(v), _)) => Ok(*v as i64),
            Some((_, v, o)) => Err(Error::Malformed {
                message: msg.name,
                field: num,
                offset: *o,
                problem: wrong(*v, wire::VARINT),
            }),
        }
    }

    fn bytes(&self, msg: &'static Message, num: u32) -> Result<Option<&'a [u8]>, Error> {
        match self.last(num) {
            None => Ok(None),
            Some((_, wire::Value::Bytes(b), _)) => Ok(Some(b)),
            Some((_, v, o)) => Err(Error::Malformed {
                message: msg.name,
                field: num,
                offset: *o,
                problem: wrong(*v, wire::LEN),
            }),
        }
    }

    fn string(&self, msg: &'static Message, num: u32) -> Result<Option<String>, Error> {
        Ok(self.bytes(msg, num)?.map(|b| String::from_utf8_lossy(b).into_owned()))
    }

    fn all_bytes(&self, msg: &'static Message, num: u32) -> Result<Vec<&'a [u8]>, Error> {
        let mut out = Vec::new();
        for (n, v, o) in &self.seen {
            if *n != num {
                continue;
            }
            match v {
                wire::Value::Bytes(b) => out.push(*b),
                other => {
                    return Err(Error::Malformed {
                        message: msg.name,
                        field: num,
                        offset: *o,
                        problem: wrong(*other, wire::LEN),
                    });
                }
            }
        }
        Ok(out)
    }
}

fn wrong(found: wire::Value, expected: u8) -> Problem {
    Problem::WrongWireType {
        found: found.wire_type(),
        expected: wire::wire_name(expected),
    }
}
