//! Hand-encoded protobuf bodies of the common kinds decode to kube's JSON.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{Msg, body, int_or_int, int_or_str, meta, quantity};
use serde_json::{Value, json};

fn decode(body: &[u8]) -> Value {
    rflux_protobuf::decode(body).unwrap_or_else(|e| panic!("decode failed: {e}"))
}

#[test]
fn configmap_maps_sorted_pointer_bool_kept() {
    let cm = Msg::new()
        .msg(1, meta("app", "prod").entry(11, "tier", "web").entry(12, "note", "x"))
        .entry(2, "zeta", "last")
        .entry(2, "alpha", "first")
        .entry_bytes(3, "bin", &[0, 255, 1])
        .boolean(4, false);
    let got = decode(&body("v1", "ConfigMap", cm));
    assert_eq!(
        got,
        json!({
            "kind": "ConfigMap", "apiVersion": "v1",
            "metadata": {"name": "app", "namespace": "prod", "creationTimestamp": null,
                         "labels": {"tier": "web"}, "annotations": {"note": "x"}},
            "immutable": false,
            "data": {"alpha": "first", "zeta": "last"},
            "binaryData": {"bin": "AP8B"}
        })
    );
    let keys: Vec<&String> = got["data"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["alpha", "zeta"], "Go writes map keys sorted");
    let top: Vec<&String> = got.as_object().unwrap().keys().collect();
    assert_eq!(top[..2], ["kind", "apiVersion"]);
}

#[test]
fn secret_bytes_are_base64_and_empty_type_is_omitted() {
    let secret = Msg::new()
        .msg(1, meta("db", "default"))
        .entry_bytes(2, "password", b"s3cr3t")
        .entry_bytes(2, "empty", b"")
        .entry(4, "plain", "text")
        .str(3, "");
    assert_eq!(
        decode(&body("v1", "Secret", secret)),
        json!({
            "kind": "Secret", "apiVersion": "v1",
            "metadata": {"name": "db", "namespace": "default", "creationTimestamp": null},
            "data": {"empty": "", "password": "czNjcjN0"},
            "stringData": {"plain": "text"}
        })
    );
}

#[test]
fn namespace_with_finalizers_and_status() {
    let ns = Msg::new()
        .msg(1, meta("team-a", ""))
        .msg(2, Msg::new().str(1, "kubernetes"))
        .msg(3, Msg::new().str(1, "Active"));
    assert_eq!(
        decode(&body("v1", "Namespace", ns)),
        json!({
            "kind": "Namespace", "apiVersion": "v1",
            "metadata": {"name": "team-a", "creationTimestamp": null},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"}
        })
    );
}

#[test]
fn deployment_with_pod_template_intorstring_quantities_inlines() {
    let resources = Msg::new()
        .entry_msg(1, "cpu", quantity("500m"))
        .entry_msg(1, "memory", quantity("128Mi"))
        .entry_msg(2, "cpu", quantity("250m"));
    let probe = Msg::new()
        .msg(
            1,
            Msg::new().msg(2, Msg::new().str(1, "/healthz").msg(2, int_or_str("http"))),
        )
        .int(2, 5)
        .int(3, 0);
    let container = Msg::new()
        .str(1, "app")
        .str(2, "nginx:1.27")
        .msg(6, Msg::new().str(1, "http").int(3, 8080).str(4, "TCP").int(2, 0))
        .msg(8, resources)
        .msg(10, probe)
        .str(14, "")
        .str(13, "");
    let pod_spec = Msg::new()
        .msg(
            1,
            Msg::new().str(1, "cfg").msg(
                2,
                Msg::new().msg(19, Msg::new().msg(1, Msg::new().str(1, "app-config"))),
            ),
        )
        .msg(2, container)
        .int(4, 30)
        .boolean(21, false)
        .boolean(11, false)
        .msg(14, Msg::new().int(2, 0).int(4, 1000).int(4, 2000));
    let template = Msg::new()
        .msg(1, Msg::new().msg(8, Msg::new()).entry(11, "app", "web"))
        .msg(2, pod_spec);
    let strategy = Msg::new()
        .str(1, "RollingUpdate")
        .msg(2, Msg::new().msg(1, int_or_int(0)).msg(2, int_or_str("25%")));
    let spec = Msg::new()
        .int(1, 0)
        .msg(2, Msg::new().entry(1, "app", "web"))
        .msg(3, template)
        .msg(4, strategy)
        .int(5, 0)
        .boolean(7, false);
    let deploy = Msg::new()
        .msg(1, meta("web", "default"))
        .msg(2, spec)
        .msg(3, Msg::new());
    assert_eq!(
        decode(&body("apps/v1", "Deployment", deploy)),
        json!({
            "kind": "Deployment", "apiVersion": "apps/v1",
            "metadata": {"name": "web", "namespace": "default", "creationTimestamp": null},
            "spec": {
                "replicas": 0,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"creationTimestamp": null, "labels": {"app": "web"}},
                    "spec": {
                        "volumes": [{"name": "cfg", "configMap": {"name": "app-config"}}],
                        "containers": [{
                            "name": "app",
                            "image": "nginx:1.27",
                            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                            "resources": {
                                "limits": {"cpu": "500m", "memory": "128Mi"},
                                "requests": {"cpu": "250m"}
                            },
                            "livenessProbe": {
                                "httpGet": {"path": "/healthz", "port": "http"},
                                "initialDelaySeconds": 5
                            }
                        }],
                        "terminationGracePeriodSeconds": 30,
                        "automountServiceAccountToken": false,
                        "securityContext": {"runAsUser": 0, "supplementalGroups": [1000, 2000]}
                    }
                },
                "strategy": {"type": "RollingUpdate",
                             "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}}
            },
            "status": {}
        })
    );
}

