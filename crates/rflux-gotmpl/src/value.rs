//! The value model: Go interface values as Helm's templates see them (YAML → JSON decoding
//! gives `map[string]interface{}`, `[]interface{}`, `float64`, `string`, `bool`, `nil`;
//! template literals and functions add `int`, `int64` and `[]string`; Helm's `[]byte`
//! files and string indexing add `[]uint8` and `uint8`).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A Go map with string keys; iteration is in sorted key order, as Go prints and ranges.
pub type Map = BTreeMap<String, Value>;

/// How deep value-walking functions (printing, JSON/YAML/TOML, deep copy and compare) may
/// nest. Maps can contain themselves (`set $d "self" $d`); Go would crash on those, we stop.
pub const MAX_DEPTH: usize = 200;

thread_local! {
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Held while walking one level of a value; `None` once [`MAX_DEPTH`] is reached.
pub struct DepthGuard(());

impl DepthGuard {
    /// Enter one level.
    pub fn enter() -> Option<DepthGuard> {
        DEPTH.with(|d| {
            if d.get() >= MAX_DEPTH {
                None
            } else {
                d.set(d.get() + 1);
                Some(DepthGuard(()))
            }
        })
    }
}

impl Drop for DepthGuard {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// A shared, mutable map: Go maps are references, and Sprig's `set`/`unset`/`merge`
/// change them in place for every holder.
#[derive(Clone, Default)]
pub struct MapRef(Arc<RwLock<Map>>, Option<Arc<str>>);

impl std::fmt::Debug for MapRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys only: a map may contain itself.
        let keys: Vec<String> = self.read().keys().cloned().collect();
        f.debug_struct("MapRef")
            .field("type", &self.1)
            .field("keys", &keys)
            .finish()
    }
}

impl MapRef {
    /// Wrap a map.
    pub fn new(m: Map) -> MapRef {
        MapRef(Arc::new(RwLock::new(m)), None)
    }

    /// Wrap a map of a named Go map type (Helm's `.Values` is `common.Values`): `%T` and
    /// `typeOf` print the name, and type assertions to `map[string]interface{}` (as in
    /// Sprig's `dig`) fail, as in Go.
    pub fn named(m: Map, type_name: &str) -> MapRef {
        MapRef(Arc::new(RwLock::new(m)), Some(Arc::from(type_name)))
    }

    /// The Go type name, if the map has a named type.
    pub fn type_name(&self) -> Option<&str> {
        self.1.as_deref()
    }

