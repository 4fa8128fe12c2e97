#!/usr/bin/env python3
"""Regenerate expected.json: render every case with the real Helm v4 engine.

Each case is wrapped in a throwaway chart (Chart.yaml, values.yaml, templates/_helpers.tpl,
templates/case.yaml) and rendered with the Helm v4 Go engine from the PyPI package
helm-python-sdk, the engine behind shared/tools/helm-reference-render. Run it with that
tool's virtualenv (created on the tool's first use):

    /tmp/helm-ref-venv/bin/python tests/fidelity/generate.py

Inputs (all in this directory): values.yaml, _helpers.tpl, cases/*.txt, plus 200
"generated/*" cases: random nested data full of YAML-sensitive strings, numbers and keys
(fixed seed) passed through toYaml, toJson, toPrettyJson and toToml.
A cases file holds cases separated by header lines "### NAME"; the case text is everything
up to the next header, without its final newline. A header "### NAME !random" marks a case
whose output is random: only the error/success outcome is recorded. "!bcrypt" marks a
bcrypt hash: the output is recorded and the crate's bcrypt unit test re-derives it.
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

WORDS = ["yes", "no", "on", "off", "y", "n", "true", "False", "null", "~", "", " ", "0", "1", "-1", "0755",
         "0x1F", "1e3", "1.5", ".5", "+1", "1_000", "12:30", "2001-12-14", "a: b", "a #b", "#c", "- x", "-x",
         "? x", "?x", ":x", "x:", "[a]", "{a}", "*a", "&a", "!a", "|a", ">a", "'q'", '"q"', "`b`", "%p", "@a",
         "a,b", "a\tb", "a\nb", "a\n", "a\n\n", "\na", " a", "a ", "a \nb", "a\n b", "é", "✓ ok", "\u00a0",
         "x" * 90, "word " * 25, "k=v", "a/b", "http://x.y/z?q=1", "<>&", "---", "...", "=", "<<", "null ", "-",
         "a\rb", "\u0007", "Yes", "NO", "1.0e+3", "0o17", "0b101", "inf", ".inf", "-.Inf", ".NaN"]

def rand_scalar(rng):
    r = rng.random()
    if r < 0.45:
        return rng.choice(WORDS)
    if r < 0.6:
        return rng.choice([0, 1, -1, 42, 1000000, 123456789, 2**53, -7, 100000])
    if r < 0.75:
        return rng.choice([0.5, 1.5, -2.25, 1e-7, 1e21, 3.14159, 1e6, 123456.7, 0.0001, 1e-5, 2.0])
    if r < 0.85:
        return rng.choice([True, False])
    return None

def rand_value(rng, depth=0):
    r = rng.random()
    if depth > 3 or r < 0.4:
        return rand_scalar(rng)
    if r < 0.7:
        return {rand_key(rng): rand_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    return [rand_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]

def rand_key(rng):
    if rng.random() < 0.6:
        return rng.choice(["a", "b", "name", "a1", "a10", "a2", "B", "_x", "x_y", "xy", "1", "10", "2", "key with space"])
    v = rand_scalar(rng)
    return v if isinstance(v, str) else "k"

def go_string_literal(text):
    # JSON string escapes are valid Go string escapes
    return json.dumps(text, ensure_ascii=True)

def generated_cases():
    import random
    rng = random.Random(20260125)
    for i in range(230):
        data = rand_value(rng)
        if not isinstance(data, (dict, list)):
            data = {"v": data}
        lit = go_string_literal(json.dumps(data, ensure_ascii=False))
        fn = "toYaml" if i < 140 else ("toJson" if i < 170 else ("toPrettyJson" if i < 185 else ("toToml" if i < 200 else "toYamlPretty")))
        yield "generated", "%s-%03d" % (fn, i), [], "{{ %s (fromJson %s) }}" % (fn, lit) if isinstance(data, dict) else "{{ %s (fromJsonArray %s) }}" % (fn, lit)

PRINTF_ARGS = ["42", "-7", "0", "3.5", "-0.25", "1e6", "1e-7", "123456.789", "\"str\"", "\"\"", "\"a\\tb\"",
               "\"é✓\"", "true", "false", "nil", ".Values.int", ".Values.float", ".Values.big", ".Values.list",
               ".Values.labels", ".Values.mixed", ".Values.missing", "(list 1 \"a\")", "(int64 5)", "'x'",
               ".Values.small", ".Values.emptyList", "(splitList \",\" \"a,b\")"]

def generated_printf_cases():
    import random
    rng = random.Random(7)
    verbs = "vdsqfFeEgGxXotTbcU"
    for i in range(150):
        n = rng.randint(1, 3)
        fmt, args = [], []
        for _ in range(n):
            flags = "".join(rng.sample("+- #0", rng.randint(0, 2)))
            width = str(rng.randint(1, 12)) if rng.random() < 0.4 else ""
            prec = "." + str(rng.randint(0, 6)) if rng.random() < 0.35 else ""
            fmt.append("%" + flags + width + prec + rng.choice(verbs))
            args.append(rng.choice(PRINTF_ARGS))
        if rng.random() < 0.1:
            args.append(rng.choice(PRINTF_ARGS))  # extra argument
        if rng.random() < 0.1 and args:
            args.pop()  # missing argument
        yield "generated", "printf-%03d" % i, [], "{{ printf %s %s }}" % (json.dumps("[" + "|".join(fmt) + "]"), " ".join(args))

STRINGS = ["hello world", "Hello World", "  padded  ", "", "a", "HTTPServer", "user_id", "kebab-case-x",
           "camelCaseWord", "ALL_CAPS_WORD", "mixed Case-and_snake", "élan vital ✓", "tab\there", "line1\nline2",
           "x.y.z", "a,b,,c", "123abc", "ÀÉÎõü", "日本語 テキスト", "o'neil", "don't stop", "a  b   c",
           "trailing\n", "\u00a0nbsp", "UPPER lower", "x", "ab cd ef gh ij kl mn op qr st uv wx yz"]
UNARY = ["upper", "lower", "title", "untitle", "trim", "nospace", "snakecase", "kebabcase", "camelcase",
         "swapcase", "initials", "quote", "squote", "b64enc", "sha256sum", "sha1sum", "adler32sum", "len",
         "toString", "b32enc", "html", "js", "urlquery", "toJson", "toYaml", "sortAlpha", "toStrings", "splitList \" \"",
         "trimSuffix \"d\"", "trimPrefix \"h\"", "trimAll \" x\"", "repeat 2", "trunc 5", "trunc -3",
         "abbrev 7", "indent 2", "nindent 1", "wrap 6", "substr 1 4", "replace \" \" \"_\"", "contains \"o\"",
         "hasPrefix \"a\"", "hasSuffix \"d\"", "regexReplaceAll \"[aeiou]\" \"_\"", "regexFind \"[A-Z]+\"",
         "regexFindAll \"\\\\w+\" 2", "regexMatch \"^[a-z ]+$\"", "plural \"one\" \"many\" | printf \"%s\"",
         "split \" \"", "cat \"!\"", "printf \"%q|%x|%5.3s|%-8v|\"", "print", "quote | squote"]

def generated_string_cases():
    import random
    rng = random.Random(99)
    for i in range(160):
        val = rng.choice(STRINGS)
        chain = [rng.choice(UNARY) for _ in range(rng.randint(1, 2))]
        text = "{{ %s | %s }}" % (json.dumps(val), " | ".join(chain))
        yield "generated", "strings-%03d" % i, [], text

OPERANDS = ["1", "2", "-3", "0", "1.5", "2.0", "\"a\"", "\"b\"", "\"\"", "true", "false", "nil",
            ".Values.int", ".Values.float", ".Values.zero", ".Values.str", ".Values.missing", ".Values.list",
            ".Values.labels", "(int64 2)", "(add 1 1)", "(len \"ab\")", "(list 1)", "(dict)", "(float64 2)",
            "\"10\"", "(atoi \"7\")", ".Values.boolT", ".Values.emptyList", "'a'"]
FUNCS2 = ["eq", "ne", "lt", "le", "gt", "ge", "add", "sub", "mul", "div", "mod", "max", "min", "addf", "subf",
          "mulf", "divf", "default", "coalesce", "ternary \"y\" \"n\"", "and", "or", "list", "has", "without",
          "append", "prepend", "concat", "index", "slice", "dict", "pick", "omit", "hasKey", "get", "merge",
          "until", "untilStep 1", "first", "last", "rest", "initial", "uniq", "compact", "reverse", "toString",
          "int", "int64", "float64", "empty", "kindOf", "typeOf", "toJson", "quote", "cat", "print", "len",
          "not", "deepEqual", "floor", "ceil", "round", "atoi", "trunc", "repeat", "join \",\"", "sortAlpha",
          "keys", "values", "splitList \",\"", "semverCompare \">=1.0.0\"", "b64enc", "upper", "printf \"%v\""]

def generated_call_cases():
    import random
    rng = random.Random(4242)
    for i in range(220):
        fn = rng.choice(FUNCS2)
        args = " ".join(rng.choice(OPERANDS) for _ in range(rng.randint(1, 3)))
        yield "generated", "call-%03d" % i, [], "{{ %s %s }}" % (fn, args)

def generated_mutation_cases(base):
    """Syntax-damaged variants of the hand-written cases: parse and execution errors."""
    import random
    rng = random.Random(31337)
    # a fixed pool (files that are no longer edited) keeps the generated cases stable
    stable = ("lang", "print", "strings", "lists", "dicts", "compare", "yaml", "json", "math", "types")
    pool = [t for (g, _, flags, t) in base
            if g in stable and "random" not in flags and "fx.self" not in t and "{{" in t]
    for i in range(500):
        b = bytearray(rng.choice(pool).encode())
        for _ in range(rng.randint(1, 3)):
            if not b:
                break
            j = rng.randrange(len(b))
            op = rng.randrange(3)
            if op == 0:
                del b[j]
            elif op == 1:
                b.insert(j, rng.choice(b"{}()|$.\"'- \n"))
            else:
                k = rng.randrange(len(b))
                b[j], b[k] = b[k], b[j]
        text = b.decode("utf-8", "replace")
        if not text.isascii():
            continue  # broken UTF-8 needs byte strings, which values here do not have
        yield "generated", "mutation-%03d" % i, [], text

def generated_multiline_cases(base):
    """Syntax-damaged templates whose actions span lines: newlines put inside actions, then
    one damaging edit, so parse errors are reported on later lines of an action."""
    import random
    rng = random.Random(8086)
    stable = ("lang", "print", "strings", "lists", "dicts", "compare", "yaml", "json", "math", "types")
    pool = [t for (g, _, flags, t) in base
            if g in stable and "random" not in flags and "fx.self" not in t and "{{" in t and t.isascii()]
    for i in range(200):
        text = rng.choice(pool)
        # newlines after some spaces inside actions
        out, inside = [], False
        for j, ch in enumerate(text):
            if text.startswith("{{", j):
                inside = True
            elif text.startswith("}}", j - 1) and j > 0:
                inside = False
            if inside and ch == " " and rng.random() < 0.4:
                out.append(rng.choice(["\n", " \n", "\n\n "]))
            else:
                out.append(ch)
        b = list("".join(out))
        if b:
            j = rng.randrange(len(b))
            op = rng.randrange(3)
            if op == 0:
                del b[j]
            elif op == 1:
                b.insert(j, rng.choice("{}()|$.\"'`-= "))
            else:
                k = rng.randrange(len(b))
                b[j], b[k] = b[k], b[j]
        yield "generated", "multiline-%03d" % i, [], "".join(b)

def generated_program_cases():
    """Random but well-formed templates: control structures, variables and pipelines."""
    import random
    rng = random.Random(2718)
    fields = [".Values.str", ".Values.int", ".Values.float", ".Values.list", ".Values.labels", ".Values.nested",
              ".Values.missing", ".Values.emptyList", ".Values.boolT", ".Values.boolF", ".Values.mixed",
              ".Values.nested.list", ".Values.image", ".Values.zero", ".Values.nullv"]
    funcs = ["upper", "quote", "toString", "toJson", "len", "default \"d\"", "toYaml", "typeOf", "kindOf", "empty",
             "not", "print", "squote", "b64enc", "toStrings", "first", "trim", "nindent 2", "indent 1"]

    def expr(depth):
        base = rng.choice(fields + ["$v", "$i"] if depth else fields)
        for _ in range(rng.randint(0, 2)):
            base += " | " + rng.choice(funcs)
        return base

    def block(depth, have_vars):
        parts = []
        for _ in range(rng.randint(1, 3)):
            r = rng.random()
            if depth < 3 and r < 0.2:
                parts.append("{{ if %s }}%s{{ else }}%s{{ end }}" % (cond(), block(depth + 1, have_vars), block(depth + 1, have_vars)))
            elif depth < 3 and r < 0.35:
                parts.append("{{ range $i, $v := %s }}[%s]{{ else }}none{{ end }}" % (rng.choice(fields), block(depth + 1, True)))
            elif depth < 3 and r < 0.45:
                parts.append("{{ with %s }}<%s>{{ end }}" % (rng.choice(fields), block(depth + 1, have_vars)))
            elif r < 0.55:
                parts.append("{{- $x := %s }}{{ $x }}" % expr(have_vars))
            else:
                parts.append(rng.choice(["", " ", "\n", "-", "{{- ", "{{ "])[:0] + "{{ %s }}" % expr(have_vars))
            parts.append(rng.choice(["", ",", "\n", " "]))
        return "".join(parts)

    def cond():
        return rng.choice(["%s", "not %s", "and %s %s", "or %s %s", "eq (len (toString %s)) 3", "empty %s"]).replace(
            "%s", "X").replace("X", rng.choice(fields), 1).replace("X", rng.choice(fields))

    for i in range(200):
        yield "generated", "program-%03d" % i, [], block(0, False)

def generated_program2_cases():
    """Random programs with helpers, dict building, tpl and printf."""
    import random
    rng = random.Random(1618)
    vals = [".Values.str", ".Values.int", ".Values.float", ".Values.list", ".Values.labels", ".Values.nested",
            ".Values.missing", ".Values.emptyList", ".Values.boolT", ".Values.mixed", ".Values.image",
            ".Values.floats", ".Values.special.colon", ".Values.multiline", ".Values.map", "$d", "$l"]
    ops = ["include \"fx.echo\" %s", "include \"fx.dict\" (dict \"a\" %s \"b\" %s)", "printf \"%%v|%%T\" %s %s",
           "tpl \"{{ .Values.str }}-{{ . }}\" %s", "toYaml %s | nindent 4", "toJson %s", "default %s %s",
           "ternary %s %s true", "list %s %s | toJson", "dict \"k\" %s | toYaml", "get $d \"a\"", "hasKey $d \"b\"",
           "append $l %s | len", "coalesce %s %s", "quote %s", "eq (typeOf %s) \"string\"", "index $l 0",
           "pick $d \"a\" | toJson", "merge (dict \"z\" 1) $d | toJson", "keys $d | sortAlpha | join \",\"",
           "toString %s | trunc 10", "len $l", "kindOf %s", "print %s %s", "cat %s %s"]

    def op():
        t = rng.choice(ops)
        while "%s" in t.replace("%%", ""):
            i = t.replace("%%", "\0\0").index("%s")
            t = t[:i] + rng.choice(vals) + t[i + 2:]
        return t

    for i in range(250):
        parts = ["{{- $d := dict \"a\" %s \"b\" %s }}{{- $l := list %s %s }}" % tuple(rng.choice(vals[:15]) for _ in range(4))]
        for _ in range(rng.randint(1, 4)):
            r = rng.random()
            if r < 0.15:
                parts.append("{{ $_ := set $d \"c\" %s }}" % rng.choice(vals))
            elif r < 0.25:
                parts.append("{{ $l = append $l %s }}" % rng.choice(vals))
            elif r < 0.4:
                parts.append("{{ range $k, $v := $d }}{{ $k }}={{ %s }};{{ end }}" % op().replace("%s", "$v"))
            else:
                parts.append("{{ %s }}" % op())
            parts.append(rng.choice(["\n", "|", " "]))
        yield "generated", "program2-%03d" % i, [], "".join(parts)

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
    base = list(cases())
    generated = (list(generated_cases()) + list(generated_printf_cases()) + list(generated_string_cases())
                 + list(generated_call_cases()) + list(generated_mutation_cases(base))
                 + list(generated_multiline_cases(base))
                 + list(generated_program_cases()) + list(generated_program2_cases()))
    for group, name, flags, text in base + generated:
        key = group + "/" + name
        if key in seen:
            sys.exit("duplicate case " + key)
        seen.add(key)
        r = render(values, helpers, text)
        c = {"name": key, "template": text}
        if "bcrypt" in flags:
            c["bcrypt"] = True  # random salt: src/bcrypt.rs re-derives Helm's hash from its salt
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
