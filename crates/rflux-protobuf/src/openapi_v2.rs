//! Encodes a Swagger 2.0 document, given as JSON, as the protobuf message
//! `openapi.v2.Document` of gnostic's `openapiv2/OpenAPIv2.proto`.
//!
//! kubectl's client-side `apply` (and `explain` without OpenAPI v3) fetches
//! `GET /openapi/v2` with `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`
//! and decodes the reply only as that message. [`encode_swagger`] produces the
//! bytes that kube-apiserver's `openapi_v2.ParseDocument` + `proto.Marshal` would:
//! fields in field-number order, proto3 defaults left out, maps kept in the order of
//! the JSON object, and every vendor extension and free-form value (`default`,
//! `example`, `enum` entries) as an `Any` whose `yaml` field holds the value
//! rendered as YAML (see [`yaml`]), which is what kube-openapi's
//! `VendorExtensionToMap` parses.
//!
//! For every document gnostic accepts, the output is byte-for-byte gnostic's
//! (checked against it on full Kubernetes specs; see `gen/openapi_v2/README.md`).
//! This encoder is more lenient than gnostic: keys gnostic does not know are
//! skipped rather than rejected, `info` and `paths` may be missing, `items` may
//! be an array of schemas, and an unknown security scheme becomes an empty item.
//! A known key whose value has the wrong JSON type is an [`Error`] naming its
//! JSON path. Numbers in `Any.yaml` are written as serde_json prints them, so a
//! JSON number written non-canonically (`1E5`, `1.50`) reads back equal but
//! is not spelled as in the input, which gnostic keeps.

mod yaml;

use serde_json::{Map, Value};

/// How deeply messages may nest (schemas inside properties inside schemas ...).
const MAX_DEPTH: usize = 256;

/// Why a Swagger document could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("{path}: expected {expected}, found {found}")]
    WrongType {
        path: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("{path}: {value} is not a 64-bit integer")]
    NotInteger { path: String, value: String },
    #[error("{path}: parameter location {location:?} is none of body, query, header, path, formData")]
    UnknownParameterLocation { path: String, location: String },
    #[error("{path}: messages nested deeper than {limit}")]
    TooDeep { path: String, limit: usize },
}

/// Encodes `doc` (a Swagger 2.0 document) as a gnostic `openapi.v2.Document`.
pub fn encode_swagger(doc: &Value) -> Result<Vec<u8>, Error> {
    let obj = object(doc, "$")?;
    let mut out = Vec::new();
    fields(&mut out, obj, DOCUMENT, "$", 0)?;
    Ok(out)
}

// ---------------------------------------------------------------------------
// Wire writing.

const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LEN: u32 = 2;

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_key(out: &mut Vec<u8>, field: u32, wire: u32) {
    put_varint(out, u64::from(field << 3 | wire));
}

fn put_len(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_key(out, field, LEN);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_bool(out: &mut Vec<u8>, field: u32, value: bool) {
    put_key(out, field, VARINT);
    out.push(u8::from(value));
}

// ---------------------------------------------------------------------------
// JSON access with paths.

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong(path: &str, expected: &'static str, v: &Value) -> Error {
    Error::WrongType {
        path: path.to_string(),
        expected,
        found: type_name(v),
    }
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, Error> {
    v.as_object().ok_or_else(|| wrong(path, "an object", v))
}

fn string<'a>(v: &'a Value, path: &str) -> Result<&'a str, Error> {
    v.as_str().ok_or_else(|| wrong(path, "a string", v))
}

fn child(path: &str, key: &str) -> String {
    format!("{path}.{key}")
}

fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

// ---------------------------------------------------------------------------
// Message descriptions: each message is a list of fields in field-number order.

/// Encodes a nested message from its JSON value; returns the message's bytes.
type Encoder = fn(&Value, &str, usize) -> Result<Vec<u8>, Error>;

#[derive(Clone, Copy)]
enum Kind {
    Str,
    Bool,
    Double,
    Int64,
    Strs,
    /// A free-form value as `Any{yaml}`.
    Any,
    Anys,
    Msg(Encoder),
    Msgs(Encoder),
    /// Every key starting with `x-`, as repeated `NamedAny`.
    Extensions,
}

struct Field {
    key: &'static str,
    number: u32,
    kind: Kind,
}

