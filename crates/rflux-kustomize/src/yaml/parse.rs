//! Reads a YAML stream into JSON values the way kyaml does: go-yaml v3 scalar resolution,
//! anchors and aliases expanded, merge keys (`<<`) applied, duplicate keys rejected.

use std::collections::HashMap;

use serde_json::{Map, Value};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Span};

use super::resolve::{Resolved, Rules, resolve_plain, to_value};

/// A YAML syntax or structure error with its 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl std::error::Error for YamlError {}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} column {}: {}", self.line, self.column, self.message)
    }
}

fn err_at(span: &Span, message: impl Into<String>) -> YamlError {
    YamlError {
        line: span.start.line(),
        column: span.start.col() + 1,
        message: message.into(),
    }
}

/// Maximum nesting depth accepted (guards the recursive builder).
const MAX_DEPTH: usize = 512;

/// Maximum number of values copied by alias expansion in one stream.
const MAX_ALIAS_EXPANSION: usize = 1_000_000;

/// Number of values in `v` (itself included), capped to avoid long walks.
fn node_count(v: &Value) -> usize {
    let mut count = 0;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        count += 1;
        if count > MAX_ALIAS_EXPANSION {
            break;
        }
        match v {
            Value::Array(items) => stack.extend(items.iter()),
            Value::Object(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    count
}

enum Frame {
    Seq(Vec<Value>, usize),
    Map {
        map: Map<String, Value>,
        anchor: usize,
        key: Option<(String, bool)>,
        merges: Vec<(bool, Value)>,
        key_lines: HashMap<String, usize>,
    },
}

/// Parses every document of a stream with kyaml's (go-yaml v3) scalar rules; empty
/// documents yield `Value::Null`.
pub fn parse_stream(text: &str) -> Result<Vec<Value>, YamlError> {
    check_kyaml_stream(text)?;
    parse_stream_with(text, Rules::V3, false)
}

/// Parses a resource file: like [`parse_stream`], and each object's own
/// `metadata.annotations` values become their scalar text, as kustomize rewrites them.
pub(crate) fn parse_resources(text: &str) -> Result<Vec<Value>, YamlError> {
    check_kyaml_stream(text)?;
    parse_stream_with(text, Rules::V3, true)
}

/// What kyaml's stream reader refuses before parsing: document separators with content
/// after `---`, and `%YAML` versions other than 1.1 (go-yaml's "incompatible document").
fn check_kyaml_stream(text: &str) -> Result<(), YamlError> {
    for (i, line) in text.lines().enumerate() {
        let err = |message: String| YamlError {
            line: i + 1,
            column: 1,
            message,
        };
        if let Some(rest) = line.strip_prefix("---") {
            let after = rest.trim_start();
            let valid =
                rest.is_empty() || (rest.starts_with([' ', '\t']) && (after.is_empty() || after.starts_with('#')));
            if !valid {
                return Err(err(format!("invalid document separator: {line}")));
            }
        }
        if let Some(version) = line.strip_prefix("%YAML") {
            let version = version.split('#').next().unwrap_or("").trim();
            if version != "1.1" {
                return Err(err("found incompatible YAML document".into()));
            }
        }
    }
    Ok(())
}

/// Decodes standard base64 (whitespace ignored); `None` when invalid.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut padding = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        if padding > 0 {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Parses a kustomization file: kustomize reads those through `sigs.k8s.io/yaml`, i.e.
/// go-yaml v2's YAML 1.1 scalars (`on`, `yes`, `n` are booleans).
pub(crate) fn parse_kustomization(text: &str) -> Result<Vec<Value>, YamlError> {
    parse_stream_with(text, Rules::V2, false)
}

fn parse_stream_with(text: &str, rules: Rules, annotations_as_text: bool) -> Result<Vec<Value>, YamlError> {
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Value> = HashMap::new();
    let mut expanded: usize = 0;
    // The key each open collection sits under (parallel to `stack`).
    let mut under: Vec<Option<String>> = Vec::new();
    // kustomize rewrites an object's own `metadata.annotations` as a string map, so each
    // value becomes its scalar text (collections become "").
    let in_annotations = |under: &[Option<String>]| {
        annotations_as_text
            && under.len() == 3
            && under[1].as_deref() == Some("metadata")
            && under[2].as_deref() == Some("annotations")
    };
    let mut doc_value: Option<Value> = None;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| YamlError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info(),
        })?;
        let value = match event {
            Event::StreamStart | Event::StreamEnd => continue,
            Event::DocumentStart(..) => {
                anchors.clear();
                doc_value = None;
                continue;
            }
            Event::DocumentEnd => {
                docs.push(doc_value.take().unwrap_or(Value::Null));
                continue;
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(v) => {
                    // Guard against alias bombs: every expansion copies the anchored value.
                    expanded += node_count(v);
                    if expanded > MAX_ALIAS_EXPANSION {
                        return Err(err_at(&span, "too many alias expansions (alias bomb?)"));
                    }
                    v.clone()
                }
                None => return Err(err_at(&span, "unknown alias")),
            },
            Event::Scalar(text, style, anchor, tag) => {
                let v = scalar(&text, style, tag.as_deref().map(|t| (t.handle(), t.suffix())), rules)
                    .map_err(|m| err_at(&span, m))?;
                // `<<` is a merge key; a quoted `"<<"` key is dropped (as kyaml does).
                let is_merge_key = text == "<<" && tag.is_none();
                let quoted_merge = is_merge_key && style != ScalarStyle::Plain;
                if let Some(Frame::Map { key: k @ None, .. }) = stack.last_mut() {
                    // A mapping key.
                    let key_text = match &v {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        _ => text.to_string(),
                    };
                    *k = Some((
                        if quoted_merge { "<<\u{0}quoted".into() } else { key_text },
                        is_merge_key,
                    ));
                    if anchor != 0 {
                        anchors.insert(anchor, v);
                    }
                    continue;
                }
                if anchor != 0 {
                    anchors.insert(anchor, v.clone());
                }
                if in_annotations(&under) && matches!(stack.last(), Some(Frame::Map { .. })) {
                    // An empty value (no text in the source) is "".
                    let empty = style == ScalarStyle::Plain && span.start.index() == span.end.index();
                    Value::String(if empty { String::new() } else { text.to_string() })
                } else {
                    v
                }
            }
            Event::SequenceStart(_, anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err_at(&span, "nesting too deep"));
                }
                under.push(pending_key(stack.last()));
                stack.push(Frame::Seq(Vec::new(), anchor));
                continue;
            }
            Event::MappingStart(_, anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err_at(&span, "nesting too deep"));
                }
                if let Some(Frame::Map { key: None, .. }) = stack.last() {
                    return Err(err_at(&span, "complex mapping keys are not supported"));
                }
                under.push(pending_key(stack.last()));
                stack.push(Frame::Map {
                    map: Map::new(),
                    anchor,
                    key: None,
                    merges: Vec::new(),
                    key_lines: HashMap::new(),
                });
                continue;
            }
            Event::SequenceEnd => match (stack.pop(), under.pop()) {
                (Some(Frame::Seq(items, anchor)), _) => {
                    let v = Value::Array(items);
                    if anchor != 0 {
                        anchors.insert(anchor, v.clone());
                    }
                    v
                }
                _ => return Err(err_at(&span, "unbalanced sequence end")),
            },
            Event::MappingEnd => match (stack.pop(), under.pop()) {
                (
                    Some(Frame::Map {
                        mut map,
                        anchor,
                        merges,
                        ..
                    }),
                    _,
                ) => {
                    // Merge keys: explicit keys win, earlier merges win over later ones.
                    for merged in merges {
                        let (quoted, merged) = merged;
                        // kyaml drops a quoted `"<<"` key whatever its value.
                        if quoted {
                            continue;
                        }
                        let sources = match merged {
                            Value::Array(items) => items,
                            other => vec![other],
                        };
                        for source in sources {
                            if let Value::Object(m) = source {
                                for (k, v) in m {
                                    if !map.contains_key(&k) {
                                        map.insert(k, v);
                                    }
                                }
                            } else {
                                return Err(err_at(&span, "map merge requires map or sequence of maps as the value"));
                            }
                        }
                    }
                    let v = Value::Object(map);
                    if anchor != 0 {
                        anchors.insert(anchor, v.clone());
                    }
                    v
                }
                _ => return Err(err_at(&span, "unbalanced mapping end")),
            },
            _ => continue,
        };
        // Place the finished value.
        let value = if in_annotations(&under)
            && matches!(stack.last(), Some(Frame::Map { key: Some(_), .. }))
            && (value.is_array() || value.is_object())
        {
            Value::String(String::new())
        } else {
            value
        };
        match stack.last_mut() {
            None => doc_value = Some(value),
            Some(Frame::Seq(items, _)) => items.push(value),
            Some(Frame::Map {
                map,
                key,
                merges,
                key_lines,
                ..
            }) => match key.take() {
                None => {
                    // A collection or alias used as a key.
                    let key_text = match value {
                        Value::String(s) => s,
                        Value::Null => String::new(),
                        Value::Bool(_) | Value::Number(_) => value.to_string(),
                        _ => return Err(err_at(&span, "complex mapping keys are not supported")),
                    };
                    *key = Some((key_text, false));
                }
                Some((k, true)) if k == "<<" => merges.push((false, value)),
                Some((k, true)) if k == "<<\u{0}quoted" => merges.push((true, value)),
                Some((k, _)) => {
                    if let Some(line) = key_lines.get(&k) {
                        return Err(err_at(
                            &span,
                            format!("mapping key \"{k}\" already defined at line {line}"),
                        ));
                    }
                    key_lines.insert(k.clone(), span.start.line());
                    map.insert(k, value);
                }
            },
        }
    }
    Ok(docs)
}

