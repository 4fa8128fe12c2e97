//! The template language of Flux's post-build substitution (`fluxcd/pkg/envsubst`, a fork of
//! drone/envsubst): `${var}` and bash-like functions inside braces; `$var` is plain text and
//! `$$` reads as one `$` (so `$${var}` prints `${var}`).
//!
//! The scanner below reproduces the fork's lexer step by step (including its quirks: `$$`
//! collapses to `$` anywhere outside a function, `${var-x}` is "missing closing brace",
//! `${var:+x}` behaves like `${var:-x}`), because manifests are written against what Flux
//! actually does.

use std::fmt;

/// Why a template could not be expanded (texts as Flux prints them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EnvsubstError {
    BadSubstitution,
    MissingClosingBrace,
    ParseVariableName,
    ParseFuncSubstitution,
    ParseDefaultFunction,
    /// A variable without a default is unset (strict mode only).
    NotSet(String),
}

impl fmt::Display for EnvsubstError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvsubstError::BadSubstitution => f.write_str("bad substitution"),
            EnvsubstError::MissingClosingBrace => f.write_str("missing closing brace"),
            EnvsubstError::ParseVariableName => f.write_str("unable to parse variable name"),
            EnvsubstError::ParseFuncSubstitution => f.write_str("unable to parse substitution within function"),
            EnvsubstError::ParseDefaultFunction => f.write_str("unable to parse default function"),
            EnvsubstError::NotSet(name) => write!(f, "variable not set (strict mode): {name:?}"),
        }
    }
}

/// A parsed piece of template.
#[derive(Debug)]
enum Node {
    Text(String),
    /// `${param}` (op empty) or `${param<op><args>}`.
    Func {
        op: String,
        param: String,
        args: Vec<Node>,
    },
}

// Scanner modes.
const SCAN_IDENT: u8 = 1;
const SCAN_LBRACK: u8 = 2;
const SCAN_RBRACK: u8 = 4;
const SCAN_ESCAPE: u8 = 8;
// Escapable characters.
const ESC_DOLLAR: u8 = 1;
const ESC_BACKSLASH: u8 = 2;
const ESC_ALL: u8 = ESC_DOLLAR | ESC_BACKSLASH;

#[derive(PartialEq, Eq)]
enum Token {
    Illegal,
    Eof,
    Ident,
    Lbrack,
    Rbrack,
}

/// Accepts or rejects a character at offset `i` (counted from the token start, after the
/// character) of the token being scanned.
type Accept = fn(char, usize) -> bool;

struct Scanner {
    buf: Vec<char>,
    pos: usize,
    start: usize,
    width: usize,
    mode: u8,
    escape: u8,
    accept: Accept,
}

impl Scanner {
    fn read(&mut self) -> Option<char> {
        match self.buf.get(self.pos) {
            None => {
                self.width = 0;
                None
            }
            Some(&c) => {
                self.width = 1;
                self.pos += 1;
                Some(c)
            }
        }
    }

    fn unread(&mut self) {
        self.pos -= self.width;
    }

    /// Drops the character just read from the buffer (an escape character).
    fn skip(&mut self) {
        self.buf.remove(self.pos - 1);
    }

    fn peek(&mut self) -> Option<char> {
        let c = self.read();
        self.unread();
        c
    }

    fn text(&self) -> String {
        self.buf[self.start..self.pos].iter().collect()
    }

    fn scan(&mut self) -> Token {
        self.start = self.pos;
        let Some(c) = self.read() else {
            return Token::Eof;
        };
        if self.scan_lbrack(c) {
            Token::Lbrack
        } else if self.scan_rbrack(c) {
            Token::Rbrack
        } else if self.scan_ident(c) {
            Token::Ident
        } else {
            Token::Illegal
        }
    }

    fn scan_ident(&mut self, c: char) -> bool {
        if self.mode & SCAN_IDENT == 0 {
            return false;
        }
        if self.scan_escaped(c) {
            self.skip();
        } else if !(self.accept)(c, self.pos - self.start) {
            return false;
        }
        loop {
            let Some(c) = self.read() else {
                self.unread();
                break;
            };
            if self.scan_lbrack(c) {
                self.unread();
                self.unread();
                break;
            }
            if self.scan_escaped(c) {
                self.skip();
                continue;
            }
            if !(self.accept)(c, self.pos - self.start) {
                self.unread();
                break;
            }
        }
        true
    }

