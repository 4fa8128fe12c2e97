//! helm-unittest's assertion types as its validators (`pkg/unittest/validators/*.go`) and
//! `Assertion.UnmarshalYAML` / `assertTypeMapping` (`pkg/unittest/assertion.go`) define
//! them, for the types the chart suites use: `equal`, `contains`, `isSubset`,
//! `exists`/`notExists`, `hasDocuments`, `isKind`, `matchRegex`, `matchSnapshot`;
//! `not: true` negates (an antonym such as `notExists` is its positive validator negated).
//! Documents, expected values and stored snapshots (`pkg/unittest/snapshot/cache.go`) are
//! all decoded YAML compared by deep equality (helm-unittest compares `reflect.DeepEqual`
//! of yaml.v3 decodes, and snapshot text it marshalled from such a decode). An unknown
//! assertion type or parameter is an error, never a pass.

use base64::Engine;
use serde_json::{Map, Value};

use super::path::{self, Step};

/// One assertion of a test.
#[derive(Debug)]
pub struct Assertion {
    /// The assertion type as written (`notExists`, `equal`, …).
    pub name: String,
    /// `not: true`.
    pub not: bool,
    /// `template:` of the assertion, when given.
    pub template: Option<String>,
    /// `documentIndex:` of the assertion, when given.
    pub document_index: Option<usize>,
    /// The parameters as written (for reports).
    pub params: Value,
    antonym: bool,
    check: Check,
}

#[derive(Debug)]
enum Check {
    Equal {
        path: Vec<Step>,
        value: Value,
        decode_base64: bool,
    },
    Contains {
        path: Vec<Step>,
        content: Value,
        count: Option<usize>,
        any: bool,
    },
    IsSubset {
        path: Vec<Step>,
        content: Value,
    },
    Exists {
        path: Vec<Step>,
    },
    HasDocuments {
        count: usize,
        filter_aware: bool,
    },
    IsKind {
        of: String,
    },
    MatchRegex {
        path: Vec<Step>,
        pattern: String,
        decode_base64: bool,
    },
    MatchSnapshot {
        path: Vec<Step>,
    },
}

/// The stored snapshots of one test (`__snapshot__/<suite>.snap`, key = the test's `it`)
/// and the running count of comparisons, as helm-unittest's `orderedSnapshotComparer`.
pub struct Snapshots<'a> {
    /// The test's entry of the snapshot file (`{"1": "<yaml>", …}`), when there is one.
    pub cached: Option<&'a Value>,
    /// Comparisons made so far in this test.
    pub counter: usize,
}

impl Snapshots<'_> {
    /// Compare the next value with its stored snapshot: `Ok(true)` when equal.
    fn compare(&mut self, actual: &Value) -> Result<bool, String> {
        self.counter += 1;
        let key = self.counter.to_string();
        let Some(text) = self.cached.and_then(|c| c.get(&key)).and_then(Value::as_str) else {
            return Err(format!(
                "no stored snapshot {key} for this test (helm-unittest would record one and pass; this run cannot)"
            ));
        };
        let want = rflux_helm::yaml::parse(text).map_err(|e| format!("snapshot {key}: {e}"))?;
        Ok(&want == actual)
    }
}

fn string_param(params: &Map<String, Value>, key: &str, required: bool) -> Result<String, String> {
    match params.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        None | Some(Value::Null) if !required => Ok(String::new()),
        None => Err(format!("missing parameter `{key}`")),
        Some(other) => Err(format!("parameter `{key}` must be a string, got {other}")),
    }
}

fn bool_param(params: &Map<String, Value>, key: &str) -> Result<bool, String> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(format!("parameter `{key}` must be a boolean, got {other}")),
    }
}

fn count_param(params: &Map<String, Value>, key: &str) -> Result<Option<usize>, String> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f >= 0.0 && f.fract() == 0.0 => Ok(Some(f as usize)),
            _ => Err(format!("parameter `{key}` must be a non-negative integer, got {n}")),
        },
        Some(other) => Err(format!("parameter `{key}` must be a number, got {other}")),
    }
}

