//! `rflux reconcile`, `suspend` and `resume`: request a reconcile through the
//! `reconcile.fluxcd.io/requestedAt` annotation and wait until the controller has handled it
//! (`status.lastHandledReconcileAt`) and the object is Ready or failed. When no controller
//! answers within a short grace period and none is found running, say so instead of waiting.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Result, anyhow, bail};
use kube::api::{DynamicObject, Patch, PatchParams};
use rflux_api::annotations;
use serde_json::json;
use tokio::time::Instant;

use super::connect::describe;
use super::kinds::{FluxKind, Summary, parse_target};
use super::{ReconcileArgs, SuspendArgs, install, output};

/// How long to wait for a first sign of a controller before looking for one.
fn grace() -> Duration {
    std::env::var("RFLUX_CONTROLLER_GRACE")
        .ok()
        .and_then(|v| rflux_api::parse_duration(&v).ok())
        .unwrap_or(Duration::from_secs(5))
}

/// The request token flux writes: the current time, RFC 3339 with nanoseconds.
fn request_token() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let base = rflux_api::time::rfc3339_from_unix(now.as_secs());
    format!("{}.{:09}Z", base.trim_end_matches('Z'), now.subsec_nanos())
}

pub async fn run(args: ReconcileArgs) -> Result<()> {
    let target = parse_target(&args.target, false)?;
    let kind = target.kinds[0];
    let Some(name) = target.name.clone() else {
        bail!("missing name: rflux reconcile {} NAME", args.target.join(" "));
    };
    if (args.force || args.reset) && kind != FluxKind::HelmRelease {
        bail!("--force and --reset apply to helmreleases only");
    }
    let timeout = args.conn.timeout()?;
    let client = args.conn.client().await?;
    let ns = args.conn.namespace.clone();
    let obj = kind.get(&client, &ns, &name).await?;
    if kind.summary(&obj)?.suspended {
        bail!("{} {ns}/{name} is suspended; run `rflux resume` first", kind.kind());
    }
    if args.with_source
        && let Some((source_kind, source_ns, source_name)) = source_of(kind, &obj, &ns)?
    {
        let source = source_kind.get(&client, &source_ns, &source_name).await?;
        if source_kind.summary(&source)?.suspended {
            bail!("{} {source_ns}/{source_name} is suspended", source_kind.kind());
        }
        request_and_wait(&client, source_kind, &source_ns, &source_name, &[], timeout).await?;
    }
    let mut extra = Vec::new();
    if args.force {
        extra.push(annotations::RECONCILE_FORCE_AT);
    }
    if args.reset {
        extra.push(annotations::RECONCILE_RESET_AT);
    }
    request_and_wait(&client, kind, &ns, &name, &extra, timeout).await
}

/// The source an object reconciles from: `spec.sourceRef` of a Kustomization; for a
/// HelmRelease its `chartRef`, or the HelmChart the controller made from `spec.chart`.
fn source_of(kind: FluxKind, obj: &DynamicObject, ns: &str) -> Result<Option<(FluxKind, String, String)>> {
    let data = &obj.data;
    let pick = |r: &serde_json::Value| -> Result<(FluxKind, String, String)> {
        let k = r.get("kind").and_then(|v| v.as_str()).unwrap_or_default();
        let source_kind = FluxKind::from_kind_name(k)
            .filter(|k| k.is_source())
            .ok_or_else(|| anyhow!("source kind {k:?} is not supported by rflux"))?;
        let name = r.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let namespace = r.get("namespace").and_then(|v| v.as_str()).unwrap_or(ns).to_string();
        Ok((source_kind, namespace, name))
    };
    match kind {
        FluxKind::Kustomization => data.pointer("/spec/sourceRef").map(pick).transpose(),
        FluxKind::HelmRelease => {
            if let Some(r) = data.pointer("/spec/chartRef") {
                return pick(r).map(Some);
            }
            let Some(r) = data.pointer("/spec/chart/spec/sourceRef") else {
                return Ok(None);
            };
            let source_ns = r.get("namespace").and_then(|v| v.as_str()).unwrap_or(ns).to_string();
            let name = obj.metadata.name.clone().unwrap_or_default();
            Ok(Some((FluxKind::HelmChart, source_ns, format!("{ns}-{name}"))))
        }
        _ => Ok(None),
    }
}

/// Annotates the object with a new request and waits for the outcome.
async fn request_and_wait(
    client: &kube::Client,
    kind: FluxKind,
    ns: &str,
    name: &str,
    extra: &[&str],
    timeout: Duration,
) -> Result<()> {
    let token = request_token();
    output::action(format!("annotating {} {name} in {ns} namespace", kind.kind()));
    let mut annotations_patch = serde_json::Map::new();
    annotations_patch.insert(annotations::RECONCILE_REQUESTED_AT.into(), json!(token));
    for key in extra {
        annotations_patch.insert((*key).into(), json!(token));
    }
    let patch = json!({ "metadata": { "annotations": annotations_patch } });
    let api = kind.api(client, Some(ns));
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map_err(|e| anyhow!("cannot annotate {} {ns}/{name}: {}", kind.kind(), describe(&e)))?;
    output::success(format!("{} annotated", kind.kind()));
    wait_for_outcome(client, kind, ns, name, &token, timeout).await
}

