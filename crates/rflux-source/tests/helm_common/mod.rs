//! Test harness: a static HTTP server on 127.0.0.1 serving a directory (optionally behind
//! basic auth), chart archives and index files built in the test, and Debian's
//! `docker-registry` started on a free loopback port for OCI tests.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::io::Write;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine;

/// A static file server; stops when dropped.
pub struct StaticServer {
    pub url: String,
    pub root: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct ServeState {
    root: PathBuf,
    auth: Option<(String, String)>,
}

fn authorized(headers: &HeaderMap, auth: &Option<(String, String)>) -> bool {
    let Some((user, pass)) = auth else { return true };
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    );
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some(expected.as_str())
}

async fn serve_file(State(state): State<ServeState>, request: Request) -> Response {
    if !authorized(request.headers(), &state.auth) {
        return Response::builder()
            .status(StatusCode::UNAUTHORIZED)
            .header(header::WWW_AUTHENTICATE, "Basic realm=\"charts\"")
            .body(Body::empty())
            .unwrap();
    }
    let path = request.uri().path().trim_start_matches('/').to_string();
    if path.split('/').any(|p| p == ".." || p.starts_with('.')) {
        return Response::builder()
            .status(StatusCode::BAD_REQUEST)
            .body(Body::empty())
            .unwrap();
    }
    match tokio::fs::read(state.root.join(&path)).await {
        Ok(data) => Response::builder()
            .status(StatusCode::OK)
            .body(Body::from(data))
            .unwrap(),
        Err(_) => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::empty())
            .unwrap(),
    }
}

/// Serve `root` at `http://127.0.0.1:<port>/`, requiring `auth` when given.
pub async fn serve_dir(root: &Path, auth: Option<(&str, &str)>) -> StaticServer {
    let state = ServeState {
        root: root.to_path_buf(),
        auth: auth.map(|(u, p)| (u.to_string(), p.to_string())),
    };
    let app = Router::new().fallback(serve_file).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    StaticServer {
        url: format!("http://{addr}"),
        root: root.to_path_buf(),
        task,
    }
}

/// A gzipped tar of `files` (paths as given, so tests can write unsafe ones).
pub fn tgz(files: &[(&str, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(gz);
    for (path, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        // Write the name bytes directly so `..` survives (append_data refuses it).
        let name = header.as_gnu_mut().unwrap();
        name.name[..path.len()].copy_from_slice(path.as_bytes());
        header.set_cksum();
        builder.append(&header, *data).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// A minimal chart archive `<name>-<version>.tgz` content with one template.
pub fn chart_tgz(name: &str, version: &str) -> Vec<u8> {
    let chart_yaml = format!("apiVersion: v2\nname: {name}\nversion: {version}\nappVersion: \"1.0\"\n");
    let values = "replicas: 1\nimage:\n  tag: stable\n";
    let template = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n";
    tgz(&[
        (&format!("{name}/Chart.yaml"), chart_yaml.as_bytes()),
        (&format!("{name}/values.yaml"), values.as_bytes()),
        (&format!("{name}/templates/cm.yaml"), template.as_bytes()),
    ])
}

/// Hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// One index entry.
pub struct Entry<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub url: String,
    pub digest: Option<String>,
}

/// An `index.yaml` listing `entries` in the given order.
pub fn index_yaml(entries: &[Entry<'_>]) -> String {
    let mut by_name: Vec<(&str, Vec<&Entry<'_>>)> = Vec::new();
    for e in entries {
        match by_name.iter_mut().find(|(n, _)| *n == e.name) {
            Some((_, list)) => list.push(e),
            None => by_name.push((e.name, vec![e])),
        }
    }
    let mut out = String::from("apiVersion: v1\nentries:\n");
    for (name, list) in by_name {
        out.push_str(&format!("  {name}:\n"));
        for e in list {
            out.push_str(&format!(
                "  - apiVersion: v2\n    name: {}\n    version: {}\n    created: \"2024-01-01T00:00:00Z\"\n    urls:\n    - {}\n",
                e.name, e.version, e.url
            ));
            if let Some(d) = &e.digest {
                out.push_str(&format!("    digest: {d}\n"));
            }
        }
    }
    out.push_str("generated: \"2024-01-01T00:00:00Z\"\n");
    out
}

/// Write `data` to `dir/name`.
pub fn write(dir: &Path, name: &str, data: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(data).unwrap();
}

/// A running `docker-registry`; killed when dropped.
pub struct Registry {
    /// `127.0.0.1:<port>`.
    pub addr: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Start Debian's `docker-registry` with storage in a temporary directory.
pub async fn start_registry() -> Registry {
    let binary = ["/usr/bin/docker-registry", "/usr/sbin/docker-registry"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("docker-registry is not installed: apt-get install -y docker-registry");
    let dir = tempfile::tempdir().unwrap();
    let mut last_error = String::new();
    for _ in 0..5 {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n",
            dir.path().join("data").display()
        );
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let mut child = Command::new(binary)
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting docker-registry");
        for _ in 0..100 {
            if let Ok(Some(status)) = child.try_wait() {
                last_error = format!("docker-registry exited with {status}");
                break;
            }
            if tokio::net::TcpStream::connect(&addr).await.is_ok() {
                return Registry { addr, child, _dir: dir };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("docker-registry did not start: {last_error}");
}
