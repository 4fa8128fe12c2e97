//! The fidelity cases: base objects, then single features, feature interactions, YAML
//! scalars and bad input. Each case is a set of files and the directory to build.

mod more;
mod objects;
mod random;

pub struct Case {
    pub name: String,
    pub files: Vec<(String, String)>,
    pub dir: String,
    /// Strings our error must contain (bad-input cases).
    pub error_mentions: Vec<String>,
}

pub(crate) fn case(name: &str, files: &[(&str, &str)]) -> Case {
    Case {
        name: name.to_string(),
        files: files
            .iter()
            .map(|(p, c)| ((*p).to_string(), (*c).to_string()))
            .collect(),
        dir: ".".to_string(),
        error_mentions: Vec::new(),
    }
}

/// A case whose kustomization.yaml is `kust` on top of every base object file.
fn with_base(name: &str, kust: &str, extra: &[(&str, &str)]) -> Case {
    let mut files: Vec<(&str, &str)> = objects::BASE.to_vec();
    files.push(("kustomization.yaml", kust));
    files.extend_from_slice(extra);
    case(name, &files)
}

pub(crate) fn bad(name: &str, files: &[(&str, &str)], mentions: &[&str]) -> Case {
    let mut c = case(name, files);
    c.error_mentions = mentions.iter().map(|s| (*s).to_string()).collect();
    c
}

const ALL_RESOURCES: &str =
    "resources:\n- deploy.yaml\n- svc.yaml\n- ingress.yaml\n- rbac.yaml\n- workloads.yaml\n- cm.yaml\n- custom.yaml\n";

pub fn all() -> Vec<Case> {
    let mut v = Vec::new();
    single_features(&mut v);
    generators(&mut v);
    patches(&mut v);
    interactions(&mut v);
    scalars(&mut v);
    errors(&mut v);
    more::all(&mut v);
    random::all(&mut v);
    random::strings(&mut v);
    random::plain_scalars(&mut v);
    v
}

fn k(body: &str) -> String {
    format!("{ALL_RESOURCES}{body}")
}

