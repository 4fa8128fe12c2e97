//! A fast reader for indexes in the block layout Helm writes (`helm repo index`, go-yaml):
//! a line-oriented scanner for block mappings and sequences, plain, quoted and literal
//! scalars, `[]` and `{}`. Anything else (anchors, tags, flow collections with content,
//! folded or multi-line quoted scalars, documents markers, unusual top-level keys) makes
//! it give up, and the caller parses the file with the full YAML parser instead, so the
//! fast path never decides what a file means on its own.

use std::io::BufRead;

use serde_json::{Map, Value};

use super::model::IndexFile;
use super::parse::{ParseFailure, push_entry};

/// Why the fast path stopped: the file needs the full parser, or reading failed.
pub(crate) enum Stop {
    /// Not in the supported subset (at this line).
    Unsupported(usize),
    /// The input could not be read or an entry is unusable.
    Failed(ParseFailure),
}

#[derive(Clone, Copy)]
struct Line<'a> {
    /// 1-based line number.
    number: usize,
    indent: usize,
    text: &'a str,
}

enum Node {
    /// A plain scalar (its text, resolved later by where it sits).
    Plain(String),
    /// A quoted or block scalar: always a string.
    Text(String),
    Null,
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

fn unsupported<T>(line: usize) -> Result<T, Stop> {
    Err(Stop::Unsupported(line))
}

/// Read the whole index from `reader` into `index` (already empty).
pub(crate) fn parse_block_index(mut reader: impl BufRead, index: &mut IndexFile) -> Result<(), Stop> {
    let mut line = String::new();
    let mut number = 0usize;
    // Pending lines of the current chart version entry: their text back to back, and
    // per line its number and end offset.
    let mut item = Item::default();
    let mut chart: Option<String> = None;
    let mut in_entries = false;
    let mut entries_indent: Option<usize> = None;
    let mut seq_indent: Option<usize> = None;
    loop {
        line.clear();
        let n = reader.read_line(&mut line).map_err(|e| {
            Stop::Failed(ParseFailure {
                message: format!("reading: {e}"),
                line: Some(number as u64),
                column: None,
            })
        })?;
        let eof = n == 0;
        number += 1;
        let text = line.trim_end_matches(['\n', '\r']);
        let trimmed = text.trim_start_matches(' ');
        if !eof && trimmed.is_empty() {
            if !item.is_empty() {
                item.push(number, "");
            }
            continue;
        }
        if !eof && trimmed.starts_with('#') {
            // Inside an entry a `#` line may be block-scalar content: keep it (the entry
            // parser gives up on it elsewhere); between entries it is a comment.
            if !item.is_empty() {
                item.push(number, text);
            }
            continue;
        }
        if trimmed.starts_with('\t') {
            return unsupported(number);
        }
        let indent = text.len() - trimmed.len();
        // Does the pending entry continue on this line?
        if !eof && !item.is_empty() && seq_indent.is_some_and(|s| indent > s) {
            item.push(number, text);
            continue;
        }
        if !item.is_empty() {
            let Some(name) = chart.as_deref() else {
                return unsupported(number);
            };
            finish_item(&item, name, index)?;
            item.clear();
        }
        if eof {
            break;
        }
        if indent == 0 {
            in_entries = false;
            chart = None;
            seq_indent = None;
            let Some((key, value)) = split_key(trimmed) else {
                return unsupported(number);
            };
            match (key, value.trim()) {
                ("apiVersion", v) => index.api_version = simple_scalar(v, number)?,
                ("generated", v) => index.generated = simple_scalar(v, number)?,
                ("entries", "") => in_entries = true,
                ("entries", "{}") => {}
                _ => return unsupported(number),
            }
            continue;
        }
        if !in_entries {
            return unsupported(number);
        }
        let e = *entries_indent.get_or_insert(indent);
        if indent == e && !trimmed.starts_with('-') {
            // A chart name.
            let Some((key, value)) = split_key(trimmed) else {
                return unsupported(number);
            };
            if !value.trim().is_empty() && value.trim() != "[]" {
                return unsupported(number);
            }
            if key.starts_with(['"', '\'']) {
                return unsupported(number);
            }
            super::parse::ensure_chart(index, key);
            chart = Some(key.to_string());
            seq_indent = None;
            continue;
        }
        if trimmed == "-" || trimmed.starts_with("- ") {
            let s = *seq_indent.get_or_insert(indent);
            if indent != s || indent < e || chart.is_none() {
                return unsupported(number);
            }
            item.push(number, text);
            continue;
        }
        return unsupported(number);
    }
    Ok(())
}

/// The lines of one entry, stored without an allocation per line.
#[derive(Default)]
struct Item {
    text: String,
    lines: Vec<(usize, usize)>,
}

impl Item {
    fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
    fn push(&mut self, number: usize, line: &str) {
        self.text.push_str(line);
        self.lines.push((number, self.text.len()));
    }
    fn clear(&mut self) {
        self.text.clear();
        self.lines.clear();
    }
    fn iter(&self) -> impl Iterator<Item = (usize, &str)> {
        let mut start = 0;
        self.lines.iter().map(move |&(number, end)| {
            let line = self.text.get(start..end).unwrap_or("");
            start = end;
            (number, line)
        })
    }
}

/// Parse one collected `- ...` entry and add it to the index.
fn finish_item(item: &Item, chart: &str, index: &mut IndexFile) -> Result<(), Stop> {
    let mut parsed: Vec<Line<'_>> = Vec::with_capacity(item.lines.len());
    for (number, text) in item.iter() {
        let trimmed = text.trim_start_matches(' ');
        if trimmed.is_empty() {
            continue;
        }
        parsed.push(Line {
            number,
            indent: text.len() - trimmed.len(),
            text: trimmed,
        });
    }
    let first = parsed.first().copied().ok_or(Stop::Unsupported(0))?;
    let mut pos = 0;
    let node = parse_seq_item(&mut parsed, &mut pos, first.indent)?;
    if pos != parsed.len() {
        return unsupported(parsed.get(pos).map_or(first.number, |l| l.number));
    }
    let value = to_value(node, false);
    push_entry(index, chart, value).map_err(|message| {
        Stop::Failed(ParseFailure {
            message,
            line: Some(first.number as u64),
            column: None,
        })
    })
}

/// `key: rest` or `key:`; `None` when the line is not a simple mapping entry.
fn split_key(text: &str) -> Option<(&str, &str)> {
    if text.starts_with(['"', '\'', '{', '[', '&', '*', '!', '?', '|', '>', '%', '@', '`', '-']) {
        return None;
    }
    let colon = text
        .find(": ")
        .or_else(|| text.ends_with(':').then(|| text.len() - 1))?;
    let key = &text[..colon];
    if key.is_empty() || key.contains(" #") || key.ends_with(' ') {
        return None;
    }
    Some((key, &text[colon + 1..]))
}

/// A one-line scalar at the top level.
fn simple_scalar(v: &str, line: usize) -> Result<String, Stop> {
    match one_line_scalar(v, line)? {
        Node::Plain(s) | Node::Text(s) => Ok(s),
        Node::Null => Ok(String::new()),
        _ => unsupported(line),
    }
}

fn strip_comment(v: &str) -> &str {
    match v.find(" #") {
        Some(i) => v[..i].trim_end(),
        None => v.trim_end(),
    }
}

/// A scalar (or `[]`/`{}`) written entirely on one line.
fn one_line_scalar(v: &str, line: usize) -> Result<Node, Stop> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(Node::Null);
    }
    match v.as_bytes()[0] {
        b'"' => {
            let (s, rest) = double_quoted(&v[1..]).ok_or(Stop::Unsupported(line))?;
            if !strip_comment(rest).is_empty() {
                return unsupported(line);
            }
            Ok(Node::Text(s))
        }
        b'\'' => {
            let (s, rest) = single_quoted(&v[1..]).ok_or(Stop::Unsupported(line))?;
            if !strip_comment(rest).is_empty() {
                return unsupported(line);
            }
            Ok(Node::Text(s))
        }
        b'[' | b'{' => match strip_comment(v) {
            "[]" => Ok(Node::Seq(Vec::new())),
            "{}" => Ok(Node::Map(Vec::new())),
            _ => unsupported(line),
        },
        b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'?' | b'#' => unsupported(line),
        _ => {
            let s = strip_comment(v);
            if s.contains(": ") || s.ends_with(':') || s == "-" || s.starts_with("- ") {
                return unsupported(line);
            }
            Ok(Node::Plain(s.to_string()))
        }
    }
}

