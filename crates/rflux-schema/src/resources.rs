//! REST facts about built-in resource kinds that the JSON schemas do not carry: the plural
//! (URL path segment) and whether the resource is namespaced or cluster-scoped.
//!
//! Only top-level resources are listed: list kinds, `Status`, `WatchEvent`, `DeleteOptions`
//! and subresource bodies (`Scale`, `Eviction`, `TokenRequest`) are not. Custom resources are
//! unknown here (`None`); their scope comes from their CustomResourceDefinition.

use crate::generated::{RESOURCES, RESOURCES_BY_PLURAL};

/// Whether objects of a resource live in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Objects live in a namespace (`metadata.namespace` is set).
    Namespaced,
    /// Objects are cluster-wide (`metadata.namespace` must be empty).
    Cluster,
}

/// One built-in resource kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Resource {
    /// API group, `""` for the core group.
    pub group: &'static str,
    /// Kind, e.g. `Deployment`.
    pub kind: &'static str,
    /// Plural, the URL path segment, e.g. `deployments`.
    pub plural: &'static str,
    /// Namespaced or cluster-scoped.
    pub scope: Scope,
}

fn row(index: usize) -> Resource {
    let (group, kind, plural, namespaced) = RESOURCES[index];
    Resource {
        group,
        kind,
        plural,
        scope: if namespaced { Scope::Namespaced } else { Scope::Cluster },
    }
}

/// The built-in resource of a group and kind (any version), e.g. `resource("apps",
/// "Deployment")`. `None` for custom resources and for kinds that are not resources.
pub fn resource(group: &str, kind: &str) -> Option<Resource> {
    RESOURCES
        .binary_search_by(|&(g, k, _, _)| (g, k).cmp(&(group, kind)))
        .ok()
        .map(row)
}

/// The built-in resource of a group and plural, e.g. `resource_by_plural("", "pods")`.
pub fn resource_by_plural(group: &str, plural: &str) -> Option<Resource> {
    RESOURCES_BY_PLURAL
        .binary_search_by(|&i| {
            let (g, _, p, _) = RESOURCES[usize::from(i)];
            (g, p).cmp(&(group, plural))
        })
        .ok()
        .map(|at| row(usize::from(RESOURCES_BY_PLURAL[at])))
}

/// The scope of a built-in resource kind; `None` when the kind is not a built-in resource.
pub fn scope(group: &str, kind: &str) -> Option<Scope> {
    resource(group, kind).map(|r| r.scope)
}

/// Every built-in resource kind, sorted by group and kind.
pub fn resources() -> impl Iterator<Item = Resource> + 'static {
    (0..RESOURCES.len()).map(row)
}
