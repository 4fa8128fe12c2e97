//! Fields kube-apiserver refuses to change once an object exists: workload selectors, a Job's
//! pod template, a Service's cluster IP, a Secret's type, and the contents of ConfigMaps and
//! Secrets marked `immutable: true`. Updates, patches and applies (dry runs included) that
//! change them fail with 422 Invalid, worded as kube-apiserver words it.

use serde_json::Value;

use crate::error::{ApiError, ApiResult, Cause};
use crate::resources::ResourceType;

const IMMUTABLE: &str = "field is immutable";
const IMMUTABLE_WHEN_SET: &str = "field is immutable when `immutable` is set";

/// Refuses the change from `old` to `new` when it touches an immutable field.
pub fn check(rt: &ResourceType, old: &Value, new: &Value) -> ApiResult<()> {
    let mut causes = Vec::new();
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("apps", "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet") => {
            unchanged(old, new, "/spec/selector", "spec.selector", &mut causes);
        }
        ("batch", "Job") => {
            unchanged(old, new, "/spec/selector", "spec.selector", &mut causes);
            unchanged(old, new, "/spec/template", "spec.template", &mut causes);
        }
        ("", "Service") => service(old, new, &mut causes),
        ("", "ConfigMap") => frozen_contents(old, new, &["data", "binaryData"], &mut causes),
        ("", "Secret") => {
            let (old_type, new_type) = (secret_type(old), secret_type(new));
            if old_type != new_type {
                causes.push(Cause::new(
                    "FieldValueInvalid",
                    format!("Invalid value: \"{new_type}\": {IMMUTABLE}"),
                    "type",
                ));
            }
            frozen_contents(old, new, &["data"], &mut causes);
        }
        _ => {}
    }
    if causes.is_empty() {
        return Ok(());
    }
    let name = new.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    Err(ApiError::invalid(&rt.group, &rt.kind, name, causes))
}

fn unchanged(old: &Value, new: &Value, pointer: &str, field: &str, causes: &mut Vec<Cause>) {
    let before = old.pointer(pointer);
    let after = new.pointer(pointer);
    if before != after {
        causes.push(Cause::new(
            "FieldValueInvalid",
            format!("Invalid value: {}: {IMMUTABLE}", render(after)),
            field,
        ));
    }
}

/// A value as the message shows it: label selectors as Go prints them, others as JSON.
fn render(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "null".to_string();
    };
    let only_labels = value.as_object().is_some_and(|m| m.keys().all(|k| k == "matchLabels"));
    if only_labels && let Some(labels) = value.get("matchLabels").and_then(Value::as_object) {
        let pairs: Vec<String> = labels
            .iter()
            .map(|(k, v)| format!("{k:?}:{:?}", v.as_str().unwrap_or_default()))
            .collect();
        return format!(
            "v1.LabelSelector{{MatchLabels:map[string]string{{{}}}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}",
            pairs.join(", ")
        );
    }
    value.to_string()
}

fn service(old: &Value, new: &Value, causes: &mut Vec<Cause>) {
    let ty = |v: &Value| {
        v.pointer("/spec/type")
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP")
            .to_string()
    };
    if ty(old) == "ExternalName" || ty(new) == "ExternalName" {
        return;
    }
    let ip = |v: &Value| {
        v.pointer("/spec/clusterIP")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (before, after) = (ip(old), ip(new));
    if !before.is_empty() && before != after {
        causes.push(Cause::new(
            "FieldValueInvalid",
            format!("Invalid value: []string{{{after:?}}}: may not change once set"),
            "spec.clusterIPs[0]",
        ));
    }
}

fn secret_type(obj: &Value) -> &str {
    obj.get("type").and_then(Value::as_str).unwrap_or("Opaque")
}

/// ConfigMaps and Secrets with `immutable: true` keep their contents and the flag.
fn frozen_contents(old: &Value, new: &Value, fields: &[&str], causes: &mut Vec<Cause>) {
    if old.get("immutable").and_then(Value::as_bool) != Some(true) {
        return;
    }
    if new.get("immutable").and_then(Value::as_bool) != Some(true) {
        causes.push(Cause::new(
            "FieldValueForbidden",
            format!("Forbidden: {IMMUTABLE_WHEN_SET}"),
            "immutable",
        ));
    }
    for field in fields {
        let empty = |v: Option<&Value>| v.is_none_or(|v| v.is_null() || v.as_object().is_some_and(|m| m.is_empty()));
        let (before, after) = (old.get(*field), new.get(*field));
        if before != after && !(empty(before) && empty(after)) {
            causes.push(Cause::new(
                "FieldValueForbidden",
                format!("Forbidden: {IMMUTABLE_WHEN_SET}"),
                *field,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::resources::Registry;
    use serde_json::json;

    fn rt(group: &str, kind: &str) -> std::sync::Arc<ResourceType> {
        Registry::new().by_kind(group, kind).expect("built-in kind")
    }

    #[test]
    fn deployment_selector_is_immutable() {
        let old =
            json!({"metadata": {"name": "app"}, "spec": {"selector": {"matchLabels": {"app": "a"}}, "replicas": 1}});
        let mut new = old.clone();
        new["spec"]["replicas"] = json!(3);
        assert!(check(&rt("apps", "Deployment"), &old, &new).is_ok());
        new["spec"]["selector"]["matchLabels"]["app"] = json!("b");
        let err = check(&rt("apps", "Deployment"), &old, &new).unwrap_err();
        assert_eq!(err.code, 422);
        assert_eq!(
            err.message,
            "Deployment.apps \"app\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"b\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
        );
        assert_eq!(err.causes()[0].field, "spec.selector");
    }

    #[test]
    fn job_template_service_ip_and_frozen_config() {
        let old = json!({"metadata": {"name": "j"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x:1"}]}}}});
        let mut new = old.clone();
        new["spec"]["template"]["spec"]["containers"][0]["image"] = json!("x:2");
        let err = check(&rt("batch", "Job"), &old, &new).unwrap_err();
        assert!(
            err.message.contains("spec.template: Invalid value: "),
            "{}",
            err.message
        );
        assert!(err.message.ends_with("field is immutable"));

        let svc = json!({"metadata": {"name": "s"}, "spec": {"clusterIP": "10.96.0.10"}});
        let mut moved = svc.clone();
        moved["spec"]["clusterIP"] = json!("10.96.0.11");
        let err = check(&rt("", "Service"), &svc, &moved).unwrap_err();
        assert!(
            err.message
                .contains("spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.11\"}: may not change once set")
        );

        let cm = json!({"metadata": {"name": "c"}, "immutable": true, "data": {"a": "1"}});
        assert!(check(&rt("", "ConfigMap"), &cm, &cm).is_ok());
        let mut changed = cm.clone();
        changed["data"]["a"] = json!("2");
        let err = check(&rt("", "ConfigMap"), &cm, &changed).unwrap_err();
        assert_eq!(
            err.message,
            "ConfigMap \"c\" is invalid: data: Forbidden: field is immutable when `immutable` is set"
        );
        let mutable = json!({"metadata": {"name": "c"}, "data": {"a": "1"}});
        assert!(check(&rt("", "ConfigMap"), &mutable, &changed).is_ok());

        let secret = json!({"metadata": {"name": "s"}, "type": "Opaque"});
        let mut retyped = secret.clone();
        retyped["type"] = json!("kubernetes.io/tls");
        let err = check(&rt("", "Secret"), &secret, &retyped).unwrap_err();
        assert!(
            err.message
                .contains("type: Invalid value: \"kubernetes.io/tls\": field is immutable")
        );
    }
}
