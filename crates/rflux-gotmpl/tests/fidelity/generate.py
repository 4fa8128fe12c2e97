#!/usr/bin/env python3
"""Regenerate expected.json: render every case with the real Helm v4 engine.

Each case is wrapped in a throwaway chart (Chart.yaml, values.yaml, templates/_helpers.tpl,
templates/case.yaml) and rendered with the Helm v4 Go engine from the PyPI package
helm-python-sdk, the engine behind shared/tools/helm-reference-render. Run it with that
tool's virtualenv (created on the tool's first use):

    /tmp/helm-ref-venv/bin/python tests/fidelity/generate.py

Inputs (all in this directory): values.yaml, _helpers.tpl, cases/*.txt.
A cases file holds cases separated by header lines "### NAME"; the case text is everything
up to the next header, without its final newline. A header "### NAME !random" marks a case
whose output is random: only the error/success outcome is recorded.
Output: expected.json (committed; `cargo test` reads it, never Helm).
"""
import json, os, sys, tempfile, glob, shutil
from helm_python import Chart

HERE = os.path.dirname(os.path.abspath(__file__))

def read(p):
    with open(p, encoding="utf-8") as f:
        return f.read()

def cases():
    for path in sorted(glob.glob(os.path.join(HERE, "cases", "*.txt"))):
        group = os.path.splitext(os.path.basename(path))[0]
        name, flags, lines = None, [], []
        for line in read(path).split("\n"):
            if line.startswith("### "):
                if name is not None:
                    yield group, name, flags, "\n".join(lines)
                parts = line[4:].split()
                name, flags, lines = parts[0], [f.lstrip("!") for f in parts[1:]], []
            elif name is not None:
                lines.append(line)
        if name is not None:
            text = "\n".join(lines)
            yield group, name, flags, text[:-1] if text.endswith("\n") else text

def render(values, helpers, text):
    d = tempfile.mkdtemp()
    try:
        os.makedirs(os.path.join(d, "templates"))
        with open(os.path.join(d, "Chart.yaml"), "w") as f:
            f.write("apiVersion: v2\nname: fx\nversion: 0.1.0\nappVersion: \"1.2.3\"\n")
        with open(os.path.join(d, "values.yaml"), "w") as f:
            f.write(values)
        with open(os.path.join(d, "templates", "_helpers.tpl"), "w") as f:
            f.write(helpers)
        with open(os.path.join(d, "templates", "case.yaml"), "w") as f:
            f.write(text)
        try:
            out = Chart.load(d).render({})
            return {"output": out.get("fx/templates/case.yaml", "")}
        except Exception as e:
            return {"error": str(e)}
    finally:
        shutil.rmtree(d, ignore_errors=True)

def main():
    values = read(os.path.join(HERE, "values.yaml"))
    helpers = read(os.path.join(HERE, "_helpers.tpl"))
    vj = render(values, "", "{{ toJson .Values }}")
    if "error" in vj:
        sys.exit("values do not render: " + vj["error"])
    out = {"values": json.loads(vj["output"]), "cases": []}
    seen = set()
    for group, name, flags, text in cases():
        key = group + "/" + name
        if key in seen:
            sys.exit("duplicate case " + key)
        seen.add(key)
        r = render(values, helpers, text)
        c = {"name": key, "template": text}
        if "random" in flags:
            c["random"] = True
            if "output" in r:
                r = {"output": None}
        c.update(r)
        out["cases"].append(c)
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    print("%d cases" % len(out["cases"]))

if __name__ == "__main__":
    main()
