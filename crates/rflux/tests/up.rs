//! `rflux up` end to end, as a user runs it: the real binary on a Git repository holding a
//! copy of the example platform, checked with real kubectl.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::zombie_processes)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=rflux test", "-c", "user.email=test@rflux.invalid"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} failed");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A Git repository (branch main) holding a copy of `examples/`.
fn example_repository(dir: &Path) -> PathBuf {
    let repo = dir.join("platform");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    copy_dir(&examples, &repo.join("examples"));
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "the example platform"]);
    repo
}

fn up_command(repo: &Path, data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rflux"));
    cmd.arg("up")
        .arg("--path")
        .arg(repo.join("examples/clusters/local"))
        .arg("--age-key-file")
        .arg(repo.join("examples/demo.agekey"))
        .arg("--data-dir")
        .arg(data)
        .args(["--log-level", "warn"]);
    cmd
}

/// `rflux up --once`: its exit code, standard output and standard error.
fn up_once(repo: &Path, data: &Path) -> (Option<i32>, String, String) {
    let out = up_command(repo, data).arg("--once").output().expect("rflux up runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn kubectl(kubeconfig: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .expect("kubectl runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Polls `kubectl args` until its output satisfies `accept`.
fn wait_for(kubeconfig: &Path, args: &[&str], timeout: Duration, accept: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let (ok, out) = kubectl(kubeconfig, args);
        if ok && accept(&out) {
            return out;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for kubectl {args:?}; last output: {out}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn ready_of(name: &str) -> Vec<String> {
    [
        "get",
        "kustomization",
        name,
        "-n",
        "flux-system",
        "-o",
        "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn once_reconciles_the_example_platform_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let repo = example_repository(dir.path());
    let (code, stdout, stderr) = up_once(&repo, &dir.path().join("data"));
    assert_eq!(code, Some(0), "rflux up --once failed\n{stdout}\n{stderr}");
    assert!(stdout.contains("✔ all 7 objects Ready"), "{stdout}");
    for name in [
        "flux-system",
        "infra-crds",
        "infra-controllers",
        "infra-configs",
        "apps",
        "helm-hello",
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.contains(&format!("flux-system/{name} ")) && l.contains("Applied revision: main@sha1:")),
            "{name} applied: {stdout}"
        );
    }
}

#[test]
fn once_exits_one_and_names_what_failed() {
    let dir = tempfile::tempdir().unwrap();
    let repo = example_repository(dir.path());
    // Point the apps at a directory that does not exist.
    let apps = repo.join("examples/clusters/local/apps.yaml");
    let text = std::fs::read_to_string(&apps).unwrap();
    std::fs::write(
        &apps,
        text.replace("./examples/apps/podinfo", "./examples/apps/missing"),
    )
    .unwrap();
    git(&repo, &["commit", "-q", "-am", "break the apps path"]);
    let (code, stdout, stderr) = up_once(&repo, &dir.path().join("data"));
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("✗ Kustomization/flux-system/apps: kustomization path not found: ./examples/apps/missing"),
        "{stdout}"
    );
    assert!(stderr.contains("1 of 7 objects failed"), "{stderr}");
}

#[test]
fn once_waits_for_every_source_kind_and_names_a_failed_helm_repository() {
    let dir = tempfile::tempdir().unwrap();
    let repo = example_repository(dir.path());
    // A Helm repository nobody serves: nothing listens on port 1.
    std::fs::write(
        repo.join("examples/clusters/local/charts.yaml"),
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: unreachable\n  namespace: flux-system\nspec:\n  interval: 10m\n  url: http://127.0.0.1:1/charts\n",
    )
    .unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "an unreachable Helm repository"]);
    let (code, stdout, stderr) = up_once(&repo, &dir.path().join("data"));
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("✗ HelmRepository/flux-system/unreachable: "),
        "{stdout}"
    );
    assert!(stderr.contains("1 of 8 objects failed"), "{stderr}");
}

