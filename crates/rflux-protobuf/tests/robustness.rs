//! Randomized robustness: mutated and random bodies never panic the decoder.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::Path;

/// xorshift64*: a small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn corpus() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kubectl");
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "pb"))
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    out.sort();
    assert!(out.len() >= 20);
    out
}

#[test]
fn every_prefix_of_every_fixture_is_handled() {
    for body in corpus() {
        for end in 0..body.len() {
            let _ = rflux_protobuf::decode(&body[..end]);
        }
        assert!(rflux_protobuf::decode(&body).is_ok());
    }
}

#[test]
fn mutated_fixtures_never_panic() {
    let corpus = corpus();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut ok = 0usize;
    for _ in 0..30_000 {
        let mut body = corpus[rng.below(corpus.len())].clone();
        for _ in 0..=rng.below(4) {
            match rng.below(5) {
                0 => {
                    let i = rng.below(body.len());
                    body[i] ^= 1 << rng.below(8);
                }
                1 => {
                    let i = rng.below(body.len());
                    body[i] = rng.next() as u8;
                }
                2 => {
                    let i = rng.below(body.len() + 1);
                    body.insert(i, rng.next() as u8);
                }
                3 => {
                    let i = rng.below(body.len());
                    body.remove(i);
                }
                _ => {
                    let a = rng.below(body.len());
                    let b = (a + rng.below(16)).min(body.len());
                    let piece = body[a..b].to_vec();
                    let at = rng.below(body.len() + 1);
                    body.splice(at..at, piece);
                }
            }
            if body.is_empty() {
                body.push(0);
            }
        }
        if rflux_protobuf::decode(&body).is_ok() {
            ok += 1;
        }
    }
    // Many single-byte changes land in strings and still decode.
    assert!(ok > 0);
}

#[test]
fn random_bytes_after_the_magic_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..20_000 {
        let len = rng.below(64);
        let mut body = b"k8s\0".to_vec();
        body.extend((0..len).map(|_| rng.next() as u8));
        let _ = rflux_protobuf::decode(&body);
    }
}

#[test]
fn random_fields_inside_known_kinds_never_panic() {
    // A valid envelope naming a real kind, with random bytes as the object: this
    // reaches the table-driven decoder instead of failing in the envelope.
    let kinds = [
        ("v1", "Pod"),
        ("apps/v1", "Deployment"),
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
        ("authorization.k8s.io/v1", "SubjectAccessReview"),
        ("events.k8s.io/v1", "Event"),
    ];
    let mut rng = Rng(7);
    for _ in 0..20_000 {
        let (av, kind) = kinds[rng.below(kinds.len())];
        let len = rng.below(48);
        let raw: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let body = common::body(av, kind, common::Msg(raw));
        let _ = rflux_protobuf::decode(&body);
    }
}
