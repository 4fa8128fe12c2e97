//! Helm's value coalescing: chart defaults under user values, parents over subcharts,
//! globals flowing down, `null` deleting a key (coalesce) or kept (merge), and the helpers
//! Helm uses on value trees (`Table`, `PathValue`).

use serde_json::{Map, Value};

use crate::chart::Chart;

/// A values tree.
pub type Values = Map<String, Value>;

/// The key holding global values.
pub const GLOBAL_KEY: &str = "global";

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

/// Helm's `CoalesceValues`: the chart's defaults (and its subcharts') under `vals`; a `null`
/// in `vals` deletes the key.
pub fn coalesce_values(chart: &Chart, vals: &Values) -> Values {
    let mut dest = vals.clone();
    coalesce(chart, &mut dest, "", false);
    dest
}

/// Helm's `MergeValues`: like [`coalesce_values`] but `null`s are kept.
pub fn merge_values(chart: &Chart, vals: &Values) -> Values {
    let mut dest = vals.clone();
    coalesce(chart, &mut dest, "", true);
    dest
}

fn coalesce(chart: &Chart, dest: &mut Values, prefix: &str, merge: bool) {
    coalesce_chart_values(chart, dest, prefix, merge);
    coalesce_deps(chart, dest, prefix, merge);
}

fn coalesce_deps(chart: &Chart, dest: &mut Values, prefix: &str, merge: bool) {
    for sub in &chart.dependencies {
        let name = sub.name().to_string();
        match dest.get(&name) {
            None => {
                dest.insert(name.clone(), Value::Object(Map::new()));
            }
            Some(Value::Object(_)) => {}
            Some(other) => {
                tracing::warn!(key = name.as_str(), "type mismatch on {name}: {other}");
                continue;
            }
        }
        let sub_prefix = concat_prefix(prefix, &chart.metadata.name);
        let globals = dest.get(GLOBAL_KEY).cloned();
        if let Some(Value::Object(dv)) = dest.get_mut(&name) {
            let mut dvmap = std::mem::take(dv);
            coalesce_globals(&mut dvmap, globals.as_ref(), &sub_prefix);
            coalesce(sub, &mut dvmap, &sub_prefix, merge);
            *dv = dvmap;
        }
    }
}

fn coalesce_globals(dest: &mut Values, src_global: Option<&Value>, prefix: &str) {
    let mut dg = match dest.get(GLOBAL_KEY) {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            tracing::warn!("skipping globals because destination global is not a table");
            return;
        }
    };
    let sg = match src_global {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            tracing::warn!("skipping globals because source global is not a table");
            return;
        }
    };
    for (key, val) in sg {
        match &val {
            Value::Object(vm) => {
                let mut vv = vm.clone();
                match dg.get(&key) {
                    None => {
                        dg.insert(key, Value::Object(vv));
                    }
                    Some(Value::Object(destv)) => {
                        let sub = concat_prefix(prefix, &key);
                        let mut src = destv.clone();
                        coalesce_tables(&mut vv, &mut src, &sub, true);
                        dg.insert(key, Value::Object(vv));
                    }
                    Some(_) => {
                        tracing::warn!(key = key.as_str(), "conflict: cannot merge map onto non-map");
                    }
                }
            }
            _ => {
                if matches!(dg.get(&key), Some(Value::Object(_))) {
                    tracing::warn!(key = key.as_str(), "key is table; skipping");
                } else {
                    dg.insert(key, val);
                }
            }
        }
    }
    dest.insert(GLOBAL_KEY.to_string(), Value::Object(dg));
}

