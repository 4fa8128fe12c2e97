#![allow(clippy::expect_used, clippy::unwrap_used)]
//! HelmChart builds: from a HelmRepository served on 127.0.0.1, and from a directory.

mod helm_common;

use std::path::Path;

use helm_common::{Entry, chart_tgz, index_yaml, serve_dir, sha256_hex, tgz, write};
use rflux_helm::Chart;
use rflux_source::helm_chart::{
    ChartError, DEFAULT_MAX_CHART_SIZE, DirectoryChartOptions, RepositoryChartOptions, ValuesFilesOptions,
    build_from_directory, build_from_repository, revision_metadata, select_chart_version,
};
use rflux_source::helm_index::{
    DEFAULT_MAX_INDEX_SIZE, HttpClient, IndexFile, RepositoryAccess, fetch_index, parse_index,
};

const VERSIONS: [&str; 9] = [
    "0.1.0",
    "0.2.5",
    "1.0.0",
    "1.2.3",
    "1.2.9",
    "1.3.0",
    "2.0.0-rc.1",
    "2.0.0",
    "2.1.0",
];

fn versions_index() -> IndexFile {
    let entries: Vec<Entry<'_>> = VERSIONS
        .iter()
        .map(|v| Entry {
            name: "app",
            version: v,
            url: format!("app-{v}.tgz"),
            digest: None,
        })
        .collect();
    let text = index_yaml(&entries);
    parse_index(text.as_bytes(), text.len() as u64).unwrap()
}

fn pick(index: &IndexFile, range: &str) -> String {
    select_chart_version(index, "app", range).unwrap().version.to_string()
}

#[test]
fn every_range_form_picks_the_highest_match() {
    let index = versions_index();
    assert_eq!(pick(&index, ""), "2.1.0");
    assert_eq!(pick(&index, "*"), "2.1.0");
    assert_eq!(pick(&index, "^1.2"), "1.3.0");
    assert_eq!(pick(&index, "^0.1"), "0.1.0");
    assert_eq!(pick(&index, "^0.x"), "0.2.5");
    assert_eq!(pick(&index, "~1.2.3"), "1.2.9");
    assert_eq!(pick(&index, "~1"), "1.3.0");
    assert_eq!(pick(&index, ">=1.0.0 <2.0.0"), "1.3.0");
    assert_eq!(pick(&index, ">= 1.0, < 2.0"), "1.3.0");
    assert_eq!(pick(&index, "1.2.x"), "1.2.9");
    assert_eq!(pick(&index, "0.1.x || 1.2.x"), "1.2.9");
    assert_eq!(pick(&index, "v1.2.3"), "1.2.3");
    assert_eq!(pick(&index, "=v1.0.0"), "1.0.0");
    assert_eq!(pick(&index, "2.0.0-rc.1"), "2.0.0-rc.1");
    // Pre-releases only when the range names one.
    assert_eq!(pick(&index, "<2.0.0"), "1.3.0");
    assert_eq!(pick(&index, ">=2.0.0-rc.0 <=2.0.0-rc.9"), "2.0.0-rc.1");
    assert_eq!(pick(&index, "~2.0.0-0"), "2.0.0");
    assert_eq!(pick(&index, "1.0.0 - 1.2"), "1.2.9");
}

/// Helm's index keeps versions its lenient reader takes, but Flux reads them strictly
/// (`version.ParseVersion`): `1.9`, `2024.01.15`, `1.10-rc.1` and `01.8.0` never satisfy a
/// range, though each can still be asked for exactly.
#[test]
fn ranges_skip_versions_flux_does_not_read() {
    let odd = [
        "1.4.0",
        "v1.5.0",
        "1.9",
        "2024.01.15",
        "1.10-rc.1",
        "01.8.0",
        "v1.2+b.3",
    ];
    let entries: Vec<Entry<'_>> = odd
        .iter()
        .map(|v| Entry {
            name: "app",
            version: v,
            url: format!("app-{v}.tgz"),
            digest: None,
        })
        .collect();
    let text = index_yaml(&entries);
    let index = parse_index(text.as_bytes(), text.len() as u64).unwrap();
    assert_eq!(pick(&index, ""), "v1.5.0");
    assert_eq!(pick(&index, "*"), "v1.5.0");
    let err = select_chart_version(&index, "app", ">=1.6").unwrap_err().to_string();
    assert!(err.contains("2024.01.15"), "{err}");
    assert_eq!(pick(&index, "1.9"), "1.9");
    assert_eq!(pick(&index, "2024.01.15"), "2024.01.15");
    assert_eq!(pick(&index, "1.10-rc.1"), "1.10-rc.1");
    assert_eq!(pick(&index, "v1.2+b.3"), "v1.2+b.3");
    assert_eq!(pick(&index, "1.4"), "1.4.0");
}

