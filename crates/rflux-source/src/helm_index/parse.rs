//! Reading `index.yaml` (YAML, or JSON as Flux stores it) in one streaming pass into the
//! compact [`IndexFile`]: each version entry is deserialized on its own, written once as
//! compact JSON into the shared buffer, and dropped. Entries Helm would reject (no name,
//! a version that is not semver) are skipped as Helm and Flux skip them.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, Read, Seek, SeekFrom};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::model::{ChartEntry, ChartVersion, IndexFile};
use rflux_semver::Version;

/// Go's zero `time.Time` as JSON, which Helm writes for a missing `created`.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// A parse failure with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    /// What is wrong.
    pub message: String,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// 1-based column, when known.
    pub column: Option<u64>,
}

impl fmt::Display for ParseFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.message),
            (Some(l), None) => write!(f, "line {l}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// Parse an index from `reader`; `size_hint` (bytes) sizes the parser's budget and buffers.
pub fn parse_index(mut reader: impl BufRead, size_hint: u64) -> Result<IndexFile, ParseFailure> {
    let is_json = {
        let head = reader.fill_buf().map_err(|e| ParseFailure {
            message: format!("reading: {e}"),
            line: None,
            column: None,
        })?;
        let first = head.iter().find(|b| !b.is_ascii_whitespace());
        if first.is_none() {
            return Err(ParseFailure {
                message: "empty index".to_string(),
                line: None,
                column: None,
            });
        }
        first == Some(&b'{')
    };
    let mut index = IndexFile {
        json: Vec::with_capacity(usize::try_from(size_hint / 2).unwrap_or(0)),
        ..IndexFile::default()
    };
    if is_json {
        parse_json(reader, &mut index)?;
    } else {
        parse_yaml(reader, size_hint, &mut index)?;
    }
    if index.api_version.is_empty() {
        return Err(ParseFailure {
            message: "no API version specified".to_string(),
            line: None,
            column: None,
        });
    }
    index.json.shrink_to_fit();
    index.sort();
    Ok(index)
}

fn parse_json(reader: impl Read, index: &mut IndexFile) -> Result<(), ParseFailure> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let fail = |e: serde_json::Error| ParseFailure {
        message: strip_json_position(&e.to_string()),
        line: Some(e.line() as u64),
        column: Some(e.column() as u64),
    };
    IndexSeed(index).deserialize(&mut de).map_err(fail)?;
    de.end().map_err(fail)
}

fn strip_json_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn parse_yaml(reader: impl Read, size_hint: u64, index: &mut IndexFile) -> Result<(), ParseFailure> {
    let bytes = usize::try_from(size_hint).unwrap_or(usize::MAX).max(1 << 20);
    let mut budget = serde_saphyr::Budget::default();
    budget.max_reader_input_bytes = Some(bytes.saturating_mul(2));
    budget.max_events = usize::MAX;
    budget.max_nodes = usize::MAX;
    budget.max_total_scalar_bytes = bytes.saturating_mul(2);
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.with_snippet = false;
    serde_saphyr::with_deserializer_from_reader_with_options(reader, options, |de| IndexSeed(index).deserialize(de))
        .map_err(|e| {
            let location = e.location();
            ParseFailure {
                message: strip_yaml_position(&first_line(&e.to_string())),
                line: location.as_ref().map(|l| l.line()),
                column: location.as_ref().map(|l| l.column()),
            }
        })
}

fn strip_yaml_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_string()
}

/// A string field: plain YAML scalars keep their text (a digest such as `0…1e460` or a
/// version `1.10` is never read as a number), null becomes empty. JSON numbers are
/// rejected, as Go's JSON decoder rejects them for string fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
struct GoString(String);

