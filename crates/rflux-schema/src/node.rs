//! [`Node`]: a cheap handle on one schema node, with the facts the merge and validation code
//! asks about (type, fields, list and map semantics, patch strategy, required, enum).
//!
//! A node that is a `$ref` in the schema keeps its own Kubernetes extensions (a property may
//! override what the referenced definition says, e.g. `PersistentVolumeSpec.claimRef` is
//! `granular` although `ObjectReference` is `atomic`); structural questions (type, properties,
//! items, required, enum) are answered by the referenced definition.

use std::fmt;

use crate::generated::ANY;
use crate::table::{self, FLAG_PRESERVE_UNKNOWN, RawNode, X};

/// How deep `$ref` chains are followed (the built-in schemas never chain more than once).
const MAX_REF_HOPS: usize = 8;

/// The JSON type of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeType {
    /// A struct (`properties`) or a map (`additionalProperties`, see [`Node::is_map`]).
    Object,
    /// A list; see [`Node::items`] and [`Node::effective_list_type`].
    Array,
    /// A string. `resource.Quantity` is a string too (format `quantity`; numbers are accepted
    /// on input by Kubernetes).
    String,
    /// An integer (format `int32` or `int64`).
    Integer,
    /// A floating point number (format `double`).
    Number,
    /// A boolean.
    Boolean,
    /// `intstr.IntOrString`: an integer or a string.
    IntOrString,
    /// Arbitrary JSON: untyped values (`RawExtension`, `apiextensions.v1.JSON`, `FieldsV1`) and
    /// `x-kubernetes-preserve-unknown-fields` without a type.
    Any,
}

/// `x-kubernetes-list-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListType {
    /// The list is replaced as a whole.
    Atomic,
    /// A list of unique scalars, merged as a set.
    Set,
    /// A list of objects keyed by [`Node::list_map_keys`] (or the merge key).
    Map,
}

/// `x-kubernetes-map-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MapType {
    /// The map or struct is replaced as a whole.
    Atomic,
    /// Each key is owned and merged separately (the default for maps and structs).
    Granular,
}

/// A handle on one node of the built-in schema table. `Copy`, one `u16` wide.
///
/// Equality is identity of table entries: identical inline schemas (say two `string`
/// properties) are stored once, so their nodes compare equal wherever they appear.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Node(u16);

impl Node {
    pub(crate) const fn from_index(index: u16) -> Node {
        Node(index)
    }