const fn f(key: &'static str, number: u32, kind: Kind) -> Field {
    Field { key, number, kind }
}

const fn ext(number: u32) -> Field {
    Field {
        key: "",
        number,
        kind: Kind::Extensions,
    }
}

/// Encodes the fields of `obj` described by `spec` into `out`.
fn fields(out: &mut Vec<u8>, obj: &Map<String, Value>, spec: &[Field], path: &str, depth: usize) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(Error::TooDeep {
            path: path.to_string(),
            limit: MAX_DEPTH,
        });
    }
    for field in spec {
        if let Kind::Extensions = field.kind {
            extensions(out, obj, field.number, path)?;
            continue;
        }
        let Some(value) = obj.get(field.key) else {
            continue;
        };
        let path = child(path, field.key);
        one_field(out, field, value, &path, depth)?;
    }
    Ok(())
}

fn one_field(out: &mut Vec<u8>, field: &Field, value: &Value, path: &str, depth: usize) -> Result<(), Error> {
    let n = field.number;
    match field.kind {
        Kind::Str => {
            let s = string(value, path)?;
            if !s.is_empty() {
                put_len(out, n, s.as_bytes());
            }
        }
        Kind::Bool => {
            let b = value.as_bool().ok_or_else(|| wrong(path, "a boolean", value))?;
            if b {
                put_bool(out, n, true);
            }
        }
        Kind::Double => {
            let d = value.as_f64().ok_or_else(|| wrong(path, "a number", value))?;
            if d.to_bits() != 0 {
                put_key(out, n, FIXED64);
                out.extend_from_slice(&d.to_bits().to_le_bytes());
            }
        }
        Kind::Int64 => {
            let i = value.as_i64().ok_or_else(|| match value {
                Value::Number(num) => Error::NotInteger {
                    path: path.to_string(),
                    value: num.to_string(),
                },
                _ => wrong(path, "an integer", value),
            })?;
            if i != 0 {
                put_key(out, n, VARINT);
                put_varint(out, i as u64);
            }
        }
        Kind::Strs => {
            let items = value
                .as_array()
                .ok_or_else(|| wrong(path, "an array of strings", value))?;
            for (i, item) in items.iter().enumerate() {
                put_len(out, n, string(item, &index(path, i))?.as_bytes());
            }
        }
        Kind::Any => put_len(out, n, &any(value)),
        Kind::Anys => {
            let items = value.as_array().ok_or_else(|| wrong(path, "an array", value))?;
            for item in items {
                put_len(out, n, &any(item));
            }
        }
        Kind::Msg(encode) => put_len(out, n, &encode(value, path, depth + 1)?),
        Kind::Msgs(encode) => {
            let items = value.as_array().ok_or_else(|| wrong(path, "an array", value))?;
            for (i, item) in items.iter().enumerate() {
                put_len(out, n, &encode(item, &index(path, i), depth + 1)?);
            }
        }
        Kind::Extensions => extensions(out, object(value, path)?, n, path)?,
    }
    Ok(())
}

/// `Any{yaml = value as YAML}`.
fn any(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    put_len(&mut out, 2, yaml::to_yaml(value).as_bytes());
    out
}

/// `NamedAny{name, value}`.
fn named_any(name: &str, value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    if !name.is_empty() {
        put_len(&mut out, 1, name.as_bytes());
    }
    put_len(&mut out, 2, &any(value));
    out
}

/// The `x-` keys of `obj`, in order, as repeated `NamedAny` at `number`.
fn extensions(out: &mut Vec<u8>, obj: &Map<String, Value>, number: u32, _path: &str) -> Result<(), Error> {
    for (name, value) in obj {
        if name.starts_with("x-") {
            put_len(out, number, &named_any(name, value));
        }
    }
    Ok(())
}

/// A message made of one repeated `Named*{name = 1, value = 2}` field at number 1
/// (optionally only the keys `keep` accepts).
fn named_map(
    value: &Value,
    path: &str,
    depth: usize,
    number: u32,
    keep: fn(&str) -> bool,
    encode: Encoder,
) -> Result<Vec<u8>, Error> {
    let obj = object(value, path)?;
    let mut out = Vec::new();
    for (name, item) in obj {
        if !keep(name) {
            continue;
        }
        let item_path = child(path, name);
        let mut pair = Vec::new();
        if !name.is_empty() {
            put_len(&mut pair, 1, name.as_bytes());
        }
        put_len(&mut pair, 2, &encode(item, &item_path, depth + 1)?);
        put_len(&mut out, number, &pair);
    }
    Ok(out)
}

