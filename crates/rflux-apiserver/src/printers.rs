//! kube-apiserver's table columns for the common built-in kinds (what `kubectl get` prints,
//! with `-o wide` columns at priority 1).

use serde_json::{Value, json};

use crate::table::human_age;

/// One column: its header, whether it is a wide column, and how to fill a cell.
pub struct Column {
    pub name: &'static str,
    pub wide: bool,
    pub cell: fn(&Value) -> Value,
}

const fn col(name: &'static str, cell: fn(&Value) -> Value) -> Column {
    Column {
        name,
        wide: false,
        cell,
    }
}

const fn wide(name: &'static str, cell: fn(&Value) -> Value) -> Column {
    Column { name, wide: true, cell }
}

fn s(obj: &Value, pointer: &str) -> String {
    match obj.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

fn i(obj: &Value, pointer: &str) -> i64 {
    obj.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn or_none(text: String) -> Value {
    Value::String(if text.is_empty() { "<none>".into() } else { text })
}

fn age(obj: &Value) -> Value {
    Value::String(human_age(&s(obj, "/metadata/creationTimestamp")))
}

fn name(obj: &Value) -> Value {
    obj.pointer("/metadata/name").cloned().unwrap_or(Value::Null)
}

fn array_len(obj: &Value, pointer: &str) -> i64 {
    obj.pointer(pointer)
        .and_then(Value::as_array)
        .map_or(0, |a| a.len() as i64)
}

fn map_len(obj: &Value, pointer: &str) -> i64 {
    obj.pointer(pointer)
        .and_then(Value::as_object)
        .map_or(0, |m| m.len() as i64)
}

fn containers(obj: &Value, pointer: &str, field: &str) -> Value {
    let list: Vec<String> = obj
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get(field).and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    or_none(list.join(","))
}

/// The `-o wide` columns of kinds with a pod template.
fn template_containers() -> Column {
    wide("Containers", |o| {
        containers(o, "/spec/template/spec/containers", "name")
    })
}

fn template_images() -> Column {
    wide("Images", |o| containers(o, "/spec/template/spec/containers", "image"))
}

/// A string map as `k=v,k=v` (`<none>` when empty).
fn key_values(obj: &Value, pointer: &str) -> Value {
    let parts: Vec<String> = obj
        .pointer(pointer)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    or_none(parts.join(","))
}

fn selector(obj: &Value) -> Value {
    let Some(sel) = obj.pointer("/spec/selector") else {
        return or_none(String::new());
    };
    let mut parts: Vec<String> = sel
        .get("matchLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    for e in sel
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = e.get("key").and_then(Value::as_str).unwrap_or("");
        let values: Vec<&str> = e
            .get("values")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        match e.get("operator").and_then(Value::as_str).unwrap_or("") {
            "In" => parts.push(format!("{key} in ({})", values.join(","))),
            "NotIn" => parts.push(format!("{key} notin ({})", values.join(","))),
            "Exists" => parts.push(key.to_string()),
            "DoesNotExist" => parts.push(format!("!{key}")),
            _ => {}
        }
    }
    or_none(parts.join(","))
}

fn service_selector(obj: &Value) -> Value {
    key_values(obj, "/spec/selector")
}

fn service_ports(obj: &Value) -> Value {
    let ports: Vec<String> = obj
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let port = p.get("port").map(|v| v.to_string()).unwrap_or_default();
                    let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
                    match p.get("nodePort") {
                        Some(n) => format!("{port}:{n}/{proto}"),
                        None => format!("{port}/{proto}"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    or_none(ports.join(","))
}

fn external_ip(obj: &Value) -> Value {
    let mut ips: Vec<String> = obj
        .pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|i| i.get("ip").or_else(|| i.get("hostname")).and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(ext) = obj.pointer("/spec/externalIPs").and_then(Value::as_array) {
        ips.extend(ext.iter().filter_map(Value::as_str).map(str::to_string));
    }
    let ty = s(obj, "/spec/type");
    if ips.is_empty() {
        return Value::String(if ty == "LoadBalancer" {
            "<pending>".into()
        } else {
            "<none>".into()
        });
    }
    Value::String(ips.join(","))
}

fn pod_ready(obj: &Value) -> Value {
    let total = array_len(obj, "/spec/containers");
    let ready = obj
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .map_or(0, |cs| {
            cs.iter()
                .filter(|c| c.get("ready").and_then(Value::as_bool) == Some(true))
                .count()
        });
    Value::String(format!("{ready}/{total}"))
}

fn pod_status(obj: &Value) -> Value {
    if obj.pointer("/metadata/deletionTimestamp").is_some() {
        return json!("Terminating");
    }
    let phase = s(obj, "/status/phase");
    or_none(if phase.is_empty() { "Pending".into() } else { phase })
}

fn restarts(obj: &Value) -> Value {
    let n: i64 = obj
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .map_or(0, |cs| {
            cs.iter()
                .map(|c| c.get("restartCount").and_then(Value::as_i64).unwrap_or(0))
                .sum()
        });
    json!(n)
}

fn job_status(obj: &Value) -> Value {
    let conds = obj
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let has = |t: &str| {
        conds.iter().any(|c| {
            c.get("type").and_then(Value::as_str) == Some(t) && c.get("status").and_then(Value::as_str) == Some("True")
        })
    };
    let text = if has("Complete") {
        "Complete"
    } else if has("Failed") {
        "Failed"
    } else if obj.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
        "Suspended"
    } else {
        "Running"
    };
    json!(text)
}

fn job_duration(obj: &Value) -> Value {
    let start = s(obj, "/status/startTime");
    if start.is_empty() {
        return json!("");
    }
    let fmt = time::format_description::well_known::Rfc3339;
    let parse = |t: &str| time::OffsetDateTime::parse(t, &fmt).ok();
    let end = s(obj, "/status/completionTime");
    let end = if end.is_empty() {
        Some(time::OffsetDateTime::now_utc())
    } else {
        parse(&end)
    };
    match (parse(&start), end) {
        (Some(a), Some(b)) => json!(format!("{}s", (b - a).whole_seconds().max(0))),
        _ => json!(""),
    }
}

fn node_status(obj: &Value) -> Value {
    let ready = obj
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|c| {
            c.iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))
        })
        .and_then(|c| c.get("status").and_then(Value::as_str))
        == Some("True");
    json!(if ready { "Ready" } else { "NotReady" })
}

