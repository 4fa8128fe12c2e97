//! Decoding one protobuf message into JSON the way Go would: unmarshal into the
//! Kubernetes struct, then `encoding/json` with its tags.
//!
//! Absent fields become Go zero values; `omitempty` drops zero scalars and empty
//! slices and maps but never a struct; pointers keep pointed-to zero values;
//! inlined structs merge their fields into the parent; map keys are sorted.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Map, Number, Value};

use crate::error::{Error, Problem};
use crate::special;
use crate::table::{self, Field, Message, Scalar, Shape, Special, Ty};
use crate::wire::{self, Reader};

/// How many messages may nest inside each other.
pub(crate) const MAX_DEPTH: usize = 100;

/// Decoding context: where the body starts, to report absolute byte offsets.
pub(crate) struct Ctx {
    base: usize,
}

impl Ctx {
    pub(crate) fn new(body: &[u8]) -> Self {
        Ctx {
            base: body.as_ptr() as usize,
        }
    }

    /// Offset of `pos` inside `slice`, counted from the start of the body.
    pub(crate) fn offset(&self, slice: &[u8], pos: usize) -> usize {
        (slice.as_ptr() as usize).wrapping_sub(self.base) + pos
    }

    pub(crate) fn malformed(
        &self,
        message: &'static str,
        field: u32,
        slice: &[u8],
        pos: usize,
        problem: Problem,
    ) -> Error {
        Error::Malformed {
            message,
            field,
            offset: self.offset(slice, pos),
            problem,
        }
    }
}

/// Calls `each(field number, value, offset)` for every field of the message
/// bytes in `chunks` (a message sent in several pieces is their concatenation).
pub(crate) fn each_field<'a>(
    ctx: &Ctx,
    message: &'static str,
    chunks: &[&'a [u8]],
    mut each: impl FnMut(u32, wire::Value<'a>, usize) -> Result<(), Error>,
) -> Result<(), Error> {
    for chunk in chunks {
        let mut r = Reader::new(chunk);
        while !r.at_end() {
            let start = r.pos();
            let (num, wire) = r.key().map_err(|p| ctx.malformed(message, 0, chunk, start, p))?;
            let value = r
                .value(num, wire)
                .map_err(|p| ctx.malformed(message, num, chunk, start, p))?;
            each(num, value, ctx.offset(chunk, start))?;
        }
    }
    Ok(())
}

/// Decodes a message of the table into its JSON value.
pub(crate) fn message_value(ctx: &Ctx, index: u16, chunks: &[&[u8]], depth: usize) -> Result<Value, Error> {
    let msg = table::message(index);
    if depth > MAX_DEPTH {
        return Err(Error::TooDeep {
            message: msg.name,
            limit: MAX_DEPTH,
        });
    }
    match msg.special {
        Special::None => struct_value(ctx, msg, chunks, depth),
        _ => special::value(ctx, msg, chunks, depth),
    }
}

/// What has been read for one field.
enum Slot<'a> {
    Unset,
    Scalar(Value),
    Chunks(Vec<&'a [u8]>),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
}

fn struct_value(ctx: &Ctx, msg: &'static Message, chunks: &[&[u8]], depth: usize) -> Result<Value, Error> {
    let mut slots: Vec<Slot> = msg.fields.iter().map(|_| Slot::Unset).collect();
    each_field(ctx, msg.name, chunks, |num, value, offset| {
        let Some(i) = msg.field_index(num) else {
            return Ok(()); // unknown fields are skipped, as Go's unmarshal does
        };
        let (Some(field), Some(slot)) = (msg.fields.get(i), slots.get_mut(i)) else {
            return Ok(());
        };
        let bad = |problem| Error::Malformed {
            message: msg.name,
            field: num,
            offset,
            problem,
        };
        read_field(ctx, field, value, slot, depth).map_err(|e| match e {
            FieldError::Problem(p) => bad(p),
            FieldError::Nested(e) => e,
        })
    })?;

    let mut out = Map::new();
    for (field, slot) in msg.fields.iter().zip(slots) {
        if field.inline() {
            let Ty::M(index) = field.ty else { continue };
            let chunks = match slot {
                Slot::Chunks(c) => c,
                _ if field.shape() == Shape::Ptr => continue,
                _ => Vec::new(),
            };
            let offset = chunks.first().map_or(0, |c| ctx.offset(c, 0));
            match message_value(ctx, index, &chunks, depth + 1)? {
                Value::Object(inner) => {
                    for (k, v) in inner {
                        out.entry(k).or_insert(v);
                    }
                }
                _ => {
                    return Err(Error::Malformed {
                        message: msg.name,
                        field: field.num,
                        offset,
                        problem: Problem::InlineNotObject,
                    });
                }
            }
            continue;
        }
        if let Some(v) = render(ctx, field, slot, depth)? {
            out.insert(field.json.to_string(), v);
        }
    }
    Ok(Value::Object(out))
}

enum FieldError {
    Problem(Problem),
    Nested(Error),
}

impl From<Problem> for FieldError {
    fn from(p: Problem) -> Self {
        FieldError::Problem(p)
    }
}

impl From<Error> for FieldError {
    fn from(e: Error) -> Self {
        FieldError::Nested(e)
    }
}

fn read_field<'a>(
    ctx: &Ctx,
    field: &Field,
    value: wire::Value<'a>,
    slot: &mut Slot<'a>,
    depth: usize,
) -> Result<(), FieldError> {
    match (field.ty, field.shape()) {
        (Ty::S(sc), Shape::One | Shape::Ptr) => *slot = Slot::Scalar(scalar(sc, value)?),
        (Ty::S(sc), Shape::Rep) => match value {
            wire::Value::Bytes(packed) if !matches!(sc, Scalar::Str | Scalar::Bytes) => {
                let mut r = Reader::new(packed);
                while !r.at_end() {
                    let v = r.value(0, natural_wire(sc))?;
                    push_list(slot, scalar(sc, v)?);
                }
            }
            v => push_list(slot, scalar(sc, v)?),
        },
        (Ty::M(_) | Ty::W(_), Shape::One | Shape::Ptr) => {
            let bytes = len_value(value)?;
            match slot {
                Slot::Chunks(c) => c.push(bytes),
                other => *other = Slot::Chunks(vec![bytes]),
            }
        }
        (Ty::M(index), Shape::Rep) => {
            let bytes = len_value(value)?;
            let v = message_value(ctx, index, &[bytes], depth + 1)?;
            push_list(slot, v);
        }
        (Ty::W(sc), Shape::Rep) => {
            let bytes = len_value(value)?;
            let v = wrapped_list(ctx, sc, &[bytes])?;
            push_list(slot, v);
        }
        (ty, Shape::Map) => {
            let entry = len_value(value)?;
            let (k, v) = map_entry(ctx, ty, entry, depth)?;
            match slot {
                Slot::Map(m) => {
                    m.insert(k, v);
                }
                other => *other = Slot::Map(BTreeMap::from([(k, v)])),
            }
        }
    }
    Ok(())
}