    fn scan_lbrack(&mut self, c: char) -> bool {
        if self.mode & SCAN_LBRACK == 0 || c != '$' {
            return false;
        }
        if self.read() == Some('{') {
            return true;
        }
        self.unread();
        false
    }

    fn scan_rbrack(&self, c: char) -> bool {
        self.mode & SCAN_RBRACK != 0 && c == '}'
    }

    fn scan_escaped(&mut self, c: char) -> bool {
        if self.mode & SCAN_ESCAPE == 0 {
            return false;
        }
        if c == '$' && self.escape & ESC_DOLLAR != 0 && self.peek() == Some('$') {
            return true;
        }
        c == '\\' && self.escape & ESC_BACKSLASH != 0 && matches!(self.peek(), Some('/' | '\\'))
    }
}

fn accept_any(_: char, _: usize) -> bool {
    true
}
fn accept_ident(c: char, _: usize) -> bool {
    c.is_alphabetic() || c.is_numeric() || c == '_'
}
fn accept_colons(c: char, _: usize) -> bool {
    c == ':'
}
fn accept_one_hash(c: char, i: usize) -> bool {
    c == '#' && i == 1
}
fn accept_not_closing(c: char, _: usize) -> bool {
    c != '}'
}
fn accept_hash_op(c: char, i: usize) -> bool {
    c == '#' && i < 3
}
fn accept_percent_op(c: char, i: usize) -> bool {
    c == '%' && i < 3
}
fn accept_default_op(c: char, i: usize) -> bool {
    (i == 1 && c == ':') || (i == 2 && matches!(c, '=' | '-' | '?' | '+'))
}
fn accept_replace_op(c: char, i: usize) -> bool {
    (i == 1 && c == '/') || (i == 2 && matches!(c, '/' | '#' | '%'))
}
fn accept_one_equal(c: char, i: usize) -> bool {
    i == 1 && c == '='
}
fn accept_one_colon(c: char, i: usize) -> bool {
    i == 1 && c == ':'
}
fn reject_colon_close(c: char, _: usize) -> bool {
    c != ':' && c != '}'
}
fn accept_slashes(c: char, _: usize) -> bool {
    c == '/'
}
fn accept_not_slash(c: char, _: usize) -> bool {
    c != '/'
}
fn accept_casing_op(c: char, i: usize) -> bool {
    (c == ',' || c == '^') && i < 3
}

type Parsed<T> = Result<T, EnvsubstError>;

struct Parser {
    s: Scanner,
}

impl Parser {
    fn parse_all(&mut self) -> Parsed<Vec<Node>> {
        let mut nodes = Vec::new();
        loop {
            self.s.accept = accept_any;
            self.s.mode = SCAN_IDENT | SCAN_LBRACK | SCAN_ESCAPE;
            self.s.escape = ESC_DOLLAR;
            match self.s.scan() {
                Token::Ident => nodes.push(Node::Text(self.s.text())),
                Token::Eof => return Ok(nodes),
                Token::Lbrack => nodes.push(self.parse_func()?),
                _ => return Err(EnvsubstError::BadSubstitution),
            }
        }
    }

    fn parse_func(&mut self) -> Parsed<Node> {
        self.s.escape = ESC_ALL;
        if self.s.peek() == Some('#') {
            return self.parse_len();
        }
        self.s.accept = accept_ident;
        self.s.mode = SCAN_IDENT;
        let name = match self.s.scan() {
            Token::Ident => self.s.text(),
            _ => return Err(EnvsubstError::ParseVariableName),
        };
        match self.s.peek() {
            Some(':') => return self.parse_default_or_substr(name),
            Some('=') => return self.parse_default(name),
            Some(',' | '^') => return self.parse_casing(name),
            Some('/') => return self.parse_replace(name),
            Some('#') => return self.parse_remove(name, accept_hash_op),
            Some('%') => return self.parse_remove(name, accept_percent_op),
            _ => {}
        }
        self.s.accept = accept_ident;
        self.s.mode = SCAN_RBRACK;
        match self.s.scan() {
            Token::Rbrack => Ok(Node::Func {
                op: String::new(),
                param: name,
                args: Vec::new(),
            }),
            _ => Err(EnvsubstError::MissingClosingBrace),
        }
    }

    fn parse_param(&mut self, accept: Accept, mode: u8) -> Parsed<Node> {
        self.s.accept = accept;
        self.s.mode = mode | SCAN_LBRACK;
        match self.s.scan() {
            Token::Lbrack => self.parse_func(),
            Token::Ident | Token::Rbrack => Ok(Node::Text(self.s.text())),
            _ => Err(EnvsubstError::ParseFuncSubstitution),
        }
    }

