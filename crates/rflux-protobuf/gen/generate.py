#!/usr/bin/env python3
"""Generate src/generated.rs: the protobuf messages of Kubernetes' built-in kinds.

Usage: gen/generate.py KUBECTL_BINARY EXTRA_STRUCTS... > src/generated.rs

Sources of facts (see the header written into the output):
  * the Go struct definitions of k8s.io/api and k8s.io/apimachinery meta/v1 as
    linked into a kubectl binary (read by gotypes.py): field order, Go types
    (pointer / slice / map / struct), `json` tags (name, omitempty, inline) and
    `protobuf` tags (field number).  go-to-protobuf writes the upstream
    generated.proto files from these same tags, and the tags also carry what a
    .proto file does not: which fields Go's JSON inlines, omits when empty, or
    keeps when they are pointers to zero values.
  * text files (gen/structs/*.txt, format in structs.py) transcribed from upstream
    Go sources for packages kubectl does not link (apiextensions.k8s.io/v1).

Only messages reachable from a kind (a struct embedding TypeMeta) of the selected
packages are written.
"""

import re
import sys

import gotypes
import structs as extra_structs

META = "k8s.io/apimachinery/pkg/apis/meta/v1"
EXT = "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

# Messages whose Go type has its own protobuf and JSON (un)marshalling.
SPECIAL = {
    (META, "Time"): "Time",
    (META, "MicroTime"): "MicroTime",
    (META, "Duration"): "Duration",
    (META, "FieldsV1"): "RawJson",
    ("k8s.io/apimachinery/pkg/runtime", "RawExtension"): "RawJson",
    ("k8s.io/apimachinery/pkg/util/intstr", "IntOrString"): "IntOrString",
    ("k8s.io/apimachinery/pkg/api/resource", "Quantity"): "Quantity",
    (EXT, "JSON"): "RawJson",
    (EXT, "JSONSchemaPropsOrArray"): "OrArray",
    (EXT, "JSONSchemaPropsOrBool"): "OrBool",
    (EXT, "JSONSchemaPropsOrStringArray"): "OrStringArray",
}

GROUPS = {
    "core": "", "apps": "apps", "batch": "batch", "autoscaling": "autoscaling",
    "policy": "policy", "extensions": "extensions",
}

SCALARS = {
    "bool": "Bool", "int32": "I32", "int64": "I64", "int": "I64", "uint32": "U32",
    "uint64": "U64", "float32": "F32", "float64": "F64", "string": "Str",
}


def selected(pkg):
    if pkg == META:
        return True
    m = re.fullmatch(r"k8s\.io/api/([a-z0-9]+)/(v[0-9a-z]+)", pkg)
    return m is not None


def api_version(pkg):
    if pkg == META:
        return "meta.k8s.io/v1"
    if pkg == EXT:
        return "apiextensions.k8s.io/v1"
    m = re.fullmatch(r"k8s\.io/api/([a-z0-9]+)/(v[0-9a-z]+)", pkg)
    if not m:
        raise SystemExit(f"no API version for package {pkg}")
    group, ver = m.groups()
    if group in GROUPS:
        g = GROUPS[group]
    elif group == "flowcontrol":
        g = "flowcontrol.apiserver.k8s.io"
    elif group == "apiserverinternal":
        g = "internal.apiserver.k8s.io"
    elif group == "rbac":
        g = "rbac.authorization.k8s.io"
    else:
        g = f"{group}.k8s.io"
    return f"{g}/{ver}" if g else ver


def msg_name(pkg, name):
    if pkg == META:
        return f"meta.v1.{name}"
    if pkg == EXT:
        return f"apiextensions.v1.{name}"
    m = re.fullmatch(r"k8s\.io/api/([a-z0-9]+)/(v[0-9a-z]+)", pkg)
    if m:
        return f"{m.group(1)}.{m.group(2)}.{name}"
    return f"{pkg.rsplit('/', 1)[-1]}.{name}"


def parse_tags(tag):
    out = {}
    for m in re.finditer(r'(\w+):"((?:[^"\\]|\\.)*)"', tag):
        out[m.group(1)] = m.group(2)
    return out


