//! The user values helm-unittest renders a test with (`TestJob.getUserValues` in
//! `pkg/unittest/test_job.go`): the suite's `set` then the test's `set`, each entry a
//! `--set`-style path (`valueutils.BuildValueOfSetPath`: `a.b`, `a[0].b`, `[x.y]` for a key
//! holding dots) whose value is the YAML value as written, folded in turn into one map with
//! Helm's `chartutil.MergeTables` (the newer entry wins; maps merge key by key). The result
//! is marshalled and read back by Helm's `chartutil.ReadValues`, so every number reaches the
//! templates as a float64, as a values file's would.

use serde_json::{Map, Value};

enum Cursor {
    Key(String),
    Index(usize),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Key,
    Index,
    Denotation,
    Escaping,
}

/// Turn one `set` entry into the nested map it stands for.
pub fn build_set_value(path: &str, value: Value) -> Result<Map<String, Value>, String> {
    if path.is_empty() {
        return Err("set path is empty".into());
    }
    let cursors = set_path_cursors(path)?;
    let mut built = value;
    for cursor in cursors.iter().rev() {
        built = match cursor {
            Cursor::Key(k) => {
                let mut m = Map::new();
                m.insert(k.clone(), built);
                Value::Object(m)
            }
            Cursor::Index(i) => {
                let mut list = vec![Value::Null; i + 1];
                list[*i] = built;
                Value::Array(list)
            }
        };
    }
    match built {
        Value::Object(m) => Ok(m),
        _ => Err(format!("set path {path:?} does not start with a key")),
    }
}

/// The state machine of helm-unittest's `traverseSetPath`.
fn set_path_cursors(path: &str) -> Result<Vec<Cursor>, String> {
    const STOP: [char; 7] = ['.', '[', ']', ',', '{', '}', '='];
    let chars: Vec<char> = path.chars().collect();
    let mut pos = 0;
    let mut state = State::Key;
    let mut escaped_key = String::new();
    let mut cursors = Vec::new();
    loop {
        let start = pos;
        while pos < chars.len() && !STOP.contains(&chars[pos]) {
            pos += 1;
        }
        let token: String = chars[start..pos].iter().collect();
        let Some(&last) = chars.get(pos) else {
            return match state {
                State::Key if !token.is_empty() => {
                    cursors.push(Cursor::Key(token));
                    Ok(cursors)
                }
                State::Denotation if token.is_empty() => Ok(cursors),
                _ => Err(format!("set path {path:?}: unexpected end")),
            };
        };
        pos += 1;
        if matches!(last, ',' | '{' | '}' | '=') {
            return Err(format!("set path {path:?}: invalid token found {last}"));
        }
        state = match (state, last) {
            (State::Index, ']') => {
                let i = token
                    .parse::<usize>()
                    .map_err(|e| format!("set path {path:?}: index {token:?}: {e}"))?;
                cursors.push(Cursor::Index(i));
                State::Denotation
            }
            (State::Index, _) => return Err(format!("set path {path:?}: missing index value")),
            (State::Denotation, '.') => State::Key,
            (State::Denotation, '[') => State::Index,
            (State::Denotation, c) => return Err(format!("set path {path:?}: invalid denotation token {c}")),
            (State::Key, '.') => {
                cursors.push(Cursor::Key(token));
                State::Key
            }
            (State::Key, '[') if token.is_empty() => {
                escaped_key.clear();
                State::Escaping
            }
            (State::Key, '[') => {
                cursors.push(Cursor::Key(token));
                State::Index
            }
            (State::Key, c) => return Err(format!("set path {path:?}: invalid key {c}")),
            (State::Escaping, '.') => {
                escaped_key.push_str(&token);
                escaped_key.push('.');
                State::Escaping
            }
            (State::Escaping, ']') => {
                escaped_key.push_str(&token);
                cursors.push(Cursor::Key(std::mem::take(&mut escaped_key)));
                State::Denotation
            }
            (State::Escaping, c) => return Err(format!("set path {path:?}: invalid escaping token {c}")),
        };
    }
}

/// Fold a newer `set` entry into the values so far, as helm-unittest does with Helm's
/// `chartutil.MergeTables(newer, base)`: the newer entry wins, keys only the base has are
/// kept, and where both hold a map the two merge recursively (lists and `null` replace).
pub fn merge(base: &mut Map<String, Value>, newer: Map<String, Value>) {
    for (key, value) in newer {
        match (base.get_mut(&key), value) {
            (Some(Value::Object(b)), Value::Object(n)) => merge(b, n),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// The values Helm sees: `set` entries in order (suite first, then test), merged, then
/// read back as Helm reads a values document.
pub fn user_values(sets: &[(&str, &Value)]) -> Result<rflux_helm::Values, String> {
    let mut base = Map::new();
    for (path, value) in sets {
        merge(&mut base, build_set_value(path, (*value).clone())?);
    }
    let text = serde_json::to_string(&Value::Object(base)).map_err(|e| e.to_string())?;
    rflux_helm::yaml::parse_map(&text).map_err(|e| format!("reading the values back: {e}"))
}
