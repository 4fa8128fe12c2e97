//! Packaging a loaded chart into `<name>-<version>.tgz` the way `helm package` saves it:
//! every file under a `<name>/` top directory, `Chart.yaml` written from the metadata,
//! then `Chart.lock`, `values.yaml`, `values.schema.json`, templates, other files, and
//! subcharts as directories under `charts/`. Timestamps are fixed so the same chart
//! always packs to the same bytes.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use rflux_helm::Chart;

use super::ChartError;
use super::values::values_to_yaml;

/// Raw file contents to keep instead of re-serializing them (top-level chart only).
#[derive(Debug, Clone, Default)]
pub struct RawFiles {
    /// `values.yaml` as it should be written.
    pub values: Option<Vec<u8>>,
    /// `Chart.lock` as found.
    pub lock: Option<Vec<u8>>,
}

/// Pack `chart` (with its subcharts) into gzip-compressed tar bytes.
pub fn package_chart(chart: &Chart, raw: &RawFiles) -> Result<Vec<u8>, ChartError> {
    let encoder = GzEncoder::new(Vec::new(), Compression::default());
    let mut tar = tar::Builder::new(encoder);
    tar.mode(tar::HeaderMode::Deterministic);
    write_chart(&mut tar, chart, chart.name(), Some(raw))?;
    let encoder = tar.into_inner().map_err(pack_error)?;
    encoder.finish().map_err(pack_error)
}

fn pack_error(e: std::io::Error) -> ChartError {
    ChartError::Package(e.to_string())
}

fn add_file<W: Write>(tar: &mut tar::Builder<W>, path: &str, data: &[u8]) -> Result<(), ChartError> {
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut header, path, data).map_err(pack_error)
}

fn write_chart<W: Write>(
    tar: &mut tar::Builder<W>,
    chart: &Chart,
    base: &str,
    raw: Option<&RawFiles>,
) -> Result<(), ChartError> {
    let chart_yaml = serde_saphyr::to_string(&chart.metadata)
        .map_err(|e| ChartError::Package(format!("cannot write Chart.yaml of {}: {e}", chart.name())))?;
    add_file(tar, &format!("{base}/Chart.yaml"), chart_yaml.as_bytes())?;
    let v1 = chart.metadata.api_version == "v1";
    if !v1 {
        match (raw.and_then(|r| r.lock.as_ref()), &chart.lock) {
            (Some(lock), _) => add_file(tar, &format!("{base}/Chart.lock"), lock)?,
            (None, Some(lock)) => {
                let text = serde_saphyr::to_string(lock)
                    .map_err(|e| ChartError::Package(format!("cannot write Chart.lock of {}: {e}", chart.name())))?;
                add_file(tar, &format!("{base}/Chart.lock"), text.as_bytes())?;
            }
            (None, None) => {}
        }
    }
    match raw.and_then(|r| r.values.as_ref()) {
        Some(values) => add_file(tar, &format!("{base}/values.yaml"), values)?,
        None if !chart.values.is_empty() => add_file(
            tar,
            &format!("{base}/values.yaml"),
            values_to_yaml(&chart.values)?.as_bytes(),
        )?,
        None => {}
    }
    if let Some(schema) = &chart.schema {
        add_file(tar, &format!("{base}/values.schema.json"), schema)?;
    }
    for file in chart.templates.iter().chain(&chart.files) {
        add_file(tar, &format!("{base}/{}", file.name), &file.data)?;
    }
    for dep in &chart.dependencies {
        write_chart(tar, dep, &format!("{base}/charts/{}", dep.name()), None)?;
    }
    Ok(())
}
