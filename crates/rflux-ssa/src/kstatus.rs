//! kstatus: whether an object has reached the state its spec asks for, computed from the
//! object alone with the rules of sigs.k8s.io/cli-utils kstatus (generic conditions and
//! observed generation first, then per-kind rules for the built-in workloads), plus the
//! `Ready` condition convention of Flux's own kinds.

use std::fmt;

use serde_json::Value;

/// The reconcile status of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The object is fully reconciled.
    Current,
    /// Still progressing; the message says what is missing.
    InProgress(String),
    /// Reconciliation failed and will not recover by itself.
    Failed(String),
    /// Scheduled for deletion.
    Terminating,
    /// The object does not exist.
    NotFound,
}

impl Status {
    /// kstatus' name of the status (`Current`, `InProgress`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Status::Current => "Current",
            Status::InProgress(_) => "InProgress",
            Status::Failed(_) => "Failed",
            Status::Terminating => "Terminating",
            Status::NotFound => "NotFound",
        }
    }

    /// The message explaining the status (empty for `Current` and `NotFound`).
    pub fn message(&self) -> &str {
        match self {
            Status::InProgress(m) | Status::Failed(m) => m,
            Status::Terminating => "Resource scheduled for deletion",
            Status::Current | Status::NotFound => "",
        }
    }

    pub fn is_current(&self) -> bool {
        *self == Status::Current
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn int(obj: &Value, pointer: &str, default: i64) -> i64 {
    obj.pointer(pointer).and_then(Value::as_i64).unwrap_or(default)
}

fn string<'a>(obj: &'a Value, pointer: &str) -> &'a str {
    obj.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// One entry of `status.conditions`.
struct Condition<'a> {
    kind: &'a str,
    status: &'a str,
    reason: &'a str,
    message: &'a str,
}

