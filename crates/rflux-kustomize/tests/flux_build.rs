//! `build_flux` against the reference: every case builds a source tree with
//! `rflux_kustomize::build_flux` and, separately, a copy of the tree holding the
//! kustomization.yaml Flux would have written, with `kubectl kustomize --load-restrictor
//! LoadRestrictionsNone`; outputs must be equal, and the source tree must be unchanged.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use rflux_kustomize::{
    CommonMetadata, FluxImage, FluxOverlay, FluxPatch, GeneratorSource, PatchSelector, Value, build_flux, to_yaml, yaml,
};

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.25
      - name: side
        image: busybox
";

const SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
";

fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
    }
}

/// Every file below `dir` with its content.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn kubectl(dir: &Path) -> Result<String, String> {
    let out = Command::new("kubectl")
        .args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
        .arg(dir)
        .output()
        .expect("kubectl must be installed (the reference kustomize)");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn same_objects(expected: &str, actual: &[Value]) {
    let ours = to_yaml(actual);
    if ours == expected {
        return;
    }
    let exp: Vec<Value> = yaml::parse_stream(expected)
        .unwrap()
        .into_iter()
        .filter(|d| !d.is_null())
        .collect();
    let act: Vec<Value> = yaml::parse_stream(&ours)
        .unwrap()
        .into_iter()
        .filter(|d| !d.is_null())
        .collect();
    assert_eq!(exp, act, "--- kubectl\n{expected}--- rflux\n{ours}");
}

/// Builds `dir` of `files` with `overlay`, and compares with kubectl on a copy where
/// `dir/kustomization.yaml` is `equivalent`.
fn compare(files: &[(&str, &str)], dir: &str, overlay: &FluxOverlay, equivalent: &str) -> Vec<Value> {
    let src = tempfile::tempdir().unwrap();
    write_tree(src.path(), files);
    let before = snapshot(src.path());
    let ours = build_flux(src.path(), &src.path().join(dir), overlay, None)
        .unwrap_or_else(|e| panic!("build_flux failed: {e}"));
    assert_eq!(before, snapshot(src.path()), "the source tree must not change");

    let reference = tempfile::tempdir().unwrap();
    write_tree(reference.path(), files);
    let rdir = reference.path().join(dir);
    for name in ["kustomization.yml", "Kustomization"] {
        let _ = std::fs::remove_file(rdir.join(name));
    }
    std::fs::write(rdir.join("kustomization.yaml"), equivalent).unwrap();
    let expected = kubectl(&rdir).unwrap_or_else(|e| panic!("kubectl failed: {e}"));
    same_objects(&expected, &ours);
    ours
}

#[test]
fn generated_kustomization_lists_manifests_like_flux() {
    let files = [
        ("app/deploy.yaml", DEPLOY),
        ("app/svc.yml", SERVICE),
        (
            "app/.hidden.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hidden\n",
        ),
        (
            "app/list.yaml",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: from-list\n",
        ),
        (
            "app/nested/deeper/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nested\ndata:\n  a: b\n",
        ),
        ("app/nested/notes.txt", "not yaml: [\n"),
        ("app/nested/script.json", "{\"kind\": \"x\"}"),
        ("app/empty.yaml", "# nothing here\n"),
        (
            "app/withkust/kustomization.yaml",
            "resources:\n- sa.yaml\nnamePrefix: k-\n",
        ),
        (
            "app/withkust/sa.yaml",
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n",
        ),
        // Not listed by withkust's own kustomization, and Flux does not descend into it.
        (
            "app/withkust/extra.yaml",
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: extra\n",
        ),
    ];
    let equivalent = "apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ./.hidden.yaml
- ./deploy.yaml
- ./empty.yaml
- ./list.yaml
- ./nested/deeper/cm.yaml
- ./svc.yml
- ./withkust
";
    let objects = compare(&files, "app", &FluxOverlay::default(), equivalent);
    let names: Vec<&str> = objects
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"k-sa"), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("extra")), "{names:?}");
}