fn push_list(slot: &mut Slot, v: Value) {
    match slot {
        Slot::List(l) => l.push(v),
        other => *other = Slot::List(vec![v]),
    }
}

fn len_value<'a>(value: wire::Value<'a>) -> Result<&'a [u8], Problem> {
    match value {
        wire::Value::Bytes(b) => Ok(b),
        other => Err(Problem::WrongWireType {
            found: other.wire_type(),
            expected: wire::wire_name(wire::LEN),
        }),
    }
}

fn natural_wire(sc: Scalar) -> u8 {
    match sc {
        Scalar::F64 => wire::FIXED64,
        Scalar::F32 => wire::FIXED32,
        Scalar::Str | Scalar::Bytes => wire::LEN,
        _ => wire::VARINT,
    }
}

/// Converts one wire value of a scalar field into JSON as Go would write it.
pub(crate) fn scalar(sc: Scalar, value: wire::Value) -> Result<Value, Problem> {
    let wrong = |v: wire::Value| Problem::WrongWireType {
        found: v.wire_type(),
        expected: wire::wire_name(natural_wire(sc)),
    };
    Ok(match (sc, value) {
        (Scalar::Bool, wire::Value::Varint(v)) => Value::Bool(v != 0),
        (Scalar::I32, wire::Value::Varint(v)) => Value::from(i64::from(v as i32)),
        (Scalar::I64, wire::Value::Varint(v)) => Value::from(v as i64),
        (Scalar::U32, wire::Value::Varint(v)) => Value::from(v as u32),
        (Scalar::U64, wire::Value::Varint(v)) => Value::from(v),
        (Scalar::F64, wire::Value::Fixed64(v)) => float(f64::from_bits(v))?,
        (Scalar::F32, wire::Value::Fixed32(v)) => {
            let f = f32::from_bits(v);
            // Go writes a float32 in its shortest 32-bit form.
            float(f.to_string().parse::<f64>().unwrap_or(f64::from(f)))?
        }
        (Scalar::Str, wire::Value::Bytes(b)) => Value::String(String::from_utf8_lossy(b).into_owned()),
        (Scalar::Bytes, wire::Value::Bytes(b)) => Value::String(base64::engine::general_purpose::STANDARD.encode(b)),
        (_, v) => return Err(wrong(v)),
    })
}

