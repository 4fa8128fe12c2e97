//! Release records: built from a rendering, written in Helm's storage format (Secret and
//! ConfigMap), read back unchanged; the JSON has Helm v4's member order and omissions.

use std::path::Path;

use rflux_helm::{
    Chart, Info, Release, RenderOptions, Values, decode_release, encode_release, from_storage_object, parse_set,
    parse_set_json, render, status, to_config_map, to_secret,
};

fn release() -> Release {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fidelity/v1-hooks/chart");
    let chart = Chart::load(dir);
    let Ok(chart) = chart else { panic!("{:?}", chart.err()) };
    let mut config = Values::new();
    // JSON numbers (float64, as Helm reads values): a record read back is then identical;
    // `--set` integers (int64) come back as float64, as they do from Helm's storage.
    let _ = parse_set("dep.enabled=true,note=<a&b>", &mut config);
    let _ = parse_set_json("n=3", &mut config);
    let r = render(&chart, &config, &RenderOptions::default());
    let Ok(r) = r else { panic!("{:?}", r.err()) };
    let info = Info {
        first_deployed: "2026-01-02T03:04:05.123456789Z".into(),
        last_deployed: "2026-01-02T03:04:05.123456789Z".into(),
        description: "Install complete".into(),
        status: status::DEPLOYED.into(),
        ..Info::default()
    };
    Release::from_rendered("rel", "ns", 1, &r, &config, info)
}

#[test]
fn secret_and_config_map_round_trip() {
    let rel = release();
    let secret = to_secret(&rel, 1_767_000_000);
    let Ok(secret) = secret else {
        panic!("{:?}", secret.err())
    };
    assert_eq!(secret["metadata"]["name"], "sh.helm.release.v1.rel.v1");
    assert_eq!(secret["type"], "helm.sh/release.v1");
    let labels = &secret["metadata"]["labels"];
    assert_eq!(labels["name"], "rel");
    assert_eq!(labels["owner"], "helm");
    assert_eq!(labels["status"], "deployed");
    assert_eq!(labels["version"], "1");
    let back = from_storage_object(&secret);
    assert!(back.as_ref().is_ok_and(|b| *b == rel), "{:?}", back.err());
    let cm = to_config_map(&rel, 1_767_000_000);
    let back = cm.and_then(|cm| from_storage_object(&cm));
    assert!(back.as_ref().is_ok_and(|b| *b == rel), "{:?}", back.err());
}

#[test]
fn json_shape_is_helms() {
    let rel = release();
    let enc = encode_release(&rel).unwrap_or_default();
    use base64::Engine;
    let gz = base64::engine::general_purpose::STANDARD
        .decode(&enc)
        .unwrap_or_default();
    assert_eq!(&gz[..3], &[0x1f, 0x8b, 0x08]);
    let mut json = String::new();
    let _ = std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(gz.as_slice()), &mut json);
    assert!(json.starts_with(
        r#"{"name":"rel","info":{"first_deployed":"2026-01-02T03:04:05.123456789Z","last_deployed":"2026-01-02T03:04:05.123456789Z","description":"Install complete","status":"deployed"},"chart":{"metadata":{"name":"legacy","version":"0.3.0","apiVersion":"v1","dependencies":[{"name":"dep","version":"0.1.0","repository":"","condition":"dep.enabled","enabled":true}]},"lock":null,"templates":[{"name":"templates/all.yaml","data":"#
    ), "{json}");
    assert!(json.contains(r#""config":{"dep":{"enabled":true},"n":3,"note":"\u003ca\u0026b\u003e"},"manifest":"---\n# Source: legacy/templates/all.yaml\napiVersion: v1\nkind: Namespace"#), "{json}");
    assert!(
        json.contains(
            r#""last_run":{"phase":""},"weight":-5,"delete_policies":["before-hook-creation","hook-succeeded"]}"#
        ),
        "{json}"
    );
    assert!(json.ends_with(r#""version":1,"namespace":"ns"}"#), "{json}");
    // The manifest holds no hooks and no CRDs.
    assert!(!rel.manifest.contains("helm.sh/hook") && !rel.manifest.contains("CustomResourceDefinition"));
    assert_eq!(decode_release(&enc).ok(), Some(rel));
}
