//! `openapi_v2::encode_swagger`: the bytes are read back with a small protobuf
//! reader written here, checking gnostic's field numbers and nesting, and odd
//! input gives errors naming the JSON path.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use rflux_protobuf::openapi_v2::{Error, encode_swagger};
use serde_json::{Value, json};

/// One decoded field: its number and its value.
#[derive(Debug, Clone)]
enum Wire {
    Varint(u64),
    Fixed64(u64),
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone)]
struct Msg(Vec<(u32, Wire)>);

fn varint(b: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    for shift in (0..70).step_by(7) {
        let byte = b[*pos];
        *pos += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return v;
        }
    }
    panic!("varint too long");
}

fn parse(b: &[u8]) -> Msg {
    let mut pos = 0;
    let mut fields = Vec::new();
    while pos < b.len() {
        let key = varint(b, &mut pos);
        let (number, wire) = ((key >> 3) as u32, key & 7);
        let value = match wire {
            0 => Wire::Varint(varint(b, &mut pos)),
            1 => {
                let v = u64::from_le_bytes(b[pos..pos + 8].try_into().unwrap());
                pos += 8;
                Wire::Fixed64(v)
            }
            2 => {
                let len = varint(b, &mut pos) as usize;
                let v = b[pos..pos + len].to_vec();
                pos += len;
                Wire::Bytes(v)
            }
            other => panic!("unexpected wire type {other}"),
        };
        fields.push((number, value));
    }
    Msg(fields)
}

impl Msg {
    fn all(&self, number: u32) -> Vec<&Wire> {
        self.0.iter().filter(|(n, _)| *n == number).map(|(_, w)| w).collect()
    }
    fn has(&self, number: u32) -> bool {
        !self.all(number).is_empty()
    }
    fn bytes(&self, number: u32) -> &[u8] {
        match self.all(number).as_slice() {
            [Wire::Bytes(b)] => b,
            other => panic!("field {number}: expected one length-delimited value, got {other:?}"),
        }
    }
    fn msg(&self, number: u32) -> Msg {
        parse(self.bytes(number))
    }
    fn msgs(&self, number: u32) -> Vec<Msg> {
        self.all(number)
            .into_iter()
            .map(|w| match w {
                Wire::Bytes(b) => parse(b),
                other => panic!("field {number}: {other:?}"),
            })
            .collect()
    }
    fn str(&self, number: u32) -> String {
        String::from_utf8(self.bytes(number).to_vec()).unwrap()
    }
    fn strs(&self, number: u32) -> Vec<String> {
        self.all(number)
            .into_iter()
            .map(|w| match w {
                Wire::Bytes(b) => String::from_utf8(b.clone()).unwrap(),
                other => panic!("field {number}: {other:?}"),
            })
            .collect()
    }
    fn varint(&self, number: u32) -> u64 {
        match self.all(number).as_slice() {
            [Wire::Varint(v)] => *v,
            other => panic!("field {number}: expected one varint, got {other:?}"),
        }
    }
    fn double(&self, number: u32) -> f64 {
        match self.all(number).as_slice() {
            [Wire::Fixed64(v)] => f64::from_bits(*v),
            other => panic!("field {number}: expected one fixed64, got {other:?}"),
        }
    }
    fn numbers(&self) -> Vec<u32> {
        self.0.iter().map(|(n, _)| *n).collect()
    }
    /// The entries of a `Named*` map message at `number`: (name, value message).
    fn named(&self, number: u32) -> Vec<(String, Msg)> {
        self.msgs(number)
            .into_iter()
            .map(|pair| (pair.str(1), pair.msg(2)))
            .collect()
    }
    fn entry(&self, number: u32, name: &str) -> Msg {
        self.named(number)
            .into_iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no entry {name:?} at field {number}"))
            .1
    }
    /// Vendor extensions at `number` as (name, yaml).
    fn extensions(&self, number: u32) -> Vec<(String, String)> {
        self.named(number)
            .into_iter()
            .map(|(name, any)| {
                assert!(!any.has(1), "Any.value is left unset");
                (name, any.str(2))
            })
            .collect()
    }
    fn extension(&self, number: u32, name: &str) -> String {
        self.extensions(number)
            .into_iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no extension {name:?}"))
            .1
    }
}

fn assert_ascending(m: &Msg) {
    let n = m.numbers();
    assert!(n.windows(2).all(|w| w[0] <= w[1]), "fields out of order: {n:?}");
}

