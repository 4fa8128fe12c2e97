//! Flux's post-build variable substitution (`spec.postBuild`): each built object is printed
//! as YAML, `${...}` expressions in that text are expanded, and the text is read back with
//! YAML 1.1 scalars (as `sigs.k8s.io/yaml` does), so `replicas: ${N}` becomes a number.
//!
//! Objects labelled or annotated `kustomize.toolkit.fluxcd.io/substitute: disabled` are left
//! alone. Nothing is substituted when no variable is defined (Flux's default strategy).

mod envsubst;
mod glob;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::error::Error;

/// The label or annotation that turns substitution off for one object.
pub const SUBSTITUTE_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/substitute";

/// The pattern variable names must match (Flux's `varsubRegex`).
pub const VAR_NAME_PATTERN: &str = "^[_[:alpha:]][_[:alpha:][:digit:]]*$";

static VAR_NAME: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^[_A-Za-z][_A-Za-z0-9]*$").ok());

/// How [`substitute_with`] behaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubstituteOptions {
    /// An unset variable referenced without a default is an error
    /// (`variable not set (strict mode)`) instead of an empty string.
    pub strict: bool,
    /// Substitute even when `vars` is empty (so `${x:=default}` expands); Flux skips the
    /// step entirely when no variable is defined.
    pub always: bool,
}

/// Runs Flux's post-build substitution over `objects` in place with the variables `vars`
/// (inline `substitute` merged over `substituteFrom`; newlines in values are dropped, as
/// Flux drops them when it loads the variables).
pub fn substitute(objects: &mut [Value], vars: &BTreeMap<String, String>, strict: bool) -> Result<(), Error> {
    substitute_with(objects, vars, SubstituteOptions { strict, always: false })
}

/// [`substitute`] with every option.
pub fn substitute_with(
    objects: &mut [Value],
    vars: &BTreeMap<String, String>,
    options: SubstituteOptions,
) -> Result<(), Error> {
    if vars.is_empty() && !options.always {
        return Ok(());
    }
    let vars: BTreeMap<&str, String> = vars.iter().map(|(k, v)| (k.as_str(), v.replace('\n', ""))).collect();
    let lookup = |name: &str| -> Option<String> {
        match vars.get(name) {
            Some(v) => Some(v.clone()),
            None if options.strict => None,
            None => Some(String::new()),
        }
    };
    for object in objects.iter_mut() {
        if is_disabled(object) {
            continue;
        }
        let what = object_id(object);
        if let Some(bad) = vars
            .keys()
            .find(|name| !VAR_NAME.as_ref().is_some_and(|re| re.is_match(name)))
        {
            return Err(Error::PostBuild {
                object: what,
                message: format!("'{bad}' var name is invalid, must match '{VAR_NAME_PATTERN}'"),
            });
        }
        let text = crate::yaml::to_yaml_document(object);
        let expanded = envsubst::eval(&text, &lookup).map_err(|e| Error::PostBuild {
            object: what.clone(),
            message: format!("variable substitution failed: {e}"),
        })?;
        if expanded == text {
            continue;
        }
        *object = reparse(&expanded).map_err(|message| Error::PostBuild { object: what, message })?;
    }
    Ok(())
}

/// True when the object opts out with the label or annotation `...substitute: disabled`.
fn is_disabled(object: &Value) -> bool {
    let Some(meta) = object.get("metadata") else {
        return false;
    };
    ["labels", "annotations"].iter().any(|field| {
        meta.get(field)
            .and_then(|m| m.get(SUBSTITUTE_ANNOTATION))
            .and_then(Value::as_str)
            == Some("disabled")
    })
}

/// kustomize's id of an object in Flux's error messages: `group_version_Kind/name`
/// (`~G` for the core group).
fn object_id(object: &Value) -> String {
    let name = object
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    format!("{}/{name}", crate::resource::Gvk::of(object).sort_string())
}

/// Reads the substituted text back as one object.
fn reparse(text: &str) -> Result<Value, String> {
    let docs = crate::yaml::parse_kustomization(text).map_err(|e| format!("YAMLToJSON: {e}"))?;
    let mut docs = docs.into_iter().filter(|d| !d.is_null());
    match (docs.next(), docs.next()) {
        (Some(v @ Value::Object(_)), None) => Ok(v),
        (None, _) => Err("the substituted object is empty".to_string()),
        (Some(_), None) => Err("the substituted object is not a mapping".to_string()),
        (Some(_), Some(_)) => Err("the substitution produced more than one YAML document".to_string()),
    }
}
