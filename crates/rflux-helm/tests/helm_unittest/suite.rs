//! A helm-unittest suite file and how one of its tests is run (`pkg/unittest/test_suite.go`
//! and `test_job.go`): the suite's `release`, `set`, `templates` and `chart` apply to every
//! test (a test's own `release` wins, the suite's `chart` overrides the test's); the chart
//! is rendered the way `TestJob.renderV3Chart` does (dependencies processed, values
//! coalesced and schema-checked, no `kubeVersion` check, only the suite's templates plus
//! every partial as `CopyV3Chart` in `deep_copy.go` keeps them (matched by exact name here,
//! wildcards refused), capabilities without API versions, revision 0 unless set); each
//! template's output is split on Helm's `---` separators (`splitterPattern`) and decoded as
//! a YAML stream, empty documents dropped (`parseYamlFile`); each assertion looks at its
//! own `template`, else the test's `templates`/`template`, else the suite's `templates`,
//! else every rendered file (`polishAssertionsTemplate`), a name without `templates/` in
//! front being relative to it (`getTemplateFileName`). Suite or test keys this runner does
//! not implement make the suite or test fail.

use std::collections::BTreeMap;
use std::path::Path;

use rflux_helm::{Chart, RenderOptions, prepare, render_templates, yaml};
use serde_json::{Map, Value};

use super::asserts::{Assertion, Snapshots, show};
use super::values::user_values;

/// `release:` of a suite or test.
#[derive(Debug, Default, Clone)]
struct Release {
    name: String,
    namespace: String,
    revision: i64,
    upgrade: bool,
}

/// `chart:` of a suite or test.
#[derive(Debug, Default, Clone)]
struct ChartOverride {
    version: String,
    app_version: String,
}

/// One `it` of a suite.
#[derive(Debug)]
pub struct TestJob {
    /// The test's name (`it`).
    pub it: String,
    set: Vec<(String, Value)>,
    templates: Vec<String>,
    template: Option<String>,
    document_index: Option<usize>,
    release: Release,
    chart: ChartOverride,
    asserts: Vec<Value>,
    /// Keys of the test this runner does not implement.
    unsupported: Vec<String>,
}

/// A parsed suite file.
#[derive(Debug)]
pub struct Suite {
    /// `suite:`.
    pub name: String,
    templates: Vec<String>,
    set: Vec<(String, Value)>,
    release: Release,
    chart: ChartOverride,
    /// The tests, in file order.
    pub tests: Vec<TestJob>,
    snapshots: Value,
}

fn string_of(v: &Value, what: &str) -> Result<String, String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("`{what}` must be a string, got {v}"))
}

fn strings_of(v: &Value, what: &str) -> Result<Vec<String>, String> {
    match v {
        Value::Array(items) => items.iter().map(|i| string_of(i, what)).collect(),
        Value::Null => Ok(Vec::new()),
        other => Err(format!("`{what}` must be a list, got {other}")),
    }
}

