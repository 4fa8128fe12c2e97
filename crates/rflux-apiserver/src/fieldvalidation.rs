//! Field validation (`fieldValidation=Strict|Warn|Ignore`): fields the schema does not know are
//! dropped from what is stored, as kube-apiserver's decoding drops them, and reported as an
//! error (Strict) or as warnings (Warn). Duplicate fields in JSON bodies are found here too.

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::schema::Schema;

/// What to do about unknown and duplicate fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldValidation {
    Ignore,
    #[default]
    Warn,
    Strict,
}

impl FieldValidation {
    pub fn parse(value: Option<&str>) -> Option<FieldValidation> {
        match value {
            None | Some("") | Some("Warn") => Some(FieldValidation::Warn),
            Some("Strict") => Some(FieldValidation::Strict),
            Some("Ignore") => Some(FieldValidation::Ignore),
            Some(_) => None,
        }
    }
}

/// Removes fields `schema` does not know from `value`; returns their paths (`spec.template.x`).
pub fn prune_unknown(schema: Schema, value: &mut Value) -> Vec<String> {
    let mut out = Vec::new();
    prune(schema, value, "", true, &mut out);
    out
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

fn prune(schema: Schema, value: &mut Value, path: &str, root: bool, out: &mut Vec<String>) {
    if matches!(schema, Schema::Deduced) {
        return;
    }
    match value {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let known = if root && matches!(key.as_str(), "apiVersion" | "kind") {
                    Some(Schema::Deduced)
                } else {
                    schema.known_field(&key)
                };
                match known {
                    Some(child) => {
                        if let Some(v) = map.get_mut(&key) {
                            prune(child, v, &join(path, &key), false, out);
                        }
                    }
                    None => {
                        map.remove(&key);
                        out.push(join(path, &key));
                    }
                }
            }
        }
        Value::Array(items) => {
            let item_schema = schema.items();
            for (i, item) in items.iter_mut().enumerate() {
                prune(item_schema, item, &format!("{path}[{i}]"), false, out);
            }
        }
        _ => {}
    }
}

/// Paths of fields that appear twice in the same JSON object (`spec.replicas`).
pub fn duplicate_fields(body: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(body);
    let _ = Walk {
        path: String::new(),
        out: &mut out,
    }
    .deserialize(&mut de);
    out
}

struct Walk<'a> {
    path: String,
    out: &'a mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while seq
            .next_element_seed(Walk {
                path: format!("{}[{i}]", self.path),
                out: self.out,
            })?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = join(&self.path, &key);
            if !seen.insert(key) {
                self.out.push(path.clone());
            }
            map.next_value_seed(Walk { path, out: self.out })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_builtin_fields_are_pruned_and_named() {
        let schema = Schema::Builtin(rflux_schema::kind("apps", "v1", "Deployment").unwrap());
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x", "bogus": 1},
            "spec": {"replicas": 1, "foo": true, "template": {"spec": {"containers": [{"name": "a", "imagee": "x"}]}}}});
        let unknown = prune_unknown(schema, &mut d);
        assert_eq!(
            unknown,
            vec!["metadata.bogus", "spec.foo", "spec.template.spec.containers[0].imagee"]
        );
        assert!(d["spec"].get("foo").is_none());
        assert_eq!(d["spec"]["replicas"], 1);
    }

    #[test]
    fn maps_and_free_form_fields_are_known() {
        let schema = Schema::Builtin(rflux_schema::kind("", "v1", "ConfigMap").unwrap());
        let mut c = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"labels": {"any": "x"}}, "data": {"whatever": "y"}});
        assert!(prune_unknown(schema, &mut c).is_empty());
    }

    #[test]
    fn duplicates_are_found_with_their_path() {
        let body = br#"{"spec": {"replicas": 1, "replicas": 2, "list": [{"a": 1, "a": 2}]}, "kind": "X"}"#;
        assert_eq!(duplicate_fields(body), vec!["spec.replicas", "spec.list[0].a"]);
        assert!(duplicate_fields(br#"{"a": {"b": 1}, "c": {"b": 2}}"#).is_empty());
    }
}
