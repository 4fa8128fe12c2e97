#!/usr/bin/env python3
"""Generates the benchmark tree: 50 bases of 40 objects (2,000 objects), each base with a
generator; three overlay levels on top (prefixes, labels, strategic-merge and JSON 6902
patches, generators, images). Usage: gen-large-tree.py OUT_DIR"""
import os, sys

out = sys.argv[1]
def w(path, text):
    p = os.path.join(out, path)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)

bases = []
for b in range(50):
    docs = []
    for i in range(10):
        docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  labels: {{app: app-{i}}}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: app-{i}}}
  template:
    metadata:
      labels: {{app: app-{i}}}
    spec:
      serviceAccountName: sa-{i}
      containers:
      - name: main
        image: nginx:1.{i}
        envFrom:
        - configMapRef: {{name: settings}}
        env:
        - name: INDEX
          value: "{i}"
        volumeMounts:
        - name: cfg
          mountPath: /etc/cfg
      volumes:
      - name: cfg
        configMap: {{name: cm-{i}}}
""")
        docs.append(f"""apiVersion: v1
kind: Service
metadata:
  name: app-{i}
spec:
  selector: {{app: app-{i}}}
  ports:
  - name: http
    port: 80
    targetPort: 8080
""")
        docs.append(f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-{i}
data:
  key: value-{i}
  other: "{i}"
""")
        docs.append(f"""apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa-{i}
""")
    w(f"bases/b{b}/resources.yaml", "---\n".join(docs))
    w(f"bases/b{b}/kustomization.yaml", f"""resources: [resources.yaml]
namePrefix: b{b}-
configMapGenerator:
- name: settings
  literals: [base=b{b}, mode=default]
""")
    bases.append(f"../../bases/b{b}")

w("overlays/l1/kustomization.yaml", "resources:\n" + "".join(f"- {b}\n" for b in bases) + """commonLabels:
  level: one
patches:
- target:
    kind: Deployment
  patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: any
    spec:
      template:
        spec:
          containers:
          - name: main
            resources:
              limits: {cpu: 100m}
""")
w("overlays/l2/kustomization.yaml", """resources: [../l1]
namePrefix: l2-
namespace: bench
patches:
- target:
    kind: Service
  patch: |-
    - op: add
      path: /metadata/annotations
      value: {level: two}
configMapGenerator:
- name: extra
  literals: [a=b]
""")
w("overlays/l3/kustomization.yaml", """resources: [../l2]
nameSuffix: -prod
commonAnnotations:
  owner: bench
images:
- name: nginx
  newName: registry.local/nginx
  newTag: stable
patches:
- target:
    kind: Deployment
    name: ".*app-1.*"
  patch: |-
    - op: replace
      path: /spec/replicas
      value: 3
""")
