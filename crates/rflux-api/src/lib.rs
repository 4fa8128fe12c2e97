//! The Flux API in Rust: the custom resources of source-, kustomize- and helm-controller as
//! typed structs, their CRDs, and the helpers every controller shares (conditions, artifacts,
//! inventory ids, annotations, durations).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod annotations;
pub mod artifact;
pub mod conditions;
pub mod crd;
pub mod duration;
pub mod inventory;
pub mod object;
pub mod schema;
pub mod time;
pub mod types;

pub use duration::{DurationError, format_duration, parse_duration};
pub use inventory::{InventoryIdError, ObjectId};
pub use object::FluxObject;
pub use types::*;
