//! Decode throughput on real kubectl bodies and on a large synthetic CRD.
//! Run with `cargo bench --bench decode`; prints time per body and MB/s.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn field(out: &mut Vec<u8>, num: u64, bytes: &[u8]) {
    varint(out, (num << 3) | 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// A CustomResourceDefinition whose schema has `n` string properties.
fn big_crd(n: usize) -> Vec<u8> {
    let mut props = Vec::new();
    field(&mut props, 5, b"object");
    for i in 0..n {
        let mut schema = Vec::new();
        field(&mut schema, 5, b"string");
        field(
            &mut schema,
            4,
            format!("property number {i} of the benchmark").as_bytes(),
        );
        let mut entry = Vec::new();
        field(&mut entry, 1, format!("prop{i}").as_bytes());
        field(&mut entry, 2, &schema);
        field(&mut props, 29, &entry);
    }
    let mut validation = Vec::new();
    field(&mut validation, 1, &props);
    let mut version = Vec::new();
    field(&mut version, 1, b"v1");
    field(&mut version, 4, &validation);
    let mut spec = Vec::new();
    field(&mut spec, 1, b"example.com");
    field(&mut spec, 7, &version);
    let mut crd = Vec::new();
    field(&mut crd, 2, &spec);
    let mut type_meta = Vec::new();
    field(&mut type_meta, 1, b"apiextensions.k8s.io/v1");
    field(&mut type_meta, 2, b"CustomResourceDefinition");
    let mut body = b"k8s\0".to_vec();
    field(&mut body, 1, &type_meta);
    field(&mut body, 2, &crd);
    body
}

fn measure(name: &str, body: &[u8]) {
    if rflux_protobuf::decode(body).is_err() {
        eprintln!("{name}: does not decode");
        return;
    }
    let mut iterations = 0u64;
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(500) {
        for _ in 0..16 {
            let _ = black_box(rflux_protobuf::decode(black_box(body)));
        }
        iterations += 16;
    }
    let per = start.elapsed() / u32::try_from(iterations).unwrap_or(u32::MAX);
    let mb_s = body.len() as f64 / per.as_secs_f64() / 1e6;
    println!(
        "{name:<28} {:>7} bytes  {per:>10.2?}/body  {mb_s:>7.1} MB/s",
        body.len()
    );
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kubectl");
    for name in ["configmap", "deployment", "can-i", "ingress"] {
        if let Ok(body) = std::fs::read(dir.join(format!("{name}.pb"))) {
            measure(&format!("kubectl {name}"), &body);
        }
    }
    measure("crd, 2000 properties", &big_crd(2000));
}