fn message(spec: &'static [Field]) -> impl Fn(&Value, &str, usize) -> Result<Vec<u8>, Error> {
    move |value, path, depth| {
        let obj = object(value, path)?;
        let mut out = Vec::new();
        fields(&mut out, obj, spec, path, depth)?;
        Ok(out)
    }
}

fn any_key(_: &str) -> bool {
    true
}

fn not_extension(key: &str) -> bool {
    !key.starts_with("x-")
}

// ---------------------------------------------------------------------------
// The messages.

const DOCUMENT: &[Field] = &[
    f("swagger", 1, Kind::Str),
    f("info", 2, Kind::Msg(info)),
    f("host", 3, Kind::Str),
    f("basePath", 4, Kind::Str),
    f("schemes", 5, Kind::Strs),
    f("consumes", 6, Kind::Strs),
    f("produces", 7, Kind::Strs),
    f("paths", 8, Kind::Msg(paths)),
    f("definitions", 9, Kind::Msg(definitions)),
    f("parameters", 10, Kind::Msg(parameter_definitions)),
    f("responses", 11, Kind::Msg(response_definitions)),
    f("security", 12, Kind::Msgs(security_requirement)),
    f("securityDefinitions", 13, Kind::Msg(security_definitions)),
    f("tags", 14, Kind::Msgs(tag)),
    f("externalDocs", 15, Kind::Msg(external_docs)),
    ext(16),
];

fn info(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    const INFO: &[Field] = &[
        f("title", 1, Kind::Str),
        f("version", 2, Kind::Str),
        f("description", 3, Kind::Str),
        f("termsOfService", 4, Kind::Str),
        f("contact", 5, Kind::Msg(contact)),
        f("license", 6, Kind::Msg(license)),
        ext(7),
    ];
    message(INFO)(v, p, d)
}

fn contact(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    const CONTACT: &[Field] = &[
        f("name", 1, Kind::Str),
        f("url", 2, Kind::Str),
        f("email", 3, Kind::Str),
        ext(4),
    ];
    message(CONTACT)(v, p, d)
}

fn license(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    const LICENSE: &[Field] = &[f("name", 1, Kind::Str), f("url", 2, Kind::Str), ext(3)];
    message(LICENSE)(v, p, d)
}

fn external_docs(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    const DOCS: &[Field] = &[f("description", 1, Kind::Str), f("url", 2, Kind::Str), ext(3)];
    message(DOCS)(v, p, d)
}

fn tag(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    const TAG: &[Field] = &[
        f("name", 1, Kind::Str),
        f("description", 2, Kind::Str),
        f("externalDocs", 3, Kind::Msg(external_docs)),
        ext(4),
    ];
    message(TAG)(v, p, d)
}

fn xml(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    const XML: &[Field] = &[
        f("name", 1, Kind::Str),
        f("namespace", 2, Kind::Str),
        f("prefix", 3, Kind::Str),
        f("attribute", 4, Kind::Bool),
        f("wrapped", 5, Kind::Bool),
        ext(6),
    ];
    message(XML)(v, p, d)
}

/// `Definitions` and `Properties`: repeated `NamedSchema` at 1.
fn definitions(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    named_map(v, p, d, 1, any_key, schema)
}

