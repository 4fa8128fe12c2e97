#!/usr/bin/env python3
"""Generate crates/rflux-schema/src/generated.rs from the PyPI package kubernetes-validate.

Usage (from anywhere):

    python3 crates/rflux-schema/gen/generate.py [--kube 1.32] [--package-version 1.37.0]

If the running interpreter cannot import `kubernetes_validate`, the script creates a venv under
/tmp (rflux-schema-gen-venv), pip-installs the pinned package version there and re-runs itself
with that venv's interpreter.  Only `_definitions.json` of the chosen Kubernetes version folder
is read; descriptions are dropped, facts are kept.

The output is a set of flat static tables (see `src/table.rs` for their layout):

* definitions keep their index (sorted by name) so `$ref`s stay references;
* inline nodes (properties, items, additionalProperties values) are deduplicated;
* all strings of lists (required, enum, list-map keys) and single strings (patch strategy,
  merge key, format) live in one deduplicated string table.
"""

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys

DEFAULT_PACKAGE_VERSION = "1.37.0"
VENV = "/tmp/rflux-schema-gen-venv"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "src", "generated.rs")

NONE = 0xFFFF

# Node types, must match `NodeType` discriminants in src/table.rs.
TY_REF, TY_OBJECT, TY_ARRAY, TY_STRING, TY_INTEGER, TY_NUMBER, TY_BOOLEAN, TY_INT_OR_STRING, TY_ANY = range(9)
LIST_TYPES = {"atomic": 1, "set": 2, "map": 3}
MAP_TYPES = {"atomic": 1, "granular": 2}
FLAG_PRESERVE_UNKNOWN = 1

# Object definitions that carry arbitrary JSON although the schema says `type: object` without
# properties.  Empty structs (e.g. CustomResourceSubresourceStatus) are NOT in this list: they
# accept no fields.
UNTYPED_OBJECTS = {
    "io.k8s.apimachinery.pkg.runtime.RawExtension",
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
}

