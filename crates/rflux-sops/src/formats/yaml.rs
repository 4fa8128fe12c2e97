//! YAML documents to and from sops trees: a loader over the granit event parser (comments
//! kept, aliases expanded, scalars resolved as go-yaml v3 does) and an emitter that writes
//! what sops (go-yaml v3, indent 4) writes.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser, Placement, ScalarStyle, StructureStyle};

use super::scalar;
use crate::error::{Result, SopsError};
use crate::tree::{Branch, Item, Key, Value};

const FMT: &str = "yaml";

struct Loader<'a> {
    /// Events with the line and column where each starts.
    events: Vec<(Event<'a>, usize, usize)>,
    pos: usize,
    anchors: HashMap<usize, Value>,
    /// Own-line comments read between a key and its block value: they belong at the start of
    /// that block (go-yaml makes them head comments of its first entry).
    carry: Vec<String>,
}

fn perr(line: usize, msg: impl std::fmt::Display) -> SopsError {
    SopsError::parse(FMT, format!("line {line}: {msg}"))
}

impl<'a> Loader<'a> {
    fn peek(&self) -> Option<&Event<'a>> {
        self.events.get(self.pos).map(|(e, _, _)| e)
    }
    fn line(&self) -> usize {
        self.events.get(self.pos).map(|(_, l, _)| *l).unwrap_or(0)
    }
    fn col(&self) -> usize {
        self.events.get(self.pos).map(|(_, _, c)| *c).unwrap_or(0)
    }
    fn next(&mut self) -> Option<(Event<'a>, usize)> {
        let e = self.events.get(self.pos).map(|(e, l, _)| (e.clone(), *l));
        self.pos += 1;
        e
    }

    /// Collect comment events at the current position.
    fn take_comments(&mut self) -> Vec<(String, Placement)> {
        let mut out = Vec::new();
        while let Some(Event::Comment(text, placement)) = self.peek() {
            out.push((text.to_string(), *placement));
            self.pos += 1;
        }
        out
    }

    /// Comments less indented than a block container that ends right after them belong to an
    /// outer container: move the container's end event before them.
    fn hoist_end(&mut self, block_col: Option<usize>, is_end: fn(&Event) -> bool) {
        let Some(col) = block_col else { return };
        let mut j = self.pos;
        while matches!(self.events.get(j), Some((Event::Comment(..), _, _))) {
            j += 1;
        }
        if j == self.pos || !self.events.get(j).is_some_and(|(e, _, _)| is_end(e)) {
            return;
        }
        let first_outer = (self.pos..j)
            .find(|&i| matches!(&self.events[i], (Event::Comment(_, p), _, c) if *c < col && *p != Placement::Right));
        if let Some(i) = first_outer {
            let end = self.events.remove(j);
            self.events.insert(i, end);
        }
    }

    fn remember(&mut self, anchor: usize, v: &Value) {
        if anchor != 0 {
            self.anchors.insert(anchor, v.clone());
        }
    }

    fn node(&mut self) -> Result<Value> {
        let line = self.line();
        match self.next() {
            Some((Event::Scalar(text, style, anchor, tag), _)) => {
                let v = match (&tag, style) {
                    (Some(t), _) => scalar::resolve_tagged(&text, t.suffix()),
                    (None, ScalarStyle::Plain) => scalar::resolve_plain(&text),
                    (None, _) => Value::Str(text.to_string()),
                };
                self.remember(anchor, &v);
                Ok(v)
            }
            Some((Event::Alias(id), _)) => self
                .anchors
                .get(&id)
                .cloned()
                .ok_or_else(|| perr(line, "alias to an unknown anchor")),
            Some((Event::MappingStart(style, anchor, _), _)) => {
                let block = style == StructureStyle::Block;
                let items = self.mapping_body(block)?;
                let v = Value::Map(items);
                self.remember(anchor, &v);
                Ok(v)
            }
            Some((Event::SequenceStart(style, anchor, _), _)) => {
                let block = style == StructureStyle::Block;
                let v = Value::Seq(self.sequence_body(block)?);
                self.remember(anchor, &v);
                Ok(v)
            }
            Some((e, _)) => Err(perr(line, format!("unexpected YAML event {}", event_name(&e)))),
            None => Err(perr(line, "unexpected end of input")),
        }
    }

    fn mapping_body(&mut self, block: bool) -> Result<Vec<Item>> {
        let mut items: Vec<Item> = std::mem::take(&mut self.carry).into_iter().map(Item::comment).collect();
        let mut block_col = None;
        loop {
            self.hoist_end(block_col, |e| matches!(e, Event::MappingEnd));
            let comments = self.take_comments();
            let mut placed_right = Vec::new();
            for (c, placement) in comments {
                if placement == Placement::Right && items.iter().any(|i| matches!(i.key, Key::Str(_))) {
                    placed_right.push(c);
                } else {
                    items.push(Item::comment(c));
                }
            }
            if !placed_right.is_empty() {
                // A same-line comment belongs to the previous item; sops puts it before it.
                let at = items
                    .iter()
                    .rposition(|i| matches!(i.key, Key::Str(_)))
                    .unwrap_or(items.len());
                for (k, c) in placed_right.into_iter().enumerate() {
                    items.insert(at + k, Item::comment(c));
                }
            }
            let line = self.line();
            if let Some(Event::MappingEnd) = self.peek() {
                self.pos += 1;
                return Ok(items);
            }
            if block && block_col.is_none() {
                block_col = Some(self.col());
            }
            let key = match self.node()? {
                Value::Str(s) => s,
                Value::Null => return Err(perr(line, "null mapping keys are not supported")),
                Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                    return Err(perr(line, "non-string mapping keys are not supported by sops"));
                }
                _ => return Err(perr(line, "complex mapping keys are not supported")),
            };
            let mut own_line = Vec::new();
            for (c, placement) in self.take_comments() {
                if placement == Placement::Right {
                    items.push(Item::comment(c));
                } else {
                    own_line.push(c);
                }
            }
            if matches!(self.peek(), Some(Event::MappingStart(..) | Event::SequenceStart(..))) {
                self.carry = own_line;
            } else {
                items.extend(own_line.into_iter().map(Item::comment));
            }
            let value = self.node()?;
            items.push(Item::new(key, value));
        }
    }

    fn sequence_body(&mut self, block: bool) -> Result<Vec<Value>> {
        let mut out: Vec<Value> = std::mem::take(&mut self.carry)
            .into_iter()
            .map(Value::Comment)
            .collect();
        let mut block_col = None;
        loop {
            self.hoist_end(block_col, |e| matches!(e, Event::SequenceEnd));
            for (c, placement) in self.take_comments() {
                if placement == Placement::Right && out.iter().any(|v| !matches!(v, Value::Comment(_))) {
                    let at = out
                        .iter()
                        .rposition(|v| !matches!(v, Value::Comment(_)))
                        .unwrap_or(out.len());
                    out.insert(at, Value::Comment(c));
                } else {
                    out.push(Value::Comment(c));
                }
            }
            if let Some(Event::SequenceEnd) = self.peek() {
                self.pos += 1;
                return Ok(out);
            }
            if block && block_col.is_none() {
                // The item's node starts after "- "; the dash is two columns to the left.
                block_col = Some(self.col().saturating_sub(2));
            }
            out.push(self.node()?);
        }
    }
}

