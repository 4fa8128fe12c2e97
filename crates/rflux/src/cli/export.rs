//! `rflux export`: objects as YAML without status and server-set metadata, ready to apply.

use anyhow::{Result, anyhow, bail};
use kube::api::DynamicObject;
use serde_json::{Map, Value, json};

use super::ExportArgs;
use super::kinds::{FluxKind, parse_target};

/// The object as a user would write it: apiVersion, kind, name, namespace, labels,
/// annotations (minus kubectl's last-applied copy) and spec.
pub fn clean(kind: FluxKind, obj: &DynamicObject) -> Value {
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(obj.metadata.name));
    if let Some(ns) = &obj.metadata.namespace {
        metadata.insert("namespace".into(), json!(ns));
    }
    if let Some(labels) = obj.metadata.labels.as_ref().filter(|l| !l.is_empty()) {
        metadata.insert("labels".into(), json!(labels));
    }
    let annotations: std::collections::BTreeMap<_, _> = obj
        .metadata
        .annotations
        .iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "kubectl.kubernetes.io/last-applied-configuration")
        .collect();
    if !annotations.is_empty() {
        metadata.insert("annotations".into(), json!(annotations));
    }
    let ar = kind.api_resource();
    let mut out = Map::new();
    out.insert("apiVersion".into(), json!(ar.api_version));
    out.insert("kind".into(), json!(ar.kind));
    out.insert("metadata".into(), Value::Object(metadata));
    if let Some(spec) = obj.data.get("spec") {
        out.insert("spec".into(), spec.clone());
    }
    Value::Object(out)
}

pub async fn run(args: ExportArgs) -> Result<()> {
    let target = parse_target(&args.target, false)?;
    let kind = target.kinds[0];
    let client = args.conn.client().await?;
    let ns = args.conn.namespace.clone();
    let objects = match (&target.name, args.all) {
        (Some(name), false) => vec![kind.get(&client, &ns, name).await?],
        (None, true) => {
            let mut items = kind.list(&client, args.conn.list_namespace()).await?;
            items.sort_by(|a, b| {
                (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
            });
            items
        }
        (Some(_), true) => bail!("give a name or --all, not both"),
        (None, false) => bail!("missing name (or --all): rflux export {} NAME", args.target.join(" ")),
    };
    for obj in &objects {
        let yaml = serde_saphyr::to_string(&clean(kind, obj)).map_err(|e| anyhow!("YAML: {e}"))?;
        print!("---\n{yaml}");
    }
    Ok(())
}