# Resource facts the JSON schemas do not carry: the REST plural and the scope of every
# top-level built-in resource kind, keyed by (group, kind) (they do not change between
# versions of a kind).  Hand-maintained; cross-checked against the `Resource` impls of the
# k8s-openapi crate (0.29, v1_33) and the 1.32 API.  The generator fails when a kind of the
# schema has no entry here (add it) or an entry names a kind the schema lacks (remove it).
NAMESPACED, CLUSTER = True, False
RESOURCES = {
    # core
    ("", "Binding"): ("bindings", NAMESPACED),
    ("", "ComponentStatus"): ("componentstatuses", CLUSTER),
    ("", "ConfigMap"): ("configmaps", NAMESPACED),
    ("", "Endpoints"): ("endpoints", NAMESPACED),
    ("", "Event"): ("events", NAMESPACED),
    ("", "LimitRange"): ("limitranges", NAMESPACED),
    ("", "Namespace"): ("namespaces", CLUSTER),
    ("", "Node"): ("nodes", CLUSTER),
    ("", "PersistentVolume"): ("persistentvolumes", CLUSTER),
    ("", "PersistentVolumeClaim"): ("persistentvolumeclaims", NAMESPACED),
    ("", "Pod"): ("pods", NAMESPACED),
    ("", "PodTemplate"): ("podtemplates", NAMESPACED),
    ("", "ReplicationController"): ("replicationcontrollers", NAMESPACED),
    ("", "ResourceQuota"): ("resourcequotas", NAMESPACED),
    ("", "Secret"): ("secrets", NAMESPACED),
    ("", "Service"): ("services", NAMESPACED),
    ("", "ServiceAccount"): ("serviceaccounts", NAMESPACED),
    # admissionregistration.k8s.io
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"): ("mutatingadmissionpolicies", CLUSTER),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"): ("mutatingadmissionpolicybindings", CLUSTER),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"): ("mutatingwebhookconfigurations", CLUSTER),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"): ("validatingadmissionpolicies", CLUSTER),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"): ("validatingadmissionpolicybindings", CLUSTER),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"): ("validatingwebhookconfigurations", CLUSTER),
    # apiextensions.k8s.io
    ("apiextensions.k8s.io", "CustomResourceDefinition"): ("customresourcedefinitions", CLUSTER),
    # apiregistration.k8s.io
    ("apiregistration.k8s.io", "APIService"): ("apiservices", CLUSTER),
    # apps
    ("apps", "ControllerRevision"): ("controllerrevisions", NAMESPACED),
    ("apps", "DaemonSet"): ("daemonsets", NAMESPACED),
    ("apps", "Deployment"): ("deployments", NAMESPACED),
    ("apps", "ReplicaSet"): ("replicasets", NAMESPACED),
    ("apps", "StatefulSet"): ("statefulsets", NAMESPACED),
    # authentication.k8s.io
    ("authentication.k8s.io", "SelfSubjectReview"): ("selfsubjectreviews", CLUSTER),
    ("authentication.k8s.io", "TokenReview"): ("tokenreviews", CLUSTER),
    # authorization.k8s.io
    ("authorization.k8s.io", "LocalSubjectAccessReview"): ("localsubjectaccessreviews", NAMESPACED),
    ("authorization.k8s.io", "SelfSubjectAccessReview"): ("selfsubjectaccessreviews", CLUSTER),
    ("authorization.k8s.io", "SelfSubjectRulesReview"): ("selfsubjectrulesreviews", CLUSTER),
    ("authorization.k8s.io", "SubjectAccessReview"): ("subjectaccessreviews", CLUSTER),
    # autoscaling
    ("autoscaling", "HorizontalPodAutoscaler"): ("horizontalpodautoscalers", NAMESPACED),
    # batch
    ("batch", "CronJob"): ("cronjobs", NAMESPACED),
    ("batch", "Job"): ("jobs", NAMESPACED),
    # certificates.k8s.io
    ("certificates.k8s.io", "CertificateSigningRequest"): ("certificatesigningrequests", CLUSTER),
    ("certificates.k8s.io", "ClusterTrustBundle"): ("clustertrustbundles", CLUSTER),
    # coordination.k8s.io
    ("coordination.k8s.io", "Lease"): ("leases", NAMESPACED),
    ("coordination.k8s.io", "LeaseCandidate"): ("leasecandidates", NAMESPACED),
    # discovery.k8s.io
    ("discovery.k8s.io", "EndpointSlice"): ("endpointslices", NAMESPACED),
    # events.k8s.io
    ("events.k8s.io", "Event"): ("events", NAMESPACED),
    # flowcontrol.apiserver.k8s.io
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"): ("flowschemas", CLUSTER),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"): ("prioritylevelconfigurations", CLUSTER),
    # internal.apiserver.k8s.io
    ("internal.apiserver.k8s.io", "StorageVersion"): ("storageversions", CLUSTER),
    # networking.k8s.io
    ("networking.k8s.io", "IPAddress"): ("ipaddresses", CLUSTER),
    ("networking.k8s.io", "Ingress"): ("ingresses", NAMESPACED),
    ("networking.k8s.io", "IngressClass"): ("ingressclasses", CLUSTER),
    ("networking.k8s.io", "NetworkPolicy"): ("networkpolicies", NAMESPACED),
    ("networking.k8s.io", "ServiceCIDR"): ("servicecidrs", CLUSTER),
    # node.k8s.io
    ("node.k8s.io", "RuntimeClass"): ("runtimeclasses", CLUSTER),
    # policy
    ("policy", "PodDisruptionBudget"): ("poddisruptionbudgets", NAMESPACED),
    # rbac.authorization.k8s.io
    ("rbac.authorization.k8s.io", "ClusterRole"): ("clusterroles", CLUSTER),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): ("clusterrolebindings", CLUSTER),
    ("rbac.authorization.k8s.io", "Role"): ("roles", NAMESPACED),
    ("rbac.authorization.k8s.io", "RoleBinding"): ("rolebindings", NAMESPACED),
    # resource.k8s.io
    ("resource.k8s.io", "DeviceClass"): ("deviceclasses", CLUSTER),
    ("resource.k8s.io", "ResourceClaim"): ("resourceclaims", NAMESPACED),
    ("resource.k8s.io", "ResourceClaimTemplate"): ("resourceclaimtemplates", NAMESPACED),
    ("resource.k8s.io", "ResourceSlice"): ("resourceslices", CLUSTER),
    # scheduling.k8s.io
    ("scheduling.k8s.io", "PriorityClass"): ("priorityclasses", CLUSTER),
    # storage.k8s.io
    ("storage.k8s.io", "CSIDriver"): ("csidrivers", CLUSTER),
    ("storage.k8s.io", "CSINode"): ("csinodes", CLUSTER),
    ("storage.k8s.io", "CSIStorageCapacity"): ("csistoragecapacities", NAMESPACED),
    ("storage.k8s.io", "StorageClass"): ("storageclasses", CLUSTER),
    ("storage.k8s.io", "VolumeAttachment"): ("volumeattachments", CLUSTER),
    ("storage.k8s.io", "VolumeAttributesClass"): ("volumeattributesclasses", CLUSTER),
    # storagemigration.k8s.io
    ("storagemigration.k8s.io", "StorageVersionMigration"): ("storageversionmigrations", CLUSTER),
}