fn set_of(v: &Value) -> Result<Vec<(String, Value)>, String> {
    match v {
        Value::Object(m) => Ok(m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        Value::Null => Ok(Vec::new()),
        other => Err(format!("`set` must be a map, got {other}")),
    }
}

fn release_of(v: &Value) -> Result<Release, String> {
    let mut r = Release::default();
    let Value::Object(m) = v else {
        return Err(format!("`release` must be a map, got {v}"));
    };
    for (k, x) in m {
        match k.as_str() {
            "name" => r.name = string_of(x, "release.name")?,
            "namespace" => r.namespace = string_of(x, "release.namespace")?,
            "revision" => r.revision = x.as_f64().ok_or("`release.revision` must be a number")? as i64,
            "upgrade" => r.upgrade = x.as_bool().ok_or("`release.upgrade` must be a boolean")?,
            other => return Err(format!("`release.{other}` is not implemented")),
        }
    }
    Ok(r)
}

fn chart_of(v: &Value) -> Result<ChartOverride, String> {
    let mut c = ChartOverride::default();
    let Value::Object(m) = v else {
        return Err(format!("`chart` must be a map, got {v}"));
    };
    for (k, x) in m {
        match k.as_str() {
            "version" => c.version = string_of(x, "chart.version")?,
            "appVersion" => c.app_version = string_of(x, "chart.appVersion")?,
            other => return Err(format!("`chart.{other}` is not implemented")),
        }
    }
    Ok(c)
}

fn test_of(def: &Value) -> Result<TestJob, String> {
    let Value::Object(m) = def else {
        return Err(format!("a test must be a map, got {def}"));
    };
    let mut t = TestJob {
        it: String::new(),
        set: Vec::new(),
        templates: Vec::new(),
        template: None,
        document_index: None,
        release: Release::default(),
        chart: ChartOverride::default(),
        asserts: Vec::new(),
        unsupported: Vec::new(),
    };
    for (k, v) in m {
        match k.as_str() {
            "it" => t.it = string_of(v, "it")?,
            "set" => t.set = set_of(v)?,
            "templates" => t.templates = strings_of(v, "templates")?,
            "template" => t.template = Some(string_of(v, "template")?),
            "documentIndex" => {
                let i = v.as_f64().filter(|f| *f >= 0.0 && f.fract() == 0.0);
                t.document_index = Some(i.ok_or("`documentIndex` must be a non-negative integer")? as usize);
            }
            "release" => t.release = release_of(v)?,
            "chart" => t.chart = chart_of(v)?,
            "asserts" => match v {
                Value::Array(a) => t.asserts = a.clone(),
                other => return Err(format!("`asserts` must be a list, got {other}")),
            },
            other => t.unsupported.push(other.to_string()),
        }
    }
    if t.asserts.is_empty() {
        t.unsupported.push("(no asserts found)".into());
    }
    Ok(t)
}

impl Suite {
    /// Read a suite file and the snapshot file next to it (`__snapshot__/<file>.snap`).
    pub fn load(file: &Path) -> Result<Suite, String> {
        let text = std::fs::read_to_string(file).map_err(|e| format!("reading: {e}"))?;
        refuse_yaml11_booleans(&text)?;
        let Value::Object(doc) = yaml::parse(&text).map_err(|e| e.to_string())? else {
            return Err("a suite must be a map".into());
        };
        let mut suite = Suite {
            name: String::new(),
            templates: Vec::new(),
            set: Vec::new(),
            release: Release::default(),
            chart: ChartOverride::default(),
            tests: Vec::new(),
            snapshots: Value::Null,
        };
        for (k, v) in &doc {
            match k.as_str() {
                "suite" => suite.name = string_of(v, "suite")?,
                "templates" => suite.templates = strings_of(v, "templates")?,
                "set" => suite.set = set_of(v)?,
                "release" => suite.release = release_of(v)?,
                "chart" => suite.chart = chart_of(v)?,
                "tests" => match v {
                    Value::Array(tests) => {
                        for (i, t) in tests.iter().enumerate() {
                            suite.tests.push(test_of(t).map_err(|e| format!("test {i}: {e}"))?);
                        }
                    }
                    other => return Err(format!("`tests` must be a list, got {other}")),
                },
                other => return Err(format!("suite key `{other}` is not implemented")),
            }
        }
        if suite.tests.is_empty() {
            return Err("no tests found".into());
        }
        if let (Some(dir), Some(name)) = (file.parent(), file.file_name()) {
            let snap = dir
                .join("__snapshot__")
                .join(format!("{}.snap", name.to_string_lossy()));
            if let Ok(text) = std::fs::read_to_string(&snap) {
                suite.snapshots = yaml::parse(&text).map_err(|e| format!("{}: {e}", snap.display()))?;
            }
        }
        Ok(suite)
    }

    /// Run one test against `chart` (loaded afresh for each test, as helm-unittest does).
    /// `Err` lists each failure: the assertion with its parameters and what was found.
    pub fn run(&self, chart: &Chart, test: &TestJob) -> Result<(), Vec<String>> {
        if !test.unsupported.is_empty() {
            return Err(vec![format!(
                "test keys not implemented: {}",
                test.unsupported.join(", ")
            )]);
        }
        let mut asserts = Vec::new();
        let mut failures = Vec::new();
        for (i, def) in test.asserts.iter().enumerate() {
            match Assertion::parse(def) {
                Ok(a) => asserts.push(a),
                Err(e) => failures.push(format!("assert #{i} {}: {e}", show(Some(def)))),
            }
        }
        if !failures.is_empty() {
            return Err(failures);
        }
        let outputs = self
            .render(chart.clone(), test)
            .map_err(|e| vec![format!("render: {e}")])?;
        let chart_name = chart.name().to_string();
        let prefixed = |t: &str| -> Result<String, String> {
            if t.contains('*') {
                return Err(format!("template wildcard {t:?} is not implemented"));
            }
            Ok(format!("{chart_name}/{}", template_file_name(t)))
        };
        let mut snapshots = Snapshots {
            cached: self.snapshots.get(&test.it),
            counter: 0,
        };
        for (i, a) in asserts.iter().enumerate() {
            let label = format!(
                "assert #{i} {}{} {}",
                if a.not { "not " } else { "" },
                a.name,
                show(Some(&a.params))
            );
            let wanted: Result<Vec<String>, String> = if let Some(t) = &a.template {
                prefixed(t).map(|t| vec![t])
            } else if !test.templates.is_empty() {
                test.templates.iter().map(|t| prefixed(t)).collect()
            } else if let Some(t) = &test.template {
                prefixed(t).map(|t| vec![t])
            } else if self.templates.is_empty() {
                Ok(outputs.keys().cloned().collect())
            } else {
                self.templates.iter().map(|t| prefixed(t)).collect()
            };
            let mut templates = match wanted {
                Ok(t) => t,
                Err(e) => {
                    failures.push(format!("{label}: {e}"));
                    continue;
                }
            };
            templates.sort();
            let index = test.document_index.or(a.document_index);
            for template in &templates {
                let Some(docs) = outputs.get(template) else {
                    failures.push(format!(
                        "{label}: template {template:?} not exists or not selected in test suite"
                    ));
                    continue;
                };
                let selected: Vec<Value> = match index {
                    None => docs.clone(),
                    Some(i) => match docs.get(i) {
                        Some(d) => vec![d.clone()],
                        None => {
                            failures.push(format!("{label}: document index {i} is out of range in {template}"));
                            continue;
                        }
                    },
                };
                if let Err(e) = a.validate(docs, &selected, &mut snapshots) {
                    failures.push(format!("{label} on {template}: {e}"));
                }
            }
        }
        if failures.is_empty() { Ok(()) } else { Err(failures) }
    }

    /// The user values a test renders with (the suite's `set`, then the test's).
    pub fn values_of(&self, test: &TestJob) -> Result<rflux_helm::Values, String> {
        let mut sets: Vec<(&str, &Value)> = self.set.iter().map(|(k, v)| (k.as_str(), v)).collect();
        sets.extend(test.set.iter().map(|(k, v)| (k.as_str(), v)));
        user_values(&sets)
    }

    /// Render the chart for a test; the decoded documents of each rendered file by path.
    pub fn render(&self, mut chart: Chart, test: &TestJob) -> Result<BTreeMap<String, Vec<Value>>, String> {
        let values = self.values_of(test)?;
        let version = first_non_empty(&self.chart.version, &test.chart.version);
        let app_version = first_non_empty(&self.chart.app_version, &test.chart.app_version);
        if !version.is_empty() {
            chart.metadata.version = version.to_string();
        }
        if !app_version.is_empty() {
            chart.metadata.app_version = app_version.to_string();
        }
        if !self.templates.is_empty() {
            let keep: Vec<String> = self
                .templates
                .iter()
                .map(|t| {
                    if t.contains('*') {
                        Err(format!("suite template wildcard {t:?} is not implemented"))
                    } else {
                        Ok(template_file_name(t))
                    }
                })
                .collect::<Result<_, _>>()?;
            chart.templates.retain(|f| {
                keep.contains(&f.name) || f.name.rsplit('/').next().is_some_and(|base| base.starts_with('_'))
            });
        }
        let release =
            |own: &str, suite: &str, default: &str| first_non_empty(own, first_non_empty(suite, default)).to_string();
        let mut opts = RenderOptions {
            name: release(&test.release.name, &self.release.name, "RELEASE-NAME"),
            namespace: release(&test.release.namespace, &self.release.namespace, "NAMESPACE"),
            revision: if test.release.revision > 0 {
                test.release.revision
            } else {
                self.release.revision
            },
            is_upgrade: test.release.upgrade || self.release.upgrade,
            check_kube_version: false,
            check_dependencies: false,
            ..RenderOptions::default()
        };
        opts.capabilities.api_versions.clear();
        let (processed, vals) = prepare(&chart, &values, false).map_err(|e| e.to_string())?;
        let files = render_templates(&processed, &vals, &opts).map_err(|e| e.to_string())?;
        let mut out = BTreeMap::new();
        for (path, text) in files {
            let path = if path.starts_with(chart.name()) {
                path
            } else {
                format!("{}/{path}", chart.name())
            };
            let docs = if path.ends_with(".yaml") || path.ends_with(".yml") || path.ends_with(".tpl") {
                refuse_yaml11_booleans(&text).map_err(|e| format!("the output of {path}: {e}"))?;
                decode_documents(&text).map_err(|e| format!("decoding the output of {path}: {e}"))?
            } else if path.ends_with(".txt") {
                let mut raw = Map::new();
                raw.insert("raw".into(), Value::String(text));
                vec![Value::Object(raw)]
            } else {
                continue;
            };
            out.insert(path, docs);
        }
        Ok(out)
    }
}

fn first_non_empty<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.is_empty() { b } else { a }
}

