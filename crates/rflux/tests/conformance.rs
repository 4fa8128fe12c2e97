//! Real clients against `rflux apiserver`: the Helm v4 library (PyPI `helm-sdkpy`: install,
//! upgrade, history, list, uninstall, client-side and server-side apply) and the Python
//! `kubernetes` client (create, strategic merge patch, watch). The script says what it checks.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod cluster;

use std::path::{Path, PathBuf};
use std::process::Command;

use cluster::ApiServerProcess;

/// A virtualenv with helm-sdkpy and kubernetes, made once under the target directory.
fn python_with_clients() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance-venv");
    let python = venv.join("bin/python");
    let ready = |p: &Path| {
        Command::new(p)
            .args(["-c", "import helm_sdkpy, kubernetes"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ready(&python) {
        return python;
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 runs");
    assert!(made.success(), "cannot create a virtualenv at {}", venv.display());
    let installed = Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "-q",
            "--ignore-requires-python",
            "helm-sdkpy==0.1.32",
            "kubernetes",
        ])
        .status()
        .expect("pip runs");
    assert!(installed.success(), "pip install helm-sdkpy kubernetes failed");
    assert!(ready(&python));
    python
}

#[test]
fn helm_library_and_python_client_work_against_the_embedded_server() {
    let python = python_with_clients();
    let dir = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let server = ApiServerProcess::start(dir.path(), 0);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/helm_and_python_client.py");
    let out = Command::new(python)
        .arg(script)
        .arg(&server.kubeconfig)
        .arg(work.path())
        .output()
        .expect("script runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("all conformance checks passed"),
        "{stdout}\n{stderr}"
    );
}
