//! `rflux build kustomization NAME --path DIR`: builds a local directory as the
//! kustomize-controller would build the Kustomization NAME (generated kustomization.yaml,
//! spec overlay, post-build substitution, commonMetadata, ownership labels) and prints the
//! objects as a multi-document YAML stream, as `flux build kustomization` does.
//!
//! As in Flux, nothing is decrypted: SOPS-encrypted Secret values are replaced by the
//! `**SOPS**` mask and the `sops` metadata is dropped; plain Secrets are printed as built.
//! `substituteFrom` is read from the cluster unless `--dry-run`, which needs no cluster.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use kube::Api;
use rflux_api::types::Kustomization;
use rflux_controllers::kustomization::build::{BuildInputs, build};
use rflux_controllers::kustomization::variables::substitute_from;
use serde_json::Value;

use super::connect::{ConnectionArgs, describe, status_code};

/// The mask Flux prints instead of SOPS-encrypted values.
pub const SOPS_MASK: &str = "**SOPS**";

/// `rflux build …`
#[derive(Subcommand, Debug)]
pub enum BuildCommand {
    /// Build a Kustomization from a local directory and print the objects it would apply.
    #[command(visible_alias = "ks")]
    Kustomization(BuildKustomizationArgs),
}

/// `rflux build kustomization NAME --path DIR`
#[derive(Args, Debug)]
pub struct BuildKustomizationArgs {
    /// Name of the Kustomization.
    pub name: String,
    /// Local directory matching the Kustomization's spec.path.
    #[arg(long)]
    pub path: PathBuf,
    /// A local file holding the Kustomization (used instead of the cluster's).
    #[arg(long)]
    pub kustomization_file: Option<PathBuf>,
    /// Do not connect to the cluster: needs --kustomization-file; substituteFrom is skipped.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// `rflux build kustomization …`
pub async fn run(cmd: BuildCommand) -> Result<()> {
    match cmd {
        BuildCommand::Kustomization(args) => {
            let client = if args.dry_run {
                if args.kustomization_file.is_none() {
                    bail!("kustomization file is required for dry-run");
                }
                None
            } else {
                Some(args.conn.client().await?)
            };
            let source = Source {
                name: &args.name,
                namespace: &args.conn.namespace,
                path: &args.path,
                kustomization_file: args.kustomization_file.as_deref(),
            };
            let built = source.build(client.as_ref()).await?;
            let mut out = std::io::stdout().lock();
            out.write_all(to_yaml_stream(&built.objects).as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}

/// Where a build comes from: the Kustomization's name and namespace, the local directory,
/// and optionally a local file holding the Kustomization.
pub struct Source<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
    pub path: &'a Path,
    pub kustomization_file: Option<&'a Path>,
}

/// What a build produced.
pub struct Built {
    /// The Kustomization used (from the file or the cluster; with the live status when
    /// both exist).
    pub kustomization: Kustomization,
    /// The objects, in build order, SOPS values masked.
    pub objects: Vec<Value>,
    /// Indexes of the Secrets whose SOPS-encrypted values were masked.
    pub masked: Vec<usize>,
}

impl Source<'_> {
    /// Builds the directory; with a client, the Kustomization and substituteFrom come from
    /// the cluster (a local file still takes precedence over the live spec).
    pub async fn build(&self, client: Option<&kube::Client>) -> Result<Built> {
        let kustomization = self.kustomization(client).await?;
        let variables = variables(client, &kustomization).await?;
        let dir = std::fs::canonicalize(self.path)
            .map_err(|e| anyhow!("invalid resource path {:?}: {e}", self.path.display().to_string()))?;
        if !dir.is_dir() {
            bail!(
                "invalid resource path {:?}: not a directory",
                self.path.display().to_string()
            );
        }
        let root = source_root(&dir);
        let relative = dir.strip_prefix(&root).unwrap_or(Path::new(""));
        let mut spec = kustomization.spec.clone();
        spec.path = Some(format!("./{}", relative.display()));
        let inputs = BuildInputs {
            keyring: None,
            variables,
            owner: Some((self.name.to_string(), namespace_of(&kustomization, self.namespace))),
        };
        let mut objects = tokio::task::spawn_blocking(move || build(&root, &spec, &inputs))
            .await
            .context("build worker failed")?
            .map_err(|e| anyhow!("{e}"))?;
        let mut masked = Vec::new();
        for (index, object) in objects.iter_mut().enumerate() {
            if mask_sops(object) {
                masked.push(index);
            }
        }
        Ok(Built {
            kustomization,
            objects,
            masked,
        })
    }

    async fn kustomization(&self, client: Option<&kube::Client>) -> Result<Kustomization> {
        let live = match client {
            Some(client) => {
                let api: Api<Kustomization> = Api::namespaced(client.clone(), self.namespace);
                match api.get(self.name).await {
                    Ok(ks) => Some(ks),
                    Err(e) if status_code(&e) == Some(404) && self.kustomization_file.is_some() => None,
                    Err(e) if status_code(&e) == Some(404) => {
                        bail!(
                            "failed to get kustomization object: Kustomization {}/{} not found",
                            self.namespace,
                            self.name
                        )
                    }
                    Err(e) => bail!("failed to get kustomization object: {}", describe(&e)),
                }
            }
            None => None,
        };
        match (self.kustomization_file, live) {
            (Some(file), live) => {
                let mut local = read_kustomization_file(file, self.name, self.namespace)?;
                if let Some(live) = live
                    && live.status.as_ref().is_some_and(|s| s.inventory.is_some())
                {
                    local.status = live.status;
                }
                Ok(local)
            }
            (None, Some(live)) => Ok(live),
            (None, None) => bail!("kustomization file is required for dry-run"),
        }
    }
}

fn namespace_of(kustomization: &Kustomization, fallback: &str) -> String {
    kustomization
        .metadata
        .namespace
        .clone()
        .filter(|ns| !ns.is_empty())
        .unwrap_or_else(|| fallback.to_string())
}

/// The directory files may be loaded from: the enclosing Git work tree, else `/` (Flux
/// builds on the local disk without a boundary).
fn source_root(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|a| a.join(".git").exists())
        .unwrap_or_else(|| dir.ancestors().last().unwrap_or(dir))
        .to_path_buf()
}

/// Finds the Kustomization `name` (in `namespace`, or without one) in a YAML file.
pub fn read_kustomization_file(file: &Path, name: &str, namespace: &str) -> Result<Kustomization> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow!("failed to read kustomization file {}: {e}", file.display()))?;
    let documents = rflux_kustomize::yaml::parse_stream(&text)
        .map_err(|e| anyhow!("failed to unmarshall kustomization file {}: {e}", file.display()))?;
    for document in documents {
        let is_kustomization = document["kind"] == "Kustomization"
            && document["apiVersion"]
                .as_str()
                .is_some_and(|v| v.starts_with("kustomize.toolkit.fluxcd.io/"));
        let doc_ns = document["metadata"]["namespace"].as_str().unwrap_or("").to_string();
        if !is_kustomization || document["metadata"]["name"] != name || !(doc_ns.is_empty() || doc_ns == namespace) {
            continue;
        }
        let mut kustomization: Kustomization = serde_json::from_value(document)
            .map_err(|e| anyhow!("failed to unmarshall kustomization file {}: {e}", file.display()))?;
        if doc_ns.is_empty() {
            kustomization.metadata.namespace = Some(namespace.to_string());
        }
        return Ok(kustomization);
    }
    bail!(
        "failed find kustomization with name '{name}' and namespace '{namespace}' in file '{}'",
        file.display()
    )
}