const SCHEMA: &[Field] = &[
    f("$ref", 1, Kind::Str),
    f("format", 2, Kind::Str),
    f("title", 3, Kind::Str),
    f("description", 4, Kind::Str),
    f("default", 5, Kind::Any),
    f("multipleOf", 6, Kind::Double),
    f("maximum", 7, Kind::Double),
    f("exclusiveMaximum", 8, Kind::Bool),
    f("minimum", 9, Kind::Double),
    f("exclusiveMinimum", 10, Kind::Bool),
    f("maxLength", 11, Kind::Int64),
    f("minLength", 12, Kind::Int64),
    f("pattern", 13, Kind::Str),
    f("maxItems", 14, Kind::Int64),
    f("minItems", 15, Kind::Int64),
    f("uniqueItems", 16, Kind::Bool),
    f("maxProperties", 17, Kind::Int64),
    f("minProperties", 18, Kind::Int64),
    f("required", 19, Kind::Strs),
    f("enum", 20, Kind::Anys),
    f("additionalProperties", 21, Kind::Msg(additional_properties)),
    f("type", 22, Kind::Msg(type_item)),
    f("items", 23, Kind::Msg(items_item)),
    f("allOf", 24, Kind::Msgs(schema)),
    f("properties", 25, Kind::Msg(definitions)),
    f("discriminator", 26, Kind::Str),
    f("readOnly", 27, Kind::Bool),
    f("xml", 28, Kind::Msg(xml)),
    f("externalDocs", 29, Kind::Msg(external_docs)),
    f("example", 30, Kind::Any),
    ext(31),
];

fn schema(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    message(SCHEMA)(v, p, d)
}

/// `AdditionalPropertiesItem`: oneof `schema = 1` / `boolean = 2`.
fn additional_properties(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    match v {
        // A oneof member is written even when it holds the default value.
        Value::Bool(b) => put_bool(&mut out, 2, *b),
        Value::Object(_) => put_len(&mut out, 1, &schema(v, p, d + 1)?),
        other => return Err(wrong(p, "an object or a boolean", other)),
    }
    Ok(out)
}

/// `TypeItem{value: repeated string}` from a string or an array of strings.
fn type_item(v: &Value, p: &str, _d: usize) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    match v {
        Value::String(s) => put_len(&mut out, 1, s.as_bytes()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                put_len(&mut out, 1, string(item, &index(p, i))?.as_bytes());
            }
        }
        other => return Err(wrong(p, "a string or an array of strings", other)),
    }
    Ok(out)
}

/// `ItemsItem{schema: repeated Schema}` from a schema or an array of schemas.
fn items_item(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    match v {
        Value::Object(_) => put_len(&mut out, 1, &schema(v, p, d + 1)?),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                put_len(&mut out, 1, &schema(item, &index(p, i), d + 1)?);
            }
        }
        other => return Err(wrong(p, "an object or an array of objects", other)),
    }
    Ok(out)
}

fn file_schema(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    const FILE_SCHEMA: &[Field] = &[
        f("format", 1, Kind::Str),
        f("title", 2, Kind::Str),
        f("description", 3, Kind::Str),
        f("default", 4, Kind::Any),
        f("required", 5, Kind::Strs),
        f("type", 6, Kind::Str),
        f("readOnly", 7, Kind::Bool),
        f("externalDocs", 8, Kind::Msg(external_docs)),
        f("example", 9, Kind::Any),
        ext(10),
    ];
    message(FILE_SCHEMA)(v, p, d)
}

/// `SchemaItem`: oneof `schema = 1` / `file_schema = 2` (when `type` is `file`).
fn schema_item(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    let obj = object(v, p)?;
    let mut out = Vec::new();
    if obj.get("type").and_then(Value::as_str) == Some("file") {
        put_len(&mut out, 2, &file_schema(v, p, d + 1)?);
    } else {
        put_len(&mut out, 1, &schema(v, p, d + 1)?);
    }
    Ok(out)
}

// Paths and operations.

/// `Paths{vendor_extension = 1, path = 2}`.
fn paths(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    let obj = object(v, p)?;
    let mut out = Vec::new();
    extensions(&mut out, obj, 1, p)?;
    let only_paths = |k: &str| k.starts_with('/');
    for (name, item) in obj.iter().filter(|(k, _)| only_paths(k)) {
        let mut pair = Vec::new();
        put_len(&mut pair, 1, name.as_bytes());
        put_len(&mut pair, 2, &path_item(item, &child(p, name), d + 1)?);
        put_len(&mut out, 2, &pair);
    }
    Ok(out)
}

fn path_item(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    const PATH_ITEM: &[Field] = &[
        f("$ref", 1, Kind::Str),
        f("get", 2, Kind::Msg(operation)),
        f("put", 3, Kind::Msg(operation)),
        f("post", 4, Kind::Msg(operation)),
        f("delete", 5, Kind::Msg(operation)),
        f("options", 6, Kind::Msg(operation)),
        f("head", 7, Kind::Msg(operation)),
        f("patch", 8, Kind::Msg(operation)),
        f("parameters", 9, Kind::Msgs(parameters_item)),
        ext(10),
    ];
    message(PATH_ITEM)(v, p, d)
}

