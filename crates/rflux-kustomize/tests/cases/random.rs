//! Seeded random interactions: three kustomization levels (base, mid, top), each with a
//! random handful of features over a random subset of the base objects, sometimes a
//! component and a sibling base whose object collides with one of the base's.

use super::{Case, objects};

/// xorshift64*: deterministic, dependency-free.
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

const FEATURES: &[&str] = &[
    "namespace: ns{r}\n",
    "namePrefix: p{r}-\n",
    "nameSuffix: -s{r}\n",
    "commonLabels:\n  l{r}: v{r}\n",
    "commonAnnotations:\n  a{r}: v{r}\n",
    "labels:\n- pairs:\n    lp{r}: x\n  includeSelectors: {b}\n  includeTemplates: {c}\n",
    "images:\n- name: nginx\n  newTag: t{r}\n",
    "configMapGenerator:\n- name: gen{r}\n  literals: [k{r}=v{r}]\n",
    "secretGenerator:\n- name: sgen{r}\n  literals: [k{r}=v{r}]\n",
    "patches:\n- target:\n    kind: Deployment\n  patch: |-\n    - op: add\n      path: /metadata/annotations/j{r}\n      value: x\n",
    "patches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      template:\n        spec:\n          containers:\n          - name: c{r}\n            image: nginx:{r}\n",
    "patchesStrategicMerge:\n- |-\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: plain\n  data:\n    psm{r}: x\n",
    "replacements:\n- source:\n    kind: ConfigMap\n    name: plain\n    fieldPath: data.key\n  targets:\n  - select:\n      kind: Service\n    fieldPaths: [metadata.annotations.r{r}]\n    options:\n      create: true\n",
    "sortOptions:\n  order: fifo\n",
    "configMapGenerator:\n- name: app-config\n  behavior: merge\n  literals: [m{r}=x]\n",
    "replicas:\n- name: web\n  count: {r}\n",
    "buildMetadata: [managedByLabel]\n",
    "patches:\n- patch: |-\n    $patch: delete\n    apiVersion: v1\n    kind: Service\n    metadata:\n      name: web\n",
    "patches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      template:\n        spec:\n          containers:\n          - name: helper\n            $patch: delete\n",
    "images:\n- name: nginx\n  digest: sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3\n",
    "vars:\n- name: SVC{r}\n  objref:\n    kind: Service\n    name: web\n    apiVersion: v1\n",
    "patches:\n- target:\n    kind: Deployment\n    name: web\n  patch: |-\n    - op: remove\n      path: /spec/strategy\n",
    "patches:\n- target:\n    kind: ConfigMap\n    name: pl.*\n  patch: |-\n    - op: add\n      path: /data/jp{r}\n      value: \"{r}\"\n",
    "patches:\n- target:\n    labelSelector: app=web\n  patch: |-\n    kind: x\n    metadata:\n      name: x\n      labels:\n        sel{r}: x\n",
];

fn kustomization(rng: &mut Rng, resources: &[&str]) -> String {
    let mut k = String::from("resources:\n");
    for r in resources {
        k.push_str(&format!("- {r}\n"));
    }
    let mut used: Vec<&str> = Vec::new();
    for _ in 0..1 + rng.below(5) {
        let f = FEATURES[rng.below(FEATURES.len())];
        let field = f.split(':').next().unwrap_or("");
        if used.contains(&field) {
            continue;
        }
        used.push(field);
        let r = (1 + rng.below(9)).to_string();
        let b = if rng.below(2) == 0 { "true" } else { "false" };
        let c = if rng.below(2) == 0 { "true" } else { "false" };
        k.push_str(&f.replace("{r}", &r).replace("{b}", b).replace("{c}", c));
    }
    k
}

pub fn all(v: &mut Vec<Case>) {
    let mut base: Vec<(&str, &str)> = objects::BASE.to_vec();
    base.push(("refs.yaml", objects::REFERRALS));
    let mut rng = Rng(0x5EED_2026_1125_0001);
    for i in 0..80 {
        // The objects most features refer to are always there (so most builds succeed);
        // the others are a random subset.
        let always = ["deploy.yaml", "svc.yaml", "cm.yaml"];
        let chosen: Vec<(&str, &str)> = base
            .iter()
            .copied()
            .filter(|(p, _)| always.contains(p) || rng.below(3) != 0)
            .collect();
        let names: Vec<&str> = chosen.iter().map(|(p, _)| *p).collect();
        let mut files: Vec<(String, String)> = chosen
            .iter()
            .map(|(p, c)| (format!("base/{p}"), (*c).to_string()))
            .collect();
        files.push(("base/kustomization.yaml".into(), kustomization(&mut rng, &names)));
        files.push(("mid/kustomization.yaml".into(), kustomization(&mut rng, &["../base"])));
        let mut top = kustomization(&mut rng, &["../mid"]);
        if rng.below(2) == 0 {
            let comp = kustomization(&mut rng, &[]).replacen("resources:\n", "", 1);
            files.push(("comp/kustomization.yaml".into(), format!("kind: Component\n{comp}")));
            top.push_str("components: [../comp]\n");
        }
        if rng.below(3) == 0 {
            files.push((
                "other/cm.yaml".into(),
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: elsewhere\ndata:\n  x: y\n".into(),
            ));
            files.push(("other/kustomization.yaml".into(), kustomization(&mut rng, &["cm.yaml"])));
            top = top.replacen("- ../mid\n", "- ../mid\n- ../other\n", 1);
        }
        files.push(("top/kustomization.yaml".into(), top));
        v.push(Case {
            name: format!("random-interaction-{i:02}"),
            files,
            dir: "top".into(),
            error_mentions: Vec::new(),
        });
    }
}

