//! Running the server: the data directory, TLS on 127.0.0.1, the kubeconfig, bootstrap
//! objects, background loops (compaction, cleanup, workload simulation), and shutdown.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api::{Api, Target, WriteOptions};
use crate::http::{AppState, router};
use crate::store::Store;
use crate::tls::{self, TlsError};

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub data_dir: PathBuf,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Simulate the controllers that write workload status (there is no kubelet).
    pub simulate: bool,
    /// How many revisions of history watches can resume from.
    pub compact_window: u64,
    pub compact_interval: Duration,
}

impl ServerConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        ServerConfig {
            data_dir: data_dir.into(),
            port: 0,
            simulate: true,
            compact_window: 100_000,
            compact_interval: Duration::from_secs(60),
        }
    }
}

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("creating data directory {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("opening the store {path}: {source}")]
    Store { path: PathBuf, source: rusqlite::Error },
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("listening on 127.0.0.1:{port}: {source}")]
    Listen { port: u16, source: std::io::Error },
    #[error("writing {path}: {source}")]
    Kubeconfig { path: PathBuf, source: std::io::Error },
}

/// A running server.
pub struct Server {
    pub api: Arc<Api>,
    pub address: SocketAddr,
    pub kubeconfig: PathBuf,
    pub token: String,
    pub ca_pem: String,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Server {
    pub fn url(&self) -> String {
        format!("https://{}", self.address)
    }

    /// Stops accepting, closes every connection and background loop.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            t.abort();
            let _ = t.await;
        }
    }

    /// Waits until the server is shut down by a signal elsewhere.
    pub async fn closed(&self) {
        let mut rx = self.shutdown.subscribe();
        while !*rx.borrow() {
            if rx.changed().await.is_err() {
                return;
            }
        }
    }
}

/// The kubeconfig YAML for a server.
pub fn kubeconfig_yaml(url: &str, ca_pem: &str, token: &str) -> String {
    use base64::Engine;
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: rflux\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\nusers:\n- name: rflux\n  user:\n    token: {token}\ncontexts:\n- name: rflux\n  context:\n    cluster: rflux\n    user: rflux\n    namespace: default\ncurrent-context: rflux\npreferences: {{}}\n"
    )
}

fn write_kubeconfig(path: &Path, contents: &str) -> Result<(), ServerError> {
    let err = |source| ServerError::Kubeconfig {
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(path, contents).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
    }
    Ok(())
}

/// Creates the namespaces every cluster has.
fn bootstrap(api: &Api) {
    let Some(rt) = api.registry.lookup("", "v1", "namespaces") else {
        return;
    };
    let opts = WriteOptions {
        default_manager: "rflux-apiserver".into(),
        ..Default::default()
    };
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        let target = Target {
            rt: rt.clone(),
            version: "v1".into(),
            namespace: None,
            name: None,
            subresource: None,
        };
        let body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
        match api.create(&target, body, &opts) {
            Ok(_) => {}
            Err(e) if e.code == 409 => {}
            Err(e) => tracing::warn!(namespace = ns, error = %e, "could not create namespace"),
        }
    }
}

/// Starts the server and its background loops.
pub async fn start(config: ServerConfig) -> Result<Server, ServerError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| ServerError::DataDir {
        path: config.data_dir.clone(),
        source,
    })?;
    let db_path = config.data_dir.join("state.db");
    let store = Store::open(&db_path).map_err(|source| ServerError::Store {
        path: db_path.clone(),
        source,
    })?;
    let api = Arc::new(Api::new(Arc::new(store)));
    bootstrap(&api);

    let identity = tls::load_or_create(&config.data_dir)?;
    let tls_config = tls::server_config(&identity)?;
    let listener = TcpListener::bind(("127.0.0.1", config.port))
        .await
        .map_err(|source| ServerError::Listen {
            port: config.port,
            source,
        })?;
    let address = listener.local_addr().map_err(|source| ServerError::Listen {
        port: config.port,
        source,
    })?;
    let url = format!("https://{address}");
    let kubeconfig = config.data_dir.join("kubeconfig");
    write_kubeconfig(&kubeconfig, &kubeconfig_yaml(&url, &identity.ca_pem, &identity.token))?;

    let (shutdown, shutdown_rx) = watch::channel(false);
    let state = Arc::new(AppState {
        api: api.clone(),
        token: identity.token.clone(),
        address: address.to_string(),
    });
    let app = router(state);
    let acceptor = tokio_rustls::TlsAcceptor::from(tls_config);
    let mut tasks = Vec::new();
    tasks.push(tokio::spawn(accept_loop(listener, acceptor, app, shutdown_rx.clone())));
    tasks.push(tokio::spawn(crate::cleanup::run(api.clone(), shutdown_rx.clone())));
    if config.simulate {
        tasks.push(tokio::spawn(crate::simulate::run(api.clone(), shutdown_rx.clone())));
    }
    let store = api.store.clone();
    let (window, interval) = (config.compact_window, config.compact_interval);
    tasks.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = store.compact(window) {
                tracing::warn!(error = %e, "compaction failed");
            }
        }
    }));
    tracing::info!(%url, kubeconfig = %kubeconfig.display(), "API server listening");
    Ok(Server {
        api,
        address,
        kubeconfig,
        token: identity.token,
        ca_pem: identity.ca_pem,
        shutdown,
        tasks,
    })
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    app: axum::Router,
    shutdown: watch::Receiver<bool>,
) {
    let mut stop = shutdown.clone();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => return,
        };
        let (tcp, _) = match accepted {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let app = app.clone();
        let mut conn_stop = shutdown.clone();
        tokio::spawn(async move {
            let tls = match acceptor.accept(tcp).await {
                Ok(t) => t,
                Err(e) => {
                    tracing::debug!(error = %e, "TLS handshake failed");
                    return;
                }
            };
            let service = TowerToHyperService::new(app);
            let builder = auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(tls), service);
            tokio::select! {
                r = conn => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                _ = conn_stop.changed() => {}
            }
        });
    }
}
