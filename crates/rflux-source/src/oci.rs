//! OCI sources through oci-client: OCIRepository (a `tag`, a `semver` range over the
//! repository's tags with an optional `semverFilter`, or a `digest`; one layer selected by
//! media type, extracted or copied; revision `<tag>@sha256:<hex>` or `sha256:<hex>` for a
//! digest reference) and charts in OCI Helm repositories (`oci://host/path/chart`, version
//! by tag or range, tags carry `_` where the version has `+`).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::helm_chart::{BuiltChart, ChartError, ValuesFilesOptions, build_from_archive};
use rflux_semver::{RangeError, Version, VersionRange};

/// Flux's media type for content layers (`flux push artifact`).
pub const FLUX_CONTENT_MEDIA_TYPE: &str = "application/vnd.cncf.flux.content.v1.tar+gzip";
/// Flux's config media type.
pub const FLUX_CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.flux.config.v1+json";
/// Helm's chart layer media type.
pub const HELM_CHART_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// Helm's config media type.
pub const HELM_CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
/// Largest layer accepted by default (100 MiB).
pub const DEFAULT_MAX_LAYER_SIZE: u64 = 100 * 1024 * 1024;

/// A failure resolving or pulling from a registry.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// The URL is not `oci://host/path`.
    #[error("invalid OCI URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// A registry operation failed.
    #[error("{operation} {reference}: {source}")]
    Registry {
        /// What was attempted (`resolve`, `list tags`, `pull`).
        operation: &'static str,
        /// The reference (no credentials).
        reference: String,
        /// The cause.
        #[source]
        source: oci_client::errors::OciDistributionError,
    },
    /// No tag satisfies the semver range.
    #[error("{url}: {source}")]
    NoMatchingTag {
        /// The repository URL.
        url: String,
        /// The range failure, listing the tags seen.
        #[source]
        source: RangeError,
    },
    /// The artifact has no layer to use.
    #[error("{reference}: {reason}")]
    Layer {
        /// The reference.
        reference: String,
        /// What is missing.
        reason: String,
    },
    /// A pulled blob does not match its descriptor.
    #[error("{reference}: layer digest mismatch: expected {expected}, got sha256:{actual}")]
    DigestMismatch {
        /// The reference.
        reference: String,
        /// The descriptor digest.
        expected: String,
        /// The digest of the received bytes.
        actual: String,
    },
    /// The layer is not a safe tar.gz.
    #[error("{reference}: layer archive: {reason}")]
    Archive {
        /// The reference.
        reference: String,
        /// What is wrong.
        reason: String,
    },
    /// Secret data is unusable.
    #[error("invalid secret data: {0}")]
    InvalidSecret(String),
    /// A local file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The chart pulled from an OCI Helm repository is not usable.
    #[error(transparent)]
    Chart(#[from] ChartError),
}

/// How to reach a registry.
#[derive(Debug, Clone, Default)]
pub struct RegistryAccess {
    /// Credentials (anonymous when `None`).
    pub credentials: Option<(String, String)>,
    /// Talk plain HTTP to this URL's registry (`spec.insecure`).
    pub insecure: bool,
    /// Extra PEM CA bundle to trust (`certSecretRef` `ca.crt`).
    pub ca_pem: Option<Vec<u8>>,
}

