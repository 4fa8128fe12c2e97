//! One view over the schemas the server knows: the built-in kinds' facts from `rflux-schema`,
//! a CRD's `openAPIV3Schema`, or nothing (deduced from the value, as structured-merge-diff
//! does for unknown types). Answers what merging and field ownership need.

use serde_json::Value;

use crate::resources::ResourceType;

/// How a list merges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListKind {
    Atomic,
    Set,
    Map(Vec<String>),
}

/// A node of a schema.
#[derive(Debug, Clone, Copy)]
pub enum Schema<'a> {
    Builtin(rflux_schema::Node),
    Crd(&'a Value),
    /// The root of a custom resource: `metadata` is ObjectMeta, the rest from the CRD.
    CrdRoot(&'a Value),
    Deduced,
}

fn object_meta() -> Schema<'static> {
    rflux_schema::definition("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta").map_or(Schema::Deduced, Schema::Builtin)
}

impl<'a> Schema<'a> {
    /// The schema of objects of this type in this version.
    pub fn for_type(rt: &'a ResourceType, version: &str) -> Schema<'a> {
        if rt.custom {
            return match rt.version(version).and_then(|v| v.schema.as_deref()) {
                Some(schema) => Schema::CrdRoot(schema),
                None => Schema::Deduced,
            };
        }
        rflux_schema::kind(&rt.group, version, &rt.kind).map_or(Schema::Deduced, Schema::Builtin)
    }

    /// The schema of a field (a struct property or a map value).
    pub fn field(self, name: &str) -> Schema<'a> {
        match self {
            Schema::Builtin(node) => node.field(name).map_or(Schema::Deduced, Schema::Builtin),
            Schema::CrdRoot(v) if name == "metadata" => {
                let _ = v;
                object_meta()
            }
            Schema::Crd(v) | Schema::CrdRoot(v) => {
                if let Some(p) = v.get("properties").and_then(|p| p.get(name)) {
                    return Schema::Crd(p);
                }
                match v.get("additionalProperties") {
                    Some(ap) if ap.is_object() => Schema::Crd(ap),
                    _ => Schema::Deduced,
                }
            }
            Schema::Deduced => Schema::Deduced,
        }
    }

    /// The schema of a field, or `None` when the schema does not allow it (an unknown field).
    pub fn known_field(self, name: &str) -> Option<Schema<'a>> {
        match self {
            Schema::Builtin(node) => {
                if matches!(node.ty(), rflux_schema::NodeType::Any) || node.preserves_unknown() {
                    return Some(node.field(name).map_or(Schema::Deduced, Schema::Builtin));
                }
                node.field(name).map(Schema::Builtin)
            }
            Schema::CrdRoot(_) if name == "metadata" => Some(object_meta()),
            Schema::CrdRoot(_) if name == "apiVersion" || name == "kind" => Some(Schema::Deduced),
            Schema::Crd(v) | Schema::CrdRoot(v) => {
                if let Some(p) = v.get("properties").and_then(|p| p.get(name)) {
                    return Some(Schema::Crd(p));
                }
                let embedded = v.get("x-kubernetes-embedded-resource").and_then(Value::as_bool) == Some(true);
                if embedded && name == "metadata" {
                    return Some(object_meta());
                }
                if embedded && (name == "apiVersion" || name == "kind") {
                    return Some(Schema::Deduced);
                }
                match v.get("additionalProperties") {
                    Some(ap) if ap.is_object() => return Some(Schema::Crd(ap)),
                    Some(Value::Bool(true)) => return Some(Schema::Deduced),
                    _ => {}
                }
                let preserve = v.get("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool) == Some(true);
                let untyped = v.get("type").is_none() && v.get("properties").is_none();
                (preserve || untyped).then_some(Schema::Deduced)
            }
            Schema::Deduced => Some(Schema::Deduced),
        }
    }

    /// The schema of list items.
    pub fn items(self) -> Schema<'a> {
        match self {
            Schema::Builtin(node) => node.items().map_or(Schema::Deduced, Schema::Builtin),
            Schema::Crd(v) | Schema::CrdRoot(v) => v
                .get("items")
                .filter(|i| i.is_object())
                .map_or(Schema::Deduced, Schema::Crd),
            Schema::Deduced => Schema::Deduced,
        }
    }

    /// How a list at this node merges (server-side apply and strategic merge).
    pub fn list_kind(self) -> ListKind {
        match self {
            Schema::Builtin(node) => match node.effective_list_type() {
                Some(rflux_schema::ListType::Set) => ListKind::Set,
                Some(rflux_schema::ListType::Map) => {
                    ListKind::Map(node.effective_list_keys().iter().map(|s| s.to_string()).collect())
                }
                _ => ListKind::Atomic,
            },
            Schema::Crd(v) | Schema::CrdRoot(v) => match v.get("x-kubernetes-list-type").and_then(Value::as_str) {
                Some("set") => ListKind::Set,
                Some("map") => ListKind::Map(
                    v.get("x-kubernetes-list-map-keys")
                        .and_then(Value::as_array)
                        .map(|keys| keys.iter().filter_map(Value::as_str).map(str::to_string).collect())
                        .unwrap_or_default(),
                ),
                _ => ListKind::Atomic,
            },
            Schema::Deduced => ListKind::Atomic,
        }
    }

    /// Whether an object at this node is replaced as a whole (`x-kubernetes-map-type: atomic`).
    pub fn is_atomic_object(self) -> bool {
        match self {
            Schema::Builtin(node) => node.map_type_atomic(),
            Schema::Crd(v) | Schema::CrdRoot(v) => {
                v.get("x-kubernetes-map-type").and_then(Value::as_str) == Some("atomic")
            }
            Schema::Deduced => false,
        }
    }

    /// Whether an object at this node is a map (free keys) rather than a struct. Maps and
    /// list items are themselves members of a field set; struct fields are not.
    pub fn is_map(self) -> bool {
        match self {
            Schema::Builtin(node) => node.is_map() || node.ty() == rflux_schema::NodeType::Any,
            Schema::Crd(v) | Schema::CrdRoot(v) => v.get("properties").is_none(),
            Schema::Deduced => true,
        }
    }

    pub fn patch_strategy(self) -> Option<&'a str> {
        match self {
            Schema::Builtin(node) => node.patch_strategy(),
            Schema::Crd(_) | Schema::CrdRoot(_) => None,
            Schema::Deduced => None,
        }
    }

    pub fn patch_merge_key(self) -> Option<String> {
        match self {
            Schema::Builtin(node) => node.patch_merge_key().map(str::to_string),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_are_keyed_by_name() {
        let deploy = rflux_schema::kind("apps", "v1", "Deployment")
            .map(Schema::Builtin)
            .unwrap();
        let containers = deploy.field("spec").field("template").field("spec").field("containers");
        assert_eq!(containers.list_kind(), ListKind::Map(vec!["name".to_string()]));
        assert!(deploy.field("spec").field("selector").is_atomic_object());
        assert!(deploy.field("metadata").field("labels").is_map());
        assert!(!deploy.field("spec").is_map());
    }
}
