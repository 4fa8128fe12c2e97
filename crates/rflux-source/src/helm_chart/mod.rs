//! HelmChart sources as Flux builds them: a chart picked from a HelmRepository index and
//! downloaded (digest checked, archive verified), or a chart directory inside a source
//! artifact packaged as `helm package` would (dependencies from `charts/` and `file://`),
//! with `valuesFiles` merged into its `values.yaml`. The artifact is `<name>-<version>.tgz`
//! and its revision is the chart version (`+<12 hex>` of the source revision appended
//! for Git and Bucket sources under `reconcileStrategy: Revision`).

mod package;
pub mod values;

use std::path::{Component, Path, PathBuf};

use rflux_helm::Chart;
use sha2::{Digest, Sha256};
use url::Url;

use crate::helm_index::{ChartVersion, HttpClient, IndexFile, TransportError};
use rflux_semver::{RangeError, Version, VersionRange};

pub use package::{RawFiles, package_chart};
pub use values::{MergedValues, merge_maps, merge_values_files, values_to_yaml};

/// Largest chart archive downloaded by default (Flux's `--helm-chart-max-size`, 10 MiB).
pub const DEFAULT_MAX_CHART_SIZE: u64 = 10 * 1024 * 1024;

/// A failure building a chart artifact.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The index has no chart of that name.
    #[error("no chart name '{chart}' found in the Helm repository index")]
    NotInIndex {
        /// The chart name.
        chart: String,
    },
    /// No version satisfies `spec.version`.
    #[error("chart '{chart}': {source}")]
    Version {
        /// The chart name.
        chart: String,
        /// The range failure (lists the versions seen).
        #[source]
        source: RangeError,
    },
    /// The index entry has no URL.
    #[error("chart '{chart}' version {version} has no downloadable URLs")]
    NoUrl {
        /// The chart name.
        chart: String,
        /// The version.
        version: String,
    },
    /// A chart URL does not resolve.
    #[error("chart '{chart}': invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The chart name.
        chart: String,
        /// The URL from the index.
        url: String,
        /// Why.
        reason: String,
    },
    /// Downloading failed.
    #[error("failed to download chart: {0}")]
    Download(#[from] TransportError),
    /// The downloaded archive does not match the index digest.
    #[error(
        "chart '{chart}' version {version} from {url}: digest mismatch: index says sha256:{expected}, downloaded sha256:{actual}"
    )]
    DigestMismatch {
        /// The chart name.
        chart: String,
        /// The version.
        version: String,
        /// Where it was downloaded from.
        url: String,
        /// Digest in the index.
        expected: String,
        /// Digest of the download.
        actual: String,
    },
    /// The chart does not load (bad archive, unsafe paths, bad Chart.yaml).
    #[error("invalid chart: {0}")]
    Load(#[from] rflux_helm::Error),
    /// `spec.chart` leaves the source or does not exist.
    #[error("chart path {path:?}: {reason}")]
    ChartPath {
        /// The path as given.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A declared dependency is missing and cannot be resolved here.
    #[error("chart '{chart}': dependency '{dependency}': {reason}")]
    Dependency {
        /// The chart name.
        chart: String,
        /// The dependency name.
        dependency: String,
        /// What is wrong.
        reason: String,
    },
    /// A values file is missing or invalid.
    #[error("values file {file:?}: {reason}")]
    ValuesFile {
        /// The file as listed in `valuesFiles`.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// Packaging failed.
    #[error("packaging chart: {0}")]
    Package(String),
    /// Writing the artifact failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ChartError + '_ {
    move |source| ChartError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// A chart artifact written to disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltChart {
    /// Chart name.
    pub name: String,
    /// Chart version: the artifact revision.
    pub version: String,
    /// Full path of the written archive.
    pub path: PathBuf,
    /// `<name>-<version>.tgz`.
    pub file_name: String,
    /// `sha256:<hex>` of the archive.
    pub digest: String,
    /// Archive size in bytes.
    pub size: u64,
    /// The values files merged (`status.observedValuesFiles`).
    pub observed_values_files: Vec<String>,
    /// True when the chart was (re)packaged, false when a downloaded archive was kept.
    pub packaged: bool,
}

/// `spec.valuesFiles` and `spec.ignoreMissingValuesFiles`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValuesFilesOptions {
    /// Files merged in order.
    pub files: Vec<String>,
    /// Skip files that do not exist instead of failing.
    pub ignore_missing: bool,
}

impl ValuesFilesOptions {
    /// From a HelmChart spec.
    pub fn from_spec(spec: &rflux_api::types::HelmChartSpec) -> ValuesFilesOptions {
        ValuesFilesOptions {
            files: spec.values_files.clone(),
            ignore_missing: spec.ignore_missing_values_files.unwrap_or(false),
        }
    }
}

impl RepositoryChartOptions {
    /// From a HelmChart spec whose source is a HelmRepository.
    pub fn from_spec(spec: &rflux_api::types::HelmChartSpec) -> RepositoryChartOptions {
        RepositoryChartOptions {
            chart: spec.chart.clone(),
            version: spec.version.clone(),
            values_files: ValuesFilesOptions::from_spec(spec),
            max_size: DEFAULT_MAX_CHART_SIZE,
        }
    }
}

impl DirectoryChartOptions {
    /// From a HelmChart spec whose source (GitRepository or Bucket) has the artifact
    /// revision `source_revision`: `reconcileStrategy: Revision` appends its digest.
    pub fn from_spec(spec: &rflux_api::types::HelmChartSpec, source_revision: &str) -> DirectoryChartOptions {
        use rflux_api::types::{HelmChartSourceKind, ReconcileStrategy};
        let by_revision = spec.reconcile_strategy == ReconcileStrategy::Revision
            && matches!(
                spec.source_ref.kind,
                HelmChartSourceKind::GitRepository | HelmChartSourceKind::Bucket
            );
        DirectoryChartOptions {
            chart_path: spec.chart.clone(),
            values_files: ValuesFilesOptions::from_spec(spec),
            version_metadata: by_revision.then(|| revision_metadata(source_revision)),
        }
    }
}

/// Flux's choice of a version for `spec.version` ([`rflux_semver::select_version`]: an
/// exact version string; `""`/`*`: the latest release; otherwise the highest version in
/// the range, versions read by Flux's strict `version.ParseVersion`). The index lists
/// equal versions latest `created` first, so that one wins, as in Flux.
pub fn select_chart_version<'a>(
    index: &'a IndexFile,
    chart: &str,
    range: &str,
) -> Result<&'a ChartVersion, ChartError> {
    let entry = index.chart(chart).ok_or_else(|| ChartError::NotInIndex {
        chart: chart.to_string(),
    })?;
    rflux_semver::select_version(range, &entry.versions, |v| &*v.version).map_err(|source| ChartError::Version {
        chart: chart.to_string(),
        source,
    })
}