    /// Scans the operator of a function with `accept`.
    fn scan_op(&mut self, accept: Accept, err: EnvsubstError) -> Parsed<String> {
        self.s.accept = accept;
        self.s.mode = SCAN_IDENT;
        match self.s.scan() {
            Token::Ident => Ok(self.s.text()),
            _ => Err(err),
        }
    }

    fn parse_default_or_substr(&mut self, name: String) -> Parsed<Node> {
        self.s.read();
        let next = self.s.peek();
        self.s.unread();
        match next {
            Some('=' | '-' | '?' | '+') => self.parse_default(name),
            _ => self.parse_substr(name),
        }
    }

    fn parse_substr(&mut self, param: String) -> Parsed<Node> {
        let op = self.scan_op(accept_one_colon, EnvsubstError::BadSubstitution)?;
        let mut args = vec![self.parse_param(reject_colon_close, SCAN_IDENT)?];
        self.s.accept = accept_colons;
        self.s.mode = SCAN_IDENT | SCAN_RBRACK;
        match self.s.scan() {
            Token::Rbrack => return Ok(Node::Func { op, param, args }),
            Token::Ident => {}
            _ => return Err(EnvsubstError::BadSubstitution),
        }
        args.push(self.parse_param(accept_not_closing, SCAN_IDENT)?);
        self.consume_rbrack()?;
        Ok(Node::Func { op, param, args })
    }

    fn parse_remove(&mut self, param: String, accept: Accept) -> Parsed<Node> {
        let op = self.scan_op(accept, EnvsubstError::BadSubstitution)?;
        let args = vec![self.parse_param(accept_not_closing, SCAN_IDENT)?];
        self.consume_rbrack()?;
        Ok(Node::Func { op, param, args })
    }

    fn parse_replace(&mut self, param: String) -> Parsed<Node> {
        let op = self.scan_op(accept_replace_op, EnvsubstError::BadSubstitution)?;
        let mut args = Vec::new();
        if self.s.peek() == Some('/') {
            args.push(Node::Text(String::new()));
        } else {
            args.push(self.parse_param(accept_not_slash, SCAN_IDENT | SCAN_ESCAPE)?);
        }
        self.scan_op(accept_slashes, EnvsubstError::BadSubstitution)?;
        if self.s.peek() != Some('}') {
            args.push(self.parse_param(accept_not_closing, SCAN_IDENT | SCAN_ESCAPE)?);
        }
        self.consume_rbrack()?;
        Ok(Node::Func { op, param, args })
    }

    fn parse_default(&mut self, param: String) -> Parsed<Node> {
        let accept: Accept = if self.s.peek() == Some('=') {
            accept_one_equal
        } else {
            accept_default_op
        };
        let op = self.scan_op(accept, EnvsubstError::ParseDefaultFunction)?;
        let mut args = Vec::new();
        loop {
            if self.s.peek() == Some('}') {
                self.consume_rbrack()?;
                return Ok(Node::Func { op, param, args });
            }
            args.push(self.parse_param(accept_not_closing, SCAN_IDENT)?);
        }
    }

    fn parse_casing(&mut self, param: String) -> Parsed<Node> {
        let op = self.scan_op(accept_casing_op, EnvsubstError::BadSubstitution)?;
        self.consume_rbrack()?;
        Ok(Node::Func {
            op,
            param,
            args: Vec::new(),
        })
    }

    fn parse_len(&mut self) -> Parsed<Node> {
        let op = self.scan_op(accept_one_hash, EnvsubstError::BadSubstitution)?;
        let param = self.scan_op(accept_ident, EnvsubstError::BadSubstitution)?;
        self.consume_rbrack()?;
        Ok(Node::Func {
            op,
            param,
            args: Vec::new(),
        })
    }

    fn consume_rbrack(&mut self) -> Parsed<()> {
        self.s.mode = SCAN_RBRACK;
        if self.s.scan() != Token::Rbrack {
            return Err(EnvsubstError::BadSubstitution);
        }
        Ok(())
    }
}

fn parse(text: &str) -> Parsed<Vec<Node>> {
    let mut p = Parser {
        s: Scanner {
            buf: text.chars().collect(),
            pos: 0,
            start: 0,
            width: 0,
            mode: 0,
            escape: 0,
            accept: accept_any,
        },
    };
    p.parse_all()
}

