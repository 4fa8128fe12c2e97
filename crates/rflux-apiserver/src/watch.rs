//! Watch streams: initial state or replay from a resourceVersion, then live changes, with
//! selector transitions (objects entering or leaving a selector), bookmarks, timeouts and
//! in-stream 410 Expired errors.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use crate::api::{Api, Target};
use crate::error::{ApiError, ApiResult};
use crate::selector::{FieldSelector, LabelSelector};
use crate::store::{Event, EventType};
use crate::table;

/// Options of a watch request.
#[derive(Debug, Clone, Default)]
pub struct WatchOptions {
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub resource_version: Option<String>,
    pub resource_version_match: Option<String>,
    pub timeout: Option<Duration>,
    pub bookmarks: bool,
    pub send_initial_events: bool,
    pub as_table: bool,
}

struct Watcher {
    api: Arc<Api>,
    target: Target,
    labels: LabelSelector,
    fields: FieldSelector,
    prefix: String,
    as_table: bool,
    tx: mpsc::Sender<Bytes>,
}

/// How the watch starts.
enum Start {
    /// Send the current objects as ADDED, then changes after `rev`.
    Snapshot { initial_end_bookmark: bool },
    /// Replay changes after this revision.
    After(u64),
}

impl Watcher {
    fn matches(&self, obj: &Value) -> bool {
        self.labels.matches(obj) && self.fields.matches(obj)
    }

    fn present(&self, obj: &Value) -> Value {
        let obj = self.api.present(&self.target.rt, &self.target.version, obj);
        if self.as_table {
            table::table(&self.target.rt, &self.target.version, &[obj], None, None)
        } else {
            obj
        }
    }

    async fn send(&self, ty: &str, object: Value) -> bool {
        let mut line = serde_json::to_vec(&json!({"type": ty, "object": object})).unwrap_or_default();
        line.push(b'\n');
        self.tx.send(Bytes::from(line)).await.is_ok()
    }

    async fn send_error(&self, err: &ApiError) {
        self.send("ERROR", err.to_status()).await;
    }

    async fn bookmark(&self, rev: u64, initial_end: bool) -> bool {
        let mut metadata = json!({"resourceVersion": rev.to_string()});
        if initial_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let object = json!({
            "kind": self.target.rt.kind,
            "apiVersion": self.target.rt.api_version(&self.target.version),
            "metadata": metadata,
        });
        self.send("BOOKMARK", object).await
    }

    /// Sends what one committed change means to this watcher. Returns false when the client left.
    async fn deliver(&self, event: &Event) -> bool {
        if !event.key.starts_with(&self.prefix) {
            return true;
        }
        let now = self.matches(&event.obj);
        let selective = !self.labels.is_empty() || !self.fields.is_empty();
        let before = match (&event.prev, event.ty) {
            (_, EventType::Added) => false,
            (Some(prev), _) => self.matches(prev),
            (None, EventType::Deleted) => now,
            (None, _) if !selective => true,
            (None, _) => match self.api.store.value_before(&event.key, event.rev) {
                Ok(Some(prev)) => self.matches(&prev),
                _ => false,
            },
        };
        let ty = match event.ty {
            EventType::Deleted if before || now => "DELETED",
            EventType::Deleted => return true,
            _ if now && before => "MODIFIED",
            _ if now => "ADDED",
            _ if before => "DELETED",
            _ => return true,
        };
        self.send(ty, self.present(&event.obj)).await
    }

    async fn run(self, start: Start, opts: WatchOptions) {
        let deadline = opts.timeout.map(|t| tokio::time::Instant::now() + t);
        let (mut last_rev, mut rx) = match start {
            Start::Snapshot { initial_end_bookmark } => {
                let (rev, objects, rx) = self.api.store.snapshot_and_subscribe(&self.prefix);
                for entry in objects {
                    if self.matches(&entry.obj) && !self.send("ADDED", self.present(&entry.obj)).await {
                        return;
                    }
                }
                if initial_end_bookmark && !self.bookmark(rev, true).await {
                    return;
                }
                (rev, rx)
            }
            Start::After(after) => {
                let (rev, rx) = self.api.store.subscribe();
                match self.api.store.replay(&self.prefix, after, rev) {
                    Ok(events) => {
                        for e in events {
                            if !self.deliver(&e).await {
                                return;
                            }
                        }
                    }
                    Err(err) => {
                        self.send_error(&err).await;
                        return;
                    }
                }
                (rev, rx)
            }
        };
        let mut ticker = tokio::time::interval(Duration::from_secs(5));
        ticker.tick().await;
        loop {
            let sleep_until = deadline.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                received = rx.recv() => match received {
                    Ok(event) => {
                        if event.rev <= last_rev {
                            continue;
                        }
                        last_rev = event.rev;
                        if !self.deliver(&event).await {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        self.send_error(&ApiError::expired(format!("too old resource version: {last_rev}"))).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = ticker.tick(), if opts.bookmarks => {
                    if !self.bookmark(last_rev, false).await {
                        return;
                    }
                }
                _ = tokio::time::sleep_until(sleep_until) => {
                    if deadline.is_some() {
                        return;
                    }
                }
                _ = self.tx.closed() => return,
            }
        }
    }
}

/// Starts a watch; the receiver yields newline-delimited JSON events.
pub fn start(api: Arc<Api>, target: Target, opts: WatchOptions) -> ApiResult<mpsc::Receiver<Bytes>> {
    let labels = LabelSelector::parse(opts.label_selector.as_deref().unwrap_or(""))?;
    let mut field_selector = opts.field_selector.clone().unwrap_or_default();
    if let Some(name) = &target.name {
        if !field_selector.is_empty() {
            field_selector.push(',');
        }
        field_selector.push_str(&format!("metadata.name={name}"));
    }
    let fields = FieldSelector::parse(&field_selector, &target.rt.group, &target.rt.kind)?;
    let rv = opts.resource_version.clone().unwrap_or_default();
    let start = if opts.send_initial_events {
        if opts.resource_version_match.as_deref() != Some("NotOlderThan") {
            return Err(ApiError::invalid(
                "meta.k8s.io",
                "ListOptions",
                "",
                vec![crate::error::Cause::new(
                    "FieldValueForbidden",
                    "Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan",
                    "sendInitialEvents",
                )],
            ));
        }
        Start::Snapshot {
            initial_end_bookmark: true,
        }
    } else if rv.is_empty() || rv == "0" {
        Start::Snapshot {
            initial_end_bookmark: false,
        }
    } else {
        let after: u64 = rv
            .parse()
            .map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv}")))?;
        Start::After(after)
    };
    let mut prefix = target.rt.key_prefix();
    if target.rt.namespaced
        && let Some(ns) = &target.namespace
    {
        prefix.push_str(ns);
        prefix.push('/');
    }
    let (tx, rx) = mpsc::channel(256);
    let watcher = Watcher {
        api,
        target,
        labels,
        fields,
        prefix,
        as_table: opts.as_table,
        tx,
    };
    tokio::spawn(watcher.run(start, opts));
    Ok(rx)
}
