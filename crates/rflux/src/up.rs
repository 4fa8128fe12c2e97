//! `rflux up`: the whole GitOps flow on one machine. Starts the embedded cluster and the
//! controllers, bootstraps a GitRepository and a Kustomization named `flux-system` for the Git
//! repository that contains `--path` (as `flux bootstrap` would), follows new commits within
//! a second, and shows sources and Kustomizations as they become Ready. With `--once` it
//! stops when everything is Ready or failed and exits 0 or 1: a whole-repository check for CI.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use kube::api::{Api, Patch, PatchParams};
use rflux_api::conditions::{self, reason};
use rflux_api::object::FluxObject;
use rflux_api::types::GitRepository;
use rflux_controllers::manager::{Manager, ManagerOptions, Reconcilers};
use rflux_source::git::{GitAuth, GitRef};
use serde_json::json;

/// Where the example platform lives, relative to the working directory.
const EXAMPLE_PATH: &str = "examples/clusters/local";
/// The example's DEMO age key.
const EXAMPLE_AGE_KEY: &str = "examples/demo.agekey";
const FLUX_SYSTEM: &str = "flux-system";

#[derive(Args, Debug)]
pub struct UpArgs {
    /// The directory to reconcile (inside a Git repository); default: the example platform.
    #[arg(long)]
    path: Option<PathBuf>,
    /// Reconcile until everything is Ready or failed, print a summary and exit 0 or 1.
    #[arg(long)]
    once: bool,
    /// An age key file stored as Secret flux-system/sops-age (key `age.agekey`) for SOPS
    /// decryption (default with the example platform: its DEMO key).
    #[arg(long)]
    age_key_file: Option<PathBuf>,
    /// With --once: give up after this long.
    #[arg(long, default_value = "5m")]
    timeout: String,
    /// Where the cluster state, certificates, kubeconfig and artifacts live.
    #[arg(long, default_value = ".rflux")]
    data_dir: PathBuf,
    /// API server port on 127.0.0.1 (0 picks a free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

/// The Git repository that holds the reconciled directory.
#[derive(Debug)]
struct Repository {
    root: PathBuf,
    /// The checked-out branch, or None for a detached HEAD.
    branch: Option<String>,
    /// HEAD's commit when detached.
    commit: Option<String>,
    /// The directory relative to `root`, as a Flux path (`./examples/clusters/local`).
    path: String,
}

fn find_repository(dir: &Path) -> Result<Repository> {
    let dir = dir
        .canonicalize()
        .with_context(|| format!("--path {}: no such directory", dir.display()))?;
    if !dir.is_dir() {
        bail!("--path {}: not a directory", dir.display());
    }
    let root = dir
        .ancestors()
        .find(|p| p.join(".git").exists())
        .ok_or_else(|| anyhow!("{} is not inside a Git repository", dir.display()))?
        .to_path_buf();
    let git_dir = root.join(".git");
    let head = std::fs::read_to_string(git_dir.join("HEAD"))
        .with_context(|| format!("cannot read {}", git_dir.join("HEAD").display()))?;
    let head = head.trim();
    let (branch, commit) = match head.strip_prefix("ref: refs/heads/") {
        Some(branch) => (Some(branch.to_string()), None),
        None => (None, Some(head.to_string())),
    };
    let relative = dir.strip_prefix(&root).unwrap_or(Path::new(""));
    let path = if relative.as_os_str().is_empty() {
        "./".to_string()
    } else {
        format!("./{}", relative.display())
    };
    Ok(Repository {
        root,
        branch,
        commit,
        path,
    })
}

fn file_url(root: &Path) -> String {
    format!("file://{}", root.display())
}

/// The bootstrap objects: what `flux bootstrap` commits into `clusters/<name>/flux-system`.
fn bootstrap_objects(repo: &Repository) -> Vec<serde_json::Value> {
    let reference = match (&repo.branch, &repo.commit) {
        (Some(branch), _) => json!({ "branch": branch }),
        (None, Some(commit)) => json!({ "commit": commit }),
        (None, None) => json!({ "branch": "main" }),
    };
    vec![
        json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": { "name": FLUX_SYSTEM, "namespace": FLUX_SYSTEM },
            "spec": { "interval": "1m0s", "url": file_url(&repo.root), "ref": reference }
        }),
        json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": { "name": FLUX_SYSTEM, "namespace": FLUX_SYSTEM },
            "spec": {
                "interval": "10m0s",
                "path": repo.path,
                "prune": true,
                "sourceRef": { "kind": "GitRepository", "name": FLUX_SYSTEM }
            }
        }),
    ]
}