fn small() -> Value {
    let text = include_str!("fixtures/openapi_v2/small.json");
    serde_json::from_str(text).unwrap()
}

fn document() -> Msg {
    parse(&encode_swagger(&small()).unwrap())
}

fn definition(name: &str) -> Msg {
    document().msg(9).entry(1, name)
}

// Document fields: swagger 1, info 2, paths 8, definitions 9, parameters 10,
// security 12, security_definitions 13.
#[test]
fn document_fields_in_field_number_order() {
    let doc = document();
    assert_eq!(doc.numbers(), vec![1, 2, 8, 9, 10, 12, 13]);
    assert_eq!(doc.str(1), "2.0");
    let info = doc.msg(2);
    assert_eq!(info.str(1), "Kubernetes");
    assert_eq!(info.str(2), "v1.27.0");
}

#[test]
fn tiny_documents_byte_for_byte() {
    assert_eq!(encode_swagger(&json!({})).unwrap(), Vec::<u8>::new());
    assert_eq!(
        encode_swagger(&json!({"swagger": "2.0"})).unwrap(),
        b"\x0a\x032.0".to_vec()
    );
    // definitions (9) > NamedSchema (1) {name "A", Schema {type (22, a two-byte key) > TypeItem {"string"}}}
    let doc = json!({"definitions": {"A": {"type": "string"}}});
    let schema = [&[0xb2, 0x01, 0x08, 0x0a, 0x06][..], b"string"].concat();
    let named = [&[0x0a, 0x01, b'A', 0x12, schema.len() as u8][..], &schema].concat();
    let defs = [&[0x0a, named.len() as u8][..], &named].concat();
    let expected = [&[0x4a, defs.len() as u8][..], &defs].concat();
    assert_eq!(encode_swagger(&doc).unwrap(), expected);
}

#[test]
fn definitions_keep_json_order() {
    let names: Vec<String> = document().msg(9).named(1).into_iter().map(|(n, _)| n).collect();
    let expected: Vec<String> = small()["definitions"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(names, expected);
}

// Schema: _ref 1, description 4, default 5, required 19, additional_properties 21,
// type 22, items 23, properties 25, vendor_extension 31.
#[test]
fn config_map_schema() {
    let cm = definition("io.k8s.api.core.v1.ConfigMap");
    assert_ascending(&cm);
    assert_eq!(cm.str(4), "ConfigMap holds configuration data for pods to consume.");
    assert_eq!(cm.msg(22).strs(1), vec!["object"]);
    assert_eq!(
        cm.extensions(31),
        vec![(
            "x-kubernetes-group-version-kind".to_string(),
            "- group: \"\"\n  kind: ConfigMap\n  version: v1\n".to_string()
        )]
    );
    let props = cm.msg(25).named(1);
    let names: Vec<&str> = props.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["apiVersion", "binaryData", "data", "immutable", "kind", "metadata"]
    );
    // data: a map of strings.
    let data = &props[2].1;
    assert_eq!(data.msg(22).strs(1), vec!["object"]);
    let value = data.msg(21).msg(1);
    assert_eq!(value.msg(22).strs(1), vec!["string"]);
    assert_eq!(value.msg(5).str(2), "\"\"\n");
    // binaryData values carry a format (2).
    assert_eq!(props[1].1.msg(21).msg(1).str(2), "byte");
    // metadata: a $ref with a default of {}.
    let metadata = &props[5].1;
    assert_eq!(
        metadata.str(1),
        "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    );
    assert_eq!(metadata.msg(5).str(2), "{}\n");
    assert!(!metadata.has(22));
}

#[test]
fn arrays_refs_and_patch_extensions() {
    let container = definition("io.k8s.api.core.v1.Container");
    assert_eq!(container.strs(19), vec!["name"]);
    let ports = container.msg(25).entry(1, "ports");
    assert_ascending(&ports);
    assert_eq!(ports.msg(22).strs(1), vec!["array"]);
    let items = ports.msg(23).msgs(1);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].str(1), "#/definitions/io.k8s.api.core.v1.ContainerPort");
    assert_eq!(
        ports.extensions(31),
        vec![
            (
                "x-kubernetes-list-map-keys".to_string(),
                "- containerPort\n- protocol\n".to_string()
            ),
            ("x-kubernetes-list-type".to_string(), "map\n".to_string()),
            (
                "x-kubernetes-patch-merge-key".to_string(),
                "containerPort\n".to_string()
            ),
            ("x-kubernetes-patch-strategy".to_string(), "merge\n".to_string()),
        ]
    );
    let pod = definition("io.k8s.api.core.v1.PodSpec");
    let volumes = pod.msg(25).entry(1, "volumes");
    assert_eq!(
        volumes.extension(31, "x-kubernetes-patch-strategy"),
        "merge,retainKeys\n"
    );
    let node_selector = pod.msg(25).entry(1, "nodeSelector");
    assert_eq!(node_selector.extension(31, "x-kubernetes-map-type"), "atomic\n");
    let port = definition("io.k8s.api.core.v1.ContainerPort");
    let protocol = port.msg(25).entry(1, "protocol");
    let enums: Vec<String> = protocol.msgs(20).iter().map(|a| a.str(2)).collect();
    assert_eq!(enums, ["SCTP\n", "TCP\n", "UDP\n"]);
    assert_eq!(protocol.msg(5).str(2), "TCP\n");
    let container_port = port.msg(25).entry(1, "containerPort");
    assert_eq!(container_port.str(2), "int32");
    assert_eq!(container_port.msg(5).str(2), "0\n");
}

