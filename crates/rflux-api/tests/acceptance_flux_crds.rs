//! Acceptance (opt-in, `RFLUX_ACCEPTANCE=1`): every property path and type in Flux's own CRDs
//! (`RFLUX_FLUX_CRDS`, default `../shared/corpus/flux-crds` next to the checkout) is accepted
//! by ours: same type, enum values a superset, same pattern and max length, nothing required
//! that Flux leaves optional. Prints the N/M tally.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::Value;

fn flux_dir() -> PathBuf {
    std::env::var_os("RFLUX_FLUX_CRDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/flux-crds"))
}

fn compare(path: &str, theirs: &Value, ours: Option<&Value>, total: &mut usize, problems: &mut Vec<String>) {
    *total += 1;
    let Some(ours) = ours else {
        problems.push(format!("{path}: missing"));
        return;
    };
    let mut ok = true; // informational: problems are tallied per path below
    let t_type = theirs.get("type");
    let o_type = ours.get("type");
    if t_type != o_type {
        let preserve = ours.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
        if !(t_type.is_none() && preserve) {
            problems.push(format!("{path}: type {t_type:?} vs ours {o_type:?}"));
            ok = false;
        }
    }
    if let Some(Value::Array(values)) = theirs.get("enum") {
        let our_values = ours.get("enum").and_then(Value::as_array);
        for v in values {
            if !our_values.is_some_and(|o| o.contains(v)) {
                problems.push(format!("{path}: enum value {v} not accepted"));
                ok = false;
            }
        }
    }
    for key in [
        "pattern",
        "maxLength",
        "minLength",
        "minimum",
        "format",
        "x-kubernetes-validations",
        "x-kubernetes-preserve-unknown-fields",
    ] {
        let same = match (theirs.get(key), ours.get(key)) {
            (Some(a), Some(b)) if a.is_number() && b.is_number() => a.as_f64() == b.as_f64(),
            (a, b) => a.is_none() || a == b,
        };
        if !same {
            problems.push(format!(
                "{path}: {key} {:?} vs ours {:?}",
                theirs.get(key),
                ours.get(key)
            ));
            ok = false;
        }
    }
    if theirs.get("default").is_some() && theirs.get("default") != ours.get("default") {
        problems.push(format!(
            "{path}: default {:?} vs ours {:?}",
            theirs.get("default"),
            ours.get("default")
        ));
        ok = false;
    }
    let t_req: Vec<&Value> = theirs
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    for r in ours.get("required").and_then(Value::as_array).into_iter().flatten() {
        if !t_req.contains(&r) {
            problems.push(format!("{path}: ours requires {r}, Flux does not"));
            ok = false;
        }
    }
    let _ = ok;
    if let Some(Value::Object(props)) = theirs.get("properties") {
        for (name, child) in props {
            let ours_child = ours.get("properties").and_then(|p| p.get(name));
            compare(&format!("{path}.{name}"), child, ours_child, total, problems);
        }
    }
    if let Some(items) = theirs.get("items") {
        compare(&format!("{path}[]"), items, ours.get("items"), total, problems);
    }
    if let Some(ap @ Value::Object(_)) = theirs.get("additionalProperties") {
        compare(
            &format!("{path}{{}}"),
            ap,
            ours.get("additionalProperties"),
            total,
            problems,
        );
    }
}

/// Paths in ours that Flux does not define (ours must not invent fields).
fn extras(path: &str, ours: &Value, theirs: Option<&Value>, out: &mut Vec<String>) {
    let Some(theirs) = theirs else {
        out.push(path.to_string());
        return;
    };
    if let Some(Value::Object(props)) = ours.get("properties") {
        for (name, child) in props {
            extras(
                &format!("{path}.{name}"),
                child,
                theirs.get("properties").and_then(|p| p.get(name)),
                out,
            );
        }
    }
    if let Some(items) = ours.get("items") {
        extras(&format!("{path}[]"), items, theirs.get("items"), out);
    }
}

#[test]
fn flux_crds_are_accepted_by_ours() {
    if std::env::var_os("RFLUX_ACCEPTANCE").is_none_or(|v| v != "1") {
        eprintln!("skipped: set RFLUX_ACCEPTANCE=1");
        return;
    }
    let ours: Vec<Value> = rflux_api::crd::crds()
        .iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect();
    let mut total = 0;
    let mut problems = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(flux_dir()).expect("Flux CRD directory") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let theirs: Value = serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = theirs["metadata"]["name"].as_str().unwrap().to_string();
        let Some(our_crd) = ours.iter().find(|c| c["metadata"]["name"] == name.as_str()) else {
            eprintln!("not served by rflux (out of scope): {name}");
            continue;
        };
        files += 1;
        assert_eq!(
            theirs["spec"]["names"],
            {
                let mut n = our_crd["spec"]["names"].clone();
                n["listKind"] = theirs["spec"]["names"]["listKind"].clone();
                n
            },
            "{name}: names"
        );
        for version in theirs["spec"]["versions"].as_array().unwrap() {
            let vname = version["name"].as_str().unwrap();
            let our_version = our_crd["spec"]["versions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == vname)
                .unwrap_or_else(|| panic!("{name}: version {vname} missing"));
            assert_eq!(
                version["additionalPrinterColumns"], our_version["additionalPrinterColumns"],
                "{name}: printer columns"
            );
            extras(
                &format!("{name}/{vname}"),
                &our_version["schema"]["openAPIV3Schema"],
                Some(&version["schema"]["openAPIV3Schema"]),
                &mut problems,
            );
            compare(
                &format!("{name}/{vname}"),
                &version["schema"]["openAPIV3Schema"],
                Some(&our_version["schema"]["openAPIV3Schema"]),
                &mut total,
                &mut problems,
            );
        }
    }
    let failing: std::collections::BTreeSet<&str> =
        problems.iter().map(|p| p.split(": ").next().unwrap_or(p)).collect();
    for p in &problems {
        eprintln!("{p}");
    }
    eprintln!(
        "Flux CRD property paths accepted: {}/{total} ({files} CRDs)",
        total - failing.len()
    );
    assert!(problems.is_empty(), "{} problem(s)", problems.len());
}