# Kinds with a group-version-kind that are not top-level resources: list and envelope types,
# discovery documents, and kinds only used as subresource bodies (pods/eviction, */scale,
# serviceaccounts/token) or responses (Status).
NOT_RESOURCES = {"APIGroup", "APIVersions", "DeleteOptions", "WatchEvent", "Status", "Eviction",
                 "Scale", "TokenRequest"}


def ensure_package(package_version):
    if importlib.util.find_spec("kubernetes_validate") is not None:
        return
    if os.environ.get("RFLUX_SCHEMA_GEN_REEXEC"):
        sys.exit("kubernetes_validate still not importable inside " + VENV)
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
    check = subprocess.run([py, "-c", "import kubernetes_validate"], capture_output=True)
    if check.returncode != 0:
        subprocess.check_call(
            [py, "-m", "pip", "install", "-q", "kubernetes-validate==" + package_version]
        )
    env = dict(os.environ, RFLUX_SCHEMA_GEN_REEXEC="1")
    os.execve(py, [py, os.path.abspath(__file__)] + sys.argv[1:], env)


def schema_folder(kube):
    spec = importlib.util.find_spec("kubernetes_validate")
    root = os.path.join(os.path.dirname(spec.origin), "kubernetes-json-schema")
    want_major, want_minor = (int(x) for x in kube.split(".")[:2])
    best = None
    for name in os.listdir(root):
        m = re.match(r"^v(\d+)\.(\d+)\.(\d+)-local(-strict)?$", name)
        if not m:
            continue
        major, minor, strict = int(m.group(1)), int(m.group(2)), m.group(4) is not None
        if major != want_major:
            continue
        # Closest minor first, then the non-strict flavour (strict only adds
        # `additionalProperties: false`, which is not a fact about the type).
        rank = (abs(minor - want_minor), strict, -minor)
        if best is None or rank < best[0]:
            best = (rank, name)
    if best is None:
        sys.exit("no schema folder for Kubernetes %s in %s" % (kube, root))
    return os.path.join(root, best[1]), best[1]


def package_version():
    from importlib.metadata import version

    return version("kubernetes-validate")


def first_type(t):
    """The JSON type name without the `null` alternative kubernetes-validate adds."""
    if isinstance(t, list):
        non_null = [x for x in t if x != "null"]
        return (non_null[0] if non_null else None), ("null" in t)
    return t, False


