//! Runs one reconciler: watches its kind into an in-memory store, decides which changes need a
//! reconcile (a new object, a new generation, a `reconcile.fluxcd.io/requestedAt` request, a
//! deletion), feeds the work queue, and drives `--concurrent` workers over it. Every change is
//! also published on a broadcast channel so other reconcilers can react (a new artifact, a
//! dependency turning Ready).

use std::collections::HashMap;
use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::metrics::Metrics;
use crate::queue::{ObjectKey, WorkQueue};

/// What a reconcile asks for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeue {
    /// Run again after this long (the interval, or the retry interval after a failure).
    After(Duration),
    /// Do not schedule again; only a change to the object brings it back.
    Never,
}

/// One controller's logic for one kind.
pub trait Reconciler: Send + Sync + 'static {
    type Object: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static;

    /// Kind name used in logs and metrics.
    const KIND: &'static str;

    /// Brings the cluster in line with `object` and records the outcome in its status.
    fn reconcile(&self, object: Arc<Self::Object>) -> impl Future<Output = Requeue> + Send;
}

/// The handles of a running reconciler.
pub struct Running<K: Resource<DynamicType = ()> + Clone + 'static> {
    /// Everything of the kind, as last seen.
    pub store: Store<K>,
    /// Where triggers go.
    pub queue: WorkQueue,
    /// Each changed object, for other reconcilers' triggers.
    pub changes: broadcast::Sender<Arc<K>>,
    pub tasks: Vec<JoinHandle<()>>,
}

impl<K: Resource<DynamicType = ()> + Clone + 'static> Running<K> {
    pub fn abort(&self) {
        self.queue.close();
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// What the watch remembers of an object to decide whether a change needs a reconcile.
#[derive(PartialEq, Eq)]
struct Trigger {
    generation: Option<i64>,
    requested_at: Option<String>,
    deleting: bool,
}

fn trigger_of<K: Resource>(object: &K) -> Trigger {
    let meta = object.meta();
    Trigger {
        generation: meta.generation,
        requested_at: crate::status::requested_at(object),
        deleting: meta.deletion_timestamp.is_some(),
    }
}

/// Follows `changes` until its sender is gone: for each changed object, enqueues what
/// `dependents` returns; when the receiver lagged and changes were missed, enqueues what
/// `on_lag` returns.
pub async fn follow<S>(
    mut changes: tokio::sync::broadcast::Receiver<Arc<S>>,
    queue: WorkQueue,
    mut dependents: impl FnMut(&S) -> Vec<ObjectKey>,
    on_lag: impl Fn() -> Vec<ObjectKey>,
) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        let keys = match changes.recv().await {
            Ok(changed) => dependents(&changed),
            Err(RecvError::Lagged(_)) => on_lag(),
            Err(RecvError::Closed) => return,
        };
        for key in keys {
            queue.enqueue(key);
        }
    }
}

pub fn key_of<K: Resource>(object: &K) -> ObjectKey {
    ObjectKey::new(object.namespace().unwrap_or_default(), object.name_any())
}

/// Starts watching and reconciling `R::Object` in all namespaces.
pub fn spawn<R: Reconciler>(
    client: Client,
    reconciler: Arc<R>,
    concurrency: usize,
    metrics: Metrics,
) -> Running<R::Object> {
    let (store, writer) = reflector::store();
    let queue = WorkQueue::new();
    let (changes, _) = broadcast::channel(1024);
    let api: Api<R::Object> = Api::all(client);
    let watch = {
        let queue = queue.clone();
        let changes = changes.clone();
        async move {
            let mut seen: HashMap<ObjectKey, Trigger> = HashMap::new();
            let stream = reflector::reflector(writer, watcher::watcher(api, watcher::Config::default()));
            futures::pin_mut!(stream);
            while let Some(event) = stream.next().await {
                match event {
                    Ok(Event::Apply(object)) | Ok(Event::InitApply(object)) => {
                        let key = key_of(&object);
                        let trigger = trigger_of(&object);
                        if seen.get(&key) != Some(&trigger) {
                            seen.insert(key.clone(), trigger);
                            queue.enqueue(key);
                        }
                        let _ = changes.send(Arc::new(object));
                    }
                    Ok(Event::Delete(object)) => {
                        let key = key_of(&object);
                        seen.remove(&key);
                        queue.forget(&key);
                        let _ = changes.send(Arc::new(object));
                    }
                    Ok(Event::Init) | Ok(Event::InitDone) => {}
                    Err(e) => {
                        tracing::warn!(kind = R::KIND, error = %e, "watch failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        }
    };
    let mut tasks = vec![tokio::spawn(watch)];
    for _ in 0..concurrency.max(1) {
        let queue = queue.clone();
        let store = store.clone();
        let reconciler = reconciler.clone();
        let metrics = metrics.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(key) = queue.next().await {
                let object = store.get(&reflector::ObjectRef::new(&key.name).within(&key.namespace));
                let requeue = match object {
                    Some(object) => {
                        let started = Instant::now();
                        let requeue = reconciler.reconcile(object).await;
                        metrics.observe_reconcile(R::KIND, &key.namespace, &key.name, started.elapsed());
                        match requeue {
                            Requeue::After(delay) => Some(delay),
                            Requeue::Never => None,
                        }
                    }
                    None => None,
                };
                queue.done(key, requeue);
            }
        }));
    }
    Running {
        store,
        queue,
        changes,
        tasks,
    }
}

/// `interval` with ±5% jitter, so objects created together do not reconcile in lockstep.
pub fn jitter(interval: Duration) -> Duration {
    use rand::Rng;
    let factor: f64 = rand::rng().random_range(0.95..1.05);
    interval.mul_f64(factor)
}