    fn raw(self) -> &'static RawNode {
        table::node(self.0)
    }

    /// The node structural questions are answered by: this node with `$ref`s followed.
    fn resolved(self) -> Node {
        let mut node = self;
        for _ in 0..MAX_REF_HOPS {
            let reference = node.raw().reference;
            if reference == X {
                break;
            }
            node = Node(reference);
        }
        node
    }

    /// The first value `pick` finds on this node or, when absent, along its `$ref` chain.
    fn extension<T>(self, pick: impl Fn(&RawNode) -> Option<T>) -> Option<T> {
        let mut node = self;
        for _ in 0..=MAX_REF_HOPS {
            let raw = node.raw();
            if let Some(value) = pick(raw) {
                return Some(value);
            }
            if raw.reference == X {
                return None;
            }
            node = Node(raw.reference);
        }
        None
    }

    /// The definition this node is or refers to, e.g. `io.k8s.api.core.v1.PodSpec`; `None` for
    /// inline nodes (properties of scalar, list or map type).
    pub fn definition_name(self) -> Option<&'static str> {
        table::definition_name(self.resolved().0)
    }

    /// The JSON type.
    pub fn ty(self) -> NodeType {
        match self.resolved().raw().ty {
            table::TY_OBJECT => NodeType::Object,
            table::TY_ARRAY => NodeType::Array,
            table::TY_STRING => NodeType::String,
            table::TY_INTEGER => NodeType::Integer,
            table::TY_NUMBER => NodeType::Number,
            table::TY_BOOLEAN => NodeType::Boolean,
            table::TY_INT_OR_STRING => NodeType::IntOrString,
            // TY_ANY, and an unresolvable reference (not produced by the generator).
            _ => NodeType::Any,
        }
    }

    /// The `format`: `int32`, `int64`, `double`, `byte`, `date-time`, and the synthetic
    /// `quantity` (for `resource.Quantity`) and `int-or-string`.
    pub fn format(self) -> Option<&'static str> {
        table::single(self.resolved().raw().format)
    }

    /// The node of field `name`: a declared property, or the value node of a map
    /// (`additionalProperties`). For [`NodeType::Any`] and nodes that preserve unknown fields
    /// every name yields the "any" node. `None` means the field is not part of the schema.
    pub fn field(self, name: &str) -> Option<Node> {
        let target = self.resolved();
        let raw = target.raw();
        if raw.ty == table::TY_ANY {
            return Some(Node(ANY));
        }
        if let Some(node) = target.property(name) {
            return Some(node);
        }
        if raw.additional != X {
            return Some(Node(raw.additional));
        }
        self.preserves_unknown().then_some(Node(ANY))
    }

    /// A declared property only (no map values, no "any").
    pub fn property(self, name: &str) -> Option<Node> {
        let props = table::props(self.resolved().raw());
        let i = props.binary_search_by(|&(n, _)| n.cmp(name)).ok()?;
        Some(Node(props[i].1))
    }

    /// Follows `path` from this node: each segment is a field name; arrays are stepped
    /// through to their items implicitly (so `["spec", "containers", "ports"]` works).
    pub fn at(self, path: &[&str]) -> Option<Node> {
        let mut node = self;
        for segment in path {
            while node.ty() == NodeType::Array {
                node = node.items()?;
            }
            node = node.field(segment)?;
        }
        Some(node)
    }

    /// True when the node is a map (`additionalProperties`, i.e. `map[string]X`).
    pub fn is_map(self) -> bool {
        self.resolved().raw().additional != X
    }

    /// The value node of a map (`additionalProperties`).
    pub fn map_values(self) -> Option<Node> {
        let additional = self.resolved().raw().additional;
        (additional != X).then_some(Node(additional))
    }

    /// The declared properties, sorted by name.
    pub fn properties(self) -> impl Iterator<Item = (&'static str, Node)> + 'static {
        table::props(self.resolved().raw())
            .iter()
            .map(|&(name, index)| (name, Node(index)))
    }

    /// The item node of an array; the "any" node for [`NodeType::Any`].
    pub fn items(self) -> Option<Node> {
        let raw = self.resolved().raw();
        if raw.ty == table::TY_ANY {
            return Some(Node(ANY));
        }
        (raw.items != X).then_some(Node(raw.items))
    }

    /// The explicit `x-kubernetes-list-type`, exactly as the schema says.
    pub fn list_type(self) -> Option<ListType> {
        self.extension(|raw| match raw.list_type {
            1 => Some(ListType::Atomic),
            2 => Some(ListType::Set),
            3 => Some(ListType::Map),
            _ => None,
        })
    }

    /// The explicit `x-kubernetes-list-map-keys` (empty when absent).
    pub fn list_map_keys(self) -> &'static [&'static str] {
        self.extension(|raw| (raw.keys_len > 0).then(|| table::strs(raw.keys, raw.keys_len)))
            .unwrap_or(&[])
    }

    /// The explicit `x-kubernetes-map-type`.
    pub fn map_type(self) -> Option<MapType> {
        self.extension(|raw| match raw.map_type {
            1 => Some(MapType::Atomic),
            2 => Some(MapType::Granular),
            _ => None,
        })
    }

    /// True for `x-kubernetes-map-type: atomic` (the map or struct is replaced as a whole).
    pub fn map_type_atomic(self) -> bool {
        self.map_type() == Some(MapType::Atomic)
    }

    /// `x-kubernetes-patch-strategy`: `merge`, `replace`, `retainKeys` or `merge,retainKeys`.
    pub fn patch_strategy(self) -> Option<&'static str> {
        self.extension(|raw| table::single(raw.patch_strategy))
    }

    /// `x-kubernetes-patch-merge-key`: the single key kube-apiserver's strategic merge patch
    /// merges list items by (e.g. `containerPort` for container ports).
    pub fn patch_merge_key(self) -> Option<&'static str> {
        self.extension(|raw| table::single(raw.merge_key))
    }

    /// The keys kustomize (kyaml) merges list items by in a strategic merge: when the node
    /// has a patch strategy, its `x-kubernetes-list-map-keys` if any (e.g. `containerPort`
    /// and `protocol`), else its patch merge key; empty without a patch strategy or keys
    /// (a list of scalars such as `finalizers` is then merged as a set).
    pub fn patch_merge_keys(self) -> &'static [&'static str] {
        if self.patch_strategy().is_none() {
            return &[];
        }
        let keys = self.list_map_keys();
        if !keys.is_empty() {
            return keys;
        }
        self.extension(|raw| (raw.merge_key != X).then(|| table::single_slice(raw.merge_key)))
            .unwrap_or(&[])
    }

    /// True when the patch strategy contains `merge` (strategic merge patch merges the list
    /// or map instead of replacing it).
    pub fn patch_strategy_merge(self) -> bool {
        self.patch_strategy()
            .is_some_and(|s| s.split(',').any(|part| part == "merge"))
    }

    /// True when the patch strategy contains `retainKeys`.
    pub fn patch_strategy_retain_keys(self) -> bool {
        self.patch_strategy()
            .is_some_and(|s| s.split(',').any(|part| part == "retainKeys"))
    }

    /// The `required` property names of an object.
    pub fn required(self) -> &'static [&'static str] {
        let raw = self.resolved().raw();
        table::strs(raw.required, raw.required_len)
    }

    /// The `enum` values (empty when unrestricted). Note kubernetes-validate pins `apiVersion`
    /// and `kind` of top-level kinds with a one-value enum.
    pub fn enum_values(self) -> &'static [&'static str] {
        let raw = self.resolved().raw();
        table::strs(raw.enum_values, raw.enum_len)
    }

    /// True for `x-kubernetes-preserve-unknown-fields` and for untyped ([`NodeType::Any`])
    /// values: unknown fields are kept, not pruned or rejected.
    pub fn preserves_unknown(self) -> bool {
        self.extension(|raw| (raw.flags & FLAG_PRESERVE_UNKNOWN != 0).then_some(()))
            .is_some()
    }

    /// The list semantics server-side apply (structured-merge-diff) uses for this array, as
    /// kube-apiserver derives them from the OpenAPI extensions:
    ///
    /// 1. an explicit `x-kubernetes-list-type` wins;
    /// 2. else a patch strategy `merge` / `merge,retainKeys` makes it a [`ListType::Map`] keyed
    ///    by the patch merge key, or a [`ListType::Set`] when there is no merge key;
    /// 3. else the list is [`ListType::Atomic`].
    ///
    /// `None` when the node is not an array. Keys: [`Node::effective_list_keys`].
    pub fn effective_list_type(self) -> Option<ListType> {
        if self.ty() != NodeType::Array {
            return None;
        }
        if let Some(explicit) = self.list_type() {
            return Some(explicit);
        }
        match self.patch_strategy() {
            Some("merge" | "merge,retainKeys") => Some(if self.patch_merge_key().is_some() {
                ListType::Map
            } else {
                ListType::Set
            }),
            _ => Some(ListType::Atomic),
        }
    }

    /// The keys of an effective [`ListType::Map`]: `x-kubernetes-list-map-keys` when the list
    /// type is explicit, else the patch merge key. Empty for other lists and non-arrays.
    pub fn effective_list_keys(self) -> &'static [&'static str] {
        if self.effective_list_type() != Some(ListType::Map) {
            return &[];
        }
        if self.list_type() == Some(ListType::Map) {
            return self.list_map_keys();
        }
        self.extension(|raw| (raw.merge_key != X).then(|| table::single_slice(raw.merge_key)))
            .unwrap_or(&[])
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Node");
        out.field("index", &self.0).field("ty", &self.ty());
        if let Some(name) = self.definition_name() {
            out.field("definition", &name);
        }
        out.finish()
    }
}