fn operation(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    const OPERATION: &[Field] = &[
        f("tags", 1, Kind::Strs),
        f("summary", 2, Kind::Str),
        f("description", 3, Kind::Str),
        f("externalDocs", 4, Kind::Msg(external_docs)),
        f("operationId", 5, Kind::Str),
        f("produces", 6, Kind::Strs),
        f("consumes", 7, Kind::Strs),
        f("parameters", 8, Kind::Msgs(parameters_item)),
        f("responses", 9, Kind::Msg(responses)),
        f("schemes", 10, Kind::Strs),
        f("deprecated", 11, Kind::Bool),
        f("security", 12, Kind::Msgs(security_requirement)),
        ext(13),
    ];
    message(OPERATION)(v, p, d)
}

fn json_reference(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    const JSON_REFERENCE: &[Field] = &[f("$ref", 1, Kind::Str), f("description", 2, Kind::Str)];
    message(JSON_REFERENCE)(v, p, d)
}

fn is_reference(v: &Value) -> bool {
    v.as_object().is_some_and(|o| o.contains_key("$ref"))
}

/// `ParametersItem`: oneof `parameter = 1` / `json_reference = 2`.
fn parameters_item(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    if is_reference(v) {
        put_len(&mut out, 2, &json_reference(v, p, d + 1)?);
    } else {
        put_len(&mut out, 1, &parameter(v, p, d + 1)?);
    }
    Ok(out)
}

/// `Parameter`: oneof `body_parameter = 1` / `non_body_parameter = 2`, chosen by `in`.
fn parameter(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    const BODY: &[Field] = &[
        f("description", 1, Kind::Str),
        f("name", 2, Kind::Str),
        f("in", 3, Kind::Str),
        f("required", 4, Kind::Bool),
        f("schema", 5, Kind::Msg(schema)),
        ext(6),
    ];
    let obj = object(v, p)?;
    let location = match obj.get("in") {
        Some(l) => string(l, &child(p, "in"))?,
        None => "",
    };
    let (spec, choice): (&'static [Field], u32) = match location {
        "body" => (BODY, 0),
        "header" => (HEADER_OR_PATH_PARAMETER, 1),
        "formData" => (QUERY_OR_FORM_PARAMETER, 2),
        "query" => (QUERY_OR_FORM_PARAMETER, 3),
        "path" => (HEADER_OR_PATH_PARAMETER, 4),
        other => {
            return Err(Error::UnknownParameterLocation {
                path: child(p, "in"),
                location: other.to_string(),
            });
        }
    };
    let mut inner = Vec::new();
    fields(&mut inner, obj, spec, p, d + 1)?;
    let mut out = Vec::new();
    if choice == 0 {
        put_len(&mut out, 1, &inner);
    } else {
        let mut non_body = Vec::new();
        put_len(&mut non_body, choice, &inner);
        put_len(&mut out, 2, &non_body);
    }
    Ok(out)
}

/// `HeaderParameterSubSchema` and `PathParameterSubSchema` share their numbering.
const HEADER_OR_PATH_PARAMETER: &[Field] = &[
    f("required", 1, Kind::Bool),
    f("in", 2, Kind::Str),
    f("description", 3, Kind::Str),
    f("name", 4, Kind::Str),
    f("type", 5, Kind::Str),
    f("format", 6, Kind::Str),
    f("items", 7, Kind::Msg(primitives_items)),
    f("collectionFormat", 8, Kind::Str),
    f("default", 9, Kind::Any),
    f("maximum", 10, Kind::Double),
    f("exclusiveMaximum", 11, Kind::Bool),
    f("minimum", 12, Kind::Double),
    f("exclusiveMinimum", 13, Kind::Bool),
    f("maxLength", 14, Kind::Int64),
    f("minLength", 15, Kind::Int64),
    f("pattern", 16, Kind::Str),
    f("maxItems", 17, Kind::Int64),
    f("minItems", 18, Kind::Int64),
    f("uniqueItems", 19, Kind::Bool),
    f("enum", 20, Kind::Anys),
    f("multipleOf", 21, Kind::Double),
    ext(22),
];

