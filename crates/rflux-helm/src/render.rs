//! Rendering a chart as Helm's engine does: dependencies processed, values coalesced and
//! validated, the built-in objects (`.Values`, `.Release`, `.Chart`, `.Subcharts`,
//! `.Capabilities`, `.Template`, `.Files`) built per chart, every template of the chart
//! tree parsed into one set in Helm's order, and each non-partial template executed.

use std::collections::BTreeMap;

use rflux_gotmpl::{Map, Template, Value};
use serde_json::Value as Json;

use crate::caps::Capabilities;
use crate::chart::Chart;
use crate::deps::{check_dependencies, process_dependencies};
use crate::error::Error;
use crate::manifest::{Rendered, sort_manifests};
use crate::values::{Values, coalesce_values};

/// How to render.
#[derive(Clone)]
pub struct RenderOptions {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// Release revision (1 for an install).
    pub revision: i64,
    /// Whether this is an upgrade (`.Release.IsUpgrade`); otherwise an install.
    pub is_upgrade: bool,
    /// What the cluster offers (Helm's defaults when none).
    pub capabilities: Capabilities,
    /// Whether NOTES.txt of subcharts are kept too.
    pub sub_notes: bool,
    /// Whether Chart.yaml's `kubeVersion` must accept the cluster's version (as `helm
    /// template` requires; the Helm SDK's render skips this check).
    pub check_kube_version: bool,
    /// Cluster-backed `lookup` (empty results without one, as `helm template`).
    pub lookup: Option<rflux_gotmpl::LookupFn>,
    /// Whether every declared dependency must be present in `charts/` (as `helm template`
    /// requires); the Helm SDK's render skips this check.
    pub check_dependencies: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            name: "release-name".into(),
            namespace: "default".into(),
            revision: 1,
            is_upgrade: false,
            capabilities: Capabilities::default(),
            sub_notes: false,
            check_dependencies: true,
            check_kube_version: true,
            lookup: None,
        }
    }
}

impl std::fmt::Debug for RenderOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderOptions")
            .field("name", &self.name)
            .field("namespace", &self.namespace)
            .field("revision", &self.revision)
            .field("is_upgrade", &self.is_upgrade)
            .field("capabilities", &self.capabilities)
            .field("sub_notes", &self.sub_notes)
            .field("check_dependencies", &self.check_dependencies)
            .field("check_kube_version", &self.check_kube_version)
            .field("lookup", &self.lookup.is_some())
            .finish()
    }
}

/// Convert values to template values: integers (from `--set`) stay `int64`, every other
/// number is a `float64`, as in Helm.
pub fn to_template_value(j: &Json) -> Value {
    match j {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => {
            if n.is_f64() {
                Value::Float(n.as_f64().unwrap_or(0.0))
            } else if let Some(i) = n.as_i64() {
                Value::Int64(i)
            } else {
                Value::Float(n.as_f64().unwrap_or(0.0))
            }
        }
        Json::String(s) => Value::str(s.as_str()),
        Json::Array(a) => Value::list(a.iter().map(to_template_value).collect()),
        Json::Object(o) => Value::map(o.iter().map(|(k, v)| (k.clone(), to_template_value(v))).collect()),
    }
}

fn strs(v: &[String]) -> Value {
    Value::list(v.iter().map(|s| Value::str(s.as_str())).collect())
}

