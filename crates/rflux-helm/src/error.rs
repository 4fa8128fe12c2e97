//! The crate's error type: every failure names the file, field or template it concerns,
//! and template and schema errors keep the message shape Helm prints.

/// An error loading, resolving or rendering a chart.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A YAML file is not valid.
    #[error("{file}: {message}")]
    Yaml {
        /// The file (inside the chart) or source.
        file: String,
        /// The parse error.
        message: String,
    },
    /// A chart archive is malformed or unsafe.
    #[error("chart archive {archive}: {message}")]
    Archive {
        /// The archive name.
        archive: String,
        /// What is wrong.
        message: String,
    },
    /// The chart itself is invalid (missing Chart.yaml, bad metadata, bad file).
    #[error("{0}")]
    Chart(String),
    /// A dependency could not be resolved.
    #[error("{0}")]
    Dependency(String),
    /// Values could not be parsed or merged (`--set` syntax, type mismatch).
    #[error("{0}")]
    Values(String),
    /// The final values break a chart's `values.schema.json` (Helm's message shape).
    #[error("{0}")]
    Schema(String),
    /// A template failed to parse or execute (Helm's message shape).
    #[error("{0}")]
    Template(String),
    /// A rendered manifest is not valid YAML (Helm's message shape).
    #[error("{0}")]
    Manifest(String),
    /// A release record could not be encoded or decoded.
    #[error("release: {0}")]
    Release(String),
    /// A request to the cluster failed; the message names the operation and the object.
    #[error("{0}")]
    Cluster(String),
    /// A release action failed (Helm's message shape, e.g. `Release "x" failed: …`,
    /// `another operation (install/upgrade/rollback) is in progress`).
    #[error("{0}")]
    Action(String),
}

impl Error {
    pub(crate) fn io(path: impl std::fmt::Display, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_string(),
            source,
        }
    }
}
