//! `rflux install` and `uninstall`: the CRDs, namespace `flux-system`, and what runs rflux in a
//! real cluster (ServiceAccount, RBAC, the `rflux controller` Deployment and its Service),
//! applied with server-side apply or printed. Also how the CLI finds a running controller.

use anyhow::{Context, Result, anyhow};
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, Patch, PatchParams};
use serde_json::{Value, json};

use super::connect::{describe, status_code};
use super::kinds::ALL;
use super::{InstallArgs, UninstallArgs, output};

/// Namespace and name of the controller (Deployment, Service, ServiceAccount, Lease).
pub const CONTROLLER_NAMESPACE: &str = "flux-system";
pub const CONTROLLER_NAME: &str = "rflux-controller";
/// Field manager of `rflux install`.
const FIELD_MANAGER: &str = "rflux";

pub fn default_image() -> String {
    format!("ghcr.io/rflux/rflux:v{}", env!("CARGO_PKG_VERSION"))
}

fn labels() -> Value {
    json!({
        "app.kubernetes.io/instance": CONTROLLER_NAMESPACE,
        "app.kubernetes.io/part-of": "rflux",
    })
}

/// Everything `install` creates, in apply order.
pub fn manifests(image: &str) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for crd in rflux_api::crd::crds() {
        out.push(serde_json::to_value(&crd).context("CRD to JSON")?);
    }
    let ns = CONTROLLER_NAMESPACE;
    let name = CONTROLLER_NAME;
    let selector = json!({ "app": name });
    let mut pod_labels = labels();
    pod_labels["app"] = json!(name);
    out.extend([
        json!({ "apiVersion": "v1", "kind": "Namespace",
                "metadata": { "name": ns, "labels": labels() } }),
        json!({ "apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": { "name": name, "namespace": ns, "labels": labels() } }),
        json!({ "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": { "name": name, "labels": labels() },
                "rules": [
                    { "apiGroups": ["*"], "resources": ["*"], "verbs": ["*"] },
                    { "nonResourceURLs": ["*"], "verbs": ["*"] }
                ] }),
        json!({ "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": { "name": name, "labels": labels() },
                "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name },
                "subjects": [ { "kind": "ServiceAccount", "name": name, "namespace": ns } ] }),
        json!({ "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": { "name": name, "namespace": ns, "labels": labels() },
                "spec": {
                    "replicas": 1,
                    "selector": { "matchLabels": selector },
                    "template": {
                        "metadata": { "labels": pod_labels },
                        "spec": {
                            "serviceAccountName": name,
                            "terminationGracePeriodSeconds": 60,
                            "containers": [{
                                "name": "controller",
                                "image": image,
                                "imagePullPolicy": "IfNotPresent",
                                "args": ["controller", "--log-encoding=json"],
                                "env": [{ "name": "RUNTIME_NAMESPACE",
                                          "valueFrom": { "fieldRef": { "fieldPath": "metadata.namespace" } } }],
                                "ports": [
                                    { "name": "http", "containerPort": 9090, "protocol": "TCP" },
                                    { "name": "http-metrics", "containerPort": 8080, "protocol": "TCP" },
                                    { "name": "healthz", "containerPort": 9440, "protocol": "TCP" }
                                ],
                                "readinessProbe": { "httpGet": { "path": "/readyz", "port": "healthz" } },
                                "livenessProbe": { "httpGet": { "path": "/healthz", "port": "healthz" } },
                                "securityContext": {
                                    "allowPrivilegeEscalation": false,
                                    "readOnlyRootFilesystem": true,
                                    "runAsNonRoot": true,
                                    "capabilities": { "drop": ["ALL"] }
                                },
                                "volumeMounts": [ { "name": "data", "mountPath": "/data" },
                                                  { "name": "tmp", "mountPath": "/tmp" } ]
                            }],
                            "volumes": [ { "name": "data", "emptyDir": {} }, { "name": "tmp", "emptyDir": {} } ]
                        }
                    }
                } }),
        json!({ "apiVersion": "v1", "kind": "Service",
                "metadata": { "name": name, "namespace": ns, "labels": labels() },
                "spec": {
                    "type": "ClusterIP",
                    "selector": selector,
                    "ports": [
                        { "name": "http", "port": 80, "targetPort": "http", "protocol": "TCP" },
                        { "name": "http-metrics", "port": 8080, "targetPort": "http-metrics", "protocol": "TCP" }
                    ]
                } }),
    ]);
    Ok(out)
}

/// API resource and scope of the kinds `install` writes.
fn resource_of(obj: &Value) -> Result<(ApiResource, bool)> {
    let api_version = obj["apiVersion"].as_str().unwrap_or_default();
    let kind = obj["kind"].as_str().unwrap_or_default();
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let (plural, namespaced) = match kind {
        "CustomResourceDefinition" => ("customresourcedefinitions", false),
        "Namespace" => ("namespaces", false),
        "ServiceAccount" => ("serviceaccounts", true),
        "ClusterRole" => ("clusterroles", false),
        "ClusterRoleBinding" => ("clusterrolebindings", false),
        "Deployment" => ("deployments", true),
        "Service" => ("services", true),
        other => return Err(anyhow!("no API resource known for kind {other}")),
    };
    let gvk = GroupVersionKind::gvk(group, version, kind);
    Ok((ApiResource::from_gvk_with_plural(&gvk, plural), namespaced))
}