fn conditions(obj: &Value) -> Vec<Condition<'_>> {
    obj.pointer("/status/conditions")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|c| Condition {
                    kind: string(c, "/type"),
                    status: string(c, "/status"),
                    reason: string(c, "/reason"),
                    message: string(c, "/message"),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn in_progress(message: impl Into<String>) -> Status {
    Status::InProgress(message.into())
}

/// The status of `obj` (a complete object as the API server returns it, status included).
pub fn compute(obj: &Value) -> Status {
    if let Some(status) = generic(obj) {
        return status;
    }
    let api_version = string(obj, "/apiVersion");
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    let kind = string(obj, "/kind");
    match (group, kind) {
        ("apps" | "extensions", "Deployment") => deployment(obj),
        ("apps", "StatefulSet") => stateful_set(obj),
        ("apps" | "extensions", "DaemonSet") => daemon_set(obj),
        ("apps" | "extensions", "ReplicaSet") => replica_set(obj),
        ("batch", "Job") => job(obj),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => crd(obj),
        ("", "PersistentVolumeClaim") => pvc(obj),
        ("", "Pod") => pod(obj),
        ("", "Service") => service(obj),
        ("", "Namespace") => namespace(obj),
        _ => ready_condition(obj, group),
    }
}

/// Deletion, observed generation, and the `Reconciling`/`Stalled` conditions.
fn generic(obj: &Value) -> Option<Status> {
    if obj
        .pointer("/metadata/deletionTimestamp")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
    {
        return Some(Status::Terminating);
    }
    if let (Some(generation), Some(observed)) = (
        obj.pointer("/metadata/generation").and_then(Value::as_i64),
        obj.pointer("/status/observedGeneration").and_then(Value::as_i64),
    ) && generation != observed
    {
        return Some(in_progress(format!(
            "{} generation is {generation}, but latest observed generation is {observed}",
            string(obj, "/kind")
        )));
    }
    for c in conditions(obj) {
        if c.kind == "Reconciling" && c.status == "True" {
            return Some(in_progress(c.message));
        }
        if c.kind == "Stalled" && c.status == "True" {
            return Some(Status::Failed(c.message.to_string()));
        }
    }
    None
}

fn deployment(obj: &Value) -> Status {
    // Without progressDeadlineSeconds the controller sets no Progressing condition.
    let mut progressing = obj.pointer("/spec/progressDeadlineSeconds").is_none();
    let mut available = false;
    for c in conditions(obj) {
        match c.kind {
            "Progressing" => {
                if c.reason == "ProgressDeadlineExceeded" {
                    return Status::Failed("Progress deadline exceeded".into());
                }
                if c.status == "True" && c.reason == "NewReplicaSetAvailable" {
                    progressing = true;
                }
            }
            "Available" if c.status == "True" => available = true,
            _ => {}
        }
    }
    let spec = int(obj, "/spec/replicas", 1);
    let replicas = int(obj, "/status/replicas", 0);
    let updated = int(obj, "/status/updatedReplicas", 0);
    let ready = int(obj, "/status/readyReplicas", 0);
    let avail = int(obj, "/status/availableReplicas", 0);
    if spec > replicas {
        return in_progress(format!("Replicas: {replicas}/{spec}"));
    }
    if spec > updated {
        return in_progress(format!("Updated: {updated}/{spec}"));
    }
    if replicas > spec {
        return in_progress(format!("Pending termination: {}", replicas - spec));
    }
    if updated > avail {
        return in_progress(format!("Available: {avail}/{updated}"));
    }
    if spec > ready {
        return in_progress(format!("Ready: {ready}/{spec}"));
    }
    if !progressing {
        return in_progress("ReplicaSet not Available");
    }
    if !available {
        return in_progress("Deployment not Available");
    }
    Status::Current
}

fn stateful_set(obj: &Value) -> Status {
    if string(obj, "/spec/updateStrategy/type") == "OnDelete" {
        return Status::Current;
    }
    let spec = int(obj, "/spec/replicas", 1);
    let ready = int(obj, "/status/readyReplicas", 0);
    let current = int(obj, "/status/currentReplicas", 0);
    let updated = int(obj, "/status/updatedReplicas", 0);
    let replicas = int(obj, "/status/replicas", 0);
    if spec > replicas {
        return in_progress(format!("Replicas: {replicas}/{spec}"));
    }
    if spec > ready {
        return in_progress(format!("Ready: {ready}/{spec}"));
    }
    if replicas > spec {
        return in_progress(format!("Pending termination: {}", replicas - spec));
    }
    if let Some(partition) = obj
        .pointer("/spec/updateStrategy/rollingUpdate/partition")
        .and_then(Value::as_i64)
    {
        if updated < spec - partition {
            return in_progress(format!("updated: {updated}/{}", spec - partition));
        }
        return Status::Current;
    }
    if spec > current {
        return in_progress(format!("current: {current}/{spec}"));
    }
    if string(obj, "/status/currentRevision") != string(obj, "/status/updateRevision") {
        return in_progress("Waiting for updated revision to match current");
    }
    Status::Current
}

fn daemon_set(obj: &Value) -> Status {
    if obj.pointer("/metadata/generation").is_none() {
        return in_progress("DaemonSet metadata.generation not found");
    }
    if obj.pointer("/status/observedGeneration").is_none() {
        return in_progress("DaemonSet status.observedGeneration not found");
    }
    let desired = int(obj, "/status/desiredNumberScheduled", -1);
    let current = int(obj, "/status/currentNumberScheduled", 0);
    let updated = int(obj, "/status/updatedNumberScheduled", 0);
    let available = int(obj, "/status/numberAvailable", 0);
    let ready = int(obj, "/status/numberReady", 0);
    if desired == -1 {
        return in_progress("Missing .status.desiredNumberScheduled");
    }
    if desired > current {
        return in_progress(format!("Current: {current}/{desired}"));
    }
    if desired > updated {
        return in_progress(format!("Updated: {updated}/{desired}"));
    }
    if desired > available {
        return in_progress(format!("Available: {available}/{desired}"));
    }
    if desired > ready {
        return in_progress(format!("Ready: {ready}/{desired}"));
    }
    Status::Current
}

fn replica_set(obj: &Value) -> Status {
    if conditions(obj)
        .iter()
        .any(|c| c.kind == "ReplicaFailure" && c.status == "True")
    {
        return in_progress("Replica Failure condition. Check Pods");
    }
    let spec = int(obj, "/spec/replicas", 1);
    let replicas = int(obj, "/status/replicas", 0);
    let ready = int(obj, "/status/readyReplicas", 0);
    let available = int(obj, "/status/availableReplicas", 0);
    let labelled = int(obj, "/status/fullyLabeledReplicas", 0);
    if spec > labelled {
        return in_progress(format!("Labelled: {labelled}/{spec}"));
    }
    if spec > available {
        return in_progress(format!("Available: {available}/{spec}"));
    }
    if spec > ready {
        return in_progress(format!("Ready: {ready}/{spec}"));
    }
    if replicas > spec {
        return in_progress(format!("Pending termination: {}", replicas - spec));
    }
    Status::Current
}

fn job(obj: &Value) -> Status {
    let parallelism = int(obj, "/spec/parallelism", 1);
    let completions = int(obj, "/spec/completions", parallelism);
    let failed = int(obj, "/status/failed", 0);
    for c in conditions(obj) {
        match (c.kind, c.status) {
            ("Complete", "True") | ("Suspended", "True") => return Status::Current,
            ("Failed", "True") => return Status::Failed(format!("Job Failed. failed: {failed}/{completions}")),
            _ => {}
        }
    }
    if string(obj, "/status/startTime").is_empty() {
        return in_progress("Job not started");
    }
    Status::Current
}

fn crd(obj: &Value) -> Status {
    for c in conditions(obj) {
        if c.kind == "NamesAccepted" && c.status == "False" {
            return Status::Failed(c.message.to_string());
        }
        if c.kind == "Established" {
            if c.status == "False" && c.reason != "Installing" {
                return Status::Failed(c.message.to_string());
            }
            if c.status == "True" {
                return Status::Current;
            }
        }
    }
    in_progress("Install in progress")
}

fn pvc(obj: &Value) -> Status {
    match obj
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
    {
        "Bound" => Status::Current,
        phase => in_progress(format!("PVC is not Bound. phase: {phase}")),
    }
}

fn pod(obj: &Value) -> Status {
    let conds = conditions(obj);
    match string(obj, "/status/phase") {
        "Succeeded" | "Failed" => Status::Current,
        "Running" => {
            if conds.iter().any(|c| c.kind == "Ready" && c.status == "True") {
                return Status::Current;
            }
            let looping: Vec<&str> = obj
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter(|cs| string(cs, "/state/waiting/reason") == "CrashLoopBackOff")
                        .map(|cs| string(cs, "/name"))
                        .collect()
                })
                .unwrap_or_default();
            if !looping.is_empty() {
                return Status::Failed(format!("Containers in CrashLoop state: {}", looping.join(",")));
            }
            in_progress("Pod is running but is not Ready")
        }
        "Pending" => {
            if conds
                .iter()
                .any(|c| c.kind == "PodScheduled" && c.status == "False" && c.reason == "Unschedulable")
            {
                return in_progress("Pod has not been scheduled");
            }
            in_progress("Pod is in the Pending phase")
        }
        "" => in_progress("Pod phase not available"),
        other => in_progress(format!("Pod phase {other}")),
    }
}