#[test]
fn packed_repeated_scalars_decode_like_unpacked() {
    let packed = Msg::new().bytes(4, &[0xe8, 0x07, 0xd0, 0x0f]);
    let pod = Msg::new().msg(2, Msg::new().msg(14, packed));
    let got = decode(&body("v1", "Pod", pod));
    assert_eq!(
        got["spec"]["securityContext"]["supplementalGroups"],
        json!([1000, 2000])
    );
}

#[test]
fn self_subject_access_review() {
    let ssar = Msg::new().msg(1, Msg::new().msg(8, Msg::new())).msg(
        2,
        Msg::new().msg(1, Msg::new().str(1, "default").str(2, "list").str(5, "pods").str(3, "")),
    );
    assert_eq!(
        decode(&body("authorization.k8s.io/v1", "SelfSubjectAccessReview", ssar)),
        json!({
            "kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
            "metadata": {"creationTimestamp": null},
            "spec": {"resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}},
            "status": {"allowed": false}
        })
    );
}

#[test]
fn subject_access_review_extra_values_are_lists() {
    let spec = Msg::new()
        .str(3, "alice")
        .msg(2, Msg::new().str(1, "/healthz").str(2, "get"))
        .msg(
            5,
            Msg::new().str(1, "scopes").msg(2, Msg::new().str(1, "a").str(1, "b")),
        );
    let sar = Msg::new().msg(2, spec);
    let got = decode(&body("authorization.k8s.io/v1", "SubjectAccessReview", sar));
    assert_eq!(
        got["spec"],
        json!({"nonResourceAttributes": {"path": "/healthz", "verb": "get"},
               "user": "alice", "extra": {"scopes": ["a", "b"]}})
    );
}

#[test]
fn times_micro_times_and_managed_fields() {
    let managed = Msg::new()
        .str(1, "kubectl")
        .str(2, "Apply")
        .msg(4, Msg::new().int(1, 1_700_000_000).int(2, 999))
        .str(6, "FieldsV1")
        .msg(7, Msg::new().bytes(1, br#"{"f:data":{"f:a":{}}}"#));
    let metadata = Msg::new()
        .str(1, "ev")
        .msg(8, Msg::new().int(1, 1_700_000_000))
        .msg(9, Msg::new().int(1, 0))
        .int(10, 0)
        .msg(17, managed);
    let event = Msg::new()
        .msg(1, metadata)
        .msg(2, Msg::new().int(1, 1_700_000_000).int(2, 123_456_789))
        .str(7, "Started");
    let got = decode(&body("events.k8s.io/v1", "Event", event));
    assert_eq!(
        got,
        json!({
            "kind": "Event", "apiVersion": "events.k8s.io/v1",
            "metadata": {
                "name": "ev",
                "creationTimestamp": "2023-11-14T22:13:20Z",
                "deletionTimestamp": "1970-01-01T00:00:00Z",
                "deletionGracePeriodSeconds": 0,
                "managedFields": [{
                    "manager": "kubectl", "operation": "Apply",
                    "time": "2023-11-14T22:13:20Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:data": {"f:a": {}}}
                }]
            },
            "eventTime": "2023-11-14T22:13:20.123456Z",
            "reason": "Started",
            "regarding": {},
            "deprecatedSource": {},
            "deprecatedFirstTimestamp": null,
            "deprecatedLastTimestamp": null
        })
    );
}

#[test]
fn raw_extension_holds_json_or_a_nested_protobuf_object() {
    let json_rev = Msg::new()
        .msg(1, meta("rev", "default"))
        .msg(2, Msg::new().bytes(1, br#"{"spec":{"replicas":2}}"#))
        .int(3, 4);
    assert_eq!(
        decode(&body("apps/v1", "ControllerRevision", json_rev)),
        json!({
            "kind": "ControllerRevision", "apiVersion": "apps/v1",
            "metadata": {"name": "rev", "namespace": "default", "creationTimestamp": null},
            "data": {"spec": {"replicas": 2}},
            "revision": 4
        })
    );
    let inner = body("v1", "ConfigMap", Msg::new().msg(1, meta("c", "")).entry(2, "k", "v"));
    let pb_rev = Msg::new().msg(2, Msg::new().bytes(1, &inner)).int(3, 1);
    let got = decode(&body("apps/v1", "ControllerRevision", pb_rev));
    assert_eq!(
        got["data"],
        json!({"kind": "ConfigMap", "apiVersion": "v1",
               "metadata": {"name": "c", "creationTimestamp": null}, "data": {"k": "v"}})
    );
}

#[test]
fn delete_options_resolve_in_any_group() {
    let opts = Msg::new().int(1, 0).str(4, "Foreground").str(5, "All");
    for api_version in ["v1", "apps/v1", "meta.k8s.io/v1"] {
        assert_eq!(
            decode(&body(api_version, "DeleteOptions", opts.clone())),
            json!({"kind": "DeleteOptions", "apiVersion": api_version,
                   "gracePeriodSeconds": 0, "propagationPolicy": "Foreground", "dryRun": ["All"]})
        );
    }
}

#[test]
fn custom_resource_definition_schema_unions_and_raw_json() {
    let string_schema = Msg::new().str(5, "string").msg(8, Msg::new().bytes(1, b"\"x\""));
    let props = Msg::new()
        .str(5, "object")
        .entry_msg(29, "name", string_schema)
        .entry_msg(
            29,
            "tags",
            Msg::new()
                .str(5, "array")
                .msg(24, Msg::new().msg(1, Msg::new().str(5, "string"))),
        )
        .entry_msg(
            29,
            "labels",
            Msg::new().str(5, "object").msg(30, Msg::new().boolean(1, true)),
        )
        .entry_msg(29, "size", Msg::new().str(5, "number").double(9, 10.5).double(11, 0.0))
        .boolean(38, true);
    let version = Msg::new()
        .str(1, "v1")
        .boolean(2, true)
        .boolean(3, true)
        .msg(4, Msg::new().msg(1, props));
    let spec = Msg::new()
        .str(1, "example.com")
        .msg(3, Msg::new().str(1, "widgets").str(4, "Widget"))
        .str(4, "Namespaced")
        .msg(7, version);
    let crd = Msg::new().msg(1, meta("widgets.example.com", "")).msg(2, spec);
    let got = decode(&body("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd));
    assert_eq!(
        got,
        json!({
            "kind": "CustomResourceDefinition", "apiVersion": "apiextensions.k8s.io/v1",
            "metadata": {"name": "widgets.example.com", "creationTimestamp": null},
            "spec": {
                "group": "example.com",
                "names": {"plural": "widgets", "kind": "Widget"},
                "scope": "Namespaced",
                "versions": [{
                    "name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "labels": {"type": "object", "additionalProperties": true},
                            "name": {"type": "string", "default": "x"},
                            "size": {"type": "number", "maximum": 10.5, "minimum": 0},
                            "tags": {"type": "array", "items": {"type": "string"}}
                        },
                        "x-kubernetes-preserve-unknown-fields": true
                    }}
                }]
            },
            "status": {"acceptedNames": {"plural": "", "kind": ""}, "storedVersions": null}
        })
    );
}

#[test]
fn unknown_fields_and_groups_are_skipped() {
    let cm = Msg::new()
        .msg(1, meta("c", ""))
        .int(99, 7)
        .bytes(100, b"ignored")
        .raw(&[0xa3, 0x06, 0x08, 0x01, 0xa4, 0x06]) // group 100 { field 1 = 1 }
        .entry(2, "k", "v");
    assert_eq!(
        decode(&body("v1", "ConfigMap", cm)),
        json!({"kind": "ConfigMap", "apiVersion": "v1",
               "metadata": {"name": "c", "creationTimestamp": null}, "data": {"k": "v"}})
    );
}

#[test]
fn json_content_type_passes_the_raw_json_through() {
    let unknown = Msg::new()
        .msg(1, Msg::new().str(1, "v1").str(2, "ConfigMap"))
        .bytes(2, br#"{"metadata":{"name":"j"}}"#)
        .str(4, "application/json");
    let mut b = b"k8s\0".to_vec();
    b.extend_from_slice(&unknown.0);
    assert_eq!(
        decode(&b),
        json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "j"}})
    );
}

#[test]
fn is_protobuf_checks_the_magic() {
    assert!(rflux_protobuf::is_protobuf(b"k8s\0\x0a\x00"));
    assert!(!rflux_protobuf::is_protobuf(b"{\"kind\":\"ConfigMap\"}"));
    assert!(!rflux_protobuf::is_protobuf(b"k8s"));
    assert!(rflux_protobuf::knows_kind("apps/v1", "Deployment"));
    assert!(rflux_protobuf::knows_kind("policy/v1", "DeleteOptions"));
    assert!(!rflux_protobuf::knows_kind("example.com/v1", "Widget"));
}

#[test]
fn horizontal_pod_autoscaler_v2_metrics() {
    let target = Msg::new().str(1, "Utilization").int(4, 0);
    let metric = Msg::new()
        .str(1, "Resource")
        .msg(4, Msg::new().str(1, "cpu").msg(2, target));
    let memory = Msg::new().str(1, "Resource").msg(
        4,
        Msg::new()
            .str(1, "memory")
            .msg(2, Msg::new().str(1, "AverageValue").msg(3, quantity("512Mi"))),
    );
    let spec = Msg::new()
        .msg(1, Msg::new().str(1, "Deployment").str(2, "web").str(3, "apps/v1"))
        .int(2, 1)
        .int(3, 10)
        .msg(4, metric)
        .msg(4, memory);
    let hpa = Msg::new().msg(1, meta("web", "default")).msg(2, spec);
    let got = decode(&body("autoscaling/v2", "HorizontalPodAutoscaler", hpa));
    assert_eq!(
        got["spec"],
        json!({
            "scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
            "minReplicas": 1,
            "maxReplicas": 10,
            "metrics": [
                {"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 0}}},
                {"type": "Resource", "resource": {"name": "memory",
                    "target": {"type": "AverageValue", "averageValue": "512Mi"}}}
            ]
        })
    );
    assert_eq!(got["status"], json!({"desiredReplicas": 0, "currentMetrics": null}));
}

#[test]
fn lease_micro_times_and_eviction_delete_options() {
    let spec = Msg::new()
        .str(1, "node-a")
        .int(2, 15)
        .msg(4, Msg::new().int(1, 1_700_000_000).int(2, 5_000))
        .int(5, 0);
    let lease = Msg::new().msg(1, meta("node-a", "kube-node-lease")).msg(2, spec);
    assert_eq!(
        decode(&body("coordination.k8s.io/v1", "Lease", lease))["spec"],
        json!({"holderIdentity": "node-a", "leaseDurationSeconds": 15,
               "renewTime": "2023-11-14T22:13:20.000005Z", "leaseTransitions": 0})
    );
    let eviction = Msg::new()
        .msg(1, meta("pod-1", "default"))
        .msg(2, Msg::new().int(1, 30).msg(2, Msg::new().str(1, "uid-1")));
    assert_eq!(
        decode(&body("policy/v1", "Eviction", eviction)),
        json!({
            "kind": "Eviction", "apiVersion": "policy/v1",
            "metadata": {"name": "pod-1", "namespace": "default", "creationTimestamp": null},
            "deleteOptions": {"gracePeriodSeconds": 30, "preconditions": {"uid": "uid-1"}}
        })
    );
}

#[test]
fn beta_versions_are_known_too() {
    let spec = Msg::new().str(1, "*/5 * * * *").boolean(4, false).msg(5, Msg::new());
    let cj = Msg::new().msg(1, meta("tick", "default")).msg(2, spec);
    let got = decode(&body("batch/v1beta1", "CronJob", cj));
    assert_eq!(
        got["spec"],
        json!({"schedule": "*/5 * * * *", "suspend": false,
               "jobTemplate": {"metadata": {"creationTimestamp": null}, "spec": {"template": {
                   "metadata": {"creationTimestamp": null}, "spec": {"containers": null}}}}})
    );
}
