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
        let mut chosen: Vec<(&str, &str)> = base.iter().copied().filter(|_| rng.below(3) != 0).collect();
        if chosen.is_empty() {
            chosen.push(base[0]);
        }
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