class Gen:
    def __init__(self, structs):
        self.structs = structs
        self.order = []
        self.index = {}

    def want(self, key):
        if key in self.index:
            return
        if key not in self.structs and key not in SPECIAL:
            raise SystemExit(f"struct {key} is referenced but its definition was not found")
        self.index[key] = None
        self.order.append(key)
        if key in SPECIAL:
            return
        for f in self.fields(key):
            for ref in f["refs"]:
                self.want(ref)

    def fields(self, key):
        out = []
        for gname, tag, expr, embedded in self.structs[key]:
            tags = parse_tags(tag)
            pb = tags.get("protobuf", "")
            if not pb or pb == "-":
                continue
            js = tags.get("json", "")
            if js == "-":
                continue
            parts = pb.split(",")
            num = int(parts[1])
            jparts = js.split(",")
            jname = jparts[0]
            opts = set(jparts[1:])
            # encoding/json promotes the fields of an embedded struct that has no
            # JSON name (",inline" is only a marker for other tools).
            inline = embedded and jname == ""
            if not inline and jname == "":
                jname = gname
            ty, shape, refs = self.shape(expr, key, gname)
            out.append({"num": num, "json": jname, "ty": ty, "shape": shape,
                        "omit": "omitempty" in opts, "inline": inline, "refs": refs})
        nums = [f["num"] for f in out]
        if len(nums) != len(set(nums)):
            raise SystemExit(f"{key}: duplicate protobuf field numbers {nums}")
        return out

    def elem(self, expr, where):
        """Type of one protobuf value: (rust Ty, referenced structs)."""
        kind = expr[0]
        if kind == "builtin":
            if expr[1] not in SCALARS:
                raise SystemExit(f"{where}: unsupported Go type {expr}")
            return f"S({SCALARS[expr[1]]})", []
        if kind == "named":
            under = expr[3]
            if under[0] == "slice":
                if under[1][0] == "struct":
                    raise SystemExit(f"{where}: named list of messages {expr} outside a field")
                if under[1] == ("builtin", "uint8"):
                    return "S(Bytes)", []
                inner, refs = self.elem(under[1], where)
                if not inner.startswith("S("):
                    raise SystemExit(f"{where}: named list of messages {expr}")
                return "W(" + inner[2:-1] + ")", refs
            if under[0] == "builtin":
                return self.elem(under, where)
            raise SystemExit(f"{where}: unsupported named type {expr}")
        if kind == "struct":
            key = (expr[1], expr[2])
            return ("M", key), [key]
        if kind == "slice" and expr[1] == ("builtin", "uint8"):
            return "S(Bytes)", []
        raise SystemExit(f"{where}: unsupported element type {expr}")

    def shape(self, expr, key, gname):
        where = f"{key[0]}.{key[1]}.{gname}"
        if expr[0] == "named" and (expr[3][0] == "map" or (expr[3][0] == "slice" and expr[3][1][0] == "struct")):
            expr = expr[3]
        if expr[0] == "ptr":
            ty, refs = self.elem(expr[1], where)
            return ty, "PTR", refs
        if expr[0] == "slice" and expr[1] != ("builtin", "uint8"):
            ty, refs = self.elem(expr[1], where)
            if isinstance(ty, str) and ty.startswith("W("):
                raise SystemExit(f"{where}: list of wrapped lists")
            return ty, "REP", refs
        if expr[0] == "map":
            k = expr[1]
            while k[0] == "named":
                k = k[3]
            if k != ("builtin", "string"):
                raise SystemExit(f"{where}: map key {expr[1]} is not a string")
            ty, refs = self.elem(expr[2], where)
            return ty, "MAP", refs
        ty, refs = self.elem(expr, where)
        return ty, "ONE", refs


def kubectl_version(path):
    """gitVersion of a kubectl binary, e.g. v1.32.4."""
    import json
    import subprocess
    try:
        out = subprocess.run([path, "version", "--client", "-o", "json"], capture_output=True, timeout=30, check=True)
        return json.loads(out.stdout)["clientVersion"]["gitVersion"].split("-")[0]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError):
        return "unknown"


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = gotypes.GoBinary(sys.argv[1])
    structs = binary.structs(lambda p: p.startswith("k8s.io/"))
    version = kubectl_version(sys.argv[1])
    sources = [
        "Go struct tags (json, protobuf) and field types of k8s.io/api and k8s.io/apimachinery "
        f"(kubernetes/kubernetes, tag {version}: staging/src/k8s.io/api/*/*/types.go, "
        "staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go, pkg/util/intstr, pkg/api/resource, pkg/runtime), "
        f"read from the reflection data of kubectl {version} ({binary.version()}), gen/gotypes.py"
    ]
    for path in sys.argv[2:]:
        found, source = extra_structs.load(path)
        structs.update(found)
        sources.append(source)

    gen = Gen(structs)
    kinds = []
    for (pkg, name), fields in sorted(structs.items()):
        if not (selected(pkg) or pkg == EXT):
            continue
        if any(emb and expr == ("struct", META, "TypeMeta") for _, _, expr, emb in fields):
            kinds.append((api_version(pkg), name, (pkg, name)))
            gen.want((pkg, name))
    keys = sorted(gen.order, key=lambda k: msg_name(*k))
    for i, k in enumerate(keys):
        gen.index[k] = i

    def ty(t):
        if isinstance(t, tuple):
            return f"M({gen.index[t[1]]})"
        return t

    out = []
    w = out.append
    w("//! The protobuf messages of the built-in kinds, and which message each kind uses.")
    w("//! @generated by gen/generate.py; do not edit.")
    for s in sources:
        w(f"//! Source: {s}")
    w("//! Facts only: protobuf field number, JSON name, value type, Go shape and JSON tags.")
    w("")
    w("use crate::table::{KindEntry, Message, Scalar::*, Special, Ty::*, f, m, INLINE, MAP, OMIT, ONE, PTR, REP};")
    w("")
    w(f"pub(crate) static MESSAGES: [Message; {len(keys)}] = [")
    for i, k in enumerate(keys):
        special = SPECIAL.get(k)
        if special:
            w(f"    m({rust_str(msg_name(*k))}, Special::{special}, &[]),")
            continue
        fl = []
        for fd in gen.fields(k):
            flags = fd["shape"]
            if fd["omit"]:
                flags += " | OMIT"
            if fd["inline"]:
                flags += " | INLINE"
            fl.append(f"f({fd['num']}, {rust_str(fd['json'])}, {ty(fd['ty'])}, {flags})")
        body = ", ".join(fl)
        w(f"    m({rust_str(msg_name(*k))}, Special::None, &[{body}]),")
    w("];")
    w("")
    kinds.sort()
    w(f"pub(crate) static KINDS: [KindEntry; {len(kinds)}] = [")
    for av, kind, key in kinds:
        w(f"    KindEntry {{ api_version: {rust_str(av)}, kind: {rust_str(kind)}, message: {gen.index[key]} }},")
    w("];")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
