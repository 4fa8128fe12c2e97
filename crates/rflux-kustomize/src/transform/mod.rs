//! The built-in transformers kustomize runs for a kustomization's fields.

pub(crate) mod annotations;
pub(crate) mod images;
pub(crate) mod labels;
pub(crate) mod nameref;
pub(crate) mod namespace;
pub(crate) mod prefix;
pub(crate) mod replicas;

/// A field spec: the kinds (empty = any) and group (None = any) a path applies to.
pub(crate) struct FieldSpec {
    pub(crate) group: Option<&'static str>,
    pub(crate) kind: &'static str,
    pub(crate) path: &'static str,
    pub(crate) create: bool,
}

pub(crate) const fn fs(group: Option<&'static str>, kind: &'static str, path: &'static str, create: bool) -> FieldSpec {
    FieldSpec {
        group,
        kind,
        path,
        create,
    }
}

impl FieldSpec {
    pub(crate) fn applies(&self, gvk: &crate::resource::Gvk) -> bool {
        (self.kind.is_empty() || self.kind == gvk.kind) && self.group.is_none_or(|g| g == gvk.group)
    }
}
