//! `--set`, `--set-string` and `--set-json` paths (`a.b[0].c=v,x={1,2}`) with Helm's
//! escaping (`\,` `\.` `\=`), list syntax, index limits and type inference (`true`,
//! `false`, `null`, integers as int64 unless they start with `0`).

use serde_json::{Map, Number, Value};

use crate::error::Error;
use crate::values::Values;

/// Largest list index `--set` accepts (Helm's limit).
pub const MAX_INDEX: usize = 65536;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Typed,
    String,
    Json,
}

/// Apply a `--set` expression to `base`.
pub fn parse_set(expr: &str, base: &mut Values) -> Result<(), Error> {
    Parser::new(expr, Mode::Typed).run(base)
}

/// Apply a `--set-string` expression to `base` (every value is a string).
pub fn parse_set_string(expr: &str, base: &mut Values) -> Result<(), Error> {
    Parser::new(expr, Mode::String).run(base)
}

/// Apply a `--set-json` expression (`a.b=JSON`, or one JSON object) to `base`.
pub fn parse_set_json(expr: &str, base: &mut Values) -> Result<(), Error> {
    let trimmed = expr.trim_start();
    if trimmed.starts_with('{')
        && let Ok(Value::Object(m)) = serde_json::from_str::<Value>(trimmed)
    {
        crate::values::merge_user(base, &floats(Value::Object(m)).as_object().cloned().unwrap_or_default());
        return Ok(());
    }
    Parser::new(expr, Mode::Json).run(base)
}

/// JSON numbers decode as float64 in Go.
fn floats(v: Value) -> Value {
    match v {
        Value::Number(n) => n
            .as_f64()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Value::Array(a) => Value::Array(a.into_iter().map(floats).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, floats(v))).collect()),
        other => other,
    }
}

/// Helm's `typedVal`.
fn typed(s: &str, mode: Mode) -> Value {
    if mode == Mode::String {
        return Value::String(s.to_string());
    }
    if s.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if s.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if s.eq_ignore_ascii_case("null") {
        return Value::Null;
    }
    if s == "0" {
        return Value::Number(0i64.into());
    }
    if !s.is_empty()
        && !s.starts_with('0')
        && s.bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_digit() || (i == 0 && (b == b'-' || b == b'+')))
        && let Ok(i) = s.parse::<i64>()
    {
        return Value::Number(i.into());
    }
    Value::String(s.to_string())
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    mode: Mode,
    expr: String,
}

enum Stop {
    Char(char),
    Eof,
}

impl Parser {
    fn new(expr: &str, mode: Mode) -> Parser {
        Parser {
            chars: expr.chars().collect(),
            pos: 0,
            mode,
            expr: expr.to_string(),
        }
    }

    fn err(&self, msg: String) -> Error {
        Error::Values(format!("failed parsing --set data {:?}: {msg}", self.expr))
    }

    /// Read until one of `stops` (honouring `\` escapes).
    fn run_until(&mut self, stops: &[char]) -> (String, Stop) {
        let mut out = String::new();
        while self.pos < self.chars.len() {
            let c = self.chars[self.pos];
            self.pos += 1;
            if c == '\\' {
                if let Some(n) = self.chars.get(self.pos) {
                    out.push(*n);
                    self.pos += 1;
                }
                continue;
            }
            if stops.contains(&c) {
                return (out, Stop::Char(c));
            }
            out.push(c);
        }
        (out, Stop::Eof)
    }

    fn run(&mut self, base: &mut Values) -> Result<(), Error> {
        while self.pos < self.chars.len() {
            self.key(base)?;
        }
        Ok(())
    }

    fn value(&mut self) -> Result<Value, Error> {
        if self.mode == Mode::Json {
            // A JSON value runs to the end or to the first ',' at nesting depth zero.
            let start = self.pos;
            let mut depth = 0i32;
            let mut in_str = false;
            while self.pos < self.chars.len() {
                let c = self.chars[self.pos];
                if in_str {
                    if c == '\\' {
                        self.pos += 1;
                    } else if c == '"' {
                        in_str = false;
                    }
                } else {
                    match c {
                        '"' => in_str = true,
                        '{' | '[' => depth += 1,
                        '}' | ']' => depth -= 1,
                        ',' if depth == 0 => break,
                        _ => {}
                    }
                }
                self.pos += 1;
            }
            let text: String = self.chars[start..self.pos.min(self.chars.len())].iter().collect();
            if self.pos < self.chars.len() {
                self.pos += 1;
            }
            let v: Value = serde_json::from_str(&text).map_err(|e| self.err(format!("invalid JSON {text:?}: {e}")))?;
            return Ok(floats(v));
        }
        if self.chars.get(self.pos) == Some(&'{') {
            self.pos += 1;
            let mut items = Vec::new();
            loop {
                let (v, stop) = self.run_until(&[',', '}']);
                match stop {
                    Stop::Char(',') => items.push(typed(v.trim(), self.mode)),
                    Stop::Char(_) => {
                        if !v.is_empty() || !items.is_empty() {
                            items.push(typed(v.trim(), self.mode));
                        }
                        break;
                    }
                    Stop::Eof => return Err(self.err("list must terminate with '}'".into())),
                }
            }
            // Skip the separator after the list.
            if self.chars.get(self.pos) == Some(&',') {
                self.pos += 1;
            }
            return Ok(Value::Array(items));
        }
        let (v, _) = self.run_until(&[',']);
        Ok(typed(&v, self.mode))
    }

