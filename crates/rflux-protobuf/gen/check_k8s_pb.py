#!/usr/bin/env python3
"""Cross-check src/generated.rs against the upstream generated.proto files.

Usage: gen/check_k8s_pb.py K8S_PB_SRC_DIR [src/generated.rs]

K8S_PB_SRC_DIR is the src/ directory of the k8s-pb crate (crates.io), whose
prost code is generated from Kubernetes' generated.proto files. For every message
of the table that k8s-pb also has, each field number must carry the same kind of
value (string, bytes, bool, int32, int64, double, message, map) and the same
cardinality (repeated or not). Fields only upstream has (newer Kubernetes) are
listed, not failed.
"""

import os
import re
import sys

PB_DIRS = {
    "meta.v1": "apimachinery/pkg/apis/meta/v1",
    "apiextensions.v1": "apiextensions_apiserver/pkg/apis/apiextensions/v1",
}
SCALAR_PB = {"string": "Str", "bytes": "Bytes", "bool": "Bool", "int32": "I32", "int64": "I64",
             "double": "F64", "float": "F32", "uint32": "U32", "uint64": "U64"}


def pb_messages(path):
    out = {}
    current = None
    pending = None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            m = re.match(r"pub struct (\w+) \{", line)
            if m:
                current = out.setdefault(m.group(1), {})
                continue
            m = re.search(r'#\[prost\((.*)tag = "(\d+)"\)\]', line)
            if m and current is not None:
                attrs, num = m.group(1), int(m.group(2))
                mm = re.search(r'(?:btree_map|map) = "string, (\w+)"', attrs)
                if mm:
                    kind = "map:" + ("Msg" if mm.group(1) == "message" else SCALAR_PB.get(mm.group(1), mm.group(1)))
                    current[num] = (kind, False)
                    continue
                words = [w.strip() for w in attrs.split(",") if w.strip()]
                base = words[0].split(" ")[0].split("=")[0].strip()
                kind = "Msg" if base == "message" else SCALAR_PB.get(base, base)
                current[num] = (kind, "repeated" in words)
            if line.startswith("}"):
                current = None
    return out


def table_messages(path):
    text = open(path, encoding="utf-8").read()
    msgs = re.findall(r'^    m\("([^"]+)", Special::(\w+), &\[(.*)\]\),$', text, re.M)
    names = [m[0] for m in msgs]
    out = {}
    for name, special, body in msgs:
        fields = {}
        for num, _json, ty, flags in re.findall(r'f\((\d+), "([^"]*)", (\w+\(\w+\)), ([A-Z | ]+)\)', body):
            shape = flags.split("|")[0].strip()
            if ty.startswith("M(") or ty.startswith("W("):
                kind = "Msg"
            else:
                kind = ty[2:-1]
            if shape == "MAP":
                fields[int(num)] = ("map:" + kind, False)
            else:
                fields[int(num)] = (kind, shape == "REP")
        out[name] = (special, fields)
    return out, names


def main():
    pb_src = sys.argv[1]
    table, _ = table_messages(sys.argv[2] if len(sys.argv) > 2 else "src/generated.rs")
    cache = {}
    problems = checked = 0
    for name, (special, fields) in sorted(table.items()):
        if special != "None":
            continue
        prefix, msg = name.rsplit(".", 1)
        rel = PB_DIRS.get(prefix, "api/" + prefix.replace(".", "/"))
        path = os.path.join(pb_src, rel, "mod.rs")
        if not os.path.exists(path):
            print(f"{name}: no k8s-pb module {rel}")
            continue
        if path not in cache:
            cache[path] = pb_messages(path)
        lower = {k.lower(): v for k, v in cache[path].items()}
        pb = lower.get(msg.lower())
        if pb is None:
            print(f"{name}: not in k8s-pb")
            continue
        checked += 1
        for num, want in sorted(pb.items()):
            got = fields.get(num)
            if got is None:
                print(f"{name}: field {num} {want} only upstream (newer Kubernetes)")
            elif got != want:
                print(f"MISMATCH {name}: field {num}: table {got}, proto {want}")
                problems += 1
        for num in sorted(set(fields) - set(pb)):
            print(f"MISMATCH {name}: field {num} {fields[num]} not in proto")
            problems += 1
    print(f"{checked} messages compared, {problems} mismatches")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
