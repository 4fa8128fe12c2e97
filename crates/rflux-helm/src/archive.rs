//! Chart archives (`.tgz`): gzip + tar read with Helm's rules (the top directory is
//! stripped, `Chart.yaml` must not sit at the archive root) and with safety limits:
//! no `..`, no absolute paths, no links leaving the chart, size caps per file and in total.

use std::io::Read;

use crate::error::Error;

/// Largest decompressed chart Helm accepts (100 MiB).
pub const MAX_CHART_SIZE: u64 = 100 * 1024 * 1024;
/// Largest single file Helm accepts (5 MiB).
pub const MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn bad(archive: &str, message: impl Into<String>) -> Error {
    Error::Archive {
        archive: archive.to_string(),
        message: message.into(),
    }
}

/// Clean a `/`-separated relative path like Go's `path.Clean`.
pub fn clean_path(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Read the files of a chart archive; names are relative to the chart directory.
pub fn read_archive(name: &str, bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let gz = flate2::read::GzDecoder::new(bytes);
    let mut tar = tar::Archive::new(gz);
    let mut files = Vec::new();
    let mut total: u64 = 0;
    let entries = tar
        .entries()
        .map_err(|e| bad(name, format!("not a gzipped tar archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(name, format!("reading archive: {e}")))?;
        let header = entry.header();
        let kind = header.entry_type();
        let raw = String::from_utf8_lossy(&entry.path_bytes()).replace('\\', "/");
        if raw.starts_with('/') {
            return Err(bad(name, format!("absolute path {raw:?} is not allowed")));
        }
        if raw.len() >= 2 && raw.as_bytes()[1] == b':' {
            return Err(bad(name, "chart contains illegally named files"));
        }
        if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let parts: Vec<&str> = raw.split('/').collect();
        if parts.len() == 1 && parts[0] == "Chart.yaml" {
            return Err(bad(name, "chart yaml not in base directory"));
        }
        let inner = if parts.len() > 1 {
            parts[1..].join("/")
        } else {
            raw.clone()
        };
        if raw.split('/').any(|p| p == "..") {
            return Err(bad(
                name,
                format!("chart illegally references parent directory: {raw:?}"),
            ));
        }
        let n = clean_path(&inner);
        if n == "." {
            return Err(bad(
                name,
                format!("chart illegally contains content outside the base directory: {raw:?}"),
            ));
        }
        if kind.is_symlink() || kind.is_hard_link() {
            let target = entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).replace('\\', "/"))
                .unwrap_or_default();
            let dir = n.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            let resolved = if kind.is_symlink() {
                clean_path(&format!("{dir}/{target}"))
            } else {
                clean_path(&target)
            };
            if target.starts_with('/') || resolved.starts_with("..") || resolved.starts_with('/') {
                return Err(bad(name, format!("link {n:?} points outside the chart: {target:?}")));
            }
            tracing::warn!(archive = name, file = n.as_str(), "skipping link in chart archive");
            continue;
        }
        if !kind.is_file() {
            continue;
        }
        let size = header.size().unwrap_or(0);
        if size > MAX_FILE_SIZE {
            return Err(bad(
                name,
                format!("decompressed chart file {n:?} is larger than the maximum file size {MAX_FILE_SIZE}"),
            ));
        }
        total += size;
        if total > MAX_CHART_SIZE {
            return Err(bad(
                name,
                format!("decompressed chart is larger than the maximum size {MAX_CHART_SIZE}"),
            ));
        }
        let mut data = Vec::with_capacity(size as usize);
        (&mut entry)
            .take(MAX_FILE_SIZE + 1)
            .read_to_end(&mut data)
            .map_err(|e| bad(name, format!("reading {n:?}: {e}")))?;
        if data.len() as u64 > MAX_FILE_SIZE {
            return Err(bad(
                name,
                format!("decompressed chart file {n:?} is larger than the maximum file size {MAX_FILE_SIZE}"),
            ));
        }
        if let Some(rest) = data.strip_prefix(BOM) {
            data = rest.to_vec();
        }
        files.push((n, data));
    }
    if files.is_empty() {
        return Err(bad(name, "no files in chart archive"));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean() {
        assert_eq!(clean_path("a/./b/../c"), "a/c");
        assert_eq!(clean_path("../x"), "../x");
        assert_eq!(clean_path(""), ".");
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(read_archive("x.tgz", b"not gzip").is_err());
    }
}
