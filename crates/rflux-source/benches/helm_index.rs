#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Parse a generated 50 MB `index.yaml` (many charts × versions, realistic entries) and
//! print the parse time and the process's peak RSS (VmHWM). Target: ≤ 1 s, ≤ 150 MiB.
//! Run: `cargo bench -p rflux-source --bench helm_index`.

use std::io::{BufReader, BufWriter, Write};
use std::time::Instant;

use rflux_source::helm_index::{parse_index, parse_index_seekable, store_index};

const TARGET_BYTES: u64 = 50 * 1000 * 1000;

fn generate(path: &std::path::Path) -> (u64, usize) {
    let file = std::fs::File::create(path).unwrap();
    let mut out = BufWriter::new(file);
    let mut versions = 0usize;
    let emit = |out: &mut BufWriter<std::fs::File>, s: &str| out.write_all(s.as_bytes()).unwrap();
    let written = |out: &BufWriter<std::fs::File>| out.get_ref().metadata().unwrap().len() + out.buffer().len() as u64;
    emit(&mut out, "apiVersion: v1\nentries:\n");
    let mut chart = 0usize;
    'outer: loop {
        let name = format!("chart-{chart:05}");
        emit(&mut out, &format!("  {name}:\n"));
        for v in 0..100usize {
            let version = format!("{}.{}.{}", v / 25, (v / 5) % 5, v % 5);
            let entry = format!(
                "  - annotations:\n      artifacthub.io/changes: |\n        - kind: changed\n          description: Bump dependencies for {name} {version}\n      artifacthub.io/license: Apache-2.0\n    apiVersion: v2\n    appVersion: {version}\n    created: \"2024-03-{:02}T10:{:02}:00.123456789Z\"\n    dependencies:\n    - condition: redis.enabled\n      name: redis\n      repository: oci://registry-1.docker.io/bitnamicharts\n      version: 18.x.x\n    description: A Helm chart for {name}, a web application with a database and a cache\n    digest: {:064x}\n    home: https://example.com/{name}\n    icon: https://example.com/{name}/icon.png\n    keywords:\n    - web\n    - {name}\n    maintainers:\n    - email: team@example.com\n      name: Team\n    name: {name}\n    sources:\n    - https://github.com/example/{name}\n    type: application\n    urls:\n    - https://charts.example.com/{name}-{version}.tgz\n    version: {version}\n",
                v % 28 + 1,
                v % 60,
                chart * 1000 + v
            );
            emit(&mut out, &entry);
            versions += 1;
            if written(&out) >= TARGET_BYTES {
                break 'outer;
            }
        }
        chart += 1;
    }
    emit(&mut out, "generated: \"2024-03-01T00:00:00Z\"\n");
    out.flush().unwrap();
    (written(&out), versions)
}

/// CPU time of this thread in seconds (the machine may be busy; wall time alone misleads).
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = match std::env::var_os("HELM_INDEX_BENCH_KEEP") {
        Some(p) => std::path::PathBuf::from(p),
        None => dir.path().join("index.yaml"),
    };
    let (bytes, versions) = generate(&path);
    let before = peak_rss_kib();

    let start = Instant::now();
    let cpu_start = thread_cpu_seconds();
    let file = std::fs::File::open(&path).unwrap();
    let index = parse_index_seekable(BufReader::with_capacity(1 << 16, file), bytes).unwrap();
    let parse = start.elapsed();
    let parse_cpu = thread_cpu_seconds() - cpu_start;
    let after_parse = peak_rss_kib();
    assert_eq!(index.version_count(), versions);

    let start = Instant::now();
    let stored = store_index(&index, "sha256:0000", dir.path()).unwrap();
    let store = start.elapsed();
    let after_store = peak_rss_kib();

    println!(
        "helm_index: {:.1} MB index.yaml, {} charts, {} versions",
        bytes as f64 / 1e6,
        index.charts().len(),
        versions
    );
    println!(
        "parse: {:.3} s wall, {:.3} s CPU, peak RSS (VmHWM) {:.1} MiB (before parse {:.1} MiB)",
        parse.as_secs_f64(),
        parse_cpu,
        after_parse as f64 / 1024.0,
        before as f64 / 1024.0
    );
    println!(
        "store sorted JSON ({:.1} MB): {:.3} s, peak RSS {:.1} MiB",
        stored.size as f64 / 1e6,
        store.as_secs_f64(),
        after_store as f64 / 1024.0
    );

    // For reference: the same file through the full YAML parser (the fallback path).
    drop(index);
    let start = Instant::now();
    let cpu_start = thread_cpu_seconds();
    let file = std::fs::File::open(&path).unwrap();
    let full = parse_index(BufReader::with_capacity(1 << 16, file), bytes).unwrap();
    println!(
        "full YAML parser (fallback) for reference: {:.3} s wall, {:.3} s CPU, {} versions",
        start.elapsed().as_secs_f64(),
        thread_cpu_seconds() - cpu_start,
        full.version_count()
    );
}
