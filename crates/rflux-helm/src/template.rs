//! `helm template`: user values gathered from files and `--set`-style flags in Helm's
//! order, the chart rendered offline, and the text `helm template` prints (CRDs when asked,
//! manifests in install order, hooks after them, `--show-only` filtering).

use std::path::{Path, PathBuf};

use crate::caps::Capabilities;
use crate::chart::Chart;
use crate::error::Error;
use crate::glob::{Syntax, compile};
use crate::manifest::split_manifests;
use crate::render::{RenderOptions, render};
use crate::values::{Values, merge_user};

/// The options of `helm template`.
#[derive(Debug, Clone)]
pub struct TemplateOptions {
    /// Release name (`.Release.Name`); Helm's default is `release-name`.
    pub release_name: String,
    /// Release namespace (`.Release.Namespace`).
    pub namespace: String,
    /// `-f/--values` files, merged in order.
    pub value_files: Vec<PathBuf>,
    /// `--set` expressions, applied after the files and `--set-json`.
    pub set: Vec<String>,
    /// `--set-string` expressions, applied last.
    pub set_string: Vec<String>,
    /// `--set-json` expressions, applied after the files.
    pub set_json: Vec<String>,
    /// `--include-crds`: print the files of `crds/` first.
    pub include_crds: bool,
    /// `--skip-tests`: leave out test hooks.
    pub skip_tests: bool,
    /// `--no-hooks`: leave out every hook.
    pub no_hooks: bool,
    /// `--api-versions`: added to `.Capabilities.APIVersions` (one version per entry).
    pub api_versions: Vec<String>,
    /// `--kube-version` (`1.30`, `v1.30.2`); Helm's default otherwise.
    pub kube_version: Option<String>,
    /// `--is-upgrade`: `.Release.IsUpgrade` true, `.Release.IsInstall` false.
    pub is_upgrade: bool,
    /// `--show-only`: template paths relative to the chart (`templates/x.yaml`,
    /// `charts/sub/templates/*.yaml`), Go `filepath.Match` patterns.
    pub show_only: Vec<String>,
}

impl Default for TemplateOptions {
    fn default() -> Self {
        TemplateOptions {
            release_name: "release-name".into(),
            namespace: "default".into(),
            value_files: Vec::new(),
            set: Vec::new(),
            set_string: Vec::new(),
            set_json: Vec::new(),
            include_crds: false,
            skip_tests: false,
            no_hooks: false,
            api_versions: Vec::new(),
            kube_version: None,
            is_upgrade: false,
            show_only: Vec::new(),
        }
    }
}

/// The user values, merged as Helm's `values.Options.MergeValues` does: values files in
/// order, then `--set-json`, `--set`, `--set-string`.
pub fn user_values(
    value_files: &[PathBuf],
    set_json: &[String],
    set: &[String],
    set_string: &[String],
) -> Result<Values, Error> {
    let mut base = Values::new();
    for f in value_files {
        let text = std::fs::read_to_string(f).map_err(|e| Error::io(f.display(), e))?;
        let current = crate::yaml::parse_map(&text)
            .map_err(|e| Error::Values(format!("failed to parse {}: {e}", f.display())))?;
        merge_user(&mut base, &current);
    }
    for v in set_json {
        crate::strvals::parse_set_json(v, &mut base)
            .map_err(|e| Error::Values(format!("failed parsing --set-json data {v}: {e}")))?;
    }
    for v in set {
        crate::strvals::parse_set(v, &mut base)
            .map_err(|e| Error::Values(format!("failed parsing --set data: {e}")))?;
    }
    for v in set_string {
        crate::strvals::parse_set_string(v, &mut base)
            .map_err(|e| Error::Values(format!("failed parsing --set-string data: {e}")))?;
    }
    Ok(base)
}

/// Helm's `ParseKubeVersion`: a semantic version, `v` optional, missing parts zero;
/// returned as `vMAJOR.MINOR.PATCH[-pre]`.
pub fn parse_kube_version(text: &str) -> Result<String, Error> {
    match crate::deps::parse_version(text) {
        Some(v) => Ok(format!("v{v}")),
        None => Err(Error::Values(format!(
            "invalid kube version '{text}': invalid semantic version"
        ))),
    }
}

/// The capabilities `helm template` renders with for these options.
pub fn template_capabilities(opts: &TemplateOptions) -> Result<Capabilities, Error> {
    let mut caps = Capabilities::default();
    if let Some(kv) = &opts.kube_version {
        caps.kube_version = parse_kube_version(kv)?;
    }
    caps.api_versions.extend(opts.api_versions.iter().cloned());
    Ok(caps)
}

/// Render the chart at `chart_path` (directory or `.tgz`) and return exactly what
/// `helm template` prints.
pub fn template(chart_path: &Path, opts: &TemplateOptions) -> Result<String, Error> {
    let chart = Chart::load(chart_path)?;
    let values = user_values(&opts.value_files, &opts.set_json, &opts.set, &opts.set_string)?;
    let render_opts = RenderOptions {
        name: opts.release_name.clone(),
        namespace: opts.namespace.clone(),
        is_upgrade: opts.is_upgrade,
        capabilities: template_capabilities(opts)?,
        ..RenderOptions::default()
    };
    let rendered = render(&chart, &values, &render_opts)?;
    let text = rendered.to_stream_with(opts.include_crds, |h| {
        !(opts.no_hooks || opts.skip_tests && h.events.iter().any(|e| e == "test"))
    });
    if opts.show_only.is_empty() {
        return Ok(text);
    }
    show_only(&text, &opts.show_only)
}

/// `--show-only`: the documents whose `# Source:` path (without the chart name) matches a
/// pattern, pattern by pattern, each printed as `---\nDOC\n`.
fn show_only(text: &str, patterns: &[String]) -> Result<String, Error> {
    let docs = split_manifests(text);
    let mut out = String::new();
    for pattern in patterns {
        let pattern = pattern.replace('\\', "/");
        let re = compile(&pattern, Syntax::FilepathMatch);
        let mut missing = true;
        for doc in &docs {
            let Some(path) = source_path(doc) else { continue };
            if re.as_ref().is_some_and(|re| re.is_match(path)) {
                out.push_str(&format!("---\n{doc}\n"));
                missing = false;
            }
        }
        if missing {
            return Err(Error::Template(format!("could not find template {pattern} in chart")));
        }
    }
    Ok(out)
}

/// The part after `CHART/` of a document's first `# Source: CHART/PATH` comment.
fn source_path(doc: &str) -> Option<&str> {
    let at = doc.find("# Source: ")?;
    let rest = &doc[at + "# Source: ".len()..];
    let line = rest.split('\n').next().unwrap_or(rest);
    let slash = line.find('/')?;
    if slash == 0 {
        return None;
    }
    let path = &line[slash + 1..];
    (!path.is_empty()).then_some(path)
}
