//! Picking the tag for `spec.ref.semver`: the highest tag whose name parses as a full
//! semantic version (a leading `v` allowed) and satisfies the range, as Flux does.
//!
//! Ranges are Masterminds-style as Flux takes them; commas (AND in Masterminds) are read as
//! spaces so node-semver accepts them.

/// Parses a tag name as a version: `1.2.3`, `v1.2.3`, `1.2.3-rc.1+build`; partial versions
/// (`1.2`) do not count, as in Flux.
pub fn parse_tag_version(tag: &str) -> Option<node_semver::Version> {
    let text = tag.strip_prefix('v').unwrap_or(tag);
    let core = text.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    node_semver::Version::parse(text).ok()
}

/// Parses a semver range as written in `spec.ref.semver`.
pub fn parse_range(range: &str) -> Result<node_semver::Range, String> {
    let normalized = range.replace(',', " ");
    node_semver::Range::parse(normalized.trim()).map_err(|e| e.to_string())
}

/// The tag with the highest version satisfying `range`; among equal versions (differing in
/// build metadata or the `v` prefix) the lexically greatest name wins.
pub fn highest_matching<'a>(tags: impl IntoIterator<Item = &'a str>, range: &node_semver::Range) -> Option<&'a str> {
    let mut best: Option<(node_semver::Version, &'a str)> = None;
    for tag in tags {
        let Some(version) = parse_tag_version(tag) else {
            continue;
        };
        if !range.satisfies(&version) {
            continue;
        }
        let better = match &best {
            None => true,
            Some((v, name)) => version > *v || (version == *v && tag > *name),
        };
        if better {
            best = Some((version, tag));
        }
    }
    best.map(|(_, tag)| tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_highest_in_range() {
        let tags = ["v1.0.0", "1.1.0", "v1.2.0-rc.1", "v2.0.0", "latest", "1.5"];
        let range = parse_range(">=1.0.0 <2.0.0").unwrap();
        assert_eq!(highest_matching(tags, &range), Some("1.1.0"));
        let range = parse_range(">= 1.0.0, < 3.0.0").unwrap();
        assert_eq!(highest_matching(tags, &range), Some("v2.0.0"));
        let range = parse_range("~0.1").unwrap();
        assert_eq!(highest_matching(tags, &range), None);
        assert!(parse_range("not a range").is_err());
    }
}
