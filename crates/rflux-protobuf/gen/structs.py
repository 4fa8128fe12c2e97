"""Load Go struct facts from a text file, for packages no linked binary provides.

Format (one item a line, `#` starts a comment line):
  source TEXT                      where the facts were read (kept in the output header)
  package IMPORT_PATH              package of the following declarations
  import ALIAS IMPORT_PATH         qualifier used in type expressions
  type NAME TYPE                   a named non-struct type
  struct NAME                      starts a struct; fields follow until `end`
    FIELD TYPE [embedded] `TAGS`   Go field name, Go type, Go struct tags
  end
TYPE is Go syntax: *T, []T, map[K]V, builtin names, NAME or ALIAS.NAME.
Produces the same shape as gotypes.GoBinary.structs().
"""

import re

BUILTINS = {"bool", "int", "int32", "int64", "uint32", "uint64", "float32", "float64", "string", "uint8", "byte"}


def load(path):
    pkg = None
    imports = {}
    named = {}
    raw_structs = {}
    current = None
    source = path
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            where = f"{path}:{lineno}"
            if current is not None:
                if line == "end":
                    current = None
                    continue
                m = re.fullmatch(r"(\w+)\s+(\S+)\s*(embedded)?\s*`(.*)`", line)
                if not m:
                    raise SystemExit(f"{where}: cannot read field line: {line}")
                raw_structs[current].append((m.group(1), m.group(4), m.group(2), bool(m.group(3)), where))
                continue
            word, _, rest = line.partition(" ")
            if word == "source":
                source = rest
            elif word == "package":
                pkg = rest
            elif word == "import":
                alias, ipath = rest.split()
                imports[alias] = ipath
            elif word == "type":
                name, texpr = rest.split(None, 1)
                named[name] = texpr
            elif word == "struct":
                current = (pkg, rest)
                raw_structs[current] = []
            else:
                raise SystemExit(f"{where}: unknown directive {word}")

    def parse(texpr, where):
        if texpr.startswith("*"):
            return ("ptr", parse(texpr[1:], where))
        if texpr.startswith("[]"):
            return ("slice", parse(texpr[2:], where))
        if texpr.startswith("map["):
            depth, i = 0, 3
            while True:
                if texpr[i] == "[":
                    depth += 1
                elif texpr[i] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            return ("map", parse(texpr[4:i], where), parse(texpr[i + 1:], where))
        if texpr in BUILTINS:
            return ("builtin", "uint8" if texpr == "byte" else texpr)
        if "." in texpr:
            alias, name = texpr.split(".", 1)
            if alias not in imports:
                raise SystemExit(f"{where}: unknown import alias {alias}")
            return ("struct", imports[alias], name)
        if texpr in named:
            return ("named", pkg, texpr, parse(named[texpr], where))
        if (pkg, texpr) in raw_structs:
            return ("struct", pkg, texpr)
        raise SystemExit(f"{where}: unknown type {texpr}")

    out = {}
    for key, fields in raw_structs.items():
        out[key] = [(g, tag, parse(t, w), emb) for g, tag, t, emb, w in fields]
    return out, source
