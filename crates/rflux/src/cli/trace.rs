//! `rflux trace NAME --kind K --api-version V` (or `rflux trace kind/name`, `rflux trace
//! kind name`): which Kustomization or HelmRelease manages an object (its ownership labels,
//! or those of an owner found through ownerReferences), and that object's source, printed
//! in `flux trace`'s block format.

use std::fmt::Write as _;

use anyhow::{Result, anyhow, bail};
use clap::Args;
use kube::api::{Api, ApiResource, DynamicObject};
use kube::discovery::Discovery;
use rflux_api::annotations::{HELM_NAME_LABEL, HELM_NAMESPACE_LABEL, KUSTOMIZE_NAME_LABEL, KUSTOMIZE_NAMESPACE_LABEL};
use serde_json::Value;

use super::connect::{ConnectionArgs, describe};
use super::kinds::FluxKind;

/// `rflux trace …`
#[derive(Args, Debug)]
pub struct TraceArgs {
    /// `NAME` with --kind and --api-version, or `kind/name …`, or `kind name …`.
    #[arg(required = true)]
    pub target: Vec<String>,
    /// The object's kind, e.g. Deployment.
    #[arg(long)]
    pub kind: Option<String>,
    /// The object's API version, e.g. apps/v1.
    #[arg(long)]
    pub api_version: Option<String>,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// Who manages an object: a Kustomization or a HelmRelease, by namespace and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manager {
    Kustomization { namespace: String, name: String },
    HelmRelease { namespace: String, name: String },
}

/// `rflux trace …`
pub async fn run(args: TraceArgs) -> Result<()> {
    let targets = targets(&args)?;
    let client = args.conn.client().await?;
    let namespace = args.conn.namespace.as_str();
    // One discovery serves every target and every owner followed.
    let discovery = Discovery::new(client.clone())
        .run()
        .await
        .map_err(|e| anyhow!("discovery failed: {e}"))?;
    let mut objects = Vec::new();
    for target in targets {
        let resource = match target {
            Target::Static { api_version, kind, .. } => resolve_static(&discovery, api_version, kind)?,
            Target::Dynamic { ref word, .. } => resolve_word(&discovery, word)?,
        };
        let name = match &target {
            Target::Static { name, .. } | Target::Dynamic { name, .. } => name.clone(),
        };
        objects.push(get(&client, &resource, namespace, &name).await?);
    }
    let count = objects.len();
    for (i, object) in objects.into_iter().enumerate() {
        match trace_object(&client, &discovery, &object).await {
            Ok(report) => print!("{report}"),
            Err(e) => eprintln!(
                "✗ failed to trace {}/{} in namespace {}: {e:#}",
                object["kind"].as_str().unwrap_or(""),
                object["metadata"]["name"].as_str().unwrap_or(""),
                object["metadata"]["namespace"].as_str().unwrap_or("")
            ),
        }
        if i + 1 < count {
            println!("---");
        }
    }
    Ok(())
}

/// One object to trace, named by kind and API version or by a resource word.
enum Target<'a> {
    Static {
        api_version: &'a str,
        kind: &'a str,
        name: String,
    },
    Dynamic {
        word: String,
        name: String,
    },
}

/// The objects the arguments name, checked before any connection is made.
fn targets(args: &TraceArgs) -> Result<Vec<Target<'_>>> {
    if args.kind.is_none() && args.api_version.is_none() {
        return Ok(parse_dynamic(&args.target)?
            .into_iter()
            .map(|(word, name)| Target::Dynamic { word, name })
            .collect());
    }
    let (Some(kind), Some(api_version)) = (&args.kind, &args.api_version) else {
        bail!(if args.kind.is_none() {
            "object kind is required (--kind)"
        } else {
            "object apiVersion is required (--api-version)"
        });
    };
    let [name] = args.target.as_slice() else {
        bail!("exactly one object name is expected with --kind and --api-version");
    };
    Ok(vec![Target::Static {
        api_version,
        kind,
        name: name.clone(),
    }])
}

