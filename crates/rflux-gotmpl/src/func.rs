//! Template functions: their Go signature (parameter types checked the way Go's
//! `reflect` call does) and the function table shared by a template set.

use std::collections::HashMap;
use std::sync::Arc;

use crate::value::Value;

/// Go type of a function parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// `interface{}`: anything, including nil.
    Any,
    /// `string`
    Str,
    /// `int`
    Int,
    /// `int64`
    Int64,
    /// `float64`
    Float,
    /// `bool`
    Bool,
    /// `[]interface{}`
    List,
    /// `map[string]interface{}`
    Map,
}

impl Ty {
    /// Go spelling of the type.
    pub fn go_name(self) -> &'static str {
        match self {
            Ty::Any => "interface {}",
            Ty::Str => "string",
            Ty::Int => "int",
            Ty::Int64 => "int64",
            Ty::Float => "float64",
            Ty::Bool => "bool",
            Ty::List => "[]interface {}",
            Ty::Map => "map[string]interface {}",
        }
    }

    /// Whether a value of this dynamic type is assignable to the parameter.
    pub fn accepts(self, v: &Value) -> bool {
        // A named map type is assignable when its underlying type is map[string]interface{}
        // (Helm's common.Values); map[string]string is not.
        if let (Ty::Map, Value::Map(m)) = (self, v)
            && m.type_name().is_some_and(|t| t.starts_with("map["))
        {
            return false;
        }
        matches!(
            (self, v),
            (Ty::Any, _)
                | (Ty::Str, Value::Str(_))
                | (Ty::Int, Value::Int(_))
                | (Ty::Int64, Value::Int64(_))
                | (Ty::Float, Value::Float(_))
                | (Ty::Bool, Value::Bool(_))
                | (Ty::List, Value::List(_))
                | (Ty::Map, Value::Map(_))
                | (Ty::List | Ty::Map, Value::Nil)
        )
    }
}

/// What a function call can reach besides its arguments: the running template set,
/// for `include` and `tpl`.
pub trait CallContext {
    /// Execute the named template with `data` and return its output (Helm's `include`).
    fn include(&mut self, name: &str, data: &Value) -> Result<String, String>;
    /// Parse and execute `text` against the current template set (Helm's `tpl`).
    fn tpl(&mut self, text: &str, data: &Value) -> Result<String, String>;
    /// Kubernetes `lookup`; returns an empty map when no cluster is attached.
    fn lookup(&mut self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Result<Value, String>;
    /// The bytes Go holds for the string `s` when it stands for binary data (see
    /// [`crate::Template::set_binary_text`]); `None` when its UTF-8 bytes are Go's. Binary
    /// strings are known by identity (the `Arc` a function or `.Files.Get` made), not by
    /// their text: equal text made otherwise is ordinary text, as in Go.
    fn binary_bytes(&self, s: &Arc<str>) -> Option<Arc<Vec<u8>>> {
        let _ = s;
        None
    }
    /// Remember that the string `text` stands for the non-UTF-8 `bytes` a function made
    /// (`b64dec`, `substr`, …), so later functions given this very string see Go's bytes.
    fn note_binary(&mut self, text: &Arc<str>, bytes: Arc<Vec<u8>>) {
        let _ = (text, bytes);
    }
}

/// Non-UTF-8 Go strings by identity: the `Arc<str>` of a [`Value::Str`] holding binary
/// text (one U+FFFD per invalid byte) → the bytes Go holds. Each entry keeps a clone of its
/// `Arc`, so the address that keys it cannot be reused while the entry exists; no text is
/// copied. Entries nobody else holds any more are dropped whenever the table has doubled
/// since the last sweep, so a loop making binary strings keeps only the live ones.
#[derive(Debug, Default)]
pub struct BinaryStrings {
    by_address: HashMap<usize, (Arc<str>, Arc<Vec<u8>>)>,
    after_sweep: usize,
}

impl BinaryStrings {
    fn address(text: &Arc<str>) -> usize {
        Arc::as_ptr(text).cast::<u8>() as usize
    }

    /// Remember that this very string stands for `bytes` (the first registration wins).
    pub fn insert(&mut self, text: &Arc<str>, bytes: Arc<Vec<u8>>) {
        if self.by_address.len() >= 2 * self.after_sweep.max(32) {
            self.by_address.retain(|_, (t, _)| Arc::strong_count(t) > 1);
            self.after_sweep = self.by_address.len();
        }
        self.by_address
            .entry(Self::address(text))
            .or_insert_with(|| (text.clone(), bytes));
    }

    /// The bytes this very string stands for, if it was registered.
    pub fn get(&self, text: &Arc<str>) -> Option<Arc<Vec<u8>>> {
        self.by_address.get(&Self::address(text)).map(|(_, b)| b.clone())
    }

    /// Number of remembered strings.
    pub fn len(&self) -> usize {
        self.by_address.len()
    }

    /// Whether no string is remembered.
    pub fn is_empty(&self) -> bool {
        self.by_address.is_empty()
    }
}

/// A Go string made of `bytes`: its text (one U+FFFD per invalid byte), remembered as
/// binary text when the bytes are not UTF-8.
pub(crate) fn byte_string(ctx: &mut dyn CallContext, bytes: Vec<u8>) -> Value {
    match String::from_utf8(bytes) {
        Ok(s) => Value::str(s),
        Err(e) => {
            let bytes = e.into_bytes();
            let text: Arc<str> = Arc::from(crate::value::bytes_text(&bytes).as_ref());
            ctx.note_binary(&text, Arc::new(bytes));
            Value::Str(text)
        }
    }
}

/// The bytes Go holds for a string: the original bytes of binary text (shared, not
/// copied), else the string's UTF-8 bytes.
pub(crate) enum GoBytes<'a> {
    /// The string's own UTF-8 bytes.
    Text(&'a [u8]),
    /// The remembered bytes of binary text.
    Binary(Arc<Vec<u8>>),
}

impl std::ops::Deref for GoBytes<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            GoBytes::Text(b) => b,
            GoBytes::Binary(b) => b,
        }
    }
}

impl AsRef<[u8]> for GoBytes<'_> {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

/// The bytes Go holds for a string argument (see [`GoBytes`]).
pub(crate) fn go_bytes<'a>(ctx: &dyn CallContext, s: &'a Arc<str>) -> GoBytes<'a> {
    match ctx.binary_bytes(s) {
        Some(b) => GoBytes::Binary(b),
        None => GoBytes::Text(s.as_bytes()),
    }
}

/// Implementation of a template function. An `Err` becomes Go's `error calling NAME: MSG`.
pub type FuncImpl = Arc<dyn Fn(&mut dyn CallContext, Vec<Value>) -> Result<Value, String> + Send + Sync>;

/// A template function and its Go signature.
#[derive(Clone)]
pub struct Func {
    /// Fixed parameters.
    pub params: Vec<Ty>,
    /// Type of the variadic tail, if any.
    pub variadic: Option<Ty>,
    /// The function itself.
    pub f: FuncImpl,
}

impl std::fmt::Debug for Func {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Func")
            .field("params", &self.params)
            .field("variadic", &self.variadic)
            .finish()
    }
}

/// Function table by name.
pub type FuncMap = HashMap<String, Func>;

/// Helper to build a [`Func`].
pub fn func(
    params: &[Ty],
    variadic: Option<Ty>,
    f: impl Fn(&mut dyn CallContext, Vec<Value>) -> Result<Value, String> + Send + Sync + 'static,
) -> Func {
    Func {
        params: params.to_vec(),
        variadic,
        f: Arc::new(f),
    }
}
