//! Decodes Kubernetes protobuf request bodies into JSON.
//!
//! client-go's typed clients (and so most of kubectl's imperative commands) send
//! bodies as `application/vnd.kubernetes.protobuf`: the magic `k8s\0`, then a
//! `runtime.Unknown` envelope whose `raw` field holds the typed message. [`decode`]
//! turns such a body into the JSON object that kube-apiserver would have decoded
//! for the built-in kinds: the same field names, the same omitted-when-empty rules
//! as Go's `encoding/json` with the Kubernetes struct tags, and the same
//! special forms (times as RFC 3339 strings, quantities as strings, int-or-string
//! as a number or a string, raw extensions as embedded JSON, bytes as base64).
//!
//! Use it when a request's `Content-Type` is `application/vnd.kubernetes.protobuf`;
//! replies can stay JSON, which every client accepts.
//!
//! [`openapi_v2::encode_swagger`] goes the other way for one document: it encodes
//! the Swagger 2.0 document served at `/openapi/v2` as gnostic's protobuf
//! `openapi.v2.Document`, the only form kubectl 1.27's `apply` reads.
//!
//! The message table (`generated.rs`, 1051 messages, 309 kinds: every
//! `k8s.io/api` group and version of Kubernetes 1.32, meta/v1 and
//! apiextensions/v1) is produced by `gen/generate.py` from the Go struct tags
//! kubectl carries; see `gen/README.md`. Unknown fields are skipped as Go's
//! unmarshal does. Nesting is bounded (100 messages; under 1 MiB of stack in a
//! debug build), and malformed input is an [`Error`], never a panic.

mod decode;
mod envelope;
mod error;
#[rustfmt::skip]
mod generated;
pub mod openapi_v2;
mod special;
mod table;
#[cfg(test)]
mod table_fuzz;
mod timefmt;
mod wire;

pub use envelope::{MAGIC, decode, is_protobuf};
pub use error::{Error, Problem};
pub use table::knows_kind;
