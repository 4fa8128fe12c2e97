//! Robustness: mutated fidelity templates and random token soups must parse and execute
//! to a result or an error, never a panic. (A deterministic stand-in for the fuzz targets.)

use rflux_gotmpl::{Template, Value};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "{{",
    "}}",
    "{{-",
    "-}}",
    " ",
    ".",
    ".Values",
    ".a",
    ".b",
    "$",
    "$x",
    ":=",
    "=",
    "|",
    "(",
    ")",
    ",",
    "\"s\"",
    "`r`",
    "'c'",
    "1",
    "-2",
    "3.5",
    "1e3",
    "0x1f",
    "true",
    "nil",
    "if",
    "else",
    "end",
    "range",
    "with",
    "define",
    "template",
    "block",
    "break",
    "continue",
    "\"t\"",
    "include",
    "tpl",
    "toYaml",
    "printf",
    "\"%d %s %v\"",
    "list",
    "dict",
    "index",
    "len",
    "eq",
    "lt",
    "and",
    "or",
    "not",
    "default",
    "quote",
    "upper",
    "set",
    "merge",
    "until",
    "add",
    "/*",
    "*/",
    "\n",
    "text",
    "split",
    "fromYaml",
    "toJson",
    "required",
    "fail",
    "semverCompare",
    "regexFind",
];

fn data() -> Value {
    Value::from_json(&serde_json::json!({
        "Values": {"a": 1, "b": "x", "l": [1, "two", null], "m": {"k": "v"}}, "a": [1, 2], "b": {"c": true}
    }))
}

/// Iterations per test; raise with `RFLUX_FUZZ_ITERS` for a longer local run.
fn iters() -> usize {
    std::env::var("RFLUX_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

/// Seed; vary with `RFLUX_FUZZ_SEED`.
fn seed(default: u64) -> u64 {
    std::env::var("RFLUX_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
        | 1
}

fn run(text: &str, data: &Value) {
    let mut t = Template::new("gotpl");
    if t.parse("f", text).is_ok()
        && let Err(e) = t.execute("f", data)
    {
        assert!(
            !e.to_string().contains("execution panicked"),
            "panic while executing {text:?}"
        );
    }
}

#[test]
fn random_token_soup_never_panics() {
    let mut rng = Rng(seed(0x5eed_1234_abcd_ef01));
    let data = data();
    for _ in 0..iters() {
        let n = 1 + rng.below(20);
        let text: String = (0..n)
            .map(|_| TOKENS[rng.below(TOKENS.len())])
            .collect::<Vec<_>>()
            .join(" ");
        run(&text, &data);
    }
}

#[test]
fn mutated_fidelity_templates_never_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fidelity");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/expected.json")).unwrap()).unwrap();
    let templates: Vec<String> = expected["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["template"].as_str().map(str::to_string))
        .filter(|t| !t.contains("include \"fx.self\""))
        .collect();
    let mut rng = Rng(seed(0x0dd_ba11_cafe_f00d));
    let data = data();
    for _ in 0..iters() {
        let base = &templates[rng.below(templates.len())];
        let mut bytes = base.clone().into_bytes();
        for _ in 0..1 + rng.below(4) {
            if bytes.is_empty() {
                break;
            }
            let i = rng.below(bytes.len());
            match rng.below(3) {
                0 => {
                    bytes.remove(i);
                }
                1 => bytes.insert(i, b"{}()|$.\"'-`9 \n"[rng.below(14)]),
                _ => {
                    let j = rng.below(bytes.len());
                    bytes.swap(i, j);
                }
            }
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        run(&text, &data);
    }
}
