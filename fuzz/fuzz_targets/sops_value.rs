//! The sops value parser (`ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`) and the document and
//! metadata parsers must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = rflux_sops::cipher::EncryptedValue::parse(text, "fuzz");
    }
    let keys = rflux_sops::Keyring::new();
    for format in [rflux_sops::Format::Yaml, rflux_sops::Format::Json, rflux_sops::Format::Dotenv, rflux_sops::Format::Ini] {
        let _ = rflux_sops::decrypt(data, format, &keys, &Default::default());
    }
});
