#!/usr/bin/env python3
"""Writes the Rust types of rflux-api from Flux's CRD schemas (facts only: field names,
types, validation, defaults; no descriptions).

Usage: gen/types.py FLUX_CRD_DIR   (run from crates/rflux-api; rewrites src/types/*.rs)

Objects with the same shape (descriptions ignored) share one Rust type; types used by more
than one kind land in src/types/common.rs. Names come from NAMES below, else from the
parent type and the field name.
"""

import json
import os
import re
import sys

import yaml

KINDS = [
    ("source.toolkit.fluxcd.io_gitrepositories.yaml", "gitrepository"),
    ("source.toolkit.fluxcd.io_helmrepositories.yaml", "helmrepository"),
    ("source.toolkit.fluxcd.io_helmcharts.yaml", "helmchart"),
    ("source.toolkit.fluxcd.io_ocirepositories.yaml", "ocirepository"),
    ("kustomize.toolkit.fluxcd.io_kustomizations.yaml", "kustomization"),
    ("helm.toolkit.fluxcd.io_helmreleases.yaml", "helmrelease"),
]

# Preferred names, keyed by "Kind.path" of the first place a shape appears.
NAMES = {
    "GitRepository.status.conditions[]": "Condition",
    "GitRepository.status.conditions[].status": "ConditionStatus",
    "GitRepository.status.artifact": "Artifact",
    "GitRepository.spec.include[].repository": "LocalObjectReference",
    "Kustomization.spec.healthCheckExprs[]": "CustomHealthCheck",
    "Kustomization.spec.ignore[]": "IgnoreRule",
    "Kustomization.spec.ignore[].target": "Selector",
    "OCIRepository.spec.verify": "OCIRepositoryVerification",
    "HelmRelease.spec.upgrade.strategy": "UpgradeStrategy",
    "GitRepository.spec.ref": "GitRepositoryRef",
    "GitRepository.spec.verify": "GitRepositoryVerification",
    "GitRepository.spec.verify.mode": "GitVerificationMode",
    "GitRepository.spec.include[]": "GitRepositoryInclude",
    "GitRepository.spec.provider": "GitProvider",
    "GitRepository.spec.proxySecretRef": "LocalObjectReference",
    "HelmRepository.spec.accessFrom": "AccessFrom",
    "HelmRepository.spec.accessFrom.namespaceSelectors[]": "NamespaceSelector",
    "HelmRepository.spec.provider": "CloudProvider",
    "HelmRepository.spec.type": "HelmRepositoryType",
    "HelmChart.spec.sourceRef": "LocalHelmChartSourceReference",
    "HelmChart.spec.sourceRef.kind": "HelmChartSourceKind",
    "HelmChart.spec.reconcileStrategy": "ReconcileStrategy",
    "HelmChart.spec.verify": "HelmChartVerification",
    "HelmChart.spec.verify.provider": "VerificationProvider",
    "HelmChart.spec.verify.matchOIDCIdentity[]": "OidcIdentityMatch",
    "OCIRepository.spec.ref": "OciRepositoryRef",
    "OCIRepository.spec.layerSelector": "OciLayerSelector",
    "OCIRepository.spec.layerSelector.operation": "OciLayerOperation",
    "Kustomization.spec.sourceRef": "CrossNamespaceSourceReference",
    "Kustomization.spec.sourceRef.kind": "KustomizationSourceKind",
    "Kustomization.spec.dependsOn[]": "DependencyReference",
    "Kustomization.spec.decryption": "Decryption",
    "Kustomization.spec.decryption.provider": "DecryptionProvider",
    "Kustomization.spec.decryption.secretRef": "LocalObjectReference",
    "Kustomization.spec.healthChecks[]": "NamespacedObjectKindReference",
    "Kustomization.spec.images[]": "Image",
    "Kustomization.spec.kubeConfig": "KubeConfigReference",
    "Kustomization.spec.kubeConfig.secretRef": "SecretKeyReference",
    "Kustomization.spec.patches[]": "Patch",
    "Kustomization.spec.patches[].target": "Selector",
    "Kustomization.spec.postBuild": "PostBuild",
    "Kustomization.spec.postBuild.substituteFrom[]": "SubstituteReference",
    "Kustomization.spec.postBuild.substituteFrom[].kind": "ValuesReferenceKind",
    "Kustomization.spec.commonMetadata": "CommonMetadata",
    "Kustomization.spec.deletionPolicy": "DeletionPolicy",
    "Kustomization.spec.buildMetadata[]": "BuildMetadata",
    "Kustomization.status.inventory": "ResourceInventory",
    "Kustomization.status.inventory.entries[]": "ResourceRef",
    "Kustomization.status.history[]": "Snapshot",
    "HelmRelease.spec.chart": "HelmChartTemplate",
    "HelmRelease.spec.chart.metadata": "HelmChartTemplateObjectMeta",
    "HelmRelease.spec.chart.spec": "HelmChartTemplateSpec",
    "HelmRelease.spec.chart.spec.sourceRef": "CrossNamespaceObjectReference",
    "HelmRelease.spec.chart.spec.verify": "HelmChartTemplateVerification",
    "HelmRelease.spec.chartRef": "ChartReference",
    "HelmRelease.spec.chartRef.kind": "HelmChartRefKind",
    "HelmRelease.spec.driftDetection": "DriftDetection",
    "HelmRelease.spec.driftDetection.ignore[]": "IgnoreRule",
    "HelmRelease.spec.driftDetection.mode": "DriftDetectionMode",
    "HelmRelease.spec.install": "Install",
    "HelmRelease.spec.install.crds": "CrdsPolicy",
    "HelmRelease.spec.install.remediation": "InstallRemediation",
    "HelmRelease.spec.install.strategy": "InstallStrategy",
    "HelmRelease.spec.install.strategy.name": "ReleaseStrategyName",
    "HelmRelease.spec.postRenderers[]": "PostRenderer",
    "HelmRelease.spec.postRenderers[].kustomize": "PostRendererKustomize",
    "HelmRelease.spec.postRenderStrategy": "PostRenderStrategy",
    "HelmRelease.spec.rollback": "Rollback",
    "HelmRelease.spec.rollback.serverSideApply": "ServerSideApplyMode",
    "HelmRelease.spec.test": "Test",
    "HelmRelease.spec.test.filters[]": "TestFilter",
    "HelmRelease.spec.uninstall": "Uninstall",
    "HelmRelease.spec.uninstall.deletionPropagation": "DeletionPropagation",
    "HelmRelease.spec.upgrade": "Upgrade",
    "HelmRelease.spec.upgrade.chartNameChangeStrategy": "ChartNameChangeStrategy",
    "HelmRelease.spec.upgrade.remediation": "UpgradeRemediation",
    "HelmRelease.spec.upgrade.remediation.strategy": "RemediationStrategy",
    "HelmRelease.spec.valuesFrom[]": "ValuesReference",
    "HelmRelease.spec.waitStrategy": "WaitStrategy",
    "HelmRelease.spec.waitStrategy.name": "WaitStrategyName",
    "HelmRelease.status.history[]": "HelmReleaseSnapshot",
    "HelmRelease.status.history[].testHooks{}": "TestHookStatus",
    "HelmRelease.status.lastAttemptedReleaseAction": "ReleaseAction",
}