const WORDS: &[&str] = &[
    "yes",
    "no",
    "on",
    "off",
    "true",
    "null",
    "~",
    "1",
    "0x1",
    "1e3",
    "1.5",
    "2020-01-01",
    "0755",
    "-",
    "---",
    "...",
    "- a",
    ": a",
    "a:",
    "#c",
    "a #b",
    "  ",
    "y",
    "n",
    "Y",
    "N",
    "1:20",
    "+1",
    ".5",
    ".inf",
    "NaN",
    "= ",
];

const CHARS: &[&str] = &[
    "a", "b", "c", "X", "Z", "0", "1", "9", " ", ":", "#", "-", "?", "'", "\"", "\\", "\n", "\t", ",", "[", "]", "{",
    "}", "&", "*", "!", "|", ">", "%", "@", "`", "~", ".", "=", "/", "_", "+", "é", "☃", "😀", "\u{a0}", "\r", "\u{0}",
    "\u{1b}",
];

fn random_string(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=2 => WORDS[rng.below(WORDS.len())].to_string(),
        3 => format!("{} {}", WORDS[rng.below(WORDS.len())], WORDS[rng.below(WORDS.len())]),
        4..=5 => (0..5 + rng.below(25))
            .map(|_| {
                (0..1 + rng.below(12))
                    .map(|_| ["a", "b", "c", "d", "e", "f"][rng.below(6)])
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => {
            let len = [1, 3, 10, 40, 90, 150][rng.below(6)];
            (0..len).map(|_| CHARS[rng.below(CHARS.len())]).collect()
        }
    }
}

/// ConfigMaps whose keys and values are random strings: the printer's quoting, escaping,
/// folding and block styles against kustomize's.
pub fn strings(v: &mut Vec<Case>) {
    let mut rng = Rng(0x5EED_0000_57A1_0001);
    for i in 0..30 {
        let mut data = serde_json::Map::new();
        for j in 0..8 {
            let key = if rng.below(10) < 3 {
                random_string(&mut rng)
            } else {
                format!("k{j}")
            };
            data.insert(key, serde_json::Value::String(random_string(&mut rng)));
        }
        let obj = serde_json::json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "s"},
            "data": data,
        });
        v.push(Case {
            name: format!("random-strings-{i:02}"),
            files: vec![
                ("kustomization.yaml".into(), "resources: [r.yaml]\n".into()),
                ("r.yaml".into(), obj.to_string()),
            ],
            dir: ".".into(),
            error_mentions: Vec::new(),
        });
    }
}

/// Plain scalar spellings, resolved by kyaml on input and re-quoted by go-yaml v2 on output.
const PLAIN: &[&str] = &[
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "n",
    "true",
    "False",
    "TRUE",
    "null",
    "Null",
    "~",
    "",
    "1",
    "-1",
    "+1",
    "0",
    "00",
    "007",
    "0755",
    "0o17",
    "0O17",
    "0x1F",
    "0X1f",
    "0b101",
    "0B101",
    "-0x1",
    "1_000",
    "1__0",
    "_1",
    "1e3",
    "1E3",
    "1e+3",
    "1e-3",
    "1.",
    "1.5",
    "-1.5",
    ".5",
    "-.5",
    "+.5",
    "1.5e3",
    "1.5E-3",
    "0.1e10",
    "12345678901234567890",
    "123456789012345678901",
    "-9223372036854775808",
    "-9223372036854775809",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "2020-01-01",
    "2020-1-1",
    "2020-01-01T01:02:03Z",
    "2020-01-01t01:02:03.5+02:00",
    "2020-01-01 01:02:03",
    "2020-01-01T1:2:3Z",
    "2020-02-30",
    "20200101",
    "1:20",
    "1:2:3",
    "-",
    "--",
    "a-b",
    "1-2",
    "1.2.3",
    "0.0",
    "-0",
    "-0.0",
    "1e400",
    "0x",
    "0b",
    "0o",
    "+",
    "+-1",
    "1e",
    "e1",
    "1_",
    "0_7",
    "08",
    "09.5",
    "1f",
    "0x1G",
    "'q'",
    "\"dq\"",
    "a b",
    "a #b",
    "a#b",
    "@a",
    "`a",
    "!!str 1",
    "!!int \"3\"",
    "!!float 1",
    "!!null x",
    "!foo bar",
    "1e22",
    "123456789.123456789",
    "0.000001",
    "0.0000001",
    "100000000000000000000",
];

/// ConfigMap-like objects of random plain scalars (input resolution and number printing).
pub fn plain_scalars(v: &mut Vec<Case>) {
    let mut rng = Rng(0x5EED_0000_9A1A_0001);
    for i in 0..25 {
        let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\nspec:\n");
        for j in 0..10 {
            text.push_str(&format!("  k{j}: {}\n", PLAIN[rng.below(PLAIN.len())]));
        }
        v.push(Case {
            name: format!("random-plain-scalars-{i:02}"),
            files: vec![
                ("kustomization.yaml".into(), "resources: [r.yaml]\n".into()),
                ("r.yaml".into(), text),
            ],
            dir: ".".into(),
            error_mentions: Vec::new(),
        });
    }
}
