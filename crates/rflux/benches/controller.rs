//! The controllers at scale, with `rflux apiserver` and `rflux controller` as separate
//! processes (so the controller's memory is its own):
//!
//! - `sources [N]` (default 500): N GitRepositories of one local repository; time until all
//!   are Ready and the controller's RSS once they idle.
//! - `kustomizations [N]` (default 1000): N Kustomizations, each applying a Deployment, a
//!   Service, a ServiceAccount and a ConfigMap with `wait: true`; time until all are Ready
//!   and the controller's peak RSS.
//! - `chain`: a dependsOn chain of 4 Kustomizations; time from the first commit to all Ready,
//!   and from a second commit to all four applying it.
//!
//! `cargo bench -p rflux --bench controller -- sources 500`
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::zombie_processes)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=bench", "-c", "user.email=bench@rflux.invalid"])
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("git")
        .success();
    assert!(ok, "git {args:?}");
}

fn commit_all(repo: &Path, message: &str) {
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
}

fn status_kib(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn resource(group: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, "v1", kind), plural)
}

struct Cluster {
    _apiserver: Process,
    kubeconfig: PathBuf,
    client: kube::Client,
}

async fn cluster(dir: &Path) -> Cluster {
    let api_dir = dir.join("api");
    let kubeconfig = api_dir.join("kubeconfig");
    let apiserver = Process(
        Command::new(env!("CARGO_BIN_EXE_rflux"))
            .args(["apiserver", "--log-level", "error", "--data-dir"])
            .arg(&api_dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("apiserver"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !kubeconfig.exists() {
        assert!(Instant::now() < deadline, "no kubeconfig");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::read_from(&kubeconfig).unwrap(),
        &Default::default(),
    )
    .await
    .unwrap();
    let client = kube::Client::try_from(config).unwrap();
    let applier = rflux_ssa::Applier::new(client.clone(), "bench");
    let mut objects: Vec<Value> = rflux_api::crd::crds()
        .iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect();
    objects.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "flux-system"}}));
    objects.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}}));
    applier
        .apply_all(objects, &rflux_ssa::ApplyOptions::default())
        .await
        .expect("CRDs");
    Cluster {
        _apiserver: apiserver,
        kubeconfig,
        client,
    }
}

fn controller(cluster: &Cluster, dir: &Path) -> Process {
    Process(
        Command::new(env!("CARGO_BIN_EXE_rflux"))
            .args([
                "controller",
                "--log-level",
                "error",
                "--concurrent",
                "8",
                "--kubeconfig",
            ])
            .arg(&cluster.kubeconfig)
            .args([
                "--metrics-addr",
                "",
                "--health-addr",
                "",
                "--storage-addr",
                "127.0.0.1:0",
                "--storage-path",
            ])
            .arg(dir.join("storage"))
            .stdout(Stdio::null())
            .spawn()
            .expect("controller"),
    )
}

async fn create(api: &Api<DynamicObject>, object: Value) {
    let object: DynamicObject = serde_json::from_value(object).unwrap();
    api.create(&PostParams::default(), &object).await.expect("create");
}

fn is_ready(object: &DynamicObject) -> bool {
    object.data["status"]["conditions"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

/// Polls until `done(list)`; returns the time it took. Tracks the controller's peak RSS.
async fn wait_until(
    api: &Api<DynamicObject>,
    timeout: Duration,
    pid: u32,
    done: impl Fn(&[DynamicObject]) -> bool,
) -> (Duration, u64) {
    let started = Instant::now();
    let mut peak = 0;
    loop {
        peak = peak.max(status_kib(pid, "VmRSS:"));
        let list = api.list(&Default::default()).await.expect("list");
        if done(&list.items) {
            return (started.elapsed(), peak.max(status_kib(pid, "VmHWM:")));
        }
        assert!(started.elapsed() < timeout, "not done after {timeout:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn git_repository(name: &str, repo: &Path) -> Value {
    json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": {"name": name, "namespace": "flux-system"},
        "spec": {"interval": "10m", "url": format!("file://{}", repo.display()), "ref": {"branch": "main"}}
    })
}

async fn sources(count: usize) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("apps")).unwrap();
    for i in 0..20 {
        std::fs::write(
            repo.join(format!("apps/cm{i}.yaml")),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\ndata:\n  k: v\n"),
        )
        .unwrap();
    }
    git(&repo, &["init", "-q", "-b", "main"]);
    commit_all(&repo, "bench");
    let cluster = cluster(dir.path()).await;
    let repos: Api<DynamicObject> = Api::namespaced_with(
        cluster.client.clone(),
        "flux-system",
        &resource("source.toolkit.fluxcd.io", "GitRepository", "gitrepositories"),
    );
    for i in 0..count {
        create(&repos, git_repository(&format!("repo-{i}"), &repo)).await;
    }
    let controller = controller(&cluster, dir.path());
    let pid = controller.0.id();
    let (took, peak) = wait_until(&repos, Duration::from_secs(600), pid, |items| {
        items.iter().filter(|o| is_ready(o)).count() == count
    })
    .await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle = status_kib(pid, "VmRSS:");
    let patch = json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "bench"}}});
    repos
        .patch("repo-0", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("patch");
    println!("controller with {count} GitRepositories (file://, 20 files each):");
    println!("  all Ready after  {:.2} s", took.as_secs_f64());
    println!("  peak RSS         {:.1} MiB", peak as f64 / 1024.0);
    println!("  idle RSS (10 s)  {:.1} MiB", idle as f64 / 1024.0);
}

