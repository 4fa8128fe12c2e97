//! Helm's release record and its storage format: the record as Helm v4 marshals it to
//! JSON, gzip (best compression) + base64 (`encodeRelease`), kept in a Secret
//! `sh.helm.release.v1.NAME.vN` of type `helm.sh/release.v1` (or a ConfigMap) labelled
//! `name`, `owner=helm`, `status`, `version`. Pure functions: no cluster access here.

use std::io::{Read, Write};

use base64::Engine;
use serde_json::{Map, Value, json};

use crate::chart::{Chart, File, Metadata};
use crate::error::Error;
use crate::gojson;
use crate::manifest::Rendered;
use crate::values::Values;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Largest decompressed release record accepted when decoding (guards gzip bombs).
pub const MAX_RELEASE_SIZE: u64 = 256 * 1024 * 1024;

/// Release status, as Helm spells it.
pub mod status {
    /// Deployed.
    pub const DEPLOYED: &str = "deployed";
    /// Replaced by a newer revision.
    pub const SUPERSEDED: &str = "superseded";
    /// Failed.
    pub const FAILED: &str = "failed";
    /// Uninstalled with history kept.
    pub const UNINSTALLED: &str = "uninstalled";
    /// Being uninstalled.
    pub const UNINSTALLING: &str = "uninstalling";
    /// Install in progress.
    pub const PENDING_INSTALL: &str = "pending-install";
    /// Upgrade in progress.
    pub const PENDING_UPGRADE: &str = "pending-upgrade";
    /// Rollback in progress.
    pub const PENDING_ROLLBACK: &str = "pending-rollback";
    /// Unknown.
    pub const UNKNOWN: &str = "unknown";
}

/// `info` of a release. Timestamps are Go `time.Time` JSON strings (RFC 3339 with
/// nanoseconds); empty means zero (omitted, as Helm v4 omits it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Info {
    /// First deployment.
    pub first_deployed: String,
    /// Last deployment.
    pub last_deployed: String,
    /// Deletion.
    pub deleted: String,
    /// Human description ("Install complete").
    pub description: String,
    /// Status (see [`status`]).
    pub status: String,
    /// Rendered NOTES.txt.
    pub notes: String,
}

/// A hook as stored in the release.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReleaseHook {
    /// `metadata.name`.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Template path.
    pub path: String,
    /// Document.
    pub manifest: String,
    /// Events.
    pub events: Vec<String>,
    /// Last run: started (Go time JSON, empty for never).
    pub started_at: String,
    /// Last run: completed.
    pub completed_at: String,
    /// Last run: phase (`Running`, `Succeeded`, `Failed`, or empty).
    pub phase: String,
    /// Weight.
    pub weight: i64,
    /// Delete policies.
    pub delete_policies: Vec<String>,
    /// Output log policies.
    pub output_log_policies: Vec<String>,
}

/// The chart stored in a release (no subcharts: Helm does not store them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReleaseChart {
    /// Chart.yaml after dependency processing.
    pub metadata: Metadata,
    /// Chart.lock.
    pub lock: Option<Value>,
    /// Templates.
    pub templates: Vec<File>,
    /// Values (after imports).
    pub values: Values,
    /// values.schema.json.
    pub schema: Option<Vec<u8>>,
    /// Other files.
    pub files: Vec<File>,
}

/// A Helm release record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Release {
    /// Release name.
    pub name: String,
    /// Info.
    pub info: Info,
    /// Chart.
    pub chart: ReleaseChart,
    /// User-supplied values.
    pub config: Values,
    /// Rendered manifests (`---\n# Source: …` blocks).
    pub manifest: String,
    /// Hooks.
    pub hooks: Vec<ReleaseHook>,
    /// Revision.
    pub version: i64,
    /// Namespace.
    pub namespace: String,
    /// `ssa` or `csa` (empty means client-side apply).
    pub apply_method: String,
}

/// Current time as Go writes `time.Now().UTC()` in JSON (RFC 3339, nanoseconds without
/// trailing zeros).
pub fn now_rfc3339() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(d.as_secs() as i64, d.subsec_nanos())
}

