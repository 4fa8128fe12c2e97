//! `images:` rewrites container images (name, tag, digest) in every `containers` and
//! `initContainers` list of every object, as kustomize's legacy image filter does.

use serde_json::Value;

use crate::resource::Resource;

/// One `images:` entry.
pub(crate) struct ImageRule {
    pub(crate) name: String,
    pub(crate) new_name: String,
    pub(crate) new_tag: String,
    pub(crate) digest: String,
}

/// kustomize's `image.Split`: name, tag, digest (the registry host's port is not a tag).
pub(crate) fn split(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@');
    let colon = search.find(':');
    match (colon, at) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (c, Some(a)) if c.is_none_or(|c| a < c) => {
            let a = a + slash;
            (image[..a].to_string(), String::new(), image[a + 1..].to_string())
        }
        (Some(c), Some(a)) => {
            let (c, a) = (c + slash, a + slash);
            (
                image[..c].to_string(),
                image[c + 1..a].to_string(),
                image[a + 1..].to_string(),
            )
        }
        (Some(c), None) => {
            let c = c + slash;
            (image[..c].to_string(), image[c + 1..].to_string(), String::new())
        }
        _ => (image.to_string(), String::new(), String::new()),
    }
}

fn tag_chars_ok(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '{' | '}' | '-'))
}

/// kustomize's `IsImageMatched`: the name, then an optional `:tag` and `@sha256:digest`.
fn matches(image: &str, name: &str) -> bool {
    let Some(rest) = image.strip_prefix(name) else {
        return false;
    };
    let (tag_part, digest_part) = match rest.find("@sha256:") {
        Some(i) => (&rest[..i], Some(&rest[i + 8..])),
        None => (rest, None),
    };
    let tag_ok = tag_part.is_empty() || tag_part.strip_prefix(':').is_some_and(tag_chars_ok);
    tag_ok && digest_part.is_none_or(tag_chars_ok)
}

fn update(image: &str, rule: &ImageRule) -> Option<String> {
    if !matches(image, &rule.name) {
        return None;
    }
    let (mut name, mut tag, mut digest) = split(image);
    if !rule.new_name.is_empty() {
        name = rule.new_name.clone();
    }
    if !rule.new_tag.is_empty() && !rule.digest.is_empty() {
        tag = rule.new_tag.clone();
        digest = rule.digest.clone();
    } else if !rule.new_tag.is_empty() {
        tag = rule.new_tag.clone();
        digest.clear();
    } else if !rule.digest.is_empty() {
        digest = rule.digest.clone();
        tag.clear();
    }
    if !tag.is_empty() {
        name = format!("{name}:{tag}");
    }
    if !digest.is_empty() {
        name = format!("{name}@{digest}");
    }
    Some(name)
}

fn walk(v: &mut Value, rule: &ImageRule) {
    match v {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if (key == "containers" || key == "initContainers")
                    && let Value::Array(items) = child
                {
                    for c in items.iter_mut() {
                        if let Some(Value::String(image)) = c.get("image")
                            && let Some(new) = update(image, rule)
                            && let Value::Object(cm) = c
                        {
                            cm.insert("image".into(), Value::String(new));
                        }
                    }
                }
                walk(child, rule);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, rule);
            }
        }
        _ => {}
    }
}

pub(crate) fn apply(resources: &mut [Resource], rule: &ImageRule) {
    for r in resources.iter_mut() {
        walk(&mut r.obj, rule);
    }
}
