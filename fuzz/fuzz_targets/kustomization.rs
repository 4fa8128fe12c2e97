//! Any kustomization.yaml must build or fail with an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    if std::fs::write(dir.path().join("kustomization.yaml"), data).is_err() {
        return;
    }
    let _ = std::fs::write(dir.path().join("cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n");
    let _ = rflux_kustomize::build(dir.path(), dir.path());
});
