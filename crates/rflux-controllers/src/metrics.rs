//! Prometheus metrics under Flux's names, and the HTTP endpoint that serves them with
//! `/healthz` and `/readyz`.
//!
//! - `gotk_reconcile_duration_seconds` (histogram; kind, name, namespace)
//! - `gotk_resource_info` (gauge = 1; customresource_kind, name, exported_namespace, ready,
//!   suspended, revision), one series per object, replaced when its state changes.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReconcileLabels {
    kind: String,
    name: String,
    namespace: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResourceInfoLabels {
    customresource_kind: String,
    name: String,
    exported_namespace: String,
    ready: String,
    suspended: String,
    revision: String,
}

/// The state of one object as `gotk_resource_info` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceInfo {
    pub ready: String,
    pub suspended: bool,
    pub revision: String,
}

impl ResourceInfo {
    /// The info of an object with these conditions (`ready` is its Ready status, or
    /// `Unknown` without one).
    pub fn of(conditions: &[rflux_api::types::Condition], suspended: bool, revision: String) -> ResourceInfo {
        let ready = rflux_api::conditions::get(conditions, rflux_api::conditions::READY)
            .map(|c| c.status.to_string())
            .unwrap_or_else(|| "Unknown".to_string());
        ResourceInfo {
            ready,
            suspended,
            revision,
        }
    }
}

struct Inner {
    registry: Registry,
    durations: Family<ReconcileLabels, Histogram>,
    info: Family<ResourceInfoLabels, Gauge>,
    /// Current info series per (kind, namespace, name), to drop the old one on change.
    info_current: Mutex<HashMap<(String, String, String), ResourceInfoLabels>>,
    ready: AtomicBool,
}

/// Shared handle on the controller's metrics.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let durations = Family::<ReconcileLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0])
        });
        registry.register(
            "gotk_reconcile_duration_seconds",
            "The duration in seconds of a GitOps Toolkit resource reconciliation.",
            durations.clone(),
        );
        let info = Family::<ResourceInfoLabels, Gauge>::default();
        registry.register(
            "gotk_resource_info",
            "The current state of a Flux resource.",
            info.clone(),
        );
        Metrics {
            inner: Arc::new(Inner {
                registry,
                durations,
                info,
                info_current: Mutex::new(HashMap::new()),
                ready: AtomicBool::new(false),
            }),
        }
    }

    pub fn observe_reconcile(&self, kind: &str, namespace: &str, name: &str, took: Duration) {
        let labels = ReconcileLabels {
            kind: kind.to_string(),
            name: name.to_string(),
            namespace: namespace.to_string(),
        };
        self.inner.durations.get_or_create(&labels).observe(took.as_secs_f64());
    }

    /// Records the state of an object (after each reconcile).
    pub fn record_info(&self, kind: &str, namespace: &str, name: &str, info: &ResourceInfo) {
        let labels = ResourceInfoLabels {
            customresource_kind: kind.to_string(),
            name: name.to_string(),
            exported_namespace: namespace.to_string(),
            ready: info.ready.clone(),
            suspended: info.suspended.to_string(),
            revision: info.revision.clone(),
        };
        let key = (kind.to_string(), namespace.to_string(), name.to_string());
        let mut current = self.inner.info_current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = current.insert(key, labels.clone())
            && old != labels
        {
            self.inner.info.remove(&old);
        }
        self.inner.info.get_or_create(&labels).set(1);
    }

    /// Drops an object's info series (the object is gone).
    pub fn forget_info(&self, kind: &str, namespace: &str, name: &str) {
        let key = (kind.to_string(), namespace.to_string(), name.to_string());
        let mut current = self.inner.info_current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = current.remove(&key) {
            self.inner.info.remove(&old);
        }
    }

    /// `/readyz` answers 200 from now on.
    pub fn set_ready(&self, ready: bool) {
        self.inner.ready.store(ready, Ordering::SeqCst);
    }

    /// The registry in the OpenMetrics text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.inner.registry).is_err() {
            out.clear();
        }
        out
    }

    /// `/metrics`, `/healthz` and `/readyz`.
    pub fn router(&self) -> Router {
        let metrics = self.clone();
        let ready = self.clone();
        Router::new()
            .route(
                "/metrics",
                get(move || {
                    let body = metrics.encode();
                    async move {
                        (
                            [(
                                header::CONTENT_TYPE,
                                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                            )],
                            body,
                        )
                    }
                }),
            )
            .route("/healthz", get(|| async { "ok" }))
            .route(
                "/readyz",
                get(move || {
                    let is_ready = ready.inner.ready.load(Ordering::SeqCst);
                    async move {
                        if is_ready {
                            (StatusCode::OK, "ok").into_response()
                        } else {
                            (StatusCode::SERVICE_UNAVAILABLE, "not ready").into_response()
                        }
                    }
                }),
            )
    }
}

/// Binds `addr` and serves `router` in a task.
pub async fn serve_router(
    router: Router,
    addr: SocketAddr,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let (listener, bound) = bind(addr).await?;
    Ok((bound, serve(listener, router)))
}

/// A listener on `addr` and the address it got (a port 0 becomes a free port).
pub async fn bind(addr: SocketAddr) -> std::io::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    Ok((listener, bound))
}

/// Serves `router` on `listener` in a task.
pub fn serve(listener: tokio::net::TcpListener, router: Router) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let address = listener.local_addr().ok();
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, address = ?address, "HTTP server stopped");
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_series_replacement() {
        let metrics = Metrics::new();
        metrics.observe_reconcile("GitRepository", "flux-system", "repo", Duration::from_millis(20));
        let info = ResourceInfo {
            ready: "False".into(),
            suspended: false,
            revision: String::new(),
        };
        metrics.record_info("GitRepository", "flux-system", "repo", &info);
        let ready = ResourceInfo {
            ready: "True".into(),
            revision: "main@sha1:abc".into(),
            ..info
        };
        metrics.record_info("GitRepository", "flux-system", "repo", &ready);
        let text = metrics.encode();
        assert!(text.contains("gotk_reconcile_duration_seconds_bucket{"), "{text}");
        assert!(text.contains("kind=\"GitRepository\""), "{text}");
        assert!(text.contains("ready=\"True\""), "{text}");
        assert!(!text.contains("ready=\"False\""), "old series dropped: {text}");
    }
}
