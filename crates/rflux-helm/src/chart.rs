//! The chart model and its loader: `Chart.yaml` (apiVersion v1 and v2, `requirements.yaml`
//! for v1), `values.yaml`, `values.schema.json`, `templates/`, `charts/` (directories and
//! archives), every other file for `.Files`, from a directory (with `.helmignore`) or a
//! `.tgz`, following Helm's loader.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::archive::{MAX_FILE_SIZE, clean_path, read_archive};
use crate::error::Error;
use crate::ignore::Rules;
use crate::yaml;

/// A maintainer in `Chart.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Maintainer {
    /// Name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Email.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// URL.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
}

/// A dependency declared in `Chart.yaml` (or `requirements.yaml`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dependency {
    /// Chart name.
    pub name: String,
    /// Version range.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Repository URL.
    #[serde(default)]
    pub repository: String,
    /// Comma-separated value paths that enable the dependency.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub condition: String,
    /// Tags that enable the dependency.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Set while processing: whether the dependency is enabled.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enabled: bool,
    /// `import-values`: strings (exports) or `{child, parent}` maps.
    #[serde(default, rename = "import-values", skip_serializing_if = "Vec::is_empty")]
    pub import_values: Vec<Value>,
    /// Alias.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub alias: String,
}

/// `Chart.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// Chart name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Home page.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub home: String,
    /// Source URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// SemVer 2 version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Keywords.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// Maintainers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintainers: Vec<Maintainer>,
    /// Icon URL.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub icon: String,
    /// `v1` or `v2`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Condition (v1 requirements).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub condition: String,
    /// Tags.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tags: String,
    /// Application version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub app_version: String,
    /// Deprecated.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Kubernetes version constraint.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kube_version: String,
    /// Dependencies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
    /// `application` or `library`.
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub chart_type: String,
}

/// A file of a chart, by its path relative to the chart directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// `/`-separated relative path, e.g. `templates/deployment.yaml`.
    pub name: String,
    /// Content (shared: cloning a chart does not copy its files).
    pub data: std::sync::Arc<Vec<u8>>,
}

impl File {
    /// A file from its path and content.
    pub fn new(name: impl Into<String>, data: Vec<u8>) -> File {
        File {
            name: name.into(),
            data: std::sync::Arc::new(data),
        }
    }

    /// The content as text, invalid UTF-8 replaced (borrowed when the content is valid).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        text_of(&self.data)
    }
}

/// Bytes as text, invalid UTF-8 replaced: validated with the fast checker first, since
/// `String::from_utf8_lossy` walks valid input byte by byte (megabytes of CRDs).
pub fn text_of(data: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(data) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(data),
    }
}

/// A loaded chart with its subcharts.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    /// `Chart.yaml`.
    pub metadata: Metadata,
    /// `Chart.lock` (or `requirements.lock`), as data.
    pub lock: Option<Value>,
    /// `values.yaml`.
    pub values: Map<String, Value>,
    /// `values.schema.json`.
    pub schema: Option<Vec<u8>>,
    /// Files under `templates/`.
    pub templates: Vec<File>,
    /// Every other file (what `.Files` sees), including `crds/`.
    pub files: Vec<File>,
    /// Subcharts from `charts/`.
    pub dependencies: Vec<Chart>,
}

fn parse_yaml_file<T: for<'de> Deserialize<'de>>(chart: &str, file: &str, data: &[u8]) -> Result<T, Error> {
    let text = text_of(data);
    let v = yaml::parse(&text).map_err(|e| Error::Yaml {
        file: format!("{chart}/{file}"),
        message: e.to_string(),
    })?;
    let v = if v.is_null() {
        Value::Object(Map::new())
    } else {
        stringify_scalars(v, "")
    };
    serde_json::from_value(v).map_err(|e| Error::Yaml {
        file: format!("{chart}/{file}"),
        message: e.to_string(),
    })
}

/// sigs.k8s.io/yaml decodes YAML scalars into Go string fields as text (`name: off` gives
/// `"false"`, `version: 1.0` gives `"1"`): turn booleans and numbers into strings except
/// in the few non-string fields.
fn stringify_scalars(v: Value, key: &str) -> Value {
    match v {
        Value::Bool(b) if key != "deprecated" && key != "enabled" => Value::String(b.to_string()),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            Value::String(rflux_gotmpl::sprint(&[rflux_gotmpl::Value::Float(f)]))
        }
        Value::Array(a) => Value::Array(a.into_iter().map(|x| stringify_scalars(x, key)).collect()),
        Value::Object(o) if key != "import-values" => Value::Object(
            o.into_iter()
                .map(|(k, x)| {
                    let x = stringify_scalars(x, &k);
                    (k, x)
                })
                .collect(),
        ),
        other => other,
    }
}

