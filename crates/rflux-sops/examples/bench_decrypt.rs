//! Benchmark: decrypt a 5,000-key YAML document encrypted to one age recipient.
//! Run with `cargo run --release --example bench_decrypt`; prints time per decryption and
//! the process's peak resident memory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use age::secrecy::ExposeSecret;
use rflux_sops::{DecryptOptions, EncryptOptions, Format, Keyring, Recipient};

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn main() {
    let keys: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let id = age::x25519::Identity::generate();
    let mut ring = Keyring::new();
    ring.add_age_identities(id.to_string().expose_secret(), "bench")
        .unwrap();
    let mut doc = String::from("apiVersion: v1\nkind: Secret\nmetadata:\n    name: bench\nstringData:\n");
    for i in 0..keys {
        doc.push_str(&format!("    key{i:05}: value-{i}-abcdefghijklmnopqrstuvwxyz\n"));
    }
    let opts = EncryptOptions {
        key_groups: vec![vec![Recipient::age(&id.to_public().to_string()).unwrap()]],
        ..Default::default()
    };
    let t = Instant::now();
    let enc = rflux_sops::encrypt(doc.as_bytes(), Format::Yaml, &opts).unwrap();
    let enc_time = t.elapsed();
    let runs = 10;
    let t = Instant::now();
    let mut out = Vec::new();
    for _ in 0..runs {
        out = rflux_sops::decrypt(&enc, Format::Yaml, &ring, &DecryptOptions::default()).unwrap();
    }
    let per = t.elapsed() / runs;
    assert!(out.len() > doc.len() / 2);
    println!(
        "{keys} keys, {} bytes encrypted: encrypt {:.1} ms, decrypt {:.1} ms (mean of {runs}), peak RSS {} KiB",
        enc.len(),
        enc_time.as_secs_f64() * 1000.0,
        per.as_secs_f64() * 1000.0,
        peak_rss_kib().map(|v| v.to_string()).unwrap_or_else(|| "?".into())
    );
}
