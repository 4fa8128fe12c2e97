//! YAML output identical to Helm's `toYaml` (sigs.k8s.io/yaml: JSON → go-yaml v2 decode →
//! go-yaml v2 encode): go-yaml's key order, scalar resolution and quoting, literal blocks,
//! and line folding at 80 columns.

use crate::gofmt::format_float_g;
use crate::json::float_json;
use crate::value::Value;

/// go-yaml v2 folds plain and quoted scalars past this column; yaml.v3 as Helm uses it
/// for `toYamlPretty` does not fold.
const BEST_WIDTH: usize = 80;

/// What the JSON round trip turns a value into before go-yaml encodes it.
enum Node {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

fn to_node(v: &Value, pretty: bool) -> Result<Node, String> {
    let Some(_g) = crate::value::DepthGuard::enter() else {
        return Err(format!(
            "json: unsupported value: encountered a cycle via {}",
            v.type_name()
        ));
    };
    Ok(match v {
        Value::Nil => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(i) | Value::Int64(i) => Node::Num(i.to_string()),
        // yaml.v3 (toYamlPretty) encodes the float64 itself: shortest %g, .inf/.nan
        Value::Float(f) if pretty => Node::Num(match format_float_g(*f, None, false).as_str() {
            "+Inf" => ".inf".into(),
            "-Inf" => "-.inf".into(),
            "NaN" => ".nan".into(),
            other => other.to_string(),
        }),
        Value::Float(f) => {
            let j = float_json(*f).ok_or_else(|| format!("json: unsupported value: {}", crate::gofmt::float_v(*f)))?;
            if j.contains(['.', 'e', 'E']) || (j.parse::<i64>().is_err() && j.parse::<u64>().is_err()) {
                Node::Num(format_float_g(*f, None, false))
            } else {
                Node::Num(j)
            }
        }
        Value::Str(s) => Node::Str(s.to_string()),
        Value::Object(o) => match crate::value::encoded(o.as_ref()) {
            crate::value::Encoded::Base64(text) => Node::Str(text),
            crate::value::Encoded::Fields(fields) => to_node(&Value::map(fields.into_iter().collect()), pretty)?,
            crate::value::Encoded::Plain(v) => to_node(&v, pretty)?,
        },
        Value::Time(t) => Node::Str(crate::gotime::format(t, crate::gotime::RFC3339_NANO)),
        Value::List(l) | Value::TypedList(l, _) => {
            Node::Seq(l.iter().map(|x| to_node(x, pretty)).collect::<Result<_, _>>()?)
        }
        Value::Map(m) => {
            let mut entries: Vec<(String, Node)> = Vec::new();
            for (k, x) in m.entries() {
                entries.push((k, to_node(&x, pretty)?));
            }
            entries.sort_by(|a, b| key_cmp(&a.0, &b.0));
            Node::Map(entries)
        }
    })
}

/// go-yaml v2's key ordering (letters vs digits, numbers compared by value).
pub fn key_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let less = |a: &str, b: &str| -> bool {
        let ar: Vec<char> = a.chars().collect();
        let br: Vec<char> = b.chars().collect();
        let mut i = 0;
        while i < ar.len() && i < br.len() {
            if ar[i] == br[i] {
                i += 1;
                continue;
            }
            let al = ar[i].is_alphabetic();
            let bl = br[i].is_alphabetic();
            if al && bl {
                return ar[i] < br[i];
            }
            if al || bl {
                return bl;
            }
            let (mut an, mut bn) = (0i64, 0i64);
            if ar[i] == '0' || br[i] == '0' {
                let mut j = i as isize - 1;
                while j >= 0 && ar[j as usize].is_ascii_digit() {
                    if ar[j as usize] != '0' {
                        an = 1;
                        bn = 1;
                        break;
                    }
                    j -= 1;
                }
            }
            let mut ai = i;
            while ai < ar.len() && ar[ai].is_ascii_digit() {
                an = an.wrapping_mul(10).wrapping_add(ar[ai] as i64 - '0' as i64);
                ai += 1;
            }
            let mut bi = i;
            while bi < br.len() && br[bi].is_ascii_digit() {
                bn = bn.wrapping_mul(10).wrapping_add(br[bi] as i64 - '0' as i64);
                bi += 1;
            }
            if an != bn {
                return an < bn;
            }
            if ai != bi {
                return ai < bi;
            }
            return ar[i] < br[i];
        }
        ar.len() < br.len()
    };
    if less(a, b) {
        Ordering::Less
    } else if less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// Whether go-yaml v2 would resolve the plain scalar `s` to something other than a string.
pub fn resolves_non_string(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    const SPECIAL: [&str; 35] = [
        "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
        "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", ".nan", ".NaN", ".NAN", ".inf", ".Inf",
        ".INF", "+.inf", "-.inf", "+.Inf",
    ];
    if SPECIAL.contains(&s) || matches!(s, "+.INF" | "-.Inf" | "-.INF") {
        return true;
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return false;
    }
    // integers (strconv.ParseInt base 0 after removing '_'), floats, binary
    let plain: String = s.chars().filter(|c| *c != '_').collect();
    if parse_go_int(&plain) {
        return true;
    }
    if is_yaml_float(&plain) {
        return true;
    }
    if let Some(b) = plain
        .strip_prefix("0b")
        .or_else(|| plain.strip_prefix("-0b"))
        .or_else(|| plain.strip_prefix("+0b"))
        && !b.is_empty()
        && b.bytes().all(|c| c == b'0' || c == b'1')
    {
        return true;
    }
    is_timestamp(s)
}

fn parse_go_int(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if body.is_empty() {
        return false;
    }
    let lower = body.to_ascii_lowercase();
    let (digits, radix) = if let Some(h) = lower.strip_prefix("0x") {
        (h, 16)
    } else if let Some(o) = lower.strip_prefix("0o") {
        (o, 8)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (b, 2)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (&lower[1..], 8)
    } else {
        (lower.as_str(), 10)
    };
    !digits.is_empty() && u64::from_str_radix(digits, radix).is_ok()
}

fn is_yaml_float(s: &str) -> bool {
    // ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn is_timestamp(s: &str) -> bool {
    // YYYY-M-D optionally followed by [Tt ]h:m:s[.frac][Z|±hh:mm]
    let b = s.as_bytes();
    let mut i = 0;
    let num = |i: &mut usize, min: usize, max: usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - st < max {
            *i += 1;
        }
        *i - st >= min
    };
    if !(num(&mut i, 4, 4) && i < b.len() && b[i] == b'-') {
        return false;
    }
    i += 1;
    if !(num(&mut i, 1, 2) && i < b.len() && b[i] == b'-') {
        return false;
    }
    i += 1;
    if !num(&mut i, 1, 2) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    if !matches!(b[i], b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    if !(num(&mut i, 1, 2) && i < b.len() && b[i] == b':') {
        return false;
    }
    i += 1;
    if !(num(&mut i, 1, 2) && i < b.len() && b[i] == b':') {
        return false;
    }
    i += 1;
    if !num(&mut i, 1, 2) {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        num(&mut i, 1, 9);
    }
    if i == b.len() {
        return true;
    }
    if b[i] == b'Z' && i + 1 == b.len() {
        return true;
    }
    if matches!(b[i], b'+' | b'-') {
        i += 1;
        if !num(&mut i, 1, 2) {
            return false;
        }
        if i < b.len() && b[i] == b':' {
            i += 1;
            if !num(&mut i, 2, 2) {
                return false;
            }
        }
        return i == b.len();
    }
    false
}

fn is_base60_float(s: &str) -> bool {
    // ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && matches!(b[i], b'+' | b'-') {
        i += 1;
    }
    if !(i < b.len() && b[i].is_ascii_digit()) {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        let st = i;
        while i < b.len() && b[i].is_ascii_digit() && i - st < 2 {
            i += 1;
        }
        let g = &s[st..i];
        if g.is_empty() || (g.len() == 2 && g.as_bytes()[0] > b'5') {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || u == 0x85
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
        || (0x10000..=0x10FFFF).contains(&u)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank_or_end(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == ' ' || c == '\t' || is_break(c) || c == '\0',
    }
}

#[derive(PartialEq, Clone, Copy, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

struct Analysis {
    multiline: bool,
    flow_plain: bool,
    block_plain: bool,
    single: bool,
    block: bool,
}

fn analyze(s: &str) -> Analysis {
    let mut a = Analysis {
        multiline: false,
        flow_plain: true,
        block_plain: true,
        single: true,
        block: true,
    };
    if s.is_empty() {
        a.multiline = false;
        a.flow_plain = false;
        a.block_plain = true;
        a.single = true;
        a.block = false;
        return a;
    }
    if s.starts_with("---") || s.starts_with("...") {
        a.flow_plain = false;
        a.block_plain = false;
    }
    let chars: Vec<char> = s.chars().collect();
    let (mut flow_ind, mut block_ind, mut line_breaks, mut special) = (false, false, false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) = (false, false, false, false);
    let (mut break_space, mut space_break, mut prev_space, mut prev_break) = (false, false, false, false);
    let mut preceded_by_ws = true;
    let n = chars.len();
    for i in 0..n {
        let c = chars[i];
        let followed_by_ws = is_blank_or_end(chars.get(i + 1).copied());
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' => {
                    flow_ind = true;
                    block_ind = true;
                }
                '?' | ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '-' if followed_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_ind = true,
                ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '#' if preceded_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i == n - 1 {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            if i == 0 {
                leading_break = true;
            }
            if i == n - 1 {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_by_ws = c == ' ' || c == '\t' || is_break(c) || c == '\0';
    }
    a.multiline = line_breaks;
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if trailing_space {
        a.block = false;
    }
    if break_space {
        a.flow_plain = false;
        a.block_plain = false;
        a.single = false;
    }
    if space_break || special {
        a.flow_plain = false;
        a.block_plain = false;
        a.single = false;
        a.block = false;
    }
    if line_breaks {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if flow_ind {
        a.flow_plain = false;
    }
    if block_ind {
        a.block_plain = false;
    }
    a
}

struct Emitter {
    /// yaml.v3 with indent 2 (`toYamlPretty`): sequences inside mappings are indented.
    pretty: bool,
    /// Folding column.
    width: usize,
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_str(&mut self, s: &str) {
        for c in s.chars() {
            self.put(c);
        }
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_indent(&mut self, indent: usize) {
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        self.put_str(ind);
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn scalar(&mut self, s: &str, requested: Style, indent: usize, simple_key: bool) {
        let a = analyze(s);
        let mut style = requested;
        if style == Style::Plain {
            if !a.block_plain {
                style = Style::Single;
            }
            if s.is_empty() && simple_key {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block || simple_key) {
            style = Style::Double;
        }
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.write_plain(s, indent, allow_breaks),
            Style::Single => self.write_single(s, indent, allow_breaks),
            Style::Double => self.write_double(s, indent, allow_breaks),
            Style::Literal => self.write_literal(s, indent),
        }
    }

    fn write_plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        if !self.whitespace && !s.is_empty() {
            self.put(' ');
        }
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == ' ' {
                if allow_breaks && !spaces && self.column > self.width && chars.get(i + 1) != Some(&' ') {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                self.indention = false;
                spaces = false;
            }
            i += 1;
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.indicator("'", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        let n = chars.len();
        let mut i = 0;
        while i < n {
            let c = chars[i];
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.width
                    && i != 0
                    && i != n - 1
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.put_break();
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
            i += 1;
        }
        if breaks {
            self.write_indent(indent);
        }
        self.indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.indicator("\"", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let n = chars.len();
        let mut spaces = false;
        let mut i = 0;
        let mut after_bom = false;
        while i < n {
            let c = chars[i];
            let force = std::mem::replace(&mut after_bom, c == '\u{FEFF}');
            if force || !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    c if force && c != '"' && c != '\\' => {
                        let u = c as u32;
                        if u <= 0xFF {
                            self.put_str(&format!("x{u:02X}"));
                        } else if u <= 0xFFFF {
                            self.put_str(&format!("u{u:04X}"));
                        } else {
                            self.put_str(&format!("U{u:08X}"));
                        }
                    }
                    '\0' => self.put('0'),
                    '\x07' => self.put('a'),
                    '\x08' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\x0b' => self.put('v'),
                    '\x0c' => self.put('f'),
                    '\r' => self.put('r'),
                    '\x1b' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{A0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    c => {
                        let u = c as u32;
                        if u <= 0xFF {
                            self.put_str(&format!("x{u:02X}"));
                        } else if u <= 0xFFFF {
                            self.put_str(&format!("u{u:04X}"));
                        } else {
                            self.put_str(&format!("U{u:08X}"));
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > self.width && i != 0 && i != n - 1 {
                    self.write_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
            i += 1;
        }
        self.indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, s: &str, indent: usize) {
        self.indicator("|", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        if chars.first().is_some_and(|c| *c == ' ' || is_break(*c)) {
            self.put('2');
        }
        let n = chars.len();
        let chomp = if n == 0 || !is_break(chars[n - 1]) {
            Some('-')
        } else if n == 1 || is_break(chars[n - 2]) {
            Some('+')
        } else {
            None
        };
        if let Some(c) = chomp {
            self.put(c);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.put_break();
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                    breaks = false;
                }
                self.put(c);
                self.indention = false;
            }
        }
    }

    fn scalar_style(s: &str) -> Style {
        if s.contains('\n') {
            Style::Literal
        } else if resolves_non_string(s) || is_base60_float(s) {
            Style::Double
        } else {
            Style::Plain
        }
    }

    /// Emit `node` whose container has indentation `indent` (-1 at the root).
    fn node(&mut self, node: &Node, indent: isize, mapping_ctx: bool, simple_key: bool) {
        let scalar_indent = if indent < 0 { 2 } else { indent as usize + 2 };
        match node {
            Node::Null => self.write_plain("null", scalar_indent, !simple_key),
            Node::Bool(b) => self.write_plain(if *b { "true" } else { "false" }, scalar_indent, !simple_key),
            Node::Num(s) => self.write_plain(s, scalar_indent, !simple_key),
            Node::Str(s) => {
                let st = Self::scalar_style(s);
                self.scalar(s, st, scalar_indent, simple_key);
            }
            Node::Seq(items) => {
                if items.is_empty() {
                    self.indicator("[", true, true, false);
                    self.indicator("]", false, false, false);
                    return;
                }
                // block sequence: indentless inside a mapping
                let my_indent = if indent < 0 {
                    0
                } else if mapping_ctx && !self.indention && !self.pretty {
                    indent as usize
                } else {
                    indent as usize + 2
                };
                for it in items {
                    self.write_indent(my_indent);
                    self.indicator("-", true, false, true);
                    self.node(it, my_indent as isize, false, false);
                }
            }
            Node::Map(entries) => {
                if entries.is_empty() {
                    self.indicator("{", true, true, false);
                    self.indicator("}", false, false, false);
                    return;
                }
                let my_indent = if indent < 0 { 0 } else { indent as usize + 2 };
                for (k, v) in entries {
                    self.write_indent(my_indent);
                    let st = Self::scalar_style(k);
                    if k.len() > 128 || k.chars().any(is_break) {
                        // not a simple key: "? key" then ": value"
                        self.indicator("?", true, false, true);
                        self.scalar(k, st, my_indent + 2, false);
                        self.write_indent(my_indent);
                        self.indicator(":", true, false, true);
                    } else {
                        self.scalar(k, st, my_indent + 2, true);
                        self.indicator(":", false, false, false);
                    }
                    self.node(v, my_indent as isize, true, false);
                }
            }
        }
    }
}

/// Helm's `toYaml` without the final newline trimmed: the document go-yaml writes.
pub fn to_yaml_document(v: &Value) -> Result<String, String> {
    emit(v, false)
}

/// Helm's `toYamlPretty` document (yaml.v3, indent 2): like go-yaml v2 but sequences
/// inside mappings are indented.
pub fn to_yaml_pretty_document(v: &Value) -> Result<String, String> {
    emit(v, true)
}

fn emit(v: &Value, pretty: bool) -> Result<String, String> {
    let node = to_node(v, pretty)?;
    let mut e = Emitter {
        pretty,
        width: if pretty { usize::MAX } else { BEST_WIDTH },
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
    };
    e.node(&node, -1, false, false);
    e.write_indent(0);
    Ok(e.out)
}
