"""Conformance of the embedded API server with real clients: the Helm v4 library (helm-sdkpy)
and the Python `kubernetes` client. Usage: python helm_and_python_client.py KUBECONFIG WORKDIR
Prints one line per check and exits non-zero on the first failure."""

import asyncio
import base64
import gzip
import json
import os
import sys
import threading
import time

import helm_sdkpy as helm
import kubernetes
from kubernetes import client as k8s, watch

KUBECONFIG, WORKDIR = sys.argv[1], sys.argv[2]


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}", flush=True)
        sys.exit(1)
    print(f"ok: {what}", flush=True)


def write_chart(root):
    os.makedirs(os.path.join(root, "templates"), exist_ok=True)
    files = {
        "Chart.yaml": "apiVersion: v2\nname: demo\nversion: 0.1.0\nappVersion: '1.0'\n",
        "values.yaml": "replicas: 1\nimage: nginx:1.27\ngreeting: hello\n",
        "templates/configmap.yaml": (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\n"
            "data:\n  greeting: {{ .Values.greeting | quote }}\n"
        ),
        "templates/deployment.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
            "spec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: {{ .Release.Name }}}\n"
            "  template:\n    metadata:\n      labels: {app: {{ .Release.Name }}}\n"
            "    spec:\n      containers:\n      - name: web\n        image: {{ .Values.image }}\n"
        ),
        "templates/service.yaml": (
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n"
            "spec:\n  selector: {app: {{ .Release.Name }}}\n  ports: [{port: 80}]\n"
        ),
    }
    for path, text in files.items():
        with open(os.path.join(root, path), "w") as f:
            f.write(text)
    return root


def release_secrets(core, name):
    secrets = core.list_namespaced_secret("default", label_selector=f"owner=helm,name={name}").items
    return sorted(secrets, key=lambda s: int(s.metadata.labels["version"]))


def decode_release(secret):
    raw = base64.b64decode(base64.b64decode(secret.data["release"]))
    return json.loads(gzip.decompress(raw))


async def helm_flow(core, apps, chart, ssa):
    name = "demo-ssa" if ssa else "demo"
    config = helm.Configuration(namespace="default", kubeconfig=KUBECONFIG)
    await helm.Install(config).run(name, chart, values={"replicas": 2}, wait=True, timeout=60, server_side_apply=ssa)
    check(apps.read_namespaced_deployment(name, "default").spec.replicas == 2, f"{name}: install created the deployment")
    secrets = release_secrets(core, name)
    check([s.metadata.name for s in secrets] == [f"sh.helm.release.v1.{name}.v1"], f"{name}: release secret v1 as Helm names it")
    check(secrets[0].type == "helm.sh/release.v1", f"{name}: release secret type helm.sh/release.v1")
    check(decode_release(secrets[0])["info"]["status"] == "deployed", f"{name}: release record decodes, deployed")
    if ssa:
        # Helm names its field manager after the running program (here the Python interpreter).
        entries = {(m.manager, m.operation) for m in apps.read_namespaced_deployment(name, "default").metadata.managed_fields}
        check(any(op == "Apply" for _, op in entries), f"{name}: Helm's server-side apply recorded an Apply entry ({entries})")

    await helm.Upgrade(config).run(name, chart, values={"replicas": 3, "image": "nginx:1.28"}, wait=True, timeout=60, server_side_apply=ssa)
    d = apps.read_namespaced_deployment(name, "default")
    check(d.spec.replicas == 3 and d.spec.template.spec.containers[0].image == "nginx:1.28", f"{name}: upgrade applied")
    history = await helm.History(config).run(name)
    check(len(history) == 2, f"{name}: history has two revisions")

    # helm-sdkpy 0.1.32's Rollback never sets Helm's wait strategy: it fails with "wait strategy
    # not set" after writing a pending-rollback record, whatever the cluster. Revision 1's
    # manifest comes back through an upgrade with its values instead.
    await helm.Upgrade(config).run(name, chart, values={"replicas": 2}, wait=True, timeout=60, server_side_apply=ssa)
    d = apps.read_namespaced_deployment(name, "default")
    check(d.spec.replicas == 2 and d.spec.template.spec.containers[0].image == "nginx:1.27", f"{name}: back at revision 1's manifest")
    releases = await helm.List(config).run(all=True)
    mine = [r for r in releases if r.get("name") == name]
    check(len(mine) == 1 and mine[0].get("version") == 3, f"{name}: list shows revision 3")

    await helm.Uninstall(config).run(name, wait=True, timeout=60)
    check(release_secrets(core, name) == [], f"{name}: uninstall removed the release secrets")
    gone = False
    for _ in range(100):
        try:
            apps.read_namespaced_deployment(name, "default")
        except k8s.exceptions.ApiException as e:
            gone = e.status == 404
            break
        time.sleep(0.05)
    check(gone, f"{name}: uninstall removed the deployment")


def python_client(core):
    body = k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name="py"), data={"a": "1"})
    core.create_namespaced_config_map("default", body)
    check(core.read_namespaced_config_map("py", "default").data == {"a": "1"}, "python client: create and read")
    events = []

    def watch_it():
        w = watch.Watch()
        for ev in w.stream(core.list_namespaced_config_map, "default", field_selector="metadata.name=py", timeout_seconds=5):
            events.append(ev["type"])
            if ev["type"] == "DELETED":
                w.stop()

    t = threading.Thread(target=watch_it)
    t.start()
    time.sleep(0.5)
    core.patch_namespaced_config_map("py", "default", {"data": {"b": "2"}})
    patched = core.read_namespaced_config_map("py", "default")
    check(patched.data == {"a": "1", "b": "2"}, "python client: strategic merge patch")
    core.delete_namespaced_config_map("py", "default")
    t.join(10)
    check(events[:1] == ["ADDED"] and "MODIFIED" in events and events[-1:] == ["DELETED"], f"python client: watch events {events}")


def main():
    kubernetes.config.load_kube_config(config_file=KUBECONFIG)
    core, apps = k8s.CoreV1Api(), k8s.AppsV1Api()
    python_client(core)
    chart = write_chart(os.path.join(WORKDIR, "demo"))
    asyncio.run(helm_flow(core, apps, chart, ssa=False))
    asyncio.run(helm_flow(core, apps, chart, ssa=True))
    print("all conformance checks passed", flush=True)


main()
