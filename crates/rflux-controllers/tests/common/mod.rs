//! Test harness: the embedded API server on a temporary directory with Flux's CRDs and the
//! `flux-system` namespace, the controller manager running against it, real Git repositories
//! made with the `git` CLI, and polling helpers that report the last state seen on timeout.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use kube::api::{ApiResource, DeleteParams, DynamicObject, GroupVersionKind, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client};
use rflux_apiserver::{Server, ServerConfig};
use rflux_controllers::manager::{Manager, ManagerOptions, Reconcilers};
use serde_json::{Value, json};

pub const NS: &str = "flux-system";
/// How long a test waits for anything the controllers do.
pub const WAIT: Duration = Duration::from_secs(25);

/// A cluster with the controllers running.
pub struct Env {
    pub client: Client,
    pub manager: Manager,
    pub reconcilers: Reconcilers,
    pub server: Server,
    pub dir: tempfile::TempDir,
}

/// Starts a cluster with workload status simulation on.
pub async fn start() -> Env {
    start_with(true, |_| {}).await
}

/// Starts a cluster; `simulate` turns the API server's workload status simulation on or off,
/// `tune` adjusts the manager's options.
pub async fn start_with(simulate: bool, tune: impl FnOnce(&mut ManagerOptions)) -> Env {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = ServerConfig::new(dir.path().join("cluster"));
    config.simulate = simulate;
    let server = rflux_apiserver::start(config).await.expect("API server starts");
    let kubeconfig = Kubeconfig::read_from(&server.kubeconfig).expect("kubeconfig readable");
    let kube_config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("kubeconfig valid");
    let client = Client::try_from(kube_config).expect("client");

    let mut objects: Vec<Value> = rflux_api::crd::crds()
        .into_iter()
        .map(|crd| serde_json::to_value(&crd).expect("CRD to JSON"))
        .collect();
    objects.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}));
    rflux_ssa::Applier::new(client.clone(), "rflux-test")
        .apply_all(objects, &rflux_ssa::ApplyOptions::default())
        .await
        .expect("CRDs and namespace installed");

    let mut options = ManagerOptions::local(dir.path().join("artifacts"));
    tune(&mut options);
    let mut manager = Manager::start(client.clone(), options).await.expect("manager starts");
    let reconcilers = tokio::time::timeout(WAIT, manager.running())
        .await
        .expect("the manager leads in time")
        .expect("the reconcilers run");
    Env {
        client,
        manager,
        reconcilers,
        server,
        dir,
    }
}

impl Env {
    /// Stops the controllers and the API server.
    pub async fn stop(self) {
        self.manager.shutdown().await;
        self.server.shutdown().await;
    }

    /// Stops the manager and starts a new one on the same cluster and artifact directory, as
    /// after a process restart (the artifact server gets a new port).
    pub async fn restart_manager(self) -> Env {
        let Env {
            client,
            manager,
            server,
            dir,
            ..
        } = self;
        manager.shutdown().await;
        let mut manager = Manager::start(client.clone(), ManagerOptions::local(dir.path().join("artifacts")))
            .await
            .expect("manager restarts");
        let reconcilers = tokio::time::timeout(WAIT, manager.running())
            .await
            .expect("the new manager leads in time")
            .expect("the reconcilers run");
        Env {
            client,
            manager,
            reconcilers,
            server,
            dir,
        }
    }

    /// Server-side applies objects as a user would (`kubectl apply --server-side`).
    pub async fn apply(&self, objects: Vec<Value>) {
        rflux_ssa::Applier::new(self.client.clone(), "rflux-test")
            .apply_all(objects, &rflux_ssa::ApplyOptions::default())
            .await
            .expect("test objects applied");
    }

    /// A JSON merge patch on any object.
    pub async fn merge_patch(&self, api_version: &str, kind: &str, namespace: Option<&str>, name: &str, patch: Value) {
        self.api(api_version, kind, namespace)
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .unwrap_or_else(|e| panic!("patch {kind} {name}: {e}"));
    }

    /// Deletes any object.
    pub async fn delete(&self, api_version: &str, kind: &str, namespace: Option<&str>, name: &str) {
        self.api(api_version, kind, namespace)
            .delete(name, &DeleteParams::default())
            .await
            .unwrap_or_else(|e| panic!("delete {kind} {name}: {e}"));
    }