#[test]
fn generated_kustomization_at_the_root_of_the_source() {
    let files = [("deploy.yaml", DEPLOY), ("sub/svc.yaml", SERVICE)];
    let equivalent = "resources:\n- ./deploy.yaml\n- ./sub/svc.yaml\n";
    compare(&files, ".", &FluxOverlay::default(), equivalent);
}

#[test]
fn non_kubernetes_yaml_fails_the_generated_kustomization_naming_the_file() {
    let src = tempfile::tempdir().unwrap();
    write_tree(
        src.path(),
        &[
            ("app/deploy.yaml", DEPLOY),
            ("app/.gitlab-ci.yml", "stages:\n- build\nbuild:\n  script: make\n"),
        ],
    );
    let before = snapshot(src.path());
    let err = build_flux(src.path(), &src.path().join("app"), &FluxOverlay::default(), None)
        .expect_err("a non-Kubernetes YAML file is an error in Flux");
    let msg = err.to_string();
    assert!(msg.contains("failed to decode Kubernetes YAML from"), "{msg}");
    assert!(msg.contains(".gitlab-ci.yml"), "{msg}");
    assert_eq!(before, snapshot(src.path()));

    // A document without a name is refused as well.
    let src = tempfile::tempdir().unwrap();
    write_tree(
        src.path(),
        &[("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n")],
    );
    let msg = build_flux(src.path(), &src.path().join("app"), &FluxOverlay::default(), None)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("cm.yaml") && msg.contains("metadata.name"), "{msg}");
}

const BASE_KUSTOMIZATION: &str = "apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namePrefix: old-
resources:
- deploy.yaml
- svc.yaml
images:
- name: nginx
  newTag: \"1.26\"
";

fn base_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("apps/web/kustomization.yaml", BASE_KUSTOMIZATION),
        ("apps/web/deploy.yaml", DEPLOY),
        ("apps/web/svc.yaml", SERVICE),
        (
            "apps/comp/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      annotations:
        from-component: \"yes\"
",
        ),
        (
            "apps/comp2/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources:
- cm.yaml
",
        ),
        (
            "apps/comp2/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: comp2\n",
        ),
    ]
}

#[test]
fn target_namespace_is_the_kustomization_namespace() {
    let overlay = FluxOverlay {
        target_namespace: Some("prod".into()),
        ..Default::default()
    };
    let equivalent = format!("{BASE_KUSTOMIZATION}namespace: prod\n");
    let objects = compare(&base_files(), "apps/web", &overlay, &equivalent);
    assert!(objects.iter().all(|o| o["metadata"]["namespace"] == "prod"));
}

#[test]
fn name_prefix_and_suffix_replace_the_files_own() {
    let overlay = FluxOverlay {
        name_prefix: Some("p-".into()),
        name_suffix: Some("-s".into()),
        ..Default::default()
    };
    let equivalent = BASE_KUSTOMIZATION.replace("namePrefix: old-", "namePrefix: p-\nnameSuffix: -s");
    let objects = compare(&base_files(), "apps/web", &overlay, &equivalent);
    assert!(objects.iter().any(|o| o["metadata"]["name"] == "p-web-s"));
}

#[test]
fn patches_are_appended_with_their_targets() {
    let overlay = FluxOverlay {
        patches: vec![
            FluxPatch {
                patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: not-used\nspec:\n  template:\n    metadata:\n      annotations:\n        safe-to-evict: \"true\"\n".into(),
                target: Some(PatchSelector {
                    kind: Some("Deployment".into()),
                    label_selector: Some("app=web".into()),
                    ..Default::default()
                }),
            },
            FluxPatch {
                patch: "- op: add\n  path: /spec/replicas\n  value: 3\n".into(),
                target: Some(PatchSelector {
                    group: Some("apps".into()),
                    version: Some("v1".into()),
                    kind: Some("Deployment".into()),
                    name: Some("web".into()),
                    ..Default::default()
                }),
            },
        ],
        ..Default::default()
    };
    let equivalent = format!(
        "{BASE_KUSTOMIZATION}patches:
- patch: |
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: not-used
    spec:
      template:
        metadata:
          annotations:
            safe-to-evict: \"true\"
  target:
    kind: Deployment
    labelSelector: app=web
- patch: |
    - op: add
      path: /spec/replicas
      value: 3
  target:
    group: apps
    version: v1
    kind: Deployment
    name: web
"
    );
    let objects = compare(&base_files(), "apps/web", &overlay, &equivalent);
    let deploy = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
    assert_eq!(deploy["spec"]["replicas"], 3);
}