fn path_param(params: &Map<String, Value>, required: bool) -> Result<Vec<Step>, String> {
    path::parse(&string_param(params, "path", required)?)
}

impl Assertion {
    /// Read one entry of `asserts:`.
    pub fn parse(def: &Value) -> Result<Assertion, String> {
        let Value::Object(def) = def else {
            return Err(format!("an assertion must be a map, got {def}"));
        };
        let mut not = false;
        let mut template = None;
        let mut document_index = None;
        let mut typed = None;
        for (key, value) in def {
            match key.as_str() {
                "not" => {
                    not = value
                        .as_bool()
                        .ok_or_else(|| format!("`not` must be a boolean, got {value}"))?
                }
                "template" => template = Some(value.as_str().ok_or("`template` must be a string")?.to_string()),
                "documentIndex" => {
                    let mut m = Map::new();
                    m.insert("documentIndex".into(), value.clone());
                    document_index = count_param(&m, "documentIndex")?;
                }
                "documentSelector" => return Err("assertion option `documentSelector` is not implemented".into()),
                other => {
                    if let Some((first, _)) = &typed {
                        return Err(format!("assertion types `{first}` and `{other}` are declared together"));
                    }
                    typed = Some((other.to_string(), value.clone()));
                }
            }
        }
        let Some((name, params)) = typed else {
            return Err("no assertion type defined".into());
        };
        let (check, antonym) = Self::check(&name, &params)?;
        Ok(Assertion {
            name,
            not,
            template,
            document_index,
            params,
            antonym,
            check,
        })
    }

