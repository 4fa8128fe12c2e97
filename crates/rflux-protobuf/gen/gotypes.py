"""Read the Go struct definitions (field names, Go types, struct tags) that a Go
binary keeps for reflection.

kubectl links every k8s.io/api package; encoding/json and the protobuf
marshallers reach their types through reflection, so the binary carries each
struct's fields with their complete `json:"..." protobuf:"..."` tags.  This
module walks the runtime type descriptors of a Go 1.21+ linux/amd64 ELF binary
(abi.Type layout) starting from the .typelink section.

Result: {(pkg_path, type_name): GoStruct}, where field types are TypeExpr
tuples:
  ("builtin", kind)            bool, int32, int64, uint64, float64, string, uint8, ...
  ("named", pkg, name, under)  a named non-struct type; under is a TypeExpr
  ("struct", pkg, name)        a named struct type
  ("ptr", T) ("slice", T) ("map", K, V)
"""

import struct as _st

KINDS = {
    1: "bool", 2: "int", 3: "int8", 4: "int16", 5: "int32", 6: "int64",
    7: "uint", 8: "uint8", 9: "uint16", 10: "uint32", 11: "uint64", 12: "uintptr",
    13: "float32", 14: "float64", 17: "array", 18: "chan", 19: "func",
    20: "interface", 21: "map", 22: "ptr", 23: "slice", 24: "string", 25: "struct",
    26: "unsafe.Pointer",
}
TFLAG_UNCOMMON, TFLAG_EXTRA_STAR, TFLAG_NAMED = 1, 2, 4


class GoBinary:
    def __init__(self, path):
        with open(path, "rb") as fh:
            self.data = fh.read()
        if self.data[:4] != b"\x7fELF":
            raise SystemExit(f"{path}: not an ELF file")
        self.sections = self._sections()
        rodata = self.sections[".rodata"]
        self.types_base = rodata[0]
        addr, off, size = self.sections[".typelink"]
        self.typelinks = _st.unpack_from(f"<{size // 4}i", self.data, off)
        self._cache = {}

    def _sections(self):
        d = self.data
        shoff = _st.unpack_from("<Q", d, 0x28)[0]
        entsize, num, strndx = _st.unpack_from("<HHH", d, 0x3A)
        raw = []
        for i in range(num):
            name, _typ, _flags, addr, off, size = _st.unpack_from("<IIQQQQ", d, shoff + i * entsize)
            raw.append((name, addr, off, size))
        stroff = raw[strndx][2]
        out = {}
        for name, addr, off, size in raw:
            end = d.index(b"\0", stroff + name)
            out[d[stroff + name:end].decode()] = (addr, off, size)
        return out

    def _off(self, addr):
        for a, off, size in self.sections.values():
            if a and a <= addr < a + size:
                return off + (addr - a)
        raise ValueError(f"address {addr:#x} is in no section")

    def _varint(self, o):
        x = shift = 0
        while True:
            b = self.data[o]
            o += 1
            x |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return x, o

    def _name(self, addr):
        """abi.Name: flags byte, varint length, bytes, then optional tag."""
        o = self._off(addr)
        flags = self.data[o]
        n, o = self._varint(o + 1)
        name = self.data[o:o + n].decode("utf-8")
        o += n
        tag = ""
        if flags & 2:
            t, o = self._varint(o)
            tag = self.data[o:o + t].decode("utf-8")
        return name, tag, flags

    def _type(self, addr):
        if addr in self._cache:
            return self._cache[addr]
        o = self._off(addr)
        (_size, _ptrbytes, _hash, tflag, _al, _fal, kind, _eq, _gc, str_off, _ptrto) = \
            _st.unpack_from("<QQIBBBBQQii", self.data, o)
        kind &= 0x1F
        name = self._name(self.types_base + str_off)[0]
        if tflag & TFLAG_EXTRA_STAR:
            name = name[1:]
        t = {"kind": KINDS.get(kind, str(kind)), "name": name, "named": bool(tflag & TFLAG_NAMED),
             "pkg": "", "addr": addr}
        self._cache[addr] = t
        if t["kind"] in ("ptr", "slice", "array"):
            t["elem"] = _st.unpack_from("<Q", self.data, o + 48)[0]
            uncommon = o + 56 + (16 if t["kind"] == "array" else 0)
        elif t["kind"] == "map":
            t["key"], t["elem"] = _st.unpack_from("<QQ", self.data, o + 48)
            uncommon = None
        elif t["kind"] == "struct":
            fptr, flen, _cap = _st.unpack_from("<QQQ", self.data, o + 56)
            fields = []
            for i in range(flen):
                name_ptr, typ, _offset = _st.unpack_from("<QQQ", self.data, self._off(fptr) + i * 24)
                fname, ftag, fflags = self._name(name_ptr)
                fields.append((fname, ftag, typ, bool(fflags & 8)))
            t["fields"] = fields
            uncommon = o + 80
        else:
            uncommon = o + 48 if t["kind"] not in ("interface", "func", "chan") else None
        if tflag & TFLAG_UNCOMMON and uncommon is not None:
            pkg_off = _st.unpack_from("<i", self.data, uncommon)[0]
            if pkg_off:
                t["pkg"] = self._name(self.types_base + pkg_off)[0]
        return t

    def expr(self, addr):
        t = self._type(addr)
        k = t["kind"]
        if k == "struct":
            short = t["name"].split(".", 1)[-1]
            return ("struct", t["pkg"], short)
        if t["named"] and k in ("slice", "map") or (t["named"] and t["pkg"]):
            short = t["name"].split(".", 1)[-1]
            return ("named", t["pkg"], short, self._under(t))
        return self._under(t)

    def _under(self, t):
        k = t["kind"]
        if k == "ptr":
            return ("ptr", self.expr(t["elem"]))
        if k == "slice":
            return ("slice", self.expr(t["elem"]))
        if k == "map":
            return ("map", self.expr(t["key"]), self.expr(t["elem"]))
        return ("builtin", k)

    def structs(self, want_pkg):
        """All named structs reachable from the typelinks whose package passes want_pkg."""
        out = {}
        seen = set()
        stack = [self.types_base + x for x in self.typelinks]
        while stack:
            a = stack.pop()
            if not a or a in seen:
                continue
            seen.add(a)
            try:
                t = self._type(a)
            except (ValueError, IndexError, UnicodeDecodeError, _st.error):
                continue
            for key in ("elem", "key"):
                if key in t:
                    stack.append(t[key])
            if t["kind"] == "struct":
                for f in t["fields"]:
                    stack.append(f[2])
                if t["pkg"] and t["named"] and want_pkg(t["pkg"]):
                    short = t["name"].split(".", 1)[-1]
                    fields = [(fname, tag, self.expr(typ), emb) for fname, tag, typ, emb in t["fields"]]
                    out[(t["pkg"], short)] = fields
        return out


def _version(self):
    """The Go version string kept in the binary's build info."""
    addr, off, size = self.sections.get(".go.buildinfo", (0, 0, 0))
    blob = self.data[off:off + size]
    m = __import__("re").search(rb"go1\.[0-9]+(\.[0-9]+)?", blob)
    return m.group(0).decode() if m else "unknown Go version"


GoBinary.version = _version
