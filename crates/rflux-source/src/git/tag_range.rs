//! Picking the tag for `spec.ref.semver` as Flux's source-controller does: the range is a
//! Masterminds constraint, each tag is read by Flux's `version.ParseVersion`
//! ([`Version::parse_flux`]: a strict `x.y.z` with no leading zeros, pre-release and
//! metadata only after the third number, one leading `v` allowed; tags that do not parse
//! are skipped), and the highest matching version wins.
//!
//! One difference from Flux: Flux breaks ties between equal versions (differing in build
//! metadata or the `v`) by the tagged commit's time, which a ref listing does not carry;
//! here the lexically greatest tag name wins.

use rflux_semver::{RangeError, Version, VersionRange};

/// Parses a tag name as a version: `1.2.3`, `v1.2.3`, `1.2.3-rc.1+build`; partial versions
/// (`1.2`), leading zeros (`2024.01.15`) and pre-releases before the third number
/// (`1.2-rc.3`) do not count, as in Flux.
pub fn parse_tag_version(tag: &str) -> Option<Version> {
    Version::parse_flux(tag).ok()
}

/// Parses a semver range as written in `spec.ref.semver` (Masterminds `NewConstraint`).
pub fn parse_range(range: &str) -> Result<VersionRange, RangeError> {
    VersionRange::parse(range)
}

/// The tag with the highest version satisfying `range`; among equal versions the
/// lexically greatest name wins.
pub fn highest_matching<'a>(tags: impl IntoIterator<Item = &'a str>, range: &VersionRange) -> Option<&'a str> {
    let mut best: Option<(Version, &'a str)> = None;
    for tag in tags {
        let Some(version) = parse_tag_version(tag) else {
            continue;
        };
        if !range.matches(&version) {
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
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn picks_highest_in_range() {
        let tags = [
            "v1.0.0",
            "1.1.0",
            "v1.2.0-rc.1",
            "v2.0.0",
            "latest",
            "1.5",
            "1.8-rc.1",
            "v01.9.0",
        ];
        let range = parse_range(">=1.0.0 <2.0.0").unwrap();
        assert_eq!(highest_matching(tags, &range), Some("1.1.0"));
        let range = parse_range(">= 1.0.0, < 3.0.0").unwrap();
        assert_eq!(highest_matching(tags, &range), Some("v2.0.0"));
        let range = parse_range("~0.1").unwrap();
        assert_eq!(highest_matching(tags, &range), None);
        assert!(parse_range("not a range").is_err());
    }

    #[test]
    fn tags_flux_does_not_read_are_skipped() {
        for tag in [
            "v01.2.3",
            "2024.01.15",
            "1.2-rc.3",
            "1-rc.2.3",
            "v1.2+b.3",
            "1.2",
            "vv1.2.3",
        ] {
            assert!(parse_tag_version(tag).is_none(), "{tag}");
        }
        assert_eq!(parse_tag_version("v1.2.3").unwrap().to_string(), "1.2.3");
        let tags = ["2024.01.15", "2023.12.1", "v3.0.0-rc.1", "1.2-rc.3"];
        let range = parse_range(">=2000").unwrap();
        assert_eq!(highest_matching(tags, &range), Some("2023.12.1"));
        let range = parse_range(">=1.0.0-0").unwrap();
        assert_eq!(highest_matching(tags, &range), Some("2023.12.1"));
        let range = parse_range("^1.2.0-0").unwrap();
        assert_eq!(highest_matching(tags, &range), None);
    }

    #[test]
    fn prereleases_and_not_equal_follow_masterminds() {
        let tags = ["v1.0.0", "v1.4.0", "v1.5.0-rc.1", "v2.0.0"];
        // node-semver would keep 1.5.0-rc.1 out (it is not on 1.0.0).
        let range = parse_range(">=1.0.0-0 <2.0.0").unwrap();
        assert_eq!(highest_matching(tags, &range), Some("v1.5.0-rc.1"));
        // node-semver has no `!=`.
        let range = parse_range(">=1.0.0, !=2.0.0").unwrap();
        assert_eq!(highest_matching(tags, &range), Some("v1.4.0"));
    }
}