/// helm-unittest's `getTemplateFileName`: a name without `templates/` or `charts/` in front
/// is taken as relative to `templates/`.
fn template_file_name(name: &str) -> String {
    if name.starts_with("templates") || name.starts_with("charts") {
        name.to_string()
    } else {
        format!("templates/{name}")
    }
}

/// This runner decodes YAML with go-yaml v2's scalar rules (rflux-helm's `yaml`), where
/// helm-unittest uses yaml.v3: the two differ only on the YAML 1.1 booleans (`yes`, `on`,
/// `n`, …), plain strings to yaml.v3. Such a plain scalar could make an assertion pass
/// here and fail there, so it is refused.
fn refuse_yaml11_booleans(text: &str) -> Result<(), String> {
    use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};
    const YAML11_ONLY: [&str; 16] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
    ];
    let mut found = Vec::new();
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else {
            // Syntax errors are reported by the decoder itself.
            return Ok(());
        };
        if let Event::Scalar(value, ScalarStyle::Plain, _, None) = event
            && YAML11_ONLY.contains(&value.as_ref())
        {
            found.push(format!("`{value}` (line {})", span.start.line()));
        }
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "plain scalars read as booleans by YAML 1.1 but as strings by helm-unittest's yaml.v3 are not implemented: {}",
            found.join(", ")
        ))
    }
}

/// `parseYamlFile`: every `---` separator Helm's `SplitManifests` would see (the pattern
/// `(?:^|\s*\n)---\s*`, so also `---# comment`) is put on a line of its own, then every
/// document of the stream is decoded into a map; empty ones are dropped.
fn decode_documents(text: &str) -> Result<Vec<Value>, String> {
    static SEPARATOR: std::sync::OnceLock<Result<regex::Regex, regex::Error>> = std::sync::OnceLock::new();
    let separator = SEPARATOR
        .get_or_init(|| regex::Regex::new(r"(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*"))
        .as_ref()
        .map_err(|e| e.to_string())?;
    let text = separator.replace_all(text, "\n---\n");
    let mut docs = Vec::new();
    for doc in yaml::parse_all(&text).map_err(|e| e.to_string())? {
        match doc {
            Value::Null => {}
            Value::Object(m) if m.is_empty() => {}
            Value::Object(m) => docs.push(Value::Object(m)),
            other => return Err(format!("a document is not a map: {other}")),
        }
    }
    Ok(docs)
}
