//! The `rflux` command: the embedded cluster, the controllers, and the Flux-shaped CLI.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;
mod controller;
mod local;
mod serve;
mod template;
mod up;

#[derive(Parser)]
#[command(name = "rflux", version, about = "A GitOps engine that speaks the FluxCD API")]
struct Cli {
    /// Log level (error, warn, info, debug, trace) or a tracing filter [default: info; warn for
    /// `up`, whose progress table says what happens].
    #[arg(long, global = true, env = "RFLUX_LOG")]
    log_level: Option<String>,
    /// Log encoding: text or json.
    #[arg(long, global = true, default_value = "text")]
    log_encoding: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the GitOps flow on one machine: embedded cluster, controllers, a Git repository.
    Up(up::UpArgs),
    /// Run every controller (source, kustomize) against a cluster, with leader election.
    Controller(controller::ControllerArgs),
    /// Run the embedded Kubernetes API server alone.
    Apiserver(serve::ServeArgs),
    /// Install the CRDs and the controller into the cluster (or print them with --export).
    Install(cli::InstallArgs),
    /// Remove what `install` created, stripping finalizers from Flux objects first.
    Uninstall(cli::UninstallArgs),
    /// List sources, kustomizations and helmreleases with their status.
    Get(cli::GetArgs),
    /// Ask for a reconcile now and wait for its outcome.
    Reconcile(cli::ReconcileArgs),
    /// Suspend reconciliation of an object.
    Suspend(cli::SuspendArgs),
    /// Resume reconciliation of an object and wait for the next outcome.
    Resume(cli::SuspendArgs),
    /// Print objects as YAML without status, ready to apply elsewhere.
    Export(cli::ExportArgs),
    /// Show Kubernetes events, optionally for one object.
    Events(cli::EventsArgs),
    /// Print the client version and the controller's.
    Version(cli::CheckArgs),
    /// Check the API server, the CRDs and the controller.
    Check(cli::CheckArgs),
    /// Build a Kustomization from a local directory as the controller would.
    #[command(subcommand)]
    Build(cli::build::BuildCommand),
    /// Preview local changes against the cluster (server-side dry run); exit 1 on changes.
    #[command(subcommand)]
    Diff(cli::diff::DiffCommand),
    /// Print the objects a Kustomization manages as a tree.
    #[command(subcommand)]
    Tree(cli::tree::TreeCommand),
    /// Show which Kustomization or HelmRelease manages an object, and its source.
    Trace(cli::trace::TraceArgs),
    /// Render a Helm chart locally, as `helm template` does.
    Template(template::TemplateArgs),
    /// Build kustomizations locally, like `kustomize build`.
    #[command(subcommand)]
    Kustomize(local::KustomizeCommand),
    /// Encrypt and decrypt SOPS files without installing sops.
    #[command(subcommand)]
    Sops(local::SopsCommand),
}

impl Command {
    /// The Flux-shaped commands report failures as one `✗` line.
    fn flux_shaped(&self) -> bool {
        !matches!(
            self,
            Command::Up(_)
                | Command::Controller(_)
                | Command::Apiserver(_)
                | Command::Template(_)
                | Command::Kustomize(_)
                | Command::Sops(_)
        )
    }
}

fn init_logging(level: &str, encoding: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(level).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if encoding == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) =>
        {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::FAILURE;
        }
        Err(e) => {
            // One line, exit 1: the first line of clap's message.
            let text = e.render().to_string();
            eprintln!(
                "✗ {}",
                text.lines()
                    .next()
                    .unwrap_or("invalid arguments")
                    .trim_start_matches("error: ")
            );
            return ExitCode::FAILURE;
        }
    };
    let flux_shaped = cli.command.flux_shaped();
    let default_level = if matches!(cli.command, Command::Up(_)) {
        "warn"
    } else {
        "info"
    };
    init_logging(cli.log_level.as_deref().unwrap_or(default_level), &cli.log_encoding);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rflux: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Up(args) => up::run(args).await,
            Command::Controller(args) => controller::run(args).await,
            Command::Kustomize(cmd) => local::kustomize(cmd),
            Command::Template(args) => template::run(args),
            Command::Sops(cmd) => local::sops(cmd),
            Command::Apiserver(args) => serve::apiserver(args).await,
            Command::Install(args) => cli::install::install(args).await,
            Command::Uninstall(args) => cli::install::uninstall(args).await,
            Command::Get(args) => cli::get::run(args).await,
            Command::Reconcile(args) => cli::reconcile::run(args).await,
            Command::Suspend(args) => cli::reconcile::suspend(args, false).await,
            Command::Resume(args) => cli::reconcile::suspend(args, true).await,
            Command::Export(args) => cli::export::run(args).await,
            Command::Events(args) => cli::events::run(args).await,
            Command::Version(args) => cli::check::version(args).await,
            Command::Check(args) => cli::check::check(args).await,
            Command::Build(cmd) => cli::build::run(cmd).await,
            Command::Diff(cmd) => cli::diff::run(cmd).await,
            Command::Tree(cmd) => cli::tree::run(cmd).await,
            Command::Trace(args) => cli::trace::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if flux_shaped => {
            eprintln!("✗ {e:#}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("rflux: {e:#}");
            ExitCode::FAILURE
        }
    }
}
