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
//! So this crate implements the language itself. It is checked against the real Helm v4
//! engine: `tests/fidelity/expected.json` holds 2556 cases (hand-written ones for every
//! builtin, Sprig family, printing rule, whitespace rule and error shape, plus generated
//! ones: random data through `toYaml`/`toJson`/`toToml`, random `printf` directives, random
//! string-function chains, random calls, and syntax-damaged templates, some with actions
//! spanning lines so parse errors land on later lines) rendered once by
//! Helm with `tests/fidelity/generate.py`; `cargo test` compares our output (or Helm's exact
//! error text, see [`Error::helm_message`]) with them, without needing Helm.
//!
//! # Use
//! ```
//! use rflux_gotmpl::{Template, Value};
//! let mut t = Template::new("gotpl");
//! t.parse("a.yaml", "x: {{ .Values.n }} {{ .Values.s | upper | quote }}").unwrap();
//! let data = Value::from_json(&serde_json::json!({"Values": {"n": 1000000, "s": "hi"}}));
//! assert_eq!(t.execute("a.yaml", &data).unwrap(), "x: 1e+06 \"HI\"");
//! ```
//!
//! - [`Template`] is a set of named templates (files and their `{{define}}`s) sharing one
//!   function table; parse files in Helm's order (later definitions win), then
//!   [`Template::execute`] each file. `include`, `tpl` and `template` work across the set.
//! - [`Value`] is the data model: Helm's values come from JSON with every number a
//!   `float64` ([`Value::from_json`]); maps are shared references ([`MapRef`]), optionally
//!   of a named Go type (`.Values` is `common.Values`). Host objects with fields and
//!   methods (`.Files`, `.Capabilities`) implement [`Object`], which also models Go
//!   `[]byte`, structs (their `%v` and `String()` texts, JSON field order) and named
//!   slice and map types.
//! - Extra functions are added with [`Template::add_func`] and [`func`]; Go's argument
//!   checks use the declared [`Ty`]s. `lookup` is empty unless [`Template::set_lookup`]
//!   attaches a cluster.
//! - Errors carry Go's text; [`Error::helm_message`] gives the text Helm v4 prints.
//!
//! # Modules
//! `lex` and `parse` (syntax, Go's error messages), `ast`, `exec` (evaluation), `value`,
//! `gofmt` (Go's `fmt`), `builtins` (Go's predefined functions), `sprig` (Sprig, by
//! family: strings, logic and math, collections, semver, dates, crypto, misc), `helm` (Helm's
//! functions), `yaml` (go-yaml v2 output), `json` (Go's `encoding/json`), `toml`,
//! `gotime` (Go time layouts), `zone` (zoneinfo files and POSIX TZ rules), `decimal`
//! (Sprig's float math), `aes` (`encryptAES`/`decryptAES`), `bcrypt` (`bcrypt`,
//! `htpasswd`), `bigint` and `pki` (RSA keys and X.509 certificates for `genCA` and
//! friends), `scrypt` (`derivePassword`).
//!
//! # Not implemented yet
//! `genPrivateKey` makes RSA keys only (not `dsa`/`ecdsa`/`ed25519`), and the certificate
//! functions accept PKCS#1 RSA keys only. Time zones come from the system's zoneinfo
//! files (as Go's do); the `Local` zone is `TZ` or `/etc/localtime`. Strings are UTF-8
//! (`Arc<str>`): a Go string that is not UTF-8 (`b64dec` of non-text, a slice inside a
//! multi-byte character, a binary file) is its text with one U+FFFD per invalid byte,
//! and keeps its bytes only while that very string (the same `Arc`, known by identity,
//! not by its text) reaches the functions that consult [`Template::set_binary_text`]; once joined with other text (`cat`, `printf`,
//! `replace`, …) it is ordinary text, and printing it writes the replacement characters
//! where Go writes the raw bytes. Carrying bytes everywhere would change the value model
//! (`Value::Str` holding bytes, every string function deciding Go's per-byte rules, and a
//! `Vec<u8>` output instead of `String`). `decryptAES` results are text only. Go's JSON
//! and go-yaml parse-error wording is not reproduced (`fromJson`/`fromYaml` report their
//! own text in the `Error` key).

mod aes;
mod ast;
mod bcrypt;
mod bigint;
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
mod parallel;
mod parse;
mod pki;
mod scrypt;
mod sprig;
mod template;
mod toml;
mod value;
mod yaml;
mod zone;

pub use error::Error;
pub use func::{BinaryStrings, CallContext, Func, FuncImpl, Ty, func};
pub use gofmt::{sprint, sprintf};
pub use gotime::Time;
pub use parallel::parallel_map;
pub use template::{BinaryTextFn, LookupFn, Template};
pub use value::{Map, MapRef, Object, Value, bytes_text};