impl Chart {
    /// Load a chart from a directory or a `.tgz` archive.
    pub fn load(path: impl AsRef<Path>) -> Result<Chart, Error> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path.display(), e))?;
        if meta.is_dir() {
            Chart::load_dir(path)
        } else {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path.display(), e))?;
            Chart::load_archive_bytes(&path.display().to_string(), &bytes)
        }
    }

    /// Load a chart from the bytes of a `.tgz` archive (`name` is used in messages).
    pub fn load_archive_bytes(name: &str, bytes: &[u8]) -> Result<Chart, Error> {
        let files = read_archive(name, bytes)?;
        Chart::from_files(name, files)
    }

    /// Load a chart directory, honouring `.helmignore`; links must stay inside the chart.
    pub fn load_dir(dir: &Path) -> Result<Chart, Error> {
        let root = std::fs::canonicalize(dir).map_err(|e| Error::io(dir.display(), e))?;
        let text = std::fs::read_to_string(root.join(".helmignore")).unwrap_or_default();
        let rules = Rules::parse(&text).map_err(|e| Error::Chart(format!("{}/.helmignore: {e}", dir.display())))?;
        let mut found = Vec::new();
        let mut total = 0u64;
        walk(&root, &root, "", &rules, &mut found, &mut total, 0)?;
        // Reading is most of loading a large chart (system time); files read on all cores.
        let read = rflux_gotmpl::parallel_map(&found, |(_, path)| read_chart_file(path));
        let mut files = Vec::with_capacity(found.len());
        for ((name, _), data) in found.into_iter().zip(read) {
            files.push((name, data?));
        }
        Chart::from_files(&dir.display().to_string(), files)
    }

    /// Build a chart from its files (relative `/`-separated names), as Helm's loader does.
    pub fn from_files(origin: &str, files: Vec<(String, Vec<u8>)>) -> Result<Chart, Error> {
        let mut c = Chart::default();
        let mut subcharts: BTreeMap<String, Vec<(String, Vec<u8>)>> = BTreeMap::new();
        let mut have_chart_yaml = false;
        // Chart.yaml first: other files depend on its apiVersion.
        for (name, data) in &files {
            if name == "Chart.yaml" {
                c.metadata = parse_yaml_file(origin, name, data)?;
                if c.metadata.api_version.is_empty() {
                    c.metadata.api_version = "v1".into();
                }
                have_chart_yaml = true;
            }
        }
        if !have_chart_yaml {
            return Err(Error::Chart(format!("{origin}: Chart.yaml file is missing")));
        }
        let v1 = c.metadata.api_version == "v1";
        for (name, data) in files {
            match name.as_str() {
                "Chart.yaml" => {}
                "Chart.lock" => c.lock = Some(parse_yaml_file(origin, &name, &data)?),
                "values.yaml" => {
                    let text = text_of(&data);
                    c.values = yaml::parse_map(&text).map_err(|e| {
                        tracing::debug!(chart = origin, "values.yaml does not parse");
                        Error::Chart(format!(
                            "cannot load values.yaml: cannot unmarshal yaml document: error converting YAML to JSON: {e}"
                        ))
                    })?;
                }
                "values.schema.json" => c.schema = Some(data),
                "requirements.yaml" if v1 => {
                    #[derive(Deserialize)]
                    struct Req {
                        #[serde(default)]
                        dependencies: Vec<Dependency>,
                    }
                    let r: Req = parse_yaml_file(origin, &name, &data)?;
                    c.metadata.dependencies = r.dependencies;
                    c.files.push(File::new(name, data));
                }
                "requirements.lock" if v1 => {
                    c.lock = Some(parse_yaml_file(origin, &name, &data)?);
                    c.files.push(File::new(name, data));
                }
                n if n.starts_with("templates/") => c.templates.push(File::new(name, data)),
                n if n.starts_with("charts/") && !n.ends_with(".prov") => {
                    let rest = &n["charts/".len()..];
                    let (cname, inner) = match rest.split_once('/') {
                        Some((a, b)) => (a.to_string(), b.to_string()),
                        None => (rest.to_string(), rest.to_string()),
                    };
                    subcharts.entry(cname).or_default().push((inner, data));
                }
                _ => c.files.push(File::new(name, data)),
            }
        }
        validate_metadata(origin, &c.metadata)?;
        for (cname, sub) in subcharts {
            let sub_origin = format!("{origin}/charts/{cname}");
            if cname.ends_with(".tgz") {
                let Some((_, bytes)) = sub.into_iter().next() else {
                    continue;
                };
                let sc = Chart::load_archive_bytes(&sub_origin, &bytes)
                    .map_err(|e| Error::Dependency(format!("error unpacking subchart {cname} in {origin}: {e}")))?;
                c.dependencies.push(sc);
            } else if cname.starts_with('_') || cname.starts_with('.') {
                continue;
            } else {
                let sc = Chart::from_files(&sub_origin, sub)
                    .map_err(|e| Error::Dependency(format!("error unpacking subchart {cname} in {origin}: {e}")))?;
                c.dependencies.push(sc);
            }
        }
        Ok(c)
    }

    /// The chart's name (its alias once dependencies are processed).
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Whether this is a library chart (only partials are rendered).
    pub fn is_library(&self) -> bool {
        self.metadata.chart_type == "library"
    }

    /// The CRD files of this chart (`crds/*.yaml|yml|json`), not of its subcharts.
    pub fn crd_files(&self) -> impl Iterator<Item = &File> {
        self.files.iter().filter(|f| {
            let ext = f
                .name
                .rsplit_once('.')
                .map(|(_, e)| e.to_ascii_lowercase())
                .unwrap_or_default();
            f.name.starts_with("crds/") && matches!(ext.as_str(), "yaml" | "yml" | "json")
        })
    }
}

