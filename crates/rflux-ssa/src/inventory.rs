//! Flux's inventory (`status.inventory.entries[] {id, v}`) of what an apply left in the
//! cluster, and the stale objects a newer inventory no longer lists.

use rflux_api::{InventoryIdError, ResourceInventory, ResourceRef};

use crate::changeset::ChangeSet;
use crate::object::ObjectRef;

/// The inventory of the objects in a change set (every entry, skipped ones included, as Flux
/// records them), sorted by id.
pub fn inventory_of(changes: &ChangeSet) -> ResourceInventory {
    let entries: Vec<ResourceRef> = changes
        .entries
        .iter()
        .map(|e| ResourceRef::new(&e.id, &e.version))
        .collect();
    ResourceInventory::from_entries(entries)
}

/// The objects of `old` that `new` no longer lists: what a prune deletes. Ids compare
/// without the version, so an object moving to a new API version is not stale.
pub fn stale(old: &ResourceInventory, new: &ResourceInventory) -> Result<Vec<ObjectRef>, InventoryIdError> {
    old.diff(new).into_iter().map(ObjectRef::from_inventory).collect()
}

/// The objects an inventory lists.
pub fn objects_of(inventory: &ResourceInventory) -> Result<Vec<ObjectRef>, InventoryIdError> {
    inventory.entries.iter().map(ObjectRef::from_inventory).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changeset::{Action, ChangeSetEntry};
    use rflux_api::ObjectId;

    #[test]
    fn inventory_and_stale_objects() {
        let cm = ObjectRef::new(ObjectId::new("default", "cm", "", "ConfigMap"), "v1");
        let dep = ObjectRef::new(ObjectId::new("default", "app", "apps", "Deployment"), "v1");
        let mut set = ChangeSet::default();
        set.push(ChangeSetEntry::new(&dep, Action::Created));
        set.push(ChangeSetEntry::new(&cm, Action::Unchanged));
        let old = inventory_of(&set);
        assert_eq!(old.entries[0].id, "default_app_apps_Deployment");
        assert_eq!(old.entries[0].v, "v1");
        assert_eq!(old.entries[1].id, "default_cm__ConfigMap");
        let mut newer = ChangeSet::default();
        newer.push(ChangeSetEntry::new(&cm, Action::Unchanged));
        let new = inventory_of(&newer);
        assert_eq!(stale(&old, &new).unwrap(), vec![dep]);
        assert_eq!(objects_of(&new).unwrap(), vec![cm]);
    }
}
