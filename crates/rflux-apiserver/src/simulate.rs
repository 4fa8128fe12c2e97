//! Workload status simulation. There is no kubelet or controller-manager behind this server,
//! so this loop writes, through `/status`, what they would report for a healthy cluster:
//! Deployments, ReplicaSets, StatefulSets and DaemonSets available at their generation, Jobs
//! complete, PVCs bound, Pods running and ready, LoadBalancer Services with an address.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};

use crate::api::{Api, Target, WriteOptions};
use crate::meta;
use crate::store::{Event, EventType};

pub const MANAGER: &str = "kube-controller-manager";

pub async fn run(api: Arc<Api>, mut shutdown: watch::Receiver<bool>) {
    let (_, objects, mut rx) = api.store.snapshot_and_subscribe("");
    for entry in objects {
        simulate(&api, &entry.obj);
    }
    loop {
        tokio::select! {
            received = rx.recv() => match received {
                Ok(event) => on_event(&api, &event),
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let (_, objects, _) = api.store.list("", None, None, |_| true);
                    for entry in objects {
                        simulate(&api, &entry.obj);
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = shutdown.changed() => return,
        }
    }
}

fn on_event(api: &Api, event: &Event) {
    if event.ty != EventType::Deleted {
        simulate(api, &event.obj);
    }
}

fn int(obj: &Value, pointer: &str, default: i64) -> i64 {
    obj.pointer(pointer).and_then(Value::as_i64).unwrap_or(default)
}

fn generation(obj: &Value) -> i64 {
    int(obj, "/metadata/generation", 1)
}

fn observed(obj: &Value) -> bool {
    obj.pointer("/status/observedGeneration").and_then(Value::as_i64) == Some(generation(obj))
}

fn condition(kind: &str, reason: &str, message: &str, now: &str) -> Value {
    json!({"type": kind, "status": "True", "lastUpdateTime": now, "lastTransitionTime": now, "reason": reason, "message": message})
}

/// The status a healthy cluster would report, or `None` when the object needs nothing.
fn desired_status(obj: &Value) -> Option<Value> {
    if obj.pointer("/metadata/deletionTimestamp").is_some() {
        return None;
    }
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    let now = meta::now();
    let gen_ = generation(obj);
    match (api_version, kind) {
        ("apps/v1", "Deployment") if !observed(obj) => {
            let replicas = int(obj, "/spec/replicas", 1);
            let mut status = json!({
                "observedGeneration": gen_,
                "replicas": replicas,
                "updatedReplicas": replicas,
                "conditions": [
                    condition("Available", "MinimumReplicasAvailable", "Deployment has minimum availability.", &now),
                    condition("Progressing", "NewReplicaSetAvailable", &format!("ReplicaSet \"{name}\" has successfully progressed."), &now),
                ],
            });
            if replicas > 0 {
                status["readyReplicas"] = json!(replicas);
                status["availableReplicas"] = json!(replicas);
            }
            Some(status)
        }
        ("apps/v1", "ReplicaSet") if !observed(obj) => {
            let replicas = int(obj, "/spec/replicas", 1);
            Some(
                json!({"observedGeneration": gen_, "replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas}),
            )
        }
        ("apps/v1", "StatefulSet") if !observed(obj) => {
            let replicas = int(obj, "/spec/replicas", 1);
            let revision = format!("{name}-{gen_}");
            Some(json!({
                "observedGeneration": gen_, "replicas": replicas, "readyReplicas": replicas, "currentReplicas": replicas,
                "updatedReplicas": replicas, "availableReplicas": replicas, "currentRevision": revision, "updateRevision": revision,
                "collisionCount": 0,
            }))
        }
        ("apps/v1", "DaemonSet") if !observed(obj) => Some(json!({
            "observedGeneration": gen_, "currentNumberScheduled": 1, "desiredNumberScheduled": 1, "numberAvailable": 1,
            "numberMisscheduled": 0, "numberReady": 1, "updatedNumberScheduled": 1,
        })),
        ("batch/v1", "Job") => {
            let complete = obj
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .is_some_and(|c| {
                    c.iter()
                        .any(|c| c.get("type").and_then(Value::as_str) == Some("Complete"))
                });
            let suspended = obj.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true);
            if complete || suspended {
                return None;
            }
            let completions = int(obj, "/spec/completions", 1);
            let cond = |t: &str, reason: &str, message: &str| json!({"type": t, "status": "True", "lastProbeTime": now, "lastTransitionTime": now, "reason": reason, "message": message});
            Some(json!({
                "startTime": now, "completionTime": now, "succeeded": completions, "ready": 0, "terminating": 0,
                "uncountedTerminatedPods": {},
                "conditions": [
                    cond("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
                    cond("Complete", "CompletionsReached", "Reached expected number of succeeded pods"),
                ],
            }))
        }
        ("v1", "PersistentVolumeClaim") if obj.pointer("/status/phase").and_then(Value::as_str) != Some("Bound") => {
            let mut status = json!({"phase": "Bound"});
            if let Some(modes) = obj.pointer("/spec/accessModes") {
                status["accessModes"] = modes.clone();
            }
            if let Some(storage) = obj.pointer("/spec/resources/requests/storage") {
                status["capacity"] = json!({"storage": storage});
            }
            Some(status)
        }
        ("v1", "Pod") if obj.pointer("/status/phase").is_none() => {
            let containers: Vec<Value> = obj
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            json!({
                                "name": c.get("name"), "image": c.get("image"), "imageID": "", "ready": true, "started": true,
                                "restartCount": 0, "state": {"running": {"startedAt": now}},
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            let cond = |t: &str| json!({"type": t, "status": "True", "lastProbeTime": null, "lastTransitionTime": now});
            Some(json!({
                "phase": "Running", "hostIP": "127.0.0.1", "podIP": "10.244.0.10", "startTime": now, "qosClass": "BestEffort",
                "conditions": [cond("PodReadyToStartContainers"), cond("Initialized"), cond("Ready"), cond("ContainersReady"), cond("PodScheduled")],
                "containerStatuses": containers,
            }))
        }
        ("v1", "Service")
            if obj.pointer("/spec/type").and_then(Value::as_str) == Some("LoadBalancer")
                && obj.pointer("/status/loadBalancer/ingress").is_none() =>
        {
            Some(json!({"loadBalancer": {"ingress": [{"ip": "127.0.0.1", "ipMode": "VIP"}]}}))
        }
        _ => None,
    }
}

fn simulate(api: &Api, obj: &Value) {
    let Some(status) = desired_status(obj) else { return };
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let Some(rt) = api.registry.by_kind(group, kind) else {
        return;
    };
    let target = Target {
        version: version.to_string(),
        namespace: obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_string),
        name: obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .map(str::to_string),
        subresource: Some("status".into()),
        rt,
    };
    let mut body = obj.clone();
    body["status"] = status;
    let opts = WriteOptions {
        default_manager: MANAGER.into(),
        ..Default::default()
    };
    match api.update(&target, body, &opts) {
        Ok(_) => {}
        // A newer write came in; its event brings us back.
        Err(e) if e.code == 409 || e.code == 404 => {}
        Err(e) => tracing::warn!(error = %e, kind, "simulating status failed"),
    }
}
