//! `template CHART [--name N] [--namespace NS] [--values F]… [--set E]… [--set-string E]…
//! [--set-json E]… [--api-versions V]… [--kube-version V] [--show-only P]… [--upgrade]
//! [--include-crds] [--skip-tests] [--reference]`: prints what `helm template` prints (or,
//! with `--reference`, the stream of `helm-reference-render`, which skips the dependency
//! and kubeVersion checks).

use std::path::PathBuf;

use rflux_helm::{Chart, RenderOptions, TemplateOptions};

fn main() {
    if let Err(e) = run() {
        eprintln!("Error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), rflux_helm::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut opts = TemplateOptions::default();
    let mut chart_path = None;
    let mut reference = false;
    let mut i = 0;
    let next = |i: &mut usize| {
        *i += 1;
        args.get(*i).cloned().unwrap_or_default()
    };
    while i < args.len() {
        match args[i].as_str() {
            "--name" => opts.release_name = next(&mut i),
            "--namespace" => opts.namespace = next(&mut i),
            "--upgrade" | "--is-upgrade" => opts.is_upgrade = true,
            "--include-crds" => opts.include_crds = true,
            "--skip-tests" => opts.skip_tests = true,
            "--reference" => reference = true,
            "--values" | "-f" => opts.value_files.push(PathBuf::from(next(&mut i))),
            "--set" => opts.set.push(next(&mut i)),
            "--set-string" => opts.set_string.push(next(&mut i)),
            "--set-json" => opts.set_json.push(next(&mut i)),
            "--api-versions" => opts.api_versions.push(next(&mut i)),
            "--kube-version" => opts.kube_version = Some(next(&mut i)),
            "--show-only" => opts.show_only.push(next(&mut i)),
            other => chart_path = Some(other.to_string()),
        }
        i += 1;
    }
    let chart_path = PathBuf::from(chart_path.unwrap_or_else(|| ".".into()));
    if !reference {
        print!("{}", rflux_helm::template(&chart_path, &opts)?);
        return Ok(());
    }
    let values = rflux_helm::user_values(&opts.value_files, &opts.set_json, &opts.set, &opts.set_string)?;
    let render_opts = RenderOptions {
        name: opts.release_name.clone(),
        namespace: opts.namespace.clone(),
        is_upgrade: opts.is_upgrade,
        check_dependencies: false,
        check_kube_version: false,
        ..RenderOptions::default()
    };
    let out = rflux_helm::render(&Chart::load(&chart_path)?, &values, &render_opts)?;
    print!("{}", out.to_reference_stream());
    Ok(())
}
