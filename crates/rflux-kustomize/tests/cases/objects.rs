//! Base objects the cases build on.

pub const DEPLOY: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
  annotations:
    team: a
spec:
  replicas: 1
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      serviceAccountName: runner
      imagePullSecrets:
      - name: pull-secret
      initContainers:
      - name: init
        image: alpine:3.19
        command: ["sh", "-c", "echo init"]
      containers:
      - name: web
        image: nginx:1.0
        ports:
        - containerPort: 80
          name: http
        env:
        - name: MODE
          value: prod
        - name: FROM_CM
          valueFrom:
            configMapKeyRef:
              name: app-config
              key: a
        - name: FROM_SECRET
          valueFrom:
            secretKeyRef:
              name: app-secret
              key: c
        envFrom:
        - configMapRef:
            name: app-config
        - secretRef:
            name: app-secret
        volumeMounts:
        - name: config
          mountPath: /etc/config
      - name: helper
        image: busybox
      volumes:
      - name: config
        configMap:
          name: app-config
      - name: secret
        secret:
          secretName: app-secret
      - name: data
        persistentVolumeClaim:
          claimName: data
      - name: proj
        projected:
          sources:
          - configMap:
              name: app-config
          - secret:
              name: app-secret
"#;

pub const SVC: &str = r#"apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
  - name: https
    port: 443
    targetPort: 8443
"#;

pub const INGRESS: &str = r#"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  tls:
  - hosts: [web.example.com]
    secretName: tls-secret
  defaultBackend:
    service:
      name: web
      port:
        number: 80
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              name: http
"#;

pub const RBAC: &str = r#"apiVersion: v1
kind: ServiceAccount
metadata:
  name: runner
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
subjects:
- kind: ServiceAccount
  name: runner
- kind: ServiceAccount
  name: default
  namespace: kube-system
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: viewer
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: viewer
subjects:
- kind: ServiceAccount
  name: runner
  namespace: default
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: viewer
"#;

