//! Artifact archives: packing a source tree into a reproducible `tar.gz` with its sha256
//! digest, extracting one safely, and downloading one over HTTP with digest verification.
//!
//! Packing is deterministic: regular files only (no directories, links or `.git`), sorted by
//! path, mode 0644 or 0755 by the owner's exec bit, mtime 0, uid/gid 0, no user or group
//! names, gzip header without a timestamp. The same tree always gives the same digest.

use crate::ignore::IgnoreRules;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

/// Default cap on the bytes an extraction may write (and a download may read): 2 GiB.
pub const DEFAULT_MAX_ARTIFACT_BYTES: u64 = 2 << 30;

/// What [`package_dir`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed {
    /// `sha256:<hex>` of the archive bytes.
    pub digest: String,
    /// Size of the archive in bytes.
    pub size: u64,
}

/// Errors of packing, extracting and fetching artifacts.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// Reading the tree or writing the archive failed.
    #[error("{action} '{path}': {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file name in the tree is not valid UTF-8 (archives carry UTF-8 paths).
    #[error("path '{0}' is not valid UTF-8")]
    NonUtf8Path(PathBuf),
    /// Reading ignore rules failed.
    #[error(transparent)]
    Ignore(#[from] crate::ignore::IgnoreError),
    /// An archive entry would land outside the destination or is not a plain file/directory.
    #[error("unsafe archive entry '{entry}': {reason}")]
    UnsafeEntry {
        /// The entry's path as written in the archive.
        entry: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The archive holds more than the allowed number of bytes.
    #[error("archive exceeds the size limit of {limit} bytes")]
    TooLarge {
        /// The limit that was exceeded.
        limit: u64,
    },
    /// The archive is not a valid tar.gz.
    #[error("reading archive: {0}")]
    Corrupt(#[source] std::io::Error),
    /// The HTTP download failed.
    #[error("downloading artifact '{url}': {message}")]
    Download {
        /// The artifact URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The downloaded bytes do not have the expected digest.
    #[error("artifact '{url}' has digest '{actual}', expected '{expected}'")]
    DigestMismatch {
        /// The artifact URL.
        url: String,
        /// The digest the caller asked for.
        expected: String,
        /// The digest of what was downloaded.
        actual: String,
    },
    /// The expected digest is not `sha256:<hex>`.
    #[error("unsupported artifact digest '{0}' (expected sha256:<hex>)")]
    UnsupportedDigest(String),
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> ArtifactError + 'a {
    move |source| ArtifactError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// A writer that hashes and counts what passes through it.
struct DigestWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    written: u64,
}

impl<W: Write> Write for DigestWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Formats a sha256 hasher's result as `sha256:<hex>`.
pub fn sha256_digest(hasher: Sha256) -> String {
    format!("sha256:{}", hex::encode(hasher.finalize()))
}

/// The files of `dir` that go into an artifact: regular files not excluded by `rules`,
/// relative `/`-separated paths, sorted. `.git` directories are never entered; symlinks and
/// special files are skipped.
pub fn collect_files(dir: &Path, rules: &IgnoreRules) -> Result<Vec<(String, PathBuf, bool)>, ArtifactError> {
    let mut out = Vec::new();
    let mut parts = Vec::new();
    walk(dir, &mut parts, rules, &mut out)?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn walk(
    dir: &Path,
    parts: &mut Vec<String>,
    rules: &IgnoreRules,
    out: &mut Vec<(String, PathBuf, bool)>,
) -> Result<(), ArtifactError> {
    let entries = std::fs::read_dir(dir).map_err(io_err("reading directory", dir))?;
    for entry in entries {
        let entry = entry.map_err(io_err("reading directory", dir))?;
        let path = entry.path();
        let name = entry
            .file_name()
            .into_string()
            .map_err(|_| ArtifactError::NonUtf8Path(path.clone()))?;
        let file_type = entry.file_type().map_err(io_err("reading file type of", &path))?;
        if file_type.is_dir() {
            if name == ".git" {
                continue;
            }
            parts.push(name);
            walk(&path, parts, rules, out)?;
            parts.pop();
        } else if file_type.is_file() {
            parts.push(name);
            let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
            if !rules.is_ignored_parts(&refs, false) {
                let executable = is_executable(&entry.metadata().map_err(io_err("reading metadata of", &path))?);
                out.push((parts.join("/"), path, executable));
            }
            parts.pop();
        }
    }
    Ok(())
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o100 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Packs the files of `dir` that `rules` keep into a deterministic tar.gz at `out`.
pub fn package_dir(dir: &Path, rules: &IgnoreRules, out: &Path) -> Result<Packed, ArtifactError> {
    let files = collect_files(dir, rules)?;
    let file = File::create(out).map_err(io_err("creating archive", out))?;
    let writer = DigestWriter {
        inner: BufWriter::with_capacity(256 * 1024, file),
        hasher: Sha256::new(),
        written: 0,
    };
    let gz = GzEncoder::new(writer, Compression::default());
    // tar writes headers, contents and padding in small pieces; feed the compressor in
    // large blocks instead.
    let mut tar = tar::Builder::new(BufWriter::with_capacity(256 * 1024, gz));
    tar.mode(tar::HeaderMode::Deterministic);
    for (name, path, executable) in &files {
        let mut f = File::open(path).map_err(io_err("opening", path))?;
        let len = f.metadata().map_err(io_err("reading metadata of", path))?.len();
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(len);
        header.set_mode(if *executable { 0o755 } else { 0o644 });
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        tar.append_data(&mut header, name, &mut f)
            .map_err(io_err("adding to archive", path))?;
    }
    let buffered = tar.into_inner().map_err(io_err("finishing archive", out))?;
    let gz = buffered
        .into_inner()
        .map_err(|e| io_err("finishing archive", out)(e.into_error()))?;
    let mut writer = gz.finish().map_err(io_err("compressing archive", out))?;
    writer.flush().map_err(io_err("writing archive", out))?;
    Ok(Packed {
        size: writer.written,
        digest: sha256_digest(writer.hasher),
    })
}

/// Summary of an extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Extracted {
    /// Regular files written.
    pub files: u64,
    /// Bytes of file content written.
    pub bytes: u64,
}

/// Extracts the tar.gz at `archive` into `dest`; see [`extract`].
pub fn extract_file(archive: &Path, dest: &Path, max_bytes: u64) -> Result<Extracted, ArtifactError> {
    let file = File::open(archive).map_err(io_err("opening archive", archive))?;
    extract(BufReader::new(file), dest, max_bytes)
}

/// Extracts a tar.gz stream into `dest` (created if missing). Only directories and regular
/// files are accepted; an absolute path, a `..` component, a link or a device entry makes
/// the whole extraction fail, as does content beyond `max_bytes`. Files get mode 0644 or
/// 0755 after their exec bit.
pub fn extract<R: Read>(archive: R, dest: &Path, max_bytes: u64) -> Result<Extracted, ArtifactError> {
    std::fs::create_dir_all(dest).map_err(io_err("creating", dest))?;
    let mut tar = tar::Archive::new(GzDecoder::new(archive));
    let mut made_dirs: HashSet<PathBuf> = HashSet::new();
    let mut stats = Extracted::default();
    for entry in tar.entries().map_err(ArtifactError::Corrupt)? {
        let mut entry = entry.map_err(ArtifactError::Corrupt)?;
        let raw_path = entry.path_bytes().into_owned();
        let entry_name = String::from_utf8_lossy(&raw_path).into_owned();
        let relative = safe_relative_path(&entry_name)?;
        let kind = entry.header().entry_type();
        match kind {
            tar::EntryType::Directory => {
                if let Some(rel) = relative {
                    ensure_dirs(dest, &rel, &mut made_dirs, &entry_name)?;
                }
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let Some(rel) = relative else {
                    return Err(ArtifactError::UnsafeEntry {
                        entry: entry_name,
                        reason: "file entry without a name",
                    });
                };
                if let Some(parent) = rel.parent() {
                    ensure_dirs(dest, parent, &mut made_dirs, &entry_name)?;
                }
                let size = entry.header().size().map_err(ArtifactError::Corrupt)?;
                if stats.bytes.saturating_add(size) > max_bytes {
                    return Err(ArtifactError::TooLarge { limit: max_bytes });
                }
                let target = dest.join(&rel);
                refuse_existing_link(&target, &entry_name)?;
                let executable = entry.header().mode().map(|m| m & 0o100 != 0).unwrap_or(false);
                let mut out = File::create(&target).map_err(io_err("creating", &target))?;
                let copied = std::io::copy(&mut (&mut entry).take(size), &mut out).map_err(ArtifactError::Corrupt)?;
                set_mode(&target, executable)?;
                stats.files += 1;
                stats.bytes += copied;
            }
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => {}
            tar::EntryType::Symlink | tar::EntryType::Link => {
                return Err(ArtifactError::UnsafeEntry {
                    entry: entry_name,
                    reason: "links are not allowed in artifacts",
                });
            }
            _ => {
                return Err(ArtifactError::UnsafeEntry {
                    entry: entry_name,
                    reason: "only regular files and directories are allowed",
                });
            }
        }
    }
    Ok(stats)
}

/// Turns an archive path into a relative path inside the destination; `None` for the root
/// itself (`./`).
fn safe_relative_path(name: &str) -> Result<Option<PathBuf>, ArtifactError> {
    let unsafe_entry = |reason| ArtifactError::UnsafeEntry {
        entry: name.to_string(),
        reason,
    };
    if name.contains('\0') || name.contains('\\') {
        return Err(unsafe_entry("invalid characters in path"));
    }
    let mut out = PathBuf::new();
    for component in Path::new(name).components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err(unsafe_entry("path contains '..'")),
            Component::RootDir | Component::Prefix(_) => return Err(unsafe_entry("absolute path")),
        }
    }
    Ok((!out.as_os_str().is_empty()).then_some(out))
}

fn ensure_dirs(dest: &Path, rel: &Path, made: &mut HashSet<PathBuf>, entry: &str) -> Result<(), ArtifactError> {
    let mut current = PathBuf::new();
    for part in rel.components() {
        current.push(part);
        if made.contains(&current) {
            continue;
        }
        let full = dest.join(&current);
        match std::fs::symlink_metadata(&full) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(ArtifactError::UnsafeEntry {
                    entry: entry.to_string(),
                    reason: "a parent directory exists as a file or link",
                });
            }
            Err(_) => std::fs::create_dir(&full).map_err(io_err("creating", &full))?,
        }
        made.insert(current.clone());
    }
    Ok(())
}

