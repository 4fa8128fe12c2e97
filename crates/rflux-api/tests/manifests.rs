//! Flux manifests (written in the shape platform teams use) read into the typed structs and
//! back: every field survives, defaults fill in as Flux's do, and bad values are typed errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rflux_api::{
    CrdsPolicy, GitRepository, HelmRelease, HelmRepository, Kustomization, KustomizationSourceKind, OCIRepository,
};
use serde_json::{Value, json};

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap()
}

/// Every key/value of `sub` is in `sup` (sup may have more: defaults).
fn contains(sup: &Value, sub: &Value, path: &str) {
    match (sup, sub) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                let Some(av) = a.get(k) else { panic!("{path}.{k} lost") };
                contains(av, v, &format!("{path}.{k}"));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                contains(x, y, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(sup, sub, "{path}"),
    }
}

#[test]
fn git_repository_round_trips_with_defaults() {
    let input = yaml(
        r#"
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec:
  interval: 1m0s
  ref: {branch: main}
  secretRef: {name: flux-system}
  url: ssh://git@github.com/example-org/cluster-config.git
  ignore: |
    /*
    !/clusters
"#,
    );
    let repo: GitRepository = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(repo.spec.r#ref.as_ref().unwrap().branch.as_deref(), Some("main"));
    assert_eq!(repo.spec.timeout, "60s", "Flux's default timeout");
    let back = serde_json::to_value(&repo).unwrap();
    contains(&back, &input, "");
    assert_eq!(back["spec"]["timeout"], "60s");
}

#[test]
fn kustomization_and_helmrelease_round_trip() {
    let ks_in = yaml(
        r#"
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m0s
  dependsOn: [{name: infrastructure}]
  path: ./applications/overlays/dev
  prune: true
  wait: true
  timeout: 5m
  sourceRef: {kind: GitRepository, name: flux-system}
  postBuild:
    substitute: {cluster_name: dev-1}
    substituteFrom: [{kind: ConfigMap, name: cluster-vars, optional: true}]
  decryption: {provider: sops, secretRef: {name: sops-age}}
  patches:
    - patch: |
        - op: replace
          path: /spec/replicas
          value: 2
      target: {kind: Deployment, labelSelector: "app=web"}
  healthChecks: [{apiVersion: apps/v1, kind: Deployment, name: web, namespace: apps}]
"#,
    );
    let ks: Kustomization = serde_json::from_value(ks_in.clone()).unwrap();
    assert_eq!(ks.spec.source_ref.kind, KustomizationSourceKind::GitRepository);
    assert!(ks.spec.prune);
    contains(&serde_json::to_value(&ks).unwrap(), &ks_in, "");

    let hr_in = yaml(
        r#"
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: cert-manager, namespace: cert-manager}
spec:
  interval: 30m
  releaseName: cert-manager
  install: {createNamespace: true, crds: CreateReplace, remediation: {retries: 3}}
  upgrade: {remediation: {retries: 3, remediateLastFailure: true, strategy: rollback}}
  chart:
    spec:
      chart: cert-manager
      version: "v1.14.x"
      sourceRef: {kind: HelmRepository, name: jetstack, namespace: flux-system}
  values:
    installCRDs: true
    nested: {list: [1, "two", {three: 3}], empty: {}}
  valuesFrom: [{kind: Secret, name: cm-values, valuesKey: values.yaml}]
  driftDetection: {mode: enabled, ignore: [{paths: ["/spec/replicas"], target: {kind: Deployment}}]}
  postRenderers:
    - kustomize:
        patches: [{patch: "- op: add\n  path: /metadata/labels/x\n  value: y\n", target: {kind: Deployment}}]
"#,
    );
    let hr: HelmRelease = serde_json::from_value(hr_in.clone()).unwrap();
    assert_eq!(hr.spec.install.as_ref().unwrap().crds, Some(CrdsPolicy::CreateReplace));
    assert_eq!(hr.spec.values.as_ref().unwrap()["nested"]["list"][2]["three"], json!(3));
    let back = serde_json::to_value(&hr).unwrap();
    contains(&back, &hr_in, "");
    assert_eq!(back["spec"]["chart"]["spec"]["reconcileStrategy"], "ChartVersion");
}

#[test]
fn sources_with_enums_and_bad_values() {
    let helm: HelmRepository = serde_json::from_value(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmRepository",
        "metadata": {"name": "bitnami", "namespace": "flux-system"},
        "spec": {"interval": "1h", "url": "oci://registry-1.docker.io/bitnamicharts", "type": "oci"}
    }))
    .unwrap();
    assert_eq!(helm.spec.r#type.map(|t| t.as_str()), Some("oci"));
    let oci: OCIRepository = serde_json::from_value(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "OCIRepository",
        "metadata": {"name": "podinfo"},
        "spec": {"interval": "5m", "url": "oci://ghcr.io/stefanprodan/manifests/podinfo",
                 "ref": {"semver": ">=6.0.0"}, "layerSelector": {"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip", "operation": "copy"}}
    }))
    .unwrap();
    assert_eq!(oci.spec.provider.as_str(), "generic", "Flux's default provider");
    let err = serde_json::from_value::<HelmRepository>(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmRepository",
        "metadata": {"name": "x"}, "spec": {"interval": "1h", "url": "https://x", "provider": "dropbox"}
    }))
    .unwrap_err()
    .to_string();
    assert!(err.contains("dropbox"), "{err}");
    let err = serde_json::from_value::<Kustomization>(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "x"}, "spec": {"interval": "1h"}
    }))
    .unwrap_err()
    .to_string();
    assert!(err.contains("prune") || err.contains("sourceRef"), "{err}");
}
