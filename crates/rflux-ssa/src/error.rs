//! Errors of an apply, and how API errors are read: their message, and whether a dry-run
//! failed because an immutable field would change.

use crate::discovery::DiscoveryError;
use crate::object::ObjectError;
use crate::wait::WaitError;

/// Why an apply failed. Every variant names the object (`Kind/namespace/name`).
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    InvalidObject(#[from] ObjectError),
    #[error("{subject} {source}")]
    Discovery {
        subject: String,
        #[source]
        source: DiscoveryError,
    },
    #[error("{subject} namespace not specified")]
    NamespaceNotSpecified { subject: String },
    #[error("{subject} query failed: {message}")]
    Query {
        subject: String,
        message: String,
        #[source]
        source: Box<kube::Error>,
    },
    /// The server refused the dry-run apply (validation, admission, conflicts).
    #[error("{subject} dry-run failed ({reason}): {message}")]
    DryRun {
        subject: String,
        reason: String,
        message: String,
        #[source]
        source: Box<kube::Error>,
    },
    /// The apply would change immutable fields and recreating was not allowed.
    #[error("{subject} dry-run failed, immutable field(s) {fields}: {message}", fields = fields.join(", "))]
    Immutable {
        subject: String,
        fields: Vec<String>,
        message: String,
    },
    #[error("{subject} immutable field detected, failed to delete object: {message}")]
    Recreate { subject: String, message: String },
    #[error("{subject} metadata.managedFields cleanup failed: {message}")]
    Cleanup {
        subject: String,
        message: String,
        #[source]
        source: Box<kube::Error>,
    },
    #[error("{subject} apply failed: {message}")]
    Apply {
        subject: String,
        message: String,
        #[source]
        source: Box<kube::Error>,
    },
    /// A stage's objects (CRDs, Namespaces, classes) did not become ready.
    #[error("{stage} not ready: {source}")]
    StageNotReady {
        stage: &'static str,
        #[source]
        source: WaitError,
    },
}

/// The message of an error: the API server's message for API errors.
pub fn message_of(err: &kube::Error) -> String {
    match err {
        kube::Error::Api(status) if !status.message.is_empty() => status.message.clone(),
        other => other.to_string(),
    }
}

/// The `reason` of an API error (`Invalid`, `Conflict`, …), empty for transport errors.
pub fn reason_of(err: &kube::Error) -> String {
    match err {
        kube::Error::Api(status) => status.reason.clone(),
        _ => String::new(),
    }
}

fn says_immutable(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    text.contains("is immutable") || text.contains("immutable field") || text.contains("may not change once set")
}

/// Whether an apply error reports a change to an immutable field (kube-apiserver's
/// validation, CEL `self == oldSelf` rules or admission webhooks).
pub fn is_immutable(err: &kube::Error) -> bool {
    let kube::Error::Api(status) = err else {
        return false;
    };
    says_immutable(&status.message)
        || status
            .details
            .as_ref()
            .is_some_and(|d| d.causes.iter().any(|c| says_immutable(&c.message)))
}

/// The fields an immutable-field error names (from `details.causes`, else the message).
pub fn immutable_fields(err: &kube::Error) -> Vec<String> {
    let kube::Error::Api(status) = err else {
        return Vec::new();
    };
    let mut fields: Vec<String> = status
        .details
        .as_ref()
        .map(|d| {
            d.causes
                .iter()
                .filter(|c| says_immutable(&c.message) && !c.field.is_empty())
                .map(|c| c.field.clone())
                .collect()
        })
        .unwrap_or_default();
    if fields.is_empty() {
        // `Kind "name" is invalid: spec.selector: Invalid value: …: field is immutable`
        if let Some((_, rest)) = status.message.split_once(" is invalid: ")
            && let Some((field, _)) = rest.split_once(':')
        {
            fields.push(field.trim_start_matches('[').to_string());
        }
    }
    fields.dedup();
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::Status;

    fn api_error(code: u16, reason: &str, message: &str, causes: Vec<(&str, &str)>) -> kube::Error {
        let causes: Vec<serde_json::Value> = causes
            .into_iter()
            .map(|(field, message)| serde_json::json!({"reason": "FieldValueInvalid", "message": message, "field": field}))
            .collect();
        let status: Status = serde_json::from_value(serde_json::json!({
            "status": "Failure", "code": code, "reason": reason, "message": message,
            "details": {"causes": causes}
        }))
        .unwrap();
        kube::Error::Api(status.boxed())
    }

    #[test]
    fn recognises_immutable_field_errors() {
        let err = api_error(
            422,
            "Invalid",
            "Deployment.apps \"app\" is invalid: spec.selector: Invalid value: {}: field is immutable",
            vec![("spec.selector", "Invalid value: {}: field is immutable")],
        );
        assert!(is_immutable(&err));
        assert_eq!(immutable_fields(&err), vec!["spec.selector"]);
        let no_causes = api_error(
            422,
            "Invalid",
            "Job.batch \"j\" is invalid: spec.template: Invalid value: {}: field is immutable",
            vec![],
        );
        assert_eq!(immutable_fields(&no_causes), vec!["spec.template"]);
        let validation = api_error(
            422,
            "Invalid",
            "ConfigMap \"x\" is invalid: metadata.name: Invalid value",
            vec![("metadata.name", "Invalid value")],
        );
        assert!(!is_immutable(&validation));
        let webhook = api_error(
            400,
            "BadRequest",
            "admission webhook denied: immutable field changed",
            vec![],
        );
        assert!(is_immutable(&webhook));
        assert_eq!(
            message_of(&webhook),
            "admission webhook denied: immutable field changed"
        );
        assert_eq!(reason_of(&webhook), "BadRequest");
    }
}
