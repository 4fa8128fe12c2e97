//! Runs `rflux apiserver` as a real process for tests that need one (kubectl, kill -9).
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::zombie_processes)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct ApiServerProcess {
    pub child: Child,
    pub kubeconfig: PathBuf,
    pub port: u16,
}

impl ApiServerProcess {
    /// Starts the server in `dir` (port 0 picks one) and waits until it answers.
    pub fn start(dir: &Path, port: u16) -> ApiServerProcess {
        let kubeconfig = dir.join("kubeconfig");
        let _ = std::fs::remove_file(&kubeconfig);
        let child = Command::new(env!("CARGO_BIN_EXE_rflux"))
            .args(["apiserver", "--data-dir"])
            .arg(dir)
            .args(["--port", &port.to_string(), "--log-level", "warn"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("rflux apiserver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(text) = std::fs::read_to_string(&kubeconfig)
                && let Some(port) = text
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("server: https://127.0.0.1:"))
                    .and_then(|p| p.parse().ok())
            {
                let server = ApiServerProcess {
                    child,
                    kubeconfig,
                    port,
                };
                server.wait_ready();
                return server;
            }
            assert!(Instant::now() < deadline, "apiserver did not write its kubeconfig");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("apiserver did not listen");
    }

    /// A kubectl command against this server.
    pub fn kubectl(&self) -> Command {
        let mut cmd = Command::new("kubectl");
        cmd.arg("--kubeconfig").arg(&self.kubeconfig);
        cmd
    }

    /// Runs kubectl with `args` and stdin; returns (success, stdout, stderr).
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
        use std::io::Write;
        let mut cmd = self.kubectl();
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("kubectl runs");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.as_bytes())
                .expect("write stdin");
        } else {
            drop(child.stdin.take());
        }
        let out = child.wait_with_output().expect("kubectl finishes");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub async fn client(&self) -> kube::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let kubeconfig = kube::config::Kubeconfig::read_from(&self.kubeconfig).expect("kubeconfig");
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .expect("config");
        kube::Client::try_from(config).expect("client")
    }

    /// SIGKILL, no chance to clean up.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ApiServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Output of one `rflux` CLI run.
pub struct CliRun {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl ApiServerProcess {
    /// Runs the `rflux` binary with `args` against this server (`--kubeconfig` added).
    pub fn rflux(&self, args: &[&str]) -> CliRun {
        self.rflux_env(args, &[])
    }

    /// Like [`rflux`](Self::rflux) with extra environment variables.
    pub fn rflux_env(&self, args: &[&str], env: &[(&str, &str)]) -> CliRun {
        let out = Command::new(env!("CARGO_BIN_EXE_rflux"))
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .envs(env.iter().copied())
            .env_remove("FLUX_SYSTEM_NAMESPACE")
            .stdin(Stdio::null())
            .output()
            .expect("rflux runs");
        CliRun {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}
