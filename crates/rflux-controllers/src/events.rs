//! Kubernetes Events about Flux objects, with Flux's reasons and reporting controller names
//! (`source-controller`, `kustomize-controller`), so `kubectl events` and `rflux events` read
//! as they do with Flux.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::{Client, Resource};

/// Distinct (reason, message) recorders kept before the map starts over.
const MAX_RECORDERS: usize = 512;

/// Publishes events for one controller.
#[derive(Clone)]
pub struct Events {
    client: Client,
    reporter: Reporter,
    /// kube's recorder folds every event with the same object and reason into one series and
    /// keeps the first message, so a new message would be lost. One recorder per reason and
    /// message keeps each message, and repeats of the same message still count up as
    /// Kubernetes aggregates them.
    recorders: Arc<Mutex<HashMap<(String, String), Recorder>>>,
}

impl Events {
    pub fn new(client: Client, controller: &str) -> Self {
        let reporter = Reporter {
            controller: controller.to_string(),
            instance: std::env::var("POD_NAME").ok(),
        };
        Events {
            client,
            reporter,
            recorders: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn recorder_for(&self, reason: &str, message: &str) -> Recorder {
        let mut recorders = self.recorders.lock().unwrap_or_else(|p| p.into_inner());
        let key = (reason.to_string(), message.to_string());
        if recorders.len() >= MAX_RECORDERS && !recorders.contains_key(&key) {
            recorders.clear();
        }
        recorders
            .entry(key)
            .or_insert_with(|| Recorder::new(self.client.clone(), self.reporter.clone()))
            .clone()
    }

    /// A Normal event.
    pub async fn normal<K: Resource<DynamicType = ()>>(&self, object: &K, reason: &str, message: &str) {
        self.publish(object, EventType::Normal, reason, message).await;
    }

    /// A Warning event.
    pub async fn warning<K: Resource<DynamicType = ()>>(&self, object: &K, reason: &str, message: &str) {
        self.publish(object, EventType::Warning, reason, message).await;
    }

    async fn publish<K: Resource<DynamicType = ()>>(&self, object: &K, type_: EventType, reason: &str, message: &str) {
        let event = Event {
            type_,
            reason: reason.to_string(),
            // Events keep at most 1 kB of note.
            note: Some(truncate(message, 1024)),
            action: reason.to_string(),
            secondary: None,
        };
        let recorder = self.recorder_for(reason, message);
        if let Err(e) = recorder.publish(&event, &object.object_ref(&())).await {
            tracing::debug!(error = %e, reason, "could not record an event");
        }
    }
}

fn truncate(message: &str, max: usize) -> String {
    if message.len() <= max {
        return message.to_string();
    }
    let mut end = max;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    message[..end].to_string()
}
