//! Chart loading from directories and archives, the safety rules on archives and links,
//! and clear errors (never panics) on bad input.

use std::path::Path;

use rflux_helm::{Chart, Error, RenderOptions, Values, render};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fidelity")
        .join(name)
        .join("chart")
}

/// A raw archive entry: name, link target, data, declared size.
type Entry<'a> = (&'a str, Option<&'a str>, &'a [u8], Option<u64>);

/// A tar.gz with raw entries (names not checked by the tar crate).
fn raw_tgz(entries: &[Entry]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    for (name, link, data, size) in entries {
        let mut h = tar::Header::new_old();
        let old = h.as_old_mut();
        old.name[..name.len()].copy_from_slice(name.as_bytes());
        if let Some(l) = link {
            old.linkname[..l.len()].copy_from_slice(l.as_bytes());
        }
        h.set_entry_type(if link.is_some() {
            tar::EntryType::Symlink
        } else {
            tar::EntryType::Regular
        });
        h.set_size(size.unwrap_or(data.len() as u64));
        h.set_mode(0o644);
        h.set_cksum();
        let _ = b.append(&h, *data);
    }
    b.into_inner().and_then(|g| g.finish()).unwrap_or_default()
}

const CHART_YAML: &[u8] = b"apiVersion: v2\nname: c\nversion: 0.1.0\n";

fn archive_err(entries: &[Entry]) -> String {
    match Chart::load_archive_bytes("t.tgz", &raw_tgz(entries)) {
        Ok(_) => "loaded".into(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn archive_loads_like_the_directory() {
    let dir = fixture("subcharts");
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    assert!(b.append_dir_all("parent", &dir).is_ok());
    let bytes = b.into_inner().and_then(|g| g.finish()).unwrap_or_default();
    let opts = RenderOptions::default();
    let from_dir = Chart::load(&dir).and_then(|c| render(&c, &Values::new(), &opts));
    let from_tgz = Chart::load_archive_bytes("parent.tgz", &bytes).and_then(|c| render(&c, &Values::new(), &opts));
    match (from_dir, from_tgz) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.to_stream(true), b.to_stream(true));
            assert!(a.files.keys().any(|k| k.starts_with("parent/charts/packed/")));
        }
        (a, b) => panic!("render failed: {:?} {:?}", a.err(), b.err()),
    }
}

#[test]
fn archive_safety_rules() {
    assert!(archive_err(&[("c/Chart.yaml", None, CHART_YAML, None)]) == "loaded");
    assert!(
        archive_err(&[
            ("c/Chart.yaml", None, CHART_YAML, None),
            ("c/../evil", None, b"x", None)
        ])
        .contains("parent directory")
    );
    assert!(archive_err(&[("/etc/passwd", None, b"x", None)]).contains("absolute path"));
    assert!(archive_err(&[("Chart.yaml", None, CHART_YAML, None)]).contains("not in base directory"));
    assert!(
        archive_err(&[
            ("c/Chart.yaml", None, CHART_YAML, None),
            ("c/templates/l", Some("../../../etc/passwd"), b"", None)
        ])
        .contains("outside the chart")
    );
    assert!(
        archive_err(&[
            ("c/Chart.yaml", None, CHART_YAML, None),
            ("c/big", None, b"", Some(6 * 1024 * 1024))
        ])
        .contains("larger than the maximum file size")
    );
    assert!(archive_err(&[("c/values.yaml", None, b"a: 1\n", None)]).contains("Chart.yaml file is missing"));
}

#[test]
fn truncated_and_corrupted_archives_are_errors() {
    let good = raw_tgz(&[
        ("c/Chart.yaml", None, CHART_YAML, None),
        ("c/templates/a.yaml", None, b"a: {{ 1 }}\n", None),
    ]);
    for cut in 0..good.len() {
        let _ = Chart::load_archive_bytes("t.tgz", &good[..cut]);
    }
    let mut seed = 0x9e3779b97f4a7c15u64;
    for _ in 0..300 {
        let mut bad = good.clone();
        for _ in 0..4 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let i = (seed as usize) % bad.len();
            bad[i] ^= (seed >> 32) as u8 | 1;
        }
        if let Ok(c) = Chart::load_archive_bytes("t.tgz", &bad) {
            let _ = render(&c, &Values::new(), &RenderOptions::default());
        }
    }
}

