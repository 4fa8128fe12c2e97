//! Sprig's list and dict functions (`list`, `append`, `uniq`, `dict`, `set`, `merge`,
//! `dig`, …).

use super::*;

fn merge_into(dst: &crate::value::MapRef, src: &Map, overwrite: bool, depth: usize) {
    if depth > 100 {
        return;
    }
    for (k, sv) in src {
        let dv = dst.get(k);
        if sv.is_nil() {
            if overwrite {
                dst.write().insert(k.clone(), Value::Nil);
            }
            continue;
        }
        if let (Some(Value::Map(dm)), Value::Map(sm)) = (&dv, sv)
            && !dm.ptr_eq(sm)
        {
            let snapshot = sm.snapshot();
            merge_into(dm, &snapshot, overwrite, depth + 1);
            continue;
        }
        let dst_empty = dv.as_ref().is_none_or(|v| !v.truthy());
        if overwrite || dst_empty {
            dst.write().insert(k.clone(), sv.clone());
        }
    }
}

fn dig(keys: &[Value], def: &Value, dict: &Value) -> Result<Value, String> {
    let mut cur = dict.clone();
    for k in keys {
        let key = k
            .as_str()
            .ok_or_else(|| format!("interface conversion: interface {{}} is {}, not string", k.type_name()))?;
        if let Value::Map(m) = &cur
            && let Some(t) = m.type_name()
        {
            return Err(format!(
                "interface conversion: interface {{}} is {t}, not map[string]interface {{}}"
            ));
        }
        let Value::Map(m) = &cur else {
            return Err(format!(
                "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                cur.type_name()
            ));
        };
        match m.get(key) {
            Some(v) => cur = v,
            None => return Ok(def.clone()),
        }
    }
    Ok(cur)
}

