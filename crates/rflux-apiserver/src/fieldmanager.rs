//! Field ownership (`metadata.managedFields`): recording Update operations, and server-side
//! apply — merge, removal of fields a manager stopped applying, conflicts and `force`.

use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult, Cause};
use crate::fieldset::{self, FieldSet, Part};
use crate::meta;
use crate::resources::ResourceType;
use crate::schema::Schema;

/// One `managedFields` entry.
#[derive(Debug, Clone)]
struct Managed {
    manager: String,
    operation: String,
    api_version: String,
    subresource: Option<String>,
    time: Option<String>,
    set: FieldSet,
}

impl Managed {
    fn same_owner(&self, manager: &str, operation: &str, subresource: Option<&str>) -> bool {
        self.manager == manager && self.operation == operation && self.subresource.as_deref() == subresource
    }

    fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("manager".into(), json!(self.manager));
        m.insert("operation".into(), json!(self.operation));
        m.insert("apiVersion".into(), json!(self.api_version));
        if let Some(t) = &self.time {
            m.insert("time".into(), json!(t));
        }
        m.insert("fieldsType".into(), json!("FieldsV1"));
        m.insert("fieldsV1".into(), self.set.to_fields_v1());
        if let Some(s) = &self.subresource {
            m.insert("subresource".into(), json!(s));
        }
        Value::Object(m)
    }
}

fn read_managed(obj: &Value) -> Vec<Managed> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| {
                    Some(Managed {
                        manager: e.get("manager")?.as_str()?.to_string(),
                        operation: e
                            .get("operation")
                            .and_then(Value::as_str)
                            .unwrap_or("Update")
                            .to_string(),
                        api_version: e.get("apiVersion").and_then(Value::as_str).unwrap_or("").to_string(),
                        subresource: e
                            .get("subresource")
                            .and_then(Value::as_str)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string),
                        time: e.get("time").and_then(Value::as_str).map(str::to_string),
                        set: e.get("fieldsV1").map(FieldSet::from_fields_v1).unwrap_or_default(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn write_managed(obj: &mut Value, entries: Vec<Managed>) {
    let list: Vec<Value> = entries
        .into_iter()
        .filter(|e| !e.set.is_empty())
        .map(|e| e.to_value())
        .collect();
    if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        if list.is_empty() {
            m.remove("managedFields");
        } else {
            m.insert("managedFields".into(), Value::Array(list));
        }
    }
}

fn part_for(rt: &ResourceType, subresource: Option<&str>) -> Part {
    match subresource {
        Some("status") => Part::Status,
        _ if rt.has_status => Part::MainWithoutStatus,
        _ => Part::All,
    }
}

/// Records an Update (create, PUT or a non-apply patch) by `manager`: it owns the fields it
/// set or changed, and other managers lose the fields whose values it changed.
pub fn record_update(
    rt: &ResourceType,
    version: &str,
    manager: &str,
    old: Option<&Value>,
    new: &mut Value,
    subresource: Option<&str>,
) -> ApiResult<()> {
    let schema = Schema::for_type(rt, version);
    let part = part_for(rt, subresource);
    let mut entries = read_managed(new);
    let touched = match old {
        None => fieldset::fields_of(new, schema, part),
        Some(old) => fieldset::changed_fields(old, new, schema, part),
    };
    if touched.is_empty() {
        return Ok(());
    }
    let present = fieldset::fields_of(new, schema, part);
    for e in entries.iter_mut() {
        if !e.same_owner(manager, "Update", subresource) {
            e.set = e.set.difference(&touched);
        }
    }
    let mine = touched.intersection(&present);
    match entries
        .iter_mut()
        .find(|e| e.same_owner(manager, "Update", subresource))
    {
        Some(e) => {
            e.set.union(&mine);
            e.set = e.set.intersection(&present);
            e.time = Some(meta::now());
            e.api_version = rt.api_version(version);
        }
        None => entries.push(Managed {
            manager: manager.to_string(),
            operation: "Update".into(),
            api_version: rt.api_version(version),
            subresource: subresource.map(str::to_string),
            time: Some(meta::now()),
            set: mine,
        }),
    }
    write_managed(new, entries);
    Ok(())
}

/// Removes what an applied configuration may not set: server-owned metadata and managedFields.
pub fn strip_for_apply(obj: &mut Value) {
    if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
        m.remove("resourceVersion");
    }
}

/// Records the first apply of `manager` on a newly created object.
pub fn record_apply(
    rt: &ResourceType,
    version: &str,
    manager: &str,
    applied: &Value,
    obj: &mut Value,
    subresource: Option<&str>,
) -> ApiResult<()> {
    let schema = Schema::for_type(rt, version);
    let set = fieldset::fields_of(applied, schema, part_for(rt, subresource));
    let entry = Managed {
        manager: manager.to_string(),
        operation: "Apply".into(),
        api_version: rt.api_version(version),
        subresource: subresource.map(str::to_string),
        time: Some(meta::now()),
        set,
    };
    write_managed(obj, vec![entry]);
    Ok(())
}

/// Server-side apply of `applied` by `manager` to the `live` object. Returns the new object with
/// its managedFields, or 409 naming each conflicting field and its manager.
pub fn apply(
    rt: &ResourceType,
    version: &str,
    manager: &str,
    live: &Value,
    applied: &Value,
    force: bool,
    subresource: Option<&str>,
) -> ApiResult<Value> {
    let schema = Schema::for_type(rt, version);
    let part = part_for(rt, subresource);
    let mut applied = applied.clone();
    strip_for_apply(&mut applied);
    if let Some(o) = applied.as_object_mut() {
        match part {
            Part::Status => o.retain(|k, _| matches!(k.as_str(), "status" | "apiVersion" | "kind" | "metadata")),
            Part::MainWithoutStatus => {
                o.remove("status");
            }
            Part::All => {}
        }
        if part == Part::Status
            && let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut)
        {
            m.retain(|k, _| k == "name" || k == "namespace");
        }
    }
    let new_set = fieldset::fields_of(&applied, schema, part);
    let mut entries = read_managed(live);
    let previous = entries
        .iter()
        .find(|e| e.same_owner(manager, "Apply", subresource))
        .map(|e| e.set.clone())
        .unwrap_or_default();

    let mut merged = fieldset::merge_applied(live, &applied, schema);
    // Fields this manager applied before and no longer applies go, unless someone else owns them.
    let mut others = FieldSet::default();
    for e in entries.iter().filter(|e| !e.same_owner(manager, "Apply", subresource)) {
        others.union(&e.set);
    }
    let dropped = previous.difference(&new_set).difference(&others);
    if !dropped.is_empty() {
        fieldset::remove_fields(&mut merged, &dropped, schema);
    }

    // Conflicts: fields this apply changes that another manager owns.
    let changed = fieldset::changed_fields(live, &merged, schema, part).intersection(&new_set);
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for e in entries.iter_mut().filter(|e| e.manager != manager) {
        let overlap = e.set.intersection(&changed);
        if overlap.is_empty() {
            continue;
        }
        if force {
            e.set = e.set.difference(&overlap);
        } else {
            let using = if e.operation == "Update" {
                format!(" using {}", e.api_version)
            } else {
                String::new()
            };
            groups.push((format!("\"{}\"{using}", e.manager), overlap.paths()));
        }
    }
    if !groups.is_empty() {
        return Err(conflict_error(rt, meta_name(live), &groups));
    }

    match entries.iter_mut().find(|e| e.same_owner(manager, "Apply", subresource)) {
        Some(e) => {
            e.set = new_set;
            e.api_version = rt.api_version(version);
            e.time = Some(meta::now());
        }
        None => entries.push(Managed {
            manager: manager.to_string(),
            operation: "Apply".into(),
            api_version: rt.api_version(version),
            subresource: subresource.map(str::to_string),
            time: Some(meta::now()),
            set: new_set,
        }),
    }
    // Nothing changed: keep the stored managedFields (no timestamp churn).
    let mut candidate = merged.clone();
    write_managed(&mut candidate, entries.clone());
    if fieldset::changed_fields(live, &merged, schema, Part::All).is_empty() && same_sets(live, &candidate) {
        return Ok(live.clone());
    }
    write_managed(&mut merged, entries);
    Ok(merged)
}

