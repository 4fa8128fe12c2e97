//! The error type of a build: every error names the kustomization file (or resource file)
//! and, where there is one, the entry that failed.

use std::path::PathBuf;

use crate::yaml::YamlError;

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A kustomization field or entry is invalid or cannot be processed.
    #[error("{}: {entry}: {message}", file.display())]
    Entry {
        /// The kustomization file.
        file: PathBuf,
        /// The field and entry, e.g. `resources: deploy.yaml`.
        entry: String,
        /// What went wrong.
        message: String,
    },
    /// A file is not valid YAML.
    #[error("{}: invalid YAML: {source}", file.display())]
    Yaml {
        /// The file.
        file: PathBuf,
        /// Position and reason.
        source: YamlError,
    },
    /// Post-build variable substitution failed for one object.
    #[error("post build failed for '{object}': {message}")]
    PostBuild {
        /// The object, as `group_version_Kind/name` (`~G` for the core group).
        object: String,
        /// What went wrong (e.g. `variable substitution failed: variable not set (strict mode): "VAR"`).
        message: String,
    },
    /// A file could not be read.
    #[error("{}: {message}", file.display())]
    File {
        /// The file or directory.
        file: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl Error {
    pub(crate) fn entry(file: impl Into<PathBuf>, entry: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Entry {
            file: file.into(),
            entry: entry.into(),
            message: message.into(),
        }
    }

    pub(crate) fn file(file: impl Into<PathBuf>, message: impl Into<String>) -> Error {
        Error::File {
            file: file.into(),
            message: message.into(),
        }
    }
}
