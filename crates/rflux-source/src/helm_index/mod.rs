//! HelmRepository (HTTP/S) as Flux's source-controller handles it: download `index.yaml`
//! to a temporary file (bounded, hashed on the way), parse it once into a compact sorted
//! [`IndexFile`], and store it as the artifact `index-<hex>.yaml` (sorted JSON, which is
//! YAML too). The revision is `sha256:<hex>` of the index exactly as the server sent it,
//! as Flux computes it since source-controller v1.0 (the stored, sorted file has its own
//! digest, which does not change when the server only reorders entries).

mod block_yaml;
mod json_out;
mod model;
mod parse;
pub mod transport;

use std::fs::File;
use std::io::{BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use url::Url;

pub use json_out::write_index_json;
pub use model::{ChartEntry, ChartVersion, IndexFile};
pub use parse::{ParseFailure, parse_index, parse_index_seekable};
pub use transport::{Credentials, HttpClient, RepositoryAccess, TlsMaterial, TransportError};

/// Flux's default limit on the size of an index (`--helm-index-max-size`, 50 MiB).
pub const DEFAULT_MAX_INDEX_SIZE: u64 = 50 * 1024 * 1024;

/// A failure fetching, parsing or storing an index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Downloading failed.
    #[error("failed to fetch Helm repository index: {0}")]
    Fetch(#[from] TransportError),
    /// The index is not valid YAML/JSON or not an index.
    #[error("failed to load Helm repository index from {url}: {failure}")]
    Parse {
        /// Where the index came from (URL or file).
        url: String,
        /// What is wrong and where.
        failure: ParseFailure,
    },
    /// A local file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The repository URL cannot carry an `index.yaml`.
    #[error("invalid Helm repository URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> IndexError + '_ {
    move |source| IndexError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// An index fetched from a repository.
#[derive(Debug, Clone)]
pub struct FetchedIndex {
    /// The parsed, sorted index.
    pub index: IndexFile,
    /// `sha256:<hex>` of the index as downloaded: the artifact revision.
    pub revision: String,
    /// Size of the downloaded index in bytes.
    pub size: u64,
    /// The index URL (without credentials).
    pub url: String,
}

/// The stored index artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredIndex {
    /// Full path of the written file.
    pub path: PathBuf,
    /// `index-<hex of the revision>.yaml`.
    pub file_name: String,
    /// `sha256:<hex>` of the stored file.
    pub digest: String,
    /// Size of the stored file in bytes.
    pub size: u64,
}

/// `<repository URL>/index.yaml`, keeping the URL's query.
pub fn index_url(repository_url: &str) -> Result<Url, IndexError> {
    let mut url = Url::parse(repository_url).map_err(|e| IndexError::InvalidUrl {
        url: repository_url.to_string(),
        reason: e.to_string(),
    })?;
    if url.cannot_be_a_base() {
        return Err(IndexError::InvalidUrl {
            url: repository_url.to_string(),
            reason: "not a hierarchical URL".to_string(),
        });
    }
    let path = format!("{}/index.yaml", url.path().trim_end_matches('/'));
    url.set_path(&path);
    Ok(url)
}

/// Download the index of the repository `client` is bound to (at most `max_size` bytes)
/// into a temporary file under `temp_dir`, then parse it.
pub async fn fetch_index(client: &HttpClient, max_size: u64, temp_dir: &Path) -> Result<FetchedIndex, IndexError> {
    let url = index_url(client.repository_url().as_str())?;
    let shown = transport::display_url(&url);
    let mut temp = tempfile::Builder::new()
        .prefix("index-")
        .suffix(".yaml")
        .tempfile_in(temp_dir)
        .map_err(io_error(temp_dir))?;
    let downloaded = {
        let mut writer = BufWriter::with_capacity(1 << 16, temp.as_file_mut());
        client.download_to(&url, &mut writer, max_size).await?
    };
    tracing::debug!(url = %shown, size = downloaded.size, "downloaded index");
    let temp_path = temp.path().to_path_buf();
    let file = temp.as_file_mut();
    file.seek(SeekFrom::Start(0)).map_err(io_error(&temp_path))?;
    let file = file.try_clone().map_err(io_error(&temp_path))?;
    let size = downloaded.size;
    let source = shown.clone();
    let index = tokio::task::spawn_blocking(move || parse_index_file(file, size, &source))
        .await
        .map_err(|e| IndexError::Io {
            path: temp_path.display().to_string(),
            source: std::io::Error::other(e.to_string()),
        })??;
    drop(temp);
    Ok(FetchedIndex {
        index,
        revision: format!("sha256:{}", downloaded.sha256),
        size,
        url: shown,
    })
}

fn parse_index_file(file: File, size: u64, source: &str) -> Result<IndexFile, IndexError> {
    parse_index_seekable(BufReader::with_capacity(1 << 16, file), size).map_err(|failure| IndexError::Parse {
        url: source.to_string(),
        failure,
    })
}

/// Load an index from a file (a downloaded `index.yaml` or a stored artifact).
pub fn load_index(path: &Path) -> Result<IndexFile, IndexError> {
    let file = File::open(path).map_err(io_error(path))?;
    let size = file.metadata().map_err(io_error(path))?.len();
    parse_index_file(file, size, &path.display().to_string())
}

/// A writer that hashes and counts what passes through.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Write `index` into `dir` as `index-<hex>.yaml` for `revision` (`sha256:<hex>`),
/// atomically (temporary file, then rename).
pub fn store_index(index: &IndexFile, revision: &str, dir: &Path) -> Result<StoredIndex, IndexError> {
    let hex = revision.split_once(':').map_or(revision, |(_, h)| h);
    let file_name = format!("index-{hex}.yaml");
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    let temp = tempfile::Builder::new()
        .prefix(".index-")
        .tempfile_in(dir)
        .map_err(io_error(dir))?;
    let mut writer = HashingWriter {
        inner: BufWriter::with_capacity(1 << 16, temp.as_file()),
        hasher: Sha256::new(),
        size: 0,
    };
    write_index_json(index, &mut writer).map_err(io_error(temp.path()))?;
    let digest = format!("sha256:{}", hex::encode(writer.hasher.finalize_reset()));
    let size = writer.size;
    drop(writer);
    let path = dir.join(&file_name);
    temp.persist(&path).map_err(|e| IndexError::Io {
        path: path.display().to_string(),
        source: e.error,
    })?;
    Ok(StoredIndex {
        path,
        file_name,
        digest,
        size,
    })
}