fn event_name(e: &Event) -> &'static str {
    match e {
        Event::StreamStart => "stream start",
        Event::StreamEnd => "stream end",
        Event::DocumentStart(..) => "document start",
        Event::DocumentEnd => "document end",
        Event::MappingEnd => "mapping end",
        Event::SequenceEnd => "sequence end",
        _ => "node",
    }
}

/// Parse a YAML stream into one branch per document (the root of each must be a mapping).
pub fn load(input: &str) -> Result<Vec<Branch>> {
    let mut events = Vec::new();
    for ev in Parser::new_from_str(input) {
        let (e, span) = ev.map_err(|e| {
            let m = e.marker();
            perr(m.line(), format!("column {}: {}", m.col() + 1, e.info()))
        })?;
        events.push((e, span.start.line(), span.start.col()));
    }
    let mut l = Loader {
        events,
        pos: 0,
        anchors: HashMap::new(),
        carry: Vec::new(),
    };
    let mut docs = Vec::new();
    loop {
        let pending = l.take_comments();
        let line = l.line();
        match l.next() {
            Some((Event::StreamStart, _)) => continue,
            Some((Event::StreamEnd, _)) | None => {
                if let Some(last) = docs.last_mut() {
                    let last: &mut Branch = last;
                    last.extend(pending.into_iter().map(|(c, _)| Item::comment(c)));
                }
                break;
            }
            Some((Event::DocumentStart(..), _)) => {
                let mut branch: Branch = pending.into_iter().map(|(c, _)| Item::comment(c)).collect();
                for (c, _) in l.take_comments() {
                    branch.push(Item::comment(c));
                }
                let line = l.line();
                match l.peek() {
                    Some(Event::MappingStart(..)) => match l.node()? {
                        Value::Map(items) => branch.extend(items),
                        _ => return Err(perr(line, "document root must be a mapping")),
                    },
                    Some(Event::SequenceStart(..)) => {
                        return Err(perr(line, "YAML documents that are sequences are not supported"));
                    }
                    Some(Event::Scalar(..)) => {
                        let root = l.node()?;
                        if root != Value::Null {
                            return Err(perr(line, "YAML documents that are values are not supported"));
                        }
                    }
                    _ => {}
                }
                for (c, _) in l.take_comments() {
                    branch.push(Item::comment(c));
                }
                match l.next() {
                    Some((Event::DocumentEnd, _)) => {}
                    _ => return Err(perr(line, "expected document end")),
                }
                docs.push(branch);
            }
            Some((e, _)) => return Err(perr(line, format!("unexpected {}", event_name(&e)))),
        }
    }
    Ok(docs)
}

