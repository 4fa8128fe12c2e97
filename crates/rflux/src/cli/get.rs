//! `rflux get`: flux's tables of sources, Kustomizations and HelmReleases; `-w` prints rows
//! as objects change; `--status-selector` filters on a condition.

use anyhow::{Result, bail};
use futures::{StreamExt, TryStreamExt};
use kube::api::{DynamicObject, WatchEvent, WatchParams};

use super::GetArgs;
use super::kinds::{FluxKind, Summary, api_error, parse_target};
use super::{output, table};

/// `type=status`, e.g. `ready=false`.
struct StatusSelector {
    condition: String,
    status: String,
}

impl StatusSelector {
    fn parse(text: &str) -> Result<StatusSelector> {
        let Some((condition, status)) = text.split_once('=') else {
            bail!("--status-selector {text:?}: expected CONDITION=STATUS, e.g. ready=false");
        };
        Ok(StatusSelector {
            condition: condition.trim().to_ascii_lowercase(),
            status: status.trim().to_ascii_lowercase(),
        })
    }

    fn matches(&self, obj: &DynamicObject) -> bool {
        let conditions = obj.data.pointer("/status/conditions").and_then(|c| c.as_array());
        let found = conditions.into_iter().flatten().find(|c| {
            c.get("type")
                .and_then(|t| t.as_str())
                .is_some_and(|t| t.eq_ignore_ascii_case(&self.condition))
        });
        match found.and_then(|c| c.get("status")).and_then(|s| s.as_str()) {
            Some(status) => status.eq_ignore_ascii_case(&self.status),
            // No Ready condition yet counts as ready=false, as flux shows it.
            None => self.condition == "ready" && self.status == "false",
        }
    }
}

fn headers(all_namespaces: bool) -> Vec<&'static str> {
    let mut h = vec!["NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"];
    if all_namespaces {
        h.insert(0, "NAMESPACE");
    }
    h
}

fn row(kind: FluxKind, s: &Summary, all_namespaces: bool, prefixed: bool) -> Vec<String> {
    let name = if prefixed {
        format!("{}/{}", kind.kind().to_ascii_lowercase(), s.name)
    } else {
        s.name.clone()
    };
    let mut r = vec![
        name,
        s.revision.clone(),
        if s.suspended { "True" } else { "False" }.to_string(),
        s.ready.clone(),
        s.message.clone(),
    ];
    if all_namespaces {
        r.insert(0, s.namespace.clone());
    }
    r
}

pub async fn run(args: GetArgs) -> Result<()> {
    let target = parse_target(&args.target, true)?;
    let selector = args.status_selector.as_deref().map(StatusSelector::parse).transpose()?;
    let timeout = args.conn.timeout()?;
    let client = args.conn.client().await?;
    let all_ns = args.conn.all_namespaces;
    let namespace = args.conn.list_namespace();
    if args.watch {
        if target.kinds.len() != 1 {
            bail!("-w watches one kind at a time");
        }
        return watch(
            &client,
            target.kinds[0],
            namespace,
            all_ns,
            target.name.as_deref(),
            &selector,
            timeout,
        )
        .await;
    }
    let mut printed_any = false;
    for kind in &target.kinds {
        let objects = match &target.name {
            Some(name) => vec![kind.get(&client, &args.conn.namespace, name).await?],
            None => match kind.list(&client, namespace).await {
                Ok(objects) => objects,
                // `get all` skips kinds whose API is missing.
                Err(_) if target.many => continue,
                Err(e) => return Err(e),
            },
        };
        let mut rows = Vec::new();
        for obj in objects
            .iter()
            .filter(|o| selector.as_ref().is_none_or(|s| s.matches(o)))
        {
            rows.push(row(*kind, &kind.summary(obj)?, all_ns, target.many));
        }
        if rows.is_empty() {
            if !target.many {
                let scope = namespace.map_or("any".to_string(), |n| format!("{n:?}"));
                output::failure(format!("no {} objects found in {scope} namespace", kind.kind()));
            }
            continue;
        }
        if printed_any {
            println!();
        }
        print!("{}", table::render(&headers(all_ns), &rows, !args.no_header));
        printed_any = true;
    }
    Ok(())
}

async fn watch(
    client: &kube::Client,
    kind: FluxKind,
    namespace: Option<&str>,
    all_ns: bool,
    name: Option<&str>,
    selector: &Option<StatusSelector>,
    timeout: std::time::Duration,
) -> Result<()> {
    let api = kind.api(client, namespace);
    let mut params = WatchParams::default();
    if let Some(name) = name {
        params = params.fields(&format!("metadata.name={name}"));
    }
    let stream = api.watch(&params, "0").await.map_err(|e| api_error(kind, &e))?;
    let mut stream = stream.boxed();
    let headers = headers(all_ns);
    // Column widths of a single row: header and rows are printed as they come.
    let mut printed_header = false;
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let next = tokio::time::timeout_at(deadline, stream.try_next()).await;
        let event = match next {
            Err(_) => return Ok(()),
            Ok(Ok(None)) => return Ok(()),
            Ok(Err(e)) => bail!("watch of {} failed: {e}", kind.kind()),
            Ok(Ok(Some(event))) => event,
        };
        let obj = match event {
            WatchEvent::Added(o) | WatchEvent::Modified(o) => o,
            WatchEvent::Deleted(_) | WatchEvent::Bookmark(_) => continue,
            WatchEvent::Error(e) => bail!("watch of {} failed: {}", kind.kind(), e.message),
        };
        if selector.as_ref().is_some_and(|s| !s.matches(&obj)) {
            continue;
        }
        let r = row(kind, &kind.summary(&obj)?, all_ns, false);
        let text = table::render(&headers, std::slice::from_ref(&r), !printed_header);
        print!("{text}");
        printed_header = true;
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }
}
