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
    /// [`crate::Template::set_binary_text`]); `None` when its UTF-8 bytes are Go's.
    fn binary_bytes(&self, s: &str) -> Option<Arc<Vec<u8>>> {
        let _ = s;
        None
    }
    /// Remember that `text` stands for the non-UTF-8 `bytes` a function made (`b64dec`,
    /// `substr`, …), so later functions see Go's bytes.
    fn note_binary(&mut self, text: &str, bytes: &[u8]) {
        let _ = (text, bytes);
    }
}

/// A Go string made of `bytes`: its text (one U+FFFD per invalid byte), remembered as
/// binary text when the bytes are not UTF-8.
pub(crate) fn byte_string(ctx: &mut dyn CallContext, bytes: &[u8]) -> Value {
    let text = crate::value::bytes_text(bytes);
    if let std::borrow::Cow::Owned(t) = &text {
        ctx.note_binary(t, bytes);
    }
    Value::str(text.into_owned())
}

/// The bytes Go holds for a string argument: the original bytes of binary text, else
/// the string's UTF-8 bytes.
pub(crate) fn go_bytes<'a>(ctx: &dyn CallContext, s: &'a str) -> std::borrow::Cow<'a, [u8]> {
    match ctx.binary_bytes(s) {
        Some(b) => std::borrow::Cow::Owned(b.to_vec()),
        None => std::borrow::Cow::Borrowed(s.as_bytes()),
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
