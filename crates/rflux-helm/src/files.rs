//! `.Files` and `.Capabilities.APIVersions.Has` for templates.
//!
//! `rflux-gotmpl` has no method calls on values yet, so `.Files.Get "x"` cannot be
//! evaluated as written. Until it does, template actions are rewritten before parsing:
//! `X.Files.Get ARGS` becomes `__rflux_files_Get X.Files ARGS` (same for `GetBytes`,
//! `Glob`, `Lines`, `AsConfig`, `AsSecrets`), `(X.Files.Glob P).AsConfig` becomes
//! `(__rflux_files_AsConfig (__rflux_files_Glob X.Files P))`, and
//! `X.Capabilities.APIVersions.Has V` becomes `__rflux_api_has X.Capabilities.APIVersions V`.
//! `.Files` itself is a map from path to content, as Helm's `files` type is.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use base64::Engine;
use regex::Regex;
use rflux_gotmpl::{Map, Template, Ty, Value, func};

use crate::glob::{Syntax, compile};

fn files_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"((?:\$[A-Za-z0-9_]*)?(?:\.[A-Za-z0-9_]+)*)\.Files\.(Get|GetBytes|Glob|Lines|AsConfig|AsSecrets)\b")
            .unwrap_or_else(|_| unreachable_regex())
    })
}

fn glob_as_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"\(\s*__rflux_files_Glob\s+([^()]*?)\s*\)\.(AsConfig|AsSecrets)\b")
            .unwrap_or_else(|_| unreachable_regex())
    })
}

fn has_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"((?:\$[A-Za-z0-9_]*)?(?:\.[A-Za-z0-9_]+)*)\.Capabilities\.APIVersions\.Has\b")
            .unwrap_or_else(|_| unreachable_regex())
    })
}

/// A regex that matches nothing (the literal patterns above always compile).
fn unreachable_regex() -> Regex {
    Regex::new(r"[^\s\S]").unwrap_or_else(|_| unreachable_regex())
}

fn get_b64_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r#"__rflux_files_Get\s+(\S+)\s+("[^"]*"|\$[A-Za-z0-9_]+)\s*\|\s*b64enc\b"#)
            .unwrap_or_else(|_| unreachable_regex())
    })
}

fn rewrite_action(a: &str) -> String {
    if !a.contains(".Files.") && !a.contains(".APIVersions.Has") {
        return a.to_string();
    }
    let a = files_re().replace_all(a, "__rflux_files_$2 $1.Files");
    // Binary files: `.Files.Get F | b64enc` must encode the original bytes.
    let a = get_b64_re().replace_all(&a, "__rflux_files_b64 $1 $2");
    let a = glob_as_re().replace_all(&a, "(__rflux_files_$2 (__rflux_files_Glob $1))");
    has_re()
        .replace_all(&a, "__rflux_api_has $1.Capabilities.APIVersions")
        .into_owned()
}