pub async fn run(args: UpArgs) -> Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let example = args.path.is_none();
    let path = args.path.clone().unwrap_or_else(|| PathBuf::from(EXAMPLE_PATH));
    let repo = find_repository(&path)?;
    let age_key = match (&args.age_key_file, example) {
        (Some(file), _) => Some(file.clone()),
        (None, true) => Some(PathBuf::from(EXAMPLE_AGE_KEY)),
        (None, false) => None,
    };
    let age_key = match age_key {
        Some(file) => Some(
            std::fs::read_to_string(&file)
                .with_context(|| format!("--age-key-file {}: cannot read", file.display()))?,
        ),
        None => None,
    };
    let timeout = rflux_api::parse_duration(&args.timeout).map_err(|e| anyhow!("--timeout: {e}"))?;

    let server = crate::serve::start(&args.data_dir, args.port, true).await?;
    let kubeconfig = std::fs::canonicalize(&server.kubeconfig).unwrap_or_else(|_| server.kubeconfig.clone());
    let client = crate::controller::client(Some(&kubeconfig)).await?;
    eprintln!("► embedded cluster listening on {}", server.url());
    eprintln!("  kubectl --kubeconfig {} get all -A", kubeconfig.display());

    // The branch head before anything is fetched: every later move of the branch is a new
    // commit to reconcile at once (a commit made while the first fetch runs included).
    let head = match repo.branch.clone() {
        Some(branch) => branch_head(file_url(&repo.root), branch).await.ok(),
        None => None,
    };
    bootstrap(&client, &repo, age_key.as_deref()).await?;
    let branch_label = repo.branch.clone().unwrap_or_else(|| "HEAD".to_string());
    eprintln!(
        "► bootstrapped GitRepository and Kustomization {FLUX_SYSTEM}: {} ({branch_label}), path {}",
        file_url(&repo.root),
        repo.path
    );

    let storage = args.data_dir.join("artifacts");
    let mut manager = Manager::start(client.clone(), ManagerOptions::local(storage)).await?;
    let reconcilers = manager
        .running()
        .await
        .ok_or_else(|| anyhow!("the controllers did not start"))?;
    let follow = tokio::spawn(follow_commits(
        client.clone(),
        repo.root.clone(),
        repo.branch.clone(),
        head,
    ));

    let result = if args.once {
        watch_until_settled(&reconcilers, timeout).await
    } else {
        eprintln!("► reconciling; commit to the repository to change the cluster; Ctrl-C stops");
        tokio::select! {
            _ = crate::controller::shutdown_signal() => {}
            _ = show_progress(&reconcilers) => {}
        }
        Ok(())
    };
    follow.abort();
    manager.shutdown().await;
    server.shutdown().await;
    result
}

/// CRDs, the namespace, the SOPS key Secret and the two `flux-system` objects.
async fn bootstrap(client: &kube::Client, repo: &Repository, age_key: Option<&str>) -> Result<()> {
    let applier = rflux_ssa::Applier::new(client.clone(), "rflux");
    let mut objects = Vec::new();
    for crd in rflux_api::crd::crds() {
        objects.push(serde_json::to_value(&crd).context("CRD to JSON")?);
    }
    objects.push(json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": FLUX_SYSTEM } }));
    if let Some(key) = age_key {
        objects.push(json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": { "name": "sops-age", "namespace": FLUX_SYSTEM },
            "type": "Opaque",
            "stringData": { "age.agekey": key }
        }));
    }
    objects.extend(bootstrap_objects(repo));
    applier
        .apply_all(objects, &rflux_ssa::ApplyOptions::default())
        .await
        .map_err(|e| anyhow!("bootstrap failed: {e}"))?;
    Ok(())
}

/// The Flux revision (`<branch>@sha1:<hex>`) the branch of the repository at `url` points at.
async fn branch_head(url: String, branch: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        rflux_source::git::resolve(&url, &GitRef::Branch(branch), &GitAuth::none(), Duration::from_secs(10))
    })
    .await
    .map_err(|e| e.to_string())?
    .map(|r| r.revision)
    .map_err(|e| e.to_string())
}

