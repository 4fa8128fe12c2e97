#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Host objects (`Value::Object`) beyond fields and methods: Go `[]byte` values, structs
//! with their own `%v` and `String()` texts and JSON field order, slice objects that list
//! functions see as lists, map objects that answer `index` with their zero value, and
//! Go's messages for bad field access on them.

use std::sync::Arc;

use rflux_gotmpl::{Map, Object, Template, Ty, Value};

#[derive(Debug)]
struct Bytes(Vec<u8>);

impl Object for Bytes {
    fn type_name(&self) -> &str {
        "[]uint8"
    }
    fn kind_name(&self) -> &str {
        "slice"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn to_value(&self) -> Value {
        Value::TypedList(
            Arc::new(self.0.iter().map(|b| Value::Int(i64::from(*b))).collect()),
            "[]uint8",
        )
    }
    fn bytes(&self) -> Option<&[u8]> {
        Some(&self.0)
    }
}

#[derive(Debug)]
struct Version;

impl Object for Version {
    fn type_name(&self) -> &str {
        "pkg.Version"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Zeta" => Some(Value::str("z")),
            "Alpha" => Some(Value::str("a")),
            _ => None,
        }
    }
    fn method_sig(&self, name: &str) -> Option<(Vec<Ty>, Option<Ty>)> {
        match name {
            "String" => Some((Vec::new(), None)),
            "Echo" => Some((vec![Ty::Str], None)),
            _ => None,
        }
    }
    fn call(&self, name: &str, args: Vec<Value>) -> Result<Value, String> {
        match name {
            "Echo" => Ok(args.into_iter().next().unwrap_or_default()),
            _ => Ok(Value::str("v-z-a")),
        }
    }
    fn to_value(&self) -> Value {
        Value::map(self.json_fields().unwrap_or_default().into_iter().collect())
    }
    fn format(&self) -> Option<String> {
        Some("{z a}".into())
    }
    fn display(&self) -> Option<String> {
        Some("v-z-a".into())
    }
    fn json_fields(&self) -> Option<Vec<(String, Value)>> {
        Some(vec![
            ("Zeta".into(), Value::str("z")),
            ("Alpha".into(), Value::str("a")),
        ])
    }
}

#[derive(Debug)]
struct Set(Vec<Value>);

impl Object for Set {
    fn type_name(&self) -> &str {
        "pkg.Set"
    }
    fn kind_name(&self) -> &str {
        "slice"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn to_value(&self) -> Value {
        Value::TypedList(Arc::new(self.0.clone()), "pkg.Set")
    }
    fn items(&self) -> Option<&[Value]> {
        Some(&self.0)
    }
}

#[derive(Debug)]
struct ByteMap;

impl Object for ByteMap {
    fn type_name(&self) -> &str {
        "pkg.files"
    }
    fn kind_name(&self) -> &str {
        "map"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::Object(Arc::new(Bytes(if name == "a" {
            b"A".to_vec()
        } else {
            Vec::new()
        }))))
    }
    fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("a".into(), self.field("a").unwrap());
        Value::map(m)
    }
}

fn run(text: &str) -> Result<String, String> {
    let mut data = Map::new();
    data.insert("B".into(), Value::Object(Arc::new(Bytes(b"hi\n".to_vec()))));
    data.insert("V".into(), Value::Object(Arc::new(Version)));
    data.insert(
        "S".into(),
        Value::Object(Arc::new(Set(vec![Value::str("b"), Value::str("a")]))),
    );
    data.insert("M".into(), Value::Object(Arc::new(ByteMap)));
    let mut t = Template::new("gotpl");
    t.parse("t", text).map_err(|e| e.to_string())?;
    t.execute("t", &Value::map(data)).map_err(|e| e.to_string())
}

#[test]
fn bytes_print_as_numbers_and_convert_as_text() {
    assert_eq!(
        run("{{ .B }}|{{ typeOf .B }}|{{ len .B }}").unwrap(),
        "[104 105 10]|[]uint8|3"
    );
    assert_eq!(run("{{ .B | toString }}{{ .B | quote }}").unwrap(), "hi\n\"hi\\n\"");
    assert_eq!(
        run(r#"{{ printf "%s|%q|%x|%v" .B .B .B .B }}"#).unwrap(),
        "hi\n|\"hi\\n\"|68690a|[104 105 10]"
    );
    assert_eq!(
        run("{{ .B | toJson }}|{{ dict \"b\" .B | toYaml }}").unwrap(),
        "\"aGkK\"|b: aGkK"
    );
    let err = run("{{ .B | b64enc }}").unwrap_err();
    assert!(
        err.ends_with("wrong type for value; expected string; got []uint8"),
        "{err}"
    );
}

#[test]
fn structs_have_their_own_texts_and_json_order() {
    assert_eq!(
        run("{{ .V }}|{{ printf \"%v\" .V }}|{{ toString .V }}|{{ .V.String }}").unwrap(),
        "v-z-a|{z a}|{z a}|v-z-a"
    );
    assert_eq!(
        run("{{ toJson .V }}|{{ toYaml .V }}").unwrap(),
        "{\"Zeta\":\"z\",\"Alpha\":\"a\"}|Alpha: a\nZeta: z"
    );
}

#[test]
fn slice_objects_are_lists_for_list_functions() {
    assert_eq!(
        run("{{ first .S }} {{ has \"a\" .S }} {{ join \",\" .S }} {{ sortAlpha .S }} {{ index .S 1 }} {{ len .S }} {{ typeOf .S }}")
            .unwrap(),
        "b true b,a [a b] a 2 pkg.Set"
    );
}

#[test]
fn map_objects_answer_index_with_their_zero_value() {
    assert_eq!(
        run("{{ index .M \"a\" | toString }}|{{ index .M \"zz\" }}|{{ .M.zz }}").unwrap(),
        "A|[]|[]"
    );
}

#[test]
fn field_errors_name_the_static_type_as_go_does() {
    let err = run("{{ .V.Nope }}").unwrap_err();
    assert!(err.ends_with("can't evaluate field Nope in type interface {}"), "{err}");
    let err = run("{{ $v := .V }}{{ $v.Nope }}").unwrap_err();
    assert!(err.ends_with("can't evaluate field Nope in type pkg.Version"), "{err}");
    let err = run("{{ .V.Zeta 1 }}").unwrap_err();
    assert!(
        err.ends_with("Zeta has arguments but cannot be invoked as function"),
        "{err}"
    );
    let err = run("{{ .M.a 1 }}").unwrap_err();
    assert!(err.ends_with("a is not a method but has arguments"), "{err}");
}

#[test]
fn after_a_method_call_go_stays_at_its_last_argument() {
    let err = run("{{ (.V.Echo \"x\").y }}").unwrap_err();
    assert!(
        err.contains("at <\"x\">: can't evaluate field y in type string"),
        "{err}"
    );
}