/// 409 worded as kube-apiserver words apply conflicts, one cause per field.
fn conflict_error(rt: &ResourceType, name: &str, groups: &[(String, Vec<String>)]) -> ApiError {
    let total: usize = groups.iter().map(|(_, paths)| paths.len()).sum();
    let causes: Vec<Cause> = groups
        .iter()
        .flat_map(|(who, paths)| {
            paths
                .iter()
                .map(move |p| Cause::new("FieldManagerConflict", format!("conflict with {who}"), p))
        })
        .collect();
    let message = if total == 1 {
        format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            groups[0].0, groups[0].1[0]
        )
    } else {
        let parts: Vec<String> = groups
            .iter()
            .map(|(who, paths)| {
                let lines: Vec<String> = paths.iter().map(|p| format!("- {p}")).collect();
                format!("conflicts with {who}:\n{}", lines.join("\n"))
            })
            .collect();
        format!("Apply failed with {total} conflicts: {}", parts.join("\n"))
    };
    ApiError::new(409, "Conflict", message)
        .about(&rt.group, &rt.plural, name)
        .with_causes(causes)
}

fn meta_name(obj: &Value) -> &str {
    obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("")
}

/// Whether two objects' managedFields have the same owners and sets (times aside).
fn same_sets(a: &Value, b: &Value) -> bool {
    let key = |v: &Value| -> Vec<(String, String, Option<String>, Value)> {
        read_managed(v)
            .into_iter()
            .map(|e| {
                (
                    e.manager.clone(),
                    e.operation.clone(),
                    e.subresource.clone(),
                    e.set.to_fields_v1(),
                )
            })
            .collect()
    };
    key(a) == key(b)
}
