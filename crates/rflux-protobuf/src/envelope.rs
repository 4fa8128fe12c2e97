//! The protobuf envelope of a Kubernetes body: the magic `k8s\0`, then a
//! `runtime.Unknown` {typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2,
//! contentEncoding = 3, contentType = 4} whose `raw` holds the typed message.

use serde_json::{Map, Value};

use crate::decode::{self, Ctx, each_field};
use crate::error::{Error, Problem};
use crate::table;
use crate::wire;

/// The four bytes every Kubernetes protobuf body starts with.
pub const MAGIC: [u8; 4] = *b"k8s\0";

const UNKNOWN: &str = "runtime.Unknown";
const TYPE_META: &str = "runtime.TypeMeta";
const PROTOBUF: &str = "application/vnd.kubernetes.protobuf";

/// Whether a body is Kubernetes protobuf (starts with the magic `k8s\0`).
pub fn is_protobuf(body: &[u8]) -> bool {
    body.starts_with(&MAGIC)
}

/// Decodes a Kubernetes protobuf body into the JSON object kube-apiserver would
/// have decoded from it: `kind` and `apiVersion` from the envelope first, then
/// the object's fields as Go's `encoding/json` writes them.
///
/// Errors name the message, the field number and the byte offset of malformed
/// input; unknown kinds and unsupported envelopes are errors too. Never panics.
pub fn decode(body: &[u8]) -> Result<Value, Error> {
    let ctx = Ctx::new(body);
    decode_nested(&ctx, body, 0)
}

/// Decodes an envelope found at `body` (the whole body, or a RawExtension's raw
/// bytes inside it).
pub(crate) fn decode_nested(ctx: &Ctx, body: &[u8], depth: usize) -> Result<Value, Error> {
    let Some(rest) = body.strip_prefix(&MAGIC) else {
        return Err(Error::MissingMagic);
    };
    if depth > decode::MAX_DEPTH {
        return Err(Error::TooDeep {
            message: UNKNOWN,
            limit: decode::MAX_DEPTH,
        });
    }
    let mut type_meta: Vec<&[u8]> = Vec::new();
    let mut raw: &[u8] = &[];
    let mut raw_offset = 0;
    let mut encoding = String::new();
    let mut content_type = String::new();
    each_field(ctx, UNKNOWN, &[rest], |num, value, offset| {
        if !(1..=4).contains(&num) {
            return Ok(());
        }
        let wire::Value::Bytes(b) = value else {
            return Err(Error::Malformed {
                message: UNKNOWN,
                field: num,
                offset,
                problem: Problem::WrongWireType {
                    found: value.wire_type(),
                    expected: wire::wire_name(wire::LEN),
                },
            });
        };
        match num {
            1 => type_meta.push(b),
            2 => {
                raw = b;
                raw_offset = offset;
            }
            3 => encoding = String::from_utf8_lossy(b).into_owned(),
            _ => content_type = String::from_utf8_lossy(b).into_owned(),
        }
        Ok(())
    })?;

    let mut api_version = String::new();
    let mut kind = String::new();
    each_field(ctx, TYPE_META, &type_meta, |num, value, offset| {
        let target = match num {
            1 => &mut api_version,
            2 => &mut kind,
            _ => return Ok(()),
        };
        match value {
            wire::Value::Bytes(b) => {
                *target = String::from_utf8_lossy(b).into_owned();
                Ok(())
            }
            other => Err(Error::Malformed {
                message: TYPE_META,
                field: num,
                offset,
                problem: Problem::WrongWireType {
                    found: other.wire_type(),
                    expected: wire::wire_name(wire::LEN),
                },
            }),
        }
    })?;

    if !encoding.is_empty() {
        return Err(Error::UnsupportedEncoding(encoding));
    }
    let object = if content_type.is_empty() || content_type == PROTOBUF {
        let Some(index) = table::kind_message(&api_version, &kind) else {
            return Err(Error::UnknownKind { api_version, kind });
        };
        decode::message_value(ctx, index, &[raw], depth + 1)?
    } else if content_type.starts_with("application/json") {
        serde_json::from_slice(raw).map_err(|e| Error::Malformed {
            message: UNKNOWN,
            field: 2,
            offset: raw_offset,
            problem: Problem::NotJson(e.to_string()),
        })?
    } else {
        return Err(Error::UnsupportedContentType(content_type));
    };

    let mut out = Map::new();
    if !kind.is_empty() {
        out.insert("kind".to_string(), Value::String(kind));
    }
    if !api_version.is_empty() {
        out.insert("apiVersion".to_string(), Value::String(api_version));
    }
    match object {
        Value::Object(fields) => {
            for (k, v) in fields {
                out.entry(k).or_insert(v);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other),
    }
}