/// Rewrite the method calls inside `{{ … }}` actions of a template (see the module docs).
pub fn rewrite_methods(text: &str) -> String {
    if !text.contains(".Files.") && !text.contains(".APIVersions.Has") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        match after.find("}}") {
            Some(end) => {
                out.push_str(&rewrite_action(&after[..end + 2]));
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn files_arg(v: &Value) -> Vec<(String, Value)> {
    v.as_map().map(|m| m.entries()).unwrap_or_default()
}

fn to_yaml(v: &Value) -> String {
    static T: OnceLock<Option<Template>> = OnceLock::new();
    let t = T.get_or_init(|| {
        let mut t = Template::new("files");
        t.parse("y", "{{ toYaml . }}").ok().map(|_| t)
    });
    t.as_ref().and_then(|t| t.execute("y", v).ok()).unwrap_or_default()
}

fn base(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Register the helper functions the rewritten templates call. `binaries` maps the
/// lossy text of each non-UTF-8 file to its bytes (template strings are UTF-8).
pub fn register(t: &mut Template, binaries: Arc<HashMap<String, Vec<u8>>>) {
    t.add_func(
        "__rflux_files_b64",
        func(&[Ty::Any, Ty::Str], None, move |_, a| {
            let name = a[1].as_str().unwrap_or_default();
            let text = a[0].as_map().and_then(|m| m.get(name));
            let text = text.as_ref().and_then(Value::as_str).unwrap_or_default();
            let bytes = binaries.get(text).map(Vec::as_slice).unwrap_or(text.as_bytes());
            Ok(Value::str(base64::engine::general_purpose::STANDARD.encode(bytes)))
        }),
    );
    t.add_func(
        "__rflux_files_Get",
        func(&[Ty::Any, Ty::Str], None, |_, a| {
            let name = a[1].as_str().unwrap_or_default();
            Ok(a[0]
                .as_map()
                .and_then(|m| m.get(name))
                .unwrap_or_else(|| Value::str("")))
        }),
    );
    t.add_func(
        "__rflux_files_GetBytes",
        func(&[Ty::Any, Ty::Str], None, |_, a| {
            let name = a[1].as_str().unwrap_or_default();
            let s = a[0].as_map().and_then(|m| m.get(name));
            // Go's []byte prints as a list of numbers, but Sprig's string functions
            // (quote, b64enc, toString) see the text; the text is what charts use.
            Ok(match s {
                Some(s @ Value::Str(_)) => s,
                _ => Value::Nil,
            })
        }),
    );
    t.add_func(
        "__rflux_files_Glob",
        func(&[Ty::Any, Ty::Str], None, |_, a| {
            let pattern = a[1].as_str().unwrap_or_default();
            let re = compile(pattern, Syntax::Glob).ok_or_else(|| format!("syntax error in pattern {pattern:?}"))?;
            let mut m = Map::new();
            for (k, v) in files_arg(&a[0]) {
                if re.is_match(&k) {
                    m.insert(k, v);
                }
            }
            Ok(Value::map(m))
        }),
    );
    t.add_func(
        "__rflux_files_Lines",
        func(&[Ty::Any, Ty::Str], None, |_, a| {
            let name = a[1].as_str().unwrap_or_default();
            let Some(Value::Str(s)) = a[0].as_map().and_then(|m| m.get(name)) else {
                return Ok(Value::str_list(Vec::new()));
            };
            let s = s.strip_suffix('\n').unwrap_or(&s);
            Ok(Value::str_list(s.split('\n').map(str::to_string).collect()))
        }),
    );
    t.add_func(
        "__rflux_files_AsConfig",
        func(&[Ty::Any], None, |_, a| {
            if a[0].is_nil() {
                return Ok(Value::str(""));
            }
            let mut m = Map::new();
            for (k, v) in files_arg(&a[0]) {
                m.insert(base(&k).to_string(), v);
            }
            Ok(Value::str(to_yaml(&Value::map(m))))
        }),
    );
    t.add_func(
        "__rflux_files_AsSecrets",
        func(&[Ty::Any], None, |_, a| {
            if a[0].is_nil() {
                return Ok(Value::str(""));
            }
            let mut m = Map::new();
            for (k, v) in files_arg(&a[0]) {
                let data = v.as_str().unwrap_or_default();
                m.insert(
                    base(&k).to_string(),
                    Value::str(base64::engine::general_purpose::STANDARD.encode(data.as_bytes())),
                );
            }
            Ok(Value::str(to_yaml(&Value::map(m))))
        }),
    );
    t.add_func(
        "__rflux_api_has",
        func(&[Ty::Any, Ty::Str], None, |_, a| {
            let want = a[1].as_str().unwrap_or_default();
            Ok(Value::Bool(
                a[0].as_list()
                    .is_some_and(|l| l.iter().any(|v| v.as_str() == Some(want))),
            ))
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites() {
        assert_eq!(
            rewrite_methods("a {{ .Files.Get \"x\" }} .Files.Get"),
            "a {{ __rflux_files_Get .Files \"x\" }} .Files.Get"
        );
        assert_eq!(
            rewrite_methods("{{ ($.Files.Glob \"f/*\").AsConfig | indent 2 }}"),
            "{{ (__rflux_files_AsConfig (__rflux_files_Glob $.Files \"f/*\")) | indent 2 }}"
        );
        assert_eq!(
            rewrite_methods("{{ if .Capabilities.APIVersions.Has \"v1\" }}"),
            "{{ if __rflux_api_has .Capabilities.APIVersions \"v1\" }}"
        );
    }
}