fn single_features(v: &mut Vec<Case>) {
    let simple: &[(&str, &str)] = &[
        ("resources-only", ""),
        ("namespace", "namespace: team-a\n"),
        ("name-prefix", "namePrefix: pre-\n"),
        ("name-suffix", "nameSuffix: -suf\n"),
        ("prefix-and-suffix", "namePrefix: a-\nnameSuffix: -z\n"),
        ("prefix-namespace", "namePrefix: a-\nnamespace: ns1\n"),
        ("common-labels", "commonLabels:\n  app: demo\n  tier: web\n"),
        ("common-labels-numeric-string", "commonLabels:\n  version: \"1\"\n"),
        ("labels-plain", "labels:\n- pairs:\n    team: x\n"),
        (
            "labels-selectors",
            "labels:\n- pairs:\n    team: x\n  includeSelectors: true\n",
        ),
        (
            "labels-templates",
            "labels:\n- pairs:\n    team: x\n  includeTemplates: true\n",
        ),
        (
            "labels-both",
            "labels:\n- pairs:\n    team: x\n  includeSelectors: true\n  includeTemplates: true\n",
        ),
        (
            "labels-multiple",
            "labels:\n- pairs:\n    a: \"1\"\n- pairs:\n    b: \"2\"\n  includeSelectors: true\n",
        ),
        (
            "common-annotations",
            "commonAnnotations:\n  owner: me\n  note: \"yes\"\n",
        ),
        (
            "annotations-and-labels",
            "commonAnnotations:\n  owner: me\ncommonLabels:\n  app: x\n",
        ),
        ("images-new-tag", "images:\n- name: nginx\n  newTag: \"1.25\"\n"),
        (
            "images-new-name",
            "images:\n- name: nginx\n  newName: registry.local/nginx\n",
        ),
        (
            "images-digest",
            "images:\n- name: nginx\n  digest: sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3\n",
        ),
        (
            "images-name-and-tag",
            "images:\n- name: busybox\n  newName: quay.io/busybox\n  newTag: latest\n",
        ),
        (
            "images-init-containers",
            "images:\n- name: alpine\n  newTag: \"3.20\"\n",
        ),
        (
            "images-registry-port",
            "images:\n- name: localhost:5000/app\n  newTag: v2\n",
        ),
        (
            "images-cronjob",
            "images:\n- name: curl\n  newName: curlimages/curl\n  newTag: \"8.0\"\n",
        ),
        ("images-no-match", "images:\n- name: nothing\n  newTag: x\n"),
        (
            "images-multiple",
            "images:\n- name: nginx\n  newTag: a\n- name: busybox\n  newTag: b\n- name: alpine\n  newName: x/alpine\n",
        ),
        (
            "images-tag-and-digest",
            "images:\n- name: nginx\n  newTag: t\n  digest: sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3\n",
        ),
        ("replicas", "replicas:\n- name: web\n  count: 5\n"),
        (
            "replicas-statefulset",
            "replicas:\n- name: db\n  count: 3\n- name: web\n  count: 0\n",
        ),
        ("sort-fifo", "sortOptions:\n  order: fifo\n"),
        (
            "sort-legacy-custom",
            "sortOptions:\n  order: legacy\n  legacySortOptions:\n    orderFirst: [Service, Deployment]\n    orderLast: [ConfigMap]\n",
        ),
        ("build-metadata-managed-by", "buildMetadata: [managedByLabel]\n"),
        ("namespace-and-labels", "namespace: prod\ncommonLabels:\n  env: prod\n"),
        (
            "everything-simple",
            "namespace: all\nnamePrefix: p-\nnameSuffix: -s\ncommonLabels:\n  a: b\ncommonAnnotations:\n  c: d\nimages:\n- name: nginx\n  newTag: \"2\"\nreplicas:\n- name: web\n  count: 2\n",
        ),
    ];
    for (name, body) in simple {
        v.push(with_base(name, &k(body), &[]));
    }
    v.push(with_base(
        "kustomization-with-header",
        &format!("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n{ALL_RESOURCES}namespace: h\n"),
        &[],
    ));
    v.push(case(
        "kustomization-yml-name",
        &[
            ("kustomization.yml", "resources: [cm.yaml]\n"),
            ("cm.yaml", objects::CM),
        ],
    ));
    v.push(case(
        "Kustomization-file-name",
        &[
            ("Kustomization", "resources: [cm.yaml]\nnamePrefix: k-\n"),
            ("cm.yaml", objects::CM),
        ],
    ));
    v.push(case(
        "resource-directory-of-kustomization",
        &[
            ("kustomization.yaml", "resources: [base]\n"),
            ("base/kustomization.yaml", "resources: [cm.yaml]\n"),
            ("base/cm.yaml", objects::CM),
        ],
    ));
    v.push(case(
        "list-kind-expanded",
        &[
            ("kustomization.yaml", "resources: [list.yaml]\nnamespace: l\n"),
            ("list.yaml", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: one\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: two\n"),
        ],
    ));
    v.push(case(
        "multi-doc-with-empty-docs",
        &[
            ("kustomization.yaml", "resources: [m.yaml]\n"),
            ("m.yaml", "---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n...\n"),
        ],
    ));
    v.push(case(
        "order-many-kinds",
        &[
            ("kustomization.yaml", "resources: [k.yaml]\n"),
            ("k.yaml", objects::MANY_KINDS),
        ],
    ));
    v.push(case(
        "crds-field",
        &[
            (
                "kustomization.yaml",
                "resources: [custom.yaml]\ncrds: [crd.json]\nnamePrefix: c-\n",
            ),
            ("custom.yaml", objects::CUSTOM),
            ("crd.json", "{}\n"),
        ],
    ));
    v.push(case(
        "namespace-renames-namespace-objects",
        &[
            ("kustomization.yaml", "resources: [ns.yaml]\nnamespace: target\n"),
            (
                "ns.yaml",
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: original\n  labels:\n    a: b\n",
            ),
        ],
    ));
    v.push(case(
        "cluster-scoped-keep-no-namespace",
        &[
            ("kustomization.yaml", "resources: [c.yaml]\nnamespace: target\nnamePrefix: p-\n"),
            ("c.yaml", "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\nprovisioner: x\n---\napiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: high\nvalue: 1000\n---\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv\nspec:\n  storageClassName: fast\n  capacity:\n    storage: 1Gi\n  accessModes: [ReadWriteOnce]\n"),
        ],
    ));
    v.push(case(
        "vars-basic",
        &[
            ("kustomization.yaml", "resources: [deploy.yaml, svc.yaml]\nnamePrefix: v-\nvars:\n- name: SVC\n  objref:\n    kind: Service\n    name: web\n    apiVersion: v1\n- name: PORT\n  objref:\n    kind: Service\n    name: web\n    apiVersion: v1\n  fieldref:\n    fieldPath: spec.ports[0].port\n"),
            ("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  selector:\n    matchLabels: {app: a}\n  template:\n    metadata:\n      labels: {app: a}\n    spec:\n      containers:\n      - name: c\n        image: x\n        command: [\"run\", \"--svc=$(SVC)\"]\n        env:\n        - name: TARGET\n          value: $(SVC)\n"),
            ("svc.yaml", objects::SVC),
        ],
    ));
}

fn generators(v: &mut Vec<Case>) {
    let files: &[(&str, &str)] = &[
        ("app.properties", "a=1\nb=two\n"),
        ("config.json", "{\"k\": \"v\", \"html\": \"<b>&</b>\"}\n"),
        (
            "app.env",
            "# comment\nFOO=bar\n\n  BAZ=qux quux\nEMPTY=\nQUOTED=\"q\"\n",
        ),
        (
            "long.txt",
            "line one of a long file that goes on and on and on and on and on and on\nline two\n",
        ),
        ("bin.dat", "\u{0}\u{1}binary\u{2}"),
        ("trailing.txt", "trailing spaces   \nnext\n"),
        ("tabs.txt", "a\tb\n"),
    ];
    let gens: &[(&str, &str)] = &[
        (
            "cm-literals",
            "configMapGenerator:\n- name: lit\n  literals:\n  - a=b\n  - c=d e\n  - quoted=\"x y\"\n  - empty=\n  - eq=a=b\n",
        ),
        (
            "cm-literals-special",
            "configMapGenerator:\n- name: lit\n  literals:\n  - yes=yes\n  - num=0755\n  - bool=true\n  - colon=a: b\n  - html=<a&b>\n",
        ),
        (
            "cm-files",
            "configMapGenerator:\n- name: files\n  files:\n  - app.properties\n  - conf=config.json\n",
        ),
        ("cm-envs", "configMapGenerator:\n- name: envs\n  envs:\n  - app.env\n"),
        ("cm-env-singular", "configMapGenerator:\n- name: envs\n  env: app.env\n"),
        (
            "cm-mixed",
            "configMapGenerator:\n- name: mixed\n  literals: [x=y]\n  files: [long.txt]\n  envs: [app.env]\n",
        ),
        ("cm-binary", "configMapGenerator:\n- name: bin\n  files: [bin.dat]\n"),
        (
            "cm-trailing-spaces",
            "configMapGenerator:\n- name: t\n  files: [trailing.txt, tabs.txt]\n",
        ),
        (
            "cm-options",
            "configMapGenerator:\n- name: opt\n  literals: [a=b]\n  options:\n    labels:\n      l: v\n    annotations:\n      an: v\n",
        ),
        (
            "cm-disable-hash",
            "configMapGenerator:\n- name: nohash\n  literals: [a=b]\n  options:\n    disableNameSuffixHash: true\n",
        ),
        (
            "cm-immutable",
            "configMapGenerator:\n- name: imm\n  literals: [a=b]\n  options:\n    immutable: true\n",
        ),
        (
            "generator-options-global",
            "generatorOptions:\n  disableNameSuffixHash: true\n  labels:\n    g: \"1\"\nconfigMapGenerator:\n- name: g\n  literals: [a=b]\n  options:\n    labels:\n      l: \"2\"\n",
        ),
        (
            "generator-options-annotations",
            "generatorOptions:\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\nsecretGenerator:\n- name: s\n  literals: [a=b]\n",
        ),
        (
            "cm-namespace",
            "configMapGenerator:\n- name: nsd\n  namespace: other\n  literals: [a=b]\n",
        ),
        (
            "secret-literals",
            "secretGenerator:\n- name: sec\n  literals:\n  - user=admin\n  - pass=s3cr3t!\n",
        ),
        (
            "secret-type",
            "secretGenerator:\n- name: tls\n  type: kubernetes.io/tls\n  files:\n  - tls.crt=long.txt\n  - tls.key=app.properties\n",
        ),
        (
            "secret-files-long",
            "secretGenerator:\n- name: long\n  files: [long.txt, config.json]\n",
        ),
        ("secret-envs", "secretGenerator:\n- name: env\n  envs: [app.env]\n"),
        (
            "secret-disable-hash",
            "secretGenerator:\n- name: plain\n  literals: [a=b]\n  options:\n    disableNameSuffixHash: true\n",
        ),
        (
            "two-generators",
            "configMapGenerator:\n- name: one\n  literals: [a=1]\n- name: two\n  literals: [b=2]\nsecretGenerator:\n- name: three\n  literals: [c=3]\n",
        ),
    ];
    for (name, body) in gens {
        let mut all: Vec<(&str, &str)> = files.to_vec();
        all.push(("kustomization.yaml", body));
        v.push(case(name, &all));
        let with_refs = format!("{ALL_RESOURCES}{body}");
        let mut all2: Vec<(&str, &str)> = objects::BASE.to_vec();
        all2.extend_from_slice(files);
        all2.push(("kustomization.yaml", &with_refs));
        v.push(case(&format!("{name}-with-base"), &all2));
    }
    // Generated names referenced from workloads (prefix + generator + references).
    let refs = "resources: [deploy.yaml]\nnamePrefix: p-\nnamespace: n\nconfigMapGenerator:\n- name: app-config\n  literals: [a=b]\nsecretGenerator:\n- name: app-secret\n  literals: [c=d]\n- name: pull-secret\n  type: kubernetes.io/dockerconfigjson\n  literals:\n  - .dockerconfigjson={}\n";
    let mut f: Vec<(&str, &str)> = objects::BASE.to_vec();
    f.push(("kustomization.yaml", refs));
    v.push(case("generated-names-referenced", &f));
    // `namespace: n` is a YAML 1.1 boolean for kustomize: an error; quoted it works.
    let quoted = refs.replace("namespace: n\n", "namespace: \"n\"\n");
    let mut f: Vec<(&str, &str)> = objects::BASE.to_vec();
    f.push(("kustomization.yaml", &quoted));
    v.push(case("generated-names-referenced-quoted", &f));
    // Overlays merging and replacing generated objects.
    for behavior in ["merge", "replace"] {
        let overlay = format!(
            "resources: [../base]\nnamePrefix: o-\nconfigMapGenerator:\n- name: app-config\n  behavior: {behavior}\n  literals: [a=overlay, n=new]\n"
        );
        let mut f: Vec<(&str, &str)> = objects::BASE.iter().map(|(p, c)| (*p, *c)).collect();
        let base_files: Vec<(String, String)> =
            f.drain(..).map(|(p, c)| (format!("base/{p}"), c.to_string())).collect();
        let mut c = Case {
            name: format!("generator-behavior-{behavior}"),
            files: base_files,
            dir: "overlay".into(),
            error_mentions: Vec::new(),
        };
        c.files.push((
            "base/kustomization.yaml".into(),
            "resources: [deploy.yaml]\nconfigMapGenerator:\n- name: app-config\n  literals: [a=base, keep=me]\n".into(),
        ));
        c.files.push(("overlay/kustomization.yaml".into(), overlay));
        v.push(c);
    }
}

fn patches(v: &mut Vec<Case>) {
    type PatchCase<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
    let ps: &[PatchCase] = &[
        (
            "smp-inline",
            "patches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      replicas: 7\n",
            &[],
        ),
        (
            "smp-file",
            "patches:\n- path: p.yaml\n",
            &[(
                "p.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        resources:\n          limits:\n            cpu: 500m\n",
            )],
        ),
        (
            "smp-container-merge-by-name",
            "patches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      template:\n        spec:\n          containers:\n          - name: sidecar\n            image: busybox\n          - name: web\n            env:\n            - name: NEW\n              value: \"1\"\n            - name: MODE\n              value: changed\n",
            &[],
        ),
        (
            "smp-delete-container",
            "patches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      template:\n        spec:\n          initContainers:\n          - name: init\n            $patch: delete\n",
            &[],
        ),
        (
            "smp-replace-map",
            "patches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      selector:\n        $patch: replace\n        matchLabels:\n          only: this\n",
            &[],
        ),
        (
            "smp-null-deletes",
            "patches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n      labels:\n        app: null\n    spec:\n      strategy: null\n",
            &[],
        ),
        (
            "smp-ports-merge",
            "patches:\n- patch: |-\n    apiVersion: v1\n    kind: Service\n    metadata:\n      name: web\n    spec:\n      ports:\n      - port: 443\n        name: https\n        targetPort: 8443\n      - port: 80\n        name: http\n        targetPort: 9090\n",
            &[],
        ),
        (
            "smp-volumes-merge",
            "patches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      template:\n        spec:\n          volumes:\n          - name: extra\n            emptyDir: {}\n          - name: config\n            configMap:\n              name: app-config\n              defaultMode: 420\n",
            &[],
        ),
        (
            "smp-delete-object",
            "patches:\n- patch: |-\n    $patch: delete\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: plain\n",
            &[],
        ),
        (
            "smp-target-kind",
            "patches:\n- target:\n    kind: Deployment\n  patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: any\n      annotations:\n        patched: \"true\"\n",
            &[],
        ),
        (
            "smp-target-label-selector",
            "patches:\n- target:\n    labelSelector: app=web\n  patch: |-\n    kind: any\n    metadata:\n      name: any\n      labels:\n        selected: \"yes\"\n",
            &[],
        ),
        (
            "smp-target-annotation-selector",
            "patches:\n- target:\n    annotationSelector: team in (a,b)\n  patch: |-\n    kind: any\n    metadata:\n      name: any\n      annotations:\n        hit: \"1\"\n",
            &[],
        ),
        (
            "smp-custom-resource",
            "patches:\n- patch: |-\n    apiVersion: example.com/v1\n    kind: Widget\n    metadata:\n      name: gadget\n    spec:\n      items:\n      - name: b\n        value: changed\n      - name: c\n        value: new\n      size: 3\n",
            &[],
        ),
        (
            "json6902-inline",
            "patches:\n- target:\n    kind: Deployment\n    name: web\n  patch: |-\n    - op: replace\n      path: /spec/replicas\n      value: 9\n    - op: add\n      path: /metadata/labels/added\n      value: x\n",
            &[],
        ),
        (
            "json6902-file",
            "patches:\n- target:\n    group: apps\n    version: v1\n    kind: Deployment\n    name: web\n  path: ops.yaml\n",
            &[(
                "ops.yaml",
                "- op: add\n  path: /spec/template/spec/containers/0/args\n  value: [\"--flag\"]\n- op: remove\n  path: /spec/strategy\n",
            )],
        ),
        (
            "json6902-json-file",
            "patches:\n- target:\n    kind: Service\n  path: ops.json\n",
            &[(
                "ops.json",
                "[{\"op\": \"add\", \"path\": \"/metadata/annotations\", \"value\": {\"a\": \"b\"}}]\n",
            )],
        ),
        (
            "json6902-name-regex",
            "patches:\n- target:\n    kind: ConfigMap\n    name: \"pl.*\"\n  patch: |-\n    - op: add\n      path: /data/extra\n      value: \"1\"\n",
            &[],
        ),
        (
            "json6902-namespace-target",
            "patches:\n- target:\n    kind: ConfigMap\n    namespace: default\n  patch: |-\n    - op: add\n      path: /data/ns\n      value: default\n",
            &[],
        ),
        (
            "json6902-test-op",
            "patches:\n- target:\n    kind: ConfigMap\n    name: plain\n  patch: |-\n    - op: test\n      path: /data/key\n      value: value\n    - op: copy\n      from: /data/key\n      path: /data/copy\n    - op: move\n      from: /data/copy\n      path: /data/moved\n",
            &[],
        ),
        (
            "patches-json6902-legacy",
            "patchesJson6902:\n- target:\n    group: apps\n    version: v1\n    kind: Deployment\n    name: web\n  path: ops.yaml\n",
            &[("ops.yaml", "- op: replace\n  path: /spec/replicas\n  value: 4\n")],
        ),
        (
            "patches-strategic-merge-legacy-file",
            "patchesStrategicMerge:\n- p.yaml\n",
            &[(
                "p.yaml",
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n",
            )],
        ),
        (
            "patches-strategic-merge-legacy-inline",
            "patchesStrategicMerge:\n- |-\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: plain\n  data:\n    more: data\n",
            &[],
        ),
        (
            "patches-strategic-merge-multi-doc",
            "patchesStrategicMerge:\n- p.yaml\n",
            &[(
                "p.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  a: \"1\"\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  sessionAffinity: ClientIP\n",
            )],
        ),
        (
            "patch-allow-name-change",
            "patches:\n- target:\n    kind: ConfigMap\n    name: plain\n  options:\n    allowNameChange: true\n  patch: |-\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: renamed\n",
            &[],
        ),
        (
            "patch-then-prefix",
            "namePrefix: x-\npatches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      template:\n        spec:\n          serviceAccountName: runner\n",
            &[],
        ),
        (
            "smp-retain-keys",
            "patches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      strategy:\n        $retainKeys: [type]\n        type: Recreate\n",
            &[],
        ),
        (
            "smp-env-from-and-tolerations",
            "patches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      template:\n        spec:\n          tolerations:\n          - key: only\n            operator: Exists\n          containers:\n          - name: web\n            args: [\"--new\"]\n",
            &[],
        ),
        (
            "smp-statefulset-claims",
            "patches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: StatefulSet\n    metadata:\n      name: db\n    spec:\n      volumeClaimTemplates:\n      - metadata:\n          name: data\n        spec:\n          resources:\n            requests:\n              storage: 5Gi\n",
            &[],
        ),
    ];
    for (name, body, extra) in ps {
        v.push(with_base(name, &k(body), extra));
    }
}

fn interactions(v: &mut Vec<Case>) {
    // Three overlay levels, each with prefix/suffix, labels, generator and patch.
    let three_deep: Vec<(String, String)> = {
        let mut f: Vec<(String, String)> = objects::BASE
            .iter()
            .map(|(p, c)| (format!("base/{p}"), (*c).to_string()))
            .collect();
        f.push((
            "base/kustomization.yaml".into(),
            format!("{ALL_RESOURCES}configMapGenerator:\n- name: app-config\n  literals: [level=base]\n"),
        ));
        f.push(("mid/kustomization.yaml".into(), "resources: [../base]\nnamePrefix: mid-\ncommonLabels:\n  level: mid\npatches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      replicas: 2\nconfigMapGenerator:\n- name: app-config\n  behavior: merge\n  literals: [mid=yes]\n".into()));
        f.push(("top/kustomization.yaml".into(), "resources: [../mid]\nnamespace: top\nnameSuffix: -v1\ncommonAnnotations:\n  top: \"true\"\nimages:\n- name: nginx\n  newTag: top\nsecretGenerator:\n- name: app-secret\n  literals: [s=1]\n".into()));
        f.push(("prod/kustomization.yaml".into(), "resources: [../top]\nnamePrefix: prod-\nreplicas:\n- name: web\n  count: 10\npatches:\n- target:\n    kind: Deployment\n  patch: |-\n    - op: add\n      path: /metadata/annotations/prod\n      value: \"1\"\n".into()));
        f
    };
    for (name, dir) in [
        ("overlay-1-deep", "mid"),
        ("overlay-2-deep", "top"),
        ("overlay-3-deep", "prod"),
    ] {
        v.push(Case {
            name: name.into(),
            files: three_deep.clone(),
            dir: dir.into(),
            error_mentions: Vec::new(),
        });
    }
    // Components.
    let comp_files = |kust: &str| -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = objects::BASE
            .iter()
            .map(|(p, c)| ((*p).to_string(), (*c).to_string()))
            .collect();
        f.push(("kustomization.yaml".into(), kust.to_string()));
        f.push(("comp/kustomization.yaml".into(), "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [extra.yaml]\ncommonLabels:\n  component: \"on\"\npatches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      template:\n        spec:\n          containers:\n          - name: web\n            env:\n            - name: FROM_COMPONENT\n              value: \"1\"\nconfigMapGenerator:\n- name: comp-config\n  literals: [c=1]\n".into()));
        f.push((
            "comp/extra.yaml".into(),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  x: y\n".into(),
        ));
        f.push(("comp2/kustomization.yaml".into(), "kind: Component\nreplacements:\n- source:\n    kind: ConfigMap\n    name: plain\n    fieldPath: data.key\n  targets:\n  - select:\n      kind: Deployment\n    fieldPaths:\n    - spec.template.metadata.annotations.copied\n    options:\n      create: true\n".into()));
        f
    };
    for (name, kust) in [
        ("component-basic", format!("{ALL_RESOURCES}components: [comp]\n")),
        (
            "component-with-prefix",
            format!("{ALL_RESOURCES}components: [comp]\nnamePrefix: c-\nnamespace: cns\n"),
        ),
        (
            "component-replacement",
            format!("{ALL_RESOURCES}components: [comp, comp2]\n"),
        ),
        (
            "component-order-matters",
            format!("{ALL_RESOURCES}components: [comp2, comp]\n"),
        ),
    ] {
        v.push(Case {
            name: name.into(),
            files: comp_files(&kust),
            dir: ".".into(),
            error_mentions: Vec::new(),
        });
    }
    // Replacements.
    let reps: &[(&str, &str)] = &[
        (
            "replacement-basic",
            "replacements:\n- source:\n    kind: Service\n    name: web\n    fieldPath: spec.ports.0.port\n  targets:\n  - select:\n      kind: ConfigMap\n      name: plain\n    fieldPaths:\n    - data.key\n",
        ),
        (
            "replacement-list-selector",
            "replacements:\n- source:\n    kind: ConfigMap\n    name: plain\n    fieldPath: data.key\n  targets:\n  - select:\n      kind: Deployment\n    fieldPaths:\n    - spec.template.spec.containers.[name=web].env.[name=MODE].value\n",
        ),
        (
            "replacement-delimiter",
            "replacements:\n- source:\n    kind: Deployment\n    name: web\n    fieldPath: spec.template.spec.containers.[name=web].image\n    options:\n      delimiter: ':'\n      index: 1\n  targets:\n  - select:\n      kind: ConfigMap\n    reject:\n    - name: other\n    fieldPaths:\n    - data.tag\n    options:\n      create: true\n",
        ),
        (
            "replacement-target-delimiter",
            "replacements:\n- source:\n    kind: ConfigMap\n    name: plain\n    fieldPath: data.key\n  targets:\n  - select:\n      kind: Deployment\n    fieldPaths:\n    - spec.template.spec.containers.[name=web].image\n    options:\n      delimiter: ':'\n      index: 1\n",
        ),
        (
            "replacement-name-after-prefix",
            "namePrefix: r-\nreplacements:\n- source:\n    kind: Service\n    name: r-web\n  targets:\n  - select:\n      kind: ConfigMap\n      name: r-plain\n    fieldPaths:\n    - data.service\n    options:\n      create: true\n",
        ),
        ("replacement-from-file", "replacements:\n- path: rep.yaml\n"),
    ];
    for (name, body) in reps {
        v.push(with_base(
            name,
            &k(body),
            &[("rep.yaml", "source:\n  kind: ConfigMap\n  name: plain\n  fieldPath: metadata.name\ntargets:\n- select:\n    kind: Service\n  fieldPaths:\n  - metadata.annotations.cm\n  options:\n    create: true\n")],
        ));
    }
    // Name references across kinds with a prefix and a namespace.
    let nr: &[(&str, &str)] = &[
        ("nameref-prefix", "namePrefix: nr-\n"),
        ("nameref-suffix-namespace", "nameSuffix: -x\nnamespace: nrns\n"),
        (
            "nameref-generators-and-prefix",
            "namePrefix: g-\nconfigMapGenerator:\n- name: app-config\n  literals: [a=b]\nsecretGenerator:\n- name: app-secret\n  literals: [a=b]\n- name: tls-secret\n  literals: [a=b]\n",
        ),
    ];
    for (name, body) in nr {
        v.push(with_base(
            name,
            &format!("resources: [deploy.yaml, svc.yaml, ingress.yaml, rbac.yaml, refs.yaml, workloads.yaml]\n{body}"),
            &[("refs.yaml", objects::REFERRALS)],
        ));
    }
    // A base used twice with different prefixes.
    let mut f: Vec<(String, String)> = vec![
        (
            "base/kustomization.yaml".into(),
            "resources: [cm.yaml, deploy.yaml]\nconfigMapGenerator:\n- name: app-config\n  literals: [a=b]\n".into(),
        ),
        ("base/cm.yaml".into(), objects::CM.into()),
        ("base/deploy.yaml".into(), objects::DEPLOY.into()),
        (
            "a/kustomization.yaml".into(),
            "resources: [../base]\nnamePrefix: a-\n".into(),
        ),
        (
            "b/kustomization.yaml".into(),
            "resources: [../base]\nnamePrefix: b-\n".into(),
        ),
        ("kustomization.yaml".into(), "resources: [a, b]\n".into()),
    ];
    v.push(Case {
        name: "same-base-two-prefixes".into(),
        files: f.clone(),
        dir: ".".into(),
        error_mentions: Vec::new(),
    });
    f.push((
        "kustomization.yaml".into(),
        "resources: [a, b]\nnamespace: both\ncommonLabels:\n  x: y\n".into(),
    ));
    v.push(Case {
        name: "same-base-two-prefixes-yaml11-bool-label".into(),
        files: f.clone(),
        dir: ".".into(),
        error_mentions: Vec::new(),
    });
    f.push((
        "kustomization.yaml".into(),
        "resources: [a, b]\nnamespace: both\ncommonLabels:\n  x: \"y\"\n".into(),
    ));
    v.push(Case {
        name: "same-base-two-prefixes-namespaced".into(),
        files: f,
        dir: ".".into(),
        error_mentions: Vec::new(),
    });
}

