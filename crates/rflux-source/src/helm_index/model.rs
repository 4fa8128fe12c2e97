//! The in-memory Helm repository index, kept compact for indexes of hundreds of MiB: per
//! chart name its versions with only the fields lookups need, and every entry's full
//! content once, as compact JSON in one shared buffer (written out when the index is
//! stored). Charts sort by name, versions by semver, highest first, as Helm sorts them.

use std::cmp::Ordering;
use std::ops::Range;

use rflux_semver::Version;

/// One version of a chart in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartVersion {
    /// `version`.
    pub version: Box<str>,
    /// `appVersion` (empty when absent).
    pub app_version: Box<str>,
    /// `apiVersion` (`v1` when absent, as Helm defaults it).
    pub api_version: Box<str>,
    /// `urls`: where the chart archive is, relative to the repository URL or absolute.
    pub urls: Box<[Box<str>]>,
    /// `digest`: hex SHA-256 of the archive (empty when absent).
    pub digest: Box<str>,
    /// `created` (empty when absent).
    pub created: Box<str>,
    /// `deprecated`.
    pub deprecated: bool,
    /// Where the entry's full JSON sits in [`IndexFile`]'s buffer.
    pub(crate) json: Range<usize>,
}

/// A chart name with its versions, highest first.
#[derive(Debug, Clone)]
pub struct ChartEntry {
    /// The chart name (the key under `entries`).
    pub name: Box<str>,
    /// Its versions, sorted highest first.
    pub versions: Vec<ChartVersion>,
}

/// A parsed, sorted Helm repository index. Two indexes are equal when they hold the same
/// charts, versions and entry contents in the same order.
#[derive(Debug, Clone, Default)]
pub struct IndexFile {
    /// `apiVersion`.
    pub api_version: String,
    /// `generated` (empty when absent).
    pub generated: String,
    pub(crate) charts: Vec<ChartEntry>,
    /// Compact JSON of every version entry, back to back.
    pub(crate) json: Vec<u8>,
    /// `serverInfo`, `publicKeys`, `annotations` as compact JSON, when present.
    pub(crate) server_info: Option<String>,
    pub(crate) public_keys: Option<String>,
    pub(crate) annotations: Option<String>,
}

impl PartialEq for IndexFile {
    fn eq(&self, other: &Self) -> bool {
        let same_versions = |a: &ChartVersion, b: &ChartVersion| {
            ChartVersion {
                json: 0..0,
                ..a.clone()
            } == ChartVersion {
                json: 0..0,
                ..b.clone()
            } && self.entry_json(a) == other.entry_json(b)
        };
        self.api_version == other.api_version
            && self.generated == other.generated
            && self.server_info == other.server_info
            && self.public_keys == other.public_keys
            && self.annotations == other.annotations
            && self.charts.len() == other.charts.len()
            && self.charts.iter().zip(&other.charts).all(|(a, b)| {
                a.name == b.name
                    && a.versions.len() == b.versions.len()
                    && a.versions.iter().zip(&b.versions).all(|(x, y)| same_versions(x, y))
            })
    }
}

impl Eq for IndexFile {}

impl IndexFile {
    /// The charts, sorted by name.
    pub fn charts(&self) -> &[ChartEntry] {
        &self.charts
    }

    /// The chart called `name`.
    pub fn chart(&self, name: &str) -> Option<&ChartEntry> {
        self.charts
            .binary_search_by(|c| c.name.as_ref().cmp(name))
            .ok()
            .and_then(|i| self.charts.get(i))
    }

    /// Number of chart versions in the index.
    pub fn version_count(&self) -> usize {
        self.charts.iter().map(|c| c.versions.len()).sum()
    }

    /// The full entry of `version` as compact JSON (every field the index gave).
    pub fn entry_json(&self, version: &ChartVersion) -> &str {
        self.json
            .get(version.json.clone())
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("{}")
    }

    /// Sort charts by name and each chart's versions highest first (ties: later
    /// `created` first, then by text, so the order never depends on the input's).
    pub(crate) fn sort(&mut self) {
        self.charts.sort_by(|a, b| a.name.cmp(&b.name));
        for chart in &mut self.charts {
            chart.versions.sort_by_cached_key(|v| std::cmp::Reverse(SortKey::of(v)));
        }
    }
}

/// Helm's version order: semver precedence; text order when a version does not parse.
#[derive(PartialEq, Eq)]
struct SortKey {
    parsed: Option<Version>,
    created: Box<str>,
    text: Box<str>,
}

impl SortKey {
    fn of(v: &ChartVersion) -> SortKey {
        SortKey {
            parsed: Version::parse(&v.version).ok(),
            created: v.created.clone(),
            text: v.version.clone(),
        }
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        let by_version = match (&self.parsed, &other.parsed) {
            (Some(a), Some(b)) => a.cmp(b),
            _ => self.text.cmp(&other.text),
        };
        by_version
            .then_with(|| self.created.cmp(&other.created))
            .then_with(|| self.text.cmp(&other.text))
    }
}
