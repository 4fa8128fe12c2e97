//! Errors of protobuf decoding: which message, which field, which byte, what was wrong.

/// What was wrong with the bytes of one field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("the input ends inside a varint")]
    TruncatedVarint,
    #[error("a varint is longer than 10 bytes")]
    VarintTooLong,
    #[error("the input ends inside a fixed-size value")]
    TruncatedFixed,
    #[error("a length of {length} bytes runs past the end of the message ({available} bytes left)")]
    LengthOverrun { length: u64, available: usize },
    #[error("wire type {found} where {expected} was expected")]
    WrongWireType { found: u8, expected: &'static str },
    #[error("invalid wire type {0}")]
    InvalidWireType(u8),
    #[error("field number 0 is not allowed")]
    FieldNumberZero,
    #[error("an end-group marker without a matching start")]
    UnexpectedEndGroup,
    #[error("a group that is never closed")]
    UnclosedGroup,
    #[error("groups nested too deeply")]
    GroupTooDeep,
    #[error("a floating-point value that JSON cannot hold (NaN or infinity)")]
    NonFiniteFloat,
    #[error("the raw bytes are not JSON: {0}")]
    NotJson(String),
    #[error("IntOrString type {0} is neither 0 (int) nor 1 (string)")]
    BadIntOrStringType(i64),
    #[error("time {0} seconds after the Unix epoch is outside years 0 to 9999")]
    TimeOutOfRange(i64),
    #[error("an inlined field did not decode to a JSON object")]
    InlineNotObject,
}

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("not a Kubernetes protobuf body: it does not start with the magic bytes k8s\\0")]
    MissingMagic,
    #[error("{message}: field {field}: {problem} (at byte {offset} of the body)")]
    Malformed {
        message: &'static str,
        field: u32,
        offset: usize,
        problem: Problem,
    },
    #[error("no protobuf message is known for kind {kind:?} of apiVersion {api_version:?}")]
    UnknownKind { api_version: String, kind: String },
    #[error("{message}: messages nested deeper than {limit}")]
    TooDeep { message: &'static str, limit: usize },
    #[error("unsupported content encoding {0:?} in the runtime.Unknown envelope")]
    UnsupportedEncoding(String),
    #[error("unsupported content type {0:?} in the runtime.Unknown envelope")]
    UnsupportedContentType(String),
}