fn scalars(v: &mut Vec<Case>) {
    for (i, chunk) in objects::SCALARS.iter().enumerate() {
        v.push(case(
            &format!("yaml-scalars-{i}"),
            &[("kustomization.yaml", "resources: [s.yaml]\n"), ("s.yaml", chunk)],
        ));
    }
}

fn errors(v: &mut Vec<Case>) {
    v.push(bad(
        "missing-resource-file",
        &[("kustomization.yaml", "resources: [nope.yaml]\n")],
        &["nope.yaml"],
    ));
    v.push(bad(
        "missing-resource-dir",
        &[("kustomization.yaml", "resources: [nodir/]\n")],
        &["nodir"],
    ));
    v.push(bad(
        "dir-without-kustomization",
        &[("kustomization.yaml", "resources: [empty]\n"), ("empty/x.txt", "x")],
        &["empty"],
    ));
    v.push(bad(
        "unknown-field",
        &[("kustomization.yaml", "resources: []\nnotAField: 1\n")],
        &["notAField"],
    ));
    v.push(bad(
        "invalid-yaml-kustomization",
        &[("kustomization.yaml", "resources: [a\n")],
        &["kustomization.yaml"],
    ));
    v.push(bad(
        "invalid-yaml-resource",
        &[
            ("kustomization.yaml", "resources: [r.yaml]\n"),
            ("r.yaml", "a: b\n c: d\n- e\n"),
        ],
        &["r.yaml"],
    ));
    v.push(bad(
        "duplicate-ids",
        &[
            ("kustomization.yaml", "resources: [a.yaml, b.yaml]\n"),
            ("a.yaml", objects::CM),
            ("b.yaml", objects::CM),
        ],
        &["b.yaml"],
    ));
    v.push(bad(
        "resource-cycle",
        &[
            ("kustomization.yaml", "resources: [a]\n"),
            ("a/kustomization.yaml", "resources: [../b]\n"),
            ("b/kustomization.yaml", "resources: [../a]\n"),
        ],
        &["cycle"],
    ));
    v.push(bad("smp-target-missing", &[("kustomization.yaml", "resources: [cm.yaml]\npatches:\n- patch: |-\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: missing\n    data:\n      a: b\n"), ("cm.yaml", objects::CM)], &["patches"]));
    v.push(bad(
        "psm-target-missing",
        &[
            (
                "kustomization.yaml",
                "resources: [cm.yaml]\npatchesStrategicMerge:\n- p.yaml\n",
            ),
            ("cm.yaml", objects::CM),
            ("p.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: none\n"),
        ],
        &["p.yaml"],
    ));
    v.push(bad(
        "remote-resource",
        &[(
            "kustomization.yaml",
            "resources:\n- https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.5.0\n",
        )],
        &["https://github.com"],
    ));
    v.push(bad(
        "helm-charts",
        &[(
            "kustomization.yaml",
            "helmCharts:\n- name: x\n  repo: https://example.com\n",
        )],
        &["helmCharts"],
    ));
    v.push(bad(
        "missing-patch-file",
        &[
            (
                "kustomization.yaml",
                "resources: [cm.yaml]\npatches:\n- path: nope.yaml\n",
            ),
            ("cm.yaml", objects::CM),
        ],
        &["nope.yaml"],
    ));
    v.push(bad(
        "missing-generator-file",
        &[(
            "kustomization.yaml",
            "configMapGenerator:\n- name: x\n  files: [nope.txt]\n",
        )],
        &["nope.txt"],
    ));
    v.push(bad(
        "bad-literal",
        &[(
            "kustomization.yaml",
            "configMapGenerator:\n- name: x\n  literals: [novalue]\n",
        )],
        &["novalue"],
    ));
    v.push(bad(
        "generator-merge-without-base",
        &[(
            "kustomization.yaml",
            "configMapGenerator:\n- name: x\n  behavior: merge\n  literals: [a=b]\n",
        )],
        &["configMapGenerator"],
    ));
    v.push(bad(
        "duplicate-generated",
        &[
            (
                "kustomization.yaml",
                "resources: [cm.yaml]\nconfigMapGenerator:\n- name: plain\n  literals: [a=b]\n",
            ),
            ("cm.yaml", objects::CM),
        ],
        &["plain"],
    ));
    v.push(bad(
        "component-as-resource",
        &[
            ("kustomization.yaml", "resources: [c]\n"),
            ("c/kustomization.yaml", "kind: Component\n"),
        ],
        &["c"],
    ));
    v.push(bad(
        "kustomization-as-component",
        &[
            ("kustomization.yaml", "components: [c]\n"),
            ("c/kustomization.yaml", "resources: []\n"),
        ],
        &["c"],
    ));
    v.push(bad(
        "resource-without-name",
        &[
            ("kustomization.yaml", "resources: [r.yaml]\n"),
            ("r.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n"),
        ],
        &["r.yaml"],
    ));
    v.push(bad(
        "duplicate-keys-in-resource",
        &[
            ("kustomization.yaml", "resources: [r.yaml]\n"),
            (
                "r.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n",
            ),
        ],
        &["r.yaml"],
    ));
    v.push(bad(
        "replacement-source-missing",
        &[
            (
                "kustomization.yaml",
                "resources: [cm.yaml]\nreplacements:\n- source:\n    kind: Secret\n    name: none\n  targets: []\n",
            ),
            ("cm.yaml", objects::CM),
        ],
        &["replacements"],
    ));
    v.push(bad(
        "label-value-number",
        &[
            (
                "kustomization.yaml",
                "resources: [cm.yaml]\ncommonLabels:\n  version: 1\n",
            ),
            ("cm.yaml", objects::CM),
        ],
        &["commonLabels"],
    ));
    v.push(bad(
        "image-tag-number",
        &[
            (
                "kustomization.yaml",
                "resources: [cm.yaml]\nimages:\n- name: nginx\n  newTag: 1.25\n",
            ),
            ("cm.yaml", objects::CM),
        ],
        &["images"],
    ));
    v.push(bad("json-patch-bad-path", &[("kustomization.yaml", "resources: [cm.yaml]\npatches:\n- target:\n    kind: ConfigMap\n  patch: |-\n    - op: remove\n      path: /data/nothing/here\n"), ("cm.yaml", objects::CM)], &["patches"]));
}