/// Helm's `ResolveReferenceURL`: a relative chart URL is resolved against the repository
/// URL taken as a directory; the repository URL's query is kept.
pub fn resolve_chart_url(repository: &Url, reference: &str) -> Result<Url, url::ParseError> {
    if let Ok(absolute) = Url::parse(reference) {
        return Ok(absolute);
    }
    let mut base = repository.clone();
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    let mut resolved = base.join(reference)?;
    if resolved.query().is_none() {
        resolved.set_query(repository.query());
    }
    Ok(resolved)
}

/// Options for a chart from a HelmRepository index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryChartOptions {
    /// `spec.chart`.
    pub chart: String,
    /// `spec.version` (empty: latest release).
    pub version: String,
    /// Values files (paths inside the chart).
    pub values_files: ValuesFilesOptions,
    /// Largest archive accepted.
    pub max_size: u64,
}

/// Build a chart artifact from the repository `client` is bound to, using its `index`:
/// pick the version, download the archive, check the index digest, verify the archive
/// loads, merge values files (repackaging only then), write `<name>-<version>.tgz` in
/// `out_dir`.
pub async fn build_from_repository(
    client: &HttpClient,
    index: &IndexFile,
    options: &RepositoryChartOptions,
    out_dir: &Path,
) -> Result<BuiltChart, ChartError> {
    let selected = select_chart_version(index, &options.chart, &options.version)?;
    let reference = selected.urls.first().ok_or_else(|| ChartError::NoUrl {
        chart: options.chart.clone(),
        version: selected.version.to_string(),
    })?;
    let url = resolve_chart_url(client.repository_url(), reference).map_err(|e| ChartError::InvalidUrl {
        chart: options.chart.clone(),
        url: reference.to_string(),
        reason: e.to_string(),
    })?;
    let bytes = client.download_bytes(&url, options.max_size).await?;
    let actual = hex::encode(Sha256::digest(&bytes));
    let expected = selected.digest.trim_start_matches("sha256:");
    if !expected.is_empty() && !expected.eq_ignore_ascii_case(&actual) {
        return Err(ChartError::DigestMismatch {
            chart: options.chart.clone(),
            version: selected.version.to_string(),
            url: crate::helm_index::transport::display_url(&url),
            expected: expected.to_string(),
            actual,
        });
    }
    let origin = format!("{}-{}.tgz", options.chart, selected.version);
    build_from_archive(&origin, bytes, &options.values_files, out_dir)
}

