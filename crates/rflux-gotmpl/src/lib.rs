//! Go `text/template` with Sprig and Helm's template functions, producing the same output
//! as Helm v4.
//!
//! # Decision: our own engine, not the `gotmpl` crate
//!
//! The crates.io `gotmpl` crate (0.6.1, evaluated from its published source) is a careful
//! port of Go's `text/template`, but it cannot carry Helm's needs:
//! - its functions are `Fn(&[Value]) -> Result<Value>` with no access to the running
//!   template set, so `include` (which must execute another template of the same set,
//!   reentrantly, with Helm's per-name recursion limit) and `tpl` (which parses new text
//!   into a clone of the set) cannot be written as functions;
//! - its value model has one integer type and one list type, so Go's `%T`, Sprig's
//!   `typeOf`/`kindOf` and `int` vs `int64` distinctions (`add` returns `int64`, `len`
//!   returns `int`, `splitList` returns `[]string`) cannot be reproduced;
//! - its maps are immutable `Arc<BTreeMap>`, while Sprig's `set`/`unset`/`merge` mutate a
//!   map in place for every holder (charts rely on `$_ := set $d "k" v`);
//! - Helm's missing-key behaviour (`missingkey=zero` on `interface{}` maps, then
//!   `<no value>` removed) and Go's distinction between a nil `interface{}` and an invalid
//!   value in error messages are not modelled.
//!
//! So this crate implements the language itself; see `tests/fidelity` for the cases
//! rendered by the real Helm v4 engine that it is checked against.
//!
//! # Use
//! ```
//! use rflux_gotmpl::{Template, Value};
//! let mut t = Template::new("gotpl");
//! t.parse("a.yaml", "x: {{ .Values.n }} {{ .Values.s | upper | quote }}").unwrap();
//! let data = Value::from_json(&serde_json::json!({"Values": {"n": 1000000, "s": "hi"}}));
//! assert_eq!(t.execute("a.yaml", &data).unwrap(), "x: 1e+06 \"HI\"");
//! ```

mod aes;
mod ast;
mod builtins;
mod decimal;
mod error;
mod exec;
mod func;
mod gofmt;
mod gotime;
mod helm;
mod json;
mod lex;
mod parse;
mod sprig;
mod sprig_more;
mod template;
mod toml;
mod value;
mod yaml;

pub use error::Error;
pub use func::{CallContext, Func, FuncImpl, Ty, func};
pub use gofmt::{sprint, sprintf};
pub use gotime::Time;
pub use template::{LookupFn, Template};
pub use value::{Map, MapRef, Object, Value};