impl RegistryAccess {
    /// Credentials from Secret data: `username`/`password`, or a `.dockerconfigjson`
    /// entry for `registry`.
    pub fn credentials_from_secret(
        data: &BTreeMap<String, Vec<u8>>,
        registry: &str,
    ) -> Result<Option<(String, String)>, OciError> {
        let text = |k: &str| data.get(k).map(|v| String::from_utf8_lossy(v).into_owned());
        if let (Some(u), Some(p)) = (text("username"), text("password")) {
            return Ok(Some((u, p)));
        }
        let Some(config) = data.get(".dockerconfigjson") else {
            return Ok(None);
        };
        let parsed: serde_json::Value = serde_json::from_slice(config)
            .map_err(|e| OciError::InvalidSecret(format!(".dockerconfigjson is not JSON: {e}")))?;
        let Some(auths) = parsed.get("auths").and_then(|a| a.as_object()) else {
            return Ok(None);
        };
        for (host, entry) in auths {
            let host = host
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_end_matches('/');
            if host != registry {
                continue;
            }
            if let (Some(u), Some(p)) = (
                entry.get("username").and_then(|v| v.as_str()),
                entry.get("password").and_then(|v| v.as_str()),
            ) {
                return Ok(Some((u.to_string(), p.to_string())));
            }
            if let Some(auth) = entry.get("auth").and_then(|v| v.as_str()) {
                use base64::Engine;
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(auth)
                    .map_err(|_| OciError::InvalidSecret(format!("auth for {host} is not base64")))?;
                let decoded = String::from_utf8_lossy(&decoded).into_owned();
                if let Some((u, p)) = decoded.split_once(':') {
                    return Ok(Some((u.to_string(), p.to_string())));
                }
            }
        }
        Ok(None)
    }
}

impl RegistryAccess {
    fn from_parts(
        url: &str,
        insecure: bool,
        auth: Option<&BTreeMap<String, Vec<u8>>>,
        cert: Option<&BTreeMap<String, Vec<u8>>>,
    ) -> Result<RegistryAccess, OciError> {
        let parsed = OciUrl::parse(url)?;
        let credentials = match auth {
            Some(data) => RegistryAccess::credentials_from_secret(data, &parsed.registry)?,
            None => None,
        };
        Ok(RegistryAccess {
            credentials,
            insecure,
            ca_pem: cert.and_then(|c| c.get("ca.crt").cloned()),
        })
    }

    /// Access for an OCIRepository from its spec and Secrets' data.
    pub fn for_oci_repository(
        spec: &rflux_api::types::OCIRepositorySpec,
        auth: Option<&BTreeMap<String, Vec<u8>>>,
        cert: Option<&BTreeMap<String, Vec<u8>>>,
    ) -> Result<RegistryAccess, OciError> {
        RegistryAccess::from_parts(&spec.url, spec.insecure.unwrap_or(false), auth, cert)
    }

    /// Access for a HelmRepository of `type: oci` from its spec and Secrets' data.
    pub fn for_helm_repository(
        spec: &rflux_api::types::HelmRepositorySpec,
        auth: Option<&BTreeMap<String, Vec<u8>>>,
        cert: Option<&BTreeMap<String, Vec<u8>>>,
    ) -> Result<RegistryAccess, OciError> {
        RegistryAccess::from_parts(&spec.url, spec.insecure.unwrap_or(false), auth, cert)
    }
}

impl From<rflux_api::types::OciLayerOperation> for LayerOperation {
    fn from(op: rflux_api::types::OciLayerOperation) -> Self {
        match op {
            rflux_api::types::OciLayerOperation::Extract => LayerOperation::Extract,
            rflux_api::types::OciLayerOperation::Copy => LayerOperation::Copy,
        }
    }
}

/// `oci://host[:port]/path` split into registry and repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciUrl {
    /// `host[:port]`.
    pub registry: String,
    /// The repository path.
    pub repository: String,
}

impl OciUrl {
    /// Parse `oci://host/path`.
    pub fn parse(url: &str) -> Result<OciUrl, OciError> {
        let bad = |reason: &str| OciError::InvalidUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let rest = url
            .strip_prefix("oci://")
            .ok_or_else(|| bad("must start with oci://"))?;
        let rest = rest.trim_end_matches('/');
        let (registry, repository) = rest.split_once('/').ok_or_else(|| bad("no repository path"))?;
        if registry.is_empty() || repository.is_empty() || repository.contains(['@', ' ']) {
            return Err(bad("expected oci://host/repository"));
        }
        if repository.rsplit('/').next().is_some_and(|last| last.contains(':')) {
            return Err(bad("the URL must not carry a tag; use spec.ref"));
        }
        Ok(OciUrl {
            registry: registry.to_string(),
            repository: repository.to_string(),
        })
    }