/// `kind/name …` or `kind name …` as (resource word, name) pairs.
fn parse_dynamic(words: &[String]) -> Result<Vec<(String, String)>> {
    if words.iter().all(|w| w.contains('/')) {
        return words
            .iter()
            .map(|w| match w.split_once('/') {
                Some((kind, name)) if !kind.is_empty() && !name.is_empty() => Ok((kind.to_string(), name.to_string())),
                _ => Err(anyhow!(
                    "either `<resource>/<name>` or `<resource> <name>` is required as an argument"
                )),
            })
            .collect();
    }
    match words {
        [kind, names @ ..] if !names.is_empty() && !names.iter().any(|n| n.contains('/')) => {
            Ok(names.iter().map(|n| (kind.clone(), n.clone())).collect())
        }
        _ => bail!("either `<resource>/<name>` or `<resource> <name>` is required as an argument"),
    }
}

/// kubectl's short names for the kinds people trace most.
fn expand_short_name(word: &str) -> &str {
    match word {
        "cm" => "configmaps",
        "deploy" => "deployments",
        "svc" => "services",
        "ns" => "namespaces",
        "sa" => "serviceaccounts",
        "po" => "pods",
        "rs" => "replicasets",
        "sts" => "statefulsets",
        "ds" => "daemonsets",
        "ing" => "ingresses",
        "pvc" => "persistentvolumeclaims",
        "crd" | "crds" => "customresourcedefinitions",
        "hr" => "helmreleases",
        "ks" => "kustomizations",
        other => other,
    }
}

fn resolve_static(discovery: &Discovery, api_version: &str, kind: &str) -> Result<(ApiResource, bool)> {
    // `--kind helmrelease` is accepted as flux accepts it: the kind matches case-insensitively.
    for group in discovery.groups() {
        for (resource, capabilities) in group.recommended_resources() {
            if resource.api_version == api_version && resource.kind.eq_ignore_ascii_case(kind) {
                return Ok((resource, capabilities.scope == kube::discovery::Scope::Namespaced));
            }
        }
    }
    bail!("failed to find object: no kind {kind:?} is served in {api_version:?}")
}

fn resolve_word(discovery: &Discovery, word: &str) -> Result<(ApiResource, bool)> {
    let lower = word.to_ascii_lowercase();
    let (resource_word, group) = match lower.split_once('.') {
        Some((r, g)) => (r.to_string(), Some(g.to_string())),
        None => (lower.clone(), None),
    };
    let resource_word = expand_short_name(&resource_word).to_string();
    for api_group in discovery.groups() {
        if group.as_deref().is_some_and(|g| g != api_group.name()) {
            continue;
        }
        for (resource, capabilities) in api_group.recommended_resources() {
            let kind = resource.kind.to_ascii_lowercase();
            if resource.plural == resource_word || kind == resource_word {
                return Ok((resource, capabilities.scope == kube::discovery::Scope::Namespaced));
            }
        }
    }
    bail!("the server doesn't have a resource type \"{word}\"")
}

async fn get(client: &kube::Client, resource: &(ApiResource, bool), namespace: &str, name: &str) -> Result<Value> {
    let (ar, namespaced) = resource;
    let api: Api<DynamicObject> = if *namespaced {
        Api::namespaced_with(client.clone(), namespace, ar)
    } else {
        Api::all_with(client.clone(), ar)
    };
    let mut object = serde_json::to_value(
        api.get(name)
            .await
            .map_err(|e| anyhow!("failed to find object: {}", describe(&e)))?,
    )?;
    object["apiVersion"] = Value::String(ar.api_version.clone());
    object["kind"] = Value::String(ar.kind.clone());
    Ok(object)
}

/// The manager named by the object's own labels.
pub fn manager_from_labels(object: &Value) -> Option<Manager> {
    let labels = &object["metadata"]["labels"];
    let label = |key: &str| labels[key].as_str().map(str::to_string);
    if let Some(name) = label(KUSTOMIZE_NAME_LABEL).filter(|n| !n.is_empty()) {
        let namespace = label(KUSTOMIZE_NAMESPACE_LABEL).unwrap_or_default();
        return Some(Manager::Kustomization { namespace, name });
    }
    if let Some(name) = label(HELM_NAME_LABEL).filter(|n| !n.is_empty()) {
        let namespace = label(HELM_NAMESPACE_LABEL).unwrap_or_default();
        return Some(Manager::HelmRelease { namespace, name });
    }
    None
}