/// Waits until `lastHandledReconcileAt` is `token` and the object is Ready or failed.
pub async fn wait_for_outcome(
    client: &kube::Client,
    kind: FluxKind,
    ns: &str,
    name: &str,
    token: &str,
    timeout: Duration,
) -> Result<()> {
    output::waiting(format!("waiting for {} reconciliation", kind.kind()));
    let start = Instant::now();
    let deadline = start + timeout;
    let grace_end = start + grace();
    let mut controller_checked = false;
    loop {
        let obj = kind.get(client, ns, name).await?;
        let s = kind.summary(&obj)?;
        let handled = s.last_handled_reconcile_at.as_deref() == Some(token);
        if handled && let Some(outcome) = outcome(&s) {
            return match outcome {
                Ok(()) => {
                    output::success(format!("{} reconciliation completed", kind.kind()));
                    if !s.revision.is_empty() {
                        output::success(format!("{} revision {}", kind.revision_verb(), s.revision));
                    }
                    Ok(())
                }
                Err(message) => Err(anyhow!("{} reconciliation failed: {message}", kind.kind())),
            };
        }
        let now = Instant::now();
        if !handled && !controller_checked && now >= grace_end {
            controller_checked = true;
            if let Some(why) = install::controller_missing(client).await {
                bail!(
                    "no controller handled the request for {} {ns}/{name} within {}: {why}",
                    kind.kind(),
                    rflux_api::format_duration(grace())
                );
            }
        }
        if now >= deadline {
            bail!(
                "timeout waiting for {} {ns}/{name} reconciliation after {} ({})",
                kind.kind(),
                rflux_api::format_duration(timeout),
                if handled {
                    s.message.as_str()
                } else {
                    "request not handled yet"
                }
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Ready (for this generation) or failed; None while still in progress.
fn outcome(s: &Summary) -> Option<Result<(), String>> {
    if s.stalled {
        return Some(Err(s.message.clone()));
    }
    if s.reconciling || !s.has_ready {
        return None;
    }
    let current = s.generation.is_none() || s.observed_generation == s.generation;
    match s.ready.as_str() {
        "True" if current => Some(Ok(())),
        "False" => Some(Err(s.message.clone())),
        _ => None,
    }
}

/// `rflux suspend` (`resume` false) and `rflux resume` (`resume` true).
pub async fn suspend(args: SuspendArgs, resume: bool) -> Result<()> {
    let target = parse_target(&args.target, false)?;
    let kind = target.kinds[0];
    let verb = if resume { "resum" } else { "suspend" };
    let client = args.conn.client().await?;
    let ns = args.conn.namespace.clone();
    let timeout = args.conn.timeout()?;
    let names: Vec<String> = match (&target.name, args.all) {
        (Some(name), false) => vec![name.clone()],
        (None, true) => kind
            .list(&client, Some(&ns))
            .await?
            .into_iter()
            .filter_map(|o| o.metadata.name)
            .collect(),
        (Some(_), true) => bail!("give a name or --all, not both"),
        (None, false) => bail!(
            "missing name (or --all): rflux {} {} NAME",
            if resume { "resume" } else { "suspend" },
            args.target.join(" ")
        ),
    };
    if names.is_empty() {
        output::failure(format!("no {} objects found in {ns:?} namespace", kind.kind()));
        return Ok(());
    }
    let api = kind.api(&client, Some(&ns));
    let mut tokens = Vec::new();
    for name in &names {
        kind.get(&client, &ns, name).await?;
        output::action(format!(
            "{verb}ing {} {name} in {ns} namespace",
            kind.kind().to_ascii_lowercase()
        ));
        let token = request_token();
        let patch = if resume {
            json!({ "spec": { "suspend": false },
                    "metadata": { "annotations": { annotations::RECONCILE_REQUESTED_AT: token } } })
        } else {
            json!({ "spec": { "suspend": true } })
        };
        api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map_err(|e| anyhow!("cannot {verb} {} {ns}/{name}: {}", kind.kind(), describe(&e)))?;
        output::success(format!("{} {verb}ed", kind.kind().to_ascii_lowercase()));
        tokens.push((name.clone(), token));
    }
    if resume && args.wait {
        for (name, token) in tokens {
            wait_for_outcome(&client, kind, &ns, &name, &token, timeout).await?;
        }
    }
    Ok(())
}
