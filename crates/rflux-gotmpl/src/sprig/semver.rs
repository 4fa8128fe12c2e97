//! Sprig's `semver` and `semverCompare`, on rflux-semver (Masterminds semver v3, as Sprig
//! uses it): `semverCompare` parses the constraint, then the version, and checks; `semver`
//! gives a `*semver.Version` with Masterminds' methods (`Major`, `Prerelease`, `Compare`,
//! `IncMinor`, …).

use std::sync::Arc;

use rflux_semver::{Version, VersionRange};

use super::*;
use crate::value::Object;

/// `semverCompare CONSTRAINT VERSION`.
pub fn semver_check(constraint: &str, version: &str) -> Result<bool, String> {
    let range = VersionRange::parse(constraint).map_err(|e| e.reason())?;
    let version = Version::parse(version).map_err(|e| e.reason())?;
    Ok(range.matches(&version))
}

/// A Masterminds `Version`: `*semver.Version` from `semver`, the plain struct from the
/// `Inc*` methods.
#[derive(Debug)]
struct SemverObject {
    version: Version,
    pointer: bool,
}

fn object(version: Version, pointer: bool) -> Value {
    Value::Object(Arc::new(SemverObject { version, pointer }))
}

/// A `uint64` result: Go prints it in full; values beyond `int64` stay exact as text.
fn uint(n: u64) -> Value {
    i64::try_from(n).map_or_else(|_| Value::str(n.to_string()), Value::Int64)
}

/// The version behind a `semver` result passed back as a method argument.
fn version_arg(v: &Value) -> Result<Version, String> {
    if let Value::Object(o) = v
        && o.type_name() == "*semver.Version"
        && let Ok(Value::Str(original)) = o.call("Original", Vec::new())
        && let Ok(parsed) = Version::parse(&original)
    {
        return Ok(parsed);
    }
    Err(format!(
        "wrong type for value; expected *semver.Version; got {}",
        v.type_name()
    ))
}

impl Object for SemverObject {
    fn type_name(&self) -> &str {
        if self.pointer {
            "*semver.Version"
        } else {
            "semver.Version"
        }
    }
    fn kind_name(&self) -> &str {
        if self.pointer { "ptr" } else { "struct" }
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn method_sig(&self, name: &str) -> Option<(Vec<Ty>, Option<Ty>)> {
        match name {
            "Major" | "Minor" | "Patch" | "Prerelease" | "Metadata" | "String" | "IncMajor" | "IncMinor"
            | "IncPatch" => Some((Vec::new(), None)),
            // Methods with a pointer receiver: not on the plain struct the `Inc*` give.
            "Original" if self.pointer => Some((Vec::new(), None)),
            "Compare" | "LessThan" | "GreaterThan" | "Equal" | "LessThanEqual" | "GreaterThanEqual" if self.pointer => {
                Some((vec![Ty::Any], None))
            }
            _ => None,
        }
    }
    fn call(&self, name: &str, args: Vec<Value>) -> Result<Value, String> {
        let v = &self.version;
        let other = || {
            args.first()
                .map_or_else(|| Err("missing argument".to_string()), version_arg)
        };
        Ok(match name {
            "Major" => uint(v.major()),
            "Minor" => uint(v.minor()),
            "Patch" => uint(v.patch()),
            "Prerelease" => Value::str(v.prerelease()),
            "Metadata" => Value::str(v.build()),
            "Original" => Value::str(v.original()),
            "String" => Value::str(v.to_string()),
            "IncMajor" => object(v.inc_major(), false),
            "IncMinor" => object(v.inc_minor(), false),
            "IncPatch" => object(v.inc_patch(), false),
            "Compare" => Value::Int(match v.cmp(&other()?) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            }),
            "LessThan" => Value::Bool(*v < other()?),
            "GreaterThan" => Value::Bool(*v > other()?),
            "Equal" => Value::Bool(*v == other()?),
            "LessThanEqual" => Value::Bool(*v <= other()?),
            "GreaterThanEqual" => Value::Bool(*v >= other()?),
            _ => return Err(format!("no method {name}")),
        })
    }
    /// Printing, `toJson` and `toYaml` all go through `String()` (and `MarshalJSON`).
    fn to_value(&self) -> Value {
        Value::str(self.version.to_string())
    }
    fn format(&self) -> Option<String> {
        Some(self.version.to_string())
    }
    fn display(&self) -> Option<String> {
        Some(self.version.to_string())
    }
}

/// Register this family.
pub fn register(m: &mut FuncMap) {
    use Ty::*;
    let mut add = |name: &str, f: crate::func::Func| {
        m.insert(name.to_string(), f);
    };
    add(
        "semverCompare",
        func(&[Str, Str], None, |_, a| {
            Ok(Value::Bool(semver_check(s(&a, 0), s(&a, 1))?))
        }),
    );
    add(
        "semver",
        func(&[Str], None, |_, a| {
            let version = Version::parse(s(&a, 0)).map_err(|e| e.reason())?;
            Ok(object(version, true))
        }),
    );
}
