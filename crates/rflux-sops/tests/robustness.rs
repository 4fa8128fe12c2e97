//! Deterministic fuzzing of the parsers: the `ENC[…]` value parser, the metadata parser and
//! every format loader get mutated and random inputs and must return errors, never panic.
//! (A cargo-fuzz target would need `libfuzzer-sys`, which is not among this crate's
//! dependencies; this test exercises the same entry points.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rflux_sops::cipher::{EncryptedValue, decrypt_value};
use rflux_sops::{DecryptOptions, EncryptOptions, Format, Keyring, Recipient};

fn mutate(rng: &mut StdRng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    let n = rng.gen_range(1..4);
    for _ in 0..n {
        if v.is_empty() {
            v.push(rng.r#gen());
            continue;
        }
        let i = rng.gen_range(0..v.len());
        match rng.gen_range(0..4) {
            0 => v[i] = rng.r#gen(),
            1 => {
                v.remove(i);
            }
            2 => v.insert(i, b"[]{}:,-#&*!|>'\"%@`\n \tENC=;"[rng.gen_range(0..26)]),
            _ => {
                let j = rng.gen_range(i..v.len());
                let chunk = v[i..j].to_vec();
                v.splice(i..i, chunk);
            }
        }
    }
    v
}

#[test]
fn value_parser_never_panics() {
    let mut rng = StdRng::seed_from_u64(7);
    let key = [7u8; 32];
    let good = "ENC[AES256_GCM,data:mHeXsmQ=,iv:vUMpILz3xchORqkzDFvgwENY7EqIHHGJdEF6C8xqbFE=,tag:IroV7hykADvD0IUaq6kikA==,type:str]";
    for _ in 0..20_000 {
        let m = mutate(&mut rng, good.as_bytes());
        let s = String::from_utf8_lossy(&m);
        let _ = EncryptedValue::parse(&s, "p");
        let _ = decrypt_value(&key, &s, "p:");
    }
}

#[test]
fn document_parsers_never_panic() {
    let mut rng = StdRng::seed_from_u64(11);
    let (sk, r) = common::age_key();
    let mut keys = Keyring::new();
    keys.add_age_identities(&sk, "k").unwrap();
    let o = EncryptOptions {
        key_groups: vec![vec![Recipient::age(&r).unwrap()]],
        ..Default::default()
    };
    let samples = [
        (Format::Yaml, &b"a: 1\nb:\n  - x\n  - {y: z}\n# c\nd: &x q\ne: *x\n"[..]),
        (
            Format::Json,
            &b"{\"a\": [1, 2.5, \"x\", null, true], \"b\": {\"c\": \"d\"}}"[..],
        ),
        (Format::Dotenv, &b"# c\nA=1\nB=two\n"[..]),
        (Format::Ini, &b"[s]\na = 1\n; c\nb = \"\"\"x\ny\"\"\"\n"[..]),
        (Format::Binary, &b"\x00\x01\x02"[..]),
    ];
    for (format, plain) in samples {
        let enc = rflux_sops::encrypt(plain, format, &o).unwrap();
        for _ in 0..1_500 {
            let m = mutate(&mut rng, &enc);
            let _ = rflux_sops::decrypt(&m, format, &keys, &DecryptOptions::default());
            let _ = rflux_sops::formats::load_plain(&m, format);
        }
    }
}