#[test]
fn no_match_lists_the_versions_seen() {
    let index = versions_index();
    let err = select_chart_version(&index, "app", "^3.0").unwrap_err();
    let message = err.to_string();
    assert!(message.contains("'app'"), "{message}");
    assert!(message.contains("^3.0"), "{message}");
    for v in VERSIONS {
        assert!(message.contains(v), "{message} lacks {v}");
    }
    let err = select_chart_version(&index, "missing", "*").unwrap_err();
    assert!(matches!(err, ChartError::NotInIndex { .. }), "{err}");
    let err = select_chart_version(&index, "app", ">=nonsense").unwrap_err();
    assert!(err.to_string().contains(">=nonsense"), "{err}");
}

async fn repository_with(
    site: &Path,
    charts: &[(&str, &str, Vec<u8>, Option<String>)],
    auth: Option<(&str, &str)>,
) -> helm_common::StaticServer {
    let mut entries = Vec::new();
    for (name, version, data, digest) in charts {
        let file = format!("charts/{name}-{version}.tgz");
        write(site, &file, data);
        entries.push(Entry {
            name,
            version,
            url: file,
            digest: digest.clone(),
        });
    }
    write(site, "index.yaml", index_yaml(&entries).as_bytes());
    serve_dir(site, auth).await
}

fn options(chart: &str, version: &str) -> RepositoryChartOptions {
    RepositoryChartOptions {
        chart: chart.to_string(),
        version: version.to_string(),
        values_files: ValuesFilesOptions::default(),
        max_size: DEFAULT_MAX_CHART_SIZE,
    }
}

#[tokio::test]
async fn chart_download_checks_digest_and_keeps_archive() {
    let site = tempfile::tempdir().unwrap();
    let good = chart_tgz("web", "1.4.0");
    let tampered = chart_tgz("web", "1.5.0");
    let server = repository_with(
        site.path(),
        &[
            ("web", "1.4.0", good.clone(), Some(sha256_hex(&good))),
            ("web", "1.5.0", tampered, Some(sha256_hex(b"something else"))),
        ],
        Some(("u", "p")),
    )
    .await;
    let access = RepositoryAccess {
        credentials: Some(rflux_source::helm_index::Credentials {
            username: "u".into(),
            password: "p".into(),
        }),
        ..RepositoryAccess::default()
    };
    let client = HttpClient::new(&server.url, access).unwrap();
    let work = tempfile::tempdir().unwrap();
    let index = fetch_index(&client, DEFAULT_MAX_INDEX_SIZE, work.path())
        .await
        .unwrap()
        .index;
    let out = tempfile::tempdir().unwrap();

    let built = build_from_repository(&client, &index, &options("web", "~1.4"), out.path())
        .await
        .unwrap();
    assert_eq!(built.file_name, "web-1.4.0.tgz");
    assert_eq!(built.version, "1.4.0");
    assert!(!built.packaged);
    assert_eq!(std::fs::read(&built.path).unwrap(), good);
    assert_eq!(built.digest, format!("sha256:{}", sha256_hex(&good)));

    let err = build_from_repository(&client, &index, &options("web", "1.5.0"), out.path())
        .await
        .unwrap_err();
    assert!(matches!(err, ChartError::DigestMismatch { .. }), "{err}");
    assert!(err.to_string().contains("digest mismatch"), "{err}");
    assert!(!out.path().join("web-1.5.0.tgz").exists());
}

