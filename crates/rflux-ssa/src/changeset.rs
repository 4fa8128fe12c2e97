//! What an apply or prune did, object by object, printed as Flux prints it
//! (`Deployment/default/app configured`).

use std::collections::BTreeMap;
use std::fmt;

use rflux_api::ObjectId;

use crate::object::{ObjectRef, subject};

/// What happened to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Created,
    Configured,
    Unchanged,
    Deleted,
    Skipped,
}

impl Action {
    /// Flux's word for the action.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Configured => "configured",
            Action::Unchanged => "unchanged",
            Action::Deleted => "deleted",
            Action::Skipped => "skipped",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result for one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSetEntry {
    pub id: ObjectId,
    /// The version part of the object's apiVersion.
    pub version: String,
    /// `Kind/namespace/name`.
    pub subject: String,
    pub action: Action,
}

impl ChangeSetEntry {
    pub fn new(object: &ObjectRef, action: Action) -> ChangeSetEntry {
        ChangeSetEntry {
            id: object.id.clone(),
            version: object.version.clone(),
            subject: subject(&object.id),
            action,
        }
    }

    /// The object this entry is about.
    pub fn object(&self) -> ObjectRef {
        ObjectRef::new(self.id.clone(), self.version.clone())
    }
}

impl fmt::Display for ChangeSetEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.subject, self.action)
    }
}

/// The results of an apply or prune, in the order the objects were handled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    pub entries: Vec<ChangeSetEntry>,
}

impl ChangeSet {
    pub fn push(&mut self, entry: ChangeSetEntry) {
        self.entries.push(entry);
    }

    pub fn extend(&mut self, other: ChangeSet) {
        self.entries.extend(other.entries);
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The objects of all entries.
    pub fn objects(&self) -> Vec<ObjectRef> {
        self.entries.iter().map(ChangeSetEntry::object).collect()
    }

    /// Entries whose action is not `Unchanged` (what Flux reports in events).
    pub fn changed(&self) -> impl Iterator<Item = &ChangeSetEntry> {
        self.entries.iter().filter(|e| e.action != Action::Unchanged)
    }

    /// `subject → action`, as Flux logs a change set.
    pub fn to_map(&self) -> BTreeMap<String, Action> {
        self.entries.iter().map(|e| (e.subject.clone(), e.action)).collect()
    }
}

impl fmt::Display for ChangeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, entry) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{entry}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_flux_lines() {
        let mut set = ChangeSet::default();
        let dep = ObjectRef::new(ObjectId::new("default", "app", "apps", "Deployment"), "v1");
        let ns = ObjectRef::new(ObjectId::new("", "apps", "", "Namespace"), "v1");
        set.push(ChangeSetEntry::new(&ns, Action::Created));
        set.push(ChangeSetEntry::new(&dep, Action::Configured));
        assert_eq!(
            set.to_string(),
            "Namespace/apps created\nDeployment/default/app configured"
        );
        assert_eq!(set.changed().count(), 2);
        assert_eq!(set.to_map()["Deployment/default/app"], Action::Configured);
        assert_eq!(set.objects(), vec![ns, dep]);
    }
}
