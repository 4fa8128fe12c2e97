//! Lookup cost: kind lookup, a field walk to a pod's container ports, and list facts.
//! Run with `cargo bench --bench lookup`; prints nanoseconds per operation.

use std::hint::black_box;
use std::time::Instant;

use rflux_schema::{definition, kind, resource};

fn measure(name: &str, iterations: u32, mut op: impl FnMut() -> bool) {
    let mut hits = 0u32;
    for _ in 0..iterations / 10 {
        hits += u32::from(op());
    }
    let start = Instant::now();
    for _ in 0..iterations {
        hits += u32::from(op());
    }
    let elapsed = start.elapsed();
    let per_op = elapsed.as_nanos() as f64 / f64::from(iterations);
    println!("{name:<40} {per_op:>8.1} ns/op ({hits} hits)");
}

fn main() {
    let n = 1_000_000;
    measure("kind(apps, v1, Deployment)", n, || {
        kind(black_box("apps"), black_box("v1"), black_box("Deployment")).is_some()
    });
    measure("definition(core.v1.PodSpec)", n, || {
        definition(black_box("io.k8s.api.core.v1.PodSpec")).is_some()
    });
    measure("resource(apps, Deployment)", n, || {
        resource(black_box("apps"), black_box("Deployment")).is_some()
    });
    let deployment = kind("apps", "v1", "Deployment");
    measure("at(spec.template.spec.containers.ports)", n, || {
        deployment
            .and_then(|d| d.at(black_box(&["spec", "template", "spec", "containers", "ports"])))
            .is_some()
    });
    let pod_spec = definition("io.k8s.api.core.v1.PodSpec");
    measure("PodSpec.field(volumes)", n, || {
        pod_spec.and_then(|p| p.field(black_box("volumes"))).is_some()
    });
    let containers = pod_spec.and_then(|p| p.field("containers"));
    measure("containers.effective_list_keys()", n, || {
        containers.is_some_and(|c| !black_box(c).effective_list_keys().is_empty())
    });
}
