//! The layout of the generated static tables (`generated.rs`) and raw accessors over them.
//!
//! Everything is an index into a flat static array, so the whole table is a handful of
//! relocation-free arrays and a lookup never allocates:
//!
//! * `NODES[i]` is one schema node. Nodes `0..DEF_NAMES.len()` are the definitions in name
//!   order; the rest are deduplicated inline nodes (property values, array items, map values).
//! * A node's properties are `PROPS[props..props + props_len]`, sorted by name (byte order).
//! * String lists (required, enum, list-map keys) are `(start, len)` ranges of `STRS`; single
//!   strings (format, patch strategy, patch merge key) are an index into `STRS`.
//! * [`X`] (`u16::MAX`) means "absent" for every single index.

use crate::generated::{DEF_NAMES, GVKS, NODES, PROPS, STRS};

/// "Absent" marker for optional `u16` indices.
pub(crate) const X: u16 = u16::MAX;

/// `RawNode::ty` values, in the order the generator writes them.
// 0 is a `$ref` node (its type is the referenced definition's).
pub(crate) const TY_OBJECT: u8 = 1;
pub(crate) const TY_ARRAY: u8 = 2;
pub(crate) const TY_STRING: u8 = 3;
pub(crate) const TY_INTEGER: u8 = 4;
pub(crate) const TY_NUMBER: u8 = 5;
pub(crate) const TY_BOOLEAN: u8 = 6;
pub(crate) const TY_INT_OR_STRING: u8 = 7;
pub(crate) const TY_ANY: u8 = 8;

/// `RawNode::flags` bit: `x-kubernetes-preserve-unknown-fields: true`, or an untyped value.
pub(crate) const FLAG_PRESERVE_UNKNOWN: u8 = 1;

/// One schema node as the generator writes it.
#[derive(Debug)]
pub(crate) struct RawNode {
    /// One of the `TY_*` constants; `TY_REF` when the node is a `$ref`.
    pub(crate) ty: u8,
    /// `x-kubernetes-list-type`: 0 absent, 1 atomic, 2 set, 3 map.
    pub(crate) list_type: u8,
    /// `x-kubernetes-map-type`: 0 absent, 1 atomic, 2 granular.
    pub(crate) map_type: u8,
    /// `FLAG_*` bits.
    pub(crate) flags: u8,
    /// Index into `STRS` of the `format` (plus synthetic `quantity` / `int-or-string`).
    pub(crate) format: u16,
    /// The referenced definition, or `X`.
    pub(crate) reference: u16,
    pub(crate) props: u16,
    pub(crate) props_len: u16,
    /// The `additionalProperties` node, or `X`.
    pub(crate) additional: u16,
    /// The `items` node, or `X`.
    pub(crate) items: u16,
    pub(crate) required: u16,
    pub(crate) required_len: u16,
    pub(crate) enum_values: u16,
    pub(crate) enum_len: u16,
    pub(crate) keys: u16,
    pub(crate) keys_len: u16,
    /// Index into `STRS` of `x-kubernetes-patch-strategy`, or `X`.
    pub(crate) patch_strategy: u16,
    /// Index into `STRS` of `x-kubernetes-patch-merge-key`, or `X`.
    pub(crate) merge_key: u16,
}

/// Positional constructor used by the generated table (keeps `generated.rs` compact).
#[allow(clippy::too_many_arguments)]
pub(crate) const fn n(
    ty: u8,
    list_type: u8,
    map_type: u8,
    flags: u8,
    format: u16,
    reference: u16,
    props: u16,
    props_len: u16,
    additional: u16,
    items: u16,
    required: u16,
    required_len: u16,
    enum_values: u16,
    enum_len: u16,
    keys: u16,
    keys_len: u16,
    patch_strategy: u16,
    merge_key: u16,
) -> RawNode {
    RawNode {
        ty,
        list_type,
        map_type,
        flags,
        format,
        reference,
        props,
        props_len,
        additional,
        items,
        required,
        required_len,
        enum_values,
        enum_len,
        keys,
        keys_len,
        patch_strategy,
        merge_key,
    }
}

/// The raw node at `index` (indices come from the table itself, so they are in range).
pub(crate) fn node(index: u16) -> &'static RawNode {
    &NODES[usize::from(index)]
}

