//! The `rflux` command: the embedded cluster today; the controllers and Flux-shaped commands
//! arrive as their issues land.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod serve;

#[derive(Parser)]
#[command(name = "rflux", version, about = "A GitOps engine that speaks the FluxCD API")]
struct Cli {
    /// Log level (error, warn, info, debug, trace) or a tracing filter.
    #[arg(long, global = true, default_value = "info", env = "RFLUX_LOG")]
    log_level: String,
    /// Log encoding: text or json.
    #[arg(long, global = true, default_value = "text")]
    log_encoding: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the GitOps flow on one machine: the embedded cluster (more to come).
    Up(serve::ServeArgs),
    /// Run the embedded Kubernetes API server alone.
    Apiserver(serve::ServeArgs),
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
    let cli = Cli::parse();
    init_logging(&cli.log_level, &cli.log_encoding);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rflux: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Up(args) => serve::up(args).await,
            Command::Apiserver(args) => serve::apiserver(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rflux: {e:#}");
            ExitCode::FAILURE
        }
    }
}
