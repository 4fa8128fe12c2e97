//! Artifact storage: archives on disk under `<root>/<kind>/<namespace>/<name>/<file>` (Flux's
//! layout, kind in lower case), the [`Artifact`] status records that point at them, garbage
//! collection down to the newest two files per object, and an HTTP router that serves them.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rflux_api::types::Artifact;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// How many archives are kept per object (Flux's `--artifact-retention-records` default).
pub const RETAINED_ARTIFACTS: usize = 2;

/// Storage errors, naming the object and file involved.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A file system operation failed.
    #[error("{action} '{path}' for {object}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file involved.
        path: PathBuf,
        /// `kind/namespace/name` of the object.
        object: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A kind, namespace, name or file name that cannot be a single path component.
    #[error("invalid {field} '{value}' for an artifact path")]
    InvalidName {
        /// Which argument.
        field: &'static str,
        /// The value given.
        value: String,
    },
}

/// Where artifacts live on disk and under which URL they are served.
#[derive(Debug, Clone)]
pub struct Storage {
    root: PathBuf,
    base_url: String,
}

impl Storage {
    /// Storage under `root`, serving at `base_url` (e.g. `http://127.0.0.1:9090`).
    pub fn new(root: PathBuf, base_url: String) -> Self {
        let base_url = base_url.trim_end_matches('/').to_string();
        Storage { root, base_url }
    }

    /// Where the artifacts are served, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The directory on disk.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of one object's archives, relative to the root: `<kind>/<ns>/<name>`.
    pub fn object_path(kind: &str, namespace: &str, name: &str) -> Result<String, StorageError> {
        check_component("kind", kind)?;
        check_component("namespace", namespace)?;
        check_component("name", name)?;
        Ok(format!("{}/{namespace}/{name}", kind.to_ascii_lowercase()))
    }

    /// The file name Flux gives an archive of `revision`: the revision's hash
    /// (`main@sha1:<hex>` → `<hex>.tar.gz`), or the archive digest's hex when the revision
    /// carries none.
    pub fn file_name_for(revision: &str, digest: &str) -> String {
        let hash = revision
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or(revision)
            .split_once(':')
            .map(|(_, hex)| hex)
            .filter(|hex| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()));
        let hex = hash.unwrap_or_else(|| digest.split_once(':').map(|(_, h)| h).unwrap_or(digest));
        format!("{hex}.tar.gz")
    }

    /// Copies `packed_file` into storage under Flux's file name for `revision`
    /// and returns the artifact record. Older archives of the object beyond the newest
    /// [`RETAINED_ARTIFACTS`] are deleted.
    pub fn store(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
        revision: &str,
        packed_file: &Path,
        digest: &str,
    ) -> Result<Artifact, StorageError> {
        let file_name = Self::file_name_for(revision, digest);
        self.store_as(kind, namespace, name, &file_name, revision, packed_file, digest)
    }

    /// Like [`Self::store`] with an explicit file name (e.g. `<chart>-<version>.tgz`).
    #[allow(clippy::too_many_arguments)]
    pub fn store_as(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
        file_name: &str,
        revision: &str,
        packed_file: &Path,
        digest: &str,
    ) -> Result<Artifact, StorageError> {
        check_component("file name", file_name)?;
        let object = Self::object_path(kind, namespace, name)?;
        let io = |action: &'static str, path: &Path| {
            let object = object.clone();
            let path = path.to_path_buf();
            move |source| StorageError::Io {
                action,
                path,
                object,
                source,
            }
        };
        let dir = self.root.join(&object);
        std::fs::create_dir_all(&dir).map_err(io("creating", &dir))?;
        let target = dir.join(file_name);
        let temp = tempfile::NamedTempFile::new_in(&dir).map_err(io("creating a temporary file in", &dir))?;
        std::fs::copy(packed_file, temp.path()).map_err(io("copying", packed_file))?;
        let size = std::fs::metadata(temp.path())
            .map_err(io("reading", temp.path()))?
            .len();
        temp.persist(&target).map_err(|e| StorageError::Io {
            action: "renaming into",
            path: target.clone(),
            object: object.clone(),
            source: e.error,
        })?;
        self.collect_garbage(&dir, &target, &object)?;
        let path = format!("{object}/{file_name}");
        Ok(Artifact {
            digest: digest.to_string(),
            last_update_time: rflux_api::time::now_rfc3339(),
            metadata: Default::default(),
            url: format!("{}/{path}", self.base_url),
            path,
            revision: revision.to_string(),
            size: i64::try_from(size).ok(),
        })
    }

    fn collect_garbage(&self, dir: &Path, newest: &Path, object: &str) -> Result<(), StorageError> {
        let entries = std::fs::read_dir(dir).map_err(|source| StorageError::Io {
            action: "listing",
            path: dir.to_path_buf(),
            object: object.to_string(),
            source,
        })?;
        let mut files: Vec<(SystemTime, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
            .filter(|e| e.path() != newest)
            .filter(|e| !e.file_name().to_string_lossy().starts_with(".tmp"))
            .map(|e| {
                let modified = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                (modified, e.path())
            })
            .collect();
        files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
        for (_, path) in files.into_iter().skip(RETAINED_ARTIFACTS.saturating_sub(1)) {
            if let Err(error) = std::fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), %error, "removing an old artifact failed");
            }
        }
        Ok(())
    }

    /// The file on disk of `artifact`.
    pub fn local_path(&self, artifact: &Artifact) -> PathBuf {
        self.root.join(&artifact.path)
    }

    /// True when the archive of `artifact` exists as a regular file.
    pub fn exists(&self, artifact: &Artifact) -> bool {
        std::fs::symlink_metadata(self.local_path(artifact))
            .map(|m| m.is_file())
            .unwrap_or(false)
    }

    /// Deletes every archive of an object.
    pub fn remove(&self, kind: &str, namespace: &str, name: &str) -> Result<(), StorageError> {
        let object = Self::object_path(kind, namespace, name)?;
        let dir = self.root.join(&object);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StorageError::Io {
                action: "removing",
                path: dir,
                object,
                source,
            }),
        }
    }

    /// An HTTP router serving the archives: `GET /<kind>/<ns>/<name>/<file>`. Missing files
    /// and any path that is not plain components under the root give 404.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/{*path}", get(serve_file))
            .with_state(Arc::new(self.root.clone()))
    }
}

