//! Access and token reviews. The embedded cluster has one user, who may do everything, so
//! every review is answered "allowed" (that is what `kubectl auth can-i` asks).

use serde_json::{Value, json};

use crate::resources::ResourceType;

/// The user every token of the embedded cluster stands for.
pub const USER: &str = "rflux-admin";

/// The review with its `status` filled in.
pub fn answer(rt: &ResourceType, mut review: Value) -> Value {
    let status = match rt.kind.as_str() {
        "SelfSubjectAccessReview" | "SubjectAccessReview" | "LocalSubjectAccessReview" => {
            json!({"allowed": true, "reason": "the embedded rflux cluster allows every request of its token holder"})
        }
        "SelfSubjectRulesReview" => json!({
            "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
            "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
            "incomplete": false,
        }),
        "SelfSubjectReview" => {
            json!({"userInfo": {"username": USER, "groups": ["system:masters", "system:authenticated"]}})
        }
        "TokenReview" => {
            json!({"authenticated": false, "error": "token reviews are not supported by the embedded cluster"})
        }
        _ => json!({}),
    };
    if let Some(o) = review.as_object_mut() {
        o.insert("status".into(), status);
        o.entry("metadata").or_insert_with(|| json!({}));
    }
    review
}