fn double_quoted(s: &str) -> Option<(String, &str)> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &s[i + 1..])),
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '/' => out.push('/'),
                    '0' => out.push('\0'),
                    ' ' => out.push(' '),
                    'u' | 'x' | 'U' => {
                        let len = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut code = String::new();
                        for _ in 0..len {
                            code.push(chars.next()?.1);
                        }
                        out.push(char::from_u32(u32::from_str_radix(&code, 16).ok()?)?);
                    }
                    _ => return None,
                }
            }
            c => out.push(c),
        }
    }
    None
}

fn single_quoted(s: &str) -> Option<(String, &str)> {
    let mut out = String::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut start = 0;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            out.push_str(&s[start..i]);
            if bytes.get(i + 1) == Some(&b'\'') {
                out.push('\'');
                i += 2;
                start = i;
                continue;
            }
            return Some((out, &s[i + 1..]));
        }
        i += 1;
    }
    None
}

/// A sequence item starting at `lines[*pos]` (`- ...` at `indent`).
fn parse_seq_item(lines: &mut [Line<'_>], pos: &mut usize, indent: usize) -> Result<Node, Stop> {
    let line = lines[*pos];
    let rest = line.text.strip_prefix('-').unwrap_or("");
    let content = rest.trim_start_matches(' ');
    if content.is_empty() {
        *pos += 1;
        return parse_nested(lines, pos, indent);
    }
    let offset = line.text.len() - content.len();
    if split_key(content).is_some() {
        // A mapping in compact form: continue it as if the dash were a space.
        lines[*pos] = Line {
            number: line.number,
            indent: indent + offset,
            text: content,
        };
        return parse_map(lines, pos, indent + offset);
    }
    *pos += 1;
    scalar_value(lines, pos, content, indent, line.number)
}

/// The value of a key (or a dash) whose text is on following lines.
fn parse_nested(lines: &mut [Line<'_>], pos: &mut usize, parent: usize) -> Result<Node, Stop> {
    let Some(next) = lines.get(*pos).copied() else {
        return Ok(Node::Null);
    };
    let is_dash = next.text == "-" || next.text.starts_with("- ");
    if is_dash && next.indent >= parent {
        return parse_seq(lines, pos, next.indent);
    }
    if next.indent > parent {
        return parse_map(lines, pos, next.indent);
    }
    Ok(Node::Null)
}

fn parse_seq(lines: &mut [Line<'_>], pos: &mut usize, indent: usize) -> Result<Node, Stop> {
    let mut items = Vec::new();
    while let Some(line) = lines.get(*pos).copied() {
        if line.indent < indent {
            break;
        }
        if line.indent > indent || !(line.text == "-" || line.text.starts_with("- ")) {
            if line.indent == indent {
                break;
            }
            return unsupported(line.number);
        }
        items.push(parse_seq_item(lines, pos, indent)?);
    }
    Ok(Node::Seq(items))
}

fn parse_map(lines: &mut [Line<'_>], pos: &mut usize, indent: usize) -> Result<Node, Stop> {
    let mut entries: Vec<(String, Node)> = Vec::new();
    while let Some(line) = lines.get(*pos).copied() {
        if line.indent < indent {
            break;
        }
        if line.indent > indent {
            return unsupported(line.number);
        }
        if line.text == "-" || line.text.starts_with("- ") {
            break;
        }
        let Some((key, rest)) = split_key(line.text) else {
            return unsupported(line.number);
        };
        if entries.iter().any(|(k, _)| k == key) {
            return unsupported(line.number);
        }
        *pos += 1;
        let value_text = rest.trim_start_matches(' ');
        let value = if strip_comment(value_text).is_empty() && !value_text.starts_with('#') {
            parse_nested(lines, pos, indent)?
        } else {
            scalar_value(lines, pos, value_text, indent, line.number)?
        };
        entries.push((key.to_string(), value));
    }
    Ok(Node::Map(entries))
}

/// A scalar starting after `key: ` or `- `, with its continuation lines (more indented
/// than `indent`): literal blocks and multi-line plain scalars.
fn scalar_value(
    lines: &mut [Line<'_>],
    pos: &mut usize,
    text: &str,
    indent: usize,
    number: usize,
) -> Result<Node, Stop> {
    let continued = |lines: &[Line<'_>], p: usize| lines.get(p).is_some_and(|l| l.indent > indent);
    if text.starts_with('|') {
        let chomp = match strip_comment(text) {
            "|" => Chomp::Clip,
            "|-" => Chomp::Strip,
            _ => return unsupported(number),
        };
        return literal_block(lines, pos, indent, number, chomp);
    }
    let node = one_line_scalar(text, number)?;
    if !continued(lines, *pos) {
        return Ok(node);
    }
    // Continuation lines only for plain scalars.
    let Node::Plain(mut s) = node else {
        return unsupported(number);
    };
    while let Some(line) = lines.get(*pos).copied() {
        if line.indent <= indent {
            break;
        }
        let part = line.text;
        if part.contains(": ") || part.contains(" #") || part.ends_with(':') || part.starts_with(['#', '"', '\'']) {
            return unsupported(line.number);
        }
        if line.number > number + 1 {
            // Blank lines inside a plain scalar fold into newlines: leave it to the parser.
            return unsupported(line.number);
        }
        s.push(' ');
        s.push_str(part.trim_end());
        *pos += 1;
    }
    Ok(Node::Plain(s))
}

enum Chomp {
    Clip,
    Strip,
}

fn literal_block(
    lines: &mut [Line<'_>],
    pos: &mut usize,
    indent: usize,
    number: usize,
    chomp: Chomp,
) -> Result<Node, Stop> {
    let Some(first) = lines.get(*pos).copied().filter(|l| l.indent > indent) else {
        return Ok(Node::Text(String::new()));
    };
    let block = first.indent;
    let mut out = String::new();
    let mut last_number = number;
    while let Some(line) = lines.get(*pos).copied() {
        if line.indent <= indent {
            break;
        }
        if line.indent < block {
            return unsupported(line.number);
        }
        // Blank lines were dropped when lines were collected: restore them.
        for _ in last_number + 1..line.number {
            if !out.is_empty() {
                out.push('\n');
            }
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.extend(std::iter::repeat_n(' ', line.indent - block));
        out.push_str(line.text);
        last_number = line.number;
        *pos += 1;
    }
    if matches!(chomp, Chomp::Clip) {
        out.push('\n');
    }
    Ok(Node::Text(out))
}

/// Keys whose values are typed (not strings) in a chart version.
fn typed_key(key: &str) -> bool {
    matches!(
        key,
        "maintainers" | "dependencies" | "deprecated" | "removed" | "import-values" | "enabled"
    )
}

/// Convert to JSON: plain scalars stay text except under typed keys, where they resolve
/// as go-yaml resolves them.
fn to_value(node: Node, typed: bool) -> Value {
    match node {
        Node::Plain(s) if typed => rflux_helm::yaml::resolve_plain(&s),
        Node::Plain(s) if s == "~" || s == "null" || s == "Null" || s == "NULL" => Value::Null,
        Node::Plain(s) | Node::Text(s) => Value::String(s),
        Node::Null => Value::Null,
        Node::Seq(items) => Value::Array(items.into_iter().map(|n| to_value(n, typed)).collect()),
        // Null members are left out: absent and null mean the same to every field here.
        Node::Map(entries) => Value::Object(
            entries
                .into_iter()
                .filter_map(|(k, v)| {
                    let t = typed || typed_key(&k);
                    let v = to_value(v, t);
                    (!v.is_null()).then_some((k, v))
                })
                .collect::<Map<String, Value>>(),
        ),
    }
}
