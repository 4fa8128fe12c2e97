//! Unit tests: expected answers are Helm v4's (`semverCompare` through
//! helm-reference-render), which embeds Masterminds semver v3.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn ok(range: &str, version: &str) -> bool {
    match (VersionRange::parse(range), Version::parse(version)) {
        (Ok(r), Ok(v)) => r.matches(&v),
        (r, v) => panic!("parse failed: {r:?} {v:?}"),
    }
}

fn range_err(range: &str) -> String {
    VersionRange::parse(range).unwrap_err().reason()
}

fn version_err(version: &str) -> String {
    Version::parse(version).unwrap_err().reason()
}

#[test]
fn caret_forms() {
    assert!(ok("^1.2", "1.9.0"));
    assert!(!ok("^1.2", "2.0.0"));
    assert!(!ok("^1.2", "1.1.9"));
    assert!(ok("^0.2.3", "0.2.9"));
    assert!(!ok("^0.2.3", "0.3.0"));
    assert!(ok("^0.0.3", "0.0.3"));
    assert!(!ok("^0.0.3", "0.0.4"));
    assert!(ok("^0", "0.9.0"));
    assert!(!ok("^0", "1.0.0"));
    assert!(ok("^0.x", "0.5.0"));
    assert!(!ok("^0.x", "1.0.0"));
    assert!(ok("^0.0", "0.0.9"));
    assert!(!ok("^0.0", "0.1.0"));
    assert!(ok("^0.0.0", "0.0.0"));
    assert!(!ok("^0.0.0", "0.0.1"));
    assert!(!ok("^*", "3.0.0"));
    assert!(ok("^0.0.x", "0.0.5"));
    assert!(!ok("^0.0.x", "0.1.0"));
}

#[test]
fn tilde_forms() {
    assert!(ok("~1.2.3", "1.2.9"));
    assert!(!ok("~1.2.3", "1.3.0"));
    assert!(!ok("~1.2.3", "1.2.2"));
    assert!(ok("~1", "1.9.0"));
    assert!(!ok("~1", "2.0.0"));
    assert!(ok("~>1.2", "1.2.7"));
    assert!(ok("~0.0.0", "1.0.0"));
    assert!(!ok("~0.0", "0.1.0"));
    assert!(ok("~*", "5.0.0"));
}

#[test]
fn comparisons_and_wildcards() {
    assert!(ok(">=1.0.0 <2.0.0", "1.5.0"));
    assert!(ok(">= 1.0, < 2.0", "1.5.0"));
    assert!(ok(">=1.0.0,<2.0.0", "1.5.0"));
    assert!(ok(">=1.0.0 , <2.0.0", "1.5.0"));
    assert!(!ok(">= 1.0, < 2.0", "2.0.0"));
    assert!(ok("1.2.x", "1.2.7"));
    assert!(!ok("1.2.x", "1.3.0"));
    assert!(ok("1.x.3", "1.2.3"));
    assert!(ok("*", "3.0.0"));
    assert!(!ok("*", "3.0.0-rc.1"));
    assert!(ok("*-0", "3.0.0-rc.1"));
    assert!(ok("1.x || >=3", "3.1.0"));
    assert!(ok("v1.2.3", "1.2.3"));
    assert!(ok("1.2.3", "v1.2.3"));
    assert!(ok("1.2.3+build", "1.2.3"));
    assert!(!ok(">1.2", "1.2.9"));
    assert!(ok(">1.2", "1.3.0"));
    assert!(!ok(">1", "1.9.0"));
    assert!(ok("<=1.2", "1.2.9"));
    assert!(!ok("<=1.2", "1.3.0"));
    assert!(ok("\t>=1.0.0\n", "1.5.0"));
}

#[test]
fn not_equal() {
    assert!(ok("!=1.2.3", "1.2.4"));
    assert!(!ok("!=1.2.3", "1.2.3"));
    assert!(!ok("!=1.x", "1.5.0"));
    assert!(ok("!=1.2.x", "1.3.0"));
    assert!(!ok("!=1.2.x", "1.2.3"));
    assert!(ok("!=*", "1.0.0"));
    assert!(!ok(">=1.0.0,<2.0.0,!=1.5.0", "1.5.0"));
    // A pre-release is excluded unless the group names one, `!=` included.
    assert!(!ok("!=1.2.3", "1.2.3-rc.1"));
    assert!(ok("!=1.2.3-rc.1", "1.2.3-rc.2"));
}