    /// An object as JSON, or None when it does not exist.
    pub async fn get(&self, api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        match self.api(api_version, kind, namespace).get_opt(name).await {
            Ok(found) => found.map(|o| serde_json::to_value(o).expect("object to JSON")),
            Err(e) => panic!("get {kind} {name}: {e}"),
        }
    }

    pub async fn git_repository(&self, name: &str) -> Option<Value> {
        self.get("source.toolkit.fluxcd.io/v1", "GitRepository", Some(NS), name)
            .await
    }

    pub async fn kustomization(&self, name: &str) -> Option<Value> {
        self.get("kustomize.toolkit.fluxcd.io/v1", "Kustomization", Some(NS), name)
            .await
    }

    pub async fn config_map(&self, namespace: &str, name: &str) -> Option<Value> {
        self.get("v1", "ConfigMap", Some(namespace), name).await
    }

    /// Asks for a reconcile as `flux reconcile` does (`reconcile.fluxcd.io/requestedAt`);
    /// returns the value written.
    pub async fn request_reconcile(&self, kind: &str, name: &str) -> String {
        let api_version = match kind {
            "Kustomization" => "kustomize.toolkit.fluxcd.io/v1",
            _ => "source.toolkit.fluxcd.io/v1",
        };
        let stamp = format!(
            "{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        self.merge_patch(
            api_version,
            kind,
            Some(NS),
            name,
            json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": stamp}}}),
        )
        .await;
        stamp
    }

    /// Applies a GitRepository for `repo` (branch main, interval 1h: changes come from
    /// requests, not polling).
    pub async fn apply_git_repository(&self, name: &str, url: &str) {
        self.apply(vec![git_repository(name, url)]).await;
    }

    /// Waits until GitRepository `name` is Ready at its current generation; returns it.
    pub async fn git_repository_ready(&self, name: &str) -> Value {
        wait_for(&format!("GitRepository {name} Ready"), WAIT, || async {
            let repo = self.git_repository(name).await.ok_or("not found".to_string())?;
            ready_at_generation(&repo)?;
            Ok(repo)
        })
        .await
    }

    /// Waits until GitRepository `name` has an artifact of `revision`.
    pub async fn git_repository_at(&self, name: &str, revision: &str) -> Value {
        wait_for(&format!("GitRepository {name} at {revision}"), WAIT, || async {
            let repo = self.git_repository(name).await.ok_or("not found".to_string())?;
            if repo["status"]["artifact"]["revision"] != revision {
                return Err(format!("status: {}", repo["status"]));
            }
            Ok(repo)
        })
        .await
    }

    /// Waits until Kustomization `name` is Ready with `revision` applied; returns it.
    pub async fn kustomization_applied(&self, name: &str, revision: &str) -> Value {
        wait_for(&format!("Kustomization {name} applied {revision}"), WAIT, || async {
            let ks = self.kustomization(name).await.ok_or("not found".to_string())?;
            ready_at_generation(&ks)?;
            if ks["status"]["lastAppliedRevision"] != revision {
                return Err(format!("status: {}", ks["status"]));
            }
            Ok(ks)
        })
        .await
    }

    /// Waits until condition `type_` of Kustomization `name` has `status` and `reason`
    /// (observed at the current generation); returns the condition.
    pub async fn kustomization_condition(&self, name: &str, type_: &str, status: &str, reason: &str) -> Value {
        wait_for(
            &format!("Kustomization {name} {type_}={status} {reason}"),
            WAIT,
            || async {
                let ks = self.kustomization(name).await.ok_or("not found".to_string())?;
                let found = condition(&ks, type_).ok_or_else(|| format!("no {type_}: {}", ks["status"]))?;
                if found["status"] != status
                    || found["reason"] != reason
                    || found["observedGeneration"] != ks["metadata"]["generation"]
                {
                    return Err(format!("status: {}", ks["status"]));
                }
                Ok(found)
            },
        )
        .await
    }

