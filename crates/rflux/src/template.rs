//! `rflux template [NAME] CHART`: what `helm template` prints, rendered by rflux-helm (no cluster).

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;

#[derive(Args, Debug)]
pub struct TemplateArgs {
    /// `[NAME] CHART`, as `helm template` takes them: the chart directory or `.tgz`
    /// archive, optionally after the release name.
    #[arg(value_name = "[NAME] CHART", num_args = 1..=2, required = true)]
    positional: Vec<String>,
    /// Release name [default: release-name].
    #[arg(long)]
    name: Option<String>,
    /// Release namespace.
    #[arg(short = 'n', long, default_value = "default")]
    namespace: String,
    /// Values files, merged in order.
    #[arg(short = 'f', long = "values")]
    values: Vec<PathBuf>,
    /// `key=value` (Helm's --set syntax); repeatable.
    #[arg(long)]
    set: Vec<String>,
    /// `key=value` with string values; repeatable.
    #[arg(long)]
    set_string: Vec<String>,
    /// `key=<json>`; repeatable.
    #[arg(long)]
    set_json: Vec<String>,
    /// Print the chart's crds/ too.
    #[arg(long)]
    include_crds: bool,
    /// Leave out test hooks.
    #[arg(long)]
    skip_tests: bool,
    /// Leave out hooks.
    #[arg(long)]
    no_hooks: bool,
    /// API versions for `.Capabilities.APIVersions` (comma-separated or repeated).
    #[arg(short = 'a', long)]
    api_versions: Vec<String>,
    /// Kubernetes version for `.Capabilities.KubeVersion`.
    #[arg(long)]
    kube_version: Option<String>,
    /// Render as an upgrade (`.Release.IsUpgrade`).
    #[arg(long = "is-upgrade")]
    is_upgrade: bool,
    /// Only these templates (e.g. `templates/deployment.yaml`); repeatable.
    #[arg(short = 's', long)]
    show_only: Vec<String>,
}

pub fn run(args: TemplateArgs) -> Result<()> {
    let (name, chart) = match args.positional.as_slice() {
        [chart] => (args.name.unwrap_or_else(|| "release-name".into()), PathBuf::from(chart)),
        [name, chart] => {
            if let Some(flag) = &args.name {
                bail!("rflux template: the release name is given twice: {name:?} before the chart and --name {flag:?}");
            }
            (name.clone(), PathBuf::from(chart))
        }
        _ => bail!("rflux template: expected [NAME] CHART"),
    };
    let options = rflux_helm::TemplateOptions {
        release_name: name,
        namespace: args.namespace,
        value_files: args.values,
        set: args.set,
        set_string: args.set_string,
        set_json: args.set_json,
        include_crds: args.include_crds,
        skip_tests: args.skip_tests,
        no_hooks: args.no_hooks,
        // Helm splits --api-versions on commas.
        api_versions: args
            .api_versions
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect(),
        kube_version: args.kube_version,
        is_upgrade: args.is_upgrade,
        show_only: args.show_only,
    };
    let out = rflux_helm::template(&chart, &options)?;
    print!("{out}");
    if !out.is_empty() && !out.ends_with('\n') {
        println!();
    }
    Ok(())
}