/// Register this family.
pub fn register(m: &mut FuncMap) {
    use Ty::*;
    let mut add = |name: &str, f: crate::func::Func| {
        m.insert(name.to_string(), f);
    };
    // ---- lists
    add("list", func(&[], Some(Any), |_, a| Ok(Value::list(a))));
    add("tuple", func(&[], Some(Any), |_, a| Ok(Value::list(a))));
    let push = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let mut l = list_of(&a[0], "push")?;
        l.push(a[1].clone());
        Ok(Value::list(l))
    };
    add("append", func(&[Any, Any], None, push));
    add("push", func(&[Any, Any], None, push));
    add("mustAppend", func(&[Any, Any], None, push));
    add("mustPush", func(&[Any, Any], None, push));
    let prepend = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let mut l = list_of(&a[0], "prepend")?;
        l.insert(0, a[1].clone());
        Ok(Value::list(l))
    };
    add("prepend", func(&[Any, Any], None, prepend));
    add("mustPrepend", func(&[Any, Any], None, prepend));
    let first = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        Ok(list_of(&a[0], "find first")?.first().cloned().unwrap_or(Value::Nil))
    };
    add("first", func(&[Any], None, first));
    add("mustFirst", func(&[Any], None, first));
    let last = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        Ok(list_of(&a[0], "find last")?.last().cloned().unwrap_or(Value::Nil))
    };
    add("last", func(&[Any], None, last));
    add("mustLast", func(&[Any], None, last));
    let rest = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let l = list_of(&a[0], "find rest")?;
        Ok(if l.is_empty() {
            Value::Nil
        } else {
            Value::list(l[1..].to_vec())
        })
    };
    add("rest", func(&[Any], None, rest));
    add("mustRest", func(&[Any], None, rest));
    let initial = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let l = list_of(&a[0], "find initial")?;
        Ok(if l.is_empty() {
            Value::Nil
        } else {
            Value::list(l[..l.len() - 1].to_vec())
        })
    };
    add("initial", func(&[Any], None, initial));
    add("mustInitial", func(&[Any], None, initial));
    let reverse = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let mut l = list_of(&a[0], "find reverse")?;
        l.reverse();
        Ok(Value::list(l))
    };
    add("reverse", func(&[Any], None, reverse));
    add("mustReverse", func(&[Any], None, reverse));
    let uniq = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let l = list_of(&a[0], "find uniq")?;
        let mut out: Vec<Value> = Vec::new();
        for x in l {
            if !out.iter().any(|y| deep_equal(y, &x)) {
                out.push(x);
            }
        }
        Ok(Value::list(out))
    };
    add("uniq", func(&[Any], None, uniq));
    add("mustUniq", func(&[Any], None, uniq));
    let compact = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let l = list_of(&a[0], "compact")?;
        Ok(Value::list(l.into_iter().filter(|x| !empty(x)).collect()))
    };
    add("compact", func(&[Any], None, compact));
    add("mustCompact", func(&[Any], None, compact));
    let without = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        let l = list_of(&a[0], "find without")?;
        Ok(Value::list(
            l.into_iter()
                .filter(|x| !a[1..].iter().any(|o| deep_equal(o, x)))
                .collect(),
        ))
    };
    add("without", func(&[Any], Some(Any), without));
    add("mustWithout", func(&[Any], Some(Any), without));
    let has = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        if a[1].is_nil() {
            return Ok(Value::Bool(false));
        }
        let l = list_of(&a[1], "find has")?;
        Ok(Value::Bool(l.iter().any(|x| deep_equal(x, &a[0]))))
    };
    add("has", func(&[Any, Any], None, has));
    add("mustHas", func(&[Any, Any], None, has));
    add(
        "concat",
        func(&[], Some(Any), |_, a| {
            let mut out = Vec::new();
            for l in &a {
                match l.slice_items() {
                    Some(items) => out.extend(items.iter().cloned()),
                    None if l.is_nil() => {
                        return Err("runtime error: invalid memory address or nil pointer dereference".into());
                    }
                    None => return Err(format!("Cannot concat type {} as list", l.kind_name())),
                }
            }
            Ok(Value::list(out))
        }),
    );
    let slice = |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
        // A []byte is sliced as bytes, without making its uint8 items.
        if let Value::Object(o) = &a[0]
            && let Some(b) = o.bytes()
        {
            let len = b.len() as i64;
            if len == 0 {
                return Ok(Value::Nil);
            }
            let start = a.get(1).map(to_i64).unwrap_or(0);
            let end = a.get(2).map(to_i64).unwrap_or(len);
            if start < 0 || end > len || start > end {
                return Err("reflect.Value.Slice: slice index out of bounds".into());
            }
            return Ok(Value::bytes(b[start as usize..end as usize].to_vec()));
        }
        let Some(l) = a[0].slice_items().map(std::borrow::Cow::into_owned) else {
            return Err(format!(
                "list should be type of slice or array but {}",
                a[0].kind_name()
            ));
        };
        if l.is_empty() {
            // Sprig returns a nil interface for an empty list, whatever the indexes.
            return Ok(Value::Nil);
        }
        let len = l.len() as i64;
        let start = a.get(1).map(to_i64).unwrap_or(0);
        let end = a.get(2).map(to_i64).unwrap_or(len);
        if start < 0 || end > len || start > end {
            return Err("reflect.Value.Slice: slice index out of bounds".into());
        }
        Ok(same_list_type(&a[0], l[start as usize..end as usize].to_vec()))
    };
    add("slice", func(&[Any], Some(Any), slice));
    add("mustSlice", func(&[Any], Some(Any), slice));
    add(
        "chunk",
        func(&[Int, Any], None, |_, a| {
            let size = int(&a, 0);
            let l = list_of(&a[1], "chunk")?;
            if size <= 0 {
                return Err("runtime error: integer divide by zero".into());
            }
            Ok(Value::list(
                l.chunks(size as usize).map(|c| Value::list(c.to_vec())).collect(),
            ))
        }),
    );
    // ---- dicts
    add(
        "dict",
        func(&[], Some(Any), |_, a| {
            let mut m = crate::value::Map::new();
            let mut i = 0;
            while i < a.len() {
                let k = strval(&a[i]);
                let v = a.get(i + 1).cloned().unwrap_or_else(|| Value::str(""));
                m.insert(k, v);
                i += 2;
            }
            Ok(Value::map(m))
        }),
    );
    add(
        "get",
        func(&[Map, Str], None, |_, a| {
            Ok(a[0]
                .as_map()
                .and_then(|m| m.get(s(&a, 1)))
                .unwrap_or_else(|| Value::str("")))
        }),
    );
    add(
        "set",
        func(&[Map, Str, Any], None, |_, a| match a[0].as_map() {
            Some(m) => {
                m.write().insert(s(&a, 1).to_string(), a[2].clone());
                Ok(a[0].clone())
            }
            None => Err("assignment to entry in nil map".into()),
        }),
    );
    add(
        "unset",
        func(&[Map, Str], None, |_, a| {
            if let Some(m) = a[0].as_map() {
                m.write().remove(s(&a, 1));
            }
            Ok(a[0].clone())
        }),
    );
    add(
        "hasKey",
        func(&[Map, Str], None, |_, a| {
            Ok(Value::Bool(
                a[0].as_map().is_some_and(|m| m.read().contains_key(s(&a, 1))),
            ))
        }),
    );
    add(
        "keys",
        func(&[], Some(Map), |_, a| {
            let mut v = Vec::new();
            for d in &a {
                if let Some(m) = d.as_map() {
                    v.extend(m.read().keys().cloned());
                }
            }
            Ok(Value::str_list(v))
        }),
    );
    add(
        "values",
        func(&[Map], None, |_, a| {
            Ok(Value::list(
                a[0].as_map()
                    .map(|m| m.read().values().cloned().collect())
                    .unwrap_or_default(),
            ))
        }),
    );
    add(
        "pick",
        func(&[Map], Some(Str), |_, a| {
            let mut out = crate::value::Map::new();
            if let Some(m) = a[0].as_map() {
                for k in &a[1..] {
                    if let Some(key) = k.as_str()
                        && let Some(v) = m.get(key)
                    {
                        out.insert(key.to_string(), v);
                    }
                }
            }
            Ok(Value::map(out))
        }),
    );
    add(
        "omit",
        func(&[Map], Some(Str), |_, a| {
            let mut out = crate::value::Map::new();
            if let Some(m) = a[0].as_map() {
                for (k, v) in m.entries() {
                    if !a[1..].iter().any(|o| o.as_str() == Some(k.as_str())) {
                        out.insert(k, v);
                    }
                }
            }
            Ok(Value::map(out))
        }),
    );
    let merge = |overwrite: bool| {
        move |_: &mut dyn crate::func::CallContext, a: Vec<Value>| -> Result<Value, String> {
            let Some(dst) = a[0].as_map() else {
                return Ok(a[0].clone());
            };
            for src in &a[1..] {
                if let Some(sm) = src.as_map() {
                    let snapshot = sm.snapshot();
                    merge_into(dst, &snapshot, overwrite, 0);
                }
            }
            Ok(a[0].clone())
        }
    };
    add("merge", func(&[Map], Some(Map), merge(false)));
    add("mustMerge", func(&[Map], Some(Map), merge(false)));
    add("mergeOverwrite", func(&[Map], Some(Map), merge(true)));
    add("mustMergeOverwrite", func(&[Map], Some(Map), merge(true)));
    add("deepCopy", func(&[Any], None, |_, a| Ok(a[0].deep_copy())));
    add("mustDeepCopy", func(&[Any], None, |_, a| Ok(a[0].deep_copy())));
    add(
        "dig",
        func(&[], Some(Any), |_, a| {
            if a.len() < 3 {
                return Err("dig needs at least three arguments".to_string());
            }
            let n = a.len();
            dig(&a[..n - 2], &a[n - 2], &a[n - 1])
        }),
    );
    add(
        "pluck",
        func(&[Str], Some(Map), |_, a| {
            let key = s(&a, 0);
            Ok(Value::list(
                a[1..]
                    .iter()
                    .filter_map(|d| d.as_map().and_then(|m| m.get(key)))
                    .collect(),
            ))
        }),
    );
}