fn check_component(field: &'static str, value: &str) -> Result<(), StorageError> {
    let ok = !value.is_empty()
        && value != "."
        && value != ".."
        && !value.contains('/')
        && !value.contains('\\')
        && !value.contains('\0');
    if ok {
        Ok(())
    } else {
        Err(StorageError::InvalidName {
            field,
            value: value.to_string(),
        })
    }
}

async fn serve_file(State(root): State<Arc<PathBuf>>, UrlPath(path): UrlPath<String>) -> Response {
    let parts: Vec<&str> = path.split('/').collect();
    let safe = !parts.is_empty()
        && parts
            .iter()
            .all(|p| !p.is_empty() && *p != "." && *p != ".." && !p.contains('\\') && !p.contains('\0'));
    if !safe {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut full = root.as_ref().clone();
    // Refuse links anywhere below the root so nothing outside it can be reached.
    for part in &parts {
        full.push(part);
        match tokio::fs::symlink_metadata(&full).await {
            Ok(meta) if !meta.file_type().is_symlink() => {}
            _ => return StatusCode::NOT_FOUND.into_response(),
        }
    }
    match tokio::fs::metadata(&full).await {
        Ok(meta) if meta.is_file() => {}
        _ => return StatusCode::NOT_FOUND.into_response(),
    }
    let content_type = if path.ends_with(".gz") || path.ends_with(".tgz") {
        "application/gzip"
    } else {
        "application/octet-stream"
    };
    // Streamed in chunks, so serving a large archive does not hold it in memory.
    let Ok(file) = tokio::fs::File::open(&full).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(length) = file.metadata().await.map(|m| m.len()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_LENGTH, length.to_string()),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_flux() {
        assert_eq!(Storage::file_name_for("main@sha1:abc123", "sha256:ff"), "abc123.tar.gz");
        assert_eq!(Storage::file_name_for("sha1:abc123", "sha256:ff"), "abc123.tar.gz");
        assert_eq!(Storage::file_name_for("6.5.0", "sha256:ff00"), "ff00.tar.gz");
    }

    #[test]
    fn names_are_single_components() {
        assert!(Storage::object_path("GitRepository", "ns", "a/b").is_err());
        assert!(Storage::object_path("GitRepository", "..", "a").is_err());
        assert_eq!(
            Storage::object_path("GitRepository", "ns", "a").ok(),
            Some("gitrepository/ns/a".to_string())
        );
    }
}