/// A LoadBalancer Service is current once it has a cluster IP; like kstatus, the external
/// address is not waited for (clusters without a load balancer controller never assign one).
fn service(obj: &Value) -> Status {
    let ty = obj.pointer("/spec/type").and_then(Value::as_str).unwrap_or("ClusterIP");
    if ty == "LoadBalancer" && string(obj, "/spec/clusterIP").is_empty() {
        return in_progress("ClusterIP not set. Service type: LoadBalancer");
    }
    Status::Current
}

fn namespace(obj: &Value) -> Status {
    match string(obj, "/status/phase") {
        "Terminating" => Status::Terminating,
        _ => Status::Current,
    }
}

/// Kinds without a rule of their own: the `Ready` condition when there is one. Flux's kinds
/// (`*.toolkit.fluxcd.io`) are in progress until their controller has reported a `Ready`
/// condition for the current generation.
fn ready_condition(obj: &Value, group: &str) -> Status {
    let conds = conditions(obj);
    let ready = conds.iter().find(|c| c.kind == "Ready");
    let flux_kind = group.ends_with(".toolkit.fluxcd.io");
    match ready {
        Some(c) if c.status == "True" => {
            if flux_kind && obj.pointer("/status/observedGeneration").is_none() {
                return in_progress(format!("{} status.observedGeneration not found", string(obj, "/kind")));
            }
            Status::Current
        }
        Some(c) if c.status == "False" => Status::Failed(c.message.to_string()),
        Some(c) => in_progress(c.message),
        None if flux_kind => in_progress(format!("{} has no Ready condition yet", string(obj, "/kind"))),
        None => Status::Current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dep(status: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "app", "namespace": "default", "generation": 2},
            "spec": {"replicas": 2, "progressDeadlineSeconds": 600}, "status": status})
    }

    #[test]
    fn deployment_rules() {
        let available = json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2,
            "availableReplicas": 2, "conditions": [
                {"type": "Available", "status": "True"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]});
        assert_eq!(compute(&dep(available.clone())), Status::Current);
        let mut stale = available.clone();
        stale["observedGeneration"] = json!(1);
        assert_eq!(
            compute(&dep(stale)),
            Status::InProgress("Deployment generation is 2, but latest observed generation is 1".into())
        );
        let mut unready = available.clone();
        unready["readyReplicas"] = json!(1);
        assert_eq!(compute(&dep(unready)), Status::InProgress("Ready: 1/2".into()));
        let mut few = available.clone();
        few["replicas"] = json!(1);
        assert_eq!(compute(&dep(few)), Status::InProgress("Replicas: 1/2".into()));
        let deadline = json!({"observedGeneration": 2, "conditions": [
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]});
        assert_eq!(
            compute(&dep(deadline)),
            Status::Failed("Progress deadline exceeded".into())
        );
        let mut no_available = available.clone();
        no_available["conditions"] =
            json!([{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]);
        assert_eq!(
            compute(&dep(no_available)),
            Status::InProgress("Deployment not Available".into())
        );
        assert_eq!(compute(&dep(json!({}))), Status::InProgress("Replicas: 0/2".into()));
        let mut deleting = dep(available);
        deleting["metadata"]["deletionTimestamp"] = json!("2024-01-01T00:00:00Z");
        assert_eq!(compute(&deleting), Status::Terminating);
    }

    #[test]
    fn stateful_set_rules() {
        let sts = |status: Value| {
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "generation": 1},
                "spec": {"replicas": 3}, "status": status})
        };
        let ok = json!({"observedGeneration": 1, "replicas": 3, "readyReplicas": 3, "currentReplicas": 3,
            "updatedReplicas": 3, "currentRevision": "db-1", "updateRevision": "db-1"});
        assert_eq!(compute(&sts(ok.clone())), Status::Current);
        let mut rolling = ok.clone();
        rolling["updateRevision"] = json!("db-2");
        assert_eq!(
            compute(&sts(rolling)),
            Status::InProgress("Waiting for updated revision to match current".into())
        );
        let mut unready = ok;
        unready["readyReplicas"] = json!(2);
        assert_eq!(compute(&sts(unready)), Status::InProgress("Ready: 2/3".into()));
    }

    #[test]
    fn daemon_set_rules() {
        let ds = |status: Value| {
            json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "generation": 1},
                "spec": {}, "status": status})
        };
        assert_eq!(
            compute(&ds(json!({}))),
            Status::InProgress("DaemonSet status.observedGeneration not found".into())
        );
        let ok = json!({"observedGeneration": 1, "desiredNumberScheduled": 1, "currentNumberScheduled": 1,
            "updatedNumberScheduled": 1, "numberAvailable": 1, "numberReady": 1});
        assert_eq!(compute(&ds(ok.clone())), Status::Current);
        let mut unavailable = ok;
        unavailable["numberAvailable"] = json!(0);
        assert_eq!(compute(&ds(unavailable)), Status::InProgress("Available: 0/1".into()));
    }

    #[test]
    fn replica_set_rules() {
        let rs = |status: Value| {
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs", "generation": 1},
                "spec": {"replicas": 1}, "status": status})
        };
        let ok = json!({"observedGeneration": 1, "replicas": 1, "readyReplicas": 1, "availableReplicas": 1,
            "fullyLabeledReplicas": 1});
        assert_eq!(compute(&rs(ok.clone())), Status::Current);
        let mut failing = ok;
        failing["conditions"] = json!([{"type": "ReplicaFailure", "status": "True"}]);
        assert_eq!(
            compute(&rs(failing)),
            Status::InProgress("Replica Failure condition. Check Pods".into())
        );
    }

    #[test]
    fn job_rules() {
        let job = |status: Value| json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"}, "spec": {}, "status": status});
        assert_eq!(compute(&job(json!({}))), Status::InProgress("Job not started".into()));
        assert_eq!(
            compute(&job(json!({"startTime": "2024-01-01T00:00:00Z", "active": 1}))),
            Status::Current
        );
        assert_eq!(
            compute(&job(
                json!({"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]})
            )),
            Status::Current
        );
        assert_eq!(
            compute(&job(
                json!({"failed": 6, "conditions": [{"type": "Failed", "status": "True"}]})
            )),
            Status::Failed("Job Failed. failed: 6/1".into())
        );
    }

    #[test]
    fn crd_rules() {
        let crd = |conds: Value| {
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": "widgets.example.com", "generation": 1}, "status": {"conditions": conds}})
        };
        assert_eq!(
            compute(&crd(
                json!([{"type": "NamesAccepted", "status": "True"}, {"type": "Established", "status": "True"}])
            )),
            Status::Current
        );
        assert_eq!(
            compute(&crd(
                json!([{"type": "Established", "status": "False", "reason": "Installing"}])
            )),
            Status::InProgress("Install in progress".into())
        );
        assert_eq!(
            compute(&crd(
                json!([{"type": "NamesAccepted", "status": "False", "message": "name taken"}])
            )),
            Status::Failed("name taken".into())
        );
    }

    #[test]
    fn pvc_pod_service_namespace_rules() {
        let pvc = |phase: &str| json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"}, "status": {"phase": phase}});
        assert_eq!(compute(&pvc("Bound")), Status::Current);
        assert_eq!(
            compute(&pvc("Pending")),
            Status::InProgress("PVC is not Bound. phase: Pending".into())
        );

        let pod =
            |status: Value| json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "status": status});
        assert_eq!(
            compute(&pod(
                json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]})
            )),
            Status::Current
        );
        assert_eq!(
            compute(&pod(json!({"phase": "Running", "containerStatuses": [
                {"name": "app", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}))),
            Status::Failed("Containers in CrashLoop state: app".into())
        );
        assert_eq!(
            compute(&pod(json!({}))),
            Status::InProgress("Pod phase not available".into())
        );
        assert_eq!(compute(&pod(json!({"phase": "Succeeded"}))), Status::Current);

        let svc = |spec: Value, status: Value| json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": spec, "status": status});
        assert_eq!(
            compute(&svc(json!({"clusterIP": "10.0.0.1"}), json!({}))),
            Status::Current
        );
        assert_eq!(
            compute(&svc(json!({"type": "LoadBalancer"}), json!({}))),
            Status::InProgress("ClusterIP not set. Service type: LoadBalancer".into())
        );
        assert_eq!(
            compute(&svc(
                json!({"type": "LoadBalancer", "clusterIP": "10.0.0.1"}),
                json!({})
            )),
            Status::Current
        );
        assert_eq!(
            compute(&svc(
                json!({"type": "LoadBalancer", "clusterIP": "10.0.0.1"}),
                json!({"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}})
            )),
            Status::Current
        );

        let ns = |phase: &str| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}, "status": {"phase": phase}});
        assert_eq!(compute(&ns("Active")), Status::Current);
        assert_eq!(compute(&ns("Terminating")), Status::Terminating);
    }

    #[test]
    fn ready_condition_kinds() {
        let ks = |gen_: i64, status: Value| {
            json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                "metadata": {"name": "apps", "namespace": "flux-system", "generation": gen_}, "status": status})
        };
        assert_eq!(
            compute(&ks(1, json!({}))),
            Status::InProgress("Kustomization has no Ready condition yet".into())
        );
        assert_eq!(
            compute(&ks(
                2,
                json!({"observedGeneration": 2, "conditions": [{"type": "Ready", "status": "True", "message": "Applied revision: main@sha1:abc"}]})
            )),
            Status::Current
        );
        assert!(matches!(
            compute(&ks(3, json!({"observedGeneration": 2, "conditions": [{"type": "Ready", "status": "True"}]}))),
            Status::InProgress(m) if m.contains("generation is 3")
        ));
        assert_eq!(
            compute(&ks(
                2,
                json!({"observedGeneration": 2, "conditions": [
                {"type": "Ready", "status": "Unknown", "message": "Reconciliation in progress"},
                {"type": "Reconciling", "status": "True", "message": "Building manifests"}]})
            )),
            Status::InProgress("Building manifests".into())
        );
        let hr = json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "podinfo", "generation": 1},
            "status": {"observedGeneration": 1, "conditions": [
                {"type": "Ready", "status": "False", "message": "install retries exhausted"},
                {"type": "Stalled", "status": "True", "message": "install retries exhausted"}]}});
        assert_eq!(compute(&hr), Status::Failed("install retries exhausted".into()));
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        assert_eq!(compute(&cm), Status::Current);
        let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "generation": 1},
            "status": {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "False", "message": "broken"}]}});
        assert_eq!(compute(&widget), Status::Failed("broken".into()));
    }
}