/// A float as Go's JSON writes it: integral values without a fraction.
pub(crate) fn float(f: f64) -> Result<Value, Problem> {
    if !f.is_finite() {
        return Err(Problem::NonFiniteFloat);
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return Ok(Value::from(f as i64));
    }
    Number::from_f64(f).map(Value::Number).ok_or(Problem::NonFiniteFloat)
}

fn zero(sc: Scalar) -> Value {
    match sc {
        Scalar::Bool => Value::Bool(false),
        Scalar::Str | Scalar::Bytes => Value::String(String::new()),
        _ => Value::from(0),
    }
}

fn is_zero(v: &Value) -> bool {
    match v {
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(_) => false,
    }
}

/// A Go named list of scalars sent as a message whose field 1 repeats them.
fn wrapped_list(ctx: &Ctx, sc: Scalar, chunks: &[&[u8]]) -> Result<Value, Error> {
    let mut items = Vec::new();
    each_field(ctx, "(list wrapper)", chunks, |num, value, offset| {
        if num != 1 {
            return Ok(());
        }
        let bad = |problem| Error::Malformed {
            message: "(list wrapper)",
            field: num,
            offset,
            problem,
        };
        match value {
            wire::Value::Bytes(packed) if !matches!(sc, Scalar::Str | Scalar::Bytes) => {
                let mut r = Reader::new(packed);
                while !r.at_end() {
                    let v = r.value(0, natural_wire(sc)).map_err(bad)?;
                    items.push(scalar(sc, v).map_err(bad)?);
                }
            }
            v => items.push(scalar(sc, v).map_err(bad)?),
        }
        Ok(())
    })?;
    if items.is_empty() {
        // An empty list unmarshals to a nil slice, which Go writes as null.
        return Ok(Value::Null);
    }
    Ok(Value::Array(items))
}

fn map_entry(ctx: &Ctx, ty: Ty, entry: &[u8], depth: usize) -> Result<(String, Value), FieldError> {
    let mut key = String::new();
    let mut value_bytes: Option<wire::Value> = None;
    let mut r = Reader::new(entry);
    while !r.at_end() {
        let (num, wire) = r.key()?;
        let v = r.value(num, wire)?;
        match num {
            1 => key = String::from_utf8_lossy(len_value(v)?).into_owned(),
            2 => value_bytes = Some(v),
            _ => {}
        }
    }
    let value = match (ty, value_bytes) {
        (Ty::S(sc), Some(v)) => scalar(sc, v)?,
        (Ty::S(sc), None) => zero(sc),
        (Ty::M(index), v) => {
            let chunks: Vec<&[u8]> = match v {
                Some(v) => vec![len_value(v)?],
                None => Vec::new(),
            };
            message_value(ctx, index, &chunks, depth + 1)?
        }
        (Ty::W(sc), v) => {
            let chunks: Vec<&[u8]> = match v {
                Some(v) => vec![len_value(v)?],
                None => Vec::new(),
            };
            wrapped_list(ctx, sc, &chunks)?
        }
    };
    Ok((key, value))
}

/// The JSON of one field after all its occurrences were read; None to omit it.
fn render(ctx: &Ctx, field: &Field, slot: Slot, depth: usize) -> Result<Option<Value>, Error> {
    let omit = field.omitempty();
    let absent = |omit: bool| if omit { None } else { Some(Value::Null) };
    Ok(match (field.ty, field.shape(), slot) {
        // A Go []byte: nil when absent.
        (Ty::S(Scalar::Bytes), Shape::One, Slot::Unset) => absent(omit),
        (Ty::S(sc), Shape::One, slot) => {
            let v = match slot {
                Slot::Scalar(v) => v,
                _ => zero(sc),
            };
            if omit && is_zero(&v) { None } else { Some(v) }
        }
        (Ty::S(_), Shape::Ptr, Slot::Scalar(v)) => Some(v),
        (Ty::M(index), Shape::One, slot) => {
            let chunks = match slot {
                Slot::Chunks(c) => c,
                _ => Vec::new(),
            };
            Some(message_value(ctx, index, &chunks, depth + 1)?)
        }
        (Ty::M(index), Shape::Ptr, Slot::Chunks(c)) => Some(message_value(ctx, index, &c, depth + 1)?),
        (Ty::W(sc), Shape::One | Shape::Ptr, Slot::Chunks(c)) => {
            let v = wrapped_list(ctx, sc, &c)?;
            if omit && is_zero(&v) { None } else { Some(v) }
        }
        (_, Shape::Rep, Slot::List(items)) if !items.is_empty() => Some(Value::Array(items)),
        (_, Shape::Map, Slot::Map(entries)) if !entries.is_empty() => {
            Some(Value::Object(entries.into_iter().collect()))
        }
        _ => absent(omit),
    })
}
