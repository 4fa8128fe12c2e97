//! rflux's embedded Kubernetes-compatible API server: durable SQLite storage with a revision
//! log, REST and watch semantics as kube-apiserver has them, server-side apply, CRDs with
//! structural schemas, and a simulation of the controllers that write workload status.

pub mod api;
pub mod cleanup;
pub mod crd;
pub mod defaults;
pub mod discovery;
pub mod error;
pub mod events;
pub mod fieldmanager;
pub mod fieldset;
pub mod fieldvalidation;
pub mod http;
pub mod immutable;
pub mod meta;
pub mod openapi;
pub mod patch;
pub mod printers;
pub mod resources;
pub mod reviews;
pub mod schema;
pub mod selector;
pub mod server;
pub mod simulate;
pub mod store;
pub mod table;
pub mod tls;
pub mod watch;

pub use server::{Server, ServerConfig, ServerError, start};