/// The manager of the object, or of its owners (ownerReferences, followed upwards).
async fn find_manager(client: &kube::Client, discovery: &Discovery, object: &Value) -> Result<Option<Manager>> {
    let mut current = object.clone();
    for _ in 0..8 {
        if let Some(manager) = manager_from_labels(&current) {
            return Ok(Some(manager));
        }
        let Some(owner) = current["metadata"]["ownerReferences"]
            .as_array()
            .and_then(|o| o.first())
            .cloned()
        else {
            return Ok(None);
        };
        let (Some(api_version), Some(kind), Some(name)) = (
            owner["apiVersion"].as_str(),
            owner["kind"].as_str(),
            owner["name"].as_str(),
        ) else {
            return Ok(None);
        };
        let namespace = current["metadata"]["namespace"].as_str().unwrap_or("").to_string();
        let Ok(resource) = resolve_static(discovery, api_version, kind) else {
            return Ok(None);
        };
        match get(client, &resource, &namespace, name).await {
            Ok(owner) => current = owner,
            Err(_) => return Ok(None),
        }
    }
    Ok(None)
}

async fn trace_object(client: &kube::Client, discovery: &Discovery, object: &Value) -> Result<String> {
    match find_manager(client, discovery, object).await? {
        Some(Manager::Kustomization { namespace, name }) => {
            let ks = fetch(client, FluxKind::Kustomization, &namespace, &name)
                .await
                .map_err(|e| anyhow!("failed to find kustomization: {e}"))?;
            let source = fetch_source(
                client,
                &ks["spec"]["sourceRef"],
                &namespace,
                &[FluxKind::GitRepository, FluxKind::OCIRepository],
            )
            .await?;
            Ok(kustomization_report(object, &ks, source.as_ref()))
        }
        Some(Manager::HelmRelease { namespace, name }) => {
            let hr = fetch(client, FluxKind::HelmRelease, &namespace, &name)
                .await
                .map_err(|e| anyhow!("failed to find HelmRelease: {e}"))?;
            let chart = match hr["status"]["helmChart"].as_str().filter(|c| !c.is_empty()) {
                Some(reference) => {
                    let (ns, chart_name) = reference.split_once('/').unwrap_or((namespace.as_str(), reference));
                    Some(
                        fetch(client, FluxKind::HelmChart, ns, chart_name)
                            .await
                            .map_err(|e| anyhow!("failed to find HelmChart: {e}"))?,
                    )
                }
                None => None,
            };
            let source = fetch_source(
                client,
                &hr["spec"]["chart"]["spec"]["sourceRef"],
                &namespace,
                &[FluxKind::GitRepository, FluxKind::HelmRepository],
            )
            .await?;
            Ok(helm_report(object, &hr, chart.as_ref(), source.as_ref()))
        }
        None => bail!("object not managed by Flux"),
    }
}

async fn fetch(client: &kube::Client, kind: FluxKind, namespace: &str, name: &str) -> Result<Value> {
    Ok(serde_json::to_value(kind.get(client, namespace, name).await?)?)
}

/// The source a `sourceRef` names, when its kind is one of `kinds` (its namespace
/// defaults to `default_namespace`).
async fn fetch_source(
    client: &kube::Client,
    source_ref: &Value,
    default_namespace: &str,
    kinds: &[FluxKind],
) -> Result<Option<Value>> {
    let Some(kind) = kinds.iter().find(|k| source_ref["kind"].as_str() == Some(k.kind())) else {
        return Ok(None);
    };
    let namespace = non_empty(&source_ref["namespace"]).unwrap_or(default_namespace);
    let name = source_ref["name"].as_str().unwrap_or("");
    fetch(client, *kind, namespace, name)
        .await
        .map(Some)
        .map_err(|e| anyhow!("failed to find {}: {e}", kind.kind()))
}

fn non_empty(value: &Value) -> Option<&str> {
    value.as_str().filter(|s| !s.is_empty())
}

