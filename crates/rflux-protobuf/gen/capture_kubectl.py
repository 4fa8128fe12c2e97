#!/usr/bin/env python3
"""Capture the protobuf request bodies real kubectl sends, as test fixtures.

Usage: gen/capture_kubectl.py OUT_DIR [KUBECTL]

Starts a plain HTTP server on 127.0.0.1 that serves a small discovery document
and answers every write with 201 and a minimal JSON object, then runs kubectl
commands against it.  For each case OUT_DIR gets NAME.pb (the request body
exactly as sent) and, where kubectl can print the same object client-side
(`--dry-run=client -o json`), NAME.json: Go's encoding/json of that object,
which is what decoding NAME.pb must reproduce.  Cases kubectl cannot print get
an expected file written by hand in the test instead.
"""

import http.server
import json
import os
import subprocess
import sys
import threading

CORE = [
    ("configmaps", "ConfigMap", True), ("secrets", "Secret", True), ("namespaces", "Namespace", False),
    ("serviceaccounts", "ServiceAccount", True), ("services", "Service", True),
    ("resourcequotas", "ResourceQuota", True), ("pods", "Pod", True), ("nodes", "Node", False),
    ("serviceaccounts/token", "TokenRequest", True), ("pods/log", "Pod", True),
]
GROUPS = {
    "apps/v1": [("deployments", "Deployment", True)],
    "batch/v1": [("jobs", "Job", True), ("cronjobs", "CronJob", True)],
    "rbac.authorization.k8s.io/v1": [("roles", "Role", True), ("rolebindings", "RoleBinding", True),
                                     ("clusterroles", "ClusterRole", False),
                                     ("clusterrolebindings", "ClusterRoleBinding", False)],
    "scheduling.k8s.io/v1": [("priorityclasses", "PriorityClass", False)],
    "policy/v1": [("poddisruptionbudgets", "PodDisruptionBudget", True)],
    "networking.k8s.io/v1": [("ingresses", "Ingress", True)],
    "authorization.k8s.io/v1": [("selfsubjectaccessreviews", "SelfSubjectAccessReview", False),
                                ("selfsubjectrulesreviews", "SelfSubjectRulesReview", False)],
    "authentication.k8s.io/v1": [("selfsubjectreviews", "SelfSubjectReview", False)],
}

CASES = [
    ("configmap", ["create", "configmap", "app-config", "--from-literal=b=2", "--from-literal=a=1",
                   "--from-file=blob=@BLOB@", "-n", "default"]),
    ("secret-generic", ["create", "secret", "generic", "db", "--from-literal=password=s3cr3t",
                        "--from-literal=user=admin", "-n", "default"]),
    ("secret-docker", ["create", "secret", "docker-registry", "regcred", "--docker-server=r.example",
                       "--docker-username=u", "--docker-password=p", "-n", "default"]),
    ("namespace", ["create", "namespace", "team-a"]),
    ("deployment", ["create", "deployment", "web", "--image=nginx:1.27", "--replicas=3", "--port=80",
                    "-n", "default"]),
    ("deployment-zero", ["create", "deployment", "idle", "--image=busybox", "--replicas=0",
                         "-n", "default", "--", "sleep", "3600"]),
    ("serviceaccount", ["create", "serviceaccount", "builder", "-n", "default"]),
    ("service-clusterip", ["create", "service", "clusterip", "web", "--tcp=80:8080", "-n", "default"]),
    ("service-nodeport", ["create", "service", "nodeport", "np", "--tcp=443:https", "--node-port=30443",
                          "-n", "default"]),
    ("service-externalname", ["create", "service", "externalname", "ext", "--external-name=db.example.com",
                              "-n", "default"]),
    ("job", ["create", "job", "once", "--image=busybox", "-n", "default", "--", "echo", "hi"]),
    ("cronjob", ["create", "cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *",
                 "-n", "default", "--", "date"]),
    ("role", ["create", "role", "reader", "--verb=get,list", "--resource=pods,configmaps",
              "-n", "default"]),
    ("rolebinding", ["create", "rolebinding", "reader-b", "--role=reader", "--user=alice",
                     "--serviceaccount=default:builder", "-n", "default"]),
    ("clusterrole", ["create", "clusterrole", "node-reader", "--verb=get", "--resource=nodes",
                     "--non-resource-url=/healthz"]),
    ("clusterrolebinding", ["create", "clusterrolebinding", "node-reader-b", "--clusterrole=node-reader",
                            "--group=ops"]),
    ("quota", ["create", "quota", "small", "--hard=cpu=1500m,memory=1Gi,pods=10", "-n", "default"]),
    ("priorityclass", ["create", "priorityclass", "high", "--value=1000", "--description=important"]),
    ("pdb", ["create", "poddisruptionbudget", "web-pdb", "--selector=app=web", "--min-available=50%",
             "-n", "default"]),
    ("ingress", ["create", "ingress", "web", "--class=nginx", "--rule=foo.example/bar*=web:8080",
                 "--rule=tls.example/=web:http,tls=cert", "-n", "default"]),
    ("ingress-default-backend", ["create", "ingress", "catch-all", "--default-backend=fallback:80",
                                 "--annotation=nginx.ingress.kubernetes.io/rewrite-target=/", "-n", "default"]),
    ("configmap-env-file", ["create", "configmap", "env", "--from-env-file=@ENVFILE@", "-n", "default"]),
    ("deployment-multi", ["create", "deployment", "pair", "--image=nginx", "--image=redis:7", "-n", "default"]),
    ("pdb-max-unavailable", ["create", "poddisruptionbudget", "one", "--selector=app=db", "--max-unavailable=1",
                             "-n", "default"]),
    ("service-loadbalancer", ["create", "service", "loadbalancer", "lb", "--tcp=80:8080", "--tcp=443:8443",
                              "-n", "default"]),
    ("quota-scopes", ["create", "quota", "best-effort", "--hard=pods=5", "--scopes=BestEffort", "-n", "default"]),
    ("role-resource-name", ["create", "role", "cm-reader", "--verb=get", "--resource=configmaps",
                            "--resource-name=app-config", "-n", "default"]),
    ("clusterrole-aggregate", ["create", "clusterrole", "monitoring",
                               "--aggregation-rule=rbac.example.com/aggregate-to-monitoring=true"]),
]
# Commands whose object kubectl cannot print client-side.
RAW_CASES = [
    ("can-i", ["auth", "can-i", "list", "pods", "-n", "default"]),
    ("can-i-subresource", ["auth", "can-i", "get", "pods", "--subresource=log", "-n", "kube-system"]),
    ("token", ["create", "token", "builder", "--audience=api", "--duration=10m", "-n", "default"]),
    ("whoami", ["auth", "whoami"]),
    ("can-i-list", ["auth", "can-i", "--list", "-n", "default"]),
    ("token-bound", ["create", "token", "builder", "--bound-object-kind=Pod", "--bound-object-name=shell",
                     "--bound-object-uid=7d4e3c2a-1111-2222-3333-444455556666", "-n", "default"]),
]

