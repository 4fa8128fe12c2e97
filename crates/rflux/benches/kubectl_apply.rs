//! `kubectl apply -f` of a 500-object manifest against `rflux apiserver`, client-side and
//! server-side, with `kubectl apply --dry-run=client` of the same manifest as the floor (kubectl's
//! own work without the server). Run: `cargo bench -p rflux --bench kubectl_apply`.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::zombie_processes)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn manifest(n: usize, suffix: &str) -> String {
    let mut out = String::new();
    for i in 0..n {
        match i % 5 {
            0 => out.push_str(&format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  labels: {{app: app-{i}}}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: app-{i}}}\n  template:\n    metadata:\n      labels: {{app: app-{i}}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27{suffix}\n        ports: [{{containerPort: 80}}]\n"
            )),
            1 => out.push_str(&format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\nspec:\n  selector: {{app: app-{i}}}\n  ports: [{{port: 80}}]\n"
            )),
            2 => out.push_str(&format!("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-{i}\n")),
            3 => out.push_str(&format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-{i}\ntype: Opaque\nstringData:\n  token: value-{i}{suffix}\n"
            )),
            _ => out.push_str(&format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  key: value-{i}{suffix}\n")),
        }
        out.push_str("---\n");
    }
    out
}

fn kubectl(kubeconfig: &Path, args: &[&str], file: &Path) -> Duration {
    let started = Instant::now();
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .arg("-f")
        .arg(file)
        .stdout(Stdio::null())
        .output()
        .expect("kubectl runs");
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

/// The server goes with the benchmark, even when a step fails.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    let server = Command::new(env!("CARGO_BIN_EXE_rflux"))
        .args(["apiserver", "--data-dir"])
        .arg(dir.path())
        .args(["--log-level", "warn"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start rflux apiserver");
    let mut server = KillOnDrop(server);
    while !kubeconfig.exists() {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let first = dir.path().join("first.yaml");
    let second = dir.path().join("second.yaml");
    std::fs::write(&first, manifest(500, "")).expect("write");
    std::fs::write(&second, manifest(500, "-b")).expect("write");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;

    let floor = kubectl(&kubeconfig, &["apply", "--dry-run=client"], &first);
    let create = kubectl(&kubeconfig, &["apply"], &first);
    let unchanged = kubectl(&kubeconfig, &["apply"], &first);
    let update = kubectl(&kubeconfig, &["apply"], &second);
    let ssa = kubectl(&kubeconfig, &["apply", "--server-side", "--force-conflicts"], &first);
    let ssa_again = kubectl(&kubeconfig, &["apply", "--server-side", "--force-conflicts"], &first);
    let _ = server.0.kill();
    let _ = server.0.wait();
    println!("500 objects (100 each of Deployment, Service, ServiceAccount, Secret, ConfigMap), kubectl 1.32");
    println!("kubectl apply --dry-run=client (floor): {:.0} ms", ms(floor));
    println!(
        "client-side apply, create: {:.0} ms; unchanged: {:.0} ms; 400 changed: {:.0} ms",
        ms(create),
        ms(unchanged),
        ms(update)
    );
    println!(
        "server-side apply over the client-side objects: {:.0} ms; again, unchanged: {:.0} ms",
        ms(ssa),
        ms(ssa_again)
    );
}