    /// This repository with one more path segment (`<repo>/<chart>`).
    pub fn join(&self, name: &str) -> OciUrl {
        OciUrl {
            registry: self.registry.clone(),
            repository: format!("{}/{}", self.repository, name.trim_matches('/')),
        }
    }

    fn tagged(&self, tag: &str) -> Reference {
        Reference::with_tag(self.registry.clone(), self.repository.clone(), tag.to_string())
    }

    fn digested(&self, digest: &str) -> Reference {
        Reference::with_digest(self.registry.clone(), self.repository.clone(), digest.to_string())
    }
}

impl std::fmt::Display for OciUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "oci://{}/{}", self.registry, self.repository)
    }
}

/// `spec.ref` of an OCIRepository; precedence digest, semver, tag (default `latest`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OciReference {
    /// `tag`.
    pub tag: Option<String>,
    /// `semver` range.
    pub semver: Option<String>,
    /// `semverFilter`: a regular expression tags must match before the range applies.
    pub semver_filter: Option<String>,
    /// `digest` (`sha256:<hex>`).
    pub digest: Option<String>,
}

impl From<&rflux_api::types::OciRepositoryRef> for OciReference {
    fn from(r: &rflux_api::types::OciRepositoryRef) -> Self {
        OciReference {
            tag: r.tag.clone(),
            semver: r.semver.clone(),
            semver_filter: r.semver_filter.clone(),
            digest: r.digest.clone(),
        }
    }
}

/// A reference resolved to a manifest digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedArtifact {
    /// The tag, unless the reference was a digest.
    pub tag: Option<String>,
    /// `sha256:<hex>` of the manifest.
    pub digest: String,
    /// Flux's revision: `<tag>@sha256:<hex>`, or `sha256:<hex>` for a digest reference.
    pub revision: String,
}

/// What to do with the selected layer (`spec.layerSelector.operation`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LayerOperation {
    /// Untar the (gzip) layer into a directory.
    #[default]
    Extract,
    /// Keep the layer blob as a file.
    Copy,
}

/// The pulled layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledLayer {
    /// Media type of the layer.
    pub media_type: String,
    /// Its digest.
    pub digest: String,
    /// The directory extracted into, or the file copied to.
    pub path: PathBuf,
    /// What was done.
    pub operation: LayerOperation,
}

/// A registry client with its access settings.
pub struct OciSource {
    client: Client,
    auth: RegistryAuth,
}

impl std::fmt::Debug for OciSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciSource").finish_non_exhaustive()
    }
}

impl OciSource {
    /// A client for the registry of `url`.
    pub fn new(url: &OciUrl, access: &RegistryAccess) -> Result<OciSource, OciError> {
        crate::helm_index::transport::ensure_crypto_provider();
        let mut config = ClientConfig {
            protocol: if access.insecure {
                ClientProtocol::HttpsExcept(vec![url.registry.clone()])
            } else {
                ClientProtocol::Https
            },
            ..ClientConfig::default()
        };
        if let Some(ca) = &access.ca_pem {
            config.extra_root_certificates.push(oci_client::client::Certificate {
                encoding: oci_client::client::CertificateEncoding::Pem,
                data: ca.clone(),
            });
        }
        let auth = match &access.credentials {
            Some((u, p)) => RegistryAuth::Basic(u.clone(), p.clone()),
            None => RegistryAuth::Anonymous,
        };
        Ok(OciSource {
            client: Client::new(config),
            auth,
        })
    }

    /// Every tag of the repository (pages followed).
    pub async fn list_tags(&self, url: &OciUrl) -> Result<Vec<String>, OciError> {
        let reference = url.tagged("latest");
        let mut tags: Vec<String> = Vec::new();
        let mut last: Option<String> = None;
        loop {
            let page = self
                .client
                .list_tags(&reference, &self.auth, Some(1000), last.as_deref())
                .await
                .map_err(|source| OciError::Registry {
                    operation: "list tags of",
                    reference: url.to_string(),
                    source,
                })?;
            let count = page.tags.len();
            let next = page.tags.last().cloned();
            tags.extend(page.tags);
            if count < 1000 || next.is_none() || next == last {
                break;
            }
            last = next;
        }
        Ok(tags)
    }

