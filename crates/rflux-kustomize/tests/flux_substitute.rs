//! Post-build variable substitution as Flux does it (`fluxcd/pkg/envsubst` on the YAML text
//! of each object, read back with YAML 1.1 scalars).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;

use rflux_kustomize::{Error, SubstituteOptions, Value, substitute, substitute_with};
use serde_json::json;

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn config_map(data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "apps"}, "data": data})
}

fn run(data: Value, v: &[(&str, &str)], strict: bool) -> Result<Value, Error> {
    let mut objects = vec![config_map(data)];
    substitute(&mut objects, &vars(v), strict)?;
    Ok(objects.remove(0)["data"].clone())
}

#[test]
fn forms_flux_supports() {
    let data = json!({
        "plain": "${name}",
        "embedded": "pre-${name}-post",
        "assignDefault": "${missing:=fallback}",
        "dashDefault": "${missing:-fallback}",
        "equalsDefault": "${missing=fallback}",
        "setWins": "${name:=fallback}",
        "nestedDefault": "${missing:=${region}}",
        "length": "${#name}",
        "upperFirst": "${name^}",
        "upper": "${name^^}",
        "lowerFirst": "${upper,}",
        "lower": "${upper,,}",
        "offset": "${region:3}",
        "offsetLength": "${region:0:2}",
        "replaceFirst": "${region/-/_}",
        "replaceAll": "${region//-/_}",
        "trimPrefix": "${region#*-}",
        "trimSuffix": "${region%-*}",
        "unset": "${missing}",
    });
    let out = run(
        data,
        &[("name", "podinfo"), ("region", "eu-central-1"), ("upper", "ABC")],
        false,
    )
    .unwrap();
    let want = json!({
        "plain": "podinfo",
        "embedded": "pre-podinfo-post",
        "assignDefault": "fallback",
        "dashDefault": "fallback",
        "equalsDefault": "fallback",
        "setWins": "podinfo",
        "nestedDefault": "eu-central-1",
        "length": 7,
        "upperFirst": "Podinfo",
        "upper": "PODINFO",
        "lowerFirst": "aBC",
        "lower": "abc",
        "offset": "central-1",
        "offsetLength": "eu",
        "replaceFirst": "eu_central-1",
        "replaceAll": "eu_central_1",
        "trimPrefix": "central-1",
        "trimSuffix": "eu-central",
        "unset": null,
    });
    assert_eq!(out, want);
}

#[test]
fn dollar_forms_without_braces_and_escapes_stay_text() {
    let data = json!({
        "noBraces": "echo $name",
        "escaped": "$${name}",
        "escapedInText": "run $${HOME}/bin and ${name}",
        "lone": "cost: 5$",
    });
    let out = run(data, &[("name", "podinfo")], false).unwrap();
    assert_eq!(out["noBraces"], "echo $name");
    assert_eq!(out["escaped"], "${name}");
    assert_eq!(out["escapedInText"], "run ${HOME}/bin and podinfo");
    assert_eq!(out["lone"], "cost: 5$");
}

#[test]
fn values_are_retyped_like_flux_yaml_to_json() {
    let mut objects = vec![json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": "${replicas}", "paused": "${paused}", "minReadySeconds": "${missing:=10}"},
    })];
    substitute(&mut objects, &vars(&[("replicas", "3"), ("paused", "false")]), false).unwrap();
    assert_eq!(objects[0]["spec"]["replicas"], json!(3));
    assert_eq!(objects[0]["spec"]["paused"], json!(false));
    assert_eq!(objects[0]["spec"]["minReadySeconds"], json!(10));

    // YAML 1.1: `on` read back is a boolean; a value that was a string stays a string.
    let out = run(json!({"flag": "${v}", "kept": "on"}), &[("v", "on")], false).unwrap();
    assert_eq!(out["flag"], json!(true));
    assert_eq!(out["kept"], json!("on"));
    // Newlines in values are dropped, as Flux drops them when loading variables.
    let out = run(json!({"v": "${v}"}), &[("v", "a\nb")], false).unwrap();
    assert_eq!(out["v"], json!("ab"));
}

#[test]
fn strict_mode_fails_on_an_unset_variable_naming_the_object() {
    let err = run(json!({"a": "${missing}"}), &[("name", "x")], true).unwrap_err();
    let msg = err.to_string();
    assert_eq!(
        msg,
        "post build failed for '~G_v1_ConfigMap/cm': variable substitution failed: variable not set (strict mode): \"missing\""
    );
    // Defaults satisfy strict mode; transformations do not.
    let out = run(
        json!({"a": "${missing:=d}", "b": "${missing=e}"}),
        &[("name", "x")],
        true,
    )
    .unwrap();
    assert_eq!(out, json!({"a": "d", "b": "e"}));
    let msg = run(json!({"a": "${missing^^}"}), &[("name", "x")], true)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("variable not set (strict mode)"), "{msg}");
    // Non-strict: empty.
    assert_eq!(
        run(json!({"a": "x${missing}y"}), &[("name", "x")], false).unwrap()["a"],
        "xy"
    );
}

#[test]
fn syntax_errors_are_reported() {
    let msg = run(json!({"a": "${name-default}"}), &[("name", "x")], false)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("missing closing brace") && msg.contains("ConfigMap/cm"),
        "{msg}"
    );
    let msg = run(json!({"a": "${}"}), &[("name", "x")], false)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("unable to parse variable name"), "{msg}");
}

#[test]
fn objects_labelled_or_annotated_disabled_are_skipped() {
    let annotated = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "a", "annotations": {"kustomize.toolkit.fluxcd.io/substitute": "disabled"}},
        "data": {"script": "${name} ${}"},
    });
    let labelled = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "b", "labels": {"kustomize.toolkit.fluxcd.io/substitute": "disabled"}},
        "data": {"script": "${name}"},
    });
    let enabled = config_map(json!({"v": "${name}"}));
    let mut objects = vec![annotated.clone(), labelled.clone(), enabled];
    substitute(&mut objects, &vars(&[("name", "x")]), true).unwrap();
    assert_eq!(objects[0], annotated);
    assert_eq!(objects[1], labelled);
    assert_eq!(objects[2]["data"]["v"], "x");
}

#[test]
fn nothing_happens_without_variables_unless_always() {
    let mut objects = vec![config_map(json!({"v": "${v:=default}", "u": "${u}"}))];
    let original = objects.clone();
    substitute(&mut objects, &BTreeMap::new(), true).unwrap();
    assert_eq!(objects, original);
    substitute_with(
        &mut objects,
        &BTreeMap::new(),
        SubstituteOptions {
            strict: false,
            always: true,
        },
    )
    .unwrap();
    assert_eq!(objects[0]["data"], json!({"v": "default", "u": null}));
}

#[test]
fn variable_names_must_match_fluxs_pattern() {
    let msg = run(json!({"v": "${ok}"}), &[("ok", "1"), ("bad-name", "2")], false)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("'bad-name' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'"),
        "{msg}"
    );
    assert_eq!(run(json!({"v": "${_a1}"}), &[("_a1", "z")], false).unwrap()["v"], "z");
}

#[test]
fn substitution_reaches_keys_and_multi_line_blocks() {
    let mut objects = vec![config_map(json!({
        "${key}": "v",
        "script": "#!/bin/sh\necho ${greeting}\necho $HOME\n",
    }))];
    substitute(&mut objects, &vars(&[("key", "k1"), ("greeting", "hello")]), false).unwrap();
    assert_eq!(objects[0]["data"]["k1"], "v");
    assert_eq!(objects[0]["data"]["script"], "#!/bin/sh\necho hello\necho $HOME\n");
}