/// The `(start, len)` range of `STRS` as a slice.
pub(crate) fn strs(start: u16, len: u16) -> &'static [&'static str] {
    let start = usize::from(start);
    &STRS[start..start + usize::from(len)]
}

/// A single string of `STRS`, `None` for `X`.
pub(crate) fn single(index: u16) -> Option<&'static str> {
    (index != X).then(|| STRS[usize::from(index)])
}

/// A single string of `STRS` as a one-element slice, empty for `X`.
pub(crate) fn single_slice(index: u16) -> &'static [&'static str] {
    if index == X { &[] } else { strs(index, 1) }
}

/// The properties of a raw node.
pub(crate) fn props(raw: &RawNode) -> &'static [(&'static str, u16)] {
    let start = usize::from(raw.props);
    &PROPS[start..start + usize::from(raw.props_len)]
}

/// Index of a definition by its full name.
pub(crate) fn definition_index(name: &str) -> Option<u16> {
    let i = DEF_NAMES.binary_search(&name).ok()?;
    u16::try_from(i).ok()
}

/// Name of definition `index`, if the index is a definition.
pub(crate) fn definition_name(index: u16) -> Option<&'static str> {
    DEF_NAMES.get(usize::from(index)).copied()
}

/// Root definition of a group/version/kind.
pub(crate) fn kind_index(group: &str, version: &str, kind: &str) -> Option<u16> {
    let i = GVKS
        .binary_search_by(|&(g, v, k, _)| (g, v, k).cmp(&(group, version, kind)))
        .ok()?;
    Some(GVKS[i].3)
}

/// All (group, version, kind, definition) rows.
pub(crate) fn gvks() -> &'static [(&'static str, &'static str, &'static str, u16)] {
    &GVKS
}

#[cfg(test)]
mod tests {
    //! The generated table is consistent: every index it holds is in range, so the accessors
    //! above cannot panic on any node.

    use super::*;

    fn in_range(index: u16, len: usize) -> bool {
        index == X || usize::from(index) < len
    }

    fn range_ok(start: u16, len: u16, total: usize) -> bool {
        usize::from(start) + usize::from(len) <= total
    }

    #[test]
    fn every_index_is_in_range() {
        for (i, raw) in NODES.iter().enumerate() {
            assert!(raw.ty <= TY_ANY, "node {i} type");
            assert!(raw.list_type <= 3 && raw.map_type <= 2, "node {i} list/map type");
            assert!(in_range(raw.reference, DEF_NAMES.len()), "node {i} ref");
            assert!(in_range(raw.additional, NODES.len()), "node {i} additional");
            assert!(in_range(raw.items, NODES.len()), "node {i} items");
            for single in [raw.format, raw.patch_strategy, raw.merge_key] {
                assert!(in_range(single, STRS.len()), "node {i} string");
            }
            assert!(range_ok(raw.props, raw.props_len, PROPS.len()), "node {i} props");
            assert!(
                range_ok(raw.required, raw.required_len, STRS.len()),
                "node {i} required"
            );
            assert!(range_ok(raw.enum_values, raw.enum_len, STRS.len()), "node {i} enum");
            assert!(range_ok(raw.keys, raw.keys_len, STRS.len()), "node {i} keys");
            let names: Vec<&str> = props(raw).iter().map(|&(name, _)| name).collect();
            assert!(names.windows(2).all(|w| w[0] < w[1]), "node {i} props unsorted");
            for &(_, node) in props(raw) {
                assert!(usize::from(node) < NODES.len(), "node {i} property node");
            }
        }
        assert!(DEF_NAMES.windows(2).all(|w| w[0] < w[1]), "definitions unsorted");
        for &(group, version, kind, def) in GVKS.iter() {
            assert!(usize::from(def) < DEF_NAMES.len(), "{group}/{version} {kind}");
        }
        assert!(
            GVKS.windows(2)
                .all(|w| (w[0].0, w[0].1, w[0].2) < (w[1].0, w[1].1, w[1].2)),
            "kinds unsorted"
        );
        assert_eq!(NODES[usize::from(crate::generated::ANY)].ty, TY_ANY);
    }
}