#[test]
fn up_applies_decrypts_substitutes_and_follows_new_commits() {
    let dir = tempfile::tempdir().unwrap();
    let repo = example_repository(dir.path());
    let data = dir.path().join("data");
    let child = up_command(&repo, &data)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("rflux up starts");
    let mut running = Running(child);
    let kubeconfig = data.join("kubeconfig");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !kubeconfig.exists() {
        assert!(Instant::now() < deadline, "no kubeconfig written");
        std::thread::sleep(Duration::from_millis(100));
    }
    let apps_ready: Vec<String> = ready_of("apps");
    let args: Vec<&str> = apps_ready.iter().map(String::as_str).collect();
    wait_for(&kubeconfig, &args, Duration::from_secs(90), |s| s == "True");

    // SOPS: the Secret holds the plain value.
    let token = wait_for(
        &kubeconfig,
        &[
            "get",
            "secret",
            "podinfo-credentials",
            "-n",
            "apps",
            "-o",
            "jsonpath={.data.token}",
        ],
        Duration::from_secs(5),
        |s| !s.is_empty(),
    );
    let decoded = Command::new("base64")
        .arg("-d")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        decoded.stdin.as_ref().unwrap().write_all(token.as_bytes()).unwrap();
    }
    let plain = decoded.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&plain.stdout), "demo-token-not-a-real-secret");
    // postBuild: inline and substituteFrom variables; the Deployment's replicas became a number.
    let (_, replicas) = kubectl(
        &kubeconfig,
        &[
            "get",
            "deploy",
            "podinfo",
            "-n",
            "apps",
            "-o",
            "jsonpath={.spec.replicas}",
        ],
    );
    assert_eq!(replicas, "2");
    let (_, greeting) = kubectl(
        &kubeconfig,
        &[
            "get",
            "greetings.examples.rflux.dev",
            "hello",
            "-n",
            "platform",
            "-o",
            "jsonpath={.spec.message}",
        ],
    );
    assert_eq!(greeting, "Hello from cluster local");
    // Ownership labels, as Flux writes them.
    let (_, owner) = kubectl(
        &kubeconfig,
        &[
            "get",
            "svc",
            "podinfo",
            "-n",
            "apps",
            "-o",
            "jsonpath={.metadata.labels.kustomize\\.toolkit\\.fluxcd\\.io/name}",
        ],
    );
    assert_eq!(owner, "apps");

    // A new commit: a changed message, and the Service removed from Git.
    let greetings = repo.join("examples/infrastructure/configs/greetings.yaml");
    let text = std::fs::read_to_string(&greetings).unwrap();
    std::fs::write(&greetings, text.replace("Hello from cluster", "Hi from cluster")).unwrap();
    let kustomization = repo.join("examples/apps/podinfo/kustomization.yaml");
    let text = std::fs::read_to_string(&kustomization).unwrap();
    std::fs::write(&kustomization, text.replace("  - service.yaml\n", "")).unwrap();
    git(&repo, &["commit", "-q", "-am", "new greeting, no service"]);
    wait_for(
        &kubeconfig,
        &[
            "get",
            "greetings.examples.rflux.dev",
            "hello",
            "-n",
            "platform",
            "-o",
            "jsonpath={.spec.message}",
        ],
        Duration::from_secs(60),
        |s| s == "Hi from cluster local",
    );
    wait_for(
        &kubeconfig,
        &["get", "svc", "-n", "apps", "-o", "name"],
        Duration::from_secs(60),
        |s| !s.contains("service/podinfo"),
    );
    let (_, revision) = kubectl(
        &kubeconfig,
        &[
            "get",
            "gitrepository",
            "flux-system",
            "-n",
            "flux-system",
            "-o",
            "jsonpath={.status.artifact.revision}",
        ],
    );
    assert!(revision.starts_with("main@sha1:"), "{revision}");

    // Ctrl-C stops it cleanly.
    let pid = running.0.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = running.0.try_wait().unwrap() {
            assert!(status.success(), "rflux up exited with {status}");
            break;
        }
        assert!(Instant::now() < deadline, "rflux up did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(100));
    }
}
