//! `template()`: the exact text `helm template` prints for a generated chart (CRDs only
//! with `include_crds`, manifests in install order, hooks after them, `--show-only`,
//! `--skip-tests`), values from files and flags in Helm's order, `--kube-version` and
//! `--api-versions` reaching `.Capabilities`, and bad input as clear errors.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use rflux_helm::{TemplateOptions, template};

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A chart with a CRD, a subchart, manifests of several kinds, hooks and a test.
fn chart(dir: &Path) -> PathBuf {
    let c = dir.join("app");
    write(&c, "Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.2.3\n");
    write(&c, "values.yaml", "replicas: 1\nlabel: base\n");
    write(
        &c,
        "crds/widgets.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n",
    );
    write(
        &c,
        "templates/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  namespace: {{ .Release.Namespace }}\nspec:\n  replicas: {{ .Values.replicas }}\n",
    );
    write(
        &c,
        "templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  label: {{ .Values.label | quote }}\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n  minor: {{ .Capabilities.KubeVersion.Minor | quote }}\n  extra: {{ .Capabilities.APIVersions.Has \"example.com/v9\" | quote }}\n  upgrade: {{ .Release.IsUpgrade | quote }}\n",
    );
    write(
        &c,
        "templates/hooks.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"2\"\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: smoke\n  annotations:\n    helm.sh/hook: test\n",
    );
    write(&c, "templates/NOTES.txt", "Thanks.\n");
    write(&c, "templates/_helpers.tpl", "{{ define \"x\" }}x{{ end }}\n");
    write(
        &c,
        "charts/sub/Chart.yaml",
        "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
    );
    write(
        &c,
        "charts/sub/templates/sa.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sub\n",
    );
    c
}

const MANIFESTS: &str = "---
# Source: app/charts/sub/templates/sa.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sub
---
# Source: app/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
data:
  label: \"base\"
  kube: \"v1.36.0\"
  minor: \"36\"
  extra: \"false\"
  upgrade: \"false\"
---
# Source: app/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: rel
  namespace: ns
spec:
  replicas: 1
";

const HOOKS: &str = "---
# Source: app/templates/hooks.yaml
apiVersion: v1
kind: Pod
metadata:
  name: smoke
  annotations:
    helm.sh/hook: test
---
# Source: app/templates/hooks.yaml
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    helm.sh/hook: pre-install
    helm.sh/hook-weight: \"2\"
";

fn opts() -> TemplateOptions {
    TemplateOptions {
        release_name: "rel".into(),
        namespace: "ns".into(),
        ..TemplateOptions::default()
    }
}

#[test]
fn prints_what_helm_template_prints() {
    let tmp = tempfile::tempdir().unwrap();
    let c = chart(tmp.path());
    let out = template(&c, &opts()).unwrap();
    assert_eq!(out, format!("{MANIFESTS}{HOOKS}"));
}

#[test]
fn crds_only_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let c = chart(tmp.path());
    let o = TemplateOptions {
        include_crds: true,
        ..opts()
    };
    let out = template(&c, &o).unwrap();
    // The CRD file is printed as written, so its final newline leaves an empty line.
    let crd = "---\n# Source: app/crds/widgets.yaml\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n\n";
    assert_eq!(out, format!("{crd}{MANIFESTS}{HOOKS}"));
}

#[test]
fn skip_tests_and_no_hooks() {
    let tmp = tempfile::tempdir().unwrap();
    let c = chart(tmp.path());
    let out = template(
        &c,
        &TemplateOptions {
            skip_tests: true,
            ..opts()
        },
    )
    .unwrap();
    assert!(out.contains("name: migrate") && !out.contains("name: smoke"));
    let out = template(
        &c,
        &TemplateOptions {
            no_hooks: true,
            ..opts()
        },
    )
    .unwrap();
    assert_eq!(out, MANIFESTS);
}