    /// The manifest digest of `tag`.
    pub async fn digest_of(&self, url: &OciUrl, tag: &str) -> Result<String, OciError> {
        let reference = url.tagged(tag);
        let (_, digest) = self
            .client
            .pull_image_manifest(&reference, &self.auth)
            .await
            .map_err(|source| OciError::Registry {
                operation: "resolve",
                reference: format!("{url}:{tag}"),
                source,
            })?;
        Ok(digest)
    }

    /// Resolve `spec.ref` to a manifest digest and Flux's revision.
    pub async fn resolve(&self, url: &OciUrl, reference: &OciReference) -> Result<ResolvedArtifact, OciError> {
        if let Some(digest) = reference.digest.as_deref().filter(|d| !d.is_empty()) {
            return Ok(ResolvedArtifact {
                tag: None,
                digest: digest.to_string(),
                revision: digest.to_string(),
            });
        }
        let tag = match reference.semver.as_deref().filter(|s| !s.is_empty()) {
            Some(range) => {
                let tags = self.list_tags(url).await?;
                highest_tag(&tags, range, reference.semver_filter.as_deref()).map_err(|source| {
                    OciError::NoMatchingTag {
                        url: url.to_string(),
                        source,
                    }
                })?
            }
            None => reference
                .tag
                .clone()
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "latest".to_string()),
        };
        let digest = self.digest_of(url, &tag).await?;
        Ok(ResolvedArtifact {
            revision: format!("{tag}@{digest}"),
            tag: Some(tag),
            digest,
        })
    }

    /// Pull the layer chosen by `media_type` (the first layer when `None`) of the resolved
    /// artifact: extract it into `dest` (a directory) or copy it to `dest` (a file).
    pub async fn pull_layer(
        &self,
        url: &OciUrl,
        resolved: &ResolvedArtifact,
        media_type: Option<&str>,
        operation: LayerOperation,
        max_size: u64,
        dest: &Path,
    ) -> Result<PulledLayer, OciError> {
        let reference = url.digested(&resolved.digest);
        let shown = format!("{url}@{}", resolved.digest);
        let (manifest, _) = self
            .client
            .pull_image_manifest(&reference, &self.auth)
            .await
            .map_err(|source| OciError::Registry {
                operation: "pull manifest",
                reference: shown.clone(),
                source,
            })?;
        let layer = match media_type.filter(|m| !m.is_empty()) {
            Some(m) => manifest
                .layers
                .iter()
                .find(|l| l.media_type == m)
                .ok_or_else(|| OciError::Layer {
                    reference: shown.clone(),
                    reason: format!("failed to find layer with media type '{m}' in artifact"),
                })?,
            None => manifest.layers.first().ok_or_else(|| OciError::Layer {
                reference: shown.clone(),
                reason: "no layers found in artifact".to_string(),
            })?,
        };
        if u64::try_from(layer.size).unwrap_or(u64::MAX) > max_size {
            return Err(OciError::Layer {
                reference: shown,
                reason: format!("layer of {} bytes exceeds the maximum of {max_size}", layer.size),
            });
        }
        let mut blob: Vec<u8> = Vec::new();
        self.client
            .pull_blob(&reference, layer, &mut blob)
            .await
            .map_err(|source| OciError::Registry {
                operation: "pull layer of",
                reference: shown.clone(),
                source,
            })?;
        let actual = hex::encode(Sha256::digest(&blob));
        if layer.digest.strip_prefix("sha256:").is_some_and(|d| d != actual) {
            return Err(OciError::DigestMismatch {
                reference: shown,
                expected: layer.digest.clone(),
                actual,
            });
        }
        match operation {
            LayerOperation::Copy => {
                let io = |source| OciError::Io {
                    path: dest.display().to_string(),
                    source,
                };
                let mut file = tokio::fs::File::create(dest).await.map_err(io)?;
                file.write_all(&blob).await.map_err(io)?;
                file.flush().await.map_err(io)?;
            }
            LayerOperation::Extract => extract_tar_gz(&blob, dest, max_size).map_err(|reason| OciError::Archive {
                reference: shown.clone(),
                reason,
            })?,
        }
        Ok(PulledLayer {
            media_type: layer.media_type.clone(),
            digest: layer.digest.clone(),
            path: dest.to_path_buf(),
            operation,
        })
    }

    /// Push `layers` with a config as one artifact under `tag` (used to publish charts and
    /// Flux artifacts); returns the manifest URL.
    pub async fn push(
        &self,
        url: &OciUrl,
        tag: &str,
        layers: Vec<oci_client::client::ImageLayer>,
        config: oci_client::client::Config,
    ) -> Result<String, OciError> {
        let reference = url.tagged(tag);
        let response = self
            .client
            .push(&reference, &layers, config, &self.auth, None)
            .await
            .map_err(|source| OciError::Registry {
                operation: "push",
                reference: format!("{url}:{tag}"),
                source,
            })?;
        Ok(response.manifest_url)
    }

    /// Pull a chart from an OCI Helm repository: `repository` is the HelmRepository URL
    /// (`oci://host/path`), the chart lives at `<repository>/<chart>`; `version` is a
    /// version Flux reads (`1.2.3`, `v1.2.3`: used as the tag without listing), or else an
    /// exact tag or a range ([`rflux_semver::select_version`] over [`helm_chart_tags`];
    /// empty: latest release).
    pub async fn build_chart(
        &self,
        repository: &OciUrl,
        chart: &str,
        version: &str,
        values_files: &ValuesFilesOptions,
        max_size: u64,
        out_dir: &Path,
    ) -> Result<BuiltChart, OciError> {
        let chart_url = repository.join(chart);
        // Flux's `OCIChartRepository.GetChartVersion`: a version `version.ParseVersion`
        // reads is pulled as the tag without listing; anything else is matched against
        // the tags Helm's registry client lists.
        let chosen = if Version::parse_flux(version).is_ok() {
            version.to_string()
        } else {
            let tags = helm_chart_tags(&self.list_tags(&chart_url).await?);
            rflux_semver::select_version(version, &tags, String::as_str)
                .map_err(|source| OciError::NoMatchingTag {
                    url: chart_url.to_string(),
                    source,
                })?
                .clone()
        };
        let tag = chosen.replace('+', "_");
        let reference = chart_url.tagged(&tag);
        let shown = format!("{chart_url}:{tag}");
        let image = self
            .client
            .pull(&reference, &self.auth, vec![HELM_CHART_MEDIA_TYPE])
            .await
            .map_err(|source| OciError::Registry {
                operation: "pull",
                reference: shown.clone(),
                source,
            })?;
        let layer = image.layers.into_iter().next().ok_or_else(|| OciError::Layer {
            reference: shown.clone(),
            reason: format!("no layer of media type {HELM_CHART_MEDIA_TYPE}"),
        })?;
        if layer.data.len() as u64 > max_size {
            return Err(OciError::Layer {
                reference: shown,
                reason: format!("chart of {} bytes exceeds the maximum of {max_size}", layer.data.len()),
            });
        }
        let built = build_from_archive(
            &format!("{chart}-{chosen}.tgz"),
            layer.data.to_vec(),
            values_files,
            out_dir,
        )?;
        Ok(built)
    }
}