/// The `.Chart` object: Helm's metadata fields plus `IsRoot`.
fn chart_object(c: &Chart, is_root: bool) -> Value {
    let m = &c.metadata;
    let s = |x: &str| Value::str(x);
    let mut o = Map::new();
    o.insert("APIVersion".into(), s(&m.api_version));
    o.insert(
        "Annotations".into(),
        Value::map(m.annotations.iter().map(|(k, v)| (k.clone(), s(v))).collect()),
    );
    o.insert("AppVersion".into(), s(&m.app_version));
    o.insert("Condition".into(), s(&m.condition));
    let deps = m
        .dependencies
        .iter()
        .map(|d| {
            let mut dm = Map::new();
            dm.insert("Name".into(), s(&d.name));
            dm.insert("Version".into(), s(&d.version));
            dm.insert("Repository".into(), s(&d.repository));
            dm.insert("Condition".into(), s(&d.condition));
            dm.insert("Tags".into(), strs(&d.tags));
            dm.insert("Enabled".into(), Value::Bool(d.enabled));
            dm.insert(
                "ImportValues".into(),
                Value::list(d.import_values.iter().map(to_template_value).collect()),
            );
            dm.insert("Alias".into(), s(&d.alias));
            Value::map(dm)
        })
        .collect();
    o.insert("Dependencies".into(), Value::list(deps));
    o.insert("Deprecated".into(), Value::Bool(m.deprecated));
    o.insert("Description".into(), s(&m.description));
    o.insert("Home".into(), s(&m.home));
    o.insert("Icon".into(), s(&m.icon));
    o.insert("IsRoot".into(), Value::Bool(is_root));
    o.insert("Keywords".into(), strs(&m.keywords));
    o.insert("KubeVersion".into(), s(&m.kube_version));
    let maint = m
        .maintainers
        .iter()
        .map(|x| {
            let mut mm = Map::new();
            mm.insert("Name".into(), s(&x.name));
            mm.insert("Email".into(), s(&x.email));
            mm.insert("URL".into(), s(&x.url));
            Value::map(mm)
        })
        .collect();
    o.insert("Maintainers".into(), Value::list(maint));
    o.insert("Name".into(), s(&m.name));
    o.insert("Sources".into(), strs(&m.sources));
    o.insert("Tags".into(), s(&m.tags));
    o.insert("Type".into(), s(&m.chart_type));
    o.insert("Version".into(), s(&m.version));
    Value::map(o)
}

struct Renderable {
    text: String,
    data: Value,
    base_path: String,
}

/// What every chart's top-level object shares in one render.
struct Shared<'a> {
    release: &'a Value,
    caps: &'a Value,
    binaries: &'a crate::files::BinaryFiles,
}

/// Helm's `recAllTpls`: build each chart's top-level object and collect its templates.
fn collect(
    c: &Chart,
    parent_values: &Value,
    full_path: &str,
    is_root: bool,
    shared: &Shared<'_>,
    out: &mut BTreeMap<String, Renderable>,
) -> Value {
    let values = if is_root {
        parent_values.clone()
    } else {
        match parent_values.as_map().and_then(|m| m.get(c.name())) {
            Some(v @ Value::Map(_)) => v,
            _ => Value::map(Map::new()),
        }
    };
    let subcharts = Value::map(Map::new());
    let mut next = Map::new();
    next.insert("Chart".into(), chart_object(c, is_root));
    next.insert("Files".into(), crate::files::Files::value_of_chart(c, shared.binaries));
    next.insert("Release".into(), shared.release.clone());
    next.insert("Capabilities".into(), shared.caps.clone());
    next.insert("Values".into(), values.clone());
    next.insert("Subcharts".into(), subcharts.clone());
    let next = Value::map(next);
    if let Some(sm) = subcharts.as_map() {
        for child in &c.dependencies {
            let child_path = format!("{full_path}/charts/{}", child.name());
            let obj = collect(child, &values, &child_path, false, shared, out);
            sm.write().insert(child.name().to_string(), obj);
        }
    }
    for t in &c.templates {
        let base = t.name.rsplit('/').next().unwrap_or(&t.name);
        if c.is_library() && !base.starts_with('_') {
            continue;
        }
        out.insert(
            format!("{full_path}/{}", t.name),
            Renderable {
                text: t.text().into_owned(),
                data: next.clone(),
                base_path: format!("{full_path}/templates"),
            },
        );
    }
    next
}

/// Helm's `sortTemplates`: deeper paths first, then reverse lexical order.
fn sort_templates(names: &mut [String]) {
    names.sort_by(|a, b| {
        let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
        cb.cmp(&ca).then_with(|| b.cmp(a))
    });
}

/// Prepare the chart for rendering: check and process dependencies, coalesce the values
/// and validate them against every chart's schema. Returns the processed chart and the
/// final values.
pub fn prepare(chart: &Chart, user_values: &Values, check_deps: bool) -> Result<(Chart, Values), Error> {
    if check_deps {
        check_dependencies(chart)?;
    }
    let mut c = chart.clone();
    process_dependencies(&mut c, user_values)?;
    let vals = coalesce_values(&c, user_values);
    crate::schema::validate(&c, &vals)?;
    Ok((c, vals))
}

