//! The Flux-shaped commands (`get`, `reconcile`, `suspend`, `resume`, `export`, `install`,
//! `uninstall`, `events`, `version`, `check`): their arguments and dispatch. Progress goes to
//! stderr with flux's markers, tables and YAML to stdout; failures are one line.

pub mod build;
pub mod check;
pub mod connect;
pub mod diff;
pub mod events;
pub mod export;
pub mod get;
pub mod install;
pub mod kinds;
pub mod output;
pub mod reconcile;
pub mod table;
pub mod trace;
pub mod tree;

use clap::Args;

pub use connect::ConnectionArgs;

/// `rflux get …`
#[derive(Args, Debug)]
pub struct GetArgs {
    /// What to list: `sources git|helm|oci|chart|all`, `kustomizations` (`ks`),
    /// `helmreleases` (`hr`), `all`; optionally followed by a name.
    #[arg(required = true, num_args = 1..=3)]
    pub target: Vec<String>,
    /// Watch for changes and print rows as they change (until --timeout).
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Only objects whose condition matches, e.g. `ready=false`.
    #[arg(long)]
    pub status_selector: Option<String>,
    /// Omit the header row.
    #[arg(long)]
    pub no_header: bool,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// `rflux reconcile …`
#[derive(Args, Debug)]
pub struct ReconcileArgs {
    /// `source git|helm|oci|chart NAME`, `kustomization NAME`, `helmrelease NAME`.
    #[arg(required = true, num_args = 1..=3)]
    pub target: Vec<String>,
    /// Reconcile the object's source first.
    #[arg(long)]
    pub with_source: bool,
    /// HelmRelease: force a one-off upgrade (`reconcile.fluxcd.io/forceAt`).
    #[arg(long, conflicts_with = "reset")]
    pub force: bool,
    /// HelmRelease: reset the failure counters (`reconcile.fluxcd.io/resetAt`).
    #[arg(long)]
    pub reset: bool,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// `rflux suspend …` / `rflux resume …`
#[derive(Args, Debug)]
pub struct SuspendArgs {
    /// `source git|helm|oci|chart NAME`, `kustomization NAME`, `helmrelease NAME`.
    #[arg(required = true, num_args = 1..=3)]
    pub target: Vec<String>,
    /// Every object of that kind in the namespace.
    #[arg(long)]
    pub all: bool,
    /// resume: wait for the reconcile that follows (default true).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub wait: bool,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// `rflux export …`
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// `source git|helm|oci|chart [NAME]`, `kustomization [NAME]`, `helmrelease [NAME]`.
    #[arg(required = true, num_args = 1..=3)]
    pub target: Vec<String>,
    /// Every object of that kind in the namespace.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// `rflux install`
#[derive(Args, Debug)]
pub struct InstallArgs {
    /// Print the manifests instead of applying them.
    #[arg(long)]
    pub export: bool,
    /// Container image of the controller Deployment.
    #[arg(long, default_value_t = install::default_image())]
    pub image: String,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// `rflux uninstall`
#[derive(Args, Debug)]
pub struct UninstallArgs {
    /// Keep the namespace (and whatever else lives in it).
    #[arg(long)]
    pub keep_namespace: bool,
    /// Do not ask for confirmation (rflux never asks; accepted for flux compatibility).
    #[arg(short = 's', long)]
    pub silent: bool,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// `rflux events`
#[derive(Args, Debug)]
pub struct EventsArgs {
    /// Only events about this object: `Kind/name`.
    #[arg(long = "for")]
    pub for_object: Option<String>,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// `rflux version` / `rflux check`
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// check: only the prerequisites (API reachable).
    #[arg(long)]
    pub pre: bool,
    /// version: the client only.
    #[arg(long)]
    pub client: bool,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}