/// Verify a chart archive and write it as the artifact; with values files, merge them
/// (paths inside the chart) and repackage.
pub fn build_from_archive(
    origin: &str,
    bytes: Vec<u8>,
    values_files: &ValuesFilesOptions,
    out_dir: &Path,
) -> Result<BuiltChart, ChartError> {
    let files = rflux_helm::read_archive(origin, &bytes)?;
    if values_files.files.is_empty() {
        let chart = Chart::from_files(origin, files)?;
        return write_artifact(
            &chart.metadata.name,
            &chart.metadata.version,
            &bytes,
            Vec::new(),
            false,
            out_dir,
        );
    }
    let merged = merge_values_files(&values_files.files, values_files.ignore_missing, |name| {
        let wanted = clean_relative(name);
        Ok(files.iter().find(|(n, _)| *n == wanted).map(|(_, d)| d.clone()))
    })?;
    let lock = files.iter().find(|(n, _)| n == "Chart.lock").map(|(_, d)| d.clone());
    let mut chart = Chart::from_files(origin, files)?;
    let values_yaml = values_to_yaml(&merged.values)?;
    chart.values = merged.values;
    let packed = package_chart(
        &chart,
        &RawFiles {
            values: Some(values_yaml.into_bytes()),
            lock,
        },
    )?;
    Chart::load_archive_bytes(origin, &packed)?;
    write_artifact(
        &chart.metadata.name,
        &chart.metadata.version,
        &packed,
        merged.observed,
        true,
        out_dir,
    )
}

/// Options for a chart directory inside a source artifact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryChartOptions {
    /// `spec.chart`: the chart directory relative to the source root.
    pub chart_path: String,
    /// Values files (paths relative to the source root, as Flux reads them).
    pub values_files: ValuesFilesOptions,
    /// Build metadata appended to the chart version (`reconcileStrategy: Revision`).
    pub version_metadata: Option<String>,
}

/// The version metadata Flux appends under `reconcileStrategy: Revision`: the first 12
/// hex characters of the source revision's digest (`main@sha1:<hex>` → `<hex[..12]>`).
pub fn revision_metadata(source_revision: &str) -> String {
    let digest = source_revision.rsplit_once('@').map_or(source_revision, |(_, d)| d);
    let hex = digest.split_once(':').map_or(digest, |(_, h)| h);
    hex.chars().take(12).collect()
}