fn scalar(text: &str, style: ScalarStyle, tag: Option<(&str, &str)>, rules: Rules) -> Result<Value, String> {
    if let Some((handle, suffix)) = tag {
        if handle == "tag:yaml.org,2002:" {
            let resolved = resolve_plain(text, rules);
            return match suffix {
                "str" => Ok(Value::String(text.to_string())),
                "binary" => match decode_base64(text) {
                    Some(bytes) => Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned())),
                    None => Err(format!("!!binary value contains invalid base64 data: {text}")),
                },
                "null" => match resolved {
                    Resolved::Null => Ok(Value::Null),
                    _ => Err(format!("cannot decode !!str `{text}` as a !!null")),
                },
                "bool" => match resolved {
                    Resolved::Bool(b) => Ok(Value::Bool(b)),
                    _ => Err(format!("cannot decode !!{suffix} `{text}`")),
                },
                "int" => match resolved {
                    Resolved::Int(_) | Resolved::Uint(_) => Ok(to_value(text, resolved)),
                    _ => Err(format!("cannot decode !!{suffix} `{text}`")),
                },
                "float" => match resolved {
                    Resolved::Int(i) => Ok(to_value(text, Resolved::Float(i as f64))),
                    Resolved::Uint(u) => Ok(to_value(text, Resolved::Float(u as f64))),
                    Resolved::Float(_) => Ok(to_value(text, resolved)),
                    _ => Err(format!("cannot decode !!{suffix} `{text}`")),
                },
                "timestamp" => match resolved {
                    Resolved::Timestamp(_) => Ok(to_value(text, resolved)),
                    _ => Ok(Value::String(text.to_string())),
                },
                _ => Ok(Value::String(text.to_string())),
            };
        }
        // Application tags: the value is kept as written.
        if style != ScalarStyle::Plain {
            return Ok(Value::String(text.to_string()));
        }
        return Ok(to_value(text, resolve_plain(text, rules)));
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_string()));
    }
    match resolve_plain(text, rules) {
        // kustomize goes through JSON, which has no infinities or NaN.
        Resolved::Float(f) if !f.is_finite() => Err(format!("json: unsupported value: {text} (infinity or NaN)")),
        resolved => Ok(to_value(text, resolved)),
    }
}

/// The key a new collection opens under: the parent mapping's pending key.
fn pending_key(parent: Option<&Frame>) -> Option<String> {
    match parent {
        Some(Frame::Map { key: Some((k, _)), .. }) => Some(k.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_merges_and_duplicates() {
        let docs = parse_stream("a: &x {b: 1}\nc: *x\nd:\n  <<: *x\n  e: 2\n").unwrap_or_default();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0]["c"]["b"], 1);
        assert_eq!(docs[0]["d"]["b"], 1);
        assert!(parse_stream("a: 1\na: 2\n").is_err());
        let docs = parse_stream("---\n---\na: yes\n").unwrap_or_default();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1]["a"], "yes");
    }
}