#[test]
fn directory_links_must_stay_inside() {
    let Ok(tmp) = tempfile::tempdir() else { return };
    let chart = tmp.path().join("c");
    let _ = std::fs::create_dir_all(chart.join("templates"));
    let _ = std::fs::write(chart.join("Chart.yaml"), CHART_YAML);
    let _ = std::fs::write(tmp.path().join("secret.txt"), "s");
    let _ = std::fs::write(chart.join("inside.txt"), "i");
    #[cfg(unix)]
    {
        let _ = std::os::unix::fs::symlink(chart.join("inside.txt"), chart.join("templates/link.txt"));
        assert!(Chart::load(&chart).is_ok());
        let _ = std::os::unix::fs::symlink(tmp.path().join("secret.txt"), chart.join("escape.txt"));
        let e = Chart::load(&chart).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("outside the chart"), "{e}");
    }
}

#[test]
fn a_helmignore_rule_helm_refuses_fails_the_load() {
    let Ok(tmp) = tempfile::tempdir() else { return };
    let c = tmp.path().join("c");
    let _ = std::fs::create_dir_all(c.join("templates"));
    let _ = std::fs::write(c.join("Chart.yaml"), CHART_YAML);
    let _ = std::fs::write(c.join(".helmignore"), "*.bak\n[a\n");
    let e = Chart::load(&c).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("/.helmignore: rule \"[a\": syntax error in pattern"), "{e}");
    let _ = std::fs::write(c.join(".helmignore"), "docs/**\n");
    let e = Chart::load(&c).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("double-star (**) syntax is not supported"), "{e}");
    let _ = std::fs::write(c.join(".helmignore"), "*.bak\n");
    assert!(Chart::load(&c).is_ok());
}

#[test]
fn bad_input_gives_clear_errors() {
    let Ok(tmp) = tempfile::tempdir() else { return };
    let c = tmp.path();
    let _ = std::fs::create_dir_all(c.join("templates"));
    assert!(matches!(Chart::load(c), Err(Error::Chart(m)) if m.contains("Chart.yaml file is missing")));
    let _ = std::fs::write(c.join("Chart.yaml"), "apiVersion: v2\nname: c\nversion: nope\n");
    assert!(matches!(Chart::load(c), Err(Error::Chart(m)) if m.contains("version \"nope\" is invalid")));
    let _ = std::fs::write(c.join("Chart.yaml"), CHART_YAML);
    let _ = std::fs::write(c.join("values.yaml"), "a: [1, 2\n");
    let e = Chart::load(c).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        e.starts_with(
            "cannot load values.yaml: cannot unmarshal yaml document: error converting YAML to JSON: yaml: line 1"
        ),
        "{e}"
    );
    let _ = std::fs::write(c.join("values.yaml"), "a: 1\n");
    let _ = std::fs::write(
        c.join("Chart.yaml"),
        "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies:\n- name: gone\n  version: 1.0.0\n",
    );
    let chart = Chart::load(c);
    assert!(chart.is_ok());
    if let Ok(chart) = chart {
        let e = render(&chart, &Values::new(), &RenderOptions::default()).err();
        assert!(matches!(e, Some(Error::Dependency(m)) if m.contains("missing in charts/ directory: gone")));
    }
    let _ = std::fs::write(c.join("Chart.yaml"), CHART_YAML);
    let _ = std::fs::write(c.join("templates/bad.yaml"), "a: b: c\n");
    let e = Chart::load(c)
        .and_then(|ch| render(&ch, &Values::new(), &RenderOptions::default()))
        .err();
    assert!(
        matches!(&e, Some(Error::Manifest(m)) if m.starts_with("YAML parse error on c/templates/bad.yaml: error converting YAML to JSON: yaml: line 1: mapping values are not allowed in this context")),
        "{e:?}"
    );
}
