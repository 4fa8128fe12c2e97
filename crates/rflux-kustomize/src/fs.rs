//! File access inside the build root: paths are resolved relative to a kustomization's
//! directory, must stay inside the root after symlinks are followed, and remote
//! references are refused.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// Which kind of `secretGenerator` source a file is: SOPS picks the format of an `envs`
/// file as dotenv when its extension says nothing, a `files` entry by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneratorSource {
    /// An `envs` (or legacy `env`) entry.
    Env,
    /// A `files` entry.
    File,
}

/// A transformation applied to the bytes of every file a `secretGenerator` reads (`envs`,
/// `env`, `files`), before kustomize parses them: how Flux's kustomize-controller decrypts
/// SOPS-encrypted generator sources during a build. The filter receives the resolved path,
/// the file's bytes and the kind of source, and must return data it does not handle
/// unchanged.
pub trait FileFilter {
    /// Returns the bytes the generator should use for `path`, or why they cannot be had.
    fn filter(&self, path: &Path, data: Vec<u8>, source: GeneratorSource) -> Result<Vec<u8>, String>;
}

impl<F> FileFilter for F
where
    F: Fn(&Path, Vec<u8>, GeneratorSource) -> Result<Vec<u8>, String>,
{
    fn filter(&self, path: &Path, data: Vec<u8>, source: GeneratorSource) -> Result<Vec<u8>, String> {
        self(path, data, source)
    }
}

/// The boundary every referenced file must stay inside, and the filter generator sources
/// pass through.
pub(crate) struct Root<'f> {
    root: PathBuf,
    filter: Option<&'f dyn FileFilter>,
}

/// True when an entry names a remote resource (URL or go-getter style repository).
pub(crate) fn is_remote(entry: &str) -> bool {
    let lower = entry.to_ascii_lowercase();
    lower.contains("://")
        || lower.starts_with("git@")
        || lower.starts_with("github.com/")
        || lower.starts_with("gitlab.com/")
        || lower.starts_with("bitbucket.org/")
        || lower.contains(".git//")
        || lower.contains("?ref=")
}

impl<'f> Root<'f> {
    pub(crate) fn new(root: &Path, filter: Option<&'f dyn FileFilter>) -> Result<Root<'f>, Error> {
        let root = root
            .canonicalize()
            .map_err(|e| Error::file(root, format!("cannot open build root: {e}")))?;
        Ok(Root { root, filter })
    }

    /// Reads a `secretGenerator` source through the filter (if any).
    pub(crate) fn read_generator_source(
        &self,
        kustomization: &Path,
        what: &str,
        path: &Path,
        source: GeneratorSource,
    ) -> Result<Vec<u8>, Error> {
        let data = read_bytes(kustomization, what, path)?;
        match self.filter {
            None => Ok(data),
            Some(filter) => filter
                .filter(path, data, source)
                .map_err(|m| Error::entry(kustomization, what, format!("{}: {m}", path.display()))),
        }
    }

    /// Resolves `entry` relative to `dir`; the result exists and is inside the root.
    pub(crate) fn resolve(&self, kustomization: &Path, dir: &Path, field: &str, entry: &str) -> Result<PathBuf, Error> {
        let what = format!("{field}: {entry}");
        if is_remote(entry) {
            return Err(Error::entry(
                kustomization,
                what,
                "remote resources are not supported (no network access); vendor it into the source",
            ));
        }
        let joined = dir.join(entry);
        let real = joined.canonicalize().map_err(|e| {
            Error::entry(
                kustomization,
                what.clone(),
                format!("{}: {}", joined.display(), io_reason(&e)),
            )
        })?;
        if !real.starts_with(&self.root) {
            return Err(Error::entry(
                kustomization,
                what,
                format!("{} is outside the build root {}", real.display(), self.root.display()),
            ));
        }
        Ok(real)
    }

    pub(crate) fn check_inside(&self, path: &Path) -> Result<PathBuf, Error> {
        let real = path.canonicalize().map_err(|e| Error::file(path, io_reason(&e)))?;
        if !real.starts_with(&self.root) {
            return Err(Error::file(
                path,
                format!("outside the build root {}", self.root.display()),
            ));
        }
        Ok(real)
    }
}

pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        _ => e.to_string(),
    }
}

pub(crate) fn read_text(kustomization: &Path, what: &str, path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::entry(kustomization, what, format!("{}: {}", path.display(), io_reason(&e))))?;
    String::from_utf8(bytes).map_err(|_| Error::entry(kustomization, what, format!("{} is not UTF-8", path.display())))
}

pub(crate) fn read_bytes(kustomization: &Path, what: &str, path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::entry(kustomization, what, format!("{}: {}", path.display(), io_reason(&e))))
}

/// The kustomization file in `dir`, trying kustomize's three names.
pub(crate) fn find_kustomization(dir: &Path) -> Result<Option<PathBuf>, String> {
    let mut found = Vec::new();
    for name in ["kustomization.yaml", "kustomization.yml", "Kustomization"] {
        let p = dir.join(name);
        if p.is_file() {
            found.push(p);
        }
    }
    if found.len() > 1 {
        return Err(format!("found multiple kustomization files under: {}", dir.display()));
    }
    Ok(found.pop())
}