/// Asks for a reconcile of GitRepository flux-system whenever the branch moves.
async fn follow_commits(client: kube::Client, root: PathBuf, branch: Option<String>, head: Option<String>) {
    let Some(branch) = branch else {
        return;
    };
    let url = file_url(&root);
    let api: Api<GitRepository> = Api::namespaced(client, FLUX_SYSTEM);
    let mut last: Option<String> = head;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let resolved = match branch_head(url.clone(), branch.clone()).await {
            Ok(revision) => revision,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the branch; retrying");
                continue;
            }
        };
        if last.as_deref() == Some(resolved.as_str()) {
            continue;
        }
        let first = last.is_none();
        last = Some(resolved.clone());
        if first {
            continue;
        }
        let patch = json!({ "metadata": { "annotations": {
            rflux_api::annotations::RECONCILE_REQUESTED_AT: rflux_api::time::now_rfc3339()
        } } });
        if let Err(e) = api
            .patch(FLUX_SYSTEM, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            tracing::warn!(error = %e, "could not request a reconcile of the new commit");
        } else {
            eprintln!("► new commit {resolved}");
        }
    }
}

/// One row of the progress table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    kind: &'static str,
    name: String,
    ready: String,
    message: String,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ready,
    Progressing,
    Failed,
}

fn ready_state(conds: &[rflux_api::types::Condition]) -> (String, String, State) {
    let reconciling = conditions::is_true(conds, conditions::RECONCILING);
    match conditions::get(conds, conditions::READY) {
        Some(c) if c.status.as_str() == "True" && !reconciling => ("True".into(), c.message.clone(), State::Ready),
        Some(c) if c.status.as_str() == "False" && !reconciling && c.reason != reason::DEPENDENCY_NOT_READY => {
            ("False".into(), c.message.clone(), State::Failed)
        }
        Some(c) => (c.status.to_string(), c.message.clone(), State::Progressing),
        None => ("Unknown".into(), "waiting to be reconciled".into(), State::Progressing),
    }
}

/// One row per object of `kind`, sorted by namespace and name, each with its object. A
/// suspended object counts as settled: nothing will change it until it is resumed.
fn object_rows<T: FluxObject>(kind: &'static str, mut objects: Vec<Arc<T>>) -> Vec<(Arc<T>, Row)> {
    objects.sort_by_key(|o| (o.meta().namespace.clone(), o.meta().name.clone()));
    objects
        .into_iter()
        .map(|o| {
            let (ready, message, mut state) = ready_state(o.conditions());
            if o.suspended() {
                state = State::Ready;
            }
            let name = qualified(o.meta().namespace.as_deref(), o.meta().name.as_deref());
            let row = Row {
                kind,
                name,
                ready,
                message,
                state,
            };
            (o, row)
        })
        .collect()
}

fn without_objects<T>(rows: Vec<(Arc<T>, Row)>) -> impl Iterator<Item = Row> {
    rows.into_iter().map(|(_, row)| row)
}