#[test]
fn show_only_selects_documents_in_pattern_order() {
    let tmp = tempfile::tempdir().unwrap();
    let c = chart(tmp.path());
    let o = TemplateOptions {
        show_only: vec!["templates/deploy.yaml".into(), "charts/*/templates/*.yaml".into()],
        ..opts()
    };
    let out = template(&c, &o).unwrap();
    assert_eq!(
        out,
        "---\n# Source: app/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: rel\n  namespace: ns\nspec:\n  replicas: 1\n---\n# Source: app/charts/sub/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sub\n"
    );
    let o = TemplateOptions {
        show_only: vec!["templates/hooks.yaml".into()],
        ..opts()
    };
    assert_eq!(template(&c, &o).unwrap().matches("---\n").count(), 2);
    let o = TemplateOptions {
        show_only: vec!["templates/nope.yaml".into()],
        ..opts()
    };
    assert_eq!(
        template(&c, &o).unwrap_err().to_string(),
        "could not find template templates/nope.yaml in chart"
    );
}

#[test]
fn values_in_helms_order_and_capabilities() {
    let tmp = tempfile::tempdir().unwrap();
    let c = chart(tmp.path());
    let f1 = tmp.path().join("a.yaml");
    let f2 = tmp.path().join("b.yaml");
    std::fs::write(&f1, "replicas: 2\nlabel: from-a\n").unwrap();
    std::fs::write(&f2, "replicas: 3\n").unwrap();
    let o = TemplateOptions {
        value_files: vec![f1, f2],
        set_json: vec!["label=\"json\"".into()],
        set: vec!["label=set".into()],
        set_string: vec!["replicas=4".into()],
        kube_version: Some("1.30".into()),
        api_versions: vec!["example.com/v9".into()],
        is_upgrade: true,
        ..opts()
    };
    let out = template(&c, &o).unwrap();
    assert!(out.contains("  label: \"set\"\n"), "{out}");
    assert!(out.contains("  replicas: 4\n"), "{out}");
    assert!(
        out.contains("  kube: \"v1.30.0\"\n  minor: \"30\"\n  extra: \"true\"\n  upgrade: \"true\"\n"),
        "{out}"
    );
    let bad = TemplateOptions {
        kube_version: Some("one.two".into()),
        ..opts()
    };
    assert_eq!(
        template(&c, &bad).unwrap_err().to_string(),
        "invalid kube version 'one.two': invalid semantic version"
    );
}

#[test]
fn bad_input_gives_helm_shaped_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let c = tmp.path().join("bad");
    write(&c, "Chart.yaml", "apiVersion: v2\nname: bad\nversion: 0.1.0\n");
    write(
        &c,
        "templates/cm.yaml",
        "a: {{ required \"name is required!\" .Values.name }}\n",
    );
    let e = template(&c, &opts()).unwrap_err().to_string();
    assert_eq!(e, "execution error at (bad/templates/cm.yaml:1:6): name is required!");

    write(&c, "templates/cm.yaml", "a: {{ .Values.name \n");
    let e = template(&c, &opts()).unwrap_err().to_string();
    assert!(e.starts_with("parse error at (bad/templates/cm.yaml:"), "{e}");

    write(&c, "templates/cm.yaml", "a: 1\n");
    write(
        &c,
        "Chart.yaml",
        "apiVersion: v2\nname: bad\nversion: 0.1.0\ndependencies:\n- name: gone\n  version: 1.0.0\n  repository: https://example.com\n",
    );
    let e = template(&c, &opts()).unwrap_err().to_string();
    assert_eq!(
        e,
        "an error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: gone"
    );

    let e = template(&tmp.path().join("absent"), &opts()).unwrap_err().to_string();
    assert!(e.contains("absent"), "{e}");
    let o = TemplateOptions {
        value_files: vec![tmp.path().join("missing-values.yaml")],
        ..opts()
    };
    let e = template(&c, &o).unwrap_err().to_string();
    assert!(e.contains("missing-values.yaml"), "{e}");
    let o = TemplateOptions {
        set: vec!["a[=1".into()],
        ..opts()
    };
    let e = template(&c, &o).unwrap_err().to_string();
    assert!(e.starts_with("failed parsing --set data"), "{e}");
}