RUST_KEYWORDS = {"type", "ref", "match", "mod", "move", "self", "struct", "use", "where", "async", "await", "dyn", "fn", "impl", "in", "loop", "static", "trait", "crate", "enum", "extern", "final", "override", "priv", "box", "yield", "macro", "abstract", "become", "do", "typeof", "unsized", "virtual", "try", "gen"}


def strip(schema):
    """The shape of a schema: everything but descriptions."""
    if isinstance(schema, dict):
        return {k: strip(v) for k, v in sorted(schema.items()) if k != "description"}
    if isinstance(schema, list):
        return [strip(v) for v in schema]
    return schema


def signature(schema):
    return json.dumps(strip(schema), sort_keys=True)


def pascal(name):
    out = re.sub(r"[^A-Za-z0-9]+", " ", name).title().replace(" ", "")
    return out[0].upper() + out[1:] if out else out


def field_pascal(field):
    return field[0].upper() + field[1:]


def snake(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


def camel_of_snake(name):
    parts = name.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def singular(name):
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("ses"):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


class Gen:
    def __init__(self):
        self.types = {}  # signature -> dict(name, kind, schema, users:set)
        self.order = []
        self.names = set()

    def name_type(self, sig, wanted, kind, schema, path):
        if sig in self.types:
            self.types[sig]["users"].add(kind)
            return self.types[sig]["name"]
        name = NAMES.get(path, wanted)
        base = name
        n = 2
        while name in self.names:
            name = f"{base}{n}"
            n += 1
        self.names.add(name)
        entry = {"name": name, "kind": kind, "schema": schema, "users": {kind}, "path": path}
        self.types[sig] = entry
        self.order.append(sig)
        return name

    def enum_type(self, schema, wanted, kind, path):
        sig = "enum:" + json.dumps(schema["enum"])
        return self.name_type(sig, wanted, kind, schema, path)

    def object_type(self, schema, wanted, kind, path):
        sig = signature(schema)
        if sig in self.types:
            self.types[sig]["users"].add(kind)
            return self.types[sig]["name"]
        name = self.name_type(sig, wanted, kind, schema, path)
        entry = self.types[sig]
        fields = []
        required = set(schema.get("required", []))
        for fname, fschema in sorted(schema.get("properties", {}).items()):
            rust_ty, inner_attrs = self.field_type(fschema, name + field_pascal(fname), kind, f"{path}.{fname}", fname)
            fields.append((fname, fschema, rust_ty, fname in required, inner_attrs))
        entry["fields"] = fields
        # A type used from another kind may already have been recorded with fewer users.
        return name

    def field_type(self, s, wanted, kind, path, fname):
        """Rust type of a schema (not counting optionality) and validation attrs."""
        if "enum" in s and s.get("type") == "string":
            return self.enum_type(s, wanted, kind, path), []
        t = s.get("type")
        if t is None and s.get("x-kubernetes-preserve-unknown-fields"):
            return "serde_json::Value", ["json"]
        if t == "string":
            return "String", []
        if t == "integer":
            return ("i32" if s.get("format") == "int32" else "i64"), []
        if t == "number":
            return "f64", []
        if t == "boolean":
            return "bool", []
        if t == "array":
            item = s["items"]
            inner, _ = self.field_type(item, singular(wanted), kind, path + "[]", fname)
            return f"Vec<{inner}>", []
        if t == "object":
            if "properties" in s:
                return self.object_type(s, wanted, kind, path), []
            ap = s.get("additionalProperties")
            if isinstance(ap, dict):
                inner, _ = self.field_type(ap, singular(wanted), kind, path + "{}", fname)
                return f"BTreeMap<String, {inner}>", []
            return "serde_json::Map<String, serde_json::Value>", []
        raise SystemExit(f"unhandled schema at {path}: {strip(s)}")


def variant_name(value, taken):
    source = value.lower() if value.isupper() else value
    name = "".join(seg[:1].upper() + seg[1:] for seg in re.split(r"[^A-Za-z0-9]+", source))
    if not name or not name[0].isalpha():
        name = "V" + name
    if name in taken:
        name = name + ("Lower" if value.islower() else "Upper")
    taken.add(name)
    return name


def validation_attrs(s):
    """schemars attributes for a string/integer field's own validation."""
    parts = []
    if "pattern" in s:
        pattern = s["pattern"]
        # rflux addition: GitRepository URLs may also be file:// (local repositories, `rflux up`).
        if pattern == "^(http|https|ssh)://.*$":
            pattern = "^(http|https|ssh|file)://.*$"
        parts.append(f'regex(pattern = r"{pattern}")')
    if "minLength" in s or "maxLength" in s:
        inner = []
        if "minLength" in s:
            inner.append(f"min = {s['minLength']}")
        if "maxLength" in s:
            inner.append(f"max = {s['maxLength']}")
        parts.append(f"length({', '.join(inner)})")
    if "minimum" in s or "maximum" in s:
        inner = []
        if "minimum" in s:
            inner.append(f"min = {s['minimum']}")
        if "maximum" in s:
            inner.append(f"max = {s['maximum']}")
        parts.append(f"range({', '.join(inner)})")
    return parts


def rust_literal_default(ty, value, gen_enums):
    if ty == "String":
        return f'"{value}".to_string()'
    if ty == "bool":
        return "true" if value else "false"
    if ty in ("i64", "i32"):
        return str(value)
    if ty in gen_enums:
        return f"{ty}::{gen_enums[ty][value]}"
    raise SystemExit(f"no default literal for {ty}={value}")


def emit_enum(entry, out):
    values = entry["schema"]["enum"]
    default = entry.get("default")
    taken = set()
    variants = [(v, variant_name(v, taken)) for v in values]
    out.append(f"/// Allowed values of `{entry['path']}` (and every field of the same shape).")
    out.append("#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]")
    out.append(f"pub enum {entry['name']} {{")
    for i, (v, n) in enumerate(variants):
        is_default = (v == default) if default is not None else i == 0
        if is_default:
            out.append("    #[default]")
        out.append(f'    #[serde(rename = "{v}")]')
        out.append(f"    {n},")
    out.append("}")
    out.append("")
    out.append(f"impl {entry['name']} {{")
    out.append("    /// The value as written in manifests.")
    out.append("    pub fn as_str(&self) -> &'static str {")
    out.append("        match self {")
    for v, n in variants:
        out.append(f'            Self::{n} => "{v}",')
    out.append("        }")
    out.append("    }")
    out.append("}")
    out.append("")
    out.append(f"impl std::fmt::Display for {entry['name']} {{")
    out.append("    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {")
    out.append("        f.write_str(self.as_str())")
    out.append("    }")
    out.append("}")
    out.append("")
    return {v: n for v, n in variants}


def cel_attr(rules):
    items = ", ".join("{" + f'"rule": {json.dumps(r["rule"])}, "message": {json.dumps(r["message"])}' + "}" for r in rules)
    return f'#[schemars(extend("x-kubernetes-validations" = [{items}]))]'


def emit_struct(entry, out, enums, defaults_out, spec_or_status=None):
    name = entry["name"]
    s = entry["schema"]
    out.append(f"/// The object at `{entry['path']}` (and every object of the same shape).")
    out.append("#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]")
    out.append('#[serde(rename_all = "camelCase")]')
    if "x-kubernetes-validations" in s:
        out.append(cel_attr(s["x-kubernetes-validations"]))
    if spec_or_status:
        out.extend(spec_or_status)
    out.append(f"pub struct {name} {{")
    for fname, fs, ty, required, extra in entry["fields"]:
        rname = snake(fname)
        if rname in RUST_KEYWORDS:
            rname = "r#" + rname
        attrs = []
        serde = []
        if camel_of_snake(snake(fname)) != fname:
            serde.append(f'rename = "{fname}"')
        has_default = "default" in fs
        if ty.startswith("Vec<") or ty.startswith("BTreeMap<"):
            full = ty
            if not required:
                serde.append("default")
                serde.append(f'skip_serializing_if = "{ty.split("<")[0]}::is_empty"')
            items = fs.get("items") or (fs.get("additionalProperties") if isinstance(fs.get("additionalProperties"), dict) else None)
            if items and "enum" not in items and items.get("type") in ("string", "integer"):
                v = validation_attrs(items)
                if v:
                    attrs.append(f"#[schemars(inner({', '.join(v)}))]")
            v = []
            if "maxItems" in fs or "minItems" in fs:
                raise SystemExit("maxItems unsupported")
        elif has_default:
            fn = f"default_{snake(name)}_{snake(fname)}"
            lit = rust_literal_default(ty, fs["default"], enums)
            defaults_out.append((fn, ty, lit))
            serde.append(f'default = "{fn}"')
            full = ty
            v = validation_attrs(fs)
            if v:
                attrs.append(f"#[schemars({', '.join(v)})]")
        elif required:
            full = ty
            v = validation_attrs(fs)
            if v:
                attrs.append(f"#[schemars({', '.join(v)})]")
        else:
            full = f"Option<{ty}>"
            serde.append('skip_serializing_if = "Option::is_none"')
            v = validation_attrs(fs)
            if v:
                attrs.append(f"#[schemars({', '.join(v)})]")
        if "json" in extra:
            attrs.append('#[schemars(schema_with = "crate::schema::preserve_unknown_fields")]')
            if not required:
                serde.insert(0, "default")
        if fs.get("format") == "date-time":
            attrs.append('#[schemars(extend("format" = "date-time"))]')
        out.append(f"    /// `{fname}`")
        for a in attrs:
            out.append(f"    {a}")
        if serde:
            out.append(f"    #[serde({', '.join(serde)})]")
        out.append(f"    pub {rname}: {full},")
    out.append("}")
    out.append("")


def main():
    crd_dir = sys.argv[1]
    gen = Gen()
    kinds = []
    for fname, module in KINDS:
        crd = yaml.safe_load(open(os.path.join(crd_dir, fname)))
        names = crd["spec"]["names"]
        kind = names["kind"]
        version = crd["spec"]["versions"][0]
        root = version["schema"]["openAPIV3Schema"]
        # rflux addition: a dependency may name its kind (Kustomization or HelmRelease), so a
        # Kustomization can wait for a HelmRelease and the other way round.
        depends = root["properties"]["spec"]["properties"].get("dependsOn")
        if depends and "items" in depends and kind in ("Kustomization", "HelmRelease"):
            depends["items"]["properties"].setdefault("kind", {
                "description": "Kind of the dependency: Kustomization or HelmRelease (an rflux addition; default: the dependent's own kind).",
                "type": "string",
                "enum": ["Kustomization", "HelmRelease"],
            })
        spec_name = gen.object_type(root["properties"]["spec"], kind + "Spec", kind, f"{kind}.spec")
        status_name = gen.object_type(root["properties"]["status"], kind + "Status", kind, f"{kind}.status")
        kinds.append({"crd": crd, "module": module, "kind": kind, "version": version, "spec": spec_name, "status": status_name, "status_default": root["properties"]["status"].get("default")})

    # Defaults of enum-typed fields decide the enum's default variant.
    def collect_enum_defaults(schema):
        if "enum" in schema and "default" in schema:
            gen.types["enum:" + json.dumps(schema["enum"])]["default"] = schema["default"]
        for p in (schema.get("properties") or {}).values():
            collect_enum_defaults(p)
        if "items" in schema:
            collect_enum_defaults(schema["items"])
    for k in kinds:
        collect_enum_defaults(k["version"]["schema"]["openAPIV3Schema"])

    # A type used by a kind makes every type inside it used by that kind too.
    by_name = {e["name"]: e for e in gen.types.values()}
    changed = True
    while changed:
        changed = False
        for e in gen.types.values():
            for field in e.get("fields", []):
                for ref in re.findall(r"[A-Za-z0-9_]+", field[2]):
                    inner = by_name.get(ref)
                    if inner is not None and not e["users"] <= inner["users"]:
                        inner["users"] |= e["users"]
                        changed = True
    if os.environ.get("LIST_TYPES"):
        for e in gen.types.values():
            print(e["name"], e["path"], sorted(e["users"]))

    # Home of each type: the kind's module when only that kind uses it, else common.
    def home(entry):
        return next(iter(entry["users"])) if len(entry["users"]) == 1 else None
    kind_module = {k["kind"]: k["module"] for k in kinds}

    files = {k["module"]: [] for k in kinds}
    files["common"] = []
    enums = {}
    per_file_defaults = {m: [] for m in files}
    type_home = {}
    for sig in gen.order:
        e = gen.types[sig]
        h = home(e)
        type_home[e["name"]] = kind_module[h] if h else "common"
    for sig in gen.order:
        e = gen.types[sig]
        if sig.startswith("enum:"):
            enums[e["name"]] = emit_enum(e, files[type_home[e["name"]]])
    for sig in gen.order:
        e = gen.types[sig]
        if sig.startswith("enum:"):
            continue
        module = type_home[e["name"]]
        extra = None
        for k in kinds:
            if e["name"] == k["spec"]:
                extra = kube_attrs(k)
            if e["name"] == k["status"] and k["status_default"] is not None:
                extra = [f'#[schemars(extend("default" = {json.dumps(k["status_default"])}))]']
        emit_struct(e, files[module], enums, per_file_defaults[module], extra)

    header = "//! {doc}\n//!\n//! Generated by `gen/types.py` from Flux's CRD schemas (field names, types, validation,\n//! defaults); edit the generator, not this file.\n\n"
    docs = {
        "common": "Types shared by several Flux kinds: conditions, artifacts, references.",
        "gitrepository": "`source.toolkit.fluxcd.io/v1` GitRepository.",
        "helmrepository": "`source.toolkit.fluxcd.io/v1` HelmRepository.",
        "helmchart": "`source.toolkit.fluxcd.io/v1` HelmChart.",
        "ocirepository": "`source.toolkit.fluxcd.io/v1` OCIRepository.",
        "kustomization": "`kustomize.toolkit.fluxcd.io/v1` Kustomization.",
        "helmrelease": "`helm.toolkit.fluxcd.io/v2` HelmRelease.",
    }
    os.makedirs("src/types", exist_ok=True)
    for module, lines in files.items():
        body = "\n".join(lines)
        uses = ["use serde::{Deserialize, Serialize};", "use schemars::JsonSchema;"]
        if "BTreeMap<" in body:
            uses.insert(0, "use std::collections::BTreeMap;\n")
        if module != "common":
            common_used = sorted(n for n, h in type_home.items() if h == "common" and re.search(r"\b" + n + r"\b", body))
            if common_used:
                uses.append("use super::common::{" + ", ".join(common_used) + "};")
        if "CustomResource" in body:
            uses.append("use kube::CustomResource;")
        defaults = []
        for fn, ty, lit in per_file_defaults[module]:
            if any(d.startswith(f"fn {fn}(") for d in defaults):
                continue
            defaults.append(f"fn {fn}() -> {ty} {{\n    {lit}\n}}\n")
        text = header.format(doc=docs[module]) + "\n".join(sorted(set(uses), key=lambda u: (not u.startswith("use std"), u))) + "\n\n" + body + "\n" + "\n".join(defaults)
        with open(f"src/types/{module}.rs", "w") as f:
            f.write(text)
    with open("src/types/mod.rs", "w") as f:
        f.write("//! The Flux custom resources as Rust types, one module per kind.\n//!\n//! Generated by `gen/types.py`; edit the generator, not these files.\n\n")
        for module in ["common"] + [k["module"] for k in kinds]:
            f.write(f"pub mod {module};\n")
        f.write("\n")
        for module in ["common"] + [k["module"] for k in kinds]:
            f.write(f"pub use {module}::*;\n")


def kube_attrs(k):
    crd = k["crd"]
    names = crd["spec"]["names"]
    v = k["version"]
    parts = [
        f'group = "{crd["spec"]["group"]}"',
        f'version = "{v["name"]}"',
        f'kind = "{names["kind"]}"',
        f'plural = "{names["plural"]}"',
        f'singular = "{names["singular"]}"',
        "namespaced",
        f'status = "{k["status"]}"',
        'derive = "PartialEq"',
        'derive = "Default"',
    ]
    for sn in names.get("shortNames", []):
        parts.append(f'shortname = "{sn}"')
    for c in names.get("categories", []):
        parts.append(f'category = "{c}"')
    for col in v.get("additionalPrinterColumns", []):
        parts.append("printcolumn = r#\"" + json.dumps(col, separators=(",", ":")) + "\"#")
    return ["#[derive(CustomResource)]", "#[kube(" + ", ".join(parts) + ")]"]


if __name__ == "__main__":
    main()
    import subprocess
    subprocess.run(["rustfmt", "--edition", "2024"] + [f"src/types/{f}" for f in sorted(os.listdir("src/types"))], check=True)