fn rows(reconcilers: &Reconcilers) -> Vec<Row> {
    let mut rows: Vec<Row> =
        without_objects(object_rows("GitRepository", reconcilers.git_repositories.state())).collect();
    rows.extend(without_objects(object_rows(
        "OCIRepository",
        reconcilers.oci_repositories.state(),
    )));
    rows.extend(without_objects(object_rows(
        "HelmRepository",
        reconcilers.helm_repositories.state(),
    )));
    rows.extend(without_objects(object_rows(
        "HelmChart",
        reconcilers.helm_charts.state(),
    )));
    let sources_progressing = rows.iter().any(|r| r.state == State::Progressing);
    let mut ks = object_rows("Kustomization", reconcilers.kustomizations.state());
    let mut states: BTreeMap<String, State> = ks.iter().map(|(_, r)| (r.name.clone(), r.state)).collect();
    // A Kustomization whose source has no artifact yet waits for it, unless the source failed.
    if sources_progressing {
        for (k, row) in &mut ks {
            let artifact_missing = conditions::get(k.conditions(), conditions::READY)
                .is_some_and(|c| c.reason == reason::ARTIFACT_FAILED && c.message.contains("artifact not found"));
            if artifact_missing {
                row.state = State::Progressing;
                states.insert(row.name.clone(), State::Progressing);
            }
        }
    }
    // A Kustomization waiting for a failed dependency will not progress either.
    for _ in 0..ks.len() {
        let mut changed = false;
        for (k, row) in &mut ks {
            if row.state != State::Progressing {
                continue;
            }
            let own_ns = k.metadata.namespace.clone().unwrap_or_default();
            let blocked = k.spec.depends_on.iter().any(|d| {
                let key = format!("{}/{}", d.namespace.clone().unwrap_or_else(|| own_ns.clone()), d.name);
                states.get(&key) == Some(&State::Failed)
            });
            if blocked && row.message.contains("is not ready") {
                row.state = State::Failed;
                states.insert(row.name.clone(), State::Failed);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    rows.extend(without_objects(ks));
    rows
}

fn qualified(namespace: Option<&str>, name: Option<&str>) -> String {
    format!("{}/{}", namespace.unwrap_or_default(), name.unwrap_or_default())
}

fn render(rows: &[Row]) -> String {
    let name_width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
    let mut out = format!("{:<14} {:<name_width$} {:<7} MESSAGE\n", "KIND", "NAME", "READY");
    for row in rows {
        let message: String = row
            .message
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(100)
            .collect();
        out.push_str(&format!(
            "{:<14} {:<name_width$} {:<7} {}\n",
            row.kind, row.name, row.ready, message
        ));
    }
    out
}

/// Redraws the table in place on a terminal; prints each change as a line otherwise.
async fn show_progress(reconcilers: &Reconcilers) {
    let terminal = std::io::stdout().is_terminal();
    let started = Instant::now();
    let mut previous: Vec<Row> = Vec::new();
    let mut drawn_lines = 0usize;
    loop {
        let current = rows(reconcilers);
        if current != previous {
            if terminal {
                let table = render(&current);
                if drawn_lines > 0 {
                    print!("\x1b[{drawn_lines}A\x1b[J");
                }
                print!("{table}");
                drawn_lines = table.lines().count();
            } else {
                for row in &current {
                    if !previous.contains(row) {
                        println!(
                            "[{:>6.1}s] {}/{}: Ready={} {}",
                            started.elapsed().as_secs_f64(),
                            row.kind,
                            row.name,
                            row.ready,
                            row.message.lines().next().unwrap_or_default()
                        );
                    }
                }
            }
            previous = current;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `--once`: waits until every source and Kustomization is Ready or failed.
async fn watch_until_settled(reconcilers: &Reconcilers, timeout: Duration) -> Result<()> {
    let started = Instant::now();
    let progress = show_progress(reconcilers);
    let settled = async {
        // Let the bootstrap objects reach the stores before judging.
        tokio::time::sleep(Duration::from_millis(500)).await;
        loop {
            let current = rows(reconcilers);
            let kustomizations = current.iter().filter(|r| r.kind == "Kustomization").count();
            if kustomizations > 0 && current.iter().all(|r| r.state != State::Progressing) {
                // Still settled a moment later: nothing new was created by the last apply.
                tokio::time::sleep(Duration::from_millis(750)).await;
                let again = rows(reconcilers);
                if again.iter().all(|r| r.state != State::Progressing) && again.len() == current.len() {
                    return again;
                }
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    };
    let outcome = tokio::select! {
        rows = settled => Some(rows),
        _ = progress => None,
        _ = tokio::time::sleep(timeout) => None,
    };
    let Some(final_rows) = outcome else {
        let pending: Vec<String> = rows(reconcilers)
            .into_iter()
            .filter(|r| r.state == State::Progressing)
            .map(|r| format!("{}/{}", r.kind, r.name))
            .collect();
        bail!(
            "not settled after {}: still progressing: {}",
            rflux_api::format_duration(timeout),
            pending.join(", ")
        );
    };
    let failed: Vec<&Row> = final_rows.iter().filter(|r| r.state == State::Failed).collect();
    println!();
    println!("{}", render(&final_rows).trim_end());
    println!();
    if failed.is_empty() {
        println!(
            "✔ all {} objects Ready in {:.1}s",
            final_rows.len(),
            started.elapsed().as_secs_f64()
        );
        Ok(())
    } else {
        for row in &failed {
            println!("✗ {}/{}: {}", row.kind, row.name, row.message);
        }
        bail!("{} of {} objects failed", failed.len(), final_rows.len())
    }
}
