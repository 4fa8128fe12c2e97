//! Parsing any text as a Go template must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let mut t = rflux_gotmpl::Template::new("fuzz");
        let _ = t.parse("fuzz", text);
    }
});
