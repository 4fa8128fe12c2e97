//! The crate's error type. Messages name files, fields, key paths and recipients, but never
//! a plaintext value, a data key or any private key material.

use thiserror::Error;

/// Everything that can go wrong while decrypting or encrypting a SOPS document.
#[derive(Debug, Error)]
pub enum SopsError {
    /// The document has no `sops` metadata (and the caller did not ask for pass-through).
    #[error("sops metadata not found")]
    MetadataNotFound,
    /// The `sops` metadata is malformed.
    #[error("invalid sops metadata: {0}")]
    Metadata(String),
    /// The input document could not be parsed in its format.
    #[error("cannot parse {format} document: {message}")]
    Parse {
        /// Format name (`yaml`, `json`, `dotenv`, `ini`, `binary`).
        format: &'static str,
        /// What was wrong and where (never the value itself).
        message: String,
    },
    /// A value is not in the `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` format.
    #[error("value at '{path}' is not a valid sops encrypted value: {reason}")]
    InvalidValue {
        /// Key path of the value.
        path: String,
        /// Which part is wrong.
        reason: String,
    },
    /// AES-GCM refused a value: wrong key, or the ciphertext, IV, tag or path was changed.
    #[error("could not decrypt value at '{path}' with AES-GCM: authentication failed")]
    Authentication {
        /// Key path of the value (the additional authenticated data).
        path: String,
    },
    /// A decrypted value does not parse as its declared type.
    #[error("value at '{path}' does not decode as type '{value_type}'")]
    ValueType {
        /// Key path of the value.
        path: String,
        /// The declared type.
        value_type: String,
    },
    /// The MAC stored in the file does not match the MAC computed over the decrypted values.
    #[error("MAC mismatch: the file was modified after it was encrypted")]
    MacMismatch,
    /// The file has no MAC.
    #[error("the file has no MAC (sops 'mac' field is empty)")]
    MacMissing,
    /// No key group could supply (its part of) the data key.
    #[error("failed to get the data key required to decrypt the SOPS file: {0}")]
    DataKey(String),
    /// A key provider this build does not talk to.
    #[error("provider {provider} is not configured (key {key})")]
    ProviderNotConfigured {
        /// `kms`, `gcp_kms`, `azure_kv` or `hc_vault`.
        provider: &'static str,
        /// The key's identifier (ARN, resource id, URL), not secret.
        key: String,
    },
    /// A key file (age identities, PGP secret key) could not be loaded.
    #[error("invalid key material in {source_name}: {reason}")]
    KeyMaterial {
        /// Where the keys came from (file name, secret data key).
        source_name: String,
        /// What was wrong (never the key itself).
        reason: String,
    },
    /// A recipient given for encryption is invalid.
    #[error("invalid recipient '{recipient}': {reason}")]
    Recipient {
        /// The public recipient.
        recipient: String,
        /// What was wrong.
        reason: String,
    },
    /// Encryption failed.
    #[error("encryption failed: {0}")]
    Encrypt(String),
    /// A `.sops.yaml` could not be used.
    #[error("sops config {path}: {reason}")]
    Config {
        /// The config file.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// The document cannot be represented in the target format.
    #[error("cannot emit {format}: {reason}")]
    Emit {
        /// Target format.
        format: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A Kubernetes object could not be decrypted.
    #[error("{kind} '{name}': {source}")]
    Object {
        /// Object kind.
        kind: String,
        /// Object namespace/name.
        name: String,
        /// The underlying error.
        #[source]
        source: Box<SopsError>,
    },
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, SopsError>;

impl SopsError {
    pub(crate) fn parse(format: &'static str, message: impl Into<String>) -> Self {
        SopsError::Parse {
            format,
            message: message.into(),
        }
    }
    pub(crate) fn metadata(message: impl Into<String>) -> Self {
        SopsError::Metadata(message.into())
    }
}
