//! The API server's request body decoding and patch application must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rflux_apiserver::api::PatchType;
use rflux_apiserver::patch::{apply_patch, decode_body};

fuzz_target!(|data: &[u8]| {
    let _ = decode_body(data);
    let _ = rflux_apiserver::fieldvalidation::duplicate_fields(data);
    let current = serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "labels": {"a": "b"}},
        "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x", "env": [{"name": "E", "value": "1"}]}]}}}
    });
    for ty in [PatchType::Json, PatchType::Merge, PatchType::Strategic] {
        let _ = apply_patch(ty, &current, data, None);
    }
});