    fn check(name: &str, params: &Value) -> Result<(Check, bool), String> {
        let empty = Map::new();
        let p = match params {
            Value::Object(m) => m,
            Value::Null => &empty,
            other => return Err(format!("parameters of `{name}` must be a map, got {other}")),
        };
        let allowed: &[&str] = match name {
            "equal" | "notEqual" => &["path", "value", "decodeBase64"],
            "contains" | "notContains" => &["path", "content", "count", "any"],
            "isSubset" | "isNotSubset" => &["path", "content"],
            "exists" | "notExists" => &["path"],
            "hasDocuments" => &["count", "filterAware"],
            "isKind" => &["of"],
            "matchRegex" | "notMatchRegex" => &["path", "pattern", "decodeBase64"],
            "matchSnapshot" => &["path"],
            other => return Err(format!("assertion type `{other}` is not implemented")),
        };
        if let Some(unknown) = p.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(format!("parameter `{unknown}` of `{name}` is not implemented"));
        }
        let antonym = matches!(
            name,
            "notEqual" | "notContains" | "isNotSubset" | "notExists" | "notMatchRegex"
        );
        let check = match name {
            "equal" | "notEqual" => Check::Equal {
                path: path_param(p, true)?,
                value: p.get("value").cloned().unwrap_or(Value::Null),
                decode_base64: bool_param(p, "decodeBase64")?,
            },
            "contains" | "notContains" => Check::Contains {
                path: path_param(p, true)?,
                content: p.get("content").cloned().unwrap_or(Value::Null),
                count: count_param(p, "count")?,
                any: bool_param(p, "any")?,
            },
            "isSubset" | "isNotSubset" => Check::IsSubset {
                path: path_param(p, true)?,
                content: p.get("content").cloned().unwrap_or(Value::Null),
            },
            "exists" | "notExists" => Check::Exists {
                path: path_param(p, true)?,
            },
            "hasDocuments" => Check::HasDocuments {
                count: count_param(p, "count")?.unwrap_or(0),
                filter_aware: bool_param(p, "filterAware")?,
            },
            "isKind" => Check::IsKind {
                of: string_param(p, "of", true)?,
            },
            "matchRegex" | "notMatchRegex" => Check::MatchRegex {
                path: path_param(p, true)?,
                pattern: string_param(p, "pattern", true)?,
                decode_base64: bool_param(p, "decodeBase64")?,
            },
            _ => Check::MatchSnapshot {
                path: path_param(p, false)?,
            },
        };
        Ok((check, antonym))
    }

    /// Whether the validator runs negated (`not` XOR antonym).
    pub fn negative(&self) -> bool {
        self.not != self.antonym
    }

    /// Validate one template's documents: `docs` all of them, `selected` those the
    /// assertion looks at (after `documentIndex`). `Err` carries the failure details.
    pub fn validate(&self, docs: &[Value], selected: &[Value], snapshots: &mut Snapshots<'_>) -> Result<(), String> {
        let neg = self.negative();
        match &self.check {
            Check::HasDocuments { count, filter_aware } => {
                let n = if *filter_aware { selected.len() } else { docs.len() };
                if (n == *count) != neg {
                    Ok(())
                } else {
                    Err(format!(
                        "expected{} documents count to be {count}, got {n}",
                        not_word(neg)
                    ))
                }
            }
            Check::IsKind { of } => per_manifest(selected, neg, |doc| {
                let kind = doc.get("kind");
                if (kind.and_then(Value::as_str) == Some(of.as_str())) == neg {
                    Err(format!("expected{} to be kind {of}, got {}", not_word(neg), show(kind)))
                } else {
                    Ok(())
                }
            }),
            Check::Equal {
                path,
                value,
                decode_base64,
            } => per_manifest(selected, neg, |doc| {
                per_value(doc, path, neg, |actual| {
                    let actual = match actual {
                        Value::String(s) => Value::String(uniform(&maybe_base64(s, *decode_base64)?)),
                        other => other.clone(),
                    };
                    if (value == &actual) == neg {
                        Err(format!(
                            "expected{} to equal {}, got {}",
                            not_word(neg),
                            show(Some(value)),
                            show(Some(&actual))
                        ))
                    } else {
                        Ok(())
                    }
                })
            }),
            Check::IsSubset { path, content } => per_manifest(selected, neg, |doc| {
                per_value(doc, path, neg, |actual| match (actual, content) {
                    (Value::Object(a), Value::Object(c)) => {
                        if is_subset(a, c) == neg {
                            Err(format!(
                                "expected{} to contain {}, got {}",
                                not_word(neg),
                                show(Some(content)),
                                show(Some(actual))
                            ))
                        } else {
                            Ok(())
                        }
                    }
                    _ => Err(format!("expected an object, got {}", show(Some(actual)))),
                })
            }),
            Check::MatchRegex {
                path,
                pattern,
                decode_base64,
            } => {
                if pattern.is_empty() {
                    return Err("expected field 'pattern' to be filled".into());
                }
                let re = regex::Regex::new(pattern).map_err(|e| format!("pattern {pattern:?}: {e}"))?;
                per_manifest(selected, neg, |doc| {
                    per_value(doc, path, neg, |actual| match actual {
                        Value::String(s) => {
                            let s = maybe_base64(s, *decode_base64)?;
                            if re.is_match(&s) == neg {
                                Err(format!("expected{} to match {pattern:?}, got {s:?}", not_word(neg)))
                            } else {
                                Ok(())
                            }
                        }
                        other => Err(format!("expected a string, got {}", show(Some(other)))),
                    })
                })
            }
            Check::Contains {
                path,
                content,
                count,
                any,
            } => {
                // contains fails on zero documents, negated or not (validateSuccess stays false).
                if selected.is_empty() {
                    return Err("no manifest found".into());
                }
                each(selected, |doc| {
                    let found = path::find(doc, path);
                    let Some(first) = found.first() else {
                        return Err("unknown path".into());
                    };
                    // helm-unittest's "naive way to handle flat actual arrays".
                    let list: Vec<Value> = match first {
                        Value::String(_) => found.iter().map(|v| (*v).clone()).collect(),
                        Value::Array(items) => items.clone(),
                        other => return Err(format!("expected an array, got {}", show(Some(other)))),
                    };
                    let hits = list
                        .iter()
                        .filter(|item| match (any, item, content) {
                            (true, Value::Object(i), Value::Object(c)) => is_subset(i, c),
                            (true, _, _) => false,
                            (false, _, _) => *item == content,
                        })
                        .count();
                    let hit = hits > 0;
                    let count_mismatch = match count {
                        None => true,
                        Some(c) => (*c == hits && neg) || (*c != hits && !neg),
                    };
                    if hit == neg && count_mismatch {
                        return Err(format!(
                            "expected{} to contain {}, got {}",
                            not_word(neg),
                            show(Some(content)),
                            show(Some(&Value::Array(list)))
                        ));
                    }
                    if let Some(c) = count
                        && hit != neg
                        && ((*c != hits && !neg) || (*c == hits && neg))
                    {
                        return Err(format!("expected count {c} of {}, got {hits}", show(Some(content))));
                    }
                    Ok(())
                })
            }
            Check::Exists { path } => {
                if selected.is_empty() {
                    return Err("no manifest found".into());
                }
                each(selected, |doc| {
                    let present = !path::find(doc, path).is_empty();
                    if present == neg {
                        Err(format!("expected path to{} exist", not_word(neg)))
                    } else {
                        Ok(())
                    }
                })
            }
            Check::MatchSnapshot { path } => {
                // Zero documents pass unless negated (`validateSuccess := len(manifests) == 0 && !Negative`).
                if selected.is_empty() {
                    return if neg { Err("no manifest found".into()) } else { Ok(()) };
                }
                each(selected, |doc| {
                    per_value(doc, path, neg, |actual| {
                        if snapshots.compare(actual)? == neg {
                            Err(format!(
                                "expected{} to match snapshot {}, got {}",
                                not_word(neg),
                                snapshots.counter,
                                show(Some(actual))
                            ))
                        } else {
                            Ok(())
                        }
                    })
                })
            }
        }
    }
}