pub const WORKLOADS: &str = r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: web
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: db
        image: busybox:1.36
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: tick
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: tick
            image: curl
            args: [https://example.com]
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      containers:
      - name: agent
        image: localhost:5000/app:v1
---
apiVersion: batch/v1
kind: Job
metadata:
  name: once
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: once
        image: busybox
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: web
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
spec:
  podSelector:
    matchLabels:
      app: web
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: client
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 1
  maxReplicas: 3
"#;

pub const CM: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: plain
  annotations:
    team: b
data:
  key: value
"#;

pub const CUSTOM: &str = r#"apiVersion: example.com/v1
kind: Widget
metadata:
  name: gadget
  labels:
    app: web
spec:
  size: 1
  items:
  - name: a
    value: one
  - name: b
    value: two
  template:
    spec:
      containers:
      - name: w
        image: nginx:0.1
"#;

pub const BASE: &[(&str, &str)] = &[
    ("deploy.yaml", DEPLOY),
    ("svc.yaml", SVC),
    ("ingress.yaml", INGRESS),
    ("rbac.yaml", RBAC),
    ("workloads.yaml", WORKLOADS),
    ("cm.yaml", CM),
    ("custom.yaml", CUSTOM),
];

pub const REFERRALS: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  a: b
---
apiVersion: v1
kind: Secret
metadata:
  name: app-secret
stringData:
  c: d
---
apiVersion: v1
kind: Secret
metadata:
  name: pull-secret
type: Opaque
---
apiVersion: v1
kind: Secret
metadata:
  name: tls-secret
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
"#;

pub const MANY_KINDS: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: v
---
apiVersion: example.com/v1
kind: Zeta
metadata:
  name: z
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: b
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: a
  namespace: zz
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: a
---
apiVersion: v1
kind: Namespace
metadata:
  name: ns
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: m
---
apiVersion: a.example.com/v1
kind: Zeta
metadata:
  name: z
---
apiVersion: v1
kind: Secret
metadata:
  name: s
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa
"#;

/// YAML scalar spellings that kyaml and go-yaml v2 treat differently.
pub const SCALARS: &[&str] = &[
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bools\ndata:\n  a: yes\n  b: no\n  c: on\n  d: off\n  e: y\n  f: n\n  g: true\n  h: False\n  i: TRUE\n  j: \"yes\"\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: numbers\ndata:\n  oct: 0755\n  oct2: 0o17\n  hex: 0x1F\n  sci: 1e3\n  float: 1.50\n  neg: -12\n  big: 12345678901234567890\n  bigger: 123456789012345678901234\n  under: 1_000\n  dot: .5\n  inf: 08\n  plus: +7\n  frac: 1234567.5\n  small: 0.00001\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nulls\ndata:\n  tilde: ~\n  null1: null\n  Null2: Null\n  empty:\n  quoted: \"null\"\n  str: \"~\"\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dates\ndata:\n  date: 2020-01-01\n  ts: 2001-12-14t21:59:43.10-05:00\n  ts2: 2001-12-14 21:59:43.10\n  ts3: 2002-12-14T00:00:00Z\n  quoted: \"2020-01-01\"\n  notdate: 2020-13-01\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strings\ndata:\n  colon: \"a: b\"\n  hash: \"a #b\"\n  lead: \" lead\"\n  trail: \"trail \"\n  dash: \"- x\"\n  star: \"*x\"\n  quote: \"it's\"\n  dq: 'say \"hi\"'\n  backslash: 'a\\b'\n  tab: \"a\\tb\"\n  unicode: \"héllo ☃\"\n  emoji: \"x 😀\"\n  bracket: \"[x]\"\n  brace: \"{x}\"\n  amp: \"&x\"\n  pct: \"%x\"\n  at: \"@x\"\n  excl: \"!x\"\n  q: \"?x\"\n  eq: \"=\"\n  docstart: \"--- x\"\n  base60: \"1:20\"\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: blocks\ndata:\n  lit: |\n    line1\n    line2\n  keep: |+\n    kept\n\n  strip: |-\n    stripped\n  folded: >\n    folded\n    text\n\n    para\n  indented: |2\n      two extra\n    base\n  trailingspace: \"a \\nb\"\n  long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbb ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc dd\n  longquoted: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: bbbbbbbbbbbbbbbbbbbbbbbbbb cc\"\n  crlf: \"a\\r\\nb\"\n",
    "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: structure\nspec:\n  emptyMap: {}\n  emptyList: []\n  nested:\n  - - a\n    - b\n  - []\n  - {}\n  - k: v\n    l:\n    - 1\n  flow: {a: 1, b: [x, y]}\n  anchors:\n    base: &b {x: 1, y: 2}\n    ref: *b\n    merged:\n      <<: *b\n      y: 3\n  keys:\n    \"1\": one\n    N: n\n    \"on\": x\n    a10: x\n    a9: x\n    a_1: x\n    A: x\n    \"~\": x\n    b: x\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tagged\ndata:\n  s: !!str 123\n  i: !!int \"42\"\n  f: !!float 3\n  custom: !foo bar\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: doublefold\ndata:\n  a: \"first line with trailing space \\nsecond line that is quite long and keeps going well past the eighty column limit of the emitter\\n\"\n  b: \"tab\\there and a very long line that keeps going and going past the limit of eighty columns for sure yes\"\n  c: \"  two leading spaces and a very long line that keeps going and going past the limit of eighty columns\"\n  d: \"ends with newline and space \\n \"\n  e: \"\\nstarts with newline\"\n  f: \"x\\n\\n\\n\"\n  g: \"\\n\"\n  h: \"multi  spaces   inside a very long line that keeps going and going past the limit of eighty columns ok\"\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lists\ndata: {}\nspec:\n  values: [null, ~, 1, \"1\", true, \"true\", 1.0, -0, 0.0, 1e-7, 100000000000000000000, 1e21, -1e21]\n  keyed:\n    \"a b\": 1\n    \"a:b\": 2\n    \"-x\": 3\n    \"#y\": 4\n    \"\": 5\n    \"null\": 6\n    \"1.5\": 7\n    \"0o7\": 8\n",
];
