//! `rflux controller` given an address flag it cannot parse: it exits 1 at once with a message
//! naming the flag and the value, without touching the cluster its kubeconfig names, and
//! before it even looks for a kubeconfig.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Longest a run may take before it counts as hanging (it should take milliseconds).
const HANG: Duration = Duration::from_secs(20);

/// Runs `rflux controller <args>`; kills it and fails if it is still running after [`HANG`].
fn controller(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rflux"))
        .arg("controller")
        .args(args)
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("RUNTIME_NAMESPACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rflux runs");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait for rflux").is_some() {
            return child.wait_with_output().expect("rflux output");
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let out = child.wait_with_output().expect("rflux output");
            panic!(
                "rflux controller {args:?} still ran after {HANG:?}; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A listener standing in for a cluster, and a kubeconfig naming it: whoever connects is
/// left in its backlog for [`assert_untouched`] to find.
fn trap_cluster(dir: &Path) -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let server = format!("https://{}", listener.local_addr().unwrap());
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: trap\n  cluster:\n    server: {server}\n    insecure-skip-tls-verify: true\nusers:\n- name: trap\n  user:\n    token: not-a-real-token\ncontexts:\n- name: trap\n  context:\n    cluster: trap\n    user: trap\ncurrent-context: trap\n"
        ),
    )
    .unwrap();
    (listener, kubeconfig.to_str().unwrap().to_string())
}

fn assert_untouched(listener: &TcpListener, what: &str) {
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, peer)) => panic!("{what}: rflux connected to the cluster (from {peer})"),
        Err(e) => panic!("accept: {e}"),
    }
}

#[test]
fn each_address_flag_rejects_a_value_it_cannot_parse_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let (listener, kubeconfig) = trap_cluster(dir.path());
    let storage = dir.path().join("artifacts");
    let storage = storage.to_str().unwrap();
    for (flag, value) in [
        ("--metrics-addr", "not-an-address"),
        ("--health-addr", "127.0.0.1:99999"),
        ("--storage-addr", "localhost-ish:80:80"),
    ] {
        let mut args = vec!["--kubeconfig", &kubeconfig, "--storage-path", storage];
        // The other servers on free ports, so only the flag under test can fail.
        for other in ["--metrics-addr", "--health-addr", "--storage-addr"] {
            args.extend([other, if other == flag { value } else { "127.0.0.1:0" }]);
        }
        let out = controller(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{flag} {value}: exit code; stderr: {stderr}"
        );
        assert!(
            stderr.contains(&format!("invalid {flag} '{value}'")),
            "{flag} {value}: stderr names the flag and the value: {stderr}"
        );
        assert_untouched(&listener, &format!("{flag} {value}"));
    }
    assert!(
        !Path::new(storage).exists(),
        "nothing was set up on disk before the flags were checked"
    );
}

#[test]
fn a_bad_address_is_reported_even_without_any_cluster_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-kubeconfig");
    let out = controller(&[
        "--kubeconfig",
        missing.to_str().unwrap(),
        "--storage-path",
        dir.path().join("artifacts").to_str().unwrap(),
        "--metrics-addr",
        "not-an-address",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "exit code; stderr: {stderr}");
    assert!(
        stderr.contains("invalid --metrics-addr 'not-an-address'"),
        "the flag is what is reported, not the missing kubeconfig: {stderr}"
    );
    assert!(!stderr.contains("kubeconfig"), "{stderr}");
}
