//! Executing any template that parses, over fixed values, must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut t = rflux_gotmpl::Template::new("fuzz");
    if t.parse("fuzz", text).is_err() {
        return;
    }
    let values = serde_json::json!({"Values": {"a": 1, "b": "two", "list": [1, 2, 3], "map": {"k": "v"}}});
    let _ = t.execute("fuzz", &rflux_gotmpl::Value::from_json(&values));
});