/// Post-build variables: `substituteFrom` (only with a client) then `substitute` over them.
async fn variables(client: Option<&kube::Client>, ks: &Kustomization) -> Result<Option<BTreeMap<String, String>>> {
    let Some(post_build) = &ks.spec.post_build else {
        return Ok(None);
    };
    let mut vars = BTreeMap::new();
    if let Some(client) = client {
        let namespace = ks.metadata.namespace.clone().unwrap_or_default();
        vars = substitute_from(client, &post_build.substitute_from, &namespace)
            .await
            .map_err(anyhow::Error::msg)?;
    }
    vars.extend(post_build.substitute.clone());
    Ok(Some(vars))
}

/// Replaces SOPS-encrypted Secret values by Flux's mask and drops `sops` metadata. Returns
/// true when the object is a Secret whose values were masked.
pub fn mask_sops(object: &mut Value) -> bool {
    let Some(map) = object.as_object_mut() else {
        return false;
    };
    if map.get("kind").and_then(Value::as_str) != Some("Secret") {
        map.remove("sops");
        return false;
    }
    let encoded_mask = base64_encode(SOPS_MASK.as_bytes());
    let whole = map
        .get("sops")
        .and_then(|s| s.get("mac"))
        .and_then(Value::as_str)
        .is_some_and(|mac| mac.starts_with("ENC["));
    let mut masked = false;
    if whole {
        map.remove("sops");
        let docker = map.get("type").and_then(Value::as_str) == Some("kubernetes.io/dockerconfigjson");
        let docker_mask = serde_json::json!({ "mask": SOPS_MASK }).to_string();
        for (field, encode) in [("data", true), ("stringData", false)] {
            if let Some(values) = map.get_mut(field).and_then(Value::as_object_mut) {
                for value in values.values_mut() {
                    let plain = if docker { docker_mask.as_str() } else { SOPS_MASK };
                    let text = if encode {
                        base64_encode(plain.as_bytes())
                    } else {
                        plain.to_string()
                    };
                    *value = Value::String(text);
                    masked = true;
                }
            }
        }
        return masked;
    }
    let looks_encrypted = |text: &[u8]| contains(text, b"sops") && contains(text, b"ENC[");
    if let Some(values) = map.get_mut("data").and_then(Value::as_object_mut) {
        for value in values.values_mut() {
            let decoded = value.as_str().and_then(base64_decode).unwrap_or_default();
            if looks_encrypted(&decoded) {
                *value = Value::String(encoded_mask.clone());
                masked = true;
            }
        }
    }
    if let Some(values) = map.get_mut("stringData").and_then(Value::as_object_mut) {
        for value in values.values_mut() {
            if value.as_str().is_some_and(|s| looks_encrypted(s.as_bytes())) {
                *value = Value::String(encoded_mask.clone());
                masked = true;
            }
        }
    }
    masked
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Standard base64 with padding.
pub fn base64_encode(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Standard base64, padding optional and whitespace ignored; None when the text is not
/// base64.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    );
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let unpadded = compact.split('=').next().unwrap_or("");
    LENIENT.decode(unpadded).ok()
}

/// Objects as Flux prints them: each document followed by `---`.
pub fn to_yaml_stream(objects: &[Value]) -> String {
    let mut out = String::new();
    for object in objects {
        out.push_str(&rflux_kustomize::to_yaml_document(object));
        out.push_str("---\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base64_round_trips() {
        for text in ["", "a", "ab", "abc", "**SOPS**", "hello world"] {
            let encoded = base64_encode(text.as_bytes());
            assert_eq!(base64_decode(&encoded).unwrap(), text.as_bytes());
        }
        assert_eq!(base64_encode(b"**SOPS**"), "KipTT1BTKio=");
        assert!(base64_decode("not base64!").is_none());
    }

    #[test]
    fn sops_secrets_are_masked_and_plain_ones_kept() {
        let mut encrypted = json!({
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "data": {"password": "RU5DW0FFUzI1Nl9HQ00sZGF0YTp4XQ=="},
            "stringData": {"user": "ENC[AES256_GCM,data:y]"},
            "sops": {"mac": "ENC[AES256_GCM,data:z]", "version": "3.8.1"}
        });
        assert!(mask_sops(&mut encrypted));
        assert_eq!(encrypted["data"]["password"], "KipTT1BTKio=");
        assert_eq!(encrypted["stringData"]["user"], "**SOPS**");
        assert!(encrypted.get("sops").is_none());

        let mut plain = json!({"apiVersion": "v1", "kind": "Secret", "data": {"a": "YQ=="}});
        assert!(!mask_sops(&mut plain));
        assert_eq!(plain["data"]["a"], "YQ==");

        let mut release = json!({"kind": "HelmRelease", "sops": {"mac": "x"}});
        assert!(!mask_sops(&mut release));
        assert!(release.get("sops").is_none());
    }
}
