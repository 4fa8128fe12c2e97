//! Real request bodies captured from kubectl 1.32 (gen/capture_kubectl.py) decode
//! to the JSON kubectl itself prints for the same object (`--dry-run=client -o json`,
//! Go's encoding/json), or to a hand-checked expectation for commands that cannot
//! print client-side (auth can-i, create token, auth whoami).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kubectl")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn check(name: &str, expected_file: &str) {
    let dir = fixtures();
    let body = std::fs::read(dir.join(format!("{name}.pb"))).expect("fixture body");
    assert!(rflux_protobuf::is_protobuf(&body), "{name}: no magic");
    let got = rflux_protobuf::decode(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
    let want = read_json(&dir.join(expected_file));
    assert_eq!(
        got,
        want,
        "{name}: decoded\n{}\nexpected\n{}",
        serde_json::to_string_pretty(&got).unwrap_or_default(),
        serde_json::to_string_pretty(&want).unwrap_or_default()
    );
}

#[test]
fn every_printed_kubectl_object_matches_its_body() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .expect("fixture dir")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".json").map(str::to_string))
        .filter(|n| !n.ends_with(".expected"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "expected the captured fixtures, found {names:?}");
    for name in &names {
        check(name, &format!("{name}.json"));
    }
}

#[test]
fn auth_can_i_body() {
    check("can-i", "can-i.expected.json");
}

#[test]
fn auth_can_i_subresource_body() {
    check("can-i-subresource", "can-i-subresource.expected.json");
}

#[test]
fn create_token_body() {
    check("token", "token.expected.json");
}

#[test]
fn auth_whoami_body() {
    check("whoami", "whoami.expected.json");
}

#[test]
fn create_token_bound_to_a_pod_body() {
    check("token-bound", "token-bound.expected.json");
}

#[test]
fn auth_can_i_list_body() {
    check("can-i-list", "can-i-list.expected.json");
}