/// `QueryParameterSubSchema` and `FormDataParameterSubSchema` share their numbering.
const QUERY_OR_FORM_PARAMETER: &[Field] = &[
    f("required", 1, Kind::Bool),
    f("in", 2, Kind::Str),
    f("description", 3, Kind::Str),
    f("name", 4, Kind::Str),
    f("allowEmptyValue", 5, Kind::Bool),
    f("type", 6, Kind::Str),
    f("format", 7, Kind::Str),
    f("items", 8, Kind::Msg(primitives_items)),
    f("collectionFormat", 9, Kind::Str),
    f("default", 10, Kind::Any),
    f("maximum", 11, Kind::Double),
    f("exclusiveMaximum", 12, Kind::Bool),
    f("minimum", 13, Kind::Double),
    f("exclusiveMinimum", 14, Kind::Bool),
    f("maxLength", 15, Kind::Int64),
    f("minLength", 16, Kind::Int64),
    f("pattern", 17, Kind::Str),
    f("maxItems", 18, Kind::Int64),
    f("minItems", 19, Kind::Int64),
    f("uniqueItems", 20, Kind::Bool),
    f("enum", 21, Kind::Anys),
    f("multipleOf", 22, Kind::Double),
    ext(23),
];

fn primitives_items(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    const PRIMITIVES_ITEMS: &[Field] = &[
        f("type", 1, Kind::Str),
        f("format", 2, Kind::Str),
        f("items", 3, Kind::Msg(primitives_items)),
        f("collectionFormat", 4, Kind::Str),
        f("default", 5, Kind::Any),
        f("maximum", 6, Kind::Double),
        f("exclusiveMaximum", 7, Kind::Bool),
        f("minimum", 8, Kind::Double),
        f("exclusiveMinimum", 9, Kind::Bool),
        f("maxLength", 10, Kind::Int64),
        f("minLength", 11, Kind::Int64),
        f("pattern", 12, Kind::Str),
        f("maxItems", 13, Kind::Int64),
        f("minItems", 14, Kind::Int64),
        f("uniqueItems", 15, Kind::Bool),
        f("enum", 16, Kind::Anys),
        f("multipleOf", 17, Kind::Double),
        ext(18),
    ];
    message(PRIMITIVES_ITEMS)(v, p, d)
}

/// `Responses{response_code = 1 (NamedResponseValue), vendor_extension = 2}`.
fn responses(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    let obj = object(v, p)?;
    let mut out = named_map(v, p, d, 1, not_extension, response_value)?;
    extensions(&mut out, obj, 2, p)?;
    Ok(out)
}

/// `ResponseValue`: oneof `response = 1` / `json_reference = 2`.
fn response_value(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    if is_reference(v) {
        put_len(&mut out, 2, &json_reference(v, p, d + 1)?);
    } else {
        put_len(&mut out, 1, &response(v, p, d + 1)?);
    }
    Ok(out)
}

fn response(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    const RESPONSE: &[Field] = &[
        f("description", 1, Kind::Str),
        f("schema", 2, Kind::Msg(schema_item)),
        f("headers", 3, Kind::Msg(headers)),
        f("examples", 4, Kind::Msg(examples)),
        ext(5),
    ];
    message(RESPONSE)(v, p, d)
}

fn headers(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    named_map(v, p, d, 1, any_key, header)
}

fn examples(v: &Value, p: &str, _d: usize) -> Result<Vec<u8>, Error> {
    let obj = object(v, p)?;
    let mut out = Vec::new();
    for (name, value) in obj {
        put_len(&mut out, 1, &named_any(name, value));
    }
    Ok(out)
}

fn header(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    const HEADER: &[Field] = &[
        f("type", 1, Kind::Str),
        f("format", 2, Kind::Str),
        f("items", 3, Kind::Msg(primitives_items)),
        f("collectionFormat", 4, Kind::Str),
        f("default", 5, Kind::Any),
        f("maximum", 6, Kind::Double),
        f("exclusiveMaximum", 7, Kind::Bool),
        f("minimum", 8, Kind::Double),
        f("exclusiveMinimum", 9, Kind::Bool),
        f("maxLength", 10, Kind::Int64),
        f("minLength", 11, Kind::Int64),
        f("pattern", 12, Kind::Str),
        f("maxItems", 13, Kind::Int64),
        f("minItems", 14, Kind::Int64),
        f("uniqueItems", 15, Kind::Bool),
        f("enum", 16, Kind::Anys),
        f("multipleOf", 17, Kind::Double),
        f("description", 18, Kind::Str),
        ext(19),
    ];
    message(HEADER)(v, p, d)
}