captured = []


def resource_list(gv, resources):
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": [
        {"name": n, "singularName": "", "namespaced": ns, "kind": k,
         "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}
        for n, k, ns in resources]}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/api":
            return self.reply(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
        if path == "/apis":
            groups = []
            for gv in GROUPS:
                g, v = gv.split("/")
                groups.append({"name": g, "versions": [{"groupVersion": gv, "version": v}],
                               "preferredVersion": {"groupVersion": gv, "version": v}})
            return self.reply(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
        if path == "/api/v1":
            return self.reply(200, resource_list("v1", CORE))
        if path.startswith("/apis/") and path[6:] in GROUPS:
            return self.reply(200, resource_list(path[6:], GROUPS[path[6:]]))
        return self.reply(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404,
                                "reason": "NotFound", "message": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        captured.append((self.path, self.headers.get("Content-Type", ""), body))
        path = self.path.split("?")[0]
        if path.endswith("/selfsubjectaccessreviews"):
            return self.reply(201, {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
                                    "metadata": {}, "spec": {}, "status": {"allowed": True}})
        if path.endswith("/selfsubjectrulesreviews"):
            return self.reply(201, {"kind": "SelfSubjectRulesReview", "apiVersion": "authorization.k8s.io/v1",
                                    "metadata": {}, "spec": {"namespace": "default"},
                                    "status": {"resourceRules": [], "nonResourceRules": [], "incomplete": False}})
        if path.endswith("/selfsubjectreviews"):
            return self.reply(201, {"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
                                    "metadata": {}, "status": {"userInfo": {"username": "admin"}}})
        if path.endswith("/token"):
            return self.reply(201, {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                                    "metadata": {}, "spec": {"audiences": ["api"]},
                                    "status": {"token": "t", "expirationTimestamp": "2030-01-01T00:00:00Z"}})
        return self.reply(201, {"kind": "Status", "apiVersion": "v1", "metadata": {"name": "x"}})


def with_flags(args, flags):
    """Adds flags before a `--` that starts the container command."""
    if "--" in args:
        i = args.index("--")
        return args[:i] + flags + args[i:]
    return args + flags


def main():
    out = sys.argv[1]
    kubectl = sys.argv[2] if len(sys.argv) > 2 else "kubectl"
    os.makedirs(out, exist_ok=True)
    blob = os.path.join(out, "blob.bin")
    with open(blob, "wb") as fh:
        fh.write(bytes([0, 1, 2, 0xFF, 0xFE, 0x80]))
    envfile = os.path.join(out, "app.env")
    with open(envfile, "w") as fh:
        fh.write("B=two\nA=1\n")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = ["--server", f"http://127.0.0.1:{server.server_address[1]}", "--kubeconfig", os.devnull]
    env = dict(os.environ, HOME=out)
    for name, args in CASES + RAW_CASES:
        args = [a.replace("@BLOB@", blob).replace("@ENVFILE@", envfile) for a in args]
        captured.clear()
        flags = [] if name in dict(RAW_CASES) else ["--dry-run=server"]
        sent = subprocess.run([kubectl, *base, *with_flags(args, flags)],
                              capture_output=True, env=env, timeout=60)
        posts = [c for c in captured if c[1].startswith("application/vnd.kubernetes.protobuf")]
        if not posts:
            raise SystemExit(f"{name}: kubectl sent no protobuf body: {sent.stderr.decode()} {captured}")
        path, _ctype, body = posts[-1]
        with open(os.path.join(out, f"{name}.pb"), "wb") as fh:
            fh.write(body)
        print(f"{name}: POST {path} {len(body)} bytes")
        if name in dict(CASES):
            printed = subprocess.run([kubectl, *base, *with_flags(args, ["--dry-run=client", "-o", "json"])],
                                     capture_output=True, env=env, timeout=60, check=True)
            with open(os.path.join(out, f"{name}.json"), "wb") as fh:
                fh.write(printed.stdout)
    os.remove(blob)
    os.remove(envfile)
    server.shutdown()


if __name__ == "__main__":
    main()