/// Helm's registry client `Tags`, the list Flux picks a chart version from: each tag with
/// `_` read as `+`, kept when Masterminds' `StrictNewVersion` reads it (no `v`, no leading
/// zeros, all three numbers), highest first (equal versions in listing order).
pub fn helm_chart_tags(tags: &[String]) -> Vec<String> {
    let mut versions: Vec<(Version, String)> = tags
        .iter()
        .map(|t| t.replace('_', "+"))
        .filter_map(|t| Version::parse_strict(&t).ok().map(|v| (v, t)))
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, t)| t).collect()
}

/// The OCIRepository `spec.ref.semver` tag: the highest tag that Flux's
/// `version.ParseVersion` reads (a strict `x.y.z`, one leading `v` allowed), passes
/// `filter` (a regular expression) and satisfies `range`.
pub fn highest_tag(tags: &[String], range: &str, filter: Option<&str>) -> Result<String, RangeError> {
    let parsed = VersionRange::parse(range)?;
    let pattern = match filter.filter(|f| !f.is_empty()) {
        Some(f) => Some(compile_filter(f).map_err(|reason| RangeError::InvalidRange {
            range: f.to_string(),
            reason,
        })?),
        None => None,
    };
    let candidates: Vec<&str> = tags
        .iter()
        .map(String::as_str)
        .filter(|t| pattern.as_ref().is_none_or(|p| p.is_match(t)))
        .collect();
    parsed.highest_tag(candidates).map(str::to_string)
}

