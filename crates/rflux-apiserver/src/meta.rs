//! Object metadata rules: name formats, system fields set on create and update, generation.

use rand::Rng;
use serde_json::{Map, Value};

use crate::error::Cause;
use crate::resources::ResourceType;

pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

pub fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// Checks a name as kube-apiserver does for this kind; returns the problem, if any.
pub fn name_problem(rt: &ResourceType, name: &str) -> Option<String> {
    if name == "." || name == ".." {
        return Some(format!("may not be '{name}'"));
    }
    if let Some(bad) = ["/", "%"].iter().find(|c| name.contains(**c)) {
        return Some(format!("may not contain '{bad}'"));
    }
    let rbac = rt.group == "rbac.authorization.k8s.io";
    if rbac {
        return None;
    }
    let label = rt.group.is_empty() && (rt.plural == "namespaces" || rt.plural == "services");
    if label {
        if !is_dns_label(name) {
            return Some(String::from(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            ));
        }
    } else if !is_dns_subdomain(name) {
        return Some(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".to_string(),
        );
    }
    None
}

/// The current time as Kubernetes writes timestamps (RFC 3339, seconds, UTC).
pub fn now() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    now.format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

/// Five characters as kube-apiserver appends for `generateName`.
pub fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..5)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Validates labels, annotations and finalizers; returns causes with field paths.
/// `qualified_finalizers`: built-in kinds require finalizer names with a `/` (or a standard
/// one); custom resources accept any qualified name, as kube-apiserver does (Flux's
/// `finalizers.fluxcd.io`).
pub fn validate_metadata(meta: &Map<String, Value>, qualified_finalizers: bool) -> Vec<Cause> {
    let mut causes = Vec::new();
    if let Some(labels) = meta.get("labels") {
        match labels.as_object() {
            Some(labels) => {
                for (k, v) in labels {
                    let field = "metadata.labels".to_string();
                    if !label_key_ok(k) {
                        causes.push(Cause::new("FieldValueInvalid", format!("Invalid value: \"{k}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"), field.clone()));
                    }
                    match v.as_str() {
                        Some(s) if label_value_ok(s) => {}
                        Some(s) => causes.push(Cause::new("FieldValueInvalid", format!("Invalid value: \"{s}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"), field)),
                        None => causes.push(Cause::new("FieldValueTypeInvalid", "Invalid value: label values must be strings", format!("metadata.labels.{k}"))),
                    }
                }
            }
            None if labels.is_null() => {}
            None => causes.push(Cause::new(
                "FieldValueTypeInvalid",
                "Invalid value: must be an object",
                "metadata.labels",
            )),
        }
    }
    if let Some(annotations) = meta.get("annotations") {
        match annotations.as_object() {
            Some(annotations) => {
                let mut total = 0;
                for (k, v) in annotations {
                    total += k.len() + v.as_str().map_or(0, str::len);
                    if !label_key_ok(k) {
                        causes.push(Cause::new("FieldValueInvalid", format!("Invalid value: \"{k}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"), "metadata.annotations"));
                    }
                    if !v.is_string() {
                        causes.push(Cause::new(
                            "FieldValueTypeInvalid",
                            "Invalid value: annotation values must be strings",
                            format!("metadata.annotations.{k}"),
                        ));
                    }
                }
                if total > 256 * 1024 {
                    causes.push(Cause::new(
                        "FieldValueTooLong",
                        "Too long: must have at most 262144 bytes",
                        "metadata.annotations",
                    ));
                }
            }
            None if annotations.is_null() => {}
            None => causes.push(Cause::new(
                "FieldValueTypeInvalid",
                "Invalid value: must be an object",
                "metadata.annotations",
            )),
        }
    }
    if let Some(finalizers) = meta.get("finalizers") {
        match finalizers.as_array() {
            Some(list) => {
                for (i, f) in list.iter().enumerate() {
                    if !f.as_str().is_some_and(|s| {
                        !s.is_empty()
                            && (!qualified_finalizers
                                || s.contains('/')
                                || s == "kubernetes"
                                || s == "orphan"
                                || s == "foregroundDeletion")
                    }) {
                        causes.push(Cause::new("FieldValueInvalid", format!("Invalid value: {f}: name is neither a standard finalizer name nor is it fully qualified"), format!("metadata.finalizers[{i}]")));
                    }
                }
            }
            None if finalizers.is_null() => {}
            None => causes.push(Cause::new(
                "FieldValueTypeInvalid",
                "Invalid value: must be a list",
                "metadata.finalizers",
            )),
        }
    }
    causes
}

fn label_key_ok(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    prefix.is_none_or(is_dns_subdomain) && label_value_ok(name) && !name.is_empty()
}

fn label_value_ok(value: &str) -> bool {
    value.is_empty()
        || (value.len() <= 63
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
            && value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && value.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

/// Metadata fields clients may not set; they are kept from the stored object on update.
pub const SYSTEM_FIELDS: &[&str] = &[
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// Whether a change from `old` to `new` bumps `metadata.generation`: any change outside
/// metadata and status (for custom resources and kinds with a spec).
pub fn spec_changed(old: &Value, new: &Value) -> bool {
    let strip = |v: &Value| -> Value {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("metadata");
            o.remove("status");
            o.remove("apiVersion");
            o.remove("kind");
        }
        v
    };
    strip(old) != strip(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        assert!(is_dns_label("a-1"));
        assert!(!is_dns_label("A"));
        assert!(!is_dns_label("-a"));
        assert!(is_dns_subdomain("a.b-c.d"));
        assert!(!is_dns_subdomain("a..b"));
        assert!(!is_dns_subdomain(&"a".repeat(254)));
    }

    #[test]
    fn timestamps_look_like_kubernetes() {
        let t = now();
        assert_eq!(t.len(), 20);
        assert!(t.ends_with('Z'));
    }
}