fn api_for(client: &kube::Client, obj: &Value) -> Result<Api<DynamicObject>> {
    let (ar, namespaced) = resource_of(obj)?;
    Ok(if namespaced {
        let ns = obj["metadata"]["namespace"].as_str().unwrap_or(CONTROLLER_NAMESPACE);
        Api::namespaced_with(client.clone(), ns, &ar)
    } else {
        Api::all_with(client.clone(), &ar)
    })
}

fn display(obj: &Value) -> String {
    format!(
        "{}/{}",
        obj["kind"].as_str().unwrap_or_default(),
        obj["metadata"]["name"].as_str().unwrap_or_default()
    )
}

pub async fn install(args: InstallArgs) -> Result<()> {
    let objects = manifests(&args.image)?;
    if args.export {
        for obj in &objects {
            print!(
                "---\n{}",
                serde_saphyr::to_string(obj).map_err(|e| anyhow!("YAML: {e}"))?
            );
        }
        return Ok(());
    }
    output::generate("generating manifests");
    output::success("manifests build completed");
    let client = args.conn.client().await?;
    output::action(format!("installing components in {CONTROLLER_NAMESPACE} namespace"));
    let params = PatchParams::apply(FIELD_MANAGER).force();
    for obj in &objects {
        let api = api_for(&client, obj)?;
        let name = obj["metadata"]["name"].as_str().unwrap_or_default();
        api.patch(name, &params, &Patch::Apply(obj))
            .await
            .map_err(|e| anyhow!("cannot apply {}: {}", display(obj), describe(&e)))?;
        eprintln!("{} configured", display(obj));
    }
    output::success("install finished");
    Ok(())
}

pub async fn uninstall(args: UninstallArgs) -> Result<()> {
    let client = args.conn.client().await?;
    output::action("deleting components");
    let objects = manifests(&default_image())?;
    // Finalizers first, so deleting the CRDs does not wait on a controller that is gone.
    output::action("removing finalizers from Flux objects");
    for kind in ALL {
        let Ok(items) = kind.list(&client, None).await else {
            continue;
        };
        for obj in items {
            let (Some(name), Some(ns)) = (obj.metadata.name.clone(), obj.metadata.namespace.clone()) else {
                continue;
            };
            if obj.metadata.finalizers.as_ref().is_none_or(|f| f.is_empty()) {
                continue;
            }
            let patch = json!({ "metadata": { "finalizers": null } });
            kind.api(&client, Some(&ns))
                .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .map_err(|e| {
                    anyhow!(
                        "cannot remove finalizers of {} {ns}/{name}: {}",
                        kind.kind(),
                        describe(&e)
                    )
                })?;
            eprintln!("{} {ns}/{name} finalizers removed", kind.kind());
        }
    }
    for obj in objects.iter().rev() {
        let kind = obj["kind"].as_str().unwrap_or_default();
        if kind == "Namespace" && args.keep_namespace {
            continue;
        }
        let api = api_for(&client, obj)?;
        let name = obj["metadata"]["name"].as_str().unwrap_or_default();
        match api.delete(name, &DeleteParams::background()).await {
            Ok(_) => eprintln!("{} deleted", display(obj)),
            Err(e) if status_code(&e) == Some(404) => {}
            Err(e) => return Err(anyhow!("cannot delete {}: {}", display(obj), describe(&e))),
        }
    }
    output::success("uninstall finished");
    Ok(())
}

/// Why no controller is running, or None when one is (a held, fresh Lease
/// `flux-system/rflux-controller`, or that Deployment with an available replica).
pub async fn controller_missing(client: &kube::Client) -> Option<String> {
    let lease_ar =
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("coordination.k8s.io", "v1", "Lease"), "leases");
    let leases: Api<DynamicObject> = Api::namespaced_with(client.clone(), CONTROLLER_NAMESPACE, &lease_ar);
    if let Ok(Some(lease)) = leases.get_opt(CONTROLLER_NAME).await
        && lease_is_fresh(&lease.data)
    {
        return None;
    }
    let deploy_ar =
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("apps", "v1", "Deployment"), "deployments");
    let deployments: Api<DynamicObject> = Api::namespaced_with(client.clone(), CONTROLLER_NAMESPACE, &deploy_ar);
    match deployments.get_opt(CONTROLLER_NAME).await {
        Ok(Some(d))
            if d.data
                .pointer("/status/availableReplicas")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                > 0 =>
        {
            None
        }
        Ok(Some(_)) => Some(format!(
            "Deployment {CONTROLLER_NAMESPACE}/{CONTROLLER_NAME} has no available replica"
        )),
        _ => Some(format!(
            "no rflux controller is running (no Lease or Deployment {CONTROLLER_NAMESPACE}/{CONTROLLER_NAME}); start one with `rflux up` or `rflux install`"
        )),
    }
}

fn lease_is_fresh(lease: &Value) -> bool {
    let holder = lease
        .pointer("/spec/holderIdentity")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if holder.is_empty() {
        return false;
    }
    let duration = lease
        .pointer("/spec/leaseDurationSeconds")
        .and_then(Value::as_u64)
        .unwrap_or(15);
    let Some(renewed) = lease
        .pointer("/spec/renewTime")
        .and_then(Value::as_str)
        .and_then(rflux_api::time::unix_from_rfc3339)
    else {
        return false;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    now <= renewed + duration * 2
}