#[test]
fn hyphen_ranges() {
    assert!(ok("1 - 2", "2.9.0"));
    assert!(!ok("1 - 2", "3.0.0"));
    assert!(ok("1.2.3 - 1.4.5", "1.4.5"));
    assert!(ok("1 - 2 || 5 - 6", "5.5.0"));
    assert!(ok(" 1 - 2 ,<1.5", "1.2.0"));
    assert!(ok("1.0.0-rc - 2.0.0", "1.0.0-rc.1"));
    // Without spaces the dash starts a pre-release.
    assert!(!ok("1.2.3-1.4.5", "1.4.5"));
    // The rewrite is textual, as in Masterminds: after an operator it breaks the range.
    assert_eq!(
        range_err(">=1.0.0 - 2.0.0"),
        r#"improper constraint: ">=>= 1.0.0, <= 2.0.0 ""#
    );
}

#[test]
fn prereleases_only_when_the_group_asks() {
    assert!(!ok(">=1.0.0", "1.5.0-rc.1"));
    assert!(ok(">=1.0.0-0", "1.5.0-rc.1"));
    assert!(ok(">=1.0.0-0 <2.0.0", "1.5.0-rc.1"));
    assert!(ok("<2.0.0 >=1.0.0-0", "1.5.0-rc.1"));
    assert!(ok("<2.0.0 || >=1.0.0-0", "1.5.0-rc.1"));
    assert!(!ok("<1.0.0 || >=2.0.0-0", "1.5.0-rc.1"));
    assert!(ok("1.0.0-rc.1", "1.0.0-rc.1"));
    assert!(ok("~1.2.0-0", "1.2.5-rc.1"));
    assert!(ok("^1.2.0-0", "1.9.5-rc.1"));
    assert!(!ok("<1.0.0-0", "1.0.0-rc.1"));
    assert!(ok(">1.2.3-alpha.1", "1.2.3-alpha.beta"));
    assert!(ok("<1.2.3-alpha.10", "1.2.3-alpha.9"));
}

#[test]
fn ordering() {
    let v = |s| Version::parse(s).unwrap();
    assert!(v("1.0.0-alpha") < v("1.0.0-alpha.1"));
    assert!(v("1.0.0-alpha.1") < v("1.0.0-beta"));
    assert!(v("1.0.0-beta.2") < v("1.0.0-beta.11"));
    assert!(v("1.0.0-rc.1") < v("1.0.0"));
    assert_eq!(v("1.0.0+a"), v("1.0.0+b"));
    assert_eq!(v("1.2").to_string(), "1.2.0");
    assert_eq!(v("v01.02.03").to_string(), "1.2.3");
    assert_eq!(v("v01.02.03").original(), "v01.02.03");
    assert_eq!(v("1.2-rc.1.5").to_string(), "1.2.0-rc.1.5");
    assert_eq!(v("v1.2.3-rc.1").inc_patch().original(), "v1.2.3");
    assert_eq!(v("1.2.3").inc_minor().to_string(), "1.3.0");
    assert_eq!(v("1.2.3+b").inc_major().to_string(), "2.0.0");
}

