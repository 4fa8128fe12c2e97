//! The shape of the generated message table and lookups into it.
//!
//! Each [`Message`] lists its fields in Go struct order (the order Go's JSON
//! writes them), each with its protobuf number, JSON name, value type and the Go
//! facts that decide its JSON form: pointer or not, `omitempty`, inlined.

use crate::generated::{KINDS, MESSAGES};

/// A protobuf scalar type.
// Not every type is used by the selected packages; the generator may emit any.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scalar {
    Bool,
    I32,
    I64,
    U32,
    U64,
    F32,
    F64,
    Str,
    Bytes,
}

/// The type of one protobuf value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    /// A scalar.
    S(Scalar),
    /// A message, by index into `MESSAGES`.
    M(u16),
    /// A Go named list of scalars, sent as a message whose field 1 repeats the
    /// scalar (authentication's `ExtraValue`, meta's `Verbs`); JSON is an array.
    W(Scalar),
}

/// Messages whose Go type has its own protobuf and JSON form.
// Duration is not reachable from today's selected kinds; the generator may emit it.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Special {
    None,
    /// meta/v1 Time: {seconds = 1, nanos = 2}, JSON RFC 3339 in seconds or null.
    Time,
    /// meta/v1 MicroTime: as Time, JSON with microseconds.
    MicroTime,
    /// meta/v1 Duration: {duration = 1} nanoseconds, JSON Go duration string.
    Duration,
    /// Raw JSON bytes in field 1 (RawExtension, FieldsV1, apiextensions JSON).
    RawJson,
    /// intstr.IntOrString: {type = 1, intVal = 2, strVal = 3}.
    IntOrString,
    /// resource.Quantity: {string = 1}.
    Quantity,
    /// apiextensions JSONSchemaPropsOrArray: {schema = 1, jSONSchemas = 2}.
    OrArray,
    /// apiextensions JSONSchemaPropsOrBool: {allows = 1, schema = 2}.
    OrBool,
    /// apiextensions JSONSchemaPropsOrStringArray: {schema = 1, property = 2}.
    OrStringArray,
}

pub(crate) const ONE: u8 = 0;
pub(crate) const PTR: u8 = 1;
pub(crate) const REP: u8 = 2;
pub(crate) const MAP: u8 = 3;
const SHAPE: u8 = 3;
pub(crate) const OMIT: u8 = 4;
pub(crate) const INLINE: u8 = 8;

/// How a field is held in Go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A plain value (a zero value when absent).
    One,
    /// A pointer (nil when absent; a pointed-to zero value is still written).
    Ptr,
    /// A slice.
    Rep,
    /// A map with string keys.
    Map,
}

#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) num: u32,
    pub(crate) json: &'static str,
    pub(crate) ty: Ty,
    flags: u8,
}

impl Field {
    pub(crate) fn shape(&self) -> Shape {
        match self.flags & SHAPE {
            ONE => Shape::One,
            PTR => Shape::Ptr,
            REP => Shape::Rep,
            _ => Shape::Map,
        }
    }

    pub(crate) fn omitempty(&self) -> bool {
        self.flags & OMIT != 0
    }

    pub(crate) fn inline(&self) -> bool {
        self.flags & INLINE != 0
    }
}

#[derive(Debug)]
pub(crate) struct Message {
    pub(crate) name: &'static str,
    pub(crate) special: Special,
    pub(crate) fields: &'static [Field],
}

impl Message {
    pub(crate) fn field_index(&self, num: u32) -> Option<usize> {
        self.fields.iter().position(|f| f.num == num)
    }
}

#[derive(Debug)]
pub(crate) struct KindEntry {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) message: u16,
}

pub(crate) const fn f(num: u32, json: &'static str, ty: Ty, flags: u8) -> Field {
    Field { num, json, ty, flags }
}

pub(crate) const fn m(name: &'static str, special: Special, fields: &'static [Field]) -> Message {
    Message { name, special, fields }
}

pub(crate) fn message(index: u16) -> &'static Message {
    // Indices come from the generated table itself; the fallback keeps a bad
    // index from panicking.
    MESSAGES.get(usize::from(index)).unwrap_or(&EMPTY)
}

static EMPTY: Message = m("(unknown message)", Special::None, &[]);

pub(crate) fn message_by_name(name: &str) -> Option<u16> {
    MESSAGES
        .iter()
        .position(|m| m.name == name)
        .and_then(|i| u16::try_from(i).ok())
}

/// The message for a kind: the exact apiVersion first, then meta.k8s.io/v1
/// (DeleteOptions, Status and the other option kinds registered in every group).
pub(crate) fn kind_message(api_version: &str, kind: &str) -> Option<u16> {
    KINDS
        .iter()
        .find(|k| k.api_version == api_version && k.kind == kind)
        .or_else(|| {
            KINDS
                .iter()
                .find(|k| k.api_version == "meta.k8s.io/v1" && k.kind == kind)
        })
        .map(|k| k.message)
}

/// Whether [`crate::decode`] knows the protobuf message of this kind.
pub fn knows_kind(api_version: &str, kind: &str) -> bool {
    kind_message(api_version, kind).is_some()
}
