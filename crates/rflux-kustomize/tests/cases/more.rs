//! Further cases: overlays patching renamed base objects, namespaces and subjects,
//! components with generators, label field specs, and more bad input.

use super::{Case, bad, case, objects};

fn dirs(name: &str, dir: &str, files: &[(&str, &str)]) -> Case {
    let mut c = case(name, files);
    c.dir = dir.to_string();
    c
}

const BASE_K: &str = "resources: [deploy.yaml, svc.yaml, rbac.yaml, cm.yaml]\n";

fn base_files(kust: &str) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = objects::BASE
        .iter()
        .map(|(p, c)| (format!("base/{p}"), (*c).to_string()))
        .collect();
    f.push(("base/kustomization.yaml".into(), kust.to_string()));
    f
}

fn overlay(name: &str, base_kust: &str, overlay_kust: &str, extra: &[(&str, &str)]) -> Case {
    let mut files = base_files(base_kust);
    files.push(("overlay/kustomization.yaml".into(), overlay_kust.to_string()));
    for (p, c) in extra {
        files.push(((*p).to_string(), (*c).to_string()));
    }
    Case {
        name: name.to_string(),
        files,
        dir: "overlay".into(),
        error_mentions: Vec::new(),
    }
}

pub fn all(v: &mut Vec<Case>) {
    let patch_web = "patches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      replicas: 3\n";
    v.push(overlay(
        "overlay-patch-prefixed-base-by-original-name",
        &format!("{BASE_K}namePrefix: b-\n"),
        &format!("resources: [../base]\n{patch_web}"),
        &[],
    ));
    v.push(overlay(
        "overlay-patch-prefixed-base-by-new-name",
        &format!("{BASE_K}namePrefix: b-\n"),
        &format!(
            "resources: [../base]\n{}",
            patch_web.replace("name: web", "name: b-web")
        ),
        &[],
    ));
    v.push(overlay(
        "overlay-patch-namespaced-base-without-namespace",
        &format!("{BASE_K}namespace: basens\n"),
        &format!("resources: [../base]\n{patch_web}"),
        &[],
    ));
    v.push(overlay(
        "overlay-patch-namespaced-base-with-namespace",
        &format!("{BASE_K}namespace: basens\n"),
        &format!(
            "resources: [../base]\n{}",
            patch_web.replace("name: web\n", "name: web\n      namespace: basens\n")
        ),
        &[],
    ));
    v.push(overlay(
        "overlay-changes-namespace",
        &format!("{BASE_K}namespace: basens\n"),
        "resources: [../base]\nnamespace: newns\n",
        &[],
    ));
    v.push(overlay("overlay-generator-referenced-by-base", BASE_K, "resources: [../base]\nnamePrefix: o-\nconfigMapGenerator:\n- name: app-config\n  literals: [x=y]\nsecretGenerator:\n- name: app-secret\n  literals: [c=d]\n", &[]));
    v.push(overlay("overlay-generator-merge-namespaced", &format!("{BASE_K}namespace: basens\nconfigMapGenerator:\n- name: app-config\n  literals: [a=1]\n"), "resources: [../base]\nconfigMapGenerator:\n- name: app-config\n  namespace: basens\n  behavior: merge\n  literals: [b=2]\n", &[]));
    v.push(overlay("overlay-json-patch-prefixed", &format!("{BASE_K}namePrefix: b-\n"), "resources: [../base]\npatches:\n- target:\n    kind: Deployment\n    name: web\n  patch: |-\n    - op: add\n      path: /metadata/annotations/x~1y\n      value: z\n", &[]));
    v.push(overlay("overlay-json-patch-by-new-name", &format!("{BASE_K}namePrefix: b-\n"), "resources: [../base]\npatches:\n- target:\n    kind: Deployment\n    name: b-web\n  patch: |-\n    - op: add\n      path: /metadata/annotations/hit\n      value: \"1\"\n", &[]));
    v.push(overlay(
        "overlay-replicas-original-name",
        &format!("{BASE_K}namePrefix: b-\n"),
        "resources: [../base]\nreplicas:\n- name: web\n  count: 4\n",
        &[],
    ));
    v.push(overlay(
        "overlay-replicas-new-name",
        &format!("{BASE_K}namePrefix: b-\n"),
        "resources: [../base]\nreplicas:\n- name: b-web\n  count: 4\n",
        &[],
    ));
    v.push(overlay(
        "overlay-labels-over-base-labels",
        &format!("{BASE_K}commonLabels:\n  app: base\n"),
        "resources: [../base]\ncommonLabels:\n  app: overlay\n  env: dev\n",
        &[],
    ));
    v.push(overlay(
        "overlay-with-extra-resource",
        BASE_K,
        "resources:\n- ../base\n- extra.yaml\nnamePrefix: o-\n",
        &[("overlay/extra.yaml", objects::REFERRALS)],
    ));
    v.push(overlay(
        "overlay-images-after-base-images",
        &format!("{BASE_K}images:\n- name: nginx\n  newName: base/nginx\n"),
        "resources: [../base]\nimages:\n- name: base/nginx\n  newTag: final\n",
        &[],
    ));
    v.push(overlay("overlay-component-generator-merge", &format!("{BASE_K}configMapGenerator:\n- name: app-config\n  literals: [a=1]\n"), "resources: [../base]\ncomponents: [../comp]\n", &[("comp/kustomization.yaml", "kind: Component\nconfigMapGenerator:\n- name: app-config\n  behavior: merge\n  literals: [fromcomp=\"1\"]\n")]));
    v.push(overlay("overlay-delete-base-object", BASE_K, "resources: [../base]\npatches:\n- patch: |-\n    $patch: delete\n    apiVersion: v1\n    kind: Service\n    metadata:\n      name: web\n", &[]));
    v.push(overlay(
        "overlay-suffix-and-hash",
        &format!("{BASE_K}configMapGenerator:\n- name: app-config\n  literals: [a=1]\n"),
        "resources: [../base]\nnameSuffix: -dev\n",
        &[],
    ));
    v.push(case(
        "empty-kustomization",
        &[(
            "kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
        )],
    ));
    v.push(case(
        "same-name-different-namespaces",
        &[
            ("kustomization.yaml", "resources: [a.yaml]\n"),
            ("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: b\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"),
        ],
    ));
    v.push(case(
        "null-label-maps",
        &[
            ("kustomization.yaml", "resources: [a.yaml]\ncommonLabels:\n  a: b\ncommonAnnotations:\n  c: d\n"),
            ("a.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  labels:\n  annotations:\nspec:\n  selector:\n  template:\n    metadata:\n    spec:\n      containers: []\n"),
        ],
    ));
    v.push(case(
        "ingress-v1beta1-and-webhooks",
        &[
            ("kustomization.yaml", "resources: [a.yaml]\nnamePrefix: p-\nnamespace: n1\n"),
            ("a.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n---\napiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata:\n  name: ing\nspec:\n  backend:\n    serviceName: svc\n    servicePort: 80\n  rules:\n  - http:\n      paths:\n      - backend:\n          serviceName: svc\n          servicePort: 80\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: hook\nwebhooks:\n- name: a.example.com\n  clientConfig:\n    service:\n      name: svc\n      namespace: n0\n---\napiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata:\n  name: v1.example.com\nspec:\n  service:\n    name: svc\n    namespace: n0\n"),
        ],
    ));
    v.push(case(
        "subjects-in-other-namespace",
        &[
            ("kustomization.yaml", "resources: [a.yaml]\nnamespace: mine\nnamePrefix: p-\n"),
            ("a.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: crb\nsubjects:\n- kind: ServiceAccount\n  name: sa\n  namespace: elsewhere\n- kind: ServiceAccount\n  name: sa\n- kind: Group\n  name: sa\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cr\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: cr\n"),
        ],
    ));
    v.push(case(
        "labels-custom-fields",
        &[
            ("kustomization.yaml", "resources: [custom.yaml]\nlabels:\n- pairs:\n    team: x\n  fields:\n  - path: spec/template/metadata/labels\n    kind: Widget\n    create: true\n"),
            ("custom.yaml", objects::CUSTOM),
        ],
    ));
    v.push(case(
        "patch-list-replace",
        &[
            ("kustomization.yaml", "resources: [deploy.yaml]\npatches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      template:\n        spec:\n          containers:\n          - $patch: replace\n          - name: only\n            image: only:1\n"),
            ("deploy.yaml", objects::DEPLOY),
        ],
    ));
    v.push(case(
        "patch-finalizers-and-args",
        &[
            ("kustomization.yaml", "resources: [deploy.yaml]\npatches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n      finalizers: [b]\n    spec:\n      template:\n        spec:\n          initContainers:\n          - name: init\n            command: [\"new\"]\n"),
            ("deploy.yaml", &objects::DEPLOY.replace("  name: web\n  labels:", "  name: web\n  finalizers: [a]\n  labels:")),
        ],
    ));
    v.push(case(
        "patch-multiple-targets-labelselector",
        &[
            ("kustomization.yaml", "resources: [w.yaml]\npatches:\n- target:\n    kind: Deployment|StatefulSet\n    labelSelector: tier notin (db),!skip\n  patch: |-\n    - op: add\n      path: /metadata/labels/patched\n      value: \"true\"\n"),
            ("w.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  labels: {tier: web}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: b\n  labels: {tier: db}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: c\n  labels: {tier: web, skip: \"1\"}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: d\n"),
        ],
    ));
    v.push(case(
        "resource-in-subdirectory-file",
        &[
            (
                "app/kustomization.yaml",
                "resources: [../shared/cm.yaml, ./local/svc.yaml]\n",
            ),
            ("shared/cm.yaml", objects::CM),
            ("app/local/svc.yaml", objects::SVC),
        ],
    ));
    if let Some(c) = v.last_mut() {
        c.dir = "app".into();
    }
    v.push(dirs(
        "deep-tree-of-kustomizations",
        "top",
        &[
            ("top/kustomization.yaml", "resources: [../a, ../b]\nnamePrefix: top-\n"),
            ("a/kustomization.yaml", "resources: [../c]\nnamePrefix: a-\n"),
            ("b/kustomization.yaml", "resources: [cm.yaml]\nnameSuffix: -b\n"),
            ("b/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bcm\n"),
            (
                "c/kustomization.yaml",
                "resources: [cm.yaml]\nconfigMapGenerator:\n- name: gen\n  literals: [k=v]\n",
            ),
            ("c/cm.yaml", objects::CM),
        ],
    ));
    v.push(case(
        "secret-string-data-hash",
        &[(
            "kustomization.yaml",
            "secretGenerator:\n- name: s\n  literals:\n  - a=<b>&c\n  - unicode=héllo\n  - multi=line1\\nline2\n",
        )],
    ));
    v.push(case(
        "configmap-long-literal",
        &[("kustomization.yaml", "configMapGenerator:\n- name: long\n  literals:\n  - key=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbb cccccccccccccc\n")],
    ));
    v.push(bad(
        "unknown-field-in-generator",
        &[(
            "kustomization.yaml",
            "configMapGenerator:\n- name: x\n  literal: [a=b]\n",
        )],
        &["configMapGenerator"],
    ));
    v.push(bad(
        "patch-both-path-and-patch",
        &[
            (
                "kustomization.yaml",
                "resources: [cm.yaml]\npatches:\n- path: p.yaml\n  patch: |-\n    kind: ConfigMap\n",
            ),
            ("cm.yaml", objects::CM),
            ("p.yaml", objects::CM),
        ],
        &["patches"],
    ));
    v.push(bad(
        "duplicate-resource-entry",
        &[
            ("kustomization.yaml", "resources: [cm.yaml, cm.yaml]\n"),
            ("cm.yaml", objects::CM),
        ],
        &["cm.yaml"],
    ));
    v.push(case(
        "unknown-behavior-is-create",
        &[(
            "kustomization.yaml",
            "configMapGenerator:\n- name: x\n  behavior: upsert\n  literals: [a=b]\n",
        )],
    ));
    v.push(bad(
        "bad-sort-order",
        &[("kustomization.yaml", "sortOptions:\n  order: random\n")],
        &["sortOptions"],
    ));
    v.push(bad(
        "missing-component-dir",
        &[("kustomization.yaml", "components: [nope]\n")],
        &["nope"],
    ));
    v.push(bad(
        "invalid-yaml-patch-file",
        &[
            ("kustomization.yaml", "resources: [cm.yaml]\npatches:\n- path: p.yaml\n"),
            ("cm.yaml", objects::CM),
            ("p.yaml", "a: [\n"),
        ],
        &["p.yaml"],
    ));
    v.push(bad(
        "yaml11-bool-namespace",
        &[("kustomization.yaml", "namespace: yes\n")],
        &["namespace"],
    ));
    v.push(case(
        "env-file-odd-key",
        &[
            (
                "kustomization.yaml",
                "configMapGenerator:\n- name: x\n  envs: [e.env]\n",
            ),
            ("e.env", "1BAD=x\n"),
        ],
    ));
    v.push(case(
        "crlf-and-bom",
        &[
            ("kustomization.yaml", "\u{feff}resources:\r\n- r.yaml\r\nnamespace: crlf\r\n"),
            ("r.yaml", "\u{feff}apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\ndata:\r\n  a: |\r\n    line1\r\n    line2\r\n  b: plain\r\n"),
        ],
    ));
    let long = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: long\n  annotations:\n    {}: v\ndata:\n  k: {}\n",
        "k".repeat(140),
        "x".repeat(300)
    );
    v.push(case(
        "long-keys-and-values",
        &[("kustomization.yaml", "resources: [r.yaml]\n"), ("r.yaml", &long)],
    ));
    v.push(bad(
        "infinity-in-resource",
        &[
            ("kustomization.yaml", "resources: [r.yaml]\n"),
            (
                "r.yaml",
                "apiVersion: v1\nkind: X\nmetadata:\n  name: x\nspec:\n  v: .inf\n",
            ),
        ],
        &["r.yaml"],
    ));
    v.push(case(
        "nameref-default-config-extras",
        &[
            ("kustomization.yaml", "resources: [r.yaml]\nnamePrefix: p-\nnamespace: ns\n"),
            ("r.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: sec\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\nrules:\n- apiGroups: [\"\"]\n  resources: [configmaps, secrets]\n  resourceNames: [cfg, sec, other]\n  verbs: [get]\n---\napiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: ic\nspec:\n  controller: x\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ing\n  annotations:\n    nginx.ingress.kubernetes.io/auth-secret: sec\n    nginx.ingress.kubernetes.io/fastcgi-params-configmap: cfg\nspec:\n  ingressClassName: ic\n---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: sc\nprovisioner: x\nparameters:\n  secretName: sec\n---\napiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: rc\nspec:\n  template:\n    spec:\n      serviceAccountName: sa\n      volumes:\n      - name: c\n        configMap:\n          name: cfg\n---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: rs\nspec:\n  template:\n    spec:\n      serviceAccountName: sa\n      volumes:\n      - name: c\n        configMap:\n          name: cfg\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: pod\nspec:\n  serviceAccountName: sa\n  serviceAccount: sa\n  containers:\n  - name: c\n    image: x\n    envFrom:\n    - secretRef:\n        name: sec\n"),
        ],
    ));
    v.push(case(
        "vars-default-fields",
        &[
            ("kustomization.yaml", "resources: [r.yaml]\nnamePrefix: v-\nvars:\n- name: PORT\n  objref: {kind: Service, name: db, apiVersion: v1}\n  fieldref: {fieldPath: spec.ports[0].port}\n- name: DB\n  objref: {kind: Service, name: db, apiVersion: v1}\n- name: HOST\n  objref: {kind: ConfigMap, name: cfg, apiVersion: v1}\n  fieldref: {fieldPath: data.host}\n"),
            ("r.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  ports:\n  - port: 5432\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  host: example.com\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: proxy\n  labels:\n    target: $(DB)\n  annotations:\n    port: $(PORT)\nspec:\n  ports:\n  - port: 80\n    targetPort: $(PORT)\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ing\nspec:\n  tls:\n  - hosts: [$(HOST)]\n  rules:\n  - host: www.$(HOST)\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: cj\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: c\n            image: x\n            args: [\"--db=$(DB):$(PORT)\", \"$(PORT)\"]\n            volumeMounts:\n            - name: v\n              mountPath: /data/$(DB)\n"),
        ],
    ));
    v.push(case(
        "namespace-service-references",
        &[
            ("kustomization.yaml", "namespace: newns\nresources: [r.yaml]\n"),
            ("r.yaml", "apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: {name: v1.local}\nspec:\n  group: local\n---\napiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: {name: v1.svc}\nspec:\n  service: {name: s}\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: ws.example.com}\nspec:\n  conversion:\n    strategy: Webhook\n    webhook:\n      clientConfig:\n        service: {name: conv, namespace: old}\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: xs.example.com}\nspec:\n  conversion:\n    strategy: Webhook\n    webhook:\n      clientConfig:\n        service: {name: conv}\n"),
        ],
    ));
    let hr = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\nspec:\n  interval: 5m\n  chart:\n    spec:\n      chart: podinfo\n  valuesFrom:\n  - kind: ConfigMap\n    name: podinfo-values\n  - kind: Secret\n    name: podinfo-secret\n    valuesKey: v\n  template:\n    metadata:\n      labels: {}\n";
    v.push(case(
        "configurations-flux-values-from",
        &[
            ("kustomization.yaml", "namespace: apps\nresources: [hr.yaml]\nconfigMapGenerator:\n- name: podinfo-values\n  files: [values.yaml=values.yaml]\nsecretGenerator:\n- name: podinfo-secret\n  literals: [v=secret]\nconfigurations: [kustomizeconfig.yaml]\n"),
            ("hr.yaml", hr),
            ("values.yaml", "replicaCount: 2\n"),
            ("kustomizeconfig.yaml", "nameReference:\n- kind: ConfigMap\n  version: v1\n  fieldSpecs:\n  - path: spec/valuesFrom/name\n    kind: HelmRelease\n- kind: Secret\n  version: v1\n  fieldSpecs:\n  - path: spec/valuesFrom/name\n    kind: HelmRelease\n"),
        ],
    ));
    v.push(case(
        "configurations-in-base-used-by-overlay",
        &[
            ("base/kustomization.yaml", "resources: [hr.yaml]\nconfigurations: [cfg.yaml]\n"),
            ("base/hr.yaml", hr),
            ("base/cfg.yaml", "nameReference:\n- kind: ConfigMap\n  fieldSpecs:\n  - path: spec/valuesFrom[]/name\n    kind: HelmRelease\ncommonLabels:\n- path: spec/template/metadata/labels\n  kind: HelmRelease\n  create: true\ncommonAnnotations:\n- path: spec/chart/metadata/annotations\n  kind: HelmRelease\n  create: true\n"),
            ("overlay/kustomization.yaml", "resources: [../base]\nnamePrefix: o-\ncommonLabels:\n  env: prod\ncommonAnnotations:\n  team: t\nconfigMapGenerator:\n- name: podinfo-values\n  literals: [x=y]\n"),
        ],
    ));
    if let Some(c) = v.last_mut() {
        c.dir = "overlay".into();
    }
    v.push(case(
        "configurations-var-reference",
        &[
            ("kustomization.yaml", "resources: [r.yaml]\nconfigurations: [cfg.yaml]\nvars:\n- name: NS\n  objref: {kind: ConfigMap, name: c, apiVersion: v1}\n  fieldref: {fieldPath: data.ns}\n"),
            ("r.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  ns: prod\n---\napiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  target: ns-$(NS)\n"),
            ("cfg.yaml", "varReference:\n- path: spec/target\n  kind: Thing\n"),
        ],
    ));
    let tr: &[(&str, &str)] = &[
        (
            "transformer-labels",
            "apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: l\nlabels:\n  team: t\nfieldSpecs:\n- path: metadata/labels\n  create: true\n- path: spec/template/metadata/labels\n  kind: Deployment\n  create: true\n",
        ),
        (
            "transformer-annotations",
            "apiVersion: builtin\nkind: AnnotationsTransformer\nmetadata:\n  name: a\nannotations:\n  note: x\nfieldSpecs:\n- path: metadata/annotations\n  create: true\n",
        ),
        (
            "transformer-prefix-suffix",
            "apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata:\n  name: p\nprefix: pre-\nsuffix: -suf\nfieldSpecs:\n- path: metadata/name\n",
        ),
        (
            "transformer-namespace",
            "apiVersion: builtin\nkind: NamespaceTransformer\nmetadata:\n  name: n\n  namespace: tns\nfieldSpecs:\n- path: metadata/namespace\n  create: true\n",
        ),
        (
            "transformer-patch",
            "apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\ntarget:\n  kind: Deployment\npatch: |-\n  - op: replace\n    path: /spec/replicas\n    value: 6\n",
        ),
        (
            "transformer-images-replicas",
            "apiVersion: builtin\nkind: ImageTagTransformer\nmetadata:\n  name: i\nimageTag:\n  name: nginx\n  newTag: t2\n---\napiVersion: builtin\nkind: ReplicaCountTransformer\nmetadata:\n  name: r\nreplica:\n  name: web\n  count: 8\nfieldSpecs:\n- path: spec/replicas\n  kind: Deployment\n  create: true\n",
        ),
        (
            "transformer-smp-json",
            "apiVersion: builtin\nkind: PatchStrategicMergeTransformer\nmetadata:\n  name: s\npaths:\n- p.yaml\n---\napiVersion: builtin\nkind: PatchJson6902Transformer\nmetadata:\n  name: j\ntarget:\n  group: apps\n  version: v1\n  kind: Deployment\n  name: web\njsonOp: '[{\"op\": \"add\", \"path\": \"/metadata/annotations/j\", \"value\": \"1\"}]'\n",
        ),
        (
            "transformer-replacement",
            "apiVersion: builtin\nkind: ReplacementTransformer\nmetadata:\n  name: r\nreplacements:\n- source:\n    kind: Service\n    name: web\n  targets:\n  - select:\n      kind: ConfigMap\n    fieldPaths: [data.svc]\n    options:\n      create: true\n",
        ),
    ];
    for (name, config) in tr {
        let mut files: Vec<(&str, &str)> = objects::BASE.to_vec();
        files.push((
            "kustomization.yaml",
            "resources: [deploy.yaml, svc.yaml, cm.yaml]\nnamePrefix: k-\ntransformers: [t.yaml]\n",
        ));
        files.push(("t.yaml", config));
        files.push((
            "p.yaml",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n",
        ));
        v.push(case(name, &files));
    }
    v.push(case(
        "generator-plugins",
        &[
            ("kustomization.yaml", "generators: [g.yaml]\nnamespace: g\n"),
            ("g.yaml", "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: gcm\nliterals: [a=b]\n---\napiVersion: builtin\nkind: SecretGenerator\nmetadata:\n  name: gsec\n  namespace: other\nliterals: [c=d]\ntype: Opaque\n"),
        ],
    ));
    v.push(dirs(
        "build-metadata-origin",
        "ov",
        &[
            ("base/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"),
            ("base/kustomization.yaml", "resources: [cm.yaml]\nconfigMapGenerator:\n- name: g\n  literals: [a=b]\n"),
            ("ov/kustomization.yaml", "resources: [../base, s.yaml]\nbuildMetadata: [originAnnotations, managedByLabel]\nsecretGenerator:\n- name: s2\n  literals: [a=b]\nnamePrefix: p-\n"),
            ("ov/s.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n    keep: me\n"),
        ],
    ));
    let smp: &[(&str, &str)] = &[
        (
            "smp-env-delete-and-mounts",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        env:\n        - name: MODE\n          $patch: delete\n        volumeMounts:\n        - mountPath: /etc/config\n          readOnly: true\n        - mountPath: /new\n          name: extra\n        ports:\n        - containerPort: 80\n          protocol: TCP\n          name: renamed\n        - containerPort: 9090\n",
        ),
        (
            "smp-labels-and-annotations-maps",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    new: label\n  annotations:\n    team: null\n    other: x\nspec:\n  template:\n    metadata:\n      annotations:\n        restarted: now\n",
        ),
        (
            "smp-resources-and-probes",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        resources:\n          requests:\n            cpu: 10m\n            memory: 1Gi\n        livenessProbe:\n          httpGet:\n            path: /healthz\n            port: 80\n      - name: helper\n        image: busybox:2\n",
        ),
        (
            "smp-service-ports-protocol",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 53\n    protocol: UDP\n    name: dns\n  - port: 443\n    targetPort: 1443\n",
        ),
        (
            "smp-ingress-rules-replace-list",
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  rules:\n  - host: other.example.com\n  tls: []\n",
        ),
        (
            "smp-rbac-rules-list",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: reader\nrules:\n- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [get]\n",
        ),
        (
            "smp-tolerations-affinity",
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  template:\n    spec:\n      tolerations:\n      - key: a\n        operator: Exists\n      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - key: zone\n                operator: In\n                values: [a]\n",
        ),
    ];
    for (name, p) in smp {
        let kust = "resources: [deploy.yaml, svc.yaml, ingress.yaml, rbac.yaml, workloads.yaml]\npatches:\n- path: patch.yaml\n".to_string();
        let mut files: Vec<(&str, &str)> = objects::BASE.to_vec();
        files.push(("kustomization.yaml", &kust));
        files.push(("patch.yaml", p));
        v.push(case(name, &files));
    }
    let ports: &[(&str, &str, &str)] = &[
        (
            "a",
            "  - {name: http, port: 80, targetPort: 8080}\n",
            "  - {port: 80, protocol: UDP, name: dns}\n",
        ),
        (
            "c",
            "  - {name: http, port: 80, protocol: TCP}\n",
            "  - {port: 80, protocol: UDP, name: dns}\n",
        ),
        (
            "d",
            "  - {name: http, port: 80, protocol: TCP}\n",
            "  - {port: 80, protocol: TCP, name: renamed}\n",
        ),
        (
            "e",
            "  - {name: http, port: 80}\n  - {name: x, port: 81}\n",
            "  - {port: 82, protocol: TCP, name: new}\n",
        ),
        (
            "f",
            "  - {name: http, port: 80, protocol: TCP}\n  - {name: x, port: 81}\n",
            "  - {port: 82, name: new}\n  - {port: 80, protocol: TCP, targetPort: 1}\n",
        ),
        (
            "g",
            "  - {name: http, port: 80}\n  - {name: x, port: 81}\n",
            "  - {port: 82, name: new}\n",
        ),
        (
            "h",
            "  - {name: a, port: 80, protocol: TCP}\n  - {name: b, port: 80, protocol: UDP}\n",
            "  - {port: 80, protocol: UDP, $patch: delete}\n",
        ),
        (
            "i",
            "  - {name: a, port: 80, protocol: TCP}\n  - {name: b, port: 81}\n",
            "  - {port: 81, protocol: TCP, name: bb}\n  - {port: 90, protocol: TCP}\n  - {port: 91}\n",
        ),
    ];
    for (n, base, patch) in ports {
        let svc = format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n{base}");
        let p = format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n{patch}");
        v.push(case(
            &format!("smp-multi-key-ports-{n}"),
            &[
                (
                    "kustomization.yaml",
                    "resources: [svc.yaml]\npatches:\n- path: p.yaml\n",
                ),
                ("svc.yaml", &svc),
                ("p.yaml", &p),
            ],
        ));
    }
    v.push(bad(
        "replicas-without-workload",
        &[
            (
                "kustomization.yaml",
                "resources: [cm.yaml]\nreplicas:\n- name: plain\n  count: 2\n",
            ),
            ("cm.yaml", objects::CM),
        ],
        &["replicas"],
    ));
    v.push(case(
        "yaml-structure-styles",
        &[
            ("kustomization.yaml", "resources: [r.yaml]\n"),
            ("r.yaml", "---\napiVersion: v1   # comment\nkind: ConfigMap\nmetadata: {name: a,\n  labels: {x: \"1\"}}\ndata:\n  plainml: this is\n    a multi line\n    plain scalar\n  dq: \"first\n    second \\\n    third\\ttab \\x41 \\u00e9 \\\n    \"\n  sq: 'it''s\n    folded\n\n    para'\n  fold: >-\n    folded\n    more\n\n    last\n  keep: |+\n    text\n\n  ? explicit key\n  : explicit value\n  list: [a, b,\n    c]\n  nested: {a: [1, {b: 2}], c: d}\n  empty1:\n  anch: &A hello\n  ref: *A\n---   # separator comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata: !!map\n  x: !!str 0x10\n  y: !!binary aGVsbG8=\n"),
        ],
    ));
    for (n, sep) in [("content", "--- {}"), ("glued", "---x")] {
        let text = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n{sep}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n"
        );
        v.push(bad(
            &format!("bad-document-separator-{n}"),
            &[("kustomization.yaml", "resources: [r.yaml]\n"), ("r.yaml", &text)],
            &["r.yaml"],
        ));
    }
    v.push(bad(
        "yaml-1-2-directive",
        &[
            ("kustomization.yaml", "resources: [r.yaml]\n"),
            (
                "r.yaml",
                "%YAML 1.2\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
            ),
        ],
        &["r.yaml"],
    ));
    // Cluster-scoped kinds as kustomize (Kubernetes 1.21 schema) sees them.
    let scopes = include_str!("scopes.yaml");
    v.push(case(
        "scopes-namespace",
        &[
            ("kustomization.yaml", "namespace: ns\nresources: [r.yaml]\n"),
            ("r.yaml", scopes),
        ],
    ));
    v.push(case(
        "scopes-prefix-and-selector",
        &[
            ("kustomization.yaml", "namespace: ns\nnamePrefix: p-\nresources: [r.yaml]\npatches:\n- target:\n    namespace: ns\n  patch: |-\n    - op: add\n      path: /metadata/labels\n      value: {in: ns}\n"),
            ("r.yaml", scopes),
        ],
    ));
    v.push(case(
        "generator-hash-with-numbers",
        &[(
            "kustomization.yaml",
            "configMapGenerator:\n- name: n\n  literals: [a=b]\npatches:\n- target:\n    kind: ConfigMap\n  patch: |-\n    - op: add\n      path: /data/int\n      value: 5\n    - op: add\n      path: /data/float\n      value: 1.5\n    - op: add\n      path: /data/whole\n      value: 2.0\n    - op: add\n      path: /data/tiny\n      value: 0.0000001\n    - op: add\n      path: /data/html\n      value: \"<a&b>\"\n",
        )],
    ));
    v.push(case(
        "smp-other-directives-and-kind-change",
        &[
            ("r.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  finalizers: [a, b, c]\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: x\n      - name: b\n        image: y\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n"),
            ("kustomization.yaml", "resources: [r.yaml]\npatches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n      $deleteFromPrimitiveList/finalizers: [b]\n    spec:\n      template:\n        spec:\n          $setElementOrder/containers:\n          - name: b\n          - name: a\n          containers:\n          - name: a\n            image: z\n- target:\n    kind: ConfigMap\n    name: cm\n  options:\n    allowKindChange: true\n    allowNameChange: true\n  patch: |-\n    apiVersion: v1\n    kind: Secret\n    metadata:\n      name: sec\n"),
        ],
    ));
    v.push(case(
        "smp-empty-values",
        &[
            ("r.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {a: b}\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: x\n      - name: b\n        image: y\n"),
            ("kustomization.yaml", "resources: [r.yaml]\npatches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n      labels: null\n      annotations: {}\n    spec:\n      foo: {bar: {}}\n      baz: {qux: {}, keep: 1}\n      emptylist: []\n      nullv: null\n      strategy: {type: Recreate}\n      replicas: [1]\n      template:\n        metadata:\n          $patch: merge\n          labels: {x: y}\n        spec:\n          containers:\n          - name: a\n            image: null\n            args: [1, 2]\n          - name: b\n            env: []\n          - name: c\n            resources: {}\n            env: []\n"),
        ],
    ));
    v.push(case(
        "annotation-values-become-text",
        &[
            ("kustomization.yaml", "resources: [r.yaml]\n"),
            ("r.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  annotations: {a: 1, b: 1.50, c: null, d: 0x10, e: yes, f: [1], g: {x: 1}, h: ~, i: \"q\", j: 2020-01-01, k: true}\n  labels: {x: 1.50}\nspec:\n  template:\n    metadata:\n      annotations: {t: 1.50}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n  annotations:\n    a:\n    b: 1e3\n"),
        ],
    ));
    v.push(case(
        "patched-annotation-values-become-text",
        &[
            ("r.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: y\n"),
            ("kustomization.yaml", "resources: [r.yaml]\npatches:\n- patch: |-\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: x\n      annotations: {a: 1, b: true}\n      labels: {c: 1}\n- target: {kind: Secret}\n  patch: |-\n    - op: add\n      path: /metadata/annotations\n      value: {a: 1, b: 2.5, c: [1], d: false}\n"),
        ],
    ));
}
