//! `rflux events`: the Kubernetes events of a namespace, newest last, optionally only those
//! about one object (`--for Kustomization/apps`).

use anyhow::{Result, anyhow, bail};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use serde_json::Value;

use super::connect::describe;
use super::kinds::FluxKind;
use super::{EventsArgs, table};

fn age(timestamp: &str) -> String {
    let Some(then) = rflux_api::time::unix_from_rfc3339(timestamp) else {
        return "<unknown>".into();
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let secs = now.saturating_sub(then);
    match secs {
        0..120 => format!("{secs}s"),
        120..7200 => format!("{}m", secs / 60),
        7200..172_800 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

pub async fn run(args: EventsArgs) -> Result<()> {
    let filter = match &args.for_object {
        Some(spec) => {
            let Some((kind, name)) = spec.split_once('/') else {
                bail!("--for {spec:?}: expected Kind/name");
            };
            let kind = FluxKind::from_kind_name(kind)
                .map(|k| k.kind().to_string())
                .unwrap_or_else(|| kind.to_string());
            Some((kind, name.to_string()))
        }
        None => None,
    };
    let client = args.conn.client().await?;
    let ar = ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("", "v1", "Event"), "events");
    let api: Api<DynamicObject> = match args.conn.list_namespace() {
        Some(ns) => Api::namespaced_with(client, ns, &ar),
        None => Api::all_with(client, &ar),
    };
    let list = api
        .list(&Default::default())
        .await
        .map_err(|e| anyhow!("cannot list events: {}", describe(&e)))?;
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    for event in list.items {
        let d = serde_json::to_value(&event)?;
        let (kind, name) = (text(&d, "/involvedObject/kind"), text(&d, "/involvedObject/name"));
        if let Some((k, n)) = &filter
            && (!k.eq_ignore_ascii_case(kind) || n != name)
        {
            continue;
        }
        let when = [
            text(&d, "/lastTimestamp"),
            text(&d, "/eventTime"),
            text(&d, "/firstTimestamp"),
        ]
        .into_iter()
        .find(|t| !t.is_empty())
        .unwrap_or(text(&d, "/metadata/creationTimestamp"))
        .to_string();
        let mut row = vec![
            age(&when),
            text(&d, "/type").to_string(),
            text(&d, "/reason").to_string(),
            format!("{kind}/{name}"),
            text(&d, "/message").trim().to_string(),
        ];
        if args.conn.all_namespaces {
            row.insert(0, text(&d, "/metadata/namespace").to_string());
        }
        rows.push((when, row));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    if rows.is_empty() {
        super::output::failure("no events found");
        return Ok(());
    }
    let mut headers = vec!["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"];
    if args.conn.all_namespaces {
        headers.insert(0, "NAMESPACE");
    }
    let rows: Vec<Vec<String>> = rows.into_iter().map(|(_, r)| r).collect();
    print!("{}", table::render(&headers, &rows, true));
    Ok(())
}