#[test]
fn a_patch_without_target_selects_every_object_as_in_flux() {
    let overlay = FluxOverlay {
        patches: vec![FluxPatch {
            patch: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    patched: \"true\"\n"
                .into(),
            target: None,
        }],
        ..Default::default()
    };
    let equivalent = format!(
        "{BASE_KUSTOMIZATION}patches:
- patch: |
    apiVersion: v1
    kind: Service
    metadata:
      name: web
      annotations:
        patched: \"true\"
  target: {{}}
"
    );
    let objects = compare(&base_files(), "apps/web", &overlay, &equivalent);
    assert!(
        objects
            .iter()
            .all(|o| o["metadata"]["annotations"]["patched"] == "true")
    );
}

#[test]
fn images_replace_an_entry_of_the_same_name_or_are_appended() {
    let overlay = FluxOverlay {
        images: vec![
            FluxImage {
                name: "nginx".into(),
                new_name: Some("registry.example/nginx".into()),
                new_tag: Some("1.27".into()),
                digest: None,
            },
            FluxImage {
                name: "busybox".into(),
                digest: Some("sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3".into()),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let equivalent = BASE_KUSTOMIZATION.replace(
        "images:\n- name: nginx\n  newTag: \"1.26\"\n",
        "images:
- name: nginx
  newName: registry.example/nginx
  newTag: \"1.27\"
- name: busybox
  digest: sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3
",
    );
    compare(&base_files(), "apps/web", &overlay, &equivalent);
}

#[test]
fn components_are_appended_and_missing_ones_dropped_when_asked() {
    let overlay = FluxOverlay {
        components: vec!["../comp".into(), "../missing".into(), "../comp2".into()],
        ignore_missing_components: true,
        ..Default::default()
    };
    let equivalent = format!("{BASE_KUSTOMIZATION}components:\n- ../comp\n- ../comp2\n");
    let objects = compare(&base_files(), "apps/web", &overlay, &equivalent);
    assert!(objects.iter().any(|o| o["metadata"]["name"] == "old-comp2"));

    // Without ignoreMissingComponents the missing one fails the build, naming it.
    let src = tempfile::tempdir().unwrap();
    write_tree(src.path(), &base_files());
    let strict = FluxOverlay {
        ignore_missing_components: false,
        ..overlay.clone()
    };
    let msg = build_flux(src.path(), &src.path().join("apps/web"), &strict, None)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("../missing") && msg.contains("kustomization.yaml"),
        "{msg}"
    );

    // A component must be a local relative path.
    let remote = FluxOverlay {
        components: vec!["/etc".into()],
        ..Default::default()
    };
    let msg = build_flux(src.path(), &src.path().join("apps/web"), &remote, None)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("must be local"), "{msg}");
}

#[test]
fn every_overlay_field_together_on_a_generated_kustomization() {
    let files = [
        ("plain/deploy.yaml", DEPLOY),
        ("plain/svc.yaml", SERVICE),
        (
            "comp/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- cm.yaml\n",
        ),
        (
            "comp/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: comp\n",
        ),
    ];
    let overlay: FluxOverlay = serde_json::from_value(serde_json::json!({
        "interval": "5m",
        "path": "./plain",
        "prune": true,
        "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
        "targetNamespace": "apps",
        "namePrefix": "a-",
        "nameSuffix": "-z",
        "commonMetadata": {"labels": {"team": "x"}},
        "patches": [{"patch": "- op: replace\n  path: /spec/replicas\n  value: 2\n", "target": {"kind": "Deployment"}}],
        "images": [{"name": "nginx", "newTag": "1.0"}],
        "components": ["../comp"]
    }))
    .expect("the overlay deserializes from a Kustomization spec");
    let equivalent = "resources:
- ./deploy.yaml
- ./svc.yaml
namespace: apps
namePrefix: a-
nameSuffix: -z
patches:
- patch: |
    - op: replace
      path: /spec/replicas
      value: 2
  target:
    kind: Deployment
images:
- name: nginx
  newTag: \"1.0\"
components:
- ../comp
";
    compare(&files, "plain", &overlay, equivalent);
}

#[test]
fn common_metadata_sets_metadata_only_like_labels_without_selectors() {
    let files = [("app/deploy.yaml", DEPLOY), ("app/svc.yaml", SERVICE)];
    let meta = CommonMetadata {
        labels: BTreeMap::from([
            ("team".to_string(), "blue".to_string()),
            ("app".to_string(), "over".to_string()),
        ]),
        annotations: BTreeMap::new(),
    };
    let src = tempfile::tempdir().unwrap();
    write_tree(src.path(), &files);
    let mut ours = build_flux(src.path(), &src.path().join("app"), &FluxOverlay::default(), None).unwrap();
    meta.apply(&mut ours);
    // kustomize's `labels` without selectors or templates touches metadata.labels only.
    let reference = tempfile::tempdir().unwrap();
    write_tree(reference.path(), &files);
    std::fs::write(
        reference.path().join("app/kustomization.yaml"),
        "resources:\n- deploy.yaml\n- svc.yaml\nlabels:\n- pairs:\n    team: blue\n    app: over\n",
    )
    .unwrap();
    same_objects(&kubectl(&reference.path().join("app")).unwrap(), &ours);

    let annotations = CommonMetadata {
        labels: BTreeMap::new(),
        annotations: BTreeMap::from([("owner".to_string(), "ops".to_string())]),
    };
    annotations.apply(&mut ours);
    for o in &ours {
        assert_eq!(o["metadata"]["annotations"]["owner"], "ops");
    }
    let deploy = ours.iter().find(|o| o["kind"] == "Deployment").unwrap();
    assert!(deploy["spec"]["template"]["metadata"].get("annotations").is_none());
}

#[test]
fn file_filter_sees_secret_generator_sources_only() {
    let kustomization = "secretGenerator:
- name: creds
  envs:
  - secret.env
  files:
  - key.txt
  - renamed=cert.pem
configMapGenerator:
- name: plain
  files:
  - plain.txt
";
    let encrypted = [
        ("app/kustomization.yaml", kustomization.to_string()),
        ("app/secret.env", format!("ENC:{}", rot13("USER=admin\nPASS=hunter2\n"))),
        ("app/key.txt", format!("ENC:{}", rot13("top secret key"))),
        ("app/cert.pem", "-----BEGIN CERT-----\nplain\n".to_string()),
        ("app/plain.txt", "ENC:left alone".to_string()),
    ];
    let files: Vec<(&str, &str)> = encrypted.iter().map(|(p, c)| (*p, c.as_str())).collect();
    let src = tempfile::tempdir().unwrap();
    write_tree(src.path(), &files);
    let seen = Mutex::new(Vec::<(PathBuf, GeneratorSource)>::new());
    let decrypt = |path: &Path, data: Vec<u8>, source: GeneratorSource| -> Result<Vec<u8>, String> {
        seen.lock().unwrap().push((path.to_path_buf(), source));
        match data.strip_prefix(b"ENC:") {
            Some(rest) => Ok(rot13(std::str::from_utf8(rest).map_err(|e| e.to_string())?).into_bytes()),
            None => Ok(data),
        }
    };
    let before = snapshot(src.path());
    let ours = build_flux(
        src.path(),
        &src.path().join("app"),
        &FluxOverlay::default(),
        Some(&decrypt),
    )
    .unwrap();
    assert_eq!(before, snapshot(src.path()), "decryption happens in memory");

    let plain = [
        ("app/kustomization.yaml", kustomization),
        ("app/secret.env", "USER=admin\nPASS=hunter2\n"),
        ("app/key.txt", "top secret key"),
        ("app/cert.pem", "-----BEGIN CERT-----\nplain\n"),
        ("app/plain.txt", "ENC:left alone"),
    ];
    let reference = tempfile::tempdir().unwrap();
    write_tree(reference.path(), &plain);
    same_objects(&kubectl(&reference.path().join("app")).unwrap(), &ours);

    let seen: Vec<(String, GeneratorSource)> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(p, s)| (p.file_name().unwrap().to_string_lossy().into_owned(), *s))
        .collect();
    let want = [
        ("secret.env".to_string(), GeneratorSource::Env),
        ("key.txt".to_string(), GeneratorSource::File),
        ("cert.pem".to_string(), GeneratorSource::File),
    ];
    assert_eq!(seen, want);

    // A filter failure names the kustomization and the file.
    let refuse =
        |_: &Path, _: Vec<u8>, _: GeneratorSource| -> Result<Vec<u8>, String> { Err("no key can decrypt it".into()) };
    let msg = build_flux(
        src.path(),
        &src.path().join("app"),
        &FluxOverlay::default(),
        Some(&refuse),
    )
    .unwrap_err()
    .to_string();
    assert!(
        msg.contains("kustomization.yaml") && msg.contains("secret.env") && msg.contains("no key"),
        "{msg}"
    );
}