/// Expands `text`; `lookup` returns a variable's value, or `None` when it is unset (which is
/// an error unless the function supplies a default; a lenient caller returns `Some("")`).
pub(crate) fn eval(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, EnvsubstError> {
    let nodes = parse(text)?;
    let mut out = String::with_capacity(text.len());
    for node in &nodes {
        eval_node(node, lookup, &mut out)?;
    }
    Ok(out)
}

fn eval_node(node: &Node, lookup: &dyn Fn(&str) -> Option<String>, out: &mut String) -> Result<(), EnvsubstError> {
    match node {
        Node::Text(t) => out.push_str(t),
        Node::Func { op, param, args } => {
            let mut values = Vec::with_capacity(args.len());
            for arg in args {
                let mut v = String::new();
                eval_node(arg, lookup, &mut v)?;
                values.push(v);
            }
            let value = match lookup(param) {
                Some(v) => v,
                None if is_default_op(op) => String::new(),
                None => return Err(EnvsubstError::NotSet(param.clone())),
            };
            out.push_str(&apply(op, &value, &values));
        }
    }
    Ok(())
}

/// Operators that handle an unset variable themselves.
fn is_default_op(op: &str) -> bool {
    matches!(op, "-" | "+" | "=" | "?" | ":-" | ":+" | ":=" | ":?")
}

fn apply(op: &str, s: &str, args: &[String]) -> String {
    match op {
        "," => map_first(s, |c| c.to_lowercase().collect()),
        ",," => s.to_lowercase(),
        "^" => map_first(s, |c| c.to_uppercase().collect()),
        "^^" => s.to_uppercase(),
        "#" if args.is_empty() => s.len().to_string(),
        "#" => trim_prefix(s, &args[0], false),
        "##" => trim_prefix(s, args.first().map_or("", String::as_str), true),
        "%" => trim_suffix(s, args.first().map_or("", String::as_str), false),
        "%%" => trim_suffix(s, args.first().map_or("", String::as_str), true),
        ":" => substring(s, args),
        "/#" => match args {
            [pat, rep] if s.starts_with(pat.as_str()) => s.replacen(pat.as_str(), rep, 1),
            _ => s.to_string(),
        },
        "/%" => match args {
            [pat, rep] => match s.strip_suffix(pat.as_str()) {
                Some(rest) => format!("{rest}{rep}"),
                None => s.to_string(),
            },
            _ => s.to_string(),
        },
        "/" => replace(s, args, Some(1)),
        "//" => replace(s, args, None),
        // Everything else, the default operators included, is "the value, or the
        // arguments joined when the value is empty".
        _ => {
            if s.is_empty() && !args.is_empty() {
                args.concat()
            } else {
                s.to_string()
            }
        }
    }
}

fn map_first(s: &str, f: impl Fn(char) -> String) -> String {
    let mut chars = s.chars();
    match chars.next() {
        None => String::new(),
        Some(c) => f(c) + chars.as_str(),
    }
}

/// Go's `strings.Replace(s, old, new, n)` (an empty `old` matches before every character).
fn replace(s: &str, args: &[String], n: Option<usize>) -> String {
    let (old, new) = match args {
        [] => return s.to_string(),
        [old] => (old.as_str(), ""),
        [old, new, ..] => (old.as_str(), new.as_str()),
    };
    match n {
        Some(n) => s.replacen(old, new, n),
        None if old.is_empty() => {
            let mut out = String::from(new);
            for c in s.chars() {
                out.push(c);
                out.push_str(new);
            }
            out
        }
        None => s.replace(old, new),
    }
}

/// `${var:pos}` / `${var:pos:len}` on bytes, as Go slices strings.
fn substring(s: &str, args: &[String]) -> String {
    let bytes = s.as_bytes();
    let len = bytes.len() as i64;
    let Some(first) = args.first() else {
        return s.to_string();
    };
    let Ok(mut pos) = first.parse::<i64>() else {
        return s.to_string();
    };
    if pos < 0 {
        pos = (len + pos).max(0);
    }
    let slice = |from: i64, to: i64| String::from_utf8_lossy(&bytes[from as usize..to as usize]).into_owned();
    let Some(second) = args.get(1) else {
        return if pos < len { slice(pos, len) } else { String::new() };
    };
    let Ok(length) = second.parse::<i64>() else {
        return s.to_string();
    };
    if length < 0 {
        let end = len + length;
        if end < pos {
            return String::new();
        }
        return slice(pos, end);
    }
    if pos.saturating_add(length) >= len {
        return if pos < len { slice(pos, len) } else { String::new() };
    }
    slice(pos, pos + length)
}

/// Removes the shortest (or longest) prefix of `s` matching the glob `pattern`.
fn trim_prefix(s: &str, pattern: &str, longest: bool) -> String {
    let name: Vec<char> = s.chars().collect();
    let pat: Vec<char> = pattern.chars().collect();
    trim_chars(&name, &pat, longest).into_iter().collect()
}

/// Removes a suffix, by trimming a prefix of the reversed text with the reversed pattern
/// (as the fork does, so bracket expressions read backwards).
fn trim_suffix(s: &str, pattern: &str, longest: bool) -> String {
    let name: Vec<char> = s.chars().rev().collect();
    let pat: Vec<char> = pattern.chars().rev().collect();
    trim_chars(&name, &pat, longest).into_iter().rev().collect()
}

fn trim_chars(name: &[char], pat: &[char], longest: bool) -> Vec<char> {
    let mut shortest: Option<usize> = None;
    // Prefixes from the whole text down to one character; the empty prefix is never tried.
    for end in (1..=name.len()).rev() {
        match super::glob::matches(pat, &name[..end]) {
            Err(()) => return name.to_vec(),
            Ok(true) if longest => return name[end..].to_vec(),
            Ok(true) => shortest = Some(end),
            Ok(false) => {}
        }
    }
    match shortest {
        Some(end) => name[end..].to_vec(),
        None => name.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn run(text: &str, vars: &[(&str, &str)], strict: bool) -> Result<String, EnvsubstError> {
        let lookup = |name: &str| -> Option<String> {
            match vars.iter().find(|(k, _)| *k == name) {
                Some((_, v)) => Some((*v).to_string()),
                None if strict => None,
                None => Some(String::new()),
            }
        };
        eval(text, &lookup)
    }

    #[test]
    fn forms() {
        let v = [("a", "Hello World"), ("n", "3"), ("p", "path/to/file.tar.gz")];
        let cases = [
            ("${a}", "Hello World"),
            ("x${a}y", "xHello Worldy"),
            ("$a", "$a"),
            ("$${a}", "${a}"),
            ("$$a", "$a"),
            ("a$", "a$"),
            ("${u:=def}", "def"),
            ("${u:-def}", "def"),
            ("${u=def}", "def"),
            ("${a:=def}", "Hello World"),
            ("${u:=${n}}", "3"),
            ("${u:=a b c}", "a b c"),
            ("${u:+x}", "x"),
            ("${#a}", "11"),
            ("${a^}", "Hello World"),
            ("${a^^}", "HELLO WORLD"),
            ("${a,}", "hello World"),
            ("${a,,}", "hello world"),
            ("${a:6}", "World"),
            ("${a:0:5}", "Hello"),
            ("${a:-5}", "Hello World"),
            ("${a:1:-1}", "ello Worl"),
            ("${a/o/0}", "Hell0 World"),
            ("${a//o/0}", "Hell0 W0rld"),
            ("${a/#Hello/Bye}", "Bye World"),
            ("${a/%World/All}", "Hello All"),
            ("${a/o/}", "Hell World"),
            ("${p#*/}", "to/file.tar.gz"),
            ("${p##*/}", "to/file.tar.gz"),
            ("${p%.*}", "path/to/file.tar"),
            ("${p%%.*}", "path/to/file"),
        ];
        for (input, want) in cases {
            assert_eq!(run(input, &v, false), Ok(want.to_string()), "{input}");
        }
    }

    #[test]
    fn errors() {
        assert_eq!(run("${a-x}", &[], false), Err(EnvsubstError::MissingClosingBrace));
        assert_eq!(run("${a", &[], false), Err(EnvsubstError::MissingClosingBrace));
        assert_eq!(run("${}", &[], false), Err(EnvsubstError::ParseVariableName));
        // The fork wants the second slash.
        assert_eq!(run("${a/o}", &[], false), Err(EnvsubstError::BadSubstitution));
        assert_eq!(run("${a:=x", &[], false), Err(EnvsubstError::ParseFuncSubstitution));
        assert_eq!(run("${u}", &[], true), Err(EnvsubstError::NotSet("u".into())));
        assert_eq!(run("${u^^}", &[], true), Err(EnvsubstError::NotSet("u".into())));
        assert_eq!(run("${u:=d}", &[], true).unwrap(), "d");
        assert_eq!(run("${u=d}", &[], true).unwrap(), "d");
    }
}