#[test]
fn numbers_booleans_and_additional_properties_false() {
    let spec = definition("io.k8s.api.apps.v1.DeploymentSpec");
    let replicas = spec.msg(25).entry(1, "replicas");
    // maximum (7) is a double; minimum 0 is proto3's default and left out.
    assert_eq!(replicas.double(7), 1000000.5);
    assert!(!replicas.has(9));
    let or_bool = definition("io.k8s.apiextensions.JSONSchemaPropsOrBool");
    // A oneof member is written even when false: boolean (2) = 0.
    assert_eq!(or_bool.bytes(21), &[0x10, 0x00]);
    assert_eq!(or_bool.extension(31, "x-kubernetes-preserve-unknown-fields"), "true\n");
    let owner = definition("io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference");
    assert_eq!(owner.strs(19), vec!["apiVersion", "kind", "name", "uid"]);

    let doc = json!({"definitions": {"A": {
        "type": ["object", "boolean"],
        "minLength": -1,
        "uniqueItems": true,
        "readOnly": false,
        "items": [{"type": "string"}, {"type": "integer"}],
        "additionalProperties": true,
    }}});
    let a = parse(&encode_swagger(&doc).unwrap()).msg(9).entry(1, "A");
    assert_eq!(a.msg(22).strs(1), vec!["object", "boolean"]);
    assert_eq!(a.varint(12), u64::MAX); // int64 -1 as a ten-byte varint
    assert_eq!(a.varint(16), 1);
    assert!(!a.has(27));
    assert_eq!(a.msg(23).msgs(1).len(), 2);
    assert_eq!(a.bytes(21), &[0x10, 0x01]);
}

// Paths (8) > path (2) NamedPathItem > PathItem {get 2, patch 8, parameters 9}.
#[test]
fn path_with_patch_operation() {
    let paths = document().msg(8);
    assert!(!paths.has(1));
    let item = paths.entry(2, "/api/v1/namespaces/{namespace}/configmaps/{name}");
    assert_eq!(item.numbers(), vec![2, 8, 9, 9, 9]);

    let params = item.msgs(9);
    // A path parameter: ParametersItem.parameter (1) > Parameter.non_body_parameter (2)
    // > NonBodyParameter.path_parameter_sub_schema (4).
    let name = params[0].msg(1).msg(2).msg(4);
    assert_eq!(name.varint(1), 1); // required
    assert_eq!(name.str(2), "path");
    assert_eq!(name.str(3), "name of the ConfigMap");
    assert_eq!(name.str(4), "name");
    assert_eq!(name.str(5), "string");
    assert_eq!(name.varint(19), 1); // unique_items
    // A reference: ParametersItem.json_reference (2) > JsonReference._ref (1).
    assert_eq!(params[1].msg(2).str(1), "#/parameters/namespace-vgWSWtn3");

    // Operation: tags 1, description 3, operation_id 5, produces 6, consumes 7,
    // parameters 8, responses 9, schemes 10, vendor_extension 13.
    let patch = item.msg(8);
    assert_ascending(&patch);
    assert_eq!(patch.str(5), "patchCoreV1NamespacedConfigMap");
    assert_eq!(
        patch.strs(7),
        vec![
            "application/json-patch+json",
            "application/merge-patch+json",
            "application/strategic-merge-patch+json",
            "application/apply-patch+yaml"
        ]
    );
    assert_eq!(patch.strs(1), vec!["core_v1"]);
    assert_eq!(patch.strs(10), vec!["https"]);
    let op_params = patch.msgs(8);
    assert_eq!(op_params[0].msg(2).str(1), "#/parameters/body-78PwaGsr");
    // A query parameter: NonBodyParameter.query_parameter_sub_schema (3).
    let field_manager = op_params[1].msg(1).msg(2).msg(3);
    assert_eq!(field_manager.str(2), "query");
    assert_eq!(field_manager.str(4), "fieldManager");
    assert_eq!(field_manager.str(6), "string");
    assert_eq!(field_manager.varint(20), 1);
    assert_eq!(op_params[2].msg(1).msg(2).msg(3).str(6), "boolean");

    // Responses.response_code (1) > NamedResponseValue > ResponseValue.response (1)
    // > Response {description 1, schema 2 > SchemaItem.schema (1)}.
    let responses = patch.msg(9).named(1);
    let codes: Vec<&str> = responses.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(codes, ["200", "201"]);
    let ok = responses[0].1.msg(1);
    assert_eq!(ok.str(1), "OK");
    assert_eq!(ok.msg(2).msg(1).str(1), "#/definitions/io.k8s.api.core.v1.ConfigMap");
    assert_eq!(
        patch.extensions(13),
        vec![
            ("x-kubernetes-action".to_string(), "patch\n".to_string()),
            (
                "x-kubernetes-group-version-kind".to_string(),
                "group: \"\"\nkind: ConfigMap\nversion: v1\n".to_string()
            ),
        ]
    );
    let get = item.msg(2);
    assert_eq!(get.extension(13, "x-kubernetes-action"), "get\n");
    assert_eq!(get.msg(9).entry(1, "401").msg(1).str(1), "Unauthorized");
}