    /// Read access.
    pub fn read(&self) -> RwLockReadGuard<'_, Map> {
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Write access.
    pub fn write(&self) -> RwLockWriteGuard<'_, Map> {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Value of a key.
    pub fn get(&self, k: &str) -> Option<Value> {
        self.read().get(k).cloned()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// Snapshot of the entries in key order.
    pub fn entries(&self) -> Vec<(String, Value)> {
        self.read().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// Copy of the map (shallow).
    pub fn snapshot(&self) -> Map {
        self.read().clone()
    }

    /// Whether two refs are the same map.
    pub fn ptr_eq(&self, o: &MapRef) -> bool {
        Arc::ptr_eq(&self.0, &o.0)
    }
}

/// A template value.
#[derive(Debug, Clone, Default)]
pub enum Value {
    /// A nil interface (missing key, `null`, `nil`).
    #[default]
    Nil,
    /// Go `bool`.
    Bool(bool),
    /// Go `int` (template literals, `len`, `atoi`, `int`).
    Int(i64),
    /// Go `int64` (Sprig math results, `int64`).
    Int64(i64),
    /// Go `float64` (every number from values files and JSON).
    Float(f64),
    /// Go `string`.
    Str(Arc<str>),
    /// Go `[]interface{}`.
    List(Arc<Vec<Value>>),
    /// A Go slice of a concrete element type, named by its Go type: `[]string` (from
    /// `splitList`, `keys`, `toStrings`, …; items are [`Value::Str`]) or `[]int` (`until`).
    TypedList(Arc<Vec<Value>>, &'static str),
    /// Go `map[string]interface{}`.
    Map(MapRef),
    /// Go `time.Time` (from `now`, `toDate`, `dateModify`).
    Time(crate::gotime::Time),
    /// A host object with fields and methods (Helm's `.Files`, `.Capabilities`, …).
    Object(Arc<dyn Object>),
}

/// A host-provided Go value with fields and methods, such as Helm's `.Files`
/// (`.Files.Get "path"`) or `.Capabilities` (`.Capabilities.APIVersions.Has "apps/v1"`).
pub trait Object: Send + Sync + std::fmt::Debug {
    /// Go type name, for `%T` and `typeOf` (e.g. `common.Files`).
    fn type_name(&self) -> &str;
    /// Go kind name, for `kindOf` (default `struct`).
    fn kind_name(&self) -> &str {
        "struct"
    }
    /// A field (or map key) by name; `None` if there is no such field.
    fn field(&self, name: &str) -> Option<Value>;
    /// Parameter types of a method (`None`: no such method); the last tuple item is the
    /// type of a variadic tail.
    fn method_sig(&self, name: &str) -> Option<(Vec<crate::func::Ty>, Option<crate::func::Ty>)> {
        let _ = name;
        None
    }
    /// Call a method with checked arguments. An `Err` becomes `error calling NAME: …`.
    fn call(&self, name: &str, args: Vec<Value>) -> Result<Value, String> {
        let _ = args;
        Err(format!("no method {name}"))
    }
    /// The value used for printing (`%v`), `range`, `len`, `index`, `toYaml` and `toJson`
    /// unless one of the methods below says otherwise.
    fn to_value(&self) -> Value;
    /// For a slice-kind object, its items: list functions (`first`, `has`, `join`, …) see
    /// them as a list.
    fn items(&self) -> Option<&[Value]> {
        None
    }
    /// For a Go `[]byte`, its bytes: `%v` prints numbers, but Sprig's string conversions
    /// (`toString`, `quote`, …) and `%s` see text, and JSON encodes base64.
    fn bytes(&self) -> Option<&[u8]> {
        None
    }
    /// Go's `%v` text when it is not that of [`Object::to_value`] (a struct prints as
    /// `{field field …}`, a struct pointer as `&{…}`).
    fn format(&self) -> Option<String> {
        None
    }
    /// What a template action (`{{ x }}`) prints when it is not the `%v` text: Go's
    /// text/template calls `String()` where the type (or its pointer) has one, and prints
    /// a pointer's target.
    fn display(&self) -> Option<String> {
        None
    }
    /// For a struct, the fields `encoding/json` writes, in declaration order, by their JSON
    /// names (`toJson`; `toYaml` sorts them).
    fn json_fields(&self) -> Option<Vec<(String, Value)>> {
        None
    }
}

/// A Go `uint8`, an element of a `[]byte` (`index`, `range` or `first` of
/// `.Files.GetBytes`): it prints, compares with `eq`/`lt` and converts as a number, but its
/// type is its own (`typeOf` is `uint8`; `deepEqual` and `has` do not find it equal to the
/// `int` 97).
#[derive(Debug)]
struct Uint8(u8);

impl Object for Uint8 {
    fn type_name(&self) -> &str {
        "uint8"
    }
    fn kind_name(&self) -> &str {
        "uint8"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn to_value(&self) -> Value {
        Value::Int(i64::from(self.0))
    }
}

/// A Go `[]byte`: a chart file's bytes (`.Files.GetBytes`) or a function's result (`slice` of a
/// `[]byte`). The bytes are shared, not copied.
struct ByteSlice(Arc<Vec<u8>>);

impl std::fmt::Debug for ByteSlice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ByteSlice({} bytes)", self.0.len())
    }
}

impl Object for ByteSlice {
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
        Value::uint8_list(&self.0)
    }
    fn bytes(&self) -> Option<&[u8]> {
        Some(&self.0)
    }
}

/// A Go string that is not UTF-8, seen by `printf` (see [`Value::binary_string`]).
#[derive(Debug)]
struct BinaryString {
    text: Arc<str>,
    bytes: Arc<Vec<u8>>,
}

impl Object for BinaryString {
    fn type_name(&self) -> &str {
        "string"
    }
    fn kind_name(&self) -> &str {
        "string"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn to_value(&self) -> Value {
        Value::Str(self.text.clone())
    }
    fn bytes(&self) -> Option<&[u8]> {
        Some(&self.bytes)
    }
    fn format(&self) -> Option<String> {
        Some(self.text.to_string())
    }
}

/// Bytes as Go's string functions and output show them: each byte that does not start a
/// valid UTF-8 sequence is one U+FFFD (`String::from_utf8_lossy` replaces a whole
/// truncated sequence with a single one).
pub fn bytes_text(b: &[u8]) -> std::borrow::Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(b) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(b.len() + 16);
    for chunk in b.utf8_chunks() {
        out.push_str(chunk.valid());
        out.extend(std::iter::repeat_n(char::REPLACEMENT_CHARACTER, chunk.invalid().len()));
    }
    std::borrow::Cow::Owned(out)
}

/// What `encoding/json` (and so `toJson`, `toYaml`) writes for a host object.
pub(crate) enum Encoded {
    /// A `[]byte`: its base64 text.
    Base64(String),
    /// A struct: its fields in declaration order.
    Fields(Vec<(String, Value)>),
    /// Anything else: this plain value.
    Plain(Value),
}

/// How the encoders see `o`.
pub(crate) fn encoded(o: &dyn Object) -> Encoded {
    use base64::Engine as _;
    if let Some(b) = o.bytes() {
        return Encoded::Base64(base64::engine::general_purpose::STANDARD.encode(b));
    }
    match o.json_fields() {
        Some(fields) => Encoded::Fields(fields),
        None => Encoded::Plain(o.to_value()),
    }
}

impl Value {
    /// A string value.
    pub fn str(s: impl Into<Arc<str>>) -> Value {
        Value::Str(s.into())
    }