/// Format a Unix time like Go's `time.RFC3339Nano` in UTC.
pub fn rfc3339(secs: i64, nanos: u32) -> String {
    let days = secs.div_euclid(86400);
    let sod = secs.rem_euclid(86400);
    // Civil from days (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    let frac = if nanos == 0 {
        String::new()
    } else {
        format!(".{nanos:09}").trim_end_matches('0').to_string()
    };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{frac}Z",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

/// The `manifest` text Helm stores: each manifest as `---\n# Source: PATH\nDOC\n`.
pub fn manifest_text(r: &Rendered) -> String {
    r.manifests
        .iter()
        .map(|m| format!("---\n# Source: {}\n{}\n", m.path, m.content))
        .collect()
}

impl Release {
    /// A release record for a rendering (status, description and timestamps given).
    pub fn from_rendered(
        name: &str,
        namespace: &str,
        version: i64,
        rendered: &Rendered,
        config: &Values,
        info: Info,
    ) -> Release {
        let c: &Chart = &rendered.chart;
        Release {
            name: name.to_string(),
            info: Info {
                notes: rendered.notes.clone(),
                ..info
            },
            chart: ReleaseChart {
                metadata: c.metadata.clone(),
                lock: c.lock.clone(),
                templates: c.templates.clone(),
                values: c.values.clone(),
                schema: c.schema.clone(),
                files: c.files.clone(),
            },
            config: config.clone(),
            manifest: manifest_text(rendered),
            hooks: rendered
                .hooks
                .iter()
                .map(|h| ReleaseHook {
                    name: h.name.clone(),
                    kind: h.kind.clone(),
                    path: h.path.clone(),
                    manifest: h.manifest.clone(),
                    events: h.events.clone(),
                    weight: h.weight,
                    delete_policies: h.delete_policies.clone(),
                    ..ReleaseHook::default()
                })
                .collect(),
            version,
            namespace: namespace.to_string(),
            apply_method: String::new(),
        }
    }