class Builder:
    def __init__(self, defs):
        self.def_names = sorted(defs)
        self.def_index = {n: i for i, n in enumerate(self.def_names)}
        self.defs = defs
        self.nodes = [None] * len(self.def_names)  # tuples
        self.node_index = {}  # tuple -> index (inline nodes only)
        self.props = []  # (name, node)
        self.props_index = {}  # tuple(props) -> start
        self.lists = []  # strings
        self.lists_index = {}  # tuple(strings) -> start
        self.any_node = None

    def string_list(self, values):
        if not values:
            return (0, 0)
        key = tuple(values)
        if key not in self.lists_index:
            self.lists_index[key] = len(self.lists)
            self.lists.extend(values)
        return (self.lists_index[key], len(values))

    def single(self, value):
        if value is None:
            return NONE
        return self.string_list([value])[0]

    def prop_list(self, items):
        if not items:
            return (0, 0)
        key = tuple(items)
        if key not in self.props_index:
            self.props_index[key] = len(self.props)
            self.props.extend(items)
        return (self.props_index[key], len(items))

    def ref_target(self, ref, where):
        m = re.match(r"^(?:/api/_definitions\.json)?#/\$defs/(.+)$", ref)
        if not m or m.group(1) not in self.def_index:
            sys.exit("unresolvable $ref %r at %s" % (ref, where))
        return self.def_index[m.group(1)]

    def convert(self, schema, where, def_name=None):
        """Turn one schema object into a node tuple (children converted first)."""
        if not isinstance(schema, dict):
            sys.exit("schema at %s is not an object" % where)
        reference = NONE
        ref = schema.get("$ref")
        if isinstance(ref, str):
            reference = self.ref_target(ref, where)

        ty_name, _nullable = first_type(schema.get("type"))
        fmt = schema.get("format") if isinstance(schema.get("format"), str) else None
        flags = 0
        if schema.get("x-kubernetes-preserve-unknown-fields") is True:
            flags |= FLAG_PRESERVE_UNKNOWN

        one_of = schema.get("oneOf")
        if reference != NONE:
            ty = TY_REF
        elif schema.get("x-kubernetes-int-or-string") is True:
            ty = TY_INT_OR_STRING
            fmt = "int-or-string"
        elif isinstance(one_of, list):
            alts = sorted(first_type(a.get("type"))[0] or "" for a in one_of)
            if alts == ["integer", "string"]:
                ty, fmt = TY_INT_OR_STRING, "int-or-string"
            elif alts == ["number", "string"]:
                # resource.Quantity: serialised as a string, numbers are accepted on input.
                ty, fmt = TY_STRING, "quantity"
            else:
                sys.exit("unsupported oneOf %r at %s" % (alts, where))
        elif ty_name is None:
            ty = TY_ANY
            flags |= FLAG_PRESERVE_UNKNOWN
        elif ty_name == "object":
            ty = TY_OBJECT
            if def_name in UNTYPED_OBJECTS:
                ty = TY_ANY
                flags |= FLAG_PRESERVE_UNKNOWN
        else:
            ty = {
                "array": TY_ARRAY,
                "string": TY_STRING,
                "integer": TY_INTEGER,
                "number": TY_NUMBER,
                "boolean": TY_BOOLEAN,
            }.get(ty_name)
            if ty is None:
                sys.exit("unknown type %r at %s" % (ty_name, where))

        props = []
        for name, sub in sorted((schema.get("properties") or {}).items(), key=lambda kv: kv[0].encode()):
            props.append((name, self.inline(sub, where + "." + name)))
        props_range = self.prop_list(props)

        additional = NONE
        ap = schema.get("additionalProperties")
        if isinstance(ap, dict):
            additional = self.inline(ap, where + "{}")
        elif ap is True:
            additional = self.any()

        items = NONE
        it = schema.get("items")
        if isinstance(it, dict):
            items = self.inline(it, where + "[]")
        elif it is not None:
            sys.exit("tuple items unsupported at %s" % where)

        req = schema.get("required") or []
        enum = schema.get("enum") or []
        for v in enum:
            if not isinstance(v, str):
                sys.exit("non-string enum value %r at %s" % (v, where))
        keys = schema.get("x-kubernetes-list-map-keys") or []

        lt = schema.get("x-kubernetes-list-type")
        mt = schema.get("x-kubernetes-map-type")
        if lt is not None and lt not in LIST_TYPES:
            sys.exit("unknown list type %r at %s" % (lt, where))
        if mt is not None and mt not in MAP_TYPES:
            sys.exit("unknown map type %r at %s" % (mt, where))

        return (
            ty,
            LIST_TYPES.get(lt, 0),
            MAP_TYPES.get(mt, 0),
            flags,
            self.single(fmt),
            reference,
            props_range,
            additional,
            items,
            self.string_list(list(req)),
            self.string_list(list(enum)),
            self.string_list(list(keys)),
            self.single(schema.get("x-kubernetes-patch-strategy")),
            self.single(schema.get("x-kubernetes-patch-merge-key")),
        )

    def intern(self, node):
        if node not in self.node_index:
            self.node_index[node] = len(self.nodes)
            self.nodes.append(node)
        return self.node_index[node]

    def inline(self, schema, where):
        return self.intern(self.convert(schema, where))

    def any(self):
        if self.any_node is None:
            self.any_node = self.intern(
                (TY_ANY, 0, 0, FLAG_PRESERVE_UNKNOWN, NONE, NONE, (0, 0), NONE, NONE,
                 (0, 0), (0, 0), (0, 0), NONE, NONE)
            )
        return self.any_node

    def build(self):
        self.any()
        for i, name in enumerate(self.def_names):
            self.nodes[i] = self.convert(self.defs[name], name, def_name=name)
        gvks = []
        for name in self.def_names:
            for g in self.defs[name].get("x-kubernetes-group-version-kind") or []:
                gvks.append((g["group"], g["version"], g["kind"], self.def_index[name]))
        gvks.sort(key=lambda t: (t[0].encode(), t[1].encode(), t[2].encode()))
        for a, b in zip(gvks, gvks[1:]):
            if a[:3] == b[:3]:
                sys.exit("duplicate GVK %r" % (a[:3],))
        self.gvks = gvks

        kinds = {(g, k) for g, _v, k, _i in gvks}
        resource_kinds = {(g, k) for g, k in kinds if not k.endswith("List") and k not in NOT_RESOURCES}
        missing = sorted(resource_kinds - set(RESOURCES))
        stale = sorted(set(RESOURCES) - resource_kinds)
        if missing or stale:
            sys.exit("RESOURCES out of date: missing %r, stale %r" % (missing, stale))
        self.resources = sorted(
            ((g, k, plural, namespaced) for (g, k), (plural, namespaced) in RESOURCES.items()),
            key=lambda r: (r[0].encode(), r[1].encode()),
        )
        self.by_plural = sorted(
            range(len(self.resources)),
            key=lambda i: (self.resources[i][0].encode(), self.resources[i][2].encode()),
        )
        if max(len(self.nodes), len(self.props), len(self.lists)) >= NONE or len(self.resources) > 256:
            sys.exit("table too large for its index types")


