//! Inventory entry ids as Flux writes them: `<namespace>_<name>_<group>_<kind>` (namespace
//! empty for cluster-scoped objects, group empty for the core group).

use std::fmt;
use std::str::FromStr;

use crate::types::{ResourceInventory, ResourceRef};

/// Why a string is not an inventory id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryIdError {
    /// Not four `_`-separated parts.
    #[error("inventory id {id:?}: expected <namespace>_<name>_<group>_<kind>, found {parts} part(s)")]
    Parts { id: String, parts: usize },
    /// The name or kind part is empty.
    #[error("inventory id {id:?}: the {part} is empty")]
    Empty { id: String, part: &'static str },
}

/// The object an inventory entry names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId {
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    pub name: String,
    /// Empty for the core group.
    pub group: String,
    pub kind: String,
}

impl ObjectId {
    pub fn new(namespace: &str, name: &str, group: &str, kind: &str) -> ObjectId {
        ObjectId {
            namespace: namespace.to_string(),
            name: name.to_string(),
            group: group.to_string(),
            kind: kind.to_string(),
        }
    }

    /// Parses `<namespace>_<name>_<group>_<kind>`.
    pub fn parse(id: &str) -> Result<ObjectId, InventoryIdError> {
        let parts: Vec<&str> = id.split('_').collect();
        let [namespace, name, group, kind] = parts.as_slice() else {
            return Err(InventoryIdError::Parts {
                id: id.to_string(),
                parts: parts.len(),
            });
        };
        if name.is_empty() {
            return Err(InventoryIdError::Empty {
                id: id.to_string(),
                part: "name",
            });
        }
        if kind.is_empty() {
            return Err(InventoryIdError::Empty {
                id: id.to_string(),
                part: "kind",
            });
        }
        Ok(ObjectId::new(namespace, name, group, kind))
    }

    /// `apiVersion` of the object given its version (`v1` → `v1` or `apps/v1`).
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{}", self.group, version)
        }
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}_{}_{}", self.namespace, self.name, self.group, self.kind)
    }
}

impl FromStr for ObjectId {
    type Err = InventoryIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ObjectId::parse(s)
    }
}

impl ResourceRef {
    /// An entry for `id` at API version `version` (`v1`, `v1beta1`, …).
    pub fn new(id: &ObjectId, version: &str) -> ResourceRef {
        ResourceRef {
            id: id.to_string(),
            v: version.to_string(),
        }
    }

    /// The object this entry names.
    pub fn object_id(&self) -> Result<ObjectId, InventoryIdError> {
        ObjectId::parse(&self.id)
    }
}

impl ResourceInventory {
    /// Entries sorted by id, as Flux stores them.
    pub fn from_entries(mut entries: Vec<ResourceRef>) -> ResourceInventory {
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        entries.dedup_by(|a, b| a.id == b.id);
        ResourceInventory { entries }
    }

    /// Entries in `self` whose id is not in `newer`: what a prune deletes.
    pub fn diff<'a>(&'a self, newer: &ResourceInventory) -> Vec<&'a ResourceRef> {
        self.entries
            .iter()
            .filter(|e| !newer.entries.iter().any(|n| n.id == e.id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_namespaced_and_cluster_objects() {
        let id = ObjectId::parse("flux-system_podinfo_apps_Deployment").unwrap();
        assert_eq!(id, ObjectId::new("flux-system", "podinfo", "apps", "Deployment"));
        assert_eq!(id.to_string(), "flux-system_podinfo_apps_Deployment");
        assert_eq!(id.api_version("v1"), "apps/v1");
        let ns = ObjectId::parse("_flux-system__Namespace").unwrap();
        assert_eq!(ns.namespace, "");
        assert_eq!(ns.group, "");
        assert_eq!(ns.api_version("v1"), "v1");
        assert_eq!(ns.to_string(), "_flux-system__Namespace");
        let crd: ObjectId = "_gitrepositories.source.toolkit.fluxcd.io_apiextensions.k8s.io_CustomResourceDefinition"
            .parse()
            .unwrap();
        assert_eq!(crd.name, "gitrepositories.source.toolkit.fluxcd.io");
        assert_eq!(crd.group, "apiextensions.k8s.io");
    }

    #[test]
    fn rejects_malformed_ids() {
        assert!(matches!(
            ObjectId::parse("a_b_c"),
            Err(InventoryIdError::Parts { parts: 3, .. })
        ));
        assert!(matches!(
            ObjectId::parse("a_b_c_d_e"),
            Err(InventoryIdError::Parts { .. })
        ));
        assert!(matches!(
            ObjectId::parse("ns__apps_Deployment"),
            Err(InventoryIdError::Empty { part: "name", .. })
        ));
        assert!(matches!(
            ObjectId::parse("ns_x_apps_"),
            Err(InventoryIdError::Empty { part: "kind", .. })
        ));
        let msg = ObjectId::parse("oops").unwrap_err().to_string();
        assert!(msg.contains("\"oops\""), "{msg}");
    }

    #[test]
    fn inventory_sorts_and_diffs() {
        let a = ResourceRef::new(&ObjectId::new("default", "a", "", "ConfigMap"), "v1");
        let b = ResourceRef::new(&ObjectId::new("default", "b", "apps", "Deployment"), "v1");
        let old = ResourceInventory::from_entries(vec![b.clone(), a.clone(), a.clone()]);
        assert_eq!(old.entries, vec![a.clone(), b.clone()]);
        let new = ResourceInventory::from_entries(vec![a.clone()]);
        assert_eq!(old.diff(&new), vec![&b]);
        assert_eq!(b.object_id().unwrap().kind, "Deployment");
    }
}
