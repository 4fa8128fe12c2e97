//! HelmRepository and HelmChart through `rflux up`: a chart packaged from the Git repository,
//! a Helm repository served over HTTP on loopback, a version range that matches and one that
//! does not — checked with real kubectl as a user would.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::zombie_processes)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=rflux test", "-c", "user.email=test@rflux.invalid"])
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("git runs")
        .success();
    assert!(ok, "git {args:?}");
}

fn kubectl(kubeconfig: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl runs");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_for(kubeconfig: &Path, args: &[&str], accept: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = kubectl(kubeconfig, args, None);
        if accept(&out) {
            return out;
        }
        assert!(Instant::now() < deadline, "timed out: kubectl {args:?}: {out}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// A static HTTP server for `dir` on a free loopback port (GET only).
fn serve(dir: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]);
            let path = request.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/');
            match std::fs::read(dir.join(path)) {
                Ok(body) => {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(&body);
                }
                Err(_) => {
                    let _ =
                        stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                }
            }
        }
    });
    port
}

#[test]
fn charts_from_git_and_from_a_helm_repository() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("platform");
    let chart = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/charts/hello");
    std::fs::create_dir_all(repo.join("charts/hello/templates")).unwrap();
    for file in ["Chart.yaml", "values.yaml", "templates/configmap.yaml"] {
        std::fs::copy(chart.join(file), repo.join("charts/hello").join(file)).unwrap();
    }
    std::fs::create_dir_all(repo.join("clusters/local")).unwrap();
    std::fs::write(
        repo.join("clusters/local/ns.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: empty\n",
    )
    .unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "chart"]);

    let data = dir.path().join("data");
    let _up = Running(
        Command::new(env!("CARGO_BIN_EXE_rflux"))
            .arg("up")
            .arg("--path")
            .arg(repo.join("clusters/local"))
            .arg("--data-dir")
            .arg(&data)
            .args(["--log-level", "error"])
            .stdout(Stdio::null())
            .spawn()
            .expect("rflux up starts"),
    );
    let kubeconfig = data.join("kubeconfig");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !kubeconfig.exists() {
        assert!(Instant::now() < deadline, "no kubeconfig");
        std::thread::sleep(Duration::from_millis(100));
    }
    wait_for(
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
        |s| s.starts_with("main@sha1:"),
    );

    kubectl(
        &kubeconfig,
        &["apply", "-f", "-"],
        Some(
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmChart\nmetadata:\n  name: hello-git\n  namespace: flux-system\nspec:\n  interval: 5m\n  chart: ./charts/hello\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
        ),
    );
    let url = wait_for(
        &kubeconfig,
        &[
            "get",
            "helmchart",
            "hello-git",
            "-n",
            "flux-system",
            "-o",
            "jsonpath={.status.artifact.url}",
        ],
        |s| s.ends_with("/helmchart/flux-system/hello-git/hello-0.1.0.tgz"),
    );
    let ready = kubectl(
        &kubeconfig,
        &[
            "get",
            "helmchart",
            "hello-git",
            "-n",
            "flux-system",
            "-o",
            "jsonpath={.status.conditions[?(@.type==\"Ready\")].message}",
        ],
        None,
    );
    assert_eq!(ready, "stored artifact for revision '0.1.0'");

    // A Helm repository serving that chart.
    let served = dir.path().join("helm-repo");
    std::fs::create_dir_all(&served).unwrap();
    let archive = Command::new("curl").args(["-sf", &url]).output().expect("curl runs");
    assert!(
        archive.status.success() && !archive.stdout.is_empty(),
        "chart artifact served over HTTP"
    );
    std::fs::write(served.join("hello-0.1.0.tgz"), &archive.stdout).unwrap();
    std::fs::write(
        served.join("index.yaml"),
        "apiVersion: v1\nentries:\n  hello:\n  - apiVersion: v2\n    name: hello\n    version: 0.1.0\n    urls:\n    - hello-0.1.0.tgz\n  - apiVersion: v2\n    name: hello\n    version: 0.2.0-rc.1\n    urls:\n    - hello-0.2.0-rc.1.tgz\ngenerated: \"2026-11-25T00:00:00Z\"\n",
    )
    .unwrap();
    let port = serve(served);
    kubectl(
        &kubeconfig,
        &["apply", "-f", "-"],
        Some(&format!(
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: local\n  namespace: flux-system\nspec:\n  interval: 5m\n  url: http://127.0.0.1:{port}\n---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmChart\nmetadata:\n  name: hello-repo\n  namespace: flux-system\nspec:\n  interval: 5m\n  chart: hello\n  version: \">=0.1.0 <1.0.0\"\n  sourceRef:\n    kind: HelmRepository\n    name: local\n---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmChart\nmetadata:\n  name: hello-nomatch\n  namespace: flux-system\nspec:\n  interval: 5m\n  chart: hello\n  version: \"^2.0\"\n  sourceRef:\n    kind: HelmRepository\n    name: local\n"
        )),
    );
    wait_for(
        &kubeconfig,
        &[
            "get",
            "helmrepository",
            "local",
            "-n",
            "flux-system",
            "-o",
            "jsonpath={.status.artifact.revision}",
        ],
        |s| s.starts_with("sha256:"),
    );
    // The range takes the highest release; the pre-release is not in a range without one.
    wait_for(
        &kubeconfig,
        &[
            "get",
            "helmchart",
            "hello-repo",
            "-n",
            "flux-system",
            "-o",
            "jsonpath={.status.artifact.revision}",
        ],
        |s| s == "0.1.0",
    );
    let message = wait_for(
        &kubeconfig,
        &[
            "get",
            "helmchart",
            "hello-nomatch",
            "-n",
            "flux-system",
            "-o",
            "jsonpath={.status.conditions[?(@.type==\"Ready\")].message}",
        ],
        |s| !s.is_empty() && !s.contains("progress"),
    );
    assert!(message.contains("^2.0") && message.contains("0.1.0"), "{message}");
}
