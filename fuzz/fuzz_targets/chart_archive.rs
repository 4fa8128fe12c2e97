//! Loading a chart archive (`.tgz`) must never panic: bad gzip, bad tar, `..` and absolute
//! paths, links, oversize files and broken Chart.yaml/values.yaml all end in an error. The
//! input is used both raw and gzip-compressed, so the fuzzer reaches the tar and YAML layers.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rflux_helm::Chart::load_archive_bytes("fuzz.tgz", data);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    if gz.write_all(data).is_ok()
        && let Ok(compressed) = gz.finish()
        && let Ok(chart) = rflux_helm::Chart::load_archive_bytes("fuzz.tgz", &compressed)
    {
        let _ = rflux_helm::render(&chart, &Default::default(), &Default::default());
    }
});