#[test]
fn errors_name_the_kustomization_path() {
    let src = tempfile::tempdir().unwrap();
    write_tree(
        src.path(),
        &[("app/kustomization.yaml", "resources:\n- missing.yaml\n")],
    );
    let msg = build_flux(src.path(), &src.path().join("app"), &FluxOverlay::default(), None)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("app/kustomization.yaml") && msg.contains("missing.yaml"),
        "{msg}"
    );

    let msg = build_flux(src.path(), &src.path().join("nope"), &FluxOverlay::default(), None)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("kustomization path not found"), "{msg}");

    write_tree(
        src.path(),
        &[("noapi/cm.yaml", "kind: ConfigMap\nmetadata:\n  name: x\n")],
    );
    let msg = build_flux(src.path(), &src.path().join("noapi"), &FluxOverlay::default(), None)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("failed to decode Kubernetes apiVersion, kind and name"),
        "{msg}"
    );

    let other = tempfile::tempdir().unwrap();
    let msg = build_flux(src.path(), other.path(), &FluxOverlay::default(), None)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("outside the source root"), "{msg}");
}

fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            _ => c,
        })
        .collect()
}

#[test]
fn an_empty_directory_is_an_empty_kustomization_unless_the_overlay_adds_a_field() {
    let src = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(src.path().join("empty")).unwrap();
    std::fs::write(src.path().join("empty/README.md"), "nothing to deploy\n").unwrap();
    let msg = build_flux(src.path(), &src.path().join("empty"), &FluxOverlay::default(), None)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("kustomization.yaml is empty"), "{msg}");
    // The reference agrees on the kustomization Flux writes there.
    let reference = tempfile::tempdir().unwrap();
    std::fs::write(
        reference.path().join("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
    )
    .unwrap();
    assert!(
        kubectl(reference.path())
            .unwrap_err()
            .contains("kustomization.yaml is empty")
    );

    let overlay = FluxOverlay {
        target_namespace: Some("apps".into()),
        ..Default::default()
    };
    let objects = build_flux(src.path(), &src.path().join("empty"), &overlay, None).unwrap();
    assert!(objects.is_empty());
    assert!(!src.path().join("empty/kustomization.yaml").exists());
}
