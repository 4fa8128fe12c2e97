#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Render a chart with rflux-helm and with real Helm v4 (`helm-reference-render`) in the
//! same run, alternating, each as its own process, and print the median wall time, the
//! peak RSS and the ratio. Both outputs are compared document for document first. A
//! one-template chart is timed the same way, so the fixed start-up cost of each tool
//! (the reference starts Python and loads Helm's library) can be told from rendering.
//!
//! `cargo bench -p rflux-helm --bench render -- [--runs N] [--shared DIR] [CHART [VALUES…]]`
//!
//! Defaults: kube-prometheus-stack from the shared corpus with `acceptance/values/kps-off.yaml`
//! (its own default values fail in Helm too: the corpus copy lacks subcharts), 11 runs.
//! Needs `/usr/bin/time` (Debian package `time`) for the peak RSS.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Run as a child: render once and print the stream, as `helm-reference-render` does.
fn render_once(chart: &Path, values: &[PathBuf]) {
    let values = rflux_helm::user_values(values, &[], &[], &[]).unwrap();
    let chart = rflux_helm::Chart::load(chart).unwrap();
    let opts = rflux_helm::RenderOptions {
        name: "rel".into(),
        namespace: "ns".into(),
        check_dependencies: false,
        check_kube_version: false,
        ..Default::default()
    };
    let rendered = rflux_helm::render(&chart, &values, &opts).unwrap();
    print!("{}", rendered.to_reference_stream());
}

struct Run {
    seconds: f64,
    peak_kib: u64,
    stdout: Vec<u8>,
}

/// Run `cmd` under `/usr/bin/time -f %M`: wall time measured here, peak RSS from time.
fn measure(program: &Path, args: &[String]) -> Run {
    let start = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg(program)
        .args(args)
        .output()
        .expect("/usr/bin/time (Debian package `time`) is needed for the peak RSS");
    let seconds = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{} failed: {stderr}", program.display());
    let peak_kib = stderr.lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(0);
    Run {
        seconds,
        peak_kib,
        stdout: out.stdout,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `# Source:` documents of a stream, sorted (the two tools order files alike, but the
/// comparison should not depend on it).
fn documents(stream: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(stream);
    let mut docs: Vec<String> = text
        .split("---\n# Source: ")
        .filter(|d| !d.trim().is_empty())
        .map(|d| d.trim_end().to_string())
        .collect();
    docs.sort();
    docs
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    if args.first().map(String::as_str) == Some("--render-once") {
        let chart = PathBuf::from(&args[1]);
        let values: Vec<PathBuf> = args[2..].iter().map(PathBuf::from).collect();
        render_once(&chart, &values);
        return;
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut runs = 11usize;
    let mut shared = here.join("../../../shared");
    let mut positional = Vec::new();
    while !args.is_empty() {
        let a = args.remove(0);
        match a.as_str() {
            "--runs" => runs = args.remove(0).parse().expect("--runs N"),
            "--shared" => shared = PathBuf::from(args.remove(0)),
            _ => positional.push(a),
        }
    }
    let (chart, values) = match positional.split_first() {
        Some((c, v)) => (PathBuf::from(c), v.iter().map(PathBuf::from).collect::<Vec<_>>()),
        None => (
            shared.join("corpus/charts/kube-prometheus-stack"),
            vec![here.join("acceptance/values/kps-off.yaml")],
        ),
    };
    let reference = shared.join("tools/helm-reference-render");
    let me = std::env::current_exe().unwrap();
    let mut ours_args = vec!["--render-once".to_string(), chart.display().to_string()];
    ours_args.extend(values.iter().map(|v| v.display().to_string()));
    let mut ref_args = vec![
        chart.display().to_string(),
        "--name".into(),
        "rel".into(),
        "--namespace".into(),
        "ns".into(),
    ];
    for v in &values {
        ref_args.push("--values".into());
        ref_args.push(v.display().to_string());
    }

    // Warm-up (the reference installs its virtualenv on first use), and the same output.
    let ours = measure(&me, &ours_args);
    let theirs = measure(&reference, &ref_args);
    let (a, b) = (documents(&ours.stdout), documents(&theirs.stdout));
    assert_eq!(a.len(), b.len(), "document counts differ");
    assert!(a == b, "rflux and Helm render different documents");
    println!("{}: {} documents, identical", chart.display(), a.len());

    let tiny = std::env::temp_dir().join(format!("rflux-render-bench-{}", std::process::id()));
    std::fs::create_dir_all(tiny.join("templates")).unwrap();
    std::fs::write(tiny.join("Chart.yaml"), "apiVersion: v2\nname: tiny\nversion: 0.1.0\n").unwrap();
    std::fs::write(
        tiny.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
    )
    .unwrap();
    let tiny_ours = vec!["--render-once".to_string(), tiny.display().to_string()];
    let tiny_ref = vec![tiny.display().to_string()];

    let (mut our_times, mut their_times) = (Vec::new(), Vec::new());
    let (mut our_start, mut their_start) = (Vec::new(), Vec::new());
    let (mut our_peak, mut their_peak) = (0, 0);
    for _ in 0..runs {
        let o = measure(&me, &ours_args);
        let t = measure(&reference, &ref_args);
        our_times.push(o.seconds);
        their_times.push(t.seconds);
        our_peak = our_peak.max(o.peak_kib);
        their_peak = their_peak.max(t.peak_kib);
        our_start.push(measure(&me, &tiny_ours).seconds);
        their_start.push(measure(&reference, &tiny_ref).seconds);
    }
    let _ = std::fs::remove_dir_all(&tiny);
    let (ours_s, theirs_s) = (median(our_times.clone()), median(their_times.clone()));
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    println!("runs: {runs} each, alternating");
    println!(
        "rflux-helm            median {:.3} s (min {:.3})  peak RSS {:.1} MB",
        ours_s,
        min(&our_times),
        our_peak as f64 / 1024.0
    );
    println!(
        "helm-reference-render median {:.3} s (min {:.3})  peak RSS {:.1} MB",
        theirs_s,
        min(&their_times),
        their_peak as f64 / 1024.0
    );
    println!("ratio (median): {:.1}x faster", theirs_s / ours_s);
    let (ours_0, theirs_0) = (median(our_start), median(their_start));
    println!(
        "one-template chart: rflux-helm {:.3} s, helm-reference-render {:.3} s; rendering alone \
         (median minus that): {:.3} s vs {:.3} s, {:.1}x",
        ours_0,
        theirs_0,
        ours_s - ours_0,
        theirs_s - theirs_0,
        (theirs_s - theirs_0) / (ours_s - ours_0)
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!(
            "load average: {}",
            load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
        );
    }
}