fn refuse_existing_link(target: &Path, entry: &str) -> Result<(), ArtifactError> {
    match std::fs::symlink_metadata(target) {
        Ok(meta) if !meta.is_file() => Err(ArtifactError::UnsafeEntry {
            entry: entry.to_string(),
            reason: "target exists and is not a regular file",
        }),
        _ => Ok(()),
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, executable: bool) -> Result<(), ArtifactError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if executable { 0o755 } else { 0o644 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(io_err("setting mode of", path))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _executable: bool) -> Result<(), ArtifactError> {
    Ok(())
}

/// Downloads the artifact at `url`, checks that its sha256 matches `expected_digest`
/// (`sha256:<hex>`), and extracts it into `dest_dir`. Nothing is extracted when the digest
/// differs. The download is capped at [`DEFAULT_MAX_ARTIFACT_BYTES`].
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    expected_digest: &str,
    dest_dir: &Path,
) -> Result<Extracted, ArtifactError> {
    let expected_hex = expected_digest
        .strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| ArtifactError::UnsupportedDigest(expected_digest.to_string()))?
        .to_ascii_lowercase();
    let download = |message: String| ArtifactError::Download {
        url: url.to_string(),
        message,
    };
    let mut response = client.get(url).send().await.map_err(|e| download(e.to_string()))?;
    if !response.status().is_success() {
        return Err(download(format!("HTTP status {}", response.status())));
    }
    let parent = dest_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io_err("creating", parent))?;
    let temp = tempfile::NamedTempFile::new_in(parent).map_err(io_err("creating temporary file in", parent))?;
    let temp_path = temp.path().to_path_buf();
    let mut writer = BufWriter::new(temp.reopen().map_err(io_err("opening", &temp_path))?);
    let mut hasher = Sha256::new();
    let mut total: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(|e| download(e.to_string()))? {
        total += chunk.len() as u64;
        if total > DEFAULT_MAX_ARTIFACT_BYTES {
            return Err(ArtifactError::TooLarge {
                limit: DEFAULT_MAX_ARTIFACT_BYTES,
            });
        }
        hasher.update(&chunk);
        writer.write_all(&chunk).map_err(io_err("writing", &temp_path))?;
    }
    writer.flush().map_err(io_err("writing", &temp_path))?;
    drop(writer);
    let actual = sha256_digest(hasher);
    if actual != format!("sha256:{expected_hex}") {
        return Err(ArtifactError::DigestMismatch {
            url: url.to_string(),
            expected: expected_digest.to_string(),
            actual,
        });
    }
    let dest = dest_dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let result = extract_file(temp.path(), &dest, DEFAULT_MAX_ARTIFACT_BYTES);
        drop(temp);
        result
    })
    .await
    .map_err(|e| download(format!("extraction task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_checked() {
        assert!(safe_relative_path("../x").is_err());
        assert!(safe_relative_path("a/../../x").is_err());
        assert!(safe_relative_path("/etc/passwd").is_err());
        assert_eq!(safe_relative_path("./").ok().flatten(), None);
        assert_eq!(safe_relative_path("./a/b").ok().flatten(), Some(PathBuf::from("a/b")));
    }
}
