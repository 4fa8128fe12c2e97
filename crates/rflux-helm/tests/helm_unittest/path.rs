//! helm-unittest's assertion `path` (a yaml-jsonpath expression, resolved by
//! `valueutils.GetValueOfSetPath` through `github.com/helm-unittest/yaml-jsonpath`
//! `pkg/yamlpath/path.go`), limited to the forms the chart suites use: a leading undotted
//! child (`spec`), dotted children (`.template`), quoted bracket children
//! (`["prometheus.io/scrape"]`, `['a.b']`) and non-negative array subscripts (`[0]`).
//! Anything else (`$`, `..`, `*`, filters, slices, unions, escapes) is refused with an
//! error so that an assertion using it fails loudly instead of passing by accident.

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A mapping key: only a mapping node has children (yamlpath `childThen`).
    Key(String),
    /// A sequence index: only a sequence node has elements (yamlpath `arraySubscriptThen`).
    Index(usize),
}

/// Parse a path; the empty path selects the whole document.
pub fn parse(path: &str) -> Result<Vec<Step>, String> {
    let chars: Vec<char> = path.chars().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    let unsupported = |what: &str| Err(format!("unsupported path syntax in {path:?}: {what}"));
    if chars.is_empty() {
        return Ok(steps);
    }
    if chars[0] == '$' {
        return unsupported("root `$`");
    }
    let name_end = |from: usize| {
        let mut j = from;
        while j < chars.len() && chars[j] != '.' && chars[j] != '[' {
            j += 1;
        }
        j
    };
    if chars[0] != '[' && chars[0] != '.' {
        let end = name_end(0);
        steps.push(Step::Key(child_name(&chars[0..end], path)?));
        i = end;
    }
    while i < chars.len() {
        match chars[i] {
            '.' => {
                let end = name_end(i + 1);
                if end == i + 1 {
                    return unsupported("recursive descent `..` or an empty child name");
                }
                steps.push(Step::Key(child_name(&chars[i + 1..end], path)?));
                i = end;
            }
            '[' => {
                let quote = chars.get(i + 1).copied();
                if let Some(q @ ('"' | '\'')) = quote {
                    let mut j = i + 2;
                    let mut name = String::new();
                    while j < chars.len() && chars[j] != q {
                        if chars[j] == '\\' {
                            return unsupported("escapes inside a quoted child name");
                        }
                        name.push(chars[j]);
                        j += 1;
                    }
                    if chars.get(j) != Some(&q) || chars.get(j + 1) != Some(&']') {
                        return unsupported(
                            "a bracket child that is not one quoted name (unions, unterminated quotes)",
                        );
                    }
                    steps.push(Step::Key(name));
                    i = j + 2;
                } else {
                    let mut j = i + 1;
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                    if j == i + 1 || chars.get(j) != Some(&']') {
                        return unsupported("a subscript other than a non-negative index (wildcards, slices, filters)");
                    }
                    let digits: String = chars[i + 1..j].iter().collect();
                    let index = digits
                        .parse::<usize>()
                        .map_err(|e| format!("bad index {digits:?} in {path:?}: {e}"))?;
                    steps.push(Step::Index(index));
                    i = j + 1;
                }
            }
            c => return unsupported(&format!("unexpected character {c:?}")),
        }
    }
    Ok(steps)
}

fn child_name(chars: &[char], path: &str) -> Result<String, String> {
    let name: String = chars.iter().collect();
    if name.contains(['*', '~', '?', '@', '(', ')', ']', '\\', ',', '\'', '"']) || name.is_empty() {
        return Err(format!(
            "unsupported path syntax in {path:?}: child name {name:?} (wildcards, property names, filters)"
        ));
    }
    Ok(name)
}

/// The nodes a path selects in a document: none or one for the supported forms.
pub fn find<'a>(doc: &'a Value, steps: &[Step]) -> Vec<&'a Value> {
    let mut node = doc;
    for step in steps {
        let next = match (step, node) {
            (Step::Key(k), Value::Object(m)) => m.get(k),
            (Step::Index(i), Value::Array(a)) => a.get(*i),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return Vec::new(),
        }
    }
    vec![node]
}