    /// A `[]interface{}` value.
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Arc::new(v))
    }

    /// A `[]string` value.
    pub fn str_list(v: Vec<String>) -> Value {
        Value::TypedList(Arc::new(v.into_iter().map(Value::str).collect()), "[]string")
    }

    /// A Go `uint8` (an element of a `[]byte`).
    pub fn uint8(b: u8) -> Value {
        // Made once: indexing or ranging over a []byte clones these instead of allocating.
        static ALL: std::sync::OnceLock<[Value; 256]> = std::sync::OnceLock::new();
        ALL.get_or_init(|| std::array::from_fn(|i| Value::Object(Arc::new(Uint8(i as u8)))))[usize::from(b)].clone()
    }

    /// The items of a Go `[]byte` as reflection sees them: a `[]uint8` of `uint8`s.
    pub fn uint8_list(b: &[u8]) -> Value {
        Value::TypedList(Arc::new(b.iter().map(|x| Value::uint8(*x)).collect()), "[]uint8")
    }

    /// A Go `[]byte` value (`[]uint8`: printed as numbers, text for `toString`/`%s`,
    /// base64 in `toJson`).
    pub fn bytes(b: impl Into<Arc<Vec<u8>>>) -> Value {
        Value::Object(Arc::new(ByteSlice(b.into())))
    }

    /// For `printf` only: a Go `string` holding `bytes` (not UTF-8), shown as `text`.
    /// `%s`/`%v` print the text, `%q` and `%x` see the bytes, `%T` is `string`.
    pub(crate) fn binary_string(text: Arc<str>, bytes: Arc<Vec<u8>>) -> Value {
        Value::Object(Arc::new(BinaryString { text, bytes }))
    }

    /// The number of a Go `uint8` (see [`Value::uint8`]).
    pub fn as_uint8(&self) -> Option<u8> {
        match self {
            Value::Object(o) if o.kind_name() == "uint8" => match o.to_value() {
                Value::Int(i) => u8::try_from(i).ok(),
                _ => None,
            },
            _ => None,
        }
    }

    /// The items of any Go slice, as Sprig's reflection-based list functions (`first`,
    /// `rest`, `has`, `concat`, …) see them: a list's items, a slice-kind host object's
    /// items, or a `[]byte`'s `uint8`s.
    pub fn slice_items(&self) -> Option<std::borrow::Cow<'_, [Value]>> {
        if let Some(l) = self.as_list() {
            return Some(std::borrow::Cow::Borrowed(l));
        }
        match self {
            Value::Object(o) if let Some(b) = o.bytes() => {
                Some(std::borrow::Cow::Owned(b.iter().map(|x| Value::uint8(*x)).collect()))
            }
            _ => None,
        }
    }

    /// A `map[string]interface{}` value.
    pub fn map(m: Map) -> Value {
        Value::Map(MapRef::new(m))
    }

    /// Convert JSON the way Helm decodes values: every number becomes `float64`.
    pub fn from_json(j: &serde_json::Value) -> Value {
        match j {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::str(s.as_str()),
            serde_json::Value::Array(a) => Value::list(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => {
                Value::map(o.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect())
            }
        }
    }

    /// Read YAML the way Helm reads values (sigs.k8s.io/yaml: go-yaml v2 rules, then JSON,
    /// so every number is a `float64`): first document only, later duplicate keys win,
    /// `0755` is octal, and plain keys like `yes`/`on` become `"true"`.
    pub fn from_yaml(text: &str) -> Result<Value, crate::Error> {
        crate::helm::parse_yaml(text).map_err(crate::Error::Yaml)
    }

    /// Helm's `toYaml` of this value.
    pub fn to_yaml(&self) -> String {
        crate::helm::to_yaml(self)
    }

    /// Go's `json.Marshal` of this value (`toJson`); `None` for NaN/Inf or cycles.
    pub fn to_go_json(&self) -> Option<String> {
        crate::json::marshal(self, true).ok()
    }

    /// Go's `%T` name of the dynamic type.
    pub fn type_name(&self) -> &str {
        match self {
            Value::Nil => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::List(_) => "[]interface {}",
            Value::TypedList(_, t) => t,
            Value::Map(m) => m.type_name().unwrap_or("map[string]interface {}"),
            Value::Time(_) => "time.Time",
            Value::Object(o) => o.type_name(),
        }
    }

    /// Go's `reflect.Kind` name (Sprig `kindOf`).
    pub fn kind_name(&self) -> &str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::List(_) | Value::TypedList(_, _) => "slice",
            Value::Map(_) => "map",
            Value::Time(_) => "struct",
            Value::Object(o) => o.kind_name(),
        }
    }

    /// Go's template truth: false, 0, "", empty list/map and nil are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) | Value::TypedList(l, _) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Time(_) => true,
            Value::Object(o) => match o.kind_name() {
                "map" | "slice" | "array" | "string" | "uint8" => o.to_value().truthy(),
                _ => true,
            },
        }
    }

    /// For a host object of kind map or slice, its contents (used by `range`, `len`,
    /// `index`); other values unchanged.
    pub fn collection(&self) -> std::borrow::Cow<'_, Value> {
        match self {
            Value::Object(o) if matches!(o.kind_name(), "map" | "slice" | "array" | "string") => {
                std::borrow::Cow::Owned(o.to_value())
            }
            other => std::borrow::Cow::Borrowed(other),
        }
    }

    /// The items of a list value (or of a slice-kind host object).
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) | Value::TypedList(l, _) => Some(l),
            Value::Object(o) => o.items(),
            _ => None,
        }
    }

    /// The map of a map value.
    pub fn as_map(&self) -> Option<&MapRef> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The string of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is nil.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// A deep copy: nested maps are new maps (Sprig `deepCopy`).
    pub fn deep_copy(&self) -> Value {
        let Some(_g) = DepthGuard::enter() else {
            return Value::Nil;
        };
        match self {
            Value::List(l) => Value::list(l.iter().map(Value::deep_copy).collect()),
            Value::Map(m) => Value::map(m.read().iter().map(|(k, v)| (k.clone(), v.deep_copy())).collect()),
            other => other.clone(),
        }
    }

    /// Convert to JSON (numbers keep their Go type: ints as integers, floats as floats).
    pub fn to_json(&self) -> serde_json::Value {
        let Some(_g) = DepthGuard::enter() else {
            return serde_json::Value::Null;
        };
        match self {
            Value::Nil => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) | Value::Int64(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s) => serde_json::Value::String(s.to_string()),
            Value::List(l) | Value::TypedList(l, _) => serde_json::Value::Array(l.iter().map(Value::to_json).collect()),
            Value::Map(m) => {
                serde_json::Value::Object(m.read().iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Time(t) => serde_json::Value::String(crate::gotime::format(t, crate::gotime::RFC3339_NANO)),
            Value::Object(o) => match encoded(o.as_ref()) {
                Encoded::Base64(text) => serde_json::Value::String(text),
                Encoded::Fields(fields) => {
                    serde_json::Value::Object(fields.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
                }
                Encoded::Plain(v) => v.to_json(),
            },
        }
    }
}

impl From<&serde_json::Value> for Value {
    fn from(j: &serde_json::Value) -> Self {
        Value::from_json(j)
    }
}

impl From<serde_json::Value> for Value {
    fn from(j: serde_json::Value) -> Self {
        Value::from_json(&j)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::str(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::map(m)
    }
}