#[test]
fn top_level_parameters_and_security() {
    let doc = document();
    // ParameterDefinitions > NamedParameter > Parameter.body_parameter (1)
    // {name 2, in 3, required 4, schema 5}.
    let body = doc.msg(10).entry(1, "body-78PwaGsr").msg(1);
    assert_eq!(body.numbers(), vec![2, 3, 4, 5]);
    assert_eq!(body.str(3), "body");
    assert_eq!(
        body.msg(5).str(1),
        "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
    );
    // SecurityDefinitions > NamedSecurityDefinitionsItem > api_key_security (2).
    let bearer = doc.msg(13).entry(1, "BearerToken").msg(2);
    assert_eq!(bearer.str(1), "apiKey");
    assert_eq!(bearer.str(2), "authorization");
    assert_eq!(bearer.str(3), "header");
    assert_eq!(bearer.str(4), "Bearer Token authentication");
    // SecurityRequirement > NamedStringArray {BearerToken, StringArray {}}.
    let requirement = doc.msgs(12);
    assert_eq!(requirement.len(), 1);
    let pairs = requirement[0].named(1);
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0].0, "BearerToken");
    assert!(pairs[0].1.0.is_empty());
}

#[test]
fn document_and_path_extensions() {
    let doc = json!({
        "swagger": "2.0",
        "x-rflux": {"a": [1, "two"]},
        "paths": {"x-note": "n", "/p": {"x-kubernetes-action": "list", "get": {}}},
        "info": {"title": "t", "x-b": true},
    });
    let m = parse(&encode_swagger(&doc).unwrap());
    assert_eq!(m.numbers(), vec![1, 2, 8, 16]);
    assert_eq!(
        m.extensions(16),
        vec![("x-rflux".to_string(), "a:\n    - 1\n    - two\n".to_string())]
    );
    assert_eq!(m.msg(2).extension(7, "x-b"), "true\n");
    let paths = m.msg(8);
    assert_eq!(paths.numbers(), vec![1, 2]);
    assert_eq!(paths.extension(1, "x-note"), "n\n");
    let item = paths.entry(2, "/p");
    assert_eq!(item.numbers(), vec![2, 10]);
    assert!(item.msg(2).0.is_empty());
}

fn error_of(doc: Value) -> Error {
    encode_swagger(&doc).expect_err("should be rejected")
}