    /// The record as Helm v4 marshals it (member order and omissions as in Go).
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        let put_str = |o: &mut Map<String, Value>, k: &str, v: &str| {
            if !v.is_empty() {
                o.insert(k.into(), Value::String(v.into()));
            }
        };
        put_str(&mut o, "name", &self.name);
        let mut info = Map::new();
        put_str(&mut info, "first_deployed", &self.info.first_deployed);
        put_str(&mut info, "last_deployed", &self.info.last_deployed);
        put_str(&mut info, "deleted", &self.info.deleted);
        put_str(&mut info, "description", &self.info.description);
        put_str(&mut info, "status", &self.info.status);
        put_str(&mut info, "notes", &self.info.notes);
        o.insert("info".into(), Value::Object(info));
        let files = |fs: &[File]| -> Value {
            if fs.is_empty() {
                return Value::Null;
            }
            Value::Array(
                fs.iter()
                    .map(|f| json!({"name": f.name, "data": B64.encode(f.data.as_slice())}))
                    .collect(),
            )
        };
        let lock = match &self.chart.lock {
            None => Value::Null,
            Some(Value::Object(l)) => {
                let mut m = Map::new();
                for k in ["generated", "digest", "dependencies"] {
                    m.insert(k.into(), gojson::sorted(l.get(k).unwrap_or(&Value::Null)));
                }
                Value::Object(m)
            }
            Some(other) => other.clone(),
        };
        let chart = json!({
            "metadata": serde_json::to_value(&self.chart.metadata).unwrap_or(Value::Null),
            "lock": lock,
            "templates": files(&self.chart.templates),
            "values": gojson::sorted(&Value::Object(self.chart.values.clone())),
            "schema": self.chart.schema.as_ref().map(|s| Value::String(B64.encode(s))).unwrap_or(Value::Null),
            "files": files(&self.chart.files),
        });
        o.insert("chart".into(), chart);
        if !self.config.is_empty() {
            o.insert("config".into(), gojson::sorted(&Value::Object(self.config.clone())));
        }
        put_str(&mut o, "manifest", &self.manifest);
        if !self.hooks.is_empty() {
            let hooks = self
                .hooks
                .iter()
                .map(|h| {
                    let mut m = Map::new();
                    put_str(&mut m, "name", &h.name);
                    put_str(&mut m, "kind", &h.kind);
                    put_str(&mut m, "path", &h.path);
                    put_str(&mut m, "manifest", &h.manifest);
                    if !h.events.is_empty() {
                        m.insert("events".into(), json!(h.events));
                    }
                    let mut run = Map::new();
                    put_str(&mut run, "started_at", &h.started_at);
                    put_str(&mut run, "completed_at", &h.completed_at);
                    run.insert("phase".into(), Value::String(h.phase.clone()));
                    m.insert("last_run".into(), Value::Object(run));
                    if h.weight != 0 {
                        m.insert("weight".into(), json!(h.weight));
                    }
                    if !h.delete_policies.is_empty() {
                        m.insert("delete_policies".into(), json!(h.delete_policies));
                    }
                    if !h.output_log_policies.is_empty() {
                        m.insert("output_log_policies".into(), json!(h.output_log_policies));
                    }
                    Value::Object(m)
                })
                .collect();
            o.insert("hooks".into(), Value::Array(hooks));
        }
        if self.version != 0 {
            o.insert("version".into(), json!(self.version));
        }
        put_str(&mut o, "namespace", &self.namespace);
        put_str(&mut o, "apply_method", &self.apply_method);
        Value::Object(o)
    }

    /// Read a record from its JSON (as written by Helm v3, v4 or [`Release::to_json`]).
    pub fn from_json(v: &Value) -> Result<Release, Error> {
        let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let strs = |v: &Value, k: &str| -> Vec<String> {
            v.get(k)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                .unwrap_or_default()
        };
        let o = v
            .as_object()
            .ok_or_else(|| Error::Release("record is not a JSON object".into()))?;
        let info = v.get("info").cloned().unwrap_or(Value::Null);
        let chart = v.get("chart").cloned().unwrap_or(Value::Null);
        let files = |k: &str| -> Result<Vec<File>, Error> {
            let mut out = Vec::new();
            for f in chart.get(k).and_then(Value::as_array).into_iter().flatten() {
                let data = B64
                    .decode(f.get("data").and_then(Value::as_str).unwrap_or_default())
                    .map_err(|e| Error::Release(format!("chart.{k}: bad base64: {e}")))?;
                out.push(File::new(s(f, "name"), data));
            }
            Ok(out)
        };
        let metadata: Metadata = match chart.get("metadata") {
            Some(m) if !m.is_null() => {
                serde_json::from_value(m.clone()).map_err(|e| Error::Release(format!("chart.metadata: {e}")))?
            }
            _ => Metadata::default(),
        };
        let schema = match chart.get("schema").and_then(Value::as_str) {
            Some(b) => Some(
                B64.decode(b)
                    .map_err(|e| Error::Release(format!("chart.schema: bad base64: {e}")))?,
            ),
            None => None,
        };
        let obj = |x: Option<&Value>| -> Values { x.and_then(Value::as_object).map(floats).unwrap_or_default() };
        Ok(Release {
            name: s(v, "name"),
            info: Info {
                first_deployed: s(&info, "first_deployed"),
                last_deployed: s(&info, "last_deployed"),
                deleted: s(&info, "deleted"),
                description: s(&info, "description"),
                status: s(&info, "status"),
                notes: s(&info, "notes"),
            },
            chart: ReleaseChart {
                metadata,
                lock: chart.get("lock").filter(|l| !l.is_null()).cloned(),
                templates: files("templates")?,
                values: obj(chart.get("values")),
                schema,
                files: files("files")?,
            },
            config: obj(o.get("config")),
            manifest: s(v, "manifest"),
            hooks: v
                .get("hooks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|h| {
                    let run = h.get("last_run").cloned().unwrap_or(Value::Null);
                    ReleaseHook {
                        name: s(h, "name"),
                        kind: s(h, "kind"),
                        path: s(h, "path"),
                        manifest: s(h, "manifest"),
                        events: strs(h, "events"),
                        started_at: s(&run, "started_at"),
                        completed_at: s(&run, "completed_at"),
                        phase: s(&run, "phase"),
                        weight: h.get("weight").and_then(Value::as_i64).unwrap_or(0),
                        delete_policies: strs(h, "delete_policies"),
                        output_log_policies: strs(h, "output_log_policies"),
                    }
                })
                .collect(),
            version: v.get("version").and_then(Value::as_i64).unwrap_or(0),
            namespace: s(v, "namespace"),
            apply_method: s(v, "apply_method"),
        })
    }
}