/// Render every template; returns the output of each non-partial template by its path
/// (`CHART/templates/x.yaml`, `CHART/charts/SUB/templates/y.yaml`), NOTES.txt included,
/// exactly as Helm's engine returns them.
pub fn render_templates(
    chart: &Chart,
    values: &Values,
    opts: &RenderOptions,
) -> Result<BTreeMap<String, String>, Error> {
    let mut rel = Map::new();
    rel.insert("Name".into(), Value::str(opts.name.as_str()));
    rel.insert("Namespace".into(), Value::str(opts.namespace.as_str()));
    rel.insert("IsInstall".into(), Value::Bool(!opts.is_upgrade));
    rel.insert("IsUpgrade".into(), Value::Bool(opts.is_upgrade));
    rel.insert("Revision".into(), Value::Int(opts.revision));
    rel.insert("Service".into(), Value::str("Helm"));
    let release = Value::map(rel);
    let caps = opts.capabilities.to_value();
    let vals = to_template_value(&Json::Object(values.clone()));
    let binaries = crate::files::BinaryFiles::default();
    let shared = Shared {
        release: &release,
        caps: &caps,
        binaries: &binaries,
    };
    let mut tpls = BTreeMap::new();
    collect(chart, &vals, chart.name(), true, &shared, &mut tpls);

    let mut names: Vec<String> = tpls.keys().cloned().collect();
    sort_templates(&mut names);
    let mut set = Template::new("gotpl");
    if let Some(l) = &opts.lookup {
        set.set_lookup(l.clone());
    }
    crate::files::register(&mut set, &binaries);
    let sources: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), tpls[n].text.as_str())).collect();
    set.parse_all(&sources).map_err(|e| Error::Template(e.helm_message()))?;
    let mut out = BTreeMap::new();
    for n in &names {
        let base = n.rsplit('/').next().unwrap_or(n);
        if base.starts_with('_') {
            continue;
        }
        let r = &tpls[n];
        // As Helm does, `.Template` is set on the chart's shared top-level map, so a
        // subchart's object seen through `.Subcharts` carries its last rendered template.
        let mut t = Map::new();
        t.insert("Name".into(), Value::str(n.as_str()));
        t.insert("BasePath".into(), Value::str(r.base_path.as_str()));
        if let Some(m) = r.data.as_map() {
            m.write().insert("Template".into(), Value::map(t));
        }
        let s = set.execute(n, &r.data).map_err(|e| Error::Template(e.helm_message()))?;
        out.insert(n.clone(), s);
    }
    dispose_in_background((set, tpls));
    Ok(out)
}

/// Free `garbage` on another thread: the parsed templates of a large chart are hundreds
/// of thousands of small allocations, and freeing them took a tenth of the rendering
/// time.
fn dispose_in_background<T: Send + 'static>(garbage: T) {
    // When no thread can be started, the closure is dropped, and `garbage` with it.
    let _ = std::thread::Builder::new()
        .name("rflux-helm-free".into())
        .spawn(move || drop(garbage));
}

/// Helm's check of `kubeVersion` in Chart.yaml against the cluster's version.
pub fn check_kube_version(chart: &Chart, caps: &Capabilities) -> Result<(), Error> {
    let want = chart.metadata.kube_version.trim();
    if want.is_empty() || crate::deps::is_compatible_range(want, &caps.kube_version) {
        return Ok(());
    }
    Err(Error::Chart(format!(
        "chart requires kubeVersion: {want} which is incompatible with Kubernetes {}",
        caps.kube_version
    )))
}

/// Render a chart with user values: what `helm template` computes.
pub fn render(chart: &Chart, user_values: &Values, opts: &RenderOptions) -> Result<Rendered, Error> {
    if opts.check_kube_version {
        check_kube_version(chart, &opts.capabilities)?;
    }
    let (c, vals) = prepare(chart, user_values, opts.check_dependencies)?;
    let files = render_templates(&c, &vals, opts)?;
    sort_manifests(c, files, vals, opts.sub_notes)
}