#[test]
fn bad_ranges_carry_mastermindss_messages() {
    assert_eq!(range_err(""), r#"improper constraint: """#);
    assert_eq!(range_err(">=abc"), r#"improper constraint: ">=abc""#);
    assert_eq!(range_err("1.2.3.4"), r#"improper constraint: "1.2.3.4""#);
    assert_eq!(range_err(">= 1.0.0 ,, <2"), r#"improper constraint: ">= 1.0.0 ,, <2""#);
    assert_eq!(range_err("==1.2.3"), r#"improper constraint: "==1.2.3""#);
    assert_eq!(range_err("1.0.0 || "), r#"improper constraint: " ""#);
    assert_eq!(range_err("1.2.3-"), r#"improper constraint: "1.2.3-""#);
    assert_eq!(range_err("1.2.3-01"), "constraint parser error");
    assert_eq!(range_err("1x"), "constraint parser error");
    assert_eq!(range_err(&"1.0.0||".repeat(40)), "too many constraint groups (max 32)");
    assert_eq!(
        range_err(&format!(">=1.0.0 {}", "<2.0.0 ".repeat(100))),
        "constraint string is too long (max 512 bytes)"
    );
}

#[test]
fn bad_versions_carry_mastermindss_messages() {
    for text in [
        "",
        "one",
        "v",
        "V1.2.3",
        " 1.2.3",
        "1.2.3.4",
        "1..2",
        "1.2.3-",
        "1.2.3+",
        "1.2.3+a+b",
        "1.2.3-rc_1",
    ] {
        assert_eq!(version_err(text), "invalid semantic version", "{text:?}");
    }
    assert_eq!(version_err("1.2.3-01"), "version segment starts with 0");
    assert_eq!(
        version_err("18446744073709551616.0.0"),
        r#"error parsing version segment: strconv.ParseUint: parsing "18446744073709551616": value out of range"#
    );
    assert_eq!(
        version_err(&format!("1.0.0-{}", "a".repeat(300))),
        "version string is too long (max 256 bytes)"
    );
    assert!(Version::parse("1.2.3+01").is_ok());
    assert!(Version::parse("1.2.3-0a").is_ok());
    assert_eq!(Version::parse("18446744073709551615.0.0").unwrap().major(), u64::MAX);
}

fn strict_err(version: &str) -> String {
    Version::parse_strict(version).unwrap_err().reason()
}

#[test]
fn strict_versions_follow_strict_new_version() {
    for good in [
        "1.2.3",
        "0.0.0",
        "1.2.3-rc.1+b",
        "1.2.3-rc.1.2",
        "1.2.3+b-c.01",
        "1.2.3-a-b",
        "1.2.3-0a",
    ] {
        let v = Version::parse_strict(good).unwrap();
        assert_eq!(v.to_string(), good);
        assert_eq!(v.original(), good);
    }
    let v = Version::parse_strict("1.2.3-rc.1+b").unwrap();
    assert_eq!((v.numbers(), v.prerelease(), v.build()), ((1, 2, 3), "rc.1", "b"));
    assert_eq!(strict_err(""), "version string empty");
    assert_eq!(strict_err("1.2"), "invalid semantic version");
    assert_eq!(strict_err("1"), "invalid semantic version");
    assert_eq!(strict_err("v1.2.3"), "invalid characters in version");
    assert_eq!(strict_err("01.2.3"), "version segment starts with 0");
    assert_eq!(strict_err("1.2.03"), "version segment starts with 0");
    assert_eq!(strict_err("2024.01.15"), "version segment starts with 0");
    assert_eq!(strict_err("1.2.3.4"), "invalid characters in version");
    // Pre-release and metadata belong to the third number only.
    assert_eq!(strict_err("1.2-rc.3"), "invalid characters in version");
    assert_eq!(strict_err("1-rc.2.3"), "invalid characters in version");
    assert_eq!(strict_err("1.2+b.3"), "invalid characters in version");
    assert_eq!(strict_err("1.2.3-"), "invalid prerelease string");
    assert_eq!(strict_err("1.2.3-rc..1"), "invalid prerelease string");
    assert_eq!(strict_err("1.2.3-rc_1"), "invalid prerelease string");
    assert_eq!(strict_err("1.2.3-rc.01"), "version segment starts with 0");
    assert_eq!(strict_err("1.2.3+"), "invalid metadata string");
    assert_eq!(strict_err("1.2.3+b..c"), "invalid metadata string");
    // Metadata is checked before the pre-release, the pre-release before the numbers.
    assert_eq!(strict_err("01.2.3-rc.01+b_"), "invalid metadata string");
    assert_eq!(strict_err("x.2.3-rc.01+b"), "version segment starts with 0");
    assert_eq!(strict_err("x.2.3-rc_+b"), "invalid prerelease string");
    assert_eq!(strict_err("x.2.3-rc+b"), "invalid characters in version");
    assert_eq!(strict_err("1..3"), r#"strconv.ParseUint: parsing "": invalid syntax"#);
    assert_eq!(
        strict_err("1.18446744073709551616.0"),
        r#"strconv.ParseUint: parsing "18446744073709551616": value out of range"#
    );
    assert_eq!(
        strict_err(&"1".repeat(257)),
        "version string is too long (max 256 bytes)"
    );
}

#[test]
fn flux_versions_allow_one_v() {
    for good in ["v1.2.3", "1.2.3", "1.2.3-rc.1+b", "v1.2.3-rc.1+b"] {
        assert_eq!(Version::parse_flux(good).unwrap().original(), good);
    }
    assert_eq!(Version::parse_flux("v1.2.3").unwrap().to_string(), "1.2.3");
    for bad in [
        "v01.2.3",
        "2024.01.15",
        "1.2-rc.3",
        "1-rc.2.3",
        "v1.2+b.3",
        "1.2",
        "v1.2",
        "vv1.2.3",
        "V1.2.3",
        "latest",
        "",
    ] {
        assert!(Version::parse_flux(bad).is_err(), "{bad} parsed");
        // Helm's lenient reader takes most of them.
        if ["v01.2.3", "2024.01.15", "1.2-rc.3", "v1.2+b.3", "1.2", "v1.2"].contains(&bad) {
            assert!(Version::parse(bad).is_ok(), "{bad}");
        }
    }
    let err = Version::parse_flux("v01.2.3").unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"invalid semantic version "v01.2.3": version segment starts with 0"#
    );
    let range = VersionRange::parse(">=1").unwrap();
    assert_eq!(
        range
            .highest_tag(["1.0.0", "1.9", "v1.5.0", "2024.01.15", "v01.9.0"])
            .unwrap(),
        "v1.5.0"
    );
}

#[test]
fn selection() {
    let pick = |range: &str, versions: &[&str]| select_version(range, versions, |v| v).map(|v| v.to_string());
    let versions = ["1.0.0", "1.2.0", "2.0.0-rc.1", "1.10.0"];
    assert_eq!(pick("", &versions).unwrap(), "1.10.0");
    assert_eq!(pick("*", &versions).unwrap(), "1.10.0");
    assert_eq!(pick("2.0.0-rc.1", &versions).unwrap(), "2.0.0-rc.1");
    assert_eq!(pick("~1.2", &versions).unwrap(), "1.2.0");
    assert_eq!(pick(">=1.0.0-0 <3", &versions).unwrap(), "2.0.0-rc.1");
    let err = pick("^3", &versions).unwrap_err().to_string();
    assert!(
        err.contains("^3") && err.contains("1.10.0") && err.contains("2.0.0-rc.1"),
        "{err}"
    );
    // Versions Flux does not read are skipped by ranges but still match exactly.
    let odd = ["1.9", "2024.01.15", "1.2-rc.3", "v1.5.0", "01.8.0", "1.4.0"];
    assert_eq!(pick("*", &odd).unwrap(), "v1.5.0");
    assert_eq!(pick(">=1", &odd).unwrap(), "v1.5.0");
    assert_eq!(pick("1.9", &odd).unwrap(), "1.9");
    assert_eq!(pick("2024.01.15", &odd).unwrap(), "2024.01.15");
    assert!(pick(">=2000", &odd).is_err());
    // A range that is not written as a candidate is a constraint: `1.2` means `1.2.x`.
    assert_eq!(pick("1.2", &["1.2.0", "1.2.7", "1.3.0"]).unwrap(), "1.2.7");
    // No trimming: a blank range is not a constraint.
    assert!(matches!(pick(" ", &versions), Err(RangeError::InvalidRange { .. })));
    // Among equal versions the first candidate wins.
    assert_eq!(pick("*", &["1.0.0+b", "1.0.0+a", "v1.0.0"]).unwrap(), "1.0.0+b");
    assert_eq!(pick("*", &["v1.0.0", "1.0.0+a"]).unwrap(), "v1.0.0");
    assert!(matches!(pick("*", &[]), Err(RangeError::NoMatch { .. })));
}

#[test]
fn satisfies_parses_the_range_first() {
    assert_eq!(satisfies(">=1", "1.5.0"), Ok(true));
    assert_eq!(
        satisfies(">=abc", "nope").unwrap_err().reason(),
        r#"improper constraint: ">=abc""#
    );
    assert_eq!(
        satisfies(">=1", "nope").unwrap_err().reason(),
        "invalid semantic version"
    );
}