fn coalesce_chart_values(chart: &Chart, v: &mut Values, prefix: &str, merge: bool) {
    let sub_prefix = concat_prefix(prefix, &chart.metadata.name);
    for (key, val) in &chart.values {
        match v.get_mut(key) {
            Some(Value::Null) if !merge => {
                v.remove(key);
            }
            Some(Value::Object(dest)) => match val {
                Value::Object(src) => {
                    let child = chart.dependencies.iter().any(|d| d.name() == key);
                    let mut src = src.clone();
                    coalesce_tables(dest, &mut src, &concat_prefix(&sub_prefix, key), merge || child);
                }
                Value::Null => {}
                _ => tracing::warn!("skipped value for {sub_prefix}.{key}: Not a table."),
            },
            Some(_) => {}
            None => {
                // Helm v4 never carries a chart default's `null` into the values.
                if merge {
                    v.insert(key.clone(), val.clone());
                } else if let Some(x) = without_nulls(val) {
                    v.insert(key.clone(), x);
                }
            }
        }
    }
}

/// A copy of `v` with `null` map entries removed, recursively (`None` for `null` itself).
fn without_nulls(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Object(m) => Some(Value::Object(
            m.iter()
                .filter_map(|(k, x)| without_nulls(x).map(|x| (k.clone(), x)))
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

/// Helm's `coalesceTablesFullKey`: merge `src` into `dst`; `dst` wins.
fn coalesce_tables(dst: &mut Values, src: &mut Values, prefix: &str, merge: bool) {
    for (key, val) in std::mem::take(src) {
        let full = concat_prefix(prefix, &key);
        match dst.get_mut(&key) {
            Some(Value::Null) if !merge => {
                dst.remove(&key);
            }
            None => {
                if merge {
                    dst.insert(key, val);
                } else if let Some(x) = without_nulls(&val) {
                    dst.insert(key, x);
                }
            }
            Some(dv) => match (dv, val) {
                (Value::Object(dm), Value::Object(mut sm)) => coalesce_tables(dm, &mut sm, &full, merge),
                (Value::Object(_), Value::Null) => {}
                (Value::Object(_), v) => {
                    tracing::warn!("destination for {full} is a table. Ignoring non-table value ({v})")
                }
                (_, Value::Object(_)) => tracing::warn!("cannot overwrite table with non table for {full}"),
                _ => {}
            },
        }
    }
}

/// Helm's `MergeTables` / `CoalesceTables` on plain trees: `dst` wins; with `merge` false a
/// `null` in `dst` deletes the key.
pub fn merge_tables(dst: &mut Values, src: &Values, merge: bool) {
    let mut src = src.clone();
    coalesce_tables(dst, &mut src, "", merge);
}

/// Merge user values the way `helm template -f a -f b --set …` does: later sources win,
/// maps merge recursively, anything else replaces.
pub fn merge_user(base: &mut Values, over: &Values) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(Value::Object(bm)), Value::Object(om)) => merge_user(bm, om),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Helm's `Values.Table("a.b.c")`: the map at a dotted path.
pub fn table<'a>(v: &'a Values, path: &str) -> Option<&'a Values> {
    let mut cur = v;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        match cur.get(part) {
            Some(Value::Object(m)) => cur = m,
            _ => return None,
        }
    }
    Some(cur)
}

/// Helm's `Values.PathValue("a.b.c")`: the non-table value at a dotted path.
pub fn path_value<'a>(v: &'a Values, path: &str) -> Option<&'a Value> {
    let (parent, last) = match path.rsplit_once('.') {
        Some((p, l)) => (table(v, p)?, l),
        None => (v, path),
    };
    match parent.get(last) {
        Some(Value::Object(_)) | None => None,
        Some(x) => Some(x),
    }
}

/// Helm's `pathToMap`: nest `data` under a dotted path (`.` means the root).
pub fn path_to_map(path: &str, data: Values) -> Values {
    if path == "." {
        return data;
    }
    let parts: Vec<&str> = path.split('.').filter(|p| !p.is_empty()).collect();
    let mut out = data;
    for p in parts.iter().rev() {
        let mut m = Map::new();
        m.insert((*p).to_string(), Value::Object(out));
        out = m;
    }
    out
}

/// Remove keys whose value is `null`, recursively (Helm's `trimNilValues`).
pub fn trim_nil(v: &mut Values) {
    v.retain(|_, x| !x.is_null());
    for x in v.values_mut() {
        if let Value::Object(m) = x {
            trim_nil(m);
        }
    }
}