fn kustomization(name: &str, path: &str, extra: Value) -> Value {
    let mut object = json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "flux-system"},
        "spec": {
            "interval": "1h",
            "retryInterval": "1h",
            "path": path,
            "prune": true,
            "sourceRef": {"kind": "GitRepository", "name": "bench"}
        }
    });
    if let (Some(spec), Some(extra)) = (object["spec"].as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            spec.insert(k.clone(), v.clone());
        }
    }
    object
}

async fn kustomizations(count: usize) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("app")).unwrap();
    std::fs::write(
        repo.join("app/app.yaml"),
        r#"apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: bench
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app
  namespace: bench
data:
  greeting: hello
---
apiVersion: v1
kind: Service
metadata:
  name: app
  namespace: bench
spec:
  selector:
    app: app
  ports:
    - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: bench
spec:
  replicas: 1
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      labels:
        app: app
    spec:
      serviceAccountName: app
      containers:
        - name: app
          image: ghcr.io/stefanprodan/podinfo:6.7.1
"#,
    )
    .unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    commit_all(&repo, "bench");
    let cluster = cluster(dir.path()).await;
    let client = cluster.client.clone();
    let repos: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "flux-system",
        &resource("source.toolkit.fluxcd.io", "GitRepository", "gitrepositories"),
    );
    create(&repos, git_repository("bench", &repo)).await;
    let ks: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "flux-system",
        &resource("kustomize.toolkit.fluxcd.io", "Kustomization", "kustomizations"),
    );
    for i in 0..count {
        create(
            &ks,
            kustomization(
                &format!("k{i}"),
                "./app",
                json!({"namePrefix": format!("k{i}-"), "wait": true}),
            ),
        )
        .await;
    }
    let controller = controller(&cluster, dir.path());
    let pid = controller.0.id();
    let (took, peak) = wait_until(&ks, Duration::from_secs(1800), pid, |items| {
        items.iter().filter(|o| is_ready(o)).count() == count
    })
    .await;
    println!(
        "controller with {count} Kustomizations (Deployment, Service, ServiceAccount, ConfigMap each, wait: true):"
    );
    println!("  all Ready after  {:.2} s", took.as_secs_f64());
    println!("  peak RSS         {:.1} MiB", peak as f64 / 1024.0);
}

fn write_chain(repo: &Path, value: &str) {
    for level in ["a", "b", "c", "d"] {
        std::fs::create_dir_all(repo.join(level)).unwrap();
        std::fs::write(
            repo.join(format!("{level}/cm.yaml")),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: level-{level}\n  namespace: bench\ndata:\n  value: \"{value}\"\n"),
        )
        .unwrap();
    }
}

fn applied(items: &[DynamicObject], revision: Option<&str>) -> bool {
    items.len() == 4
        && items.iter().all(|o| {
            is_ready(o) && revision.is_none_or(|r| o.data["status"]["lastAppliedRevision"].as_str() == Some(r))
        })
}

async fn chain() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    write_chain(&repo, "one");
    git(&repo, &["init", "-q", "-b", "main"]);
    commit_all(&repo, "one");
    let cluster = cluster(dir.path()).await;
    let client = cluster.client.clone();
    let repos: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "flux-system",
        &resource("source.toolkit.fluxcd.io", "GitRepository", "gitrepositories"),
    );
    let ks: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "flux-system",
        &resource("kustomize.toolkit.fluxcd.io", "Kustomization", "kustomizations"),
    );
    let controller = controller(&cluster, dir.path());
    let pid = controller.0.id();
    // Wait for the controller to lead before the clock starts.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let started = Instant::now();
    create(&repos, git_repository("bench", &repo)).await;
    let mut previous: Option<&str> = None;
    for level in ["a", "b", "c", "d"] {
        let depends = previous.map(|p| json!([{"name": p}])).unwrap_or(json!([]));
        create(
            &ks,
            kustomization(level, &format!("./{level}"), json!({"dependsOn": depends})),
        )
        .await;
        previous = Some(level);
    }
    wait_until(&ks, Duration::from_secs(120), pid, |items| applied(items, None)).await;
    let first = started.elapsed();

    write_chain(&repo, "two");
    commit_all(&repo, "two");
    let head = String::from_utf8(
        Command::new("git")
            .current_dir(&repo)
            .args(["rev-parse", "HEAD"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let revision = format!("main@sha1:{}", head.trim());
    let started = Instant::now();
    // What `rflux up` does when it sees the branch move.
    let patch = json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "commit-two"}}});
    repos
        .patch("bench", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("patch");
    wait_until(&ks, Duration::from_secs(120), pid, |items| {
        applied(items, Some(&revision))
    })
    .await;
    let second = started.elapsed();
    println!("dependsOn chain of 4 Kustomizations (one ConfigMap each, interval and retryInterval 1h):");
    println!("  objects created → all Ready          {:.2} s", first.as_secs_f64());
    println!(
        "  new commit (reconcile request) → all four applied it  {:.2} s",
        second.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let count = args.get(1).and_then(|c| c.parse().ok());
    match args.first().map(String::as_str) {
        Some("sources") => sources(count.unwrap_or(500)).await,
        Some("kustomizations") => kustomizations(count.unwrap_or(1000)).await,
        Some("chain") | None => chain().await,
        Some(other) => panic!("unknown scenario {other}: sources [N] | kustomizations [N] | chain"),
    }
}
