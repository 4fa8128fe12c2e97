//! Entry points into the table: kinds by group/version/kind, definitions by name, and the
//! provenance of the table.

use crate::generated::{SOURCE_PACKAGE, SOURCE_SCHEMAS};
use crate::node::Node;
use crate::table;

/// A group/version/kind. The core group is `""`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gvk {
    /// API group, `""` for the core group.
    pub group: &'static str,
    /// API version, e.g. `v1`.
    pub version: &'static str,
    /// Kind, e.g. `Deployment`.
    pub kind: &'static str,
}

/// The root node of a built-in kind (`""` group for core), e.g. `kind("apps", "v1",
/// "Deployment")`. `None` for kinds the table does not know (custom resources included).
pub fn kind(group: &str, version: &str, kind: &str) -> Option<Node> {
    table::kind_index(group, version, kind).map(Node::from_index)
}

/// Like [`kind`], from an `apiVersion` field (`apps/v1`, or `v1` for core).
pub fn kind_for_api_version(api_version: &str, kind_name: &str) -> Option<Node> {
    match api_version.split_once('/') {
        Some((group, version)) => kind(group, version, kind_name),
        None => kind("", api_version, kind_name),
    }
}

/// A definition by its full name, e.g. `io.k8s.api.core.v1.PodSpec`.
pub fn definition(name: &str) -> Option<Node> {
    table::definition_index(name).map(Node::from_index)
}

/// Every built-in kind with its root node, sorted by group, version, kind.
pub fn kinds() -> impl Iterator<Item = (Gvk, Node)> + 'static {
    table::gvks()
        .iter()
        .map(|&(group, version, kind, index)| (Gvk { group, version, kind }, Node::from_index(index)))
}

/// Where the table comes from: `(package, schema folder)`, e.g.
/// `("kubernetes-validate 1.37.0", "v1.32.0-local")`.
pub fn source() -> (&'static str, &'static str) {
    (SOURCE_PACKAGE, SOURCE_SCHEMAS)
}