// ---------------------------------------------------------------------------------------
// Emitter

/// Format a float as go-yaml v3 does (`strconv.FormatFloat(f, 'g', -1, 64)`).
pub fn go_format_g(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf".into() } else { "-.inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let e = format!("{f:e}"); // shortest digits, like "1.2345e6"
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    // Go: shortest 'g' switches to an exponent from 1e6 on (precision 6 rule).
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        let a = exp.abs();
        if a < 10 {
            format!("{mant}e{sign}0{a}")
        } else {
            format!("{mant}e{sign}{a}")
        }
    } else {
        format!("{f}")
    }
}

fn double_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if c.is_control() || c == '\u{feff}' => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02X}"));
                } else {
                    out.push_str(&format!("\\u{n:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A single-line scalar string as go-yaml v3 writes it (plain, single- or double-quoted).
pub fn inline_string(s: &str, is_key: bool) -> String {
    if s.contains('\n') {
        return double_quote(s);
    }
    if scalar::needs_quotes_for_type(s) {
        return double_quote(s);
    }
    if scalar::plain_allowed(s, is_key) {
        return s.to_string();
    }
    if scalar::single_quote_allowed(s) {
        return format!("'{}'", s.replace('\'', "''"));
    }
    double_quote(s)
}

struct Emitter {
    out: String,
    indent: usize,
}

impl Emitter {
    fn pad(&mut self, n: usize) {
        for _ in 0..n {
            self.out.push(' ');
        }
    }

    fn comment(&mut self, col: usize, text: &str) {
        self.pad(col);
        self.out.push('#');
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// Emit a scalar after `key: ` or `- `; `col` is the column of block content.
    fn scalar_inline(&mut self, v: &Value, col: usize) {
        match v {
            Value::Null => self.out.push_str("null\n"),
            Value::Bool(b) => {
                self.out.push_str(if *b { "true" } else { "false" });
                self.out.push('\n');
            }
            Value::Int(i) => {
                self.out.push_str(&i.to_string());
                self.out.push('\n');
            }
            Value::Float(f) => {
                self.out.push_str(&go_format_g(*f));
                self.out.push('\n');
            }
            Value::Str(s) | Value::Comment(s) => self.string(s, col),
            Value::Bytes(b) => match std::str::from_utf8(b) {
                Ok(s) => self.string(s, col),
                Err(_) => {
                    use base64::Engine;
                    self.out.push_str("!!binary ");
                    self.out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
                    self.out.push('\n');
                }
            },
            Value::Map(_) | Value::Seq(_) => {}
        }
    }

    fn string(&mut self, s: &str, col: usize) {
        let block_ok = s.contains('\n')
            && s.chars().all(|c| c == '\n' || c == '\t' || !c.is_control())
            && !s.contains(" \n")
            && !s.ends_with(' ');
        if !block_ok {
            self.out.push_str(&inline_string(s, false));
            self.out.push('\n');
            return;
        }
        self.out.push('|');
        if s.starts_with(' ') || s.starts_with('\n') {
            self.out.push_str(&self.indent.to_string());
        }
        let trailing = s.len() - s.trim_end_matches('\n').len();
        match trailing {
            0 => self.out.push('-'),
            1 => {}
            _ => self.out.push('+'),
        }
        self.out.push('\n');
        let body = s.strip_suffix('\n').unwrap_or(s);
        for line in body.split('\n') {
            if !line.is_empty() {
                self.pad(col);
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
    }

    fn map(&mut self, items: &[Item], col: usize, first_inline: bool) {
        let mut first = first_inline;
        let real = items.iter().any(|i| matches!(i.key, Key::Str(_)));
        if !real {
            // Only comments (or nothing): go-yaml writes `{}`.
            for i in items {
                if let Key::Comment(c) = &i.key {
                    if !first {
                        self.pad(col);
                    }
                    first = false;
                    self.out.push('#');
                    self.out.push_str(c);
                    self.out.push('\n');
                }
            }
            return;
        }
        for item in items {
            match &item.key {
                Key::Comment(c) => {
                    if first {
                        self.out.push('#');
                        self.out.push_str(c);
                        self.out.push('\n');
                        first = false;
                    } else {
                        self.comment(col, c);
                    }
                }
                Key::Str(k) => {
                    if !first {
                        self.pad(col);
                    }
                    first = false;
                    self.out.push_str(&inline_string(k, true));
                    self.out.push(':');
                    self.value_after_key(&item.value, col);
                }
            }
        }
    }

    /// go-yaml v3 aligns nested blocks to the next multiple of the indent.
    fn next_indent(&self, col: usize) -> usize {
        self.indent * ((col + self.indent) / self.indent)
    }

    fn value_after_key(&mut self, v: &Value, col: usize) {
        match v {
            Value::Map(items) if items.iter().any(|i| matches!(i.key, Key::Str(_))) => {
                self.out.push('\n');
                self.map(items, self.next_indent(col), false);
            }
            Value::Map(_) => self.out.push_str(" {}\n"),
            Value::Seq(items) if items.iter().any(|i| !matches!(i, Value::Comment(_))) => {
                self.out.push('\n');
                self.seq(items, self.next_indent(col));
            }
            Value::Seq(_) => self.out.push_str(" []\n"),
            other => {
                self.out.push(' ');
                self.scalar_inline(other, self.next_indent(col));
            }
        }
    }

    fn seq(&mut self, items: &[Value], col: usize) {
        for item in items {
            match item {
                Value::Comment(c) => self.comment(col, c),
                Value::Map(m) if m.iter().any(|i| matches!(i.key, Key::Str(_))) => {
                    self.pad(col);
                    self.out.push_str("- ");
                    self.map(m, col + 2, true);
                }
                Value::Map(_) => {
                    self.pad(col);
                    self.out.push_str("- {}\n");
                }
                Value::Seq(s) if s.iter().any(|i| !matches!(i, Value::Comment(_))) => {
                    self.pad(col);
                    self.out.push_str("- ");
                    // Nested sequence: first item on the same line.
                    let start = self.out.len();
                    self.seq(s, col + 2);
                    let nested = self.out.split_off(start);
                    self.out.push_str(nested.trim_start_matches(' '));
                }
                Value::Seq(_) => {
                    self.pad(col);
                    self.out.push_str("- []\n");
                }
                other => {
                    self.pad(col);
                    self.out.push_str("- ");
                    self.scalar_inline(other, col + 2);
                }
            }
        }
    }
}

/// Emit branches as a YAML stream (documents separated by `---`), with the given indent.
pub fn emit(branches: &[Branch], indent: usize) -> String {
    let mut e = Emitter {
        out: String::new(),
        indent: indent.clamp(2, 9),
    };
    for (i, b) in branches.iter().enumerate() {
        if i > 0 {
            e.out.push_str("---\n");
        }
        if b.iter().any(|i| matches!(i.key, Key::Str(_))) {
            e.map(b, 0, false);
        } else {
            for item in b {
                if let Key::Comment(c) = &item.key {
                    e.comment(0, c);
                }
            }
            if b.is_empty() {
                e.out.push_str("{}\n");
            }
        }
    }
    e.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_go() {
        assert_eq!(go_format_g(1000.0), "1000");
        assert_eq!(go_format_g(1.5), "1.5");
        assert_eq!(go_format_g(1e21), "1e+21");
        assert_eq!(go_format_g(1234568000.0), "1.234568e+09");
        assert_eq!(go_format_g(100000.0), "100000");
        assert_eq!(go_format_g(0.00001), "1e-05");
    }

    #[test]
    fn comments_land_where_go_yaml_puts_them() {
        let src = "# head\na: 1 # line a\n# between\nb:\n    # inside b head\n    c: 2\n    # foot of c\nlist:\n    - x # line x\n    # between items\n    - y\n# foot\n";
        let out = emit(&load(src).unwrap(), 4);
        assert_eq!(
            out,
            "# head\n# line a\na: 1\n# between\nb:\n    # inside b head\n    c: 2\n    # foot of c\nlist:\n    # line x\n    - x\n    # between items\n    - \"y\"\n# foot\n"
        );
    }

    #[test]
    fn round_trip_structure_and_comments() {
        let src =
            "# head\na: 1\nb:\n    c: \"x\"\n    # inner\n    d: [1, 2]\nlist:\n    - one\n    - k: v\n      j: w\n";
        let docs = load(src).unwrap();
        assert_eq!(docs.len(), 1);
        let out = emit(&docs, 4);
        let again = load(&out).unwrap();
        assert_eq!(docs, again, "{out}");
        assert!(out.starts_with("# head\na: 1\n"), "{out}");
    }
}
