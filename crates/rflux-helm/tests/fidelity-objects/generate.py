#!/usr/bin/env python3
"""Regenerate expected.json: render every case with the real Helm v4 engine.

Each case of cases.txt (headers "### NAME"; the case text runs to the next header, without
its final newline) becomes templates/case.yaml of a copy of chart/ (which holds text,
empty and binary files for .Files, values and a helper) and is rendered with the Helm v4 Go
engine from the PyPI package helm-python-sdk, the engine behind
shared/tools/helm-reference-render, with Helm's default capabilities. Run it with that
tool's virtualenv (created on the tool's first use):

    /tmp/helm-ref-venv/bin/python tests/fidelity-objects/generate.py

Output: expected.json (committed; `cargo test` reads it, never Helm): per case the
template and either Helm's output of fx/templates/case.yaml or its error message.
"""
import json, os, shutil, sys, tempfile
from helm_python import Chart

HERE = os.path.dirname(os.path.abspath(__file__))

def cases():
    with open(os.path.join(HERE, "cases.txt"), encoding="utf-8") as f:
        text = f.read()
    name, lines = None, []
    for line in text.split("\n"):
        if line.startswith("### "):
            if name is not None:
                yield name, "\n".join(lines)
            name, lines = line[4:].strip(), []
        elif name is not None:
            lines.append(line)
    if name is not None:
        body = "\n".join(lines)
        yield name, body[:-1] if body.endswith("\n") else body

def render(text):
    d = tempfile.mkdtemp()
    try:
        chart = os.path.join(d, "fx")
        shutil.copytree(os.path.join(HERE, "chart"), chart)
        with open(os.path.join(chart, "templates", "case.yaml"), "w", encoding="utf-8") as f:
            f.write(text)
        try:
            out = Chart.load(chart).render({})
            return {"output": out.get("fx/templates/case.yaml", "")}
        except Exception as e:
            return {"error": str(e)}
    finally:
        shutil.rmtree(d, ignore_errors=True)

def main():
    out, seen = [], set()
    for name, text in cases():
        if name in seen:
            sys.exit("duplicate case " + name)
        seen.add(name)
        c = {"name": name, "template": text}
        c.update(render(text))
        out.append(c)
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"cases": out}, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    print("%d cases" % len(out))

if __name__ == "__main__":
    main()