def rust_str(s):
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif 0x20 <= ord(ch) < 0x7F:
            out.append(ch)
        else:
            out.append("\\u{%x}" % ord(ch))
    out.append('"')
    return "".join(out)


def u16(v):
    return "X" if v == NONE else str(v)


def render(b, pkg_version, folder):
    lines = []
    w = lines.append
    w("// @generated by `python3 crates/rflux-schema/gen/generate.py` -- do not edit by hand.")
    w("// Source: PyPI kubernetes-validate %s, schemas %s/_definitions.json." % (pkg_version, folder))
    w("// Facts only (no descriptions). Table layout: see src/table.rs.")
    w("")
    w("use crate::table::{RawNode, X, n};")
    w("")
    w("/// The PyPI package and version the table was generated from.")
    w("pub(crate) const SOURCE_PACKAGE: &str = %s;" % rust_str("kubernetes-validate " + pkg_version))
    w("/// The schema folder of that package the table was generated from.")
    w("pub(crate) const SOURCE_SCHEMAS: &str = %s;" % rust_str(folder))
    w("/// The node that stands for arbitrary JSON.")
    w("pub(crate) const ANY: u16 = %d;" % b.any_node)
    w("")
    w("/// Definition names, sorted; definition `i` is node `i`.")
    w("pub(crate) static DEF_NAMES: [&str; %d] = [" % len(b.def_names))
    for name in b.def_names:
        w("%s," % rust_str(name))
    w("];")
    w("")
    w("/// (group, version, kind, definition), sorted by (group, version, kind).")
    w("pub(crate) static GVKS: [(&str, &str, &str, u16); %d] = [" % len(b.gvks))
    for g, v, k, i in b.gvks:
        w("(%s,%s,%s,%d)," % (rust_str(g), rust_str(v), rust_str(k), i))
    w("];")
    w("")
    w("/// (group, kind, plural, namespaced), sorted by (group, kind).")
    w("pub(crate) static RESOURCES: [(&str, &str, &str, bool); %d] = [" % len(b.resources))
    for g, k, plural, namespaced in b.resources:
        w("(%s,%s,%s,%s)," % (rust_str(g), rust_str(k), rust_str(plural), "true" if namespaced else "false"))
    w("];")
    w("")
    w("/// Indices into `RESOURCES`, sorted by (group, plural).")
    w("pub(crate) static RESOURCES_BY_PLURAL: [u8; %d] = [" % len(b.by_plural))
    w(",".join(str(i) for i in b.by_plural))
    w("];")
    w("")
    w("/// Strings referenced by (start, len) ranges or single indices from `NODES`.")
    w("pub(crate) static STRS: [&str; %d] = [" % len(b.lists))
    for s in b.lists:
        w("%s," % rust_str(s))
    w("];")
    w("")
    w("/// (property name, node), each node's run sorted by name.")
    w("pub(crate) static PROPS: [(&str, u16); %d] = [" % len(b.props))
    for name, node in b.props:
        w("(%s,%d)," % (rust_str(name), node))
    w("];")
    w("")
    w("/// n(ty, list_type, map_type, flags, format, ref, props, props_len, additional, items,")
    w("///   required, required_len, enum, enum_len, keys, keys_len, patch_strategy, merge_key)")
    w("pub(crate) static NODES: [RawNode; %d] = [" % len(b.nodes))
    for node in b.nodes:
        (ty, lt, mt, flags, fmt, ref, props, ap, items, req, enum, keys, strategy, merge_key) = node
        w(
            "n(%d,%d,%d,%d,%s,%s,%d,%d,%s,%s,%d,%d,%d,%d,%d,%d,%s,%s),"
            % (ty, lt, mt, flags, u16(fmt), u16(ref), props[0], props[1], u16(ap), u16(items),
               req[0], req[1], enum[0], enum[1], keys[0], keys[1], u16(strategy), u16(merge_key))
        )
    w("];")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kube", default="1.32", help="Kubernetes minor version (closest folder wins)")
    parser.add_argument("--package-version", default=DEFAULT_PACKAGE_VERSION,
                        help="kubernetes-validate version to install when it is missing")
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args()
    ensure_package(args.package_version)
    path, folder = schema_folder(args.kube)
    with open(os.path.join(path, "_definitions.json"), encoding="utf-8") as f:
        defs = json.load(f)["$defs"]
    b = Builder(defs)
    b.build()
    text = render(b, package_version(), folder)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    print(
        "wrote %s: %d bytes, %d definitions, %d nodes, %d properties, %d strings, %d kinds, "
        "%d resources"
        % (args.out, len(text), len(b.def_names), len(b.nodes), len(b.props), len(b.lists), len(b.gvks),
           len(b.resources)),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