/// Join `relative` under `root`, refusing absolute paths and `..` that would leave it.
fn secure_join(root: &Path, relative: &str) -> Option<PathBuf> {
    let mut out = root.to_path_buf();
    let mut depth = 0usize;
    for part in Path::new(relative).components() {
        match part {
            Component::Normal(p) => {
                out.push(p);
                depth += 1;
            }
            Component::CurDir => {}
            Component::ParentDir => {
                if depth == 0 {
                    return None;
                }
                out.pop();
                depth -= 1;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// A `/`-separated relative path without `.` parts, leading `./` or `/`.
fn clean_relative(path: &str) -> String {
    path.split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// True when the canonical form of `path` stays inside the canonical `root`.
fn inside(root: &Path, path: &Path) -> bool {
    match (std::fs::canonicalize(root), std::fs::canonicalize(path)) {
        (Ok(r), Ok(p)) => p.starts_with(r),
        _ => false,
    }
}

/// Package the chart at `options.chart_path` inside `source_root` (an extracted source
/// artifact) and write `<name>-<version>.tgz` to `out_dir`.
pub fn build_from_directory(
    source_root: &Path,
    options: &DirectoryChartOptions,
    out_dir: &Path,
) -> Result<BuiltChart, ChartError> {
    let path_error = |reason: &str| ChartError::ChartPath {
        path: options.chart_path.clone(),
        reason: reason.to_string(),
    };
    let chart_dir = secure_join(source_root, &options.chart_path).ok_or_else(|| path_error("leaves the source"))?;
    if !chart_dir.is_dir() {
        return Err(path_error("no such directory in the source"));
    }
    if !inside(source_root, &chart_dir) {
        return Err(path_error("leaves the source through a symbolic link"));
    }
    let mut chart = Chart::load_dir(&chart_dir)?;
    resolve_local_dependencies(source_root, &chart_dir, &mut chart)?;
    if let Some(meta) = options.version_metadata.as_deref().filter(|m| !m.is_empty()) {
        let version = Version::parse(&chart.metadata.version).map_err(|e| ChartError::Package(e.to_string()))?;
        let (major, minor, patch) = version.numbers();
        let pre = if version.is_prerelease() {
            format!("-{}", version.prerelease())
        } else {
            String::new()
        };
        chart.metadata.version = format!("{major}.{minor}.{patch}{pre}+{meta}");
    }
    let (values, observed) = if options.values_files.files.is_empty() {
        let raw = chart_dir.join("values.yaml");
        (std::fs::read(&raw).ok(), Vec::new())
    } else {
        let merged = merge_values_files(
            &options.values_files.files,
            options.values_files.ignore_missing,
            |name| {
                let path = secure_join(source_root, name).ok_or_else(|| ChartError::ValuesFile {
                    file: name.to_string(),
                    reason: "leaves the source".to_string(),
                })?;
                if !path.is_file() {
                    return Ok(None);
                }
                if !inside(source_root, &path) {
                    return Err(ChartError::ValuesFile {
                        file: name.to_string(),
                        reason: "leaves the source through a symbolic link".to_string(),
                    });
                }
                std::fs::read(&path).map(Some).map_err(io_error(&path))
            },
        )?;
        let text = values_to_yaml(&merged.values)?;
        chart.values = merged.values;
        (Some(text.into_bytes()), merged.observed)
    };
    let lock = std::fs::read(chart_dir.join("Chart.lock")).ok();
    let packed = package_chart(&chart, &RawFiles { values, lock })?;
    let name = chart.metadata.name.clone();
    let version = chart.metadata.version.clone();
    Chart::load_archive_bytes(&format!("{name}-{version}.tgz"), &packed)?;
    write_artifact(&name, &version, &packed, observed, true, out_dir)
}

/// Declared dependencies must be in `charts/` already, or come from a `file://` path
/// inside the source (loaded and added, as `helm dependency build` would vendor them).
fn resolve_local_dependencies(source_root: &Path, chart_dir: &Path, chart: &mut Chart) -> Result<(), ChartError> {
    let declared = chart.metadata.dependencies.clone();
    for dep in declared {
        if chart.dependencies.iter().any(|d| d.name() == dep.name) {
            continue;
        }
        let dep_error = |reason: String| ChartError::Dependency {
            chart: chart.metadata.name.clone(),
            dependency: dep.name.clone(),
            reason,
        };
        let Some(local) = dep.repository.strip_prefix("file://") else {
            return Err(dep_error(format!(
                "not found in charts/ and repository {:?} is not a file:// path; vendor it with `helm dependency build`",
                dep.repository
            )));
        };
        let relative_to_root = chart_dir
            .strip_prefix(source_root)
            .map(|p| p.join(local))
            .map_err(|_| dep_error("chart directory is outside the source".to_string()))?;
        let dir = secure_join(source_root, &relative_to_root.to_string_lossy())
            .filter(|d| d.exists() && inside(source_root, d))
            .ok_or_else(|| dep_error(format!("path {local:?} does not exist inside the source")))?;
        let loaded = Chart::load(&dir)?;
        if !dep.version.is_empty() {
            let range = VersionRange::parse(&dep.version).map_err(|e| dep_error(e.to_string()))?;
            let ok = Version::parse(&loaded.metadata.version).is_ok_and(|v| range.matches(&v));
            if !ok {
                return Err(dep_error(format!(
                    "version {} at {local:?} does not satisfy {:?}",
                    loaded.metadata.version, dep.version
                )));
            }
        }
        chart.dependencies.push(loaded);
    }
    Ok(())
}

fn write_artifact(
    name: &str,
    version: &str,
    bytes: &[u8],
    observed_values_files: Vec<String>,
    packaged: bool,
    out_dir: &Path,
) -> Result<BuiltChart, ChartError> {
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') || version.contains(['/', '\\']) {
        return Err(ChartError::Package(format!(
            "unsafe chart name or version {name:?} {version:?}"
        )));
    }
    std::fs::create_dir_all(out_dir).map_err(io_error(out_dir))?;
    let file_name = format!("{name}-{version}.tgz");
    let path = out_dir.join(&file_name);
    let temp = tempfile::Builder::new()
        .prefix(".chart-")
        .tempfile_in(out_dir)
        .map_err(io_error(out_dir))?;
    std::fs::write(temp.path(), bytes).map_err(io_error(temp.path()))?;
    temp.persist(&path).map_err(|e| ChartError::Io {
        path: path.display().to_string(),
        source: e.error,
    })?;
    Ok(BuiltChart {
        name: name.to_string(),
        version: version.to_string(),
        path,
        file_name,
        digest: format!("sha256:{}", hex::encode(Sha256::digest(bytes))),
        size: bytes.len() as u64,
        observed_values_files,
        packaged,
    })
}
