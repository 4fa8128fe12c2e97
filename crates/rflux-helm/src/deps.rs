//! Dependency processing as Helm does it before rendering: subcharts matched to
//! `dependencies` by name and version range, aliases, `condition` and `tags` switching
//! subcharts off, `import-values` (both forms) copying child values into the parent.

use serde_json::{Map, Value};

use crate::chart::Chart;
use crate::error::Error;
use crate::values::{Values, coalesce_values, merge_tables, merge_values, path_to_map, path_value, table, trim_nil};

/// Parse a version as Masterminds semver's `NewVersion` does: an optional `v`, missing
/// minor or patch numbers read as 0 (`1.2` is `1.2.0`).
pub fn parse_version(v: &str) -> Option<rflux_semver::Version> {
    rflux_semver::Version::parse(v).ok()
}

/// Helm's `IsCompatibleRange`: `version` satisfies the Masterminds constraint; false when
/// either side does not parse.
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    rflux_semver::satisfies(constraint, version).unwrap_or(false)
}

/// Helm's `CheckDependencies`: every declared dependency must be present in `charts/`.
pub fn check_dependencies(chart: &Chart) -> Result<(), Error> {
    let missing: Vec<&str> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|r| !chart.dependencies.iter().any(|d| d.name() == r.name))
        .map(|r| r.name.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::Dependency(format!(
        "an error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {}",
        missing.join(", ")
    )))
}

/// Helm's `ProcessDependenciesWithMerge`: enable/disable and alias subcharts against the
/// user values, then import values from children into parents.
pub fn process_dependencies(chart: &mut Chart, vals: &Values) -> Result<(), Error> {
    process_enabled(chart, vals, "");
    process_import_values_rec(chart);
    Ok(())
}

fn process_enabled(c: &mut Chart, v: &Values, path: &str) {
    if c.metadata.dependencies.is_empty() {
        return;
    }
    let mut chart_deps: Vec<Chart> = Vec::new();
    for existing in &c.dependencies {
        let declared = c
            .metadata
            .dependencies
            .iter()
            .any(|r| existing.name() == r.name && is_compatible_range(&r.version, &existing.metadata.version));
        if !declared {
            chart_deps.push(existing.clone());
        }
    }
    for req in c.metadata.dependencies.iter_mut() {
        if let Some(found) = c
            .dependencies
            .iter()
            .find(|d| d.name() == req.name && is_compatible_range(&req.version, &d.metadata.version))
        {
            let mut out = found.clone();
            if !req.alias.is_empty() {
                out.metadata.name = req.alias.clone();
            }
            chart_deps.push(out);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    c.dependencies = chart_deps;
    for r in c.metadata.dependencies.iter_mut() {
        r.enabled = true;
    }
    let cvals = coalesce_values(c, v);
    // Tags.
    if let Some(tags) = table(&cvals, "tags") {
        for r in c.metadata.dependencies.iter_mut() {
            let (mut has_true, mut has_false) = (false, false);
            for k in &r.tags {
                match tags.get(k) {
                    Some(Value::Bool(true)) => has_true = true,
                    Some(Value::Bool(false)) => has_false = true,
                    Some(_) => tracing::warn!("tag '{k}' for chart {} returned non-bool value", r.name),
                    None => {}
                }
            }
            if !has_true && has_false {
                r.enabled = false;
            } else if has_true || !has_false {
                r.enabled = true;
            }
        }
    }
    // Conditions: the first condition path that resolves to a bool decides.
    for r in c.metadata.dependencies.iter_mut() {
        for cond in r.condition.trim().split(',') {
            if cond.is_empty() {
                continue;
            }
            match path_value(&cvals, &format!("{path}{cond}")) {
                Some(Value::Bool(b)) => {
                    r.enabled = *b;
                    break;
                }
                Some(_) => tracing::warn!("condition path '{cond}' for chart {} returned non-bool value", r.name),
                None => {}
            }
        }
    }
    let removed: Vec<String> = c
        .metadata
        .dependencies
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    c.dependencies.retain(|d| !removed.iter().any(|n| n == d.name()));
    c.metadata.dependencies.retain(|r| !removed.contains(&r.name));
    for d in c.dependencies.iter_mut() {
        let sub = format!("{path}{}.", d.name());
        process_enabled(d, &cvals, &sub);
    }
}

fn process_import_values_rec(c: &mut Chart) {
    for d in c.dependencies.iter_mut() {
        process_import_values_rec(d);
    }
    process_import_values(c);
}

fn process_import_values(c: &mut Chart) {
    if c.metadata.dependencies.is_empty() {
        return;
    }
    let cvals = merge_values(c, &Map::new());
    let mut b: Values = Map::new();
    for r in c.metadata.dependencies.iter_mut() {
        let mut out = Vec::new();
        for iv in &r.import_values {
            match iv {
                Value::Object(m) => {
                    let (Some(child), Some(parent)) = (
                        m.get("child").and_then(Value::as_str),
                        m.get("parent").and_then(Value::as_str),
                    ) else {
                        tracing::warn!("import-values entry of {} needs child and parent", r.name);
                        continue;
                    };
                    let mut o = Map::new();
                    o.insert("child".into(), Value::String(child.into()));
                    o.insert("parent".into(), Value::String(parent.into()));
                    out.push(Value::Object(o));
                    match table(&cvals, &format!("{}.{child}", r.name)) {
                        Some(vv) => merge_tables(&mut b, &path_to_map(parent, vv.clone()), true),
                        None => tracing::warn!("ImportValues missing table from chart {}", r.name),
                    }
                }
                Value::String(s) => {
                    let child = format!("exports.{s}");
                    let mut o = Map::new();
                    o.insert("child".into(), Value::String(child.clone()));
                    o.insert("parent".into(), Value::String(".".into()));
                    out.push(Value::Object(o));
                    match table(&cvals, &format!("{}.{child}", r.name)) {
                        Some(vm) => merge_tables(&mut b, vm, true),
                        None => tracing::warn!("ImportValues missing table: {child}"),
                    }
                }
                _ => {}
            }
        }
        r.import_values = out;
    }
    let mut cvals = cvals;
    merge_tables(&mut cvals, &b, true);
    let _ = trim_nil;
    c.values = cvals;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert!(is_compatible_range("^1.2.0", "1.4.0"));
        assert!(is_compatible_range(">=1.0.0, <2.0.0", "1.5.0"));
        assert!(!is_compatible_range("~1.2.0", "1.3.0"));
        assert!(is_compatible_range("*", "3.0.0"));
        assert!(!is_compatible_range("", "1.0.0"));
        assert!(is_compatible_range("1.x.x", "1.9.0"));
        assert!(is_compatible_range(">=1.21.0-0", "v1.36.0"));
        // Masterminds, not node-semver: a pre-release satisfies a range naming any
        // pre-release, and `!=` exists.
        assert!(is_compatible_range(">=1.0.0-0", "1.5.0-rc.1"));
        assert!(!is_compatible_range(">=1.0.0", "1.5.0-rc.1"));
        assert!(is_compatible_range(">=1.0.0, !=1.2.0", "1.3.0"));
        assert!(!is_compatible_range(">=1.0.0, !=1.2.0", "1.2.0"));
        assert!(parse_version("1.2").is_some_and(|v| v.to_string() == "1.2.0"));
        assert!(parse_version("v1.2.3-rc.1").is_some());
        assert!(parse_version("nope").is_none());
    }
}
