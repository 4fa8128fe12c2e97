//! Bad input never panics: kustomizations and resource files mutated byte by byte and
//! line by line (a deterministic, dependency-free fuzz) must build or fail cleanly.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use rflux_kustomize::{build, to_yaml, yaml};

const KUSTOMIZATION: &str = "namespace: ns\nnamePrefix: p-\nresources:\n- r.yaml\ncommonLabels:\n  app: x\nimages:\n- name: nginx\n  newTag: \"2\"\nconfigMapGenerator:\n- name: c\n  literals: [a=b]\npatches:\n- target:\n    kind: Deployment\n  patch: |-\n    - op: add\n      path: /spec/replicas\n      value: 2\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      template:\n        spec:\n          containers:\n          - name: web\n            image: nginx\nreplacements:\n- source:\n    kind: ConfigMap\n    name: c\n  targets:\n  - select:\n      kind: Deployment\n    fieldPaths: [metadata.annotations.c]\n    options:\n      create: true\n";

const RESOURCE: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1\n        envFrom:\n        - configMapRef: {name: c}\n";

/// xorshift64*: a tiny deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "",
    " ",
    "\n",
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "<<: ",
    "---\n",
    "!!int ",
    "\"",
    "'",
    "|",
    ">",
    "#",
    "\t",
    "$patch: delete",
    "null",
    "~",
    "0x",
    "1e999",
    "../",
    "/etc/passwd",
    "https://x",
    "\u{0}",
    "é",
    "😀",
];

fn mutate(rng: &mut Rng, base: &str) -> String {
    let mut s: Vec<char> = base.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(s.len() + 1);
        match rng.below(4) {
            0 if !s.is_empty() => {
                let end = (at + rng.below(8)).min(s.len());
                s.drain(at.min(s.len())..end);
            }
            1 => {
                let piece = PIECES[rng.below(PIECES.len())];
                for (i, c) in piece.chars().enumerate() {
                    s.insert((at + i).min(s.len()), c);
                }
            }
            2 => {
                // Duplicate a line.
                let text: String = s.iter().collect();
                let lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let l = lines[rng.below(lines.len())].to_string();
                    for (i, c) in (l + "\n").chars().enumerate() {
                        s.insert((at + i).min(s.len()), c);
                    }
                }
            }
            _ => {
                if !s.is_empty() {
                    let i = rng.below(s.len());
                    s[i] = PIECES[rng.below(PIECES.len())].chars().next().unwrap_or('x');
                }
            }
        }
    }
    s.into_iter().collect()
}

#[test]
fn mutated_inputs_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let t = tempfile::tempdir().unwrap();
    let mut built = 0;
    for i in 0..400 {
        let (k, r) = if i % 2 == 0 {
            (mutate(&mut rng, KUSTOMIZATION), RESOURCE.to_string())
        } else {
            (KUSTOMIZATION.to_string(), mutate(&mut rng, RESOURCE))
        };
        std::fs::write(t.path().join("kustomization.yaml"), &k).unwrap();
        std::fs::write(t.path().join("r.yaml"), &r).unwrap();
        if let Ok(objs) = build(t.path(), t.path()) {
            built += 1;
            // What we print must read back as the same objects.
            let text = to_yaml(&objs);
            let back: Vec<_> = yaml::parse_stream(&text)
                .unwrap()
                .into_iter()
                .filter(|d| !d.is_null())
                .collect();
            assert_eq!(back, objs, "round trip of\n{text}");
        }
    }
    assert!(built > 0);
}

#[test]
fn yaml_parser_never_panics_on_garbage() {
    let mut rng = Rng(42);
    for _ in 0..2000 {
        let text = mutate(&mut rng, RESOURCE);
        if let Ok(docs) = yaml::parse_stream(&text) {
            let _ = to_yaml(&docs);
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    assert!(yaml::parse_stream(&deep).is_err());
    let deep_block: String = (0..2000).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
    let _ = yaml::parse_stream(&deep_block);
}

#[test]
fn alias_bombs_are_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let err = yaml::parse_stream(&text).unwrap_err();
    assert!(err.message.contains("alias"), "{err}");
}
