//! Waiting for objects to become ready: the cluster is polled and each object's kstatus
//! computed until all are `Current`, the timeout passes, or the caller's cancel future
//! completes (a new revision arrived and the wait can no longer succeed).

use std::fmt;
use std::future::Future;
use std::time::Duration;

use serde_json::Value;

use crate::apply::Applier;
use crate::discovery::DiscoveryError;
use crate::error::message_of;
use crate::kstatus::{self, Status};
use crate::object::ObjectRef;
use crate::rest::{self, Target};

/// How to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    pub timeout: Duration,
    /// How often to poll.
    pub interval: Duration,
}

impl WaitOptions {
    pub fn new(timeout: Duration, interval: Duration) -> WaitOptions {
        WaitOptions { timeout, interval }
    }
}

/// An object that was not ready when a wait ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotReady {
    pub object: ObjectRef,
    pub status: Status,
}

impl fmt::Display for NotReady {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} status: '{}'", self.object.subject(), self.status)
    }
}

fn list(objects: &[NotReady]) -> String {
    let parts: Vec<String> = objects.iter().map(ToString::to_string).collect();
    format!("[{}]", parts.join(", "))
}

/// Why a wait ended without every object ready. Each variant lists the objects that were
/// not ready, with their last status and its message.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WaitError {
    #[error("timeout waiting for: {}", list(.pending))]
    Timeout { pending: Vec<NotReady> },
    /// The caller's cancel future completed first.
    #[error("wait cancelled while waiting for: {}", list(.pending))]
    Cancelled { pending: Vec<NotReady> },
}

impl WaitError {
    /// The objects that were not ready.
    pub fn not_ready(&self) -> &[NotReady] {
        match self {
            WaitError::Timeout { pending } | WaitError::Cancelled { pending } => pending,
        }
    }

    /// One line per object with its status message (`Deployment/default/app: InProgress: Ready: 0/1`).
    pub fn details(&self) -> String {
        let lines: Vec<String> = self
            .not_ready()
            .iter()
            .map(|n| {
                let message = n.status.message();
                if message.is_empty() {
                    format!("{}: {}", n.object.subject(), n.status)
                } else {
                    format!("{}: {}: {message}", n.object.subject(), n.status)
                }
            })
            .collect();
        lines.join("\n")
    }
}

impl Applier {
    /// Waits until every object is `Current`, polling at the applier's interval.
    pub async fn wait(
        &self,
        objects: &[ObjectRef],
        timeout: Duration,
        cancel: impl Future<Output = ()>,
    ) -> Result<(), WaitError> {
        self.wait_with(objects, &WaitOptions::new(timeout, self.poll_interval), cancel)
            .await
    }

    /// Waits with explicit options.
    pub async fn wait_with(
        &self,
        objects: &[ObjectRef],
        opts: &WaitOptions,
        cancel: impl Future<Output = ()>,
    ) -> Result<(), WaitError> {
        let deadline = tokio::time::Instant::now() + opts.timeout;
        tokio::pin!(cancel);
        let mut pending: Vec<NotReady> = objects
            .iter()
            .map(|o| NotReady {
                object: o.clone(),
                status: Status::InProgress("status not yet known".into()),
            })
            .collect();
        loop {
            let round = tokio::select! {
                biased;
                () = &mut cancel => return Err(WaitError::Cancelled { pending }),
                round = self.not_ready(objects) => round,
            };
            pending = round;
            if pending.is_empty() {
                return Ok(());
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(WaitError::Timeout { pending });
            }
            let wake = (now + opts.interval).min(deadline);
            tokio::select! {
                biased;
                () = &mut cancel => return Err(WaitError::Cancelled { pending }),
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    /// The objects of `objects` that are not `Current` now (queried as many at a time as
    /// the applier's concurrency, reported in the order given).
    async fn not_ready(&self, objects: &[ObjectRef]) -> Vec<NotReady> {
        use futures::StreamExt;
        let statuses: Vec<(ObjectRef, Status)> = futures::stream::iter(objects.iter().cloned())
            .map(|object| async move {
                let status = self.status_of(&object).await;
                (object, status)
            })
            .buffered(self.concurrency)
            .collect()
            .await;
        statuses
            .into_iter()
            .filter(|(_, status)| !status.is_current())
            .map(|(object, status)| NotReady { object, status })
            .collect()
    }

    /// The kstatus of one object now (`NotFound` when it does not exist; a query error is
    /// reported as in progress, since it may pass).
    pub async fn status_of(&self, object: &ObjectRef) -> Status {
        match self.live(object).await {
            Ok(Some(obj)) => kstatus::compute(&obj),
            Ok(None) => Status::NotFound,
            Err(message) => Status::InProgress(format!("can't determine status: {message}")),
        }
    }

    /// The live object, `None` when it or its kind does not exist.
    pub(crate) async fn live(&self, object: &ObjectRef) -> Result<Option<Value>, String> {
        let resource = match self.discovery.resolve(&object.api_version(), &object.id.kind).await {
            Ok(r) => r,
            Err(DiscoveryError::UnknownKind { .. }) => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        let target = Target {
            resource: &resource,
            namespace: &object.id.namespace,
            name: &object.id.name,
        };
        rest::get(&self.client, &target).await.map_err(|e| message_of(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rflux_api::ObjectId;

    #[test]
    fn messages_read_like_flux() {
        let dep = ObjectRef::new(ObjectId::new("default", "app", "apps", "Deployment"), "v1");
        let ns = ObjectRef::new(ObjectId::new("", "apps", "", "Namespace"), "v1");
        let err = WaitError::Timeout {
            pending: vec![
                NotReady {
                    object: dep,
                    status: Status::InProgress("Ready: 0/1".into()),
                },
                NotReady {
                    object: ns,
                    status: Status::NotFound,
                },
            ],
        };
        assert_eq!(
            err.to_string(),
            "timeout waiting for: [Deployment/default/app status: 'InProgress', Namespace/apps status: 'NotFound']"
        );
        assert_eq!(
            err.details(),
            "Deployment/default/app: InProgress: Ready: 0/1\nNamespace/apps: NotFound"
        );
    }
}
