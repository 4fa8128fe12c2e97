//! The build's boundaries (no reference tool needed): files outside the root, symlinks
//! escaping it, remote resources and Helm charts are refused with errors naming the
//! kustomization file and the entry; bad input never panics.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;

use rflux_kustomize::{Error, build};

fn write(dir: &Path, path: &str, content: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";

fn err_text(root: &Path, dir: &Path) -> String {
    match build(root, dir) {
        Ok(objs) => panic!("expected an error, got {} objects", objs.len()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn any_file_inside_the_root_may_be_referenced() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "shared/cm.yaml", CM);
    write(
        t.path(),
        "apps/a/kustomization.yaml",
        "resources: [../../shared/cm.yaml]\n",
    );
    let objs = build(t.path(), &t.path().join("apps/a")).unwrap();
    assert_eq!(objs.len(), 1);
}

#[test]
fn files_outside_the_root_are_refused() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "outside/cm.yaml", CM);
    write(t.path(), "root/kustomization.yaml", "resources: [../outside/cm.yaml]\n");
    let root = t.path().join("root");
    let msg = err_text(&root, &root);
    assert!(msg.contains("kustomization.yaml"), "{msg}");
    assert!(msg.contains("resources: ../outside/cm.yaml"), "{msg}");
    assert!(msg.contains("outside the build root"), "{msg}");
}

#[test]
fn generator_files_outside_the_root_are_refused() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "secret.txt", "s3cr3t");
    write(
        t.path(),
        "root/kustomization.yaml",
        "secretGenerator:\n- name: s\n  files: [../secret.txt]\n",
    );
    let root = t.path().join("root");
    let msg = err_text(&root, &root);
    assert!(msg.contains("outside the build root"), "{msg}");
    assert!(!msg.contains("s3cr3t"));
}

#[cfg(unix)]
#[test]
fn symlinks_escaping_the_root_are_refused() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "outside/cm.yaml", CM);
    write(t.path(), "root/kustomization.yaml", "resources: [link.yaml, dirlink]\n");
    std::os::unix::fs::symlink(t.path().join("outside/cm.yaml"), t.path().join("root/link.yaml")).unwrap();
    let root = t.path().join("root");
    let msg = err_text(&root, &root);
    assert!(msg.contains("resources: link.yaml"), "{msg}");
    assert!(msg.contains("outside the build root"), "{msg}");
}

#[cfg(unix)]
#[test]
fn symlinks_inside_the_root_are_followed() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "root/real/cm.yaml", CM);
    write(t.path(), "root/kustomization.yaml", "resources: [link.yaml]\n");
    std::os::unix::fs::symlink(t.path().join("root/real/cm.yaml"), t.path().join("root/link.yaml")).unwrap();
    let root = t.path().join("root");
    assert_eq!(build(&root, &root).unwrap().len(), 1);
}

#[test]
fn the_build_directory_must_be_inside_the_root() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "a/kustomization.yaml", "resources: []\nnamespace: x\n");
    write(t.path(), "b/x.txt", "");
    let e = build(&t.path().join("b"), &t.path().join("a")).unwrap_err();
    assert!(matches!(e, Error::File { .. }), "{e}");
}

#[test]
fn remote_resources_are_refused_naming_the_entry() {
    for entry in [
        "https://github.com/org/repo//deploy?ref=main",
        "github.com/org/repo/deploy?ref=v1",
        "git@github.com:org/repo.git//deploy",
        "ssh://git@example.com/repo.git",
        "http://example.com/manifest.yaml",
    ] {
        let t = tempfile::tempdir().unwrap();
        write(t.path(), "kustomization.yaml", &format!("resources:\n- {entry}\n"));
        let msg = err_text(t.path(), t.path());
        assert!(msg.contains(entry), "{msg}");
        assert!(msg.contains("remote"), "{msg}");
    }
}

#[test]
fn helm_charts_are_refused() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "kustomization.yaml",
        "helmCharts:\n- name: podinfo\n  repo: https://x\n",
    );
    let msg = err_text(t.path(), t.path());
    assert!(msg.contains("helmCharts"), "{msg}");
}

#[test]
fn invalid_yaml_names_the_file_and_line() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "kustomization.yaml", "resources: [r.yaml]\n");
    write(
        t.path(),
        "r.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n",
    );
    let msg = err_text(t.path(), t.path());
    assert!(msg.contains("r.yaml"), "{msg}");
    assert!(msg.contains("line"), "{msg}");
}

#[test]
fn missing_kustomization_is_an_error() {
    let t = tempfile::tempdir().unwrap();
    let msg = err_text(t.path(), t.path());
    assert!(msg.contains("kustomization.yaml"), "{msg}");
}