#[tokio::test]
async fn chart_with_parent_path_is_rejected() {
    let site = tempfile::tempdir().unwrap();
    let evil = tgz(&[
        ("evil/Chart.yaml", b"apiVersion: v2\nname: evil\nversion: 1.0.0\n"),
        ("evil/../../escape.txt", b"owned"),
    ]);
    let server = repository_with(site.path(), &[("evil", "1.0.0", evil, None)], None).await;
    let client = HttpClient::new(&server.url, RepositoryAccess::default()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let index = fetch_index(&client, DEFAULT_MAX_INDEX_SIZE, work.path())
        .await
        .unwrap()
        .index;
    let out = tempfile::tempdir().unwrap();
    let err = build_from_repository(&client, &index, &options("evil", ""), out.path())
        .await
        .unwrap_err();
    assert!(matches!(err, ChartError::Load(_)), "{err}");
    assert!(err.to_string().contains("parent directory"), "{err}");
    assert!(!out.path().join("evil-1.0.0.tgz").exists());
}

#[tokio::test]
async fn remote_chart_values_files_are_merged_and_repackaged() {
    let site = tempfile::tempdir().unwrap();
    let chart = tgz(&[
        ("web/Chart.yaml", b"apiVersion: v2\nname: web\nversion: 2.0.0\n"),
        (
            "web/values.yaml",
            b"replicas: 1\nimage:\n  repository: nginx\n  tag: stable\n",
        ),
        ("web/values-prod.yaml", b"replicas: 3\nimage:\n  tag: \"1.25\"\n"),
        ("web/templates/cm.yaml", b"kind: ConfigMap\n"),
    ]);
    let server = repository_with(site.path(), &[("web", "2.0.0", chart, None)], None).await;
    let client = HttpClient::new(&server.url, RepositoryAccess::default()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let index = fetch_index(&client, DEFAULT_MAX_INDEX_SIZE, work.path())
        .await
        .unwrap()
        .index;
    let out = tempfile::tempdir().unwrap();
    let mut opts = options("web", "2.0.0");
    opts.values_files = ValuesFilesOptions {
        files: vec!["values.yaml".into(), "values-prod.yaml".into(), "missing.yaml".into()],
        ignore_missing: true,
    };
    let built = build_from_repository(&client, &index, &opts, out.path()).await.unwrap();
    assert!(built.packaged);
    assert_eq!(built.observed_values_files, ["values.yaml", "values-prod.yaml"]);
    let loaded = Chart::load(&built.path).unwrap();
    let files = rflux_helm::read_archive("web", &std::fs::read(&built.path).unwrap()).unwrap();
    let values_yaml = files
        .iter()
        .find(|(n, _)| n == "values.yaml")
        .map(|(_, d)| String::from_utf8_lossy(d).into_owned());
    let values_yaml = values_yaml.unwrap();
    assert!(values_yaml.contains("replicas: 3\n"), "{values_yaml}");
    assert!(values_yaml.starts_with("image:"), "keys sorted: {values_yaml}");
    assert_eq!(loaded.values["replicas"].as_f64(), Some(3.0));
    assert_eq!(loaded.values["image"]["repository"], "nginx");
    assert_eq!(loaded.values["image"]["tag"], "1.25");

    opts.values_files.ignore_missing = false;
    let err = build_from_repository(&client, &index, &opts, out.path())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("missing.yaml"), "{err}");
}

fn source_tree(root: &Path) {
    write(
        root,
        "charts/web/Chart.yaml",
        b"apiVersion: v2\nname: web\nversion: 0.3.0\ndependencies:\n- name: redis\n  version: ^7.0.0\n  repository: https://charts.example.com\n- name: common\n  version: 1.x\n  repository: file://../common\n",
    );
    write(
        root,
        "charts/web/values.yaml",
        b"replicas: 1\nredis:\n  enabled: true\n",
    );
    write(root, "charts/web/templates/cm.yaml", b"kind: ConfigMap\n");
    write(root, "charts/web/.helmignore", b"*.bak\n");
    write(root, "charts/web/notes.bak", b"ignored");
    write(
        root,
        "charts/web/charts/redis/Chart.yaml",
        b"apiVersion: v2\nname: redis\nversion: 7.2.0\n",
    );
    write(root, "charts/web/charts/redis/values.yaml", b"port: 6379\n");
    write(root, "charts/web/charts/redis/templates/svc.yaml", b"kind: Service\n");
    write(
        root,
        "charts/common/Chart.yaml",
        b"apiVersion: v2\nname: common\nversion: 1.4.0\ntype: library\n",
    );
    write(
        root,
        "charts/common/templates/_helpers.tpl",
        b"{{- define \"x\" }}{{ end }}\n",
    );
    write(root, "env/prod.yaml", b"replicas: 5\nredis:\n  port: 6380\n");
}

#[test]
fn chart_from_directory_with_dependencies() {
    let source = tempfile::tempdir().unwrap();
    source_tree(source.path());
    let out = tempfile::tempdir().unwrap();
    let opts = DirectoryChartOptions {
        chart_path: "./charts/web".into(),
        ..DirectoryChartOptions::default()
    };
    let built = build_from_directory(source.path(), &opts, out.path()).unwrap();
    assert_eq!(built.file_name, "web-0.3.0.tgz");
    assert_eq!(built.version, "0.3.0");
    let bytes = std::fs::read(&built.path).unwrap();
    let files = rflux_helm::read_archive("web", &bytes).unwrap();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"Chart.yaml"), "{names:?}");
    assert!(names.contains(&"charts/redis/Chart.yaml"), "{names:?}");
    assert!(names.contains(&"charts/common/templates/_helpers.tpl"), "{names:?}");
    assert!(!names.iter().any(|n| n.ends_with(".bak")), "{names:?}");
    let chart = Chart::load_archive_bytes("web", &bytes).unwrap();
    let mut deps: Vec<&str> = chart.dependencies.iter().map(|d| d.name()).collect();
    deps.sort();
    assert_eq!(deps, ["common", "redis"]);
    // Packaging is deterministic.
    let again = build_from_directory(source.path(), &opts, out.path()).unwrap();
    assert_eq!(again.digest, built.digest);
}