fn validate_metadata(origin: &str, m: &Metadata) -> Result<(), Error> {
    let fail = |msg: String| Err(Error::Chart(format!("{origin}: validation: {msg}")));
    if m.api_version.is_empty() {
        return fail("chart.metadata.apiVersion is required".into());
    }
    if m.api_version != "v1" && m.api_version != "v2" && m.api_version != "v3" {
        return fail(format!("chart.metadata.apiVersion {:?} is invalid", m.api_version));
    }
    if m.name.is_empty() {
        return fail("chart.metadata.name is required".into());
    }
    if m.name.contains('/') || m.name.contains('\\') || m.name == "." || m.name == ".." {
        return fail(format!("chart.metadata.name {:?} is invalid", m.name));
    }
    if m.version.is_empty() {
        return fail("chart.metadata.version is required".into());
    }
    if crate::deps::parse_version(&m.version).is_none() {
        return fail(format!("chart.metadata.version {:?} is invalid", m.version));
    }
    if !m.chart_type.is_empty() && m.chart_type != "application" && m.chart_type != "library" {
        return fail("chart.metadata.type must be application or library".into());
    }
    let mut seen = std::collections::HashSet::new();
    for d in &m.dependencies {
        if d.name.is_empty() {
            return fail("dependencies must have a name".into());
        }
        let key = if d.alias.is_empty() { &d.name } else { &d.alias };
        if !seen.insert(key.clone()) {
            return fail(format!(
                "more than one dependency with name or alias {key:?}. Try using distinct aliases for dependencies with the same chart name."
            ));
        }
    }
    Ok(())
}

const MAX_WALK_DEPTH: usize = 64;

/// Collect the chart's files under `dir` (name relative to the chart, real path), in
/// name order, honouring `.helmignore`, refusing links out of the chart, irregular
/// files and files or charts over the size limits.
fn walk(
    root: &Path,
    dir: &Path,
    rel: &str,
    rules: &Rules,
    files: &mut Vec<(String, std::path::PathBuf)>,
    total: &mut u64,
    depth: usize,
) -> Result<(), Error> {
    if depth > MAX_WALK_DEPTH {
        return Err(Error::Chart(format!("{}: directory nesting too deep", dir.display())));
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir.display(), e))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let fname = e.file_name().to_string_lossy().into_owned();
        let n = if rel.is_empty() {
            fname.clone()
        } else {
            format!("{rel}/{fname}")
        };
        let path = e.path();
        let lmeta = std::fs::symlink_metadata(&path).map_err(|err| Error::io(path.display(), err))?;
        let real = if lmeta.file_type().is_symlink() {
            let target = std::fs::canonicalize(&path).map_err(|err| Error::io(path.display(), err))?;
            if !target.starts_with(root) {
                return Err(Error::Chart(format!(
                    "{}: symbolic link {n:?} points outside the chart",
                    root.display()
                )));
            }
            target
        } else {
            path.clone()
        };
        let meta = std::fs::metadata(&real).map_err(|err| Error::io(real.display(), err))?;
        if meta.is_dir() {
            if rules.ignored(&n, true) {
                continue;
            }
            walk(root, &real, &n, rules, files, total, depth + 1)?;
            continue;
        }
        if rules.ignored(&n, false) {
            continue;
        }
        if !meta.is_file() {
            return Err(Error::Chart(format!(
                "cannot load irregular file {} as it has file mode type bits set",
                path.display()
            )));
        }
        if meta.len() > MAX_FILE_SIZE {
            return Err(Error::Chart(format!(
                "chart file {n:?} is larger than the maximum file size {MAX_FILE_SIZE}"
            )));
        }
        *total += meta.len();
        if *total > crate::archive::MAX_CHART_SIZE {
            return Err(Error::Chart(format!(
                "{}: chart is larger than the maximum size",
                root.display()
            )));
        }
        files.push((clean_path(&n), real));
    }
    Ok(())
}

/// A chart file's content, without a UTF-8 byte order mark.
fn read_chart_file(path: &Path) -> Result<Vec<u8>, Error> {
    let mut data = std::fs::read(path).map_err(|err| Error::io(path.display(), err))?;
    if data.starts_with(b"\xEF\xBB\xBF") {
        data.drain(..3);
    }
    Ok(data)
}