    /// Events about the object `kind`/`name` in flux-system, as (type, reason, message).
    pub async fn events_for(&self, kind: &str, name: &str) -> Vec<(String, String, String)> {
        let api: Api<k8s_openapi::api::events::v1::Event> = Api::namespaced(self.client.clone(), NS);
        let list = api.list(&Default::default()).await.expect("events listed");
        list.items
            .into_iter()
            .filter(|e| {
                e.regarding
                    .as_ref()
                    .is_some_and(|r| r.kind.as_deref() == Some(kind) && r.name.as_deref() == Some(name))
            })
            .map(|e| {
                (
                    e.type_.unwrap_or_default(),
                    e.reason.unwrap_or_default(),
                    e.note.unwrap_or_default(),
                )
            })
            .collect()
    }

    fn api(&self, api_version: &str, kind: &str, namespace: Option<&str>) -> Api<DynamicObject> {
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let lower = kind.to_lowercase();
        let plural = match lower.strip_suffix('y') {
            Some(stem) => format!("{stem}ies"),
            None => format!("{lower}s"),
        };
        let resource = ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), &plural);
        match namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &resource),
            None => Api::all_with(self.client.clone(), &resource),
        }
    }
}

/// A GitRepository on branch main with a 1h interval.
pub fn git_repository(name: &str, url: &str) -> Value {
    json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"interval": "1h", "url": url, "ref": {"branch": "main"}, "timeout": "10s"}
    })
}

/// A Kustomization of `path` in GitRepository `source`, interval and retry interval 1h (so
/// everything a test sees is event driven), with `extra` merged into the spec.
pub fn kustomization(name: &str, source: &str, path: &str, extra: Value) -> Value {
    let mut spec = json!({
        "interval": "1h",
        "retryInterval": "1h",
        "path": path,
        "prune": true,
        "sourceRef": {"kind": "GitRepository", "name": source}
    });
    if let (Some(spec), Some(extra)) = (spec.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            spec.insert(k.clone(), v.clone());
        }
    }
    json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": NS},
        "spec": spec
    })
}

/// Condition `type_` of an object's status.
pub fn condition(object: &Value, type_: &str) -> Option<Value> {
    object["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
        .cloned()
}

/// Ok when Ready=True was observed at the object's current generation.
pub fn ready_at_generation(object: &Value) -> Result<(), String> {
    let ready = condition(object, "Ready").ok_or_else(|| format!("no Ready: {}", object["status"]))?;
    if ready["status"] != "True" || object["status"]["observedGeneration"] != object["metadata"]["generation"] {
        return Err(format!("status: {}", object["status"]));
    }
    Ok(())
}

/// Polls `check` until it returns Ok or `timeout` passes; the panic shows the last Err.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let last = match check().await {
            Ok(value) => return value,
            Err(last) => last,
        };
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}; last seen: {last}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A Git repository on disk, changed with the `git` CLI.
pub struct GitRepo {
    pub dir: tempfile::TempDir,
}

impl GitRepo {
    /// `git init -b main` in a new temporary directory.
    pub fn new() -> GitRepo {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = GitRepo { dir };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `file://` URL of the repository.
    pub fn url(&self) -> String {
        format!("file://{}", self.path().display())
    }

    /// Writes a file (creating directories).
    pub fn write(&self, file: &str, contents: &str) -> &Self {
        let path: PathBuf = self.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        self
    }

    /// Removes a file.
    pub fn remove(&self, file: &str) -> &Self {
        std::fs::remove_file(self.path().join(file)).unwrap();
        self
    }

    /// Commits everything; returns Flux's revision of the new commit (`main@sha1:<hex>`).
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
        format!("main@sha1:{}", self.git(&["rev-parse", "HEAD"]).trim())
    }

    /// Runs git in the repository; returns stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=rflux test",
                "-c",
                "user.email=test@rflux.invalid",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("the git CLI runs (is git installed?)");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

/// A ConfigMap manifest as YAML.
pub fn config_map_yaml(namespace: &str, name: &str, data: &[(&str, &str)]) -> String {
    let mut out =
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {namespace}\ndata:\n");
    for (k, v) in data {
        out.push_str(&format!("  {k}: \"{v}\"\n"));
    }
    out
}

/// A Namespace manifest as YAML.
pub fn namespace_yaml(name: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n")
}

/// A port nothing listens on (bound and released).
pub fn unused_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