#[test]
fn directory_values_files_and_revision_metadata() {
    let source = tempfile::tempdir().unwrap();
    source_tree(source.path());
    let out = tempfile::tempdir().unwrap();
    let opts = DirectoryChartOptions {
        chart_path: "charts/web".into(),
        values_files: ValuesFilesOptions {
            files: vec!["charts/web/values.yaml".into(), "env/prod.yaml".into()],
            ignore_missing: false,
        },
        version_metadata: Some(revision_metadata("main@sha1:0123456789abcdef0123456789abcdef01234567")),
    };
    let built = build_from_directory(source.path(), &opts, out.path()).unwrap();
    assert_eq!(built.version, "0.3.0+0123456789ab");
    assert_eq!(built.file_name, "web-0.3.0+0123456789ab.tgz");
    assert_eq!(built.observed_values_files, ["charts/web/values.yaml", "env/prod.yaml"]);
    let chart = Chart::load(&built.path).unwrap();
    assert_eq!(chart.metadata.version, "0.3.0+0123456789ab");
    assert_eq!(chart.values["replicas"].as_f64(), Some(5.0));
    assert_eq!(chart.values["redis"]["enabled"], true);
    assert_eq!(chart.values["redis"]["port"].as_f64(), Some(6380.0));

    let escape = DirectoryChartOptions {
        chart_path: "../outside".into(),
        ..DirectoryChartOptions::default()
    };
    let err = build_from_directory(source.path(), &escape, out.path()).unwrap_err();
    assert!(err.to_string().contains("leaves the source"), "{err}");
}

#[test]
fn directory_dependency_missing_is_an_error() {
    let source = tempfile::tempdir().unwrap();
    source_tree(source.path());
    std::fs::remove_dir_all(source.path().join("charts/web/charts/redis")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let opts = DirectoryChartOptions {
        chart_path: "charts/web".into(),
        ..DirectoryChartOptions::default()
    };
    let err = build_from_directory(source.path(), &opts, out.path()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("redis"), "{message}");
    assert!(message.contains("charts/"), "{message}");
}

#[test]
fn options_from_helm_chart_spec() {
    use rflux_api::types::{HelmChartSourceKind, HelmChartSpec, ReconcileStrategy};
    let mut spec = HelmChartSpec {
        chart: "charts/web".into(),
        values_files: vec!["a.yaml".into()],
        ignore_missing_values_files: Some(true),
        reconcile_strategy: ReconcileStrategy::Revision,
        ..HelmChartSpec::default()
    };
    spec.source_ref.kind = HelmChartSourceKind::GitRepository;
    let opts = DirectoryChartOptions::from_spec(&spec, "main@sha1:abcdef0123456789abcdef0123456789abcdef01");
    assert_eq!(opts.version_metadata.as_deref(), Some("abcdef012345"));
    assert!(opts.values_files.ignore_missing);
    spec.reconcile_strategy = ReconcileStrategy::ChartVersion;
    assert_eq!(
        DirectoryChartOptions::from_spec(&spec, "main@sha1:abc").version_metadata,
        None
    );
    spec.source_ref.kind = HelmChartSourceKind::Bucket;
    spec.reconcile_strategy = ReconcileStrategy::Revision;
    let opts = DirectoryChartOptions::from_spec(&spec, "sha256:0123456789abcdef0123");
    assert_eq!(opts.version_metadata.as_deref(), Some("0123456789ab"));
}