impl<'de> Deserialize<'de> for GoString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = GoString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<GoString, E> {
                Ok(GoString(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<GoString, E> {
                Ok(GoString(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<GoString, E> {
                Ok(GoString(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<GoString, E> {
                Ok(GoString(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<GoString, E> {
                Ok(GoString(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<GoString, E> {
                // Go formats the float64 with the shortest representation (`1.0` → `1`).
                Ok(GoString(if v.fract() == 0.0 && v.abs() < 1e21 {
                    format!("{v:.0}")
                } else {
                    v.to_string()
                }))
            }
            fn visit_unit<E: de::Error>(self) -> Result<GoString, E> {
                Ok(GoString::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<GoString, E> {
                Ok(GoString::default())
            }
        }
        struct Optional;
        impl<'de> Visitor<'de> for Optional {
            type Value = GoString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<GoString, E> {
                Ok(GoString::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<GoString, E> {
                Ok(GoString::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<GoString, D::Error> {
                d.deserialize_str(V)
            }
        }
        d.deserialize_option(Optional)
    }
}

fn is_empty(s: &GoString) -> bool {
    s.0.is_empty()
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn null_as_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One version entry with every field Helm knows, in the order Helm writes them
/// (`chart.Metadata` first, then the repository fields).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct RawVersion {
    #[serde(default, skip_serializing_if = "is_empty")]
    name: GoString,
    #[serde(default, skip_serializing_if = "is_empty")]
    home: GoString,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    sources: Vec<GoString>,
    #[serde(default, skip_serializing_if = "is_empty")]
    version: GoString,
    #[serde(default, skip_serializing_if = "is_empty")]
    description: GoString,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    keywords: Vec<GoString>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    maintainers: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "is_empty")]
    icon: GoString,
    #[serde(default, skip_serializing_if = "is_empty")]
    api_version: GoString,
    #[serde(default, skip_serializing_if = "is_empty")]
    condition: GoString,
    #[serde(default, skip_serializing_if = "is_empty")]
    tags: GoString,
    #[serde(default, skip_serializing_if = "is_empty")]
    app_version: GoString,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "is_false")]
    deprecated: bool,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    annotations: BTreeMap<String, GoString>,
    #[serde(default, skip_serializing_if = "is_empty")]
    kube_version: GoString,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<serde_json::Value>,
    #[serde(default, rename = "type", skip_serializing_if = "is_empty")]
    chart_type: GoString,
    #[serde(default)]
    urls: Option<Vec<GoString>>,
    #[serde(default)]
    created: GoString,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "is_false")]
    removed: bool,
    #[serde(default, skip_serializing_if = "is_empty")]
    digest: GoString,
    #[serde(default, skip_serializing_if = "is_empty")]
    checksum: GoString,
    #[serde(default, skip_serializing_if = "is_empty")]
    engine: GoString,
    #[serde(default, rename = "tillerVersion", skip_serializing_if = "is_empty")]
    tiller_version: GoString,
    #[serde(default, skip_serializing_if = "is_empty")]
    url: GoString,
}

/// Deserializes the top-level mapping into an [`IndexFile`].
struct IndexSeed<'a>(&'a mut IndexFile);

impl<'de> DeserializeSeed<'de> for IndexSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for IndexSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Helm repository index (a mapping with apiVersion and entries)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let index = self.0;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "apiVersion" => index.api_version = map.next_value::<GoString>()?.0,
                "generated" => index.generated = map.next_value::<GoString>()?.0,
                "entries" => map.next_value_seed(EntriesSeed(index))?,
                "serverInfo" | "publicKeys" | "annotations" => {
                    let value: serde_json::Value = map.next_value()?;
                    if !value.is_null() {
                        let text = serde_json::to_string(&value).map_err(de::Error::custom)?;
                        match key.as_str() {
                            "serverInfo" => index.server_info = Some(text),
                            "publicKeys" => index.public_keys = Some(text),
                            _ => index.annotations = Some(text),
                        }
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct EntriesSeed<'a>(&'a mut IndexFile);

impl<'de> DeserializeSeed<'de> for EntriesSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EntriesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping of chart names to lists of versions")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let index = self.0;
        while let Some(name) = map.next_key::<GoString>()? {
            let mut versions = Vec::new();
            map.next_value_seed(VersionsSeed {
                json: &mut index.json,
                versions: &mut versions,
            })?;
            let name: Box<str> = name.0.into();
            match index.charts.iter_mut().find(|c| c.name == name) {
                Some(existing) => existing.versions.extend(versions),
                None => index.charts.push(ChartEntry { name, versions }),
            }
        }
        Ok(())
    }
}

struct VersionsSeed<'a> {
    json: &'a mut Vec<u8>,
    versions: &'a mut Vec<ChartVersion>,
}

impl<'de> DeserializeSeed<'de> for VersionsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for VersionsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of chart versions")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<Option<RawVersion>>()? {
            if let Some(raw) = raw {
                add_version(self.json, self.versions, raw).map_err(de::Error::custom)?;
            }
        }
        Ok(())
    }
}

/// Validate one entry as Helm does (skip it when invalid), store its JSON, keep the
/// compact fields.
fn add_version(json: &mut Vec<u8>, versions: &mut Vec<ChartVersion>, mut raw: RawVersion) -> Result<(), String> {
    // Helm drops entries that fail validation instead of failing the index.
    if raw.name.0.is_empty() || Version::parse(&raw.version.0).is_err() {
        tracing::debug!(
            name = raw.name.0,
            version = raw.version.0,
            "skipping invalid index entry"
        );
        return Ok(());
    }
    if raw.api_version.0.is_empty() {
        raw.api_version.0 = "v1".to_string();
    }
    let created = std::mem::take(&mut raw.created.0);
    raw.created.0 = if created.is_empty() {
        ZERO_TIME.to_string()
    } else {
        created.clone()
    };
    let start = json.len();
    serde_json::to_writer(&mut *json, &raw).map_err(|e| e.to_string())?;
    versions.push(ChartVersion {
        version: std::mem::take(&mut raw.version.0).into(),
        app_version: std::mem::take(&mut raw.app_version.0).into(),
        api_version: std::mem::take(&mut raw.api_version.0).into(),
        urls: raw
            .urls
            .take()
            .unwrap_or_default()
            .into_iter()
            .map(|u| u.0.into_boxed_str())
            .collect(),
        digest: std::mem::take(&mut raw.digest.0).into(),
        created: created.into(),
        deprecated: raw.deprecated,
        json: start..json.len(),
    });
    Ok(())
}

/// The position of chart `name`, added (without versions) when new.
pub(super) fn ensure_chart(index: &mut IndexFile, name: &str) -> usize {
    match index.charts.last() {
        Some(last) if &*last.name == name => index.charts.len() - 1,
        _ => match index.charts.iter().position(|c| &*c.name == name) {
            Some(p) => p,
            None => {
                index.charts.push(ChartEntry {
                    name: name.into(),
                    versions: Vec::new(),
                });
                index.charts.len() - 1
            }
        },
    }
}

/// Add one entry (as JSON) under chart `name`; used by the block-layout reader.
pub(super) fn push_entry(index: &mut IndexFile, name: &str, entry: serde_json::Value) -> Result<(), String> {
    let raw: RawVersion = serde_json::from_value(entry).map_err(|e| format!("chart {name:?}: {e}"))?;
    let position = ensure_chart(index, name);
    let IndexFile { json, charts, .. } = index;
    match charts.get_mut(position) {
        Some(chart) => add_version(json, &mut chart.versions, raw),
        None => Err(format!("chart {name:?} vanished")),
    }
}

/// Parse an index from a seekable reader: the fast block-layout reader first, the full
/// YAML parser when the file uses anything beyond that layout.
pub fn parse_index_seekable<R: BufRead + Seek>(mut reader: R, size_hint: u64) -> Result<IndexFile, ParseFailure> {
    let head_is_json = {
        let head = reader.fill_buf().map_err(|e| ParseFailure {
            message: format!("reading: {e}"),
            line: None,
            column: None,
        })?;
        head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
    };
    if !head_is_json {
        let mut index = IndexFile {
            json: Vec::with_capacity(usize::try_from(size_hint / 2).unwrap_or(0)),
            ..IndexFile::default()
        };
        match super::block_yaml::parse_block_index(&mut reader, &mut index) {
            Ok(()) if !index.api_version.is_empty() => {
                index.json.shrink_to_fit();
                index.sort();
                return Ok(index);
            }
            Ok(()) => {}
            Err(super::block_yaml::Stop::Failed(failure)) => return Err(failure),
            Err(super::block_yaml::Stop::Unsupported(line)) => {
                tracing::debug!(line, "index uses YAML beyond the block layout, using the full parser");
            }
        }
        drop(index);
        reader.seek(SeekFrom::Start(0)).map_err(|e| ParseFailure {
            message: format!("rewinding: {e}"),
            line: None,
            column: None,
        })?;
    }
    parse_index(reader, size_hint)
}
