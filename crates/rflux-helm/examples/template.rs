//! `template CHART [--name N] [--namespace NS] [--values F]… [--set E]… [--set-string E]…
//! [--set-json E]… [--upgrade] [--revision N] [--include-crds] [--reference]`: prints what
//! `helm template` prints (or, with `--reference`, the stream of `helm-reference-render`).

use rflux_helm::{Chart, RenderOptions, Values};

fn main() {
    if let Err(e) = run() {
        eprintln!("Error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), rflux_helm::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut opts = RenderOptions::default();
    let mut vals = Values::new();
    let mut chart_path = None;
    let (mut reference, mut crds) = (false, false);
    let mut i = 0;
    let next = |i: &mut usize| {
        *i += 1;
        args.get(*i).cloned().unwrap_or_default()
    };
    while i < args.len() {
        match args[i].as_str() {
            "--name" => opts.name = next(&mut i),
            "--namespace" => opts.namespace = next(&mut i),
            "--revision" => opts.revision = next(&mut i).parse().unwrap_or(1),
            "--upgrade" => opts.is_upgrade = true,
            "--include-crds" => crds = true,
            "--reference" => {
                reference = true;
                opts.check_dependencies = false;
                opts.check_kube_version = false;
            }
            "--values" | "-f" => {
                let f = rflux_helm::read_values_file(next(&mut i))?;
                rflux_helm::merge_user(&mut vals, &f);
            }
            "--set" => rflux_helm::parse_set(&next(&mut i), &mut vals)?,
            "--set-string" => rflux_helm::parse_set_string(&next(&mut i), &mut vals)?,
            "--set-json" => rflux_helm::parse_set_json(&next(&mut i), &mut vals)?,
            other => chart_path = Some(other.to_string()),
        }
        i += 1;
    }
    let chart = Chart::load(chart_path.unwrap_or_else(|| ".".into()))?;
    let out = rflux_helm::render(&chart, &vals, &opts)?;
    if reference {
        print!("{}", out.to_reference_stream());
    } else {
        print!("{}", out.to_stream(crds));
    }
    Ok(())
}