fn ready_condition(object: &Value) -> Option<&Value> {
    object["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "Ready")
}

/// An RFC 3339 time as Go prints a `metav1.Time` (`2024-01-02 03:04:05 +0000 UTC`).
pub fn go_time(text: &str) -> String {
    let Some((date, time)) = text.split_once('T') else {
        return text.to_string();
    };
    if let Some(clock) = time.strip_suffix('Z') {
        return format!("{date} {clock} +0000 UTC");
    }
    match time.rfind(['+', '-']) {
        Some(at) if at > 0 => format!("{date} {} {}", &time[..at], time[at..].replace(':', "")),
        _ => format!("{date} {time}"),
    }
}

/// One aligned `Key: value` line; `width` is the column where values start.
fn line(out: &mut String, width: usize, key: &str, value: &str) {
    let label = format!("{key}:");
    let _ = writeln!(out, "{label:<width$}{value}");
}

/// `Status:` and `Message:` lines from the Ready condition.
fn status_lines(out: &mut String, width: usize, object: &Value, failed_wording: bool) {
    match ready_condition(object) {
        Some(ready) => {
            let at = go_time(ready["lastTransitionTime"].as_str().unwrap_or(""));
            let status = if failed_wording && ready["status"] == "False" {
                format!("Last reconciliation failed at {at}")
            } else {
                format!("Last reconciled at {at}")
            };
            line(out, width, "Status", &status);
            line(out, width, "Message", ready["message"].as_str().unwrap_or(""));
        }
        None => line(out, width, "Status", "Unknown"),
    }
}

fn object_header(out: &mut String, width: usize, object: &Value) {
    out.push('\n');
    let kind = object["kind"].as_str().unwrap_or("");
    let name = object["metadata"]["name"].as_str().unwrap_or("");
    line(out, width, "Object", &format!("{kind}/{name}"));
    if let Some(ns) = non_empty(&object["metadata"]["namespace"]) {
        line(out, width, "Namespace", ns);
    }
    line(out, width, "Status", "Managed by Flux");
}

fn metadata_line(out: &mut String, width: usize, object: &Value) {
    line(
        out,
        width,
        "Namespace",
        object["metadata"]["namespace"].as_str().unwrap_or(""),
    );
}

fn reference_line(out: &mut String, width: usize, reference: &Value, digest: bool) {
    if let Some(tag) = non_empty(&reference["tag"]) {
        line(out, width, "Tag", tag);
    } else if let Some(semver) = non_empty(&reference["semver"]) {
        line(out, width, "Tag", semver);
    } else if digest && let Some(d) = non_empty(&reference["digest"]) {
        line(out, width, "Digest", d);
    } else if !digest && let Some(branch) = non_empty(&reference["branch"]) {
        line(out, width, "Branch", branch);
    }
}

/// `flux trace`'s report for an object a Kustomization manages.
pub fn kustomization_report(object: &Value, ks: &Value, source: Option<&Value>) -> String {
    const W: usize = 17;
    let mut out = String::new();
    object_header(&mut out, W, object);
    out.push_str("---\n");
    line(
        &mut out,
        W,
        "Kustomization",
        ks["metadata"]["name"].as_str().unwrap_or(""),
    );
    metadata_line(&mut out, W, ks);
    if let Some(target) = non_empty(&ks["spec"]["targetNamespace"]) {
        line(&mut out, W, "Target", target);
    }
    line(&mut out, W, "Path", ks["spec"]["path"].as_str().unwrap_or(""));
    line(
        &mut out,
        W,
        "Revision",
        ks["status"]["lastAppliedRevision"].as_str().unwrap_or(""),
    );
    status_lines(&mut out, W, ks, false);
    if let Some(source) = source {
        let kind = source["kind"].as_str().unwrap_or("");
        out.push_str("---\n");
        line(&mut out, W, kind, source["metadata"]["name"].as_str().unwrap_or(""));
        metadata_line(&mut out, W, source);
        line(&mut out, W, "URL", source["spec"]["url"].as_str().unwrap_or(""));
        let reference = &source["spec"]["ref"];
        if reference.is_object() {
            reference_line(&mut out, W, reference, kind == "OCIRepository");
        }
        if let Some(revision) = source["status"]["artifact"]["revision"].as_str() {
            line(&mut out, W, "Revision", revision);
        }
        if kind == "OCIRepository" {
            let metadata = &source["status"]["artifact"]["metadata"];
            let has_metadata = metadata.as_object().is_some_and(|m| !m.is_empty());
            for (label, key) in [
                ("Origin Revision", "org.opencontainers.image.revision"),
                ("Origin Source", "org.opencontainers.image.source"),
            ]
            .into_iter()
            .filter(|_| has_metadata)
            {
                // Flux's template leaves an empty line for a missing annotation.
                match non_empty(&metadata[key]) {
                    Some(value) => line(&mut out, W, label, value),
                    None => out.push('\n'),
                }
            }
        }
        status_lines(&mut out, W, source, true);
    }
    out
}

/// `flux trace`'s report for an object a HelmRelease manages.
pub fn helm_report(object: &Value, hr: &Value, chart: Option<&Value>, source: Option<&Value>) -> String {
    const W: usize = 16;
    let mut out = String::new();
    object_header(&mut out, W, object);
    out.push_str("---\n");
    line(
        &mut out,
        W,
        "HelmRelease",
        hr["metadata"]["name"].as_str().unwrap_or(""),
    );
    metadata_line(&mut out, W, hr);
    if let Some(target) = non_empty(&hr["spec"]["targetNamespace"]) {
        line(&mut out, W, "Target", target);
    }
    let revision = hr["status"]["lastAppliedRevision"]
        .as_str()
        .or_else(|| hr["status"]["history"][0]["chartVersion"].as_str())
        .unwrap_or("");
    line(&mut out, W, "Revision", revision);
    status_lines(&mut out, W, hr, false);
    if let Some(chart) = chart {
        out.push_str("---\n");
        line(
            &mut out,
            W,
            "HelmChart",
            chart["metadata"]["name"].as_str().unwrap_or(""),
        );
        metadata_line(&mut out, W, chart);
        line(&mut out, W, "Chart", chart["spec"]["chart"].as_str().unwrap_or(""));
        line(&mut out, W, "Version", chart["spec"]["version"].as_str().unwrap_or(""));
        if let Some(revision) = chart["status"]["artifact"]["revision"].as_str() {
            line(&mut out, W, "Revision", revision);
        }
        status_lines(&mut out, W, chart, false);
    }
    if let Some(source) = source {
        let kind = source["kind"].as_str().unwrap_or("");
        // Flux aligns the GitRepository block of a Helm trace one column narrower.
        let width = if kind == "GitRepository" { 15 } else { W };
        out.push_str("---\n");
        line(&mut out, width, kind, source["metadata"]["name"].as_str().unwrap_or(""));
        metadata_line(&mut out, width, source);
        line(&mut out, width, "URL", source["spec"]["url"].as_str().unwrap_or(""));
        if kind == "GitRepository" && source["spec"]["ref"].is_object() {
            reference_line(&mut out, width, &source["spec"]["ref"], false);
        }
        if let Some(revision) = source["status"]["artifact"]["revision"].as_str() {
            line(&mut out, width, "Revision", revision);
        }
        status_lines(&mut out, width, source, kind == "GitRepository");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_print_as_go_prints_them() {
        assert_eq!(go_time("2024-01-02T03:04:05Z"), "2024-01-02 03:04:05 +0000 UTC");
        assert_eq!(go_time("2024-01-02T03:04:05+02:00"), "2024-01-02 03:04:05 +0200");
    }

    #[test]
    fn labels_name_the_manager() {
        let obj = json!({"metadata": {"labels": {
            "kustomize.toolkit.fluxcd.io/name": "apps",
            "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}}});
        assert_eq!(
            manager_from_labels(&obj),
            Some(Manager::Kustomization {
                namespace: "flux-system".into(),
                name: "apps".into()
            })
        );
        assert_eq!(manager_from_labels(&json!({"metadata": {}})), None);
    }

    #[test]
    fn dynamic_words() {
        let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            parse_dynamic(&words("deployment/app cm/x")).unwrap(),
            vec![("deployment".into(), "app".into()), ("cm".into(), "x".into())]
        );
        assert_eq!(
            parse_dynamic(&words("deployment app")).unwrap(),
            vec![("deployment".into(), "app".into())]
        );
        assert!(parse_dynamic(&words("app")).is_err());
    }
}
