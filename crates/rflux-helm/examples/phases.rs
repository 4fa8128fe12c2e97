//! `phases CHART [VALUES]`: wall time of each rendering phase (load, prepare, templates,
//! post-processing), for finding where time goes.

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: phases CHART [VALUES]");
        return;
    };
    let vals = match args.get(1) {
        Some(f) => rflux_helm::read_values_file(f).unwrap_or_default(),
        None => rflux_helm::Values::new(),
    };
    let opts = rflux_helm::RenderOptions {
        check_dependencies: false,
        ..Default::default()
    };
    let t = Instant::now();
    let Ok(chart) = rflux_helm::Chart::load(path) else {
        return;
    };
    let t1 = t.elapsed();
    let Ok((c, v)) = rflux_helm::prepare(&chart, &vals, false) else {
        return;
    };
    let t2 = t.elapsed();
    let files = rflux_helm::render_templates(&c, &v, &opts);
    let t3 = t.elapsed();
    let Ok(files) = files else { return };
    let r = rflux_helm::sort_manifests(c, files, v, false);
    let t4 = t.elapsed();
    println!(
        "load {:?} prepare {:?} templates {:?} post {:?} ({} manifests)",
        t1,
        t2 - t1,
        t3 - t2,
        t4 - t3,
        r.map(|r| r.manifests.len()).unwrap_or(0)
    );
}