fn node_roles(obj: &Value) -> Value {
    let roles: Vec<String> = obj
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|l| {
            l.keys()
                .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    or_none(roles.join(","))
}

fn ingress_hosts(obj: &Value) -> Value {
    let hosts: Vec<String> = obj
        .pointer("/spec/rules")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .map(|r| r.get("host").and_then(Value::as_str).unwrap_or("*").to_string())
                .collect()
        })
        .unwrap_or_default();
    json!(if hosts.is_empty() {
        "*".to_string()
    } else {
        hosts.join(",")
    })
}

fn event_object(obj: &Value) -> Value {
    json!(format!(
        "{}/{}",
        s(obj, "/involvedObject/kind").to_lowercase(),
        s(obj, "/involvedObject/name")
    ))
}

fn event_last_seen(obj: &Value) -> Value {
    let last = [
        s(obj, "/lastTimestamp"),
        s(obj, "/eventTime"),
        s(obj, "/metadata/creationTimestamp"),
    ]
    .into_iter()
    .find(|t| !t.is_empty())
    .unwrap_or_default();
    json!(human_age(&last))
}

fn crd_created_at(obj: &Value) -> Value {
    json!(s(obj, "/metadata/creationTimestamp"))
}

/// The columns of a built-in kind, without the leading Name column (or `None` for a kind
/// with only Name and Age).
pub fn columns(group: &str, kind: &str) -> Option<Vec<Column>> {
    let cols = match (group, kind) {
        ("", "Pod") => vec![
            col("Ready", pod_ready),
            col("Status", pod_status),
            col("Restarts", restarts),
            col("Age", age),
            wide("IP", |o| or_none(s(o, "/status/podIP"))),
            wide("Node", |o| or_none(s(o, "/spec/nodeName"))),
            wide("Nominated Node", |o| or_none(s(o, "/status/nominatedNodeName"))),
            wide("Readiness Gates", |_| json!("<none>")),
        ],
        ("apps", "Deployment") => vec![
            col("Ready", |o| {
                json!(format!(
                    "{}/{}",
                    i(o, "/status/readyReplicas"),
                    o.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1)
                ))
            }),
            col("Up-to-date", |o| json!(i(o, "/status/updatedReplicas"))),
            col("Available", |o| json!(i(o, "/status/availableReplicas"))),
            col("Age", age),
            template_containers(),
            template_images(),
            wide("Selector", selector),
        ],
        ("apps", "ReplicaSet") => vec![
            col("Desired", |o| {
                json!(o.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1))
            }),
            col("Current", |o| json!(i(o, "/status/replicas"))),
            col("Ready", |o| json!(i(o, "/status/readyReplicas"))),
            col("Age", age),
            template_containers(),
            template_images(),
            wide("Selector", selector),
        ],
        ("apps", "StatefulSet") => vec![
            col("Ready", |o| {
                json!(format!(
                    "{}/{}",
                    i(o, "/status/readyReplicas"),
                    o.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1)
                ))
            }),
            col("Age", age),
            template_containers(),
            template_images(),
        ],
        ("apps", "DaemonSet") => vec![
            col("Desired", |o| json!(i(o, "/status/desiredNumberScheduled"))),
            col("Current", |o| json!(i(o, "/status/currentNumberScheduled"))),
            col("Ready", |o| json!(i(o, "/status/numberReady"))),
            col("Up-to-date", |o| json!(i(o, "/status/updatedNumberScheduled"))),
            col("Available", |o| json!(i(o, "/status/numberAvailable"))),
            col("Node Selector", |o| key_values(o, "/spec/template/spec/nodeSelector")),
            col("Age", age),
            template_containers(),
            template_images(),
            wide("Selector", selector),
        ],
        ("batch", "Job") => vec![
            col("Status", job_status),
            col("Completions", |o| {
                json!(format!(
                    "{}/{}",
                    i(o, "/status/succeeded"),
                    o.pointer("/spec/completions").and_then(Value::as_i64).unwrap_or(1)
                ))
            }),
            col("Duration", job_duration),
            col("Age", age),
            template_containers(),
            template_images(),
            wide("Selector", selector),
        ],
        ("batch", "CronJob") => vec![
            col("Schedule", |o| json!(s(o, "/spec/schedule"))),
            col("Timezone", |o| or_none(s(o, "/spec/timeZone"))),
            col("Suspend", |o| {
                json!(if o.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
                    "True"
                } else {
                    "False"
                })
            }),
            col("Active", |o| json!(array_len(o, "/status/active"))),
            col("Last Schedule", |o| {
                let t = s(o, "/status/lastScheduleTime");
                json!(if t.is_empty() {
                    "<none>".to_string()
                } else {
                    human_age(&t)
                })
            }),
            col("Age", age),
        ],
        ("", "Service") => vec![
            col("Type", |o| json!(s(o, "/spec/type"))),
            col("Cluster-IP", |o| or_none(s(o, "/spec/clusterIP"))),
            col("External-IP", external_ip),
            col("Port(s)", service_ports),
            col("Age", age),
            wide("Selector", service_selector),
        ],
        ("", "ConfigMap") => vec![
            col("Data", |o| json!(map_len(o, "/data") + map_len(o, "/binaryData"))),
            col("Age", age),
        ],
        ("", "Secret") => vec![
            col("Type", |o| json!(s(o, "/type"))),
            col("Data", |o| json!(map_len(o, "/data"))),
            col("Age", age),
        ],
        ("", "Namespace") => vec![col("Status", |o| json!(s(o, "/status/phase"))), col("Age", age)],
        ("", "ServiceAccount") => vec![col("Secrets", |o| json!(array_len(o, "/secrets"))), col("Age", age)],
        ("", "Node") => vec![
            col("Status", node_status),
            col("Roles", node_roles),
            col("Age", age),
            col("Version", |o| json!(s(o, "/status/nodeInfo/kubeletVersion"))),
            wide("Internal-IP", |o| {
                let ip = o
                    .pointer("/status/addresses")
                    .and_then(Value::as_array)
                    .and_then(|a| {
                        a.iter()
                            .find(|a| a.get("type").and_then(Value::as_str) == Some("InternalIP"))
                    })
                    .and_then(|a| a.get("address").and_then(Value::as_str))
                    .unwrap_or("")
                    .to_string();
                or_none(ip)
            }),
            wide("External-IP", |_| json!("<none>")),
            wide("OS-Image", |o| json!(s(o, "/status/nodeInfo/osImage"))),
            wide("Kernel-Version", |o| json!(s(o, "/status/nodeInfo/kernelVersion"))),
            wide("Container-Runtime", |o| {
                json!(s(o, "/status/nodeInfo/containerRuntimeVersion"))
            }),
        ],
        ("", "PersistentVolumeClaim") => vec![
            col("Status", |o| json!(s(o, "/status/phase"))),
            col("Volume", |o| json!(s(o, "/spec/volumeName"))),
            col("Capacity", |o| json!(s(o, "/status/capacity/storage"))),
            col("Access Modes", |o| {
                let modes: Vec<&str> = o
                    .pointer("/status/accessModes")
                    .and_then(Value::as_array)
                    .map(|m| {
                        m.iter()
                            .filter_map(Value::as_str)
                            .map(|m| match m {
                                "ReadWriteOnce" => "RWO",
                                "ReadOnlyMany" => "ROX",
                                "ReadWriteMany" => "RWX",
                                "ReadWriteOncePod" => "RWOP",
                                other => other,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                json!(modes.join(","))
            }),
            col("StorageClass", |o| or_none(s(o, "/spec/storageClassName"))),
            col("VolumeAttributesClass", |o| {
                or_none(s(o, "/spec/volumeAttributesClassName"))
            }),
            col("Age", age),
        ],
        ("networking.k8s.io", "Ingress") => vec![
            col("Class", |o| or_none(s(o, "/spec/ingressClassName"))),
            col("Hosts", ingress_hosts),
            col("Address", |o| {
                let a: Vec<String> = o
                    .pointer("/status/loadBalancer/ingress")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|i| i.get("ip").or_else(|| i.get("hostname")).and_then(Value::as_str))
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                json!(a.join(","))
            }),
            col("Ports", |o| {
                json!(if array_len(o, "/spec/tls") > 0 { "80, 443" } else { "80" })
            }),
            col("Age", age),
        ],
        ("", "Event") => vec![
            col("Last Seen", event_last_seen),
            col("Type", |o| json!(s(o, "/type"))),
            col("Reason", |o| json!(s(o, "/reason"))),
            col("Object", event_object),
            col("Message", |o| json!(s(o, "/message"))),
        ],
        ("apiextensions.k8s.io", "CustomResourceDefinition") => vec![col("Created At", crd_created_at)],
        ("coordination.k8s.io", "Lease") => {
            vec![col("Holder", |o| json!(s(o, "/spec/holderIdentity"))), col("Age", age)]
        }
        ("rbac.authorization.k8s.io", "Role" | "ClusterRole") => vec![col("Created At", crd_created_at)],
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => vec![
            col("Role", |o| {
                json!(format!("{}/{}", s(o, "/roleRef/kind"), s(o, "/roleRef/name")))
            }),
            col("Age", age),
        ],
        _ => return None,
    };
    Some(cols)
}

/// A column header as kube-apiserver writes it in `columnDefinitions`.
pub fn definition(c: &Column) -> Value {
    json!({"name": c.name, "type": "string", "format": "", "description": "", "priority": if c.wide { 1 } else { 0 }})
}

/// The Name column.
pub fn name_cell(obj: &Value) -> Value {
    name(obj)
}