    fn key(&mut self, data: &mut Values) -> Result<(), Error> {
        let (k, stop) = self.run_until(&['=', '[', '.', ',']);
        match stop {
            Stop::Eof => {
                if k.is_empty() {
                    return Ok(());
                }
                Err(self.err(format!("key {k:?} has no value")))
            }
            Stop::Char(',') => Err(self.err(format!("key {k:?} has no value (cannot end with ,)"))),
            Stop::Char('=') => {
                let v = self.value()?;
                data.insert(k, v);
                Ok(())
            }
            Stop::Char('.') => {
                if k.is_empty() {
                    return Err(self.err("key cannot be empty".into()));
                }
                let mut inner = match data.remove(&k) {
                    Some(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                let r = self.key(&mut inner);
                data.insert(k, Value::Object(inner));
                r
            }
            Stop::Char(_) => {
                // '['
                let mut list = match data.remove(&k) {
                    Some(Value::Array(a)) => a,
                    _ => Vec::new(),
                };
                let r = self.list_index(&mut list);
                data.insert(k, Value::Array(list));
                r
            }
        }
    }

    fn index(&mut self) -> Result<usize, Error> {
        let (n, stop) = self.run_until(&[']']);
        if !matches!(stop, Stop::Char(']')) {
            return Err(self.err("missing ']'".into()));
        }
        let i: i64 = n.trim().parse().map_err(|_| self.err(format!("invalid index {n:?}")))?;
        if i < 0 {
            return Err(self.err(format!("negative {i} index not allowed")));
        }
        let i = i as usize;
        if i > MAX_INDEX {
            return Err(self.err(format!(
                "index of {i} is greater than maximum supported index {MAX_INDEX}"
            )));
        }
        Ok(i)
    }

    fn list_index(&mut self, list: &mut Vec<Value>) -> Result<(), Error> {
        let i = self.index()?;
        if list.len() <= i {
            list.resize(i + 1, Value::Null);
        }
        match self.chars.get(self.pos).copied() {
            Some('=') => {
                self.pos += 1;
                list[i] = self.value()?;
                Ok(())
            }
            Some('.') => {
                self.pos += 1;
                let mut inner = match std::mem::take(&mut list[i]) {
                    Value::Object(m) => m,
                    _ => Map::new(),
                };
                let r = self.key(&mut inner);
                list[i] = Value::Object(inner);
                r
            }
            Some('[') => {
                self.pos += 1;
                let mut inner = match std::mem::take(&mut list[i]) {
                    Value::Array(a) => a,
                    _ => Vec::new(),
                };
                let r = self.list_index(&mut inner);
                list[i] = Value::Array(inner);
                r
            }
            _ => Err(self.err(format!("parse error after index {i}: expected '=', '.' or '['"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(e: &str) -> Value {
        let mut m = Map::new();
        parse_set(e, &mut m).map(|_| Value::Object(m)).unwrap_or(Value::Null)
    }

    #[test]
    fn typed_paths() {
        assert_eq!(
            set("a.b=1,c=true,d=0123,e=null,f=x\\,y,g\\.h=2"),
            json!({"a": {"b": 1}, "c": true, "d": "0123", "e": null, "f": "x,y", "g.h": 2})
        );
        assert_eq!(
            set("l[1].x=a,m={a, b}"),
            json!({"l": [null, {"x": "a"}], "m": ["a", "b"]})
        );
        assert_eq!(set("n[0][1]=z"), json!({"n": [[null, "z"]]}));
    }

    #[test]
    fn strings_and_json() {
        let mut m = Map::new();
        parse_set_string("a=1,b=true", &mut m).unwrap_or_default();
        assert_eq!(Value::Object(m), json!({"a": "1", "b": "true"}));
        let mut m = Map::new();
        parse_set_json("a.b={\"x\":[1,2]},c=3", &mut m).unwrap_or_default();
        assert_eq!(Value::Object(m), json!({"a": {"b": {"x": [1.0, 2.0]}}, "c": 3.0}));
    }

    #[test]
    fn errors() {
        let mut m = Map::new();
        assert!(parse_set("a", &mut m).is_err());
        assert!(parse_set("a[-1]=x", &mut m).is_err());
        assert!(parse_set("a[99999999]=x", &mut m).is_err());
    }
}