fn compile_filter(pattern: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(pattern).map_err(|e| e.to_string())
}

/// Untar a gzip layer into `dest`, refusing absolute paths, `..`, links leaving `dest`,
/// and more than `max_size` bytes in total.
pub fn extract_tar_gz(bytes: &[u8], dest: &Path, max_size: u64) -> Result<(), String> {
    std::fs::create_dir_all(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut total = 0u64;
    let entries = archive
        .entries()
        .map_err(|e| format!("not a gzipped tar archive: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("reading archive: {e}"))?;
        let path = entry.path().map_err(|e| format!("bad path: {e}"))?.into_owned();
        let mut target = dest.to_path_buf();
        for part in path.components() {
            match part {
                Component::Normal(p) => target.push(p),
                Component::CurDir => {}
                _ => return Err(format!("illegal path {:?} in archive", path.display().to_string())),
            }
        }
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
            continue;
        }
        if kind.is_symlink() || kind.is_hard_link() {
            tracing::warn!(path = %path.display(), "skipping link in layer archive");
            continue;
        }
        if !kind.is_file() {
            continue;
        }
        total += entry.header().size().unwrap_or(0);
        if total > max_size {
            return Err(format!("archive content exceeds the maximum of {max_size} bytes"));
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        let mut data = Vec::new();
        (&mut entry)
            .take(max_size + 1)
            .read_to_end(&mut data)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        std::fs::write(&target, data).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn highest_tag_reads_tags_as_flux_does() {
        let tags: Vec<String> = ["1.0.0", "1.9", "v1.5.0", "1.6.0-rc.1", "latest", "v01.8.0", "1.7-rc.1"]
            .map(String::from)
            .to_vec();
        // `1.9`, `v01.8.0` and `1.7-rc.1` are not strict versions, so Flux skips them.
        assert_eq!(highest_tag(&tags, ">=1.0.0", None).unwrap(), "v1.5.0");
        // A range naming a pre-release admits pre-release tags (Masterminds).
        assert_eq!(highest_tag(&tags, ">=1.0.0-0 <2", None).unwrap(), "1.6.0-rc.1");
        assert_eq!(highest_tag(&tags, ">=1.0.0, !=1.5.0", None).unwrap(), "1.0.0");
        assert_eq!(highest_tag(&tags, "*", Some("^1\\.0")).unwrap(), "1.0.0");
    }

    #[test]
    fn helm_lists_only_strict_chart_tags() {
        let tags: Vec<String> = [
            "1.0.0",
            "v2.0.0",
            "1.5.0_build.1",
            "1.9",
            "01.9.0",
            "1.6.0-rc.1",
            "latest",
            "1.4.0",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            helm_chart_tags(&tags),
            ["1.6.0-rc.1", "1.5.0+build.1", "1.4.0", "1.0.0"]
        );
        let listed = helm_chart_tags(&tags);
        let pick = |v: &str| rflux_semver::select_version(v, &listed, String::as_str).cloned();
        assert_eq!(pick("").unwrap(), "1.5.0+build.1");
        assert_eq!(pick("*").unwrap(), "1.5.0+build.1");
        // `1.4` is not a version Flux reads, so it is a constraint, not a tag to pull.
        assert_eq!(pick("1.4").unwrap(), "1.4.0");
        assert_eq!(pick("1.6.0-rc.1").unwrap(), "1.6.0-rc.1");
        // `v2.0.0` is not listed by Helm, so no range reaches it.
        assert!(pick(">=2").is_err());
    }
}