/// JSON numbers decode as float64 in Go.
fn floats(m: &Map<String, Value>) -> Values {
    fn f(v: &Value) -> Value {
        match v {
            Value::Number(n) => n
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Value::Array(a) => Value::Array(a.iter().map(f).collect()),
            Value::Object(o) => Value::Object(floats(o)),
            other => other.clone(),
        }
    }
    m.iter().map(|(k, v)| (k.clone(), f(v))).collect()
}

/// Helm's `encodeRelease`: JSON, gzip at best compression, standard base64.
pub fn encode_release(r: &Release) -> Result<String, Error> {
    let json = gojson::to_string(&r.to_json());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(json.as_bytes())
        .map_err(|e| Error::Release(format!("gzip: {e}")))?;
    let bytes = gz.finish().map_err(|e| Error::Release(format!("gzip: {e}")))?;
    Ok(B64.encode(bytes))
}

/// Helm's `decodeRelease`: base64, gunzip when gzip-compressed, JSON.
pub fn decode_release(data: &str) -> Result<Release, Error> {
    let bytes = B64
        .decode(data.trim())
        .map_err(|e| Error::Release(format!("bad base64: {e}")))?;
    let json = if bytes.starts_with(&[0x1f, 0x8b, 0x08]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .take(MAX_RELEASE_SIZE + 1)
            .read_to_end(&mut out)
            .map_err(|e| Error::Release(format!("gunzip: {e}")))?;
        if out.len() as u64 > MAX_RELEASE_SIZE {
            return Err(Error::Release("decompressed release is too large".into()));
        }
        out
    } else {
        bytes
    };
    let v: Value = serde_json::from_slice(&json).map_err(|e| Error::Release(format!("bad JSON: {e}")))?;
    Release::from_json(&v)
}

/// The storage object name: `sh.helm.release.v1.NAME.vN`.
pub fn storage_name(name: &str, version: i64) -> String {
    format!("sh.helm.release.v1.{name}.v{version}")
}

fn labels(r: &Release, created_at: i64) -> Value {
    // Helm's labels; JSON members sorted as the API server returns them.
    json!({
        "createdAt": created_at.to_string(),
        "name": r.name,
        "owner": "helm",
        "status": r.info.status,
        "version": r.version.to_string(),
    })
}

/// The Secret Helm's `secrets` driver writes (`created_at`: Unix seconds for the
/// `createdAt` label).
pub fn to_secret(r: &Release, created_at: i64) -> Result<Value, Error> {
    let encoded = encode_release(r)?;
    Ok(json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": storage_name(&r.name, r.version),
            "namespace": r.namespace,
            "labels": labels(r, created_at),
        },
        "type": "helm.sh/release.v1",
        "data": {"release": B64.encode(encoded.as_bytes())},
    }))
}

/// The ConfigMap Helm's `configmaps` driver writes.
pub fn to_config_map(r: &Release, created_at: i64) -> Result<Value, Error> {
    Ok(json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": storage_name(&r.name, r.version),
            "namespace": r.namespace,
            "labels": labels(r, created_at),
        },
        "data": {"release": encode_release(r)?},
    }))
}

/// Read a release from a Secret or ConfigMap written by Helm (or by [`to_secret`] /
/// [`to_config_map`]).
pub fn from_storage_object(obj: &Value) -> Result<Release, Error> {
    let data = obj
        .get("data")
        .and_then(|d| d.get("release"))
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Release("storage object has no data.release".into()))?;
    match obj.get("kind").and_then(Value::as_str) {
        Some("Secret") => {
            let inner = B64
                .decode(data)
                .map_err(|e| Error::Release(format!("Secret data.release: bad base64: {e}")))?;
            decode_release(&String::from_utf8_lossy(&inner))
        }
        _ => decode_release(data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000, 120_000_000), "2023-11-14T22:13:20.12Z");
        assert_eq!(rfc3339(951_782_400, 1), "2000-02-29T00:00:00.000000001Z");
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(decode_release("!!!").is_err());
        assert!(decode_release(&B64.encode([0x1f, 0x8b, 0x08, 0, 1, 2])).is_err());
        assert!(decode_release(&B64.encode(b"[1]")).is_err());
    }
}