#[test]
fn wrong_types_name_the_json_path() {
    assert_eq!(
        error_of(json!([1])).to_string(),
        "$: expected an object, found an array"
    );
    assert_eq!(
        error_of(json!({"definitions": []})).to_string(),
        "$.definitions: expected an object, found an array"
    );
    assert_eq!(
        error_of(json!({"definitions": {"A": {"properties": {"b": {"type": 5}}}}})).to_string(),
        "$.definitions.A.properties.b.type: expected a string or an array of strings, found a number"
    );
    assert_eq!(
        error_of(json!({"definitions": {"A": {"required": ["x", 1]}}})).to_string(),
        "$.definitions.A.required[1]: expected a string, found a number"
    );
    assert_eq!(
        error_of(json!({"definitions": {"A": {"maxLength": 1.5}}})).to_string(),
        "$.definitions.A.maxLength: 1.5 is not a 64-bit integer"
    );
    assert_eq!(
        error_of(json!({"definitions": {"A": {"additionalProperties": "yes"}}})).to_string(),
        "$.definitions.A.additionalProperties: expected an object or a boolean, found a string"
    );
    assert_eq!(
        error_of(json!({"swagger": 2})).to_string(),
        "$.swagger: expected a string, found a number"
    );
    assert!(matches!(
        error_of(json!({"paths": {"/p": {"get": {"parameters": [{"in": "cookie", "name": "c"}]}}}})),
        Error::UnknownParameterLocation { path, location }
            if path == "$.paths./p.get.parameters[0].in" && location == "cookie"
    ));
    assert!(matches!(
        error_of(json!({"paths": {"/p": {"get": {"parameters": [{"name": "c"}]}}}})),
        Error::UnknownParameterLocation { location, .. } if location.is_empty()
    ));
}

#[test]
fn unknown_keys_and_odd_extension_values_are_tolerated() {
    let doc = json!({
        "swagger": "2.0",
        "whatever": {"deep": [1, 2]},
        "definitions": {"A": {
            "nullable": true,
            "x-odd": {"k": null, "s": "a: b", "e": {}, "n": [[1, 2], []], "t": "x\ny"},
        }},
        "securityDefinitions": {"weird": {"type": "cookie"}},
    });
    let m = parse(&encode_swagger(&doc).unwrap());
    let a = m.msg(9).entry(1, "A");
    assert_eq!(
        a.extension(31, "x-odd"),
        "k: null\ns: 'a: b'\ne: {}\nn:\n    - - 1\n      - 2\n    - []\nt: |-\n    x\n    y\n"
    );
    // An unknown security scheme becomes an empty item, as gnostic leaves the oneof unset.
    assert!(m.msg(13).entry(1, "weird").0.is_empty());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let mut schema = json!({"type": "string"});
    for _ in 0..400 {
        schema = json!({"items": schema});
    }
    let doc = json!({"definitions": {"Deep": schema}});
    let handle = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let result = encode_swagger(&doc);
            // Drop the deep value on this thread's larger stack too.
            drop(doc);
            result
        })
        .unwrap();
    let result = handle.join().unwrap();
    assert!(
        matches!(result, Err(Error::TooDeep { ref path, .. }) if path.starts_with("$.definitions.Deep.items.items")),
        "{result:?}"
    );
}

// Reference outputs made once with gnostic (see gen/openapi_v2/README.md).

#[test]
fn byte_identical_to_gnostic() {
    for (json_text, expected) in [
        (
            include_str!("fixtures/openapi_v2/small.json"),
            &include_bytes!("fixtures/openapi_v2/small.gnostic.pb")[..],
        ),
        (
            include_str!("fixtures/openapi_v2/full.json"),
            &include_bytes!("fixtures/openapi_v2/full.gnostic.pb")[..],
        ),
    ] {
        let doc: Value = serde_json::from_str(json_text).unwrap();
        let ours = encode_swagger(&doc).unwrap();
        if ours != expected {
            let at = ours
                .iter()
                .zip(expected)
                .position(|(a, b)| a != b)
                .unwrap_or(ours.len().min(expected.len()));
            panic!(
                "differs from gnostic at byte {at} (ours {} bytes, gnostic {} bytes)",
                ours.len(),
                expected.len()
            );
        }
    }
}

#[test]
fn extension_yaml_matches_yaml_v3() {
    let cases: Vec<(Value, String)> =
        serde_json::from_str(include_str!("fixtures/openapi_v2/yaml_cases.json")).unwrap();
    assert!(cases.len() > 500);
    let mut wrong = Vec::new();
    for (value, expected) in &cases {
        let doc = json!({"definitions": {"A": {"x-v": value}}});
        let ours = parse(&encode_swagger(&doc).unwrap())
            .msg(9)
            .entry(1, "A")
            .extension(31, "x-v");
        if &ours != expected {
            wrong.push(format!("{value}: ours {ours:?}, yaml.v3 {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
