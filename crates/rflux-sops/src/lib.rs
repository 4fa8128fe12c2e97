//! SOPS decryption and encryption compatible with getsops/sops: YAML, JSON, dotenv, INI and
//! binary documents; data keys from age (X25519, ssh) and PGP keys, key groups with Shamir
//! sharing; MAC verification; and the decryption the kustomize controller applies to
//! Kubernetes objects and generator files.
//!
//! No error or log message of this crate contains a plaintext value or key material.

pub mod cipher;
pub mod config;
pub mod document;
pub mod error;
pub mod formats;
pub mod keys;
pub mod kube;
pub mod metadata;
pub mod recipients;
pub mod rules;
pub mod shamir;
pub mod timefmt;
pub mod tree;
pub mod walk;

pub use document::{
    DecryptOptions, Decrypted, EncryptOptions, decrypt, decrypt_document, decrypt_file, encrypt, encrypt_file,
    has_metadata,
};
pub use error::{Result, SopsError};
pub use formats::Format;
pub use keys::Keyring;
pub use kube::{KubeDecryptOptions, decrypt_file_by_path, decrypt_objects};
pub use metadata::{MasterKey, Metadata, RuleFields};
pub use recipients::Recipient;
