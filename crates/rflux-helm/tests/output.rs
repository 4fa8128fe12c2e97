//! The `helm template` stream: CRDs first when asked, manifests in Helm's install order
//! (kind order, then template path), hooks separated with events, weights and delete
//! policies, NOTES.txt rendered apart; and `--set` values reaching templates as Helm types.

use std::path::Path;

use rflux_helm::{Chart, RenderOptions, Values, parse_set, render};

fn chart(name: &str) -> Option<Chart> {
    Chart::load(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fidelity")
            .join(name)
            .join("chart"),
    )
    .ok()
}

#[test]
fn install_order_hooks_and_crds() {
    let Some(c) = chart("v1-hooks") else { panic!("fixture") };
    let r = render(&c, &Values::new(), &RenderOptions::default());
    let Ok(r) = r else { panic!("{:?}", r.err()) };
    let kinds: Vec<&str> = r.manifests.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["Namespace", "ServiceAccount", "Deployment", "Widget"]);
    assert_eq!(r.hooks.len(), 2);
    let job = r.hooks.iter().find(|h| h.kind == "Job");
    assert!(job.is_some_and(|j| j.weight == -5
        && j.events == ["pre-install", "pre-upgrade"]
        && j.delete_policies == ["before-hook-creation", "hook-succeeded"]));
    assert!(r.hooks.iter().any(|h| h.kind == "Pod" && h.events == ["test"]));
    assert_eq!(r.crds.len(), 1);
    assert_eq!(r.crds[0].path, "legacy/crds/crd.yaml");
    let s = r.to_stream(true);
    assert!(s.starts_with("---\n# Source: legacy/crds/crd.yaml\napiVersion: apiextensions.k8s.io/v1\n"));
    let ns = s.find("kind: Namespace").unwrap_or(usize::MAX);
    let dep = s.find("kind: Deployment").unwrap_or(0);
    let job_at = s.find("kind: Job").unwrap_or(0);
    assert!(ns < dep && dep < job_at, "{s}");
    assert!(!r.to_stream(false).contains("CustomResourceDefinition"));
}

#[test]
fn notes_are_rendered_apart() {
    let Some(c) = chart("builtins") else { panic!("fixture") };
    let opts = RenderOptions {
        name: "r1".into(),
        ..RenderOptions::default()
    };
    let r = render(&c, &Values::new(), &opts);
    let Ok(r) = r else { panic!("{:?}", r.err()) };
    assert_eq!(r.notes, "Installed r1.\n");
    assert!(!r.files.keys().any(|k| k.ends_with("NOTES.txt")));
    assert!(!r.to_stream(false).contains("Installed"));
}

#[test]
fn set_values_have_helm_types() {
    let Some(c) = chart("builtins") else { panic!("fixture") };
    let mut v = Values::new();
    assert!(parse_set("replicas=7,flagYes=false,name=0755", &mut v).is_ok());
    let r = render(&c, &v, &RenderOptions::default());
    let Ok(r) = r else { panic!("{:?}", r.err()) };
    let s = r.to_stream(false);
    // --set integers are int64; "0755" stays a string.
    assert!(s.contains(r#"types: "int64 bool float64 string int""#), "{s}");
}

#[test]
fn kube_version_is_checked_like_helm_template() {
    let Ok(tmp) = tempfile::tempdir() else { return };
    let c = tmp.path();
    let _ = std::fs::create_dir_all(c.join("templates"));
    let _ = std::fs::write(
        c.join("Chart.yaml"),
        "apiVersion: v2\nname: kv\nversion: \"1.0\"\nkubeVersion: \">=1.40.0\"\n",
    );
    let Ok(chart) = Chart::load(c) else { panic!("load") };
    let e = render(&chart, &Values::new(), &RenderOptions::default())
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("chart requires kubeVersion: >=1.40.0 which is incompatible with Kubernetes v1.36.0")
    );
    let opts = RenderOptions {
        capabilities: rflux_helm::Capabilities {
            kube_version: "v1.41.2".into(),
            ..Default::default()
        },
        ..RenderOptions::default()
    };
    assert!(render(&chart, &Values::new(), &opts).is_ok());
}

#[test]
fn lookup_uses_the_given_cluster_function() {
    let Ok(tmp) = tempfile::tempdir() else { return };
    let c = tmp.path();
    let _ = std::fs::create_dir_all(c.join("templates"));
    let _ = std::fs::write(c.join("Chart.yaml"), "apiVersion: v2\nname: lk\nversion: 0.1.0\n");
    let _ = std::fs::write(
        c.join("templates/a.yaml"),
        "found: {{ (lookup \"v1\" \"Secret\" .Release.Namespace \"s\").data | toJson }}\nnone: {{ lookup \"v1\" \"Secret\" \"x\" \"y\" | len }}\n",
    );
    let Ok(chart) = Chart::load(c) else { panic!("load") };
    let without = render(&chart, &Values::new(), &RenderOptions::default()).map(|r| r.to_stream(false));
    assert_eq!(
        without.ok().as_deref(),
        Some("---\n# Source: lk/templates/a.yaml\nfound: null\nnone: 0\n")
    );
    let f: rflux_gotmpl::LookupFn = std::sync::Arc::new(|_api, kind, ns, name| {
        if kind == "Secret" && ns == "default" && name == "s" {
            Ok(rflux_gotmpl::Value::from_json(&serde_json::json!({"data": {"k": "v"}})))
        } else {
            Ok(rflux_gotmpl::Value::map(rflux_gotmpl::Map::new()))
        }
    });
    let opts = RenderOptions {
        lookup: Some(f),
        ..RenderOptions::default()
    };
    let with = render(&chart, &Values::new(), &opts).map(|r| r.to_stream(false));
    assert_eq!(
        with.ok().as_deref(),
        Some("---\n# Source: lk/templates/a.yaml\nfound: {\"k\":\"v\"}\nnone: 0\n")
    );
}