// Top-level definitions of parameters, responses and security.

fn parameter_definitions(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    named_map(v, p, d, 1, any_key, parameter)
}

fn response_definitions(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    named_map(v, p, d, 1, any_key, response)
}

/// `SecurityRequirement{repeated NamedStringArray{name, StringArray{value}}}`.
fn security_requirement(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    named_map(v, p, d, 1, any_key, |v, p, _| {
        let items = v.as_array().ok_or_else(|| wrong(p, "an array of strings", v))?;
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            put_len(&mut out, 1, string(item, &index(p, i))?.as_bytes());
        }
        Ok(out)
    })
}

fn security_definitions(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    named_map(v, p, d, 1, any_key, security_definitions_item)
}

/// `SecurityDefinitionsItem`: a oneof chosen by `type` (and `flow` for OAuth 2).
fn security_definitions_item(v: &Value, p: &str, d: usize) -> Result<Vec<u8>, Error> {
    const BASIC: &[Field] = &[f("type", 1, Kind::Str), f("description", 2, Kind::Str), ext(3)];
    const API_KEY: &[Field] = &[
        f("type", 1, Kind::Str),
        f("name", 2, Kind::Str),
        f("in", 3, Kind::Str),
        f("description", 4, Kind::Str),
        ext(5),
    ];
    const IMPLICIT: &[Field] = &[
        f("type", 1, Kind::Str),
        f("flow", 2, Kind::Str),
        f("scopes", 3, Kind::Msg(oauth2_scopes)),
        f("authorizationUrl", 4, Kind::Str),
        f("description", 5, Kind::Str),
        ext(6),
    ];
    const PASSWORD_OR_APPLICATION: &[Field] = &[
        f("type", 1, Kind::Str),
        f("flow", 2, Kind::Str),
        f("scopes", 3, Kind::Msg(oauth2_scopes)),
        f("tokenUrl", 4, Kind::Str),
        f("description", 5, Kind::Str),
        ext(6),
    ];
    const ACCESS_CODE: &[Field] = &[
        f("type", 1, Kind::Str),
        f("flow", 2, Kind::Str),
        f("scopes", 3, Kind::Msg(oauth2_scopes)),
        f("authorizationUrl", 4, Kind::Str),
        f("tokenUrl", 5, Kind::Str),
        f("description", 6, Kind::Str),
        ext(7),
    ];
    let obj = object(v, p)?;
    let text = |key: &str| obj.get(key).and_then(Value::as_str).unwrap_or("");
    let (spec, choice): (&'static [Field], u32) = match (text("type"), text("flow")) {
        ("basic", _) => (BASIC, 1),
        ("apiKey", _) => (API_KEY, 2),
        ("oauth2", "implicit") => (IMPLICIT, 3),
        ("oauth2", "password") => (PASSWORD_OR_APPLICATION, 4),
        ("oauth2", "application") => (PASSWORD_OR_APPLICATION, 5),
        ("oauth2", "accessCode") => (ACCESS_CODE, 6),
        // gnostic rejects any other scheme; leave the item empty.
        _ => return Ok(Vec::new()),
    };
    let mut inner = Vec::new();
    fields(&mut inner, obj, spec, p, d + 1)?;
    let mut out = Vec::new();
    put_len(&mut out, choice, &inner);
    Ok(out)
}

/// `Oauth2Scopes{repeated NamedString{name, value}}`.
fn oauth2_scopes(v: &Value, p: &str, _d: usize) -> Result<Vec<u8>, Error> {
    let obj = object(v, p)?;
    let mut out = Vec::new();
    for (name, value) in obj {
        let mut pair = Vec::new();
        if !name.is_empty() {
            put_len(&mut pair, 1, name.as_bytes());
        }
        let s = string(value, &child(p, name))?;
        if !s.is_empty() {
            put_len(&mut pair, 2, s.as_bytes());
        }
        put_len(&mut out, 1, &pair);
    }
    Ok(out)
}