fn not_word(neg: bool) -> &'static str {
    if neg { " NOT" } else { "" }
}

/// A value for a failure report (JSON, compact).
pub fn show(v: Option<&Value>) -> String {
    match v {
        None => "<absent>".into(),
        Some(v) => serde_json::to_string(v).unwrap_or_else(|_| format!("{v:?}")),
    }
}

/// Every document must pass; the failure of each is reported.
fn each(docs: &[Value], mut check: impl FnMut(&Value) -> Result<(), String>) -> Result<(), String> {
    let mut errors = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        if let Err(e) = check(doc) {
            errors.push(format!("document {i}: {e}"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// The validators' shared shape: every document must pass; no documents pass only when
/// negated.
fn per_manifest(docs: &[Value], neg: bool, check: impl FnMut(&Value) -> Result<(), String>) -> Result<(), String> {
    if docs.is_empty() {
        return if neg { Ok(()) } else { Err("no manifest found".into()) };
    }
    each(docs, check)
}

/// Every value the path selects must pass; no value passes only when negated.
fn per_value(
    doc: &Value,
    path: &[Step],
    neg: bool,
    mut check: impl FnMut(&Value) -> Result<(), String>,
) -> Result<(), String> {
    let found = path::find(doc, path);
    if found.is_empty() {
        return if neg { Ok(()) } else { Err("unknown path".into()) };
    }
    for v in found {
        check(v)?;
    }
    Ok(())
}

/// `validateSubset`: each key of `content` deep-equals the same key of `actual` (an absent
/// key reads as `null`).
fn is_subset(actual: &Map<String, Value>, content: &Map<String, Value>) -> bool {
    content.iter().all(|(k, v)| actual.get(k).unwrap_or(&Value::Null) == v)
}

/// `uniformContent`: spaces before a line break are dropped, CRLF becomes LF.
fn uniform(s: &str) -> String {
    static TRAILING: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    match TRAILING.get_or_init(|| regex::Regex::new(r"[ ]+\r?\n").ok()) {
        Some(re) => re.replace_all(s, "\n").into_owned(),
        None => s.to_string(),
    }
}

fn maybe_base64(s: &str, decode: bool) -> Result<String, String> {
    if !decode {
        return Ok(s.to_string());
    }
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| format!("unable to decode base64 content {s:?}: {e}"))
}
