//! The committed CRD YAML under `config/crd/` is what the types generate
//! (`RFLUX_UPDATE_CRDS=1 cargo test -p rflux-api --test crd_yaml` rewrites it), and it reads
//! back into the same CRDs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use rflux_api::crd;

fn crd_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../config/crd")
}

fn kustomization_yaml() -> String {
    let mut out = String::from("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n");
    for c in crd::crds() {
        out.push_str(&format!("  - {}\n", crd::file_name(&c)));
    }
    out
}

#[test]
fn committed_crds_match_the_types() {
    let dir = crd_dir();
    let update = std::env::var_os("RFLUX_UPDATE_CRDS").is_some_and(|v| v == "1");
    let mut expected = vec![("kustomization.yaml".to_string(), kustomization_yaml())];
    for c in crd::crds() {
        expected.push((crd::file_name(&c), crd::to_yaml(&c).unwrap()));
    }
    if update {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in &expected {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let mut stale = Vec::new();
    for (name, text) in &expected {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(committed) if &committed == text => {}
            _ => stale.push(name.clone()),
        }
    }
    assert!(
        stale.is_empty(),
        "config/crd is out of date for {stale:?}; run RFLUX_UPDATE_CRDS=1 cargo test -p rflux-api --test crd_yaml"
    );
}

#[test]
fn committed_yaml_reads_back_into_the_same_crds() {
    if std::env::var_os("RFLUX_UPDATE_CRDS").is_some() {
        return; // the other test is rewriting the files
    }
    for c in crd::crds() {
        let text = std::fs::read_to_string(crd_dir().join(crd::file_name(&c))).unwrap();
        let parsed: CustomResourceDefinition = serde_saphyr::from_str(text.trim_start_matches("---\n")).unwrap();
        assert_eq!(parsed, c, "{}", crd::file_name(&c));
    }
}
