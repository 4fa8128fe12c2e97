//! Facts about built-in Kubernetes kinds, shared by the embedded API server (server-side
//! apply, strategic merge patch, field validation) and the kustomize engine (strategic merge).
//!
//! The facts come from the Kubernetes 1.32 JSON schemas shipped by the PyPI package
//! `kubernetes-validate`, compiled into static tables (`src/generated.rs`, committed, facts
//! only, no descriptions). Regenerate them with:
//!
//! ```text
//! python3 crates/rflux-schema/gen/generate.py            # --kube 1.32 by default
//! ```
//!
//! The script pip-installs `kubernetes-validate` into a venv under `/tmp` when the running
//! Python cannot import it. `cargo test` never needs the network or Python.
//!
//! ```
//! use rflux_schema::{ListType, kind};
//!
//! let deployment = kind("apps", "v1", "Deployment").unwrap();
//! let containers = deployment.at(&["spec", "template", "spec", "containers"]).unwrap();
//! assert_eq!(containers.list_type(), Some(ListType::Map));
//! assert_eq!(containers.list_map_keys(), ["name"]);
//! assert_eq!(containers.patch_strategy(), Some("merge"));
//! ```
//!
//! Besides the schemas, [`resource`] knows the plural and [`Scope`] of every built-in resource
//! kind (namespaced or cluster-scoped), which the schemas do not carry.
//!
//! What the table says is exposed as is ([`Node::list_type`], [`Node::patch_strategy`], …);
//! [`Node::effective_list_type`] adds how server-side apply interprets lists without an
//! explicit list type.

mod kinds;
mod node;
mod resources;
mod table;

#[rustfmt::skip]
mod generated;

pub use kinds::{Gvk, definition, kind, kind_for_api_version, kinds, source};
pub use node::{ListType, MapType, Node, NodeType};
pub use resources::{Resource, Scope, resource, resource_by_plural, resources, scope};
